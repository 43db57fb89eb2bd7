/**
 * The normalization choice of the network builders: BatchNorm2d (default), GroupNorm, a
 * "layer" norm over (C, H, W) with per-channel affine (GroupNorm with one group, the usual
 * LayerNorm of conv nets, independent of the spatial size), or none.
 */
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { Identity } from './container.js';
import { BatchNorm2d, type BatchNormActEpilogue } from './batch-norm.js';
import { GroupNorm } from './norm.js';
import type { Module } from './module.js';

/** Normalization after each convolution. */
export type NormKind = 'batch' | 'group' | 'layer' | 'none';

/** Options that pick and size the normalization layer. */
export interface NormChoice {
  /** default 'batch' */
  norm?: NormKind;
  /** GroupNorm groups (default: the largest divisor of C that is ≤ 32) */
  groups?: number;
  dtype?: DType;
}

/** Largest divisor of c that is ≤ cap. */
export function defaultGroups(c: number, cap = 32): number {
  for (let g = Math.min(cap, c); g > 1; g--) if (c % g === 0) return g;
  return 1;
}

/** A normalization layer for `channels` channels (Identity for 'none'). */
export function makeNorm(channels: number, choice: NormChoice = {}): Module {
  const kind = choice.norm ?? 'batch';
  const dtype = choice.dtype;
  switch (kind) {
    case 'batch':
      return new BatchNorm2d(channels, { dtype });
    case 'group':
      return new GroupNorm(choice.groups ?? defaultGroups(channels), channels, { dtype });
    case 'layer':
      return new GroupNorm(1, channels, { dtype });
    case 'none':
      return new Identity();
  }
}

/** A normalization layer that runs fused with the residual add and ReLU after it. */
export interface FusedNorm {
  /** relu?(forward(x) + residual) in one kernel forward and backward (4-D, when it can) */
  forwardAct(x: Tensor, epilogue?: BatchNormActEpilogue): Tensor;
}

/** Whether `m` has a fused `forwardAct` (BatchNorm2d, GroupNorm; LayerNorm of conv nets is GroupNorm(1, C)). */
export function isFusedNorm(m: Module | null): m is Module & FusedNorm {
  return m instanceof BatchNorm2d || m instanceof GroupNorm;
}

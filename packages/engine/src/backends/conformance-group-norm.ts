/**
 * Conformance cases of the group-norm kernels: NHWC and blocked buffers, groups that straddle
 * the 16-channel blocks, one group (layer norm), one channel per group, offset data (|mean| ≫
 * std), with and without residual, ReLU and its bit mask.
 */
import type { ChannelOrder } from '../kernels.js';
import { Rng } from '../rng.js';
import type { Case, Params } from './conformance-cases.js';
import { f32 } from './conformance-layers.js';

/** One shape of the group-norm cases. */
export interface GroupNormShape {
  n: number;
  c: number;
  hw: number;
  groups: number;
  order: ChannelOrder;
  /** fused residual add and ReLU (with a bit mask when blocked) */
  act: boolean;
  /** inputs drawn from [lo, lo + 1) instead of [-2, 3) */
  offset?: number;
}

/** The forward and backward cases of one shape. */
export function groupNormCasesOf(s: GroupNormShape): Case[] {
  const { n, c, hw, groups, order, act } = s;
  const size = n * c * hw;
  const words = Math.ceil(size / 32);
  const bits = act && order === 'nChw16c';
  const label =
    `N=${n} C=${c} hw=${hw} G=${groups} ${order}` +
    (act ? ' +res relu' : '') +
    (s.offset !== undefined ? ` offset ${s.offset}` : '');
  const sizes: Params = { n, c, hw, groups, order };
  const lo = s.offset ?? -2;
  const hi = s.offset !== undefined ? s.offset + 1 : 3;
  return [
    {
      kernel: 'groupNormForward',
      label,
      tol: 1e-5,
      outputs: ['y', 'mean', 'invStd', ...(bits ? ['reluMask'] : [])],
      make: (r: Rng) => ({
        y: f32(r, size),
        mean: f32(r, n * groups),
        invStd: f32(r, n * groups),
        x: f32(r, size, lo, hi),
        gamma: f32(r, c, 0.5, 1.5),
        beta: f32(r, c),
        residual: act ? f32(r, size) : null,
        relu: act,
        reluMask: bits ? new Uint32Array(words).fill(0xdeadbeef) : null,
        eps: 1e-5,
        ...sizes,
      }),
    },
    {
      kernel: 'groupNormBackward',
      label: label + (bits ? ' bit mask' : ''),
      tol: 1e-4,
      outputs: ['dx', 'dgamma', 'dbeta', 'dresidual'],
      make: (r: Rng) => ({
        dx: f32(r, size),
        dgamma: f32(r, c),
        dbeta: f32(r, c),
        dresidual: act ? f32(r, size) : null,
        y: act && !bits ? f32(r, size) : null,
        reluMask: bits
          ? Uint32Array.from({ length: words }, () => r.int(0x10000) * 0x10000 + r.int(0x10000))
          : null,
        dy: f32(r, size),
        x: f32(r, size, lo, hi),
        mean: f32(r, n * groups, lo, hi),
        invStd: f32(r, n * groups, 0.5, 2),
        gamma: f32(r, c, 0.5, 1.5),
        ...sizes,
      }),
    },
  ];
}

/** The suite's group-norm cases. */
export function groupNormCases(): Case[] {
  const shapes: GroupNormShape[] = [
    { n: 3, c: 6, hw: 10, groups: 3, order: 'nhwc', act: true },
    { n: 2, c: 20, hw: 7, groups: 20, order: 'nhwc', act: false },
    { n: 4, c: 48, hw: 49, groups: 16, order: 'nChw16c', act: true },
    { n: 2, c: 32, hw: 196, groups: 1, order: 'nChw16c', act: false },
    { n: 8, c: 64, hw: 64, groups: 32, order: 'nChw16c', act: true },
    { n: 2, c: 16, hw: 50, groups: 4, order: 'nChw16c', act: false, offset: 100 },
  ];
  return shapes.flatMap(groupNormCasesOf);
}

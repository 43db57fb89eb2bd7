/**
 * Params records of the group-norm kernels (LayerNorm of conv nets is the one-group case).
 * Conventions are stated in kernels.ts. Buffers of shape [N, C, H, W] are stored NHWC or
 * nChw16c as `order` says; `hw` = H·W.
 */
import type { Data } from './dtype.js';
import type { ChannelOrder } from './kernel-params-nn.js';

/**
 * Fused group norm, optional residual add, optional ReLU:
 * per image n and group g (channels g·C/G … (g+1)·C/G − 1), mean and biased variance over its
 * (C/G)·H·W values (accumulated in float64); y = relu?((x − mean)·invStd·γ_c + β_c + residual).
 * The same in training and eval (no running statistics).
 */
export interface GroupNormForwardParams {
  /** [N, C, H, W] in `order`, overwritten */
  y: Data;
  /** [N, G] per-(image, group) mean, overwritten */
  mean: Data;
  /** [N, G] 1/sqrt(biased variance + eps), overwritten */
  invStd: Data;
  /** [N, C, H, W] in `order` */
  x: Data;
  /** [C] or null (γ 1) */
  gamma: Data | null;
  /** [C] or null (β 0) */
  beta: Data | null;
  /** [N, C, H, W] in `order`, added after the affine, or null */
  residual: Data | null;
  /** apply ReLU last */
  relu: boolean;
  /**
   * With relu: written with the ReLU mask, bit i (bit i mod 32 of word ⌊i/32⌋) set iff y[i] > 0,
   * i in storage order; ⌈N·C·H·W/32⌉ words (as BatchNormActForwardTrainParams.reluMask).
   */
  reluMask?: Uint32Array | null;
  n: number;
  c: number;
  hw: number;
  /** G, a divisor of c (any: groups need not align with the 16-channel blocks) */
  groups: number;
  eps: number;
  /** storage order of every [N, C, H, W] buffer (default 'nhwc') */
  order?: ChannelOrder;
}

/**
 * Backward of the fused group norm: gr = relu ? dy·(y > 0) : dy; dresidual += gr;
 * xhat = (x − mean)·invStd; dβ_c += Σ gr; dγ_c += Σ gr·xhat (sums over n, h, w);
 * per (n, g) with K = (C/G)·H·W values: dx += invStd·(γ_c·gr − Σ_g γ·gr / K − xhat·Σ_g γ·gr·xhat / K).
 */
export interface GroupNormBackwardParams {
  /** [N, C, H, W] accumulated */
  dx: Data;
  /** [C] accumulated, or null */
  dgamma: Data | null;
  /** [C] accumulated, or null */
  dbeta: Data | null;
  /** [N, C, H, W] accumulated, or null when there was no residual */
  dresidual: Data | null;
  /** [N, C, H, W] the forward output (ReLU mask), or null when there was no ReLU */
  y: Data | null;
  /** the forward's bit mask; used instead of y when given */
  reluMask?: Uint32Array | null;
  /** [N, C, H, W] */
  dy: Data;
  /** [N, C, H, W] forward input */
  x: Data;
  /** [N, G] saved mean */
  mean: Data;
  /** [N, G] saved 1/sqrt(var + eps) */
  invStd: Data;
  /** [C] or null (γ 1) */
  gamma: Data | null;
  n: number;
  c: number;
  hw: number;
  groups: number;
  /** storage order of every [N, C, H, W] buffer (default 'nhwc') */
  order?: ChannelOrder;
  /** true: write dx instead of adding to it (its old contents are garbage); default false */
  overwriteDx?: boolean;
  /** the same for dresidual */
  overwriteDresidual?: boolean;
}

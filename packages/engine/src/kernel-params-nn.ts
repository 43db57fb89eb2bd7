/**
 * Params records of the network-layer kernels (convolution, batch norm, pooling, softmax /
 * cross-entropy, optimizer steps). Conventions are stated in kernels.ts.
 */
import type { Data } from './dtype.js';

/**
 * Storage order of a 4-D activation buffer as kernels see it: 'nhwc' (channels last; for an
 * [M, C] view, rows of C) or 'nChw16c' (oneDNN's blocked order: element (n, c, h, w) at
 * (((n·C/16 + ⌊c/16⌋)·H + h)·W + w)·16 + c mod 16; C a multiple of 16).
 */
export type ChannelOrder = 'nhwc' | 'nChw16c';

/** Geometry of a 2-D convolution (PyTorch semantics, no ceil mode). */
export interface Conv2dGeometry {
  n: number;
  cIn: number;
  h: number;
  w: number;
  cOut: number;
  kH: number;
  kW: number;
  outH: number;
  outW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  groups: number;
}

/** y = conv(x, weight) + bias. */
export interface Conv2dForwardParams {
  /** [N, outH, outW, Cout] NHWC, overwritten */
  y: Data;
  /** [N, H, W, Cin] NHWC */
  x: Data;
  /** [Cout, Cin/groups, kH, kW] OIHW */
  weight: Data;
  /** [Cout] or null */
  bias: Data | null;
  geom: Conv2dGeometry;
  /** storage order of x (default 'nhwc'; with Cin = 1 'nhwc' is also NCHW) */
  xOrder?: ChannelOrder;
  /** storage order of y (default 'nhwc') */
  yOrder?: ChannelOrder;
}

/** dx += conv_transpose(dy, weight). */
export interface Conv2dBackwardInputParams {
  /** [N, H, W, Cin] NHWC, accumulated */
  dx: Data;
  /** [N, outH, outW, Cout] NHWC */
  dy: Data;
  /** [Cout, Cin/groups, kH, kW] OIHW */
  weight: Data;
  geom: Conv2dGeometry;
  /** true: write dx instead of adding to it (its old contents are garbage); default false */
  overwriteDx?: boolean;
  /** storage order of dx (default 'nhwc') */
  xOrder?: ChannelOrder;
  /** storage order of dy (default 'nhwc') */
  yOrder?: ChannelOrder;
}

/** dweight += correlation(x, dy); dbias += sum of dy over N, outH, outW. */
export interface Conv2dBackwardWeightParams {
  /** [Cout, Cin/groups, kH, kW] OIHW, accumulated */
  dweight: Data;
  /** [Cout] accumulated, or null */
  dbias: Data | null;
  /** [N, outH, outW, Cout] NHWC */
  dy: Data;
  /** [N, H, W, Cin] NHWC */
  x: Data;
  geom: Conv2dGeometry;
  /** storage order of x (default 'nhwc') */
  xOrder?: ChannelOrder;
  /** storage order of dy (default 'nhwc') */
  yOrder?: ChannelOrder;
}

/**
 * Training batch norm over an [M, C] view (M = N*H*W, channels last): per channel c,
 * mean and biased variance over M; y = (x - mean) * invStd * gamma + beta, invStd = 1/sqrt(var+eps).
 */
export interface BatchNormForwardTrainParams {
  /** [M, C], overwritten */
  y: Data;
  /** [C] batch mean, overwritten */
  mean: Data;
  /** [C] batch variance (biased, divides by M), overwritten */
  varBiased: Data;
  /** [C] 1/sqrt(varBiased + eps), overwritten */
  invStd: Data;
  /** [M, C] */
  x: Data;
  /** [C] or null (affine=false means gamma 1) */
  gamma: Data | null;
  /** [C] or null (beta 0) */
  beta: Data | null;
  m: number;
  c: number;
  eps: number;
  /** storage order of every [M, C] buffer (default 'nhwc' = rows of C) */
  order?: ChannelOrder;
  /** pixels per image (H·W; M = N·hw); needed for 'nChw16c' */
  hw?: number;
}

/** Eval batch norm with given statistics over an [M, C] view. */
export interface BatchNormForwardEvalParams {
  /** [M, C], overwritten */
  y: Data;
  /** [M, C] */
  x: Data;
  /** [C] running mean */
  mean: Data;
  /** [C] running variance */
  variance: Data;
  /** [C] or null */
  gamma: Data | null;
  /** [C] or null */
  beta: Data | null;
  m: number;
  c: number;
  eps: number;
  /** storage order of every [M, C] buffer (default 'nhwc' = rows of C) */
  order?: ChannelOrder;
  /** pixels per image (H·W; M = N·hw); needed for 'nChw16c' */
  hw?: number;
}

/**
 * Backward of training batch norm (batch statistics depend on x):
 * xhat = (x-mean)*invStd; dbeta += Σ dy; dgamma += Σ dy*xhat;
 * dx += gamma*invStd/M * (M*dy - Σdy - xhat*Σ(dy*xhat)).
 */
export interface BatchNormBackwardParams {
  /** [M, C] accumulated */
  dx: Data;
  /** [C] accumulated, or null */
  dgamma: Data | null;
  /** [C] accumulated, or null */
  dbeta: Data | null;
  /** [M, C] */
  dy: Data;
  /** [M, C] forward input */
  x: Data;
  /** [C] saved batch mean */
  mean: Data;
  /** [C] saved 1/sqrt(var+eps) */
  invStd: Data;
  /** [C] or null (gamma 1) */
  gamma: Data | null;
  m: number;
  c: number;
  /** storage order of every [M, C] buffer (default 'nhwc' = rows of C) */
  order?: ChannelOrder;
  /** pixels per image (H·W; M = N·hw); needed for 'nChw16c' */
  hw?: number;
}

/** Geometry of a 2-D pooling window (PyTorch semantics, floor mode). */
export interface Pool2dGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  outH: number;
  outW: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

/** Max pooling; argmax records the winning input index (h*W + w) per output, -1 if none. */
export interface MaxPool2dForwardParams {
  /** [N, outH, outW, C] NHWC, overwritten */
  y: Data;
  /** [N, outH, outW, C], overwritten */
  argmax: Int32Array;
  /** [N, H, W, C] NHWC */
  x: Data;
  geom: Pool2dGeometry;
}

/** dx[argmax] += dy. */
export interface MaxPool2dBackwardParams {
  /** [N, H, W, C] NHWC, accumulated */
  dx: Data;
  /** [N, outH, outW, C] */
  dy: Data;
  /** [N, outH, outW, C] */
  argmax: Int32Array;
  geom: Pool2dGeometry;
}

/** Average pooling; padding counts toward the divisor (count_include_pad=True). */
export interface AvgPool2dForwardParams {
  /** [N, outH, outW, C] NHWC, overwritten */
  y: Data;
  /** [N, H, W, C] NHWC */
  x: Data;
  geom: Pool2dGeometry;
}

/** Backward of avgPool2dForward. */
export interface AvgPool2dBackwardParams {
  /** [N, H, W, C] NHWC, accumulated */
  dx: Data;
  /** [N, outH, outW, C] */
  dy: Data;
  geom: Pool2dGeometry;
}

/** Adaptive average pooling: window i spans [floor(i*H/outH), ceil((i+1)*H/outH)). */
export interface AdaptiveAvgPool2dParams {
  /** forward: [N, outH, outW, C] NHWC overwritten; backward: [N, H, W, C] accumulated */
  out: Data;
  /** forward: [N, H, W, C]; backward: dy [N, outH, outW, C] */
  x: Data;
  n: number;
  c: number;
  h: number;
  w: number;
  outH: number;
  outW: number;
  /** storage order of both buffers (default 'nhwc') */
  order?: ChannelOrder;
}

/** y = log_softmax(x) over the last axis of a [rows, cols] view. */
export interface LogSoftmaxForwardParams {
  /** [rows, cols], overwritten */
  y: Data;
  /** [rows, cols] */
  x: Data;
  rows: number;
  cols: number;
}

/** dx += dy - exp(y) * Σ_cols dy. */
export interface LogSoftmaxBackwardParams {
  /** [rows, cols] accumulated */
  dx: Data;
  /** [rows, cols] */
  dy: Data;
  /** [rows, cols] forward output (log-probabilities) */
  y: Data;
  rows: number;
  cols: number;
}

/**
 * Cross entropy per row with label smoothing ε exactly as torch:
 * loss_r = -(1-ε)·logp[r, label_r] - (ε/cols)·Σ_j logp[r, j].
 */
export interface CrossEntropyForwardParams {
  /** [rows] per-row loss, overwritten */
  losses: Data;
  /** [rows, cols] log-probabilities, overwritten (saved for backward) */
  logProb: Data;
  /** [rows, cols] */
  logits: Data;
  /** [rows] class indices in [0, cols) */
  labels: Int32Array;
  rows: number;
  cols: number;
  labelSmoothing: number;
}

/** dlogits[r, j] += scale * (softmax[r, j] - target[r, j]). */
export interface CrossEntropyBackwardParams {
  /** [rows, cols] accumulated */
  dlogits: Data;
  /** [rows, cols] saved log-probabilities */
  logProb: Data;
  /** [rows] */
  labels: Int32Array;
  rows: number;
  cols: number;
  labelSmoothing: number;
  /** dLoss/dloss_r, the same for every row (1/rows for mean reduction) */
  scale: number;
}

/** Fused training batch norm, optional residual add, optional ReLU: y = relu?(bn(x) + residual). */
export interface BatchNormActForwardTrainParams extends BatchNormForwardTrainParams {
  /** [M, C] added after the affine, or null */
  residual: Data | null;
  /** apply ReLU last */
  relu: boolean;
  /**
   * With relu: written with the ReLU mask, bit i (bit i mod 32 of word ⌊i/32⌋) set iff y[i] > 0,
   * i in storage order; ⌈M·C/32⌉ words. Lets the backward read 1 bit instead of y per element.
   */
  reluMask?: Uint32Array | null;
}

/**
 * Backward of the fused op: g = relu ? dy·(y > 0) : dy; dresidual += g; then the batch-norm
 * backward of g (dx, dgamma, dbeta accumulated as in BatchNormBackwardParams).
 */
export interface BatchNormActBackwardParams extends BatchNormBackwardParams {
  /** [M, C] accumulated, or null when there was no residual */
  dresidual: Data | null;
  /** [M, C] the fused forward output (ReLU mask), or null when there was no ReLU */
  y: Data | null;
  /** the forward's bit mask (see BatchNormActForwardTrainParams); used instead of y when given */
  reluMask?: Uint32Array | null;
  /** true: write dx instead of adding to it (its old contents are garbage); default false */
  overwriteDx?: boolean;
  /** the same for dresidual */
  overwriteDresidual?: boolean;
}

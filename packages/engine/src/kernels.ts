/**
 * The typed kernel interface. A backend is an object implementing `Kernels`; every kernel takes
 * one params record written outputs first, then inputs, then sizes. Each buffer's comment gives
 * its shape and storage order.
 *
 * Conventions every backend must honour (the TS backend in backends/ts is the spec):
 * - Forward kernels OVERWRITE their outputs. Backward kernels ACCUMULATE (+=) into gradient
 *   buffers that the caller zeroed (or that already hold a partial gradient).
 * - Activations of 2-D convolution, batch/group norm and pooling are channels-last: a logical
 *   [N,C,H,W] tensor is stored NHWC, i.e. element (n,c,h,w) sits at ((n*H + h)*W + w)*C + c,
 *   unless the params give a `ChannelOrder` of 'nChw16c' for a buffer (conv, batch/group norm,
 *   adaptive pooling): then it is blocked (see ChannelOrder).
 * - Backward kernels with an `overwrite*` flag set write that buffer instead of adding to it.
 * - Convolution weights are OIHW ([Cout, Cin/groups, kH, kW], PyTorch state_dict order).
 * - Buffers are Float32Array or Float64Array (`Data`); all buffers of one call share a dtype.
 *   The engine always runs float64 calls on the TS backend, so a native backend only ever sees
 *   Float32Array (it may assume it).
 * - Kernels never allocate tensors; scratch memory is the backend's business.
 */
import type { Data } from './dtype.js';
import type {
  Conv2dForwardParams,
  Conv2dBackwardInputParams,
  Conv2dBackwardWeightParams,
  BatchNormForwardTrainParams,
  BatchNormForwardEvalParams,
  BatchNormBackwardParams,
  MaxPool2dForwardParams,
  MaxPool2dBackwardParams,
  AvgPool2dForwardParams,
  AvgPool2dBackwardParams,
  AdaptiveAvgPool2dParams,
  LogSoftmaxForwardParams,
  LogSoftmaxBackwardParams,
  CrossEntropyForwardParams,
  CrossEntropyBackwardParams,
  BatchNormActForwardTrainParams,
  BatchNormActBackwardParams,
} from './kernel-params-nn.js';
import type {
  SgdStepParams,
  AdamStepParams,
  LionStepParams,
  SgdpStepParams,
  AdampStepParams,
  RotationalStepParams,
} from './kernel-params-optim.js';
import type {
  GroupNormBackwardParams,
  GroupNormForwardParams,
} from './kernel-params-group-norm.js';

export type * from './kernel-params-nn.js';
export type * from './kernel-params-group-norm.js';
export type * from './kernel-params-optim.js';

/** Element-wise binary operations. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';
/** Element-wise unary operations. */
export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'relu';
/** Operations of a tensor with a scalar s: x+s, x*s, x^s, s-x, s/x. */
export type ScalarOp = 'add' | 'mul' | 'pow' | 'rsub' | 'rdiv';

/** out = a (op) b with broadcasting; each operand is addressed through its own strides. */
export interface BinaryParams {
  op: BinaryOp;
  /** storage addressed by outStrides over `shape` */
  out: Data;
  /** storage addressed by aStrides (0 on broadcast axes) */
  a: Data;
  /** storage addressed by bStrides (0 on broadcast axes) */
  b: Data;
  /** logical output shape, rank r */
  shape: readonly number[];
  /** element strides per logical axis, each of length r */
  outStrides: readonly number[];
  aStrides: readonly number[];
  bStrides: readonly number[];
}

/** out[i] = op(x[i]) for i < n (same storage order in and out). */
export interface UnaryParams {
  op: UnaryOp;
  /** [n] */
  out: Data;
  /** [n] */
  x: Data;
  n: number;
}

/** out[i] = x[i] (op) s for i < n. */
export interface ScalarParams {
  op: ScalarOp;
  /** [n] */
  out: Data;
  /** [n] */
  x: Data;
  s: number;
  n: number;
}

/** dx[i] += y[i] > 0 ? dy[i] : 0 (y is the ReLU output). */
export interface ReluBackwardParams {
  /** [n], accumulated */
  dx: Data;
  /** [n] */
  dy: Data;
  /** [n] forward output */
  y: Data;
  n: number;
}

/** out[o, i] = sum over m of x[o, m, i] (overwrites out). */
export interface SumAxisParams {
  /** [outer, inner] */
  out: Data;
  /** [outer, mid, inner] */
  x: Data;
  outer: number;
  mid: number;
  inner: number;
}

/** Gather-copy: out (row-major over `shape`) = x read through xStrides. Used by permute/layout. */
export interface CopyStridedParams {
  /** row-major over shape */
  out: Data;
  /** storage addressed by xStrides */
  x: Data;
  shape: readonly number[];
  xStrides: readonly number[];
}

/**
 * Batched GEMM: out[b] (+)= op(a[b]) · op(b[b]), op = transpose when transA/transB.
 * a[b] is [m,k] ([k,m] if transA), b[b] is [k,n] ([n,k] if transB), out[b] is [m,n]; all row-major.
 */
export interface MatmulParams {
  /** [batch, m, n] */
  out: Data;
  /** [batch, m, k] or [batch, k, m]; batch stride aBatchStride (0 = shared) */
  a: Data;
  /** [batch, k, n] or [batch, n, k]; batch stride bBatchStride (0 = shared) */
  b: Data;
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  aBatchStride: number;
  bBatchStride: number;
  /** false: out = product; true: out += product */
  accumulate: boolean;
}

/** Every kernel a backend provides. Adding a kernel here is a compile error for backends. */
export interface Kernels {
  binary(p: BinaryParams): void;
  unary(p: UnaryParams): void;
  scalar(p: ScalarParams): void;
  reluBackward(p: ReluBackwardParams): void;
  sumAxis(p: SumAxisParams): void;
  copyStrided(p: CopyStridedParams): void;
  matmul(p: MatmulParams): void;
  conv2dForward(p: Conv2dForwardParams): void;
  conv2dBackwardInput(p: Conv2dBackwardInputParams): void;
  conv2dBackwardWeight(p: Conv2dBackwardWeightParams): void;
  batchNormForwardTrain(p: BatchNormForwardTrainParams): void;
  batchNormForwardEval(p: BatchNormForwardEvalParams): void;
  batchNormBackward(p: BatchNormBackwardParams): void;
  batchNormActForwardTrain(p: BatchNormActForwardTrainParams): void;
  batchNormActBackward(p: BatchNormActBackwardParams): void;
  groupNormForward(p: GroupNormForwardParams): void;
  groupNormBackward(p: GroupNormBackwardParams): void;
  maxPool2dForward(p: MaxPool2dForwardParams): void;
  maxPool2dBackward(p: MaxPool2dBackwardParams): void;
  avgPool2dForward(p: AvgPool2dForwardParams): void;
  avgPool2dBackward(p: AvgPool2dBackwardParams): void;
  adaptiveAvgPool2dForward(p: AdaptiveAvgPool2dParams): void;
  adaptiveAvgPool2dBackward(p: AdaptiveAvgPool2dParams): void;
  logSoftmaxForward(p: LogSoftmaxForwardParams): void;
  logSoftmaxBackward(p: LogSoftmaxBackwardParams): void;
  crossEntropyForward(p: CrossEntropyForwardParams): void;
  crossEntropyBackward(p: CrossEntropyBackwardParams): void;
  sgdStep(p: SgdStepParams): void;
  adamStep(p: AdamStepParams): void;
  lionStep(p: LionStepParams): void;
  sgdpStep(p: SgdpStepParams): void;
  adampStep(p: AdampStepParams): void;
  rotationalStep(p: RotationalStepParams): void;
}

/** Name of one kernel. */
export type KernelName = keyof Kernels;

/** @smd/engine: tensors, autograd, ops, Kernels and the reference TS backend, nn, optim, schedules, RNG. */
export const ENGINE_PACKAGE = '@smd/engine';
export { Tensor, permuteData, type Layout, type TensorOptions } from './tensor.js';
export type { DType, Data } from './dtype.js';
export { allocData } from './dtype.js';
export { numel, broadcastShapes, contiguousStrides, channelsLastStrides } from './shape.js';
export { CHANNEL_BLOCK, relayoutCopy, storageOffset } from './storage-order.js';
export { noGrad, enableGrad, isGradEnabled, type GradFn } from './autograd.js';
export type {
  OpRecord,
  OpKind,
  BatchNormRecord,
  GroupNormRecord,
  FusedNormRecord,
  NormEpilogue,
  RunningStats,
} from './op-record.js';
export type * from './kernels.js';
export {
  getBackend,
  setBackend,
  withBackend,
  defineBackend,
  kernelsFor,
  tsBackend,
  type ActivationLayout,
  type Backend,
} from './backend.js';
export { tsKernels } from './backends/ts/index.js';
export * from './ops/index.js';
export type { Conv2dOptions } from './ops/conv2d.js';
export { conv2dGeometry } from './ops/conv2d.js';
export type { BatchNormOptions } from './ops/batch-norm.js';
export type { Pool2dOptions } from './ops/pool.js';
export type { CrossEntropyOptions } from './ops/softmax.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.js';
export { Rng, type RngState } from './rng.js';
export * from './data/index.js';
export * from './schedule/index.js';
export * from './nn/index.js';
export * from './optim/index.js';

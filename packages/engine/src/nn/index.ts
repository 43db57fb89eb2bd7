/** nn: Module and layers shaped like torch.nn, default init, weight norm, network builders. */
export { Module, type StateDict, type LoadResult, type Parametrization } from './module.js';
export {
  defaultInitRng,
  manualSeed,
  calculateGain,
  fanInAndFanOut,
  uniform_,
  normal_,
  constant_,
  kaimingUniform_,
  kaimingNormal_,
  resetLinearLike,
  type Nonlinearity,
  type KaimingOptions,
} from './init.js';
export { Linear, type LayerInit } from './linear.js';
export { Conv2d, type Conv2dInit } from './conv2d.js';
export { BatchNorm2d, type BatchNormInit } from './batch-norm.js';
export { GroupNorm, LayerNorm, type NormInit } from './norm.js';
export { Sequential, Identity, Flatten, ReLU } from './container.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pooling.js';
export { CrossEntropyLoss, type CrossEntropyLossInit } from './loss.js';
export { weightNorm, removeWeightNorm } from './weight-norm.js';
export { makeNorm, defaultGroups, type NormKind, type NormChoice } from './norm-layer.js';
export {
  BasicBlock,
  ResNet,
  resnet,
  type ResNetOptions,
  type BuildOptions,
  type WeightNormMode,
  type ConvInit,
} from './resnet.js';
export { ConvStack, convStack, type ConvStackOptions } from './conv-stack.js';

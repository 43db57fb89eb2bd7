/**
 * Every differentiable op. The gradient-check test enumerates this module's exports, so each
 * function exported here must have a gradcheck case.
 */
export { add, sub, mul, div, neg, exp, log, sqrt, pow, relu } from './elementwise.js';
export { sum, mean, norm, expand, sumTo } from './reduce.js';
export { reshape, view, flatten, unsqueeze, squeeze, permute, transpose } from './shape-ops.js';
export { contiguous, toChannelsLast } from './layout.js';
export { matmul, linear } from './matmul.js';
export { conv2d } from './conv2d.js';
export { batchNorm2d } from './batch-norm.js';
export { batchNormAct2d } from './batch-norm-act.js';
export { groupNorm, groupNormAct2d, layerNorm, type GroupNormActOptions } from './group-norm.js';
export { maxPool2d, avgPool2d, adaptiveAvgPool2d } from './pool.js';
export { logSoftmax, softmax, crossEntropy, dropout } from './softmax.js';

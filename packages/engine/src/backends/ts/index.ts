/** The reference TypeScript backend: every kernel, written for clarity and reasonable speed. */
import type { Kernels } from '../../kernels.js';
import { binary, copyStrided, reluBackward, scalar, sumAxis, unary } from './elementwise.js';
import { matmul } from './gemm.js';
import {
  adaptiveAvgPool2dBackward,
  adaptiveAvgPool2dForward,
  batchNormActBackward,
  batchNormActForwardTrain,
  batchNormBackward,
  batchNormForwardEval,
  batchNormForwardTrain,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dForward,
  groupNormBackward,
  groupNormForward,
} from './ordered.js';
import {
  avgPool2dBackward,
  avgPool2dForward,
  maxPool2dBackward,
  maxPool2dForward,
} from './pool.js';
import {
  crossEntropyBackward,
  crossEntropyForward,
  logSoftmaxBackward,
  logSoftmaxForward,
} from './softmax.js';
import { adampStep, adamStep, lionStep, rotationalStep, sgdpStep, sgdStep } from './optim.js';

/** All TS kernels. */
export const tsKernels: Kernels = Object.freeze({
  binary,
  unary,
  scalar,
  reluBackward,
  sumAxis,
  copyStrided,
  matmul,
  conv2dForward,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  batchNormForwardTrain,
  batchNormForwardEval,
  batchNormBackward,
  batchNormActForwardTrain,
  batchNormActBackward,
  groupNormForward,
  groupNormBackward,
  maxPool2dForward,
  maxPool2dBackward,
  avgPool2dForward,
  avgPool2dBackward,
  adaptiveAvgPool2dForward,
  adaptiveAvgPool2dBackward,
  logSoftmaxForward,
  logSoftmaxBackward,
  crossEntropyForward,
  crossEntropyBackward,
  sgdStep,
  adamStep,
  lionStep,
  sgdpStep,
  adampStep,
  rotationalStep,
});

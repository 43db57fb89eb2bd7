/** Fused batch norm + optional residual add + optional ReLU (one kernel pass when training). */
import { allocData } from '../dtype.js';
import { fmtShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import {
  batchNorm2d,
  batchNormRecord,
  updateRunningStats,
  type BatchNormOptions,
} from './batch-norm.js';
import { add, relu as reluOp } from './elementwise.js';
import { acquireReluMask, recordFusedNorm } from './fused-norm.js';
import { empty, kern, normInput } from './util.js';

/** Options of batchNormAct2d: batch-norm options plus the fused epilogue. */
export interface BatchNormActOptions extends BatchNormOptions {
  /** added after the affine (same shape as x), e.g. a ResNet shortcut; default none */
  residual?: Tensor | null;
  /** apply ReLU last; default true */
  relu?: boolean;
}

/**
 * y = relu?(batchNorm2d(x) + residual): equal to composing batchNorm2d, add and relu, but a
 * single fused kernel forward and backward in training mode.
 */
export function batchNormAct2d(x: Tensor, opts: BatchNormActOptions = {}): Tensor {
  const training = opts.training ?? true;
  const useRelu = opts.relu ?? true;
  const res = opts.residual ?? null;
  if (res && !shapesEqual(res.shape, x.shape)) {
    throw new Error(
      `batchNormAct2d: residual ${fmtShape(res.shape)} must match input ${fmtShape(x.shape)}`,
    );
  }
  if (!training || (x.ndim !== 2 && x.ndim !== 4)) {
    let y = batchNorm2d(x, opts);
    if (res) y = add(y, res);
    return useRelu ? reluOp(y) : y;
  }
  const c = x.shape[1];
  const gamma = opts.weight ?? null;
  const beta = opts.bias ?? null;
  for (const [name, t] of [
    ['weight', gamma],
    ['bias', beta],
  ] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== c)) {
      throw new Error(`batchNormAct2d: ${name} must be [${c}], got ${fmtShape(t.shape)}`);
    }
  }
  const eps = opts.eps ?? 1e-5;
  const { X, order, hw } = normInput(x);
  const R = res ? res.toLayout(X.layout) : null;
  const m = X.size / c;
  if (m < 2)
    throw new Error(
      `batchNormAct2d: training needs more than 1 value per channel, got ${fmtShape(x.shape)}`,
    );
  const y = empty(X.shape, X.dtype, X.layout);
  const mean = allocData(X.dtype, c);
  const varB = allocData(X.dtype, c);
  const invStd = allocData(X.dtype, c);
  const kk = kern(X);
  const gd = gamma ? gamma.data : null;
  const mask = acquireReluMask(X.size, useRelu, order, [X, gamma, beta, R]);
  const reluMask = mask ? mask.bits : null;
  kk.batchNormActForwardTrain({
    y: y.data,
    mean,
    varBiased: varB,
    invStd,
    x: X.data,
    gamma: gd,
    beta: beta ? beta.data : null,
    m,
    c,
    eps,
    residual: R ? R.data : null,
    relu: useRelu,
    order,
    hw,
    reluMask,
  });
  updateRunningStats(opts, mean, varB, m, opts.momentum ?? 0.1);
  const op = batchNormRecord(opts, true, { residual: R !== null, relu: useRelu });
  return recordFusedNorm(op, y, X, gamma, beta, R, mask, (b) =>
    kk.batchNormActBackward({
      ...b,
      y: useRelu && !reluMask ? y.data : null,
      reluMask,
      x: X.data,
      mean,
      invStd,
      gamma: gd,
      m,
      c,
      order,
      hw,
    }),
  );
}

/** Batch normalization (PyTorch F.batch_norm semantics) for [N,C] and [N,C,H,W] inputs. */
import { noGrad, record } from '../autograd.js';
import { allocData } from '../dtype.js';
import type { BatchNormRecord } from '../op-record.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { empty, kern, normInput, zeros } from './util.js';
import { mul, sub } from './elementwise.js';
import { sum } from './reduce.js';
import { reshape } from './shape-ops.js';

/** Options of batchNorm. */
export interface BatchNormOptions {
  /** [C] affine scale γ, or null */
  weight?: Tensor | null;
  /** [C] affine shift β, or null */
  bias?: Tensor | null;
  /** [C] running mean, updated in place when training (not recorded) */
  runningMean?: Tensor | null;
  /** [C] running variance (unbiased), updated in place when training */
  runningVar?: Tensor | null;
  /** batch statistics (true) or running statistics (false); default true */
  training?: boolean;
  /** running = (1-momentum)·running + momentum·batch; default 0.1 */
  momentum?: number;
  /** default 1e-5 */
  eps?: number;
}

/** The tape record of a batch norm call (epilogue: the fused residual add and ReLU, if any). */
export function batchNormRecord(
  opts: BatchNormOptions,
  training: boolean,
  epilogue: BatchNormRecord['epilogue'] = { residual: false, relu: false },
): BatchNormRecord {
  const mean = opts.runningMean ?? null;
  const variance = opts.runningVar ?? null;
  return {
    kind: 'batchNorm2d',
    training,
    hasWeight: !!opts.weight,
    hasBias: !!opts.bias,
    running: mean && variance ? { mean, var: variance } : null,
    epilogue,
  };
}

/**
 * Batch norm over the channel axis 1 of x ([N,C] or [N,C,H,W]; 4-D output is channelsLast).
 * Training: normalize with batch mean and biased variance; update running stats with the
 * unbiased variance. Eval: normalize with running stats.
 */
export function batchNorm2d(x: Tensor, opts: BatchNormOptions = {}): Tensor {
  if (x.ndim !== 2 && x.ndim !== 4) {
    throw new Error(`batchNorm2d: expected [N,C] or [N,C,H,W], got ${fmtShape(x.shape)}`);
  }
  const training = opts.training ?? true;
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum ?? 0.1;
  const c = x.shape[1];
  const gamma = opts.weight ?? null;
  const beta = opts.bias ?? null;
  for (const [name, t] of [
    ['weight', gamma],
    ['bias', beta],
    ['runningMean', opts.runningMean],
    ['runningVar', opts.runningVar],
  ] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== c)) {
      throw new Error(`batchNorm2d: ${name} must be [${c}], got ${fmtShape(t.shape)}`);
    }
  }
  const { X, order, hw } = normInput(x);
  const m = X.size / c;
  const y = empty(X.shape, X.dtype, X.layout);
  const kk = kern(X);
  const gd = gamma ? gamma.data : null;
  const bd = beta ? beta.data : null;
  const inputs: Tensor[] = [X];
  if (gamma) inputs.push(gamma);
  if (beta) inputs.push(beta);
  const gi = gamma ? 1 : -1;
  const bi = beta ? inputs.length - 1 : -1;
  if (training) {
    if (m < 2)
      throw new Error(
        `batchNorm2d: training needs more than 1 value per channel, got ${fmtShape(x.shape)}`,
      );
    const mean = allocData(X.dtype, c);
    const varB = allocData(X.dtype, c);
    const invStd = allocData(X.dtype, c);
    kk.batchNormForwardTrain({
      y: y.data,
      mean,
      varBiased: varB,
      invStd,
      x: X.data,
      gamma: gd,
      beta: bd,
      m,
      c,
      eps,
      order,
      hw,
    });
    updateRunningStats(opts, mean, varB, m, momentum);
    return record(batchNormRecord(opts, true), y, inputs, (g0, needs) => {
      const g = g0.toLayout(X.layout);
      const dx = needs[0] ? zeros(X.shape, X.dtype, X.layout) : null;
      const dg = gi >= 0 && needs[gi] ? zeros([c], X.dtype) : null;
      const db = bi >= 0 && needs[bi] ? zeros([c], X.dtype) : null;
      if (dx) {
        kk.batchNormBackward({
          dx: dx.data,
          dgamma: dg ? dg.data : null,
          dbeta: db ? db.data : null,
          dy: g.data,
          x: X.data,
          mean,
          invStd,
          gamma: gd,
          m,
          c,
          order,
          hw,
        });
      } else {
        // Parameter gradients only: accumulate into a scratch dx.
        const scratch = allocData(X.dtype, X.size);
        kk.batchNormBackward({
          dx: scratch,
          dgamma: dg ? dg.data : null,
          dbeta: db ? db.data : null,
          dy: g.data,
          x: X.data,
          mean,
          invStd,
          gamma: gd,
          m,
          c,
          order,
          hw,
        });
      }
      const out: (Tensor | null)[] = [dx];
      if (gamma) out.push(dg);
      if (beta) out.push(db);
      return out;
    });
  }
  const rm = opts.runningMean;
  const rv = opts.runningVar;
  if (!rm || !rv) throw new Error('batchNorm2d: eval mode needs runningMean and runningVar');
  kk.batchNormForwardEval({
    y: y.data,
    x: X.data,
    mean: rm.data,
    variance: rv.data,
    gamma: gd,
    beta: bd,
    m,
    c,
    eps,
    order,
    hw,
  });
  return record(batchNormRecord(opts, false), y, inputs, (g0, needs) => {
    return noGrad(() => {
      const bshape = X.ndim === 4 ? [1, c, 1, 1] : [1, c];
      const invStd = allocData(X.dtype, c);
      for (let i = 0; i < c; i++) invStd[i] = 1 / Math.sqrt(rv.data[i] + eps);
      const inv = new Tensor(invStd, bshape);
      const scale = gamma ? mul(inv, reshape(gamma, bshape)) : inv;
      const out: (Tensor | null)[] = [needs[0] ? mul(g0, scale) : null];
      const axes = X.ndim === 4 ? [0, 2, 3] : [0];
      if (gamma) {
        out.push(needs[gi] ? sum(mul(g0, mul(sub(X, reshape(rm, bshape)), inv)), axes) : null);
      }
      if (beta) out.push(needs[bi] ? sum(g0, axes) : null);
      return out;
    });
  });
}

/** running = (1-momentum)·running + momentum·batch, running_var with the unbiased variance. */
export function updateRunningStats(
  opts: BatchNormOptions,
  mean: ArrayLike<number>,
  varBiased: ArrayLike<number>,
  m: number,
  momentum: number,
): void {
  const rm = opts.runningMean;
  const rv = opts.runningVar;
  if (rm)
    for (let i = 0; i < mean.length; i++)
      rm.data[i] = (1 - momentum) * rm.data[i] + momentum * mean[i];
  if (rv) {
    const unb = m / (m - 1);
    for (let i = 0; i < mean.length; i++) {
      rv.data[i] = (1 - momentum) * rv.data[i] + momentum * varBiased[i] * unb;
    }
  }
}

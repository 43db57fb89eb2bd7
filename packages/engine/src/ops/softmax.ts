/** logSoftmax, softmax, crossEntropy (torch semantics incl. label_smoothing), dropout. */
import { record } from '../autograd.js';
import { allocData } from '../dtype.js';
import { acquireBuffer } from '../buffer-pool.js';
import { fmtShape, normalizeAxis } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { Rng } from '../rng.js';
import { exp, mul } from './elementwise.js';
import { empty, kern, zeros } from './util.js';

/** log_softmax over the last axis (dim must be -1 / ndim-1). */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  if (x.ndim === 0 || normalizeAxis(dim, x.ndim) !== x.ndim - 1) {
    throw new Error(
      `logSoftmax: only the last axis is supported (got dim=${dim} for ${fmtShape(x.shape)})`,
    );
  }
  const X = x.contiguous();
  const cols = X.shape[X.ndim - 1];
  const rows = X.size / cols;
  const y = empty(X.shape, X.dtype);
  const kk = kern(X);
  kk.logSoftmaxForward({ y: y.data, x: X.data, rows, cols });
  return record({ kind: 'logSoftmax' }, y, [X], (g) => {
    const dx = zeros(X.shape, X.dtype);
    kk.logSoftmaxBackward({ dx: dx.data, dy: g.contiguous().data, y: y.data, rows, cols });
    return [dx];
  });
}

/** softmax over the last axis. */
export function softmax(x: Tensor, dim = -1): Tensor {
  return exp(logSoftmax(x, dim));
}

/** Options of crossEntropy. */
export interface CrossEntropyOptions {
  /** torch label_smoothing in [0, 1); default 0 */
  labelSmoothing?: number;
  /** default 'mean' (over the batch) */
  reduction?: 'mean' | 'sum';
}

/** Cross entropy of logits [N, C] against integer labels [N] (torch F.cross_entropy). */
export function crossEntropy(
  logits: Tensor,
  labels: Int32Array | readonly number[],
  opts: CrossEntropyOptions = {},
): Tensor {
  if (logits.ndim !== 2)
    throw new Error(`crossEntropy: logits must be [N, C], got ${fmtShape(logits.shape)}`);
  const [rows, cols] = logits.shape;
  if (labels.length !== rows)
    throw new Error(`crossEntropy: ${labels.length} labels for ${rows} rows`);
  const ls = opts.labelSmoothing ?? 0;
  if (!(ls >= 0 && ls < 1))
    throw new Error(`crossEntropy: labelSmoothing must be in [0, 1), got ${ls}`);
  const reduction = opts.reduction ?? 'mean';
  const lab = labels instanceof Int32Array ? labels : Int32Array.from(labels);
  const X = logits.contiguous();
  const losses = allocData(X.dtype, rows);
  const logProb = acquireBuffer(X.dtype, X.size);
  const kk = kern(X);
  kk.crossEntropyForward({
    losses,
    logProb,
    logits: X.data,
    labels: lab,
    rows,
    cols,
    labelSmoothing: ls,
  });
  let total = 0;
  for (let r = 0; r < rows; r++) total += losses[r];
  const scale = reduction === 'mean' ? 1 / rows : 1;
  const out = Tensor.scalar(total * scale, { dtype: X.dtype });
  return record({ kind: 'crossEntropy' }, out, [X], (g) => {
    const dx = zeros(X.shape, X.dtype);
    kk.crossEntropyBackward({
      dlogits: dx.data,
      logProb,
      labels: lab,
      rows,
      cols,
      labelSmoothing: ls,
      scale: scale * g.data[0],
    });
    return [dx];
  });
}

/** Inverted dropout: zero each element with probability p, scale survivors by 1/(1-p). */
export function dropout(x: Tensor, p: number, rng: Rng, training = true): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const mask = new Tensor(allocData(x.dtype, x.size), x.shape, { layout: x.layout });
  const keep = 1 / (1 - p);
  for (let i = 0; i < mask.size; i++) mask.data[i] = rng.random() < p ? 0 : keep;
  return mul(x, mask);
}

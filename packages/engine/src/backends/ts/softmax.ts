/** TS log-softmax and fused cross-entropy kernels over [rows, cols]. */
import type { Data } from '../../dtype.js';
import type {
  CrossEntropyBackwardParams,
  CrossEntropyForwardParams,
  LogSoftmaxBackwardParams,
  LogSoftmaxForwardParams,
} from '../../kernels.js';

function logSoftmaxRows(y: Data, x: Data, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mx = -Infinity;
    for (let j = 0; j < cols; j++) if (x[o + j] > mx) mx = x[o + j];
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(x[o + j] - mx);
    const lse = mx + Math.log(s);
    for (let j = 0; j < cols; j++) y[o + j] = x[o + j] - lse;
  }
}

/** y = x - logsumexp(x) per row. */
export function logSoftmaxForward(p: LogSoftmaxForwardParams): void {
  logSoftmaxRows(p.y, p.x, p.rows, p.cols);
}

/** dx += dy - softmax · Σ dy. */
export function logSoftmaxBackward(p: LogSoftmaxBackwardParams): void {
  const { dx, dy, y, rows, cols } = p;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += dy[o + j];
    for (let j = 0; j < cols; j++) dx[o + j] += dy[o + j] - Math.exp(y[o + j]) * s;
  }
}

/** Per-row cross entropy with torch-style label smoothing. */
export function crossEntropyForward(p: CrossEntropyForwardParams): void {
  const { losses, logProb, logits, labels, rows, cols, labelSmoothing: eps } = p;
  logSoftmaxRows(logProb, logits, rows, cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const lbl = labels[r];
    if (lbl < 0 || lbl >= cols) throw new Error(`crossEntropy: label ${lbl} not in [0, ${cols})`);
    let all = 0;
    for (let j = 0; j < cols; j++) all += logProb[o + j];
    losses[r] = -(1 - eps) * logProb[o + lbl] - (eps / cols) * all;
  }
}

/** dlogits += scale · (softmax - ((1-ε)·onehot + ε/cols)). */
export function crossEntropyBackward(p: CrossEntropyBackwardParams): void {
  const { dlogits, logProb, labels, rows, cols, labelSmoothing: eps, scale } = p;
  const off = eps / cols;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) dlogits[o + j] += scale * (Math.exp(logProb[o + j]) - off);
    dlogits[o + labels[r]] -= scale * (1 - eps);
  }
}

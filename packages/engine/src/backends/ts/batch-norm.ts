/** TS batch norm over an [M, C] channels-last view; statistics accumulate in float64. */
import type { Data } from '../../dtype.js';
import type {
  BatchNormActBackwardParams,
  BatchNormActForwardTrainParams,
  BatchNormBackwardParams,
  BatchNormForwardEvalParams,
  BatchNormForwardTrainParams,
} from '../../kernels.js';

/** Training forward: batch mean, biased variance, normalize, affine. */
export function batchNormForwardTrain(p: BatchNormForwardTrainParams): void {
  const { y, mean, varBiased, invStd, x, gamma, beta, m, c, eps } = p;
  const s = new Float64Array(c);
  for (let r = 0; r < m; r++) {
    const o = r * c;
    for (let ch = 0; ch < c; ch++) s[ch] += x[o + ch];
  }
  for (let ch = 0; ch < c; ch++) s[ch] /= m;
  // Two-pass variance (stable).
  const v = new Float64Array(c);
  for (let r = 0; r < m; r++) {
    const o = r * c;
    for (let ch = 0; ch < c; ch++) {
      const d = x[o + ch] - s[ch];
      v[ch] += d * d;
    }
  }
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const vb = v[ch] / m;
    const is = 1 / Math.sqrt(vb + eps);
    mean[ch] = s[ch];
    varBiased[ch] = vb;
    invStd[ch] = is;
    const gm = gamma === null ? 1 : gamma[ch];
    scale[ch] = gm * is;
    shift[ch] = (beta === null ? 0 : beta[ch]) - s[ch] * gm * is;
  }
  for (let r = 0; r < m; r++) {
    const o = r * c;
    for (let ch = 0; ch < c; ch++) y[o + ch] = x[o + ch] * scale[ch] + shift[ch];
  }
}

/** Eval forward with running statistics. */
export function batchNormForwardEval(p: BatchNormForwardEvalParams): void {
  const { y, x, mean, variance, gamma, beta, m, c, eps } = p;
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const is = 1 / Math.sqrt(variance[ch] + eps);
    const gm = gamma === null ? 1 : gamma[ch];
    scale[ch] = gm * is;
    shift[ch] = (beta === null ? 0 : beta[ch]) - mean[ch] * gm * is;
  }
  for (let r = 0; r < m; r++) {
    const o = r * c;
    for (let ch = 0; ch < c; ch++) y[o + ch] = x[o + ch] * scale[ch] + shift[ch];
  }
}

/** Training backward (see BatchNormBackwardParams). */
export function batchNormBackward(p: BatchNormBackwardParams): void {
  const { dx, dgamma, dbeta, dy, x, mean, invStd, gamma, m, c } = p;
  const sdy = new Float64Array(c);
  const sdyx = new Float64Array(c);
  for (let r = 0; r < m; r++) {
    const o = r * c;
    for (let ch = 0; ch < c; ch++) {
      const g = dy[o + ch];
      sdy[ch] += g;
      sdyx[ch] += g * (x[o + ch] - mean[ch]);
    }
  }
  const k1 = new Float64Array(c);
  const k2 = new Float64Array(c);
  const k3 = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const is = invStd[ch];
    const sdyxhat = sdyx[ch] * is;
    if (dbeta !== null) dbeta[ch] += sdy[ch];
    if (dgamma !== null) dgamma[ch] += sdyxhat;
    const gs = (gamma === null ? 1 : gamma[ch]) * is;
    // dx = gs*dy - gs*mean(dy) - gs*xhat*mean(dy*xhat), xhat = (x-mean)*is
    k1[ch] = gs;
    k2[ch] = -gs * (sdy[ch] / m) + gs * mean[ch] * is * (sdyxhat / m);
    k3[ch] = -gs * is * (sdyxhat / m);
  }
  for (let r = 0; r < m; r++) {
    const o = r * c;
    for (let ch = 0; ch < c; ch++) dx[o + ch] += k1[ch] * dy[o + ch] + k2[ch] + k3[ch] * x[o + ch];
  }
}

/** Fused forward: batch norm, then + residual, then ReLU (each optional). */
export function batchNormActForwardTrain(p: BatchNormActForwardTrainParams): void {
  batchNormForwardTrain(p);
  const { y, residual, relu } = p;
  const n = p.m * p.c;
  if (residual !== null) for (let i = 0; i < n; i++) y[i] += residual[i];
  if (relu) for (let i = 0; i < n; i++) if (!(y[i] > 0)) y[i] = 0;
}

let maskScratch: Data = new Float64Array(0);

/** Fused backward (see BatchNormActBackwardParams). */
export function batchNormActBackward(p: BatchNormActBackwardParams): void {
  const n = p.m * p.c;
  let g: Data = p.dy;
  if (p.y !== null) {
    if (maskScratch.length < n) maskScratch = new Float64Array(n);
    const ms = maskScratch;
    const { y, dy } = p;
    for (let i = 0; i < n; i++) ms[i] = y[i] > 0 ? dy[i] : 0;
    g = ms;
  }
  if (p.dresidual !== null) {
    const dr = p.dresidual;
    for (let i = 0; i < n; i++) dr[i] += g[i];
  }
  batchNormBackward({ ...p, dy: g });
}

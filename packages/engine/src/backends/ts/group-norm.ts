/**
 * TS group norm (fused residual add and ReLU) over NHWC [N, C, H, W] buffers: the spec of the
 * native kernels. Statistics are two-pass in float64 per (image, group).
 */
import type { GroupNormBackwardParams, GroupNormForwardParams } from '../../kernels.js';

/** Fused forward (see GroupNormForwardParams); the ReLU mask is written by the ordered wrapper. */
export function groupNormForward(p: GroupNormForwardParams): void {
  const { y, mean, invStd, x, gamma, beta, residual, relu, n, c, hw, groups, eps } = p;
  const cg = c / groups;
  const k = cg * hw;
  for (let i = 0; i < n; i++) {
    const base = i * hw * c;
    for (let g = 0; g < groups; g++) {
      const c0 = g * cg;
      let s = 0;
      for (let q = 0; q < hw; q++) {
        const o = base + q * c + c0;
        for (let j = 0; j < cg; j++) s += x[o + j];
      }
      const mu = s / k;
      let v = 0;
      for (let q = 0; q < hw; q++) {
        const o = base + q * c + c0;
        for (let j = 0; j < cg; j++) {
          const d = x[o + j] - mu;
          v += d * d;
        }
      }
      const is = 1 / Math.sqrt(v / k + eps);
      mean[i * groups + g] = mu;
      invStd[i * groups + g] = is;
      for (let q = 0; q < hw; q++) {
        const o = base + q * c + c0;
        for (let j = 0; j < cg; j++) {
          const ch = c0 + j;
          let val = (x[o + j] - mu) * is * (gamma === null ? 1 : gamma[ch]);
          if (beta !== null) val += beta[ch];
          if (residual !== null) val += residual[o + j];
          y[o + j] = relu && !(val > 0) ? 0 : val;
        }
      }
    }
  }
}

/** Fused backward (see GroupNormBackwardParams): accumulates into dx, dγ, dβ, dresidual. */
export function groupNormBackward(p: GroupNormBackwardParams): void {
  const { dx, dgamma, dbeta, dresidual, y, dy, x, mean, invStd, gamma, n, c, hw, groups } = p;
  const cg = c / groups;
  const k = cg * hw;
  const sdy = new Float64Array(c); // Σ gr per channel of one image
  const sdyx = new Float64Array(c); // Σ gr·(x − mean)
  const coefG = new Float64Array(groups * 2);
  const grad = (idx: number): number => (y === null || y[idx] > 0 ? dy[idx] : 0);
  for (let i = 0; i < n; i++) {
    const base = i * hw * c;
    const mu = (ch: number): number => mean[i * groups + Math.floor(ch / cg)];
    sdy.fill(0);
    sdyx.fill(0);
    for (let q = 0; q < hw; q++) {
      for (let ch = 0; ch < c; ch++) {
        const idx = base + q * c + ch;
        const gr = grad(idx);
        sdy[ch] += gr;
        sdyx[ch] += gr * (x[idx] - mu(ch));
        if (dresidual !== null) dresidual[idx] += gr;
      }
    }
    for (let g = 0; g < groups; g++) {
      const is = invStd[i * groups + g];
      let s1 = 0;
      let s2 = 0;
      for (let ch = g * cg; ch < (g + 1) * cg; ch++) {
        const gm = gamma === null ? 1 : gamma[ch];
        s1 += gm * sdy[ch];
        s2 += gm * sdyx[ch] * is;
        if (dbeta !== null) dbeta[ch] += sdy[ch];
        if (dgamma !== null) dgamma[ch] += sdyx[ch] * is;
      }
      coefG[2 * g] = (-is * is * s2) / k; // × (x − mean)
      coefG[2 * g + 1] = (-is * s1) / k; // constant
    }
    for (let q = 0; q < hw; q++) {
      for (let ch = 0; ch < c; ch++) {
        const idx = base + q * c + ch;
        const g = Math.floor(ch / cg);
        const is = invStd[i * groups + g];
        const gm = gamma === null ? 1 : gamma[ch];
        dx[idx] += is * gm * grad(idx) + coefG[2 * g] * (x[idx] - mu(ch)) + coefG[2 * g + 1];
      }
    }
  }
}

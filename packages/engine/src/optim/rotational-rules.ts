/**
 * Pure rules of the rotational optimizer variants of Kosson, Messmer & Jaggi, "Rotational
 * Equilibrium: How Weight Decay Balances Learning Across Neural Networks" (ICML 2024),
 * Algorithm 1, over flat typed arrays. A wrapped tensor is split into `rows` equal rows (per
 * neuron: rows = shape[0], each output channel's block, contiguous in every storage order; per
 * layer: rows = 1). With d the inner optimizer's step direction (no weight decay, not scaled by
 * η) and ρ_r = ‖w_r‖ recorded at the first step:
 *   d_r ← d_r − mean(d_r)                         (only with zeroMean)
 *   d_r ← d_r − w_r⟨d_r, w_r⟩/ρ_r²                (no radial component)
 *   ν_r ← β·ν_r + (1 − β)·‖d_r‖²,  ν̂_r = ν_r/(1 − β^t)
 *   w_r ← w_r − η_r·ρ_r·d_r/(√ν̂_r + ε),  then w_r ← w_r·ρ_r/‖w_r‖
 * so every row turns by ≈ η_r per step from step 0, at a fixed norm. η_r is the equilibrium
 * angular update of the inner optimizer (`equilibriumRotation`). Norms and dot products
 * accumulate in float64; float32 buffers are rounded when stored.
 */
import {
  lionSignSum,
  lionSignSumAt,
  lionSignSumCoefficients,
  type LionSignSum,
  type LionSignSumCoefficients,
} from './lion-sign-sum.js';
import type { Buf } from './update-rules.js';

export {
  lionSignSum,
  lionSignSumAt,
  lionSignSumCoefficients,
  type LionSignSum,
  type LionSignSumCoefficients,
};

/** Inner optimizers of the rotational wrapper (closed set). */
export type RotationalInner = 'sgdm' | 'adamw' | 'lion';

/** Hyper-parameters that fix the equilibrium angular update η_r of an inner optimizer. */
export interface RotationHyper {
  /** η (this step's, after any schedule) */
  lr: number;
  /** λ */
  weightDecay: number;
  /** α (sgdm) */
  momentum?: number;
  /** (β1, β2) (adamw, lion) */
  betas?: [number, number];
}

/**
 * Equilibrium angular update per step, in radians, that the inner optimizer reaches on a
 * scale-invariant weight under isotropic gradient noise (smd-theory.md §7):
 * - sgdm: √(2ηλ/(1+α))  (SMD Theorem 3 = Kosson et al.)
 * - adamw: √(2ηλ(1−β1)/(1+β1))  (Kosson et al.; confirmed by simulation)
 * - lion: √(2ηλ/S), S = 1 + 2Σ_{k≥1}(2/π)·arcsin(ρ_k) — derived in THIS project for Gaussian
 *   gradient noise (sign correlation, Van Vleck), with ρ_k the lag-k correlation of
 *   c_t = β1·m_{t−1} + (1−β1)·g_t; Kosson et al.'s formula √(π/2)·√(2ηλ)·√((1−β1)² +
 *   β1²(1−β2)/(1+β2)) disagrees with simulation (√(π/2)× too large at β1 = 0).
 * These are the targets of RV-SGDM, RV-AdamW and RV-Lion.
 */
export function equilibriumRotation(inner: RotationalInner, h: RotationHyper): number {
  const { lr, weightDecay: wd } = h;
  switch (inner) {
    case 'sgdm':
      return Math.sqrt((2 * lr * wd) / (1 + (h.momentum ?? 0)));
    case 'adamw': {
      const b1 = h.betas?.[0] ?? 0.9;
      return Math.sqrt((2 * lr * wd * (1 - b1)) / (1 + b1));
    }
    case 'lion': {
      const [b1, b2] = h.betas ?? [0.9, 0.99];
      return Math.sqrt((2 * lr * wd) / lionSignCorrelationSum(b1, b2));
    }
  }
}

/**
 * S = 1 + 2Σ_{k≥1}(2/π)·arcsin(ρ_k)·x^k of Lion's equilibrium (see equilibriumRotation; x = 1
 * there). `discount` x < 1 weights lag k by x^k (smd's recurrence uses x = 1 − ηλ). Summed by
 * lion-sign-sum.ts; a caller that needs many x for the same betas should hold `lionSignSum(b1, b2)`.
 */
export function lionSignCorrelationSum(b1: number, b2: number, discount = 1): number {
  // RV-Lion asks for this every step for every wrapped tensor: keep the last few evaluators
  const key = `${b1},${b2}`;
  let sum = lionSums.get(key);
  if (sum === undefined) {
    sum = lionSignSum(b1, b2);
    if (lionSums.size >= 16) lionSums.clear();
    lionSums.set(key, sum);
  }
  return sum(discount);
}

const lionSums = new Map<string, LionSignSum>();

/** Per-row state of a wrapped tensor: ρ_r (norm fixed at the first step) and ν_r. */
export interface RotationalRows {
  /** [rows] ρ_r = ‖w_r‖ at the first step (centred first with zeroMean) */
  norm: Float64Array;
  /** [rows] ν_r, running mean of ‖d_r‖² */
  updateNorm2: Float64Array;
}

/** Hyper-parameters of one rotational update. */
export interface RotationalHyper {
  /** η_r: target angular update per step (radians) */
  etaR: number;
  /** β of ν (Kosson's update_norm_decay_factor; default 0.9, as the authors' RV optimizers) */
  updateNormDecay: number;
  /** ε added to √ν̂ (default 1e-8) */
  eps: number;
  /** centre d (and ρ) per row */
  zeroMean: boolean;
}

/** ρ_r = ‖w_r‖ (of the centred row with zeroMean), for rows of equal length. */
export function rowNorms(w: Buf, rows: number, zeroMean: boolean, out: Float64Array): void {
  const cols = w.length / rows;
  for (let r = 0; r < rows; r++) {
    const s = r * cols;
    let mean = 0;
    if (zeroMean) {
      for (let i = s; i < s + cols; i++) mean += w[i];
      mean /= cols;
    }
    let ss = 0;
    for (let i = s; i < s + cols; i++) ss += (w[i] - mean) * (w[i] - mean);
    out[r] = Math.sqrt(ss);
  }
}

/**
 * One rotational update of `w` in place along direction `d` (overwritten: scratch), `t` the
 * 1-based count of rotational steps of this tensor (see the file comment for the equations).
 */
export function rotationalUpdate(
  w: Buf,
  d: Buf,
  rows: number,
  st: RotationalRows,
  t: number,
  h: RotationalHyper,
): void {
  const f32 = w instanceof Float64Array ? (x: number): number => x : Math.fround;
  const cols = w.length / rows;
  const beta = h.updateNormDecay;
  const bc = 1 - beta ** t;
  for (let r = 0; r < rows; r++) {
    const s = r * cols;
    const e = s + cols;
    const rho = st.norm[r];
    if (h.zeroMean) {
      let mean = 0;
      for (let i = s; i < e; i++) mean += d[i];
      mean /= cols;
      for (let i = s; i < e; i++) d[i] = f32(d[i] - mean);
    }
    let dw = 0;
    for (let i = s; i < e; i++) dw += d[i] * w[i];
    const k = dw / (rho * rho);
    let dd = 0;
    for (let i = s; i < e; i++) {
      const x = f32(d[i] - w[i] * k);
      d[i] = x;
      dd += x * x;
    }
    const nu = (1 - beta) * dd + beta * st.updateNorm2[r];
    st.updateNorm2[r] = nu;
    const scale = (h.etaR * rho) / (h.eps + Math.sqrt(nu / bc));
    let ww = 0;
    for (let i = s; i < e; i++) {
      const x = f32(w[i] - scale * d[i]);
      w[i] = x;
      ww += x * x;
    }
    const back = rho / Math.sqrt(ww);
    for (let i = s; i < e; i++) w[i] = f32(w[i] * back);
  }
}

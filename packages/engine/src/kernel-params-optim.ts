/**
 * Params records of the optimizer update kernels (see kernels.ts for the conventions). Each
 * kernel updates one parameter tensor and its state in place; `param`, `grad` and the state
 * buffers share a dtype, except the rotational wrapper's per-row state, always float64. The
 * TS kernels run the pure rules of optim/ (update-rules.ts, projection-rules.ts,
 * rotational-rules.ts), so a backend's kernel is checked against exactly the optimizer's rule.
 */
import type { Data } from './dtype.js';

/**
 * torch.optim.SGD update of one parameter (coupled weight decay):
 * g = grad + wd·p; if momentum: buf = first ? g : momentum·buf + (1-dampening)·g;
 * g = nesterov ? g + momentum·buf : buf; p -= lr·g.
 */
export interface SgdStepParams {
  /** [n] updated in place */
  param: Data;
  /** [n] momentum buffer, updated in place; null when momentum = 0 */
  momentumBuf: Data | null;
  /** [n] */
  grad: Data;
  n: number;
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** true on the first step with this buffer: buf = g (torch clones the gradient) */
  firstStep: boolean;
}

/**
 * torch.optim.Adam / AdamW update of one parameter (amsgrad=false).
 * Adam: g = grad + wd·p. AdamW (decoupled): p *= 1 - lr·wd.
 * m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²; p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps).
 */
export interface AdamStepParams {
  /** [n] updated in place */
  param: Data;
  /** [n] first moment, updated in place */
  expAvg: Data;
  /** [n] second moment, updated in place */
  expAvgSq: Data;
  /** [n] */
  grad: Data;
  n: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** true: AdamW decoupled decay; false: Adam L2 added to the gradient */
  decoupled: boolean;
  /** 1-based step count after this update */
  step: number;
}

/**
 * Lion update of one parameter (decoupled decay): p *= 1 − lr·wd; c = β1·m + (1−β1)·g;
 * p -= lr·sign(c); m = β2·m + (1−β2)·g.
 */
export interface LionStepParams {
  /** [n] updated in place */
  param: Data;
  /** [n] momentum m, updated in place */
  expAvg: Data;
  /** [n] */
  grad: Data;
  n: number;
  lr: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
}

/** The projection of SGDP/AdamP: cosine test δ/√(row length), norms' ε, decay ratio. */
interface ProjectionParams {
  /**
   * [shape] the parameter's logical shape: rank ≥ 2 tensors are tested per output channel
   * (rows = shape[0], each the contiguous shape[1..] block), then as a whole
   */
  shape: readonly number[];
  /** [numel(shape)] scratch: the step direction, projected (its content on return) */
  direction: Data;
  delta: number;
  wdRatio: number;
}

/**
 * SGDP update of one parameter (Heo et al. 2021, Algorithm 1): v = μv + (1−τ)g;
 * d = nesterov ? g + μv : v; d = Π(d) when the cosine test passes (then ratio = wdRatio, else 1);
 * p *= 1 − lr·wd·ratio/(1 − μ); p -= lr·d.
 */
export interface SgdpStepParams extends ProjectionParams {
  /** [numel(shape)] updated in place */
  param: Data;
  /** [numel(shape)] momentum v (starts at 0), updated in place */
  momentumBuf: Data;
  /** [numel(shape)] */
  grad: Data;
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** ε of the norms */
  eps: number;
}

/**
 * AdamP update of one parameter (Heo et al. 2021, Algorithm 2): m, v as Adam;
 * d = m/(√v/√(1−β2^t) + ε) (nesterov: β1m + (1−β1)g in place of m); d = Π(d) when the cosine
 * test passes; p *= 1 − lr·wd·ratio; p -= lr/(1−β1^t)·d.
 */
export interface AdampStepParams extends ProjectionParams {
  /** [numel(shape)] updated in place */
  param: Data;
  /** [numel(shape)] m, updated in place */
  expAvg: Data;
  /** [numel(shape)] v, updated in place */
  expAvgSq: Data;
  /** [numel(shape)] */
  grad: Data;
  lr: number;
  beta1: number;
  beta2: number;
  /** ε of Adam's denominator and of the projection's norms */
  eps: number;
  weightDecay: number;
  nesterov: boolean;
  /** 1-based step count after this update */
  step: number;
}

/**
 * The rotational wrapper's update of one parameter (Kosson et al. 2024; rotational-rules.ts):
 * per row r (rows equal contiguous blocks), d_r loses its mean (zeroMean) and its radial part,
 * ν_r = β·ν_r + (1−β)·‖d_r‖², w_r -= η_r·ρ_r·d_r/(√(ν_r/(1−β^t)) + ε), w_r *= ρ_r/‖w_r‖.
 */
export interface RotationalStepParams {
  /** [n] updated in place */
  param: Data;
  /** [n] the inner optimizer's direction; overwritten (scratch) */
  direction: Data;
  /** [rows] ρ_r, the row norms fixed at the first step (float64) */
  norm: Float64Array;
  /** [rows] ν_r, running mean of ‖d_r‖², updated in place (float64) */
  updateNorm2: Float64Array;
  n: number;
  rows: number;
  /** 1-based count of rotational steps of this tensor */
  step: number;
  /** η_r: target angle per step (radians) */
  etaR: number;
  /** β of ν */
  updateNormDecay: number;
  /** ε added to √ν̂ */
  eps: number;
  zeroMean: boolean;
}

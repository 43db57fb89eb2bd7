/**
 * Pure update rules of SGDP and AdamP (Heo et al., "AdamP: Slowing Down the Slowdown for
 * Momentum Optimizers on Scale-invariant Weights", ICLR 2021), over flat typed arrays.
 *
 * The projection (the paper's Algorithm 1/2, line "if cos(w, ∇f) < δ/√dim(w)"): for a tensor of
 * rank ≥ 2, first per output channel ("channel view": rows = shape[0], each row the
 * shape[1..] block — contiguous in every storage order because dim 0 is outermost), then for the
 * whole tensor ("layer view", one row): if max over rows of |cos(g_r, w_r)| < δ/√(row length),
 * the weight is taken as scale-invariant and the radial part of the step direction p is
 * removed row by row, p_r ← p_r − ŵ_r⟨ŵ_r, p_r⟩ with ŵ_r = w_r/(‖w_r‖ + ε), and weight decay is
 * multiplied by `wdRatio`. Otherwise p is used as it is. Sums accumulate in float64; float32
 * buffers are rounded when stored.
 */
import type { Buf } from './update-rules.js';

/** Hyper-parameters of the projection test. */
export interface ProjectionHyper {
  /** δ: threshold of the cosine test, as δ/√(row length) (default 0.1) */
  delta: number;
  /** ε of the norms (default 1e-8) */
  eps: number;
  /** multiplier of weight decay when the projection applied (default 0.1) */
  wdRatio: number;
}

/** |cos| per row below δ/√(row length) in every row (torch 1.13 cosine: norms clamped at ε). */
function allRowsRadialFree(w: Buf, g: Buf, rows: number, h: ProjectionHyper): boolean {
  const cols = w.length / rows;
  const limit = h.delta / Math.sqrt(cols);
  for (let r = 0; r < rows; r++) {
    let ww = 0;
    let gg = 0;
    let gw = 0;
    for (let i = r * cols, e = i + cols; i < e; i++) {
      ww += w[i] * w[i];
      gg += g[i] * g[i];
      gw += g[i] * w[i];
    }
    const cos = Math.abs(gw) / (Math.max(Math.sqrt(ww), h.eps) * Math.max(Math.sqrt(gg), h.eps));
    if (!(cos < limit)) return false;
  }
  return true;
}

/** p_r ← p_r − ŵ_r⟨ŵ_r, p_r⟩, ŵ_r = w_r/(‖w_r‖ + ε), for each of `rows` equal rows. */
function removeRadial(w: Buf, p: Buf, rows: number, eps: number): void {
  const f32 = p instanceof Float64Array ? (x: number): number => x : Math.fround;
  const cols = w.length / rows;
  for (let r = 0; r < rows; r++) {
    const s = r * cols;
    let ww = 0;
    for (let i = s; i < s + cols; i++) ww += w[i] * w[i];
    const inv = 1 / (Math.sqrt(ww) + eps);
    let dot = 0;
    for (let i = s; i < s + cols; i++) dot += w[i] * inv * p[i];
    for (let i = s; i < s + cols; i++) p[i] = f32(p[i] - w[i] * inv * dot);
  }
}

/**
 * The projection step of SGDP/AdamP on direction `p` (modified in place) for a parameter `w`
 * with gradient `g` and logical `shape`. Returns the weight-decay ratio: `wdRatio` when p was
 * projected, 1 when not (rank < 2, or the cosine test failed in both views).
 */
export function projectScaleInvariant(
  w: Buf,
  g: Buf,
  p: Buf,
  shape: readonly number[],
  h: ProjectionHyper,
): number {
  if (shape.length < 2 || w.length === 0) return 1;
  for (const rows of [shape[0], 1]) {
    if (allRowsRadialFree(w, g, rows, h)) {
      removeRadial(w, p, rows, h.eps);
      return h.wdRatio;
    }
  }
  return 1;
}

/** Hyper-parameters of SGDP. */
export interface SgdpHyper extends ProjectionHyper {
  /** η */
  lr: number;
  /** μ */
  momentum: number;
  /** τ: the buffer adds (1 − τ)·g */
  dampening: number;
  /** λ, decoupled: w *= 1 − η·λ·ratio/(1 − μ) (the authors' code) */
  weightDecay: number;
  nesterov: boolean;
}

/**
 * One SGDP step in place (Heo et al. Algorithm 1): v = μv + (1 − τ)g (v starts at 0);
 * p = g + μv (nesterov) or v; p = Π(p) if the cosine test passes;
 * w = w·(1 − ηλ·ratio/(1 − μ)); w = w − η·p. `p` is a scratch buffer like w (its content on
 * return is the applied direction). As in the paper, the momentum buffer itself is never
 * projected (the authors' code projects it in place when nesterov is off, because p aliases v).
 */
export function sgdpUpdate(
  w: Buf,
  g: Buf,
  v: Buf,
  p: Buf,
  shape: readonly number[],
  h: SgdpHyper,
): void {
  const f32 = w instanceof Float64Array ? (x: number): number => x : Math.fround;
  const n = w.length;
  const mu = f32(h.momentum);
  const oneMinusDamp = f32(1 - h.dampening);
  for (let i = 0; i < n; i++) {
    const b = f32(f32(v[i] * mu) + f32(oneMinusDamp * g[i]));
    v[i] = b;
    p[i] = h.nesterov ? f32(g[i] + f32(mu * b)) : b;
  }
  const ratio = projectScaleInvariant(w, g, p, shape, h);
  const shrink = f32(1 - (h.lr * h.weightDecay * ratio) / (1 - h.momentum));
  const lr = f32(h.lr);
  for (let i = 0; i < n; i++) {
    const wi = h.weightDecay !== 0 ? f32(w[i] * shrink) : w[i];
    w[i] = f32(wi - f32(lr * p[i]));
  }
}

/** Hyper-parameters of AdamP. */
export interface AdampHyper extends ProjectionHyper {
  /** η */
  lr: number;
  /** (β1, β2) */
  betas: [number, number];
  /** ε added to √v̂ (also the projection's ε, as in the authors' code) */
  eps: number;
  /** λ, decoupled: w *= 1 − η·λ·ratio */
  weightDecay: number;
  nesterov: boolean;
}

/**
 * One AdamP step in place (Heo et al. Algorithm 2): m, v as Adam (`t` = 1-based step);
 * p = m/(√v/√(1−β2^t) + ε), or (β1m + (1−β1)g)/(…) with nesterov; p = Π(p) if the cosine test
 * passes; w = w·(1 − ηλ·ratio); w = w − η/(1−β1^t)·p. `p` is a scratch buffer like w.
 */
export function adampUpdate(
  w: Buf,
  g: Buf,
  m: Buf,
  v: Buf,
  p: Buf,
  t: number,
  shape: readonly number[],
  h: AdampHyper,
): void {
  const f32 = w instanceof Float64Array ? (x: number): number => x : Math.fround;
  const n = w.length;
  const [beta1, beta2] = h.betas;
  const b1 = f32(beta1);
  const b2 = f32(beta2);
  const c1 = f32(1 - beta1);
  const c2 = f32(1 - beta2);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
  const stepSize = f32(h.lr / (1 - beta1 ** t));
  for (let i = 0; i < n; i++) {
    const mi = f32(f32(m[i] * b1) + f32(c1 * g[i]));
    const vi = f32(f32(v[i] * b2) + f32(f32(c2 * g[i]) * g[i]));
    m[i] = mi;
    v[i] = vi;
    const denom = f32(f32(Math.sqrt(vi) / bc2Sqrt) + h.eps);
    const num = h.nesterov ? f32(f32(b1 * mi) + f32(c1 * g[i])) : mi;
    p[i] = f32(num / denom);
  }
  const ratio = projectScaleInvariant(w, g, p, shape, h);
  const shrink = f32(1 - h.lr * h.weightDecay * ratio);
  for (let i = 0; i < n; i++) {
    const wi = h.weightDecay !== 0 ? f32(w[i] * shrink) : w[i];
    w[i] = f32(wi - f32(stepSize * p[i]));
  }
}

/**
 * Pure per-parameter update rules of torch.optim (1.13, single-tensor path), written over flat
 * typed arrays so any backend's buffers can be updated in place. Symbols: learning rate η (`lr`),
 * weight decay λ (`weightDecay`), momentum α (`momentum`).
 *
 * Float32 fidelity: torch casts every scalar hyper-parameter to float32 and rounds after each
 * tensor op (`mul_`, `add_(x, alpha)`, `addcmul_`, `addcdiv_`). The loops below apply
 * `Math.fround` at the same points, so on float32 buffers the results equal torch's up to the
 * last-bit effects of fused multiply-adds in its vectorized kernels (≤ 1 ulp per op). On
 * float64 buffers nothing is rounded (torch's float64 arithmetic), which lets float64 runs match
 * torch's float64 trajectories to ~1e-12.
 */

/** A flat parameter-shaped buffer. */
export type Buf = Float32Array | Float64Array;

const identity = (x: number): number => x;

/** Rounding after each torch op: float32 for Float32Array storage, none for float64. */
function rounder(w: Buf): (x: number) => number {
  return w instanceof Float64Array ? identity : Math.fround;
}

/** Hyper-parameters of torch.optim.SGD. */
export interface SgdHyper {
  /** η */
  lr: number;
  /** α (0 = plain SGD, no buffer) */
  momentum: number;
  /** τ: the momentum buffer adds (1 − τ)·d */
  dampening: number;
  /** λ, coupled: d = g + λ·w */
  weightDecay: number;
  nesterov: boolean;
  /** Ascend instead of descend (torch `maximize`). */
  maximize: boolean;
}

/**
 * One SGD step on a parameter, in place (torch.optim.SGD):
 *   d = g + λ·w;  v = d if first else α·v + (1 − τ)·d;  d = d + α·v (nesterov) or v;  w = w − η·d.
 * `v` is the momentum buffer (ignored when α = 0); `first` means it holds no history yet, in
 * which case it is set to d exactly like torch's `torch.clone(d_p)`. `g` is not modified.
 */
export function sgdUpdate(w: Buf, g: Buf, v: Buf | null, first: boolean, h: SgdHyper): void {
  const f32 = rounder(w);
  const n = w.length;
  const wd = f32(h.weightDecay);
  const alpha = f32(h.momentum);
  const oneMinusDamp = f32(1 - h.dampening);
  const negLr = f32(-h.lr);
  const sign = h.maximize ? -1 : 1;
  const useWd = h.weightDecay !== 0;
  if (h.momentum === 0) {
    for (let i = 0; i < n; i++) {
      let d = sign * g[i];
      if (useWd) d = f32(d + wd * w[i]);
      w[i] = f32(w[i] + negLr * d);
    }
    return;
  }
  if (v === null) throw new Error('sgdUpdate: momentum > 0 needs a momentum buffer');
  for (let i = 0; i < n; i++) {
    let d = sign * g[i];
    if (useWd) d = f32(d + wd * w[i]);
    const b = first ? d : f32(f32(v[i] * alpha) + oneMinusDamp * d);
    v[i] = b;
    const u = h.nesterov ? f32(d + alpha * b) : b;
    w[i] = f32(w[i] + negLr * u);
  }
}

/** Hyper-parameters of torch.optim.Adam / AdamW. */
export interface AdamHyper {
  /** η */
  lr: number;
  /** (β1, β2) */
  betas: [number, number];
  /** ε added to √v̂ */
  eps: number;
  /** λ: L2 (g += λ·w) for Adam, decoupled (w *= 1 − η·λ) for AdamW */
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/** Adam's per-parameter state buffers. */
export interface AdamBuffers {
  /** m: first-moment running average */
  expAvg: Buf;
  /** v: second-moment running average */
  expAvgSq: Buf;
  /** max of v so far (amsgrad only) */
  maxExpAvgSq: Buf | null;
}

/**
 * One Adam step in place (torch.optim.Adam, L2 decay; or AdamW with `decoupled`):
 *   AdamW: w = w·(1 − η·λ)   |   Adam: g = g + λ·w
 *   m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²
 *   w = w − (η / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 * `t` is the 1-based step count of this parameter after incrementing. `g` is not modified.
 */
export function adamUpdate(
  w: Buf,
  g: Buf,
  s: AdamBuffers,
  t: number,
  h: AdamHyper,
  decoupled: boolean,
): void {
  const f32 = rounder(w);
  const n = w.length;
  const [beta1, beta2] = h.betas;
  const b1 = f32(beta1);
  const b2 = f32(beta2);
  const c1 = f32(1 - beta1);
  const c2 = f32(1 - beta2);
  const wd = f32(h.weightDecay);
  const shrink = f32(1 - h.lr * h.weightDecay);
  const bc1 = 1 - beta1 ** t;
  const bc2 = 1 - beta2 ** t;
  const negStep = f32(-(h.lr / bc1));
  const bc2Sqrt = f32(Math.sqrt(bc2));
  const eps = f32(h.eps);
  const sign = h.maximize ? -1 : 1;
  const l2 = !decoupled && h.weightDecay !== 0;
  const { expAvg: m, expAvgSq: v, maxExpAvgSq: vMax } = s;
  if (h.amsgrad && vMax === null) throw new Error('adamUpdate: amsgrad needs maxExpAvgSq');
  for (let i = 0; i < n; i++) {
    let wi = w[i];
    if (decoupled) wi = f32(wi * shrink);
    let gi = sign * g[i];
    if (l2) gi = f32(gi + wd * wi);
    const mi = f32(f32(m[i] * b1) + c1 * gi);
    const vi = f32(f32(v[i] * b2) + f32(f32(c2 * gi) * gi));
    m[i] = mi;
    v[i] = vi;
    let vHat = vi;
    if (vMax !== null && h.amsgrad) {
      vHat = Math.max(vMax[i], vi);
      vMax[i] = vHat;
    }
    const denom = f32(f32(f32(Math.sqrt(vHat)) / bc2Sqrt) + eps);
    w[i] = f32(wi + f32(f32(negStep * mi) / denom));
  }
}

/** Hyper-parameters of Lion (Chen et al., "Symbolic Discovery of Optimization Algorithms", 2023). */
export interface LionHyper {
  /** η */
  lr: number;
  /** (β1, β2): β1 mixes the step direction, β2 the momentum */
  betas: [number, number];
  /** λ, decoupled: w *= 1 − η·λ */
  weightDecay: number;
  maximize: boolean;
}

/**
 * One Lion step in place (the paper's Program 1; lion-pytorch's order of operations):
 *   w = w·(1 − η·λ);  c = β1·m + (1 − β1)·g;  w = w − η·sign(c);  m = β2·m + (1 − β2)·g
 * `m` is the momentum buffer (torch key `exp_avg`, starts at 0). `g` is not modified.
 */
export function lionUpdate(w: Buf, g: Buf, m: Buf, h: LionHyper): void {
  const f32 = rounder(w);
  const n = w.length;
  const [beta1, beta2] = h.betas;
  const b1 = f32(beta1);
  const b2 = f32(beta2);
  const c1 = f32(1 - beta1);
  const c2 = f32(1 - beta2);
  const shrink = f32(1 - h.lr * h.weightDecay);
  const lr = f32(h.lr);
  const sign = h.maximize ? -1 : 1;
  const decay = h.weightDecay !== 0;
  for (let i = 0; i < n; i++) {
    const gi = sign * g[i];
    let wi = w[i];
    if (decay) wi = f32(wi * shrink);
    const c = f32(f32(m[i] * b1) + f32(c1 * gi));
    w[i] = f32(wi - lr * Math.sign(c));
    m[i] = f32(f32(m[i] * b2) + f32(c2 * gi));
  }
}

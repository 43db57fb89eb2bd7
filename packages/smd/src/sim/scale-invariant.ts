import { Rng } from '@smd/engine';
import type { MomentumRescale, PerStep } from '../theory/mean-field.js';

/**
 * Optimizers of the synthetic simulator (closed set). 'sgdm' is torch heavy-ball SGD (§2),
 * 'nesterov' torch SGD with nesterov=True (u = d + αv).
 */
export type SimOptimizer = 'sgd' | 'sgdm' | 'nesterov' | 'adamw' | 'lion';

/**
 * How weight decay enters: 'coupled' adds λw to the gradient (torch SGD's weight_decay; for
 * 'adamw' this is Adam with L2 decay), 'decoupled' shrinks w by (1 − ηλ) separately (SGDW,
 * torch AdamW, Lion).
 */
export type DecayMode = 'coupled' | 'decoupled';

/** Options of `simulateScaleInvariant`. */
export interface SimulateOptions {
  /** Dimension of w (e.g. 2000–20000). */
  d: number;
  steps: number;
  seed: number;
  optimizer: SimOptimizer;
  /** Learning rate η per step. */
  lr: PerStep;
  /** Weight decay λ. */
  wd: number;
  /** α for 'sgdm' / 'nesterov' (required there, must be 0/omitted for 'sgd'). */
  momentum?: number;
  /** β₁ for 'adamw' (default 0.9) and 'lion' (default 0.9). */
  beta1?: number;
  /** β₂ for 'adamw' (default 0.999) and 'lion' (default 0.99). */
  beta2?: number;
  /** ε for 'adamw' (default 1e-8 — keep it below the √v scale, which is ~√(L/(d‖w‖²))). */
  eps?: number;
  /** Default: 'coupled' for sgd/sgdm (§2), 'decoupled' for adamw/lion and `projected`. */
  decay?: DecayMode;
  /**
   * SGDP (sgdm/nesterov) or AdamP (adamw) of Heo et al. (ICLR 2021) on a scale-invariant weight:
   * the radial component of each step is removed and w shrinks by ηλ·wdRatio (SGDP: ÷(1−α)).
   */
  projected?: { wdRatio: number };
  /** L = E‖g̃‖² = E‖g‖²·‖w‖² (default 1). */
  L?: number;
  /**
   * Fraction of L carried by a fixed deterministic direction (projected on the tangent plane)
   * instead of isotropic noise; default 0 (pure noise).
   */
  signalFraction?: number;
  /** ‖w_0‖² (default 1); w_0 is a random direction. */
  initialNormSq?: number;
  /** Multiply w by `factor` just before step `step` (the rescaling trick). */
  rescaleAt?: { step: number; factor: number }[];
  /**
   * Momentum buffer (sgdm) at a rescale by `factor` f: 'keep' (default), 'like-weights' (×f) or
   * 'like-gradients' (×1/f); see MomentumRescale.
   */
  momentumRescale?: MomentumRescale;
}

/** Per-step measurements of the simulation (float64). */
export interface SimulateResult {
  /** Δ_t = ∠(w_t, w_{t+1}) = 2·atan2(‖u − u'‖, ‖u + u'‖), u = w/‖w‖ (length steps). */
  deltaRad: Float64Array;
  /** ‖w_t‖² before step t (after a rescale at t); index steps is the final value (length steps + 1). */
  normSq: Float64Array;
  /** ‖g̃_t‖² = ‖g_t‖²·‖w_t‖² of the drawn gradient (length steps). */
  unitGradSq: Float64Array;
  /** Final weights. */
  w: Float64Array;
}

/**
 * Synthetic scale-invariant problem (§4 check, §6): w ∈ R^d, gradient g_t = s·(ξ − ⟨ξ,u⟩u) with
 * ξ ~ N(0, I_d), u = w/‖w‖, scaled so E‖g_t‖² = L/‖w_t‖² (so ⟨g, w⟩ = 0 exactly, as Lemma 1
 * says), optionally part deterministic. Runs SGD/SGDM (torch heavy ball, §2), AdamW or Lion with
 * coupled or decoupled decay; seeded via Rng. Cost: O(d) per step, Float64Array loops.
 */
export function simulateScaleInvariant(o: SimulateOptions): SimulateResult {
  const { d, steps } = o;
  if (!Number.isInteger(d) || d < 2)
    throw new Error(`simulate: d must be an integer ≥ 2, got ${d}`);
  if (!Number.isInteger(steps) || steps < 0)
    throw new Error(`simulate: steps must be an integer ≥ 0, got ${steps}`);
  const opt = o.optimizer;
  const alpha = o.momentum ?? 0;
  if (opt === 'sgd' && alpha !== 0)
    throw new Error("simulate: optimizer 'sgd' takes no momentum; use 'sgdm'");
  if ((opt === 'sgdm' || opt === 'nesterov') && !(alpha > 0 && alpha < 1)) {
    throw new Error(`simulate: '${opt}' needs momentum in (0, 1), got ${o.momentum}`);
  }
  const beta1 = o.beta1 ?? 0.9;
  const beta2 = o.beta2 ?? (opt === 'lion' ? 0.99 : 0.999);
  const eps = o.eps ?? 1e-8;
  const decay: DecayMode =
    o.decay ?? (opt === 'adamw' || opt === 'lion' || o.projected ? 'decoupled' : 'coupled');
  const L = o.L ?? 1;
  const sig = o.signalFraction ?? 0;
  if (!(sig >= 0 && sig <= 1))
    throw new Error(`simulate: signalFraction must be in [0, 1], got ${sig}`);
  const lam = o.wd;
  const ratio = o.projected?.wdRatio;
  if (
    ratio !== undefined &&
    (opt === 'sgd' || opt === 'lion' || decay === 'coupled' || !(ratio >= 0))
  )
    throw new Error(
      `simulate: projected needs sgdm, nesterov or adamw, decoupled decay, wdRatio ≥ 0`,
    );
  const lrAt = lrGetter(o.lr, steps);
  const rescale = new Map<number, number>();
  for (const r of o.rescaleAt ?? []) rescale.set(r.step, r.factor);

  const rng = new Rng(o.seed);
  const w = new Float64Array(d);
  const g = new Float64Array(d);
  const m = new Float64Array(d); // momentum buffer v (sgdm) or first moment (adamw, lion)
  const v2 = new Float64Array(d); // second moment (adamw)
  const wPrev = new Float64Array(d);
  const u = new Float64Array(d); // this step's direction
  const dir = new Float64Array(d); // deterministic direction (unit), if signalFraction > 0
  let n0 = 0;
  for (let i = 0; i < d; i++) {
    w[i] = rng.normal();
    n0 += w[i] * w[i];
  }
  const s0 = Math.sqrt((o.initialNormSq ?? 1) / n0);
  for (let i = 0; i < d; i++) w[i] *= s0;
  if (sig > 0) {
    let nd = 0;
    for (let i = 0; i < d; i++) {
      dir[i] = rng.normal();
      nd += dir[i] * dir[i];
    }
    for (let i = 0; i < d; i++) dir[i] /= Math.sqrt(nd);
  }

  const deltaRad = new Float64Array(steps);
  const normSq = new Float64Array(steps + 1);
  const unitGradSq = new Float64Array(steps);
  let b1t = 1;
  let b2t = 1;
  for (let t = 0; t < steps; t++) {
    const f = rescale.get(t);
    if (f !== undefined) {
      for (let i = 0; i < d; i++) w[i] *= f;
      const mr = o.momentumRescale ?? 'keep';
      if (mr !== 'keep' && (opt === 'sgdm' || opt === 'nesterov')) {
        const vf = mr === 'like-weights' ? f : 1 / f;
        for (let i = 0; i < d; i++) m[i] *= vf;
      }
    }
    const eta = lrAt(t);
    let ww = 0;
    for (let i = 0; i < d; i++) ww += w[i] * w[i];
    normSq[t] = ww;
    drawTangentGradient(rng, w, ww, dir, sig, L, g);
    let gg = 0;
    for (let i = 0; i < d; i++) gg += g[i] * g[i];
    unitGradSq[t] = gg * ww;
    wPrev.set(w);

    if (decay === 'coupled') for (let i = 0; i < d; i++) g[i] += lam * w[i];
    // u: the step direction (w ← w·shrink − ηu)
    switch (opt) {
      case 'sgd':
        u.set(g);
        break;
      case 'sgdm':
        for (let i = 0; i < d; i++) u[i] = m[i] = alpha * m[i] + g[i];
        break;
      case 'nesterov':
        for (let i = 0; i < d; i++) {
          m[i] = alpha * m[i] + g[i];
          u[i] = g[i] + alpha * m[i];
        }
        break;
      case 'adamw': {
        b1t *= beta1;
        b2t *= beta2;
        const c1 = 1 / (1 - b1t);
        const c2 = 1 / (1 - b2t);
        for (let i = 0; i < d; i++) {
          m[i] = beta1 * m[i] + (1 - beta1) * g[i];
          v2[i] = beta2 * v2[i] + (1 - beta2) * g[i] * g[i];
          u[i] = (m[i] * c1) / (Math.sqrt(v2[i] * c2) + eps);
        }
        break;
      }
      case 'lion':
        for (let i = 0; i < d; i++) {
          const c = beta1 * m[i] + (1 - beta1) * g[i];
          u[i] = c > 0 ? 1 : c < 0 ? -1 : 0;
          m[i] = beta2 * m[i] + (1 - beta2) * g[i];
        }
        break;
    }
    let shrink = decay === 'decoupled' ? 1 - eta * lam : 1;
    if (ratio !== undefined) {
      // SGDP/AdamP on a scale-invariant tensor: u ⊥ w, decay ηλr (÷(1−α) with momentum)
      let uw = 0;
      for (let i = 0; i < d; i++) uw += u[i] * w[i];
      for (let i = 0; i < d; i++) u[i] -= (uw / ww) * w[i];
      shrink = 1 - (eta * lam * ratio) / (opt === 'adamw' ? 1 : 1 - alpha);
    }
    for (let i = 0; i < d; i++) w[i] = w[i] * shrink - eta * u[i];
    deltaRad[t] = angleBetween(wPrev, w);
  }
  let ww = 0;
  for (let i = 0; i < d; i++) ww += w[i] * w[i];
  normSq[steps] = ww;
  return { deltaRad, normSq, unitGradSq, w };
}

/**
 * Fills g with a tangent gradient at w: E‖g‖² = L/‖w‖², ⟨g, w⟩ = 0. Noise part: projected
 * isotropic Gaussian scaled by √((1−sig)·L/((d−1)‖w‖²)); signal part: √(sig·L)/‖w‖ times the
 * normalized tangent projection of `dir`.
 */
function drawTangentGradient(
  rng: Rng,
  w: Float64Array,
  ww: number,
  dir: Float64Array,
  sig: number,
  L: number,
  g: Float64Array,
): void {
  const d = w.length;
  let xw = 0;
  for (let i = 0; i < d; i++) {
    const x = rng.normal();
    g[i] = x;
    xw += x * w[i];
  }
  const proj = xw / ww;
  const sNoise = Math.sqrt(((1 - sig) * L) / ((d - 1) * ww));
  for (let i = 0; i < d; i++) g[i] = sNoise * (g[i] - proj * w[i]);
  if (sig > 0) {
    let dw = 0;
    for (let i = 0; i < d; i++) dw += dir[i] * w[i];
    const pr = dw / ww;
    let nt = 0;
    for (let i = 0; i < d; i++) {
      const x = dir[i] - pr * w[i];
      nt += x * x;
    }
    if (nt > 0) {
      const sSig = Math.sqrt((sig * L) / ww / nt);
      for (let i = 0; i < d; i++) g[i] += sSig * (dir[i] - pr * w[i]);
    }
  }
}

/** Stable angle between two vectors (§1): 2·atan2(‖u − u'‖, ‖u + u'‖) with u = x/‖x‖, in float64. */
export function angleBetween(x: Float64Array, y: Float64Array): number {
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < x.length; i++) {
    xx += x[i] * x[i];
    yy += y[i] * y[i];
  }
  const nx = 1 / Math.sqrt(xx);
  const ny = 1 / Math.sqrt(yy);
  let dm = 0;
  let dp = 0;
  for (let i = 0; i < x.length; i++) {
    const u = x[i] * nx;
    const u2 = y[i] * ny;
    dm += (u - u2) * (u - u2);
    dp += (u + u2) * (u + u2);
  }
  return 2 * Math.atan2(Math.sqrt(dm), Math.sqrt(dp));
}

function lrGetter(lr: PerStep, steps: number): (t: number) => number {
  if (typeof lr === 'number') return () => lr;
  if (typeof lr === 'function') return lr;
  if (lr.length < steps)
    throw new Error(`simulate: lr has ${lr.length} values, need ≥ steps = ${steps}`);
  return (t) => lr[t];
}

import { lrFactor, scheduleDrops, type Schedule } from '@smd/engine/schedule';
import { checkL, type MeanFieldState } from './types.js';
import { stepAngle } from './step-angle.js';

/** A per-step quantity: a constant, one value per step (length ≥ steps), or a function of t. */
export type PerStep = number | Float64Array | ((t: number) => number);

/** Hyper-parameters of one mean-field step (§4). */
export interface MeanFieldStepParams {
  lr: number;
  wd: number;
  momentum: number;
  L: number;
}

/**
 * One step of the §4 mean-field recurrence (torch SGD/SGDM with coupled decay, ⟨g,w⟩ = 0,
 * E⟨g_t, v_{t−1}⟩ = 0, ‖g_t‖² = L/‖w_t‖²):
 *   p = αc + λa;  q = α²b + L/a + λ²a + 2αλc;  a' = a − 2ηp + η²q;  c' = p − ηq;  b' = q,
 * and the angle Δ_t between w_t and w_{t+1}, computed stably as
 * atan2(η√(aq − p²), a − ηp) (equal to arccos((a − ηp)/√(a·a'))). Writes the new state into `out`.
 */
export function meanFieldStep(
  s: MeanFieldState,
  p: MeanFieldStepParams,
  out: MeanFieldState,
): number {
  const { a, b, c } = s;
  const { lr: eta, wd: lam, momentum: al, L } = p;
  const pp = al * c + lam * a;
  const q = al * al * b + L / a + lam * lam * a + 2 * al * lam * c;
  out.a = a - 2 * eta * pp + eta * eta * q;
  out.b = q;
  out.c = pp - eta * q;
  return stepAngle(eta * Math.sqrt(Math.max(0, a * q - pp * pp)), a - eta * pp);
}

/** Options of `meanFieldTrajectory`. Give either `lr`, or `schedule` + `baseLr`. */
export interface MeanFieldOptions {
  /** Number of optimizer steps to run. */
  steps: number;
  /** Learning rate η_t per step. */
  lr?: PerStep;
  /** Alternative to `lr`: η_t = baseLr·lrFactor(schedule, t) (same Schedule objects the trainer uses). */
  schedule?: Schedule;
  baseLr?: number;
  /** Weight decay λ (constant, or one per step). */
  wd: number | Float64Array;
  /** Momentum α (0 or omitted: SGD). */
  momentum?: number;
  /** L = E‖g̃‖² (constant, or one per step, e.g. a measured windowed L_t). */
  L: number | Float64Array;
  /** ‖w_0‖² (with b = c = 0, i.e. v_0 = 0 as torch starts). Ignored when `initialState` is given. */
  initialNormSq?: number;
  /** Full starting state (e.g. a fixed point of other hyper-parameters). */
  initialState?: MeanFieldState;
  /**
   * Rescaling trick (§3): at each lr drop by k > 1 (schedule: `scheduleDrops` with ratio > 1;
   * raw lr: η_{t−1}/η_t > 1.001), multiply w by f = k^{-1/4} before step t: a ← a·f², c ← c·f (and v per `momentumRescale`).
   */
  rescaleAtDrops?: boolean;
  /**
   * Explicit rescalings instead of `rescaleAtDrops`: before step `step`, w × k^{-1/4} (e.g. the
   * drops a live run rescaled at, when it did not rescale at every drop).
   */
  rescales?: readonly { step: number; k: number }[];
  /**
   * What happens to the momentum buffer v at a rescaling (default 'keep'): see MomentumRescale.
   */
  momentumRescale?: MomentumRescale;
}

/**
 * Momentum buffer treatment when the weights are rescaled by f = k^{-1/4} (rescaling trick):
 * - 'keep': v untouched — what torch does when the user rescales parameters in place, and the
 *   paper's trick as stated (weights only). Δ starts ~1/3 low and recovers in ~1/(1−α) steps.
 * - 'like-weights': v·f (b ← b·f², c ← c·f²).
 * - 'like-gradients': v/f (b ← b/f², c ← c): v is a sum of gradients, which scale as 1/‖w‖; this
 *   lands on the new fixed point at once (to O(λη)).
 */
export type MomentumRescale = 'keep' | 'like-weights' | 'like-gradients';

/** An applied rescaling: before step `step`, w was multiplied by `factor` = k^{-1/4}. */
export interface MeanFieldRescale {
  step: number;
  k: number;
  factor: number;
}

/** Output of `meanFieldTrajectory`. */
export interface MeanFieldTrajectory {
  /** η_t used at step t (length steps). */
  lr: Float64Array;
  /** ‖w_t‖² before step t (after a rescale at t), t = 0..steps (length steps + 1). */
  normSq: Float64Array;
  /** Δ_t = ∠(w_t, w_{t+1}) in radians (length steps). */
  deltaRad: Float64Array;
  /** Rescalings applied (empty unless rescaleAtDrops). */
  rescales: MeanFieldRescale[];
  /** State after the last step. */
  finalState: MeanFieldState;
}

/**
 * Iterates the §4 mean-field recurrence over any lr schedule: predicted ‖w_t‖² and Δ_t for one
 * scale-invariant tensor trained with torch SGD/SGDM (coupled decay). O(steps), allocation-free
 * inner loop (10⁶ steps take a few ms; see bench/theory-recurrence.mjs).
 */
export function meanFieldTrajectory(o: MeanFieldOptions): MeanFieldTrajectory {
  const n = o.steps;
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`meanFieldTrajectory: steps must be an integer ≥ 0, got ${n}`);
  const lr = resolveLr(o, n);
  const al = o.momentum ?? 0;
  if (!(al >= 0 && al < 1))
    throw new Error(`meanFieldTrajectory: momentum must be in [0, 1), got ${o.momentum}`);
  const wdArr = perStepArray(o.wd, n, 'wd');
  const wdC = typeof o.wd === 'number' ? o.wd : 0;
  const LArr = perStepArray(o.L, n, 'L');
  const LC = typeof o.L === 'number' ? o.L : 0;
  if (typeof o.L === 'number') checkL(o.L, 'meanFieldTrajectory');
  const s0 = o.initialState ?? { a: o.initialNormSq ?? NaN, b: 0, c: 0 };
  if (!(s0.a > 0))
    throw new Error('meanFieldTrajectory: initialNormSq (or initialState.a) must be a number > 0');

  const mr = o.momentumRescale ?? 'keep';
  const rescaleAt = new Map<number, number>();
  if (o.rescales) {
    if (o.rescaleAtDrops)
      throw new Error('meanFieldTrajectory: give rescaleAtDrops or rescales, not both');
    for (const r of o.rescales) {
      if (!(Number.isInteger(r.step) && r.step >= 0 && r.k > 0))
        throw new Error(
          `meanFieldTrajectory: rescale at step ${r.step} by k = ${r.k} is not valid`,
        );
      if (r.step < n) rescaleAt.set(r.step, r.k);
    }
  } else if (o.rescaleAtDrops) {
    if (o.schedule) {
      for (const d of scheduleDrops(o.schedule, n)) if (d.ratio > 1) rescaleAt.set(d.step, d.ratio);
    } else {
      for (let t = 1; t < n; t++) {
        if (lr[t] > 0 && lr[t - 1] / lr[t] > 1.001) rescaleAt.set(t, lr[t - 1] / lr[t]);
      }
    }
  }

  const normSq = new Float64Array(n + 1);
  const deltaRad = new Float64Array(n);
  const rescales: MeanFieldRescale[] = [];
  let a = s0.a;
  let b = s0.b;
  let c = s0.c;
  const al2 = al * al;
  // Drop steps in increasing order; `next` is the next one to apply.
  const dropSteps = [...rescaleAt.keys()].sort((x, y) => x - y);
  let di = 0;
  let next = dropSteps.length > 0 ? dropSteps[0] : -1;
  for (let t = 0; t < n; t++) {
    if (t === next) {
      next = ++di < dropSteps.length ? dropSteps[di] : -1;
      const k = rescaleAt.get(t)!;
      const f = Math.pow(k, -0.25);
      const vScale = mr === 'keep' ? 1 : mr === 'like-weights' ? f : 1 / f;
      a *= f * f;
      c *= f;
      if (vScale !== 1) {
        b *= vScale * vScale;
        c *= vScale;
      }
      rescales.push({ step: t, k, factor: f });
    }
    normSq[t] = a;
    const eta = lr[t];
    const lam = wdArr ? wdArr[t] : wdC;
    const L = LArr ? LArr[t] : LC;
    const p = al * c + lam * a;
    const q = al2 * b + L / a + lam * lam * a + 2 * al * lam * c;
    deltaRad[t] = stepAngle(eta * Math.sqrt(Math.max(0, a * q - p * p)), a - eta * p);
    a = a - 2 * eta * p + eta * eta * q;
    c = p - eta * q;
    b = q;
  }
  normSq[n] = a;
  return { lr, normSq, deltaRad, rescales, finalState: { a, b, c } };
}

function resolveLr(o: MeanFieldOptions, n: number): Float64Array {
  const out = new Float64Array(n);
  if (o.schedule !== undefined) {
    if (o.lr !== undefined)
      throw new Error('meanFieldTrajectory: give either lr or schedule + baseLr, not both');
    if (!(typeof o.baseLr === 'number' && o.baseLr > 0)) {
      throw new Error(
        `meanFieldTrajectory: baseLr must be a number > 0 with a schedule, got ${o.baseLr}`,
      );
    }
    for (let t = 0; t < n; t++) out[t] = o.baseLr * lrFactor(o.schedule, t);
    return out;
  }
  const lr = o.lr;
  if (lr === undefined)
    throw new Error('meanFieldTrajectory: lr (or schedule + baseLr) is required');
  if (typeof lr === 'number') out.fill(lr);
  else if (typeof lr === 'function') for (let t = 0; t < n; t++) out[t] = lr(t);
  else {
    if (lr.length < n)
      throw new Error(`meanFieldTrajectory: lr has ${lr.length} values, need ≥ steps = ${n}`);
    out.set(lr.subarray(0, n));
  }
  return out;
}

function perStepArray(v: number | Float64Array, n: number, name: string): Float64Array | null {
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      throw new Error(`meanFieldTrajectory: ${name} must be a finite number`);
    return null;
  }
  if (v.length < n)
    throw new Error(`meanFieldTrajectory: ${name} has ${v.length} values, need ≥ steps = ${n}`);
  return v;
}

/**
 * Advice from the equilibrium theory (docs/optimizers.md): the η or λ that gives a target Δ* or
 * a target time constant, the warmup length a time constant implies, per lr drop how long each
 * optimizer needs to re-equilibrate (and the rescaling that avoids it), and what scaling the
 * batch size by k (η → kη) does. Δ* and τ depend on η and λ only through ηλ for every optimizer
 * here (dimensional analysis of the recurrences), so each target fixes x = ηλ, solved by
 * bisection on the optimizer's own recurrence.
 */
import { optimizerDynamics, stepsToEquilibrium, type DynamicsHyper } from './optimizer-dynamics.js';
import { DEFAULT_WD_RATIO } from './projected-dynamics.js';

/** The optimizer part of an advice request (λ is solved or given separately). */
export type AdviceOptimizer = Omit<DynamicsHyper, 'wd'>;

/**
 * Largest ηλ searched: 0.5, and for SGDP/AdamP no more than a per-step shrink κ = ηλr/(1−α) of
 * 0.5 (their recurrence needs κ < 1).
 */
function maxProduct(o: AdviceOptimizer): number {
  if (o.optimizer !== 'sgdp' && o.optimizer !== 'adamp') return 0.5;
  const alpha = o.optimizer === 'sgdp' ? (o.momentum ?? 0) : 0;
  return Math.min(0.5, (0.5 * (1 - alpha)) / (o.wdRatio ?? DEFAULT_WD_RATIO));
}

/** ηλ in [1e-12, hi] that gives `f(ηλ) = target` for an increasing or decreasing f, by bisection in log space. */
function solveProduct(f: (x: number) => number, target: number, what: string, hi: number): number {
  let lo = 1e-12;
  const flo = f(lo);
  const fhi = f(hi);
  if (!((target - flo) * (target - fhi) <= 0)) {
    throw new Error(`advice: no ηλ in [1e-12, ${hi}] gives ${what} = ${target}`);
  }
  for (let i = 0; i < 200; i++) {
    const mid = Math.sqrt(lo * hi);
    if ((f(mid) - target) * (flo - target) > 0) lo = mid;
    else hi = mid;
    if (hi / lo - 1 < 1e-13) break;
  }
  return Math.sqrt(lo * hi);
}

/** Δ* (rad) at ηλ = x (η = x, λ = 1: only the product matters). */
export function deltaStarAtProduct(o: AdviceOptimizer, x: number): number {
  return optimizerDynamics({ ...o, wd: 1 }).deltaStar(x);
}

/** Local time constant τ (steps) at ηλ = x. */
export function timeConstantAtProduct(o: AdviceOptimizer, x: number): number {
  return optimizerDynamics({ ...o, wd: 1 }).timeConstant(x);
}

/** ηλ whose equilibrium angular update is `deltaRad`. */
export function productForDelta(o: AdviceOptimizer, deltaRad: number): number {
  return solveProduct((x) => deltaStarAtProduct(o, x), deltaRad, 'Δ*', maxProduct(o));
}

/** ηλ whose local time constant is `steps`. */
export function productForTimeConstant(o: AdviceOptimizer, steps: number): number {
  return solveProduct((x) => timeConstantAtProduct(o, x), steps, 'τ', maxProduct(o));
}

/** Steps until a deviation from equilibrium is within `tolerance` of its start: τ·ln(1/tol). */
export function warmupSteps(timeConstant: number, tolerance = 0.05): number {
  return Math.ceil(timeConstant * Math.log(1 / tolerance));
}

/** What one lr drop η → η/k does, at equilibrium before it. */
export interface DropAdvice {
  step: number;
  k: number;
  lrBefore: number;
  lrAfter: number;
  /** steps until the next drop (or the end of training) */
  stepsAvailable: number;
  /** Δ* before and after (rad) */
  deltaStarBefore: number;
  deltaStarAfter: number;
  /** recurrence: steps until Δ stays within ±tolerance of the new Δ* (null: > maxSteps) */
  reequilibrateSteps: number | null;
  /** the next drop (or the end) comes before re-equilibration */
  nextComesFirst: boolean;
  /** lower bound: pure weight decay's time to bring ‖w‖² to the new ‖w*‖² */
  normDecaySteps: number;
  /** weights × this at the drop lands on the new ‖w*‖ (k^{-1/4} coupled, k^{-1/2} decoupled) */
  rescaleFactor: number;
  /** recurrence from the rescaled state (buffers untouched) */
  reequilibrateStepsRescaled: number | null;
}

/**
 * Per drop (`drops`: step and ratio k > 1, as scheduleDrops gives) of a run of `totalSteps` with
 * base η `lrAt(step)`: re-equilibration with and without the rescaling trick.
 */
export function dropAdvice(
  h: DynamicsHyper,
  drops: readonly { step: number; ratio: number }[],
  lrAt: (step: number) => number,
  totalSteps: number,
  tolerance = 0.05,
  maxSteps = 10_000_000,
): DropAdvice[] {
  const dyn = optimizerDynamics(h);
  const real = drops.filter((d) => d.ratio > 1 && d.step > 0);
  return real.map((d, i) => {
    const lrBefore = lrAt(d.step - 1);
    const lrAfter = lrAt(d.step);
    const from = dyn.fixedPoint(lrBefore);
    const next = i + 1 < real.length ? real[i + 1].step : totalSteps;
    const plain = stepsToEquilibrium(dyn, lrAfter, from, tolerance * 100, maxSteps).steps;
    const f = dyn.rescaleFactor(d.ratio);
    const resc = stepsToEquilibrium(dyn, lrAfter, dyn.rescale(from, f), tolerance * 100, maxSteps);
    return {
      step: d.step,
      k: d.ratio,
      lrBefore,
      lrAfter,
      stepsAvailable: next - d.step,
      deltaStarBefore: dyn.deltaStar(lrBefore),
      deltaStarAfter: dyn.deltaStar(lrAfter),
      reequilibrateSteps: plain,
      nextComesFirst: plain === null || plain > next - d.step,
      normDecaySteps: dyn.normDecaySteps(lrAfter, d.ratio),
      rescaleFactor: f,
      reequilibrateStepsRescaled: resc.steps,
    };
  });
}

/** Effect of multiplying the batch size by k with the linear scaling rule η → kη. */
export interface BatchScaling {
  k: number;
  /** Δ*(kη)/Δ*(η): ≈ √k (the angle per step grows only √k) */
  deltaRatio: number;
  /** τ(kη)/τ(η) in steps: ≈ 1/k */
  timeConstantRatioSteps: number;
  /** the same in epochs (steps per epoch fall by k): ≈ 1 */
  timeConstantRatioEpochs: number;
  /** rotation per epoch, Δ*·steps/epoch, relative: ≈ 1/√k (random-walk angle per epoch ≈ 1) */
  anglePerEpochRatio: number;
}

/** Batch size × k, η → kη, at λ and the optimizer of `h`. */
export function batchScaling(h: DynamicsHyper, lr: number, k: number): BatchScaling {
  const dyn = optimizerDynamics(h);
  const deltaRatio = dyn.deltaStar(k * lr) / dyn.deltaStar(lr);
  const tau = dyn.timeConstant(k * lr) / dyn.timeConstant(lr);
  return {
    k,
    deltaRatio,
    timeConstantRatioSteps: tau,
    timeConstantRatioEpochs: tau * k,
    anglePerEpochRatio: deltaRatio / k,
  };
}

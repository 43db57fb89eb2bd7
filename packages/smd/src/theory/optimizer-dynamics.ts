/**
 * One interface over the per-optimizer recurrences, so predictions and advice run the same code
 * for every optimizer: a state (a = ‖w‖², b, c as §4; b = c = 0 for the decoupled ones), one
 * step at η, the fixed point, Δ*, ‖w*‖², the local time constant, and the rescaling trick.
 * - sgd, sgdm: §4 mean-field recurrence (the paper's setting).
 * - nesterov: nesterov-recurrence.ts (derived here).
 * - adamw, lion (decoupled decay; derived here, checked against the simulator in
 *   optimizer-dynamics.test.ts): with x = 1 − ηλ, U = E‖u‖² per step and U_eff the
 *   momentum-coherent growth Σ_k corr(u_t, u_{t±k})·x^{|k|}·U — AdamW U = d(1−β1)/(1+β1),
 *   U_eff = U(1+β1x)/(1−β1x); Lion U = d, U_eff = d·S(x) (lionSignCorrelationSum) —
 *   the coherent part of past updates c = Σ_k η_{t−k}·U·γ_k·x^k (γ_k = corr(u_t, u_{t−k})) is
 *   a state: a' = x²a + 2ηc + η²U, c' = x(ηUγ1 + ρc), the update's radial part r = ⟨w, u⟩ =
 *   −c/x, and Δ = atan2(η√(U − r²/a), x√a − ηr/√a); at the fixed point a'·(1 − x²) = η²U_eff. AdamW's state also carries b = EMA_β2(1/a): Adam's
 *   √v lags the gradient scale 1/‖w‖ while the norm moves, scaling U and U_eff by (1/a)/b
 *   (+5–10% Δ while ‖w‖ shrinks after an lr drop, as the simulator shows). At ηλ → 0 the fixed point is Kosson et al.'s AdamW
 *   Δ* and ‖w*‖² = ηd/(2λ) (Lion: kosson.ts's Δ*, ηdS/(2λ)); at ηλ = 0.01, β1 = 0.9 the
 *   x-terms move ‖w*‖² by −9%, which the simulator confirms.
 * - sgdp, adamp: projected-dynamics.ts (derived here).
 */
import {
  lionSignCorrelationSum,
  lionSignSumAt,
  lionSignSumCoefficients,
} from '@smd/engine/rotational-rules';
import {
  decoupledDeltaStar,
  decoupledEquilibriumRun,
  genericEquilibriumRun,
  meanFieldDeltaStar,
  meanFieldEquilibriumRun,
  type EquilibriumRun,
} from './equilibrium-run.js';
import { localRate, meanFieldFixedState, numericTimeConstant } from './fixed-point.js';
import { meanFieldStep } from './mean-field.js';
import { nesterovFixedPoint, nesterovStep } from './nesterov-recurrence.js';
import {
  EQUILIBRIUM_OPTIMIZERS,
  defaultBetas,
  type EquilibriumOptimizer,
} from './optimizer-equilibrium.js';
import { projectedDynamics } from './projected-dynamics.js';
import {
  decoupledRun,
  meanFieldRun,
  meanFieldRunPair,
  stepwiseRun,
  type RecurrencePairRun,
  type RecurrenceRun,
} from './recurrence-run.js';
import { stepAngle } from './step-angle.js';
import type { ProjectedOptimizer } from './projected-equilibrium.js';
import type { MeanFieldState } from './types.js';

/** Optimizers with a recurrence (`smd predict`, `smd advise`): the closed-form ones plus SGDP/AdamP. */
export type DynamicsOptimizer = EquilibriumOptimizer | ProjectedOptimizer;

/** Every DynamicsOptimizer, in display order. */
export const DYNAMICS_OPTIMIZERS: readonly DynamicsOptimizer[] = [
  ...EQUILIBRIUM_OPTIMIZERS,
  'sgdp',
  'adamp',
];

/**
 * True when ‖w*‖ is fixed by the tensor's size d (Adam's and Lion's normalised steps: adamw,
 * lion, adamp; rescaling factor k^{−1/2}), false when by L (the SGD family, sgdp; k^{−1/4}).
 */
export function normSetByDim(optimizer: DynamicsOptimizer): boolean {
  return optimizer === 'adamw' || optimizer === 'lion' || optimizer === 'adamp';
}

/** Constant hyper-parameters of a dynamics (η varies per step and is passed to each call). */
export interface DynamicsHyper {
  optimizer: DynamicsOptimizer;
  /** λ > 0 */
  wd: number;
  /** α (sgdm, nesterov, sgdp) */
  momentum?: number;
  /** (β1, β2) (adamw, lion, adamp) */
  betas?: [number, number];
  /** L = E‖g̃‖² (sgd, sgdm, nesterov, sgdp; default 1) */
  L?: number;
  /** weights in the tensor or neuron (adamw, lion, adamp norms; default 576 = a 3×3 conv neuron over 64 channels) */
  dim?: number;
  /** r, the weight-decay ratio of projected tensors (sgdp, adamp; default 0.1) */
  wdRatio?: number;
}

/** A recurrence for one optimizer (see the file comment). */
export interface OptimizerDynamics {
  readonly hyper: DynamicsHyper;
  /** One step at η from `s`; writes `out`, returns Δ_t in radians. */
  step(s: MeanFieldState, lr: number, out: MeanFieldState): number;
  /** Steps [start, end) at lr[t] in one loop, the same numbers as `step` (recurrence-run.ts). */
  run: RecurrenceRun;
  /** Two states through the same steps in one loop (sgd, sgdm), as two `run`s would. */
  runPair?: RecurrencePairRun;
  /** Δ* and ‖w*‖ of every step's η in one loop, the same numbers as deltaStar/normStarSq (equilibrium-run.ts). */
  equilibria: EquilibriumRun;
  /** Fixed point of the recurrence at η. */
  fixedPoint(lr: number): MeanFieldState;
  /** Δ* at η: step(fixedPoint(η), η), the recurrence's own fixed point (sgd/sgdm, adamw/lion: simplified, equilibrium-run.ts). */
  deltaStar(lr: number): number;
  /** Leading-order Δ* (Theorem 3 / the √ forms). */
  deltaStarLeading(lr: number): number;
  /** ‖w*‖² at η: fixedPoint(η).a. */
  normStarSq(lr: number): number;
  /** −1/ln ρ of the map at its fixed point: steps for a deviation to shrink by e. */
  timeConstant(lr: number): number;
  /** Weight multiplier that lands on the new equilibrium norm when η is divided by k. */
  rescaleFactor(k: number): number;
  /** The state after multiplying the weights (not the buffers) by f. */
  rescale(s: MeanFieldState, f: number): MeanFieldState;
  /** Pure decay time after η ÷ k: steps for ‖w‖² to fall to the new ‖w*‖² by decay alone. */
  normDecaySteps(lrNew: number, k: number): number;
}

/** The dynamics of `h.optimizer`. */
export function optimizerDynamics(h: DynamicsHyper): OptimizerDynamics {
  const lam = h.wd;
  if (!(lam > 0)) throw new Error(`optimizerDynamics: wd must be > 0, got ${lam}`);
  if (h.optimizer === 'sgdp' || h.optimizer === 'adamp') return projectedDynamics(h);
  const L = h.L ?? 1;
  const alpha = h.momentum ?? 0;
  const [b1, b2] = h.betas ?? defaultBetas(h.optimizer);
  const coupled = h.optimizer === 'sgd' || h.optimizer === 'sgdm' || h.optimizer === 'nesterov';
  if (coupled) {
    const nesterov = h.optimizer === 'nesterov';
    const p = (lr: number) => ({ lr, wd: lam, momentum: alpha, L });
    const hot = p(0); // one mutable record for the per-step calls (no allocation per step)
    const step = (s: MeanFieldState, lr: number, out: MeanFieldState): number => {
      hot.lr = lr;
      return nesterov ? nesterovStep(s, hot, out) : meanFieldStep(s, hot, out);
    };
    const fixedPoint = (lr: number): MeanFieldState => {
      if (!nesterov) return meanFieldFixedState(p(lr));
      const fp = nesterovFixedPoint(p(lr));
      return { a: fp.a, b: fp.b, c: fp.c };
    };
    return {
      hyper: h,
      step,
      run: nesterov ? stepwiseRun(step) : meanFieldRun(lam, alpha, L),
      runPair: nesterov ? undefined : meanFieldRunPair(lam, alpha, L),
      equilibria: nesterov
        ? genericEquilibriumRun(fixedPoint, step)
        : meanFieldEquilibriumRun(lam, alpha, L),
      fixedPoint,
      deltaStar: nesterov
        ? (lr) => step(fixedPoint(lr), lr, { a: 0, b: 0, c: 0 })
        : (lr) => meanFieldDeltaStar((lam * lr) / (1 + alpha)),
      deltaStarLeading: (lr) => {
        const x = (2 * lr * lam) / (1 + alpha);
        const f = nesterov ? (1 + alpha) ** 2 * (1 - alpha * alpha) + alpha ** 4 : 1;
        return Math.sqrt(x * f);
      },
      normStarSq: (lr) => fixedPoint(lr).a,
      timeConstant: (lr) =>
        nesterov ? numericTimeConstant(step, fixedPoint(lr), lr) : localRate(p(lr)).timeConstant,
      rescaleFactor: (k) => Math.pow(k, -0.25),
      rescale: (s, f) => ({ a: s.a * f * f, b: s.b, c: s.c * f }),
      normDecaySteps: (lrNew, k) => (Math.log(k) * (1 - alpha)) / (4 * lam * lrNew),
    };
  }
  const d = h.dim ?? 576;
  const lion = h.optimizer === 'lion';
  // U = E‖u‖² per step; consecutive updates correlate as γ_k = γ1·ρ^{k−1} (AdamW: γ1 = ρ = β1;
  // Lion: ρ = β2 and γ1 fitted so Σγ_k x^k = (S(x) − 1)/2, the sign-correlation sum)
  const U = lion ? d : (d * (1 - b1)) / (1 + b1);
  const rho = lion ? b2 : b1;
  // S(x): a few multiply-adds per new η
  const signSum = lion ? lionSignSumCoefficients(b1, b2) : null;
  // κ(x) = x·γ1(x): the coherent share of a new update (recurrence-run.ts, DecoupledConstants)
  const kappa = (x: number): number =>
    signSum ? ((lionSignSumAt(signSum, x) - 1) / 2) * (1 - rho * x) : b1 * x;
  const step = (s: MeanFieldState, lr: number, out: MeanFieldState): number => {
    const x = 1 - lr * lam;
    // AdamW: b = EMA_β2 of 1/a tracks √v's lag behind the gradient scale 1/‖w‖ (0 = no history
    // yet: bias-corrected v̂ = g²); u grows by (1/a)/b while ‖w‖ shrinks faster than v forgets.
    let u = U;
    out.b = 0;
    if (!lion) {
      out.b = s.b > 0 ? b2 * s.b + (1 - b2) / s.a : 1 / s.a;
      u = U / (s.a * out.b);
    }
    // c = Σ_k η_{t−k}·U·γ_k·x^k: the coherent part of past updates; ⟨w, u⟩ = r = −c/x
    const xxa = x * x * s.a;
    out.a = xxa + 2 * lr * s.c + lr * lr * u;
    out.c = lr * u * kappa(x) + x * rho * s.c;
    // Δ = atan2(η√(u − r²/a), x√a − ηr/√a), both sides times |x|√a: atan2(η√(ux²a − c²), ±(x²a + ηc))
    // (no division by x; the sign of x, ηλ > 1, keeps the quadrant)
    const X = xxa + lr * s.c;
    return stepAngle(lr * Math.sqrt(Math.max(0, u * xxa - s.c * s.c)), x > 0 ? X : -X);
  };
  const constants = { lam, U, rho, b2, lion, kappa, b1, signSum };
  const fixedPoint = (lr: number): MeanFieldState => {
    // c = xρc + ηUκ and a = x²a + 2ηc + η²U (u = U: AdamW's v matches, b = 1/a), solved:
    // c = ηUκ/D1, a = η²U(2κ + D1)/(D1·D2), D1 = 1 − ρx, D2 = 1 − x² (equilibrium-run.ts' form)
    const x = 1 - lr * lam;
    const kap = kappa(x);
    const d1 = 1 - rho * x;
    const a = (lr * lr * U * (2 * kap + d1)) / (d1 * (1 - x * x));
    return { a, b: lion ? 0 : 1 / a, c: (lr * U * kap) / d1 };
  };
  return {
    hyper: h,
    step,
    run: decoupledRun(constants),
    equilibria: decoupledEquilibriumRun(constants),
    fixedPoint,
    deltaStar: (lr) => decoupledDeltaStar(constants, lr),
    deltaStarLeading: (lr) =>
      Math.sqrt((2 * lr * lam) / (lion ? lionSignCorrelationSum(b1, b2) : (1 + b1) / (1 - b1))),
    normStarSq: (lr) => fixedPoint(lr).a,
    timeConstant: (lr) => -1 / (2 * Math.log(1 - lr * lam)),
    rescaleFactor: (k) => Math.pow(k, -0.5),
    // Adam's v keeps the old gradient scale (b unchanged): the first ~1/(1−β2) steps overshoot
    rescale: (s, f) => ({ a: s.a * f * f, b: s.b, c: s.c * f }),
    normDecaySteps: (lrNew, k) => Math.log(k) / (2 * lam * lrNew),
  };
}

/** Result of `stepsToEquilibrium`. */
export interface EquilibriumTime {
  /** First step from which Δ_t stays within ±percent% of Δ*; null if not within maxSteps. */
  steps: number | null;
  /** Δ* at the new η. */
  deltaStar: number;
  /** Δ at the first step. */
  initialDelta: number;
}

/**
 * Steps until Δ_t enters ±percent% of Δ* for good, iterating `dyn` at constant η from
 * `from` (e.g. the old fixed point, or its rescaled state). Stops once the state is within
 * percent/1000 of the fixed point (no later excursion is possible) or after maxSteps.
 */
export function stepsToEquilibrium(
  dyn: OptimizerDynamics,
  lr: number,
  from: MeanFieldState,
  percent: number,
  maxSteps = 10_000_000,
): EquilibriumTime {
  const eq = dyn.deltaStar(lr);
  const fp = dyn.fixedPoint(lr);
  const band = (percent / 100) * eq;
  const tol = percent / 1e5;
  const close = (x: number, y: number): boolean => Math.abs(x - y) <= tol * Math.abs(y);
  const s = { ...from };
  const next: MeanFieldState = { a: 0, b: 0, c: 0 };
  let lastOutside = -1;
  let initial = NaN;
  for (let t = 0; t < maxSteps; t++) {
    const delta = dyn.step(s, lr, next);
    if (t === 0) initial = delta;
    if (Math.abs(delta - eq) > band) lastOutside = t;
    else if (close(s.a, fp.a) && close(s.b, fp.b) && close(s.c, fp.c)) {
      return { steps: lastOutside + 1, deltaStar: eq, initialDelta: initial };
    }
    s.a = next.a;
    s.b = next.b;
    s.c = next.c;
  }
  return { steps: null, deltaStar: eq, initialDelta: initial };
}

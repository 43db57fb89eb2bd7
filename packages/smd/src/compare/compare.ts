/**
 * Measured vs predicted SMD for one tensor (docs/smd-theory.md §3, §4, §6): a verdict plus the
 * numbers and the conditions that held, never a bare gap (architecture.md "SMD rules").
 */
import { meanFieldFixedPoint, localRate } from '../theory/fixed-point.js';
import { stepsToWithin } from '../theory/transient.js';

/**
 * Overall reading of one tensor's measured-vs-predicted state. 'optimizer_not_covered': the
 * update is not §2's SGD/SGDM with coupled decay (Adam, AdamW, Nesterov, dampening), so the
 * predictions do not apply.
 */
export type CompareVerdict =
  'equilibrium' | 'transient' | 'not_scale_invariant' | 'no_weight_decay' | 'optimizer_not_covered';

/** Facts checked on the way to the verdict (closed set). */
export type CompareCondition =
  | 'scale_invariant'
  | 'not_scale_invariant'
  | 'weight_decay'
  | 'no_weight_decay'
  | 'optimizer_not_covered'
  /** enough steps since the last lr change for the §4 recurrence to have relaxed (plus the window) */
  | 'past_relaxation'
  | 'within_relaxation'
  | 'delta_within_tolerance'
  | 'delta_below_prediction'
  | 'delta_above_prediction'
  | 'norm_within_tolerance'
  | 'norm_outside_tolerance'
  /** the measurements needed (Δ, ‖w‖, w*) were missing or not finite */
  | 'missing_measurement';

/** Input of `compareSmd`. */
export interface CompareInput {
  param: string;
  /** windowed mean of the measured Δ_t (rad) */
  deltaMeasured: number;
  /** windowed mean of the measured ‖w_t‖ */
  normMeasured: number;
  /** predicted Δ* for the current η, λ, α (NaN when λ = 0) */
  deltaStar: number;
  /** predicted ‖w*‖ from the windowed L_t (NaN when unknown) */
  wStar: number;
  /** current η, λ (the group's weight decay), α */
  lr: number;
  weightDecay: number;
  momentum: number;
  /** whether detection found the tensor scale-invariant (structure and radial cosine) */
  scaleInvariant: boolean;
  /** false when the optimizer is not §2's SGD/SGDM (ParamHyper.predictable); default true */
  predictable?: boolean;
  /** optimizer steps since the last lr change (or since the start of training) */
  stepsSinceLrChange: number;
  /** the last change divided η by this factor (> 1), if known; sharpens the relaxation estimate */
  lrDropFactor?: number;
  /** length in steps of the window the measured means cover (default 200) */
  windowSteps?: number;
  /** relative tolerance on Δ and ‖w‖ (default 0.05) */
  tolerance?: number;
}

/** Output of `compareSmd`. */
export interface Comparison {
  param: string;
  verdict: CompareVerdict;
  /** every condition checked, in order; the verdict follows from them */
  conditions: CompareCondition[];
  deltaMeasured: number;
  deltaStar: number;
  /** measured / predicted Δ */
  deltaRatio: number;
  normMeasured: number;
  wStar: number;
  /** measured / predicted ‖w‖ */
  normRatio: number;
  stepsSinceLrChange: number;
  /** steps the §4 recurrence needs to come within tolerance of Δ* (NaN when it does not apply) */
  relaxationSteps: number;
  /** one line for humans */
  summary: string;
}

const relaxCache = new Map<string, number>();

/**
 * Steps after a change until Δ stays within `tolerance` of Δ*, from the §4 recurrence at the
 * new (η, λ, α). With a known drop factor k the recurrence starts at the old equilibrium
 * (η·k); otherwise ln(1/tolerance) local time constants (a deviation of order 1 shrinking
 * to tolerance). Independent of L (the recurrence is homogeneous in it).
 */
export function relaxationSteps(
  lr: number,
  weightDecay: number,
  momentum: number,
  tolerance: number,
  lrDropFactor?: number,
): number {
  if (!(lr > 0 && weightDecay > 0 && momentum >= 0 && momentum < 1 && tolerance > 0)) return NaN;
  const key = `${lr}|${weightDecay}|${momentum}|${tolerance}|${lrDropFactor ?? ''}`;
  const hit = relaxCache.get(key);
  if (hit !== undefined) return hit;
  const hyper = { lr, wd: weightDecay, momentum, L: 1 };
  let steps: number;
  if (lrDropFactor !== undefined && lrDropFactor > 1) {
    const fromState = meanFieldFixedPoint({ ...hyper, lr: lr * lrDropFactor });
    const r = stepsToWithin({ ...hyper, fromState, percent: tolerance * 100, metric: 'delta' });
    steps = r.steps ?? Infinity;
  } else {
    steps = Math.ceil(Math.log(1 / tolerance) * localRate(hyper).timeConstant);
  }
  if (relaxCache.size > 256) relaxCache.clear();
  relaxCache.set(key, steps);
  return steps;
}

const fmt = (x: number): string => (Number.isFinite(x) ? x.toPrecision(4) : String(x));

/** Compares windowed measurements of one tensor with the SMD predictions; see CompareVerdict. */
export function compareSmd(input: CompareInput): Comparison {
  const tol = input.tolerance ?? 0.05;
  if (!(tol > 0 && tol < 1))
    throw new Error(`compareSmd: tolerance must be in (0, 1), got ${input.tolerance}`);
  const windowSteps = input.windowSteps ?? 200;
  if (!(windowSteps >= 1))
    throw new Error(`compareSmd: windowSteps must be >= 1, got ${input.windowSteps}`);
  if (!(input.stepsSinceLrChange >= 0)) {
    throw new Error(`compareSmd: stepsSinceLrChange must be >= 0, got ${input.stepsSinceLrChange}`);
  }
  const conditions: CompareCondition[] = [];
  const deltaRatio = input.deltaMeasured / input.deltaStar;
  const normRatio = input.normMeasured / input.wStar;
  const relax = relaxationSteps(
    input.lr,
    input.weightDecay,
    input.momentum,
    tol,
    input.lrDropFactor,
  );
  const base = {
    param: input.param,
    deltaMeasured: input.deltaMeasured,
    deltaStar: input.deltaStar,
    deltaRatio,
    normMeasured: input.normMeasured,
    wStar: input.wStar,
    normRatio,
    stepsSinceLrChange: input.stepsSinceLrChange,
    relaxationSteps: relax,
  };
  const done = (verdict: CompareVerdict, summary: string): Comparison => ({
    ...base,
    verdict,
    conditions,
    summary,
  });

  conditions.push(input.scaleInvariant ? 'scale_invariant' : 'not_scale_invariant');
  conditions.push(input.weightDecay > 0 ? 'weight_decay' : 'no_weight_decay');
  if (!input.scaleInvariant) {
    return done(
      'not_scale_invariant',
      `${input.param}: not scale-invariant, SMD predictions do not apply`,
    );
  }
  if (input.predictable === false) {
    conditions.push('optimizer_not_covered');
    return done(
      'optimizer_not_covered',
      `${input.param}: the optimizer is not SGD/SGDM with coupled decay, SMD predictions do not apply`,
    );
  }
  if (!(input.weightDecay > 0)) {
    return done(
      'no_weight_decay',
      `${input.param}: its group has no weight decay, so no equilibrium exists (‖w‖ only grows)`,
    );
  }
  const past = input.stepsSinceLrChange >= relax + windowSteps;
  conditions.push(past ? 'past_relaxation' : 'within_relaxation');
  let deltaOk = false;
  if (!Number.isFinite(deltaRatio) || !(input.deltaMeasured >= 0)) {
    conditions.push('missing_measurement');
  } else if (Math.abs(deltaRatio - 1) <= tol) {
    deltaOk = true;
    conditions.push('delta_within_tolerance');
  } else {
    conditions.push(deltaRatio < 1 ? 'delta_below_prediction' : 'delta_above_prediction');
  }
  if (Number.isFinite(normRatio)) {
    conditions.push(
      Math.abs(normRatio - 1) <= tol ? 'norm_within_tolerance' : 'norm_outside_tolerance',
    );
  }
  const nums = `Δ = ${fmt(input.deltaMeasured)} vs Δ* = ${fmt(input.deltaStar)} (×${fmt(deltaRatio)}), ‖w‖ = ${fmt(input.normMeasured)} vs w* = ${fmt(input.wStar)}`;
  if (past && deltaOk) return done('equilibrium', `${input.param}: equilibrium; ${nums}`);
  const why = !past
    ? `${input.stepsSinceLrChange} steps since the lr change, relaxation needs ~${fmt(relax)} + window ${windowSteps}`
    : `Δ still ${fmt(Math.abs(deltaRatio - 1) * 100)}% off after ${input.stepsSinceLrChange} steps`;
  return done('transient', `${input.param}: transient (${why}); ${nums}`);
}

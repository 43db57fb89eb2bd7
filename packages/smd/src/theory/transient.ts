import { deltaStarExact, weightNormStarSq } from './equilibrium.js';
import { localRate, meanFieldFixedPoint } from './fixed-point.js';
import { meanFieldStep } from './mean-field.js';
import { checkHyper, checkL, type MeanFieldState, type SgdHyperL } from './types.js';

/** Which equilibrium quantity `stepsToWithin` watches: Δ_t, or ‖w_t‖ (the norm, not squared). */
export type TransientMetric = 'delta' | 'norm';

/** Options of `stepsToWithin`: constant (new) hyper-parameters and a starting state. */
export interface StepsToWithinOptions extends SgdHyperL {
  /** State right after the change (e.g. `meanFieldFixedPoint` of the OLD hyper-parameters). */
  fromState: MeanFieldState;
  /** Band half-width in percent of the equilibrium value (e.g. 5 for ±5%). */
  percent: number;
  metric: TransientMetric;
  /** Give up after this many steps (default: 100 local time constants + 1000). */
  maxSteps?: number;
}

/** Output of `stepsToWithin`. */
export interface StepsToWithinResult {
  /** First t such that the metric stays within the band from step t on; null if not reached. */
  steps: number | null;
  /** The equilibrium value of the metric (Δ* in rad, or ‖w*‖). */
  equilibrium: number;
  /** The metric at the start (Δ_0, or ‖w_0‖). */
  initial: number;
}

/**
 * Time to get within ±percent% of the new equilibrium after any change (e.g. an lr drop) by
 * iterating the §4 recurrence at the new constant hyper-parameters from `fromState`. Runs until
 * the whole state (a, b, c) is within percent/1000 of the fixed point (so a later oscillation
 * cannot leave the band) or maxSteps.
 */
export function stepsToWithin(o: StepsToWithinOptions): StepsToWithinResult {
  checkHyper(o, 'stepsToWithin');
  checkL(o.L, 'stepsToWithin');
  if (!(o.percent > 0)) throw new Error(`stepsToWithin: percent must be > 0, got ${o.percent}`);
  if (!(o.fromState.a > 0)) throw new Error('stepsToWithin: fromState.a (‖w‖²) must be > 0');
  const params = { lr: o.lr, wd: o.wd, momentum: o.momentum ?? 0, L: o.L };
  const eq = o.metric === 'delta' ? deltaStarExact(o) : Math.sqrt(weightNormStarSq(o));
  const band = (o.percent / 100) * eq;
  const maxSteps = o.maxSteps ?? Math.ceil(100 * localRate(o).timeConstant) + 1000;
  const fp = meanFieldFixedPoint(o);
  const tol = o.percent / 1e5;
  const s: MeanFieldState = { ...o.fromState };
  const next: MeanFieldState = { a: 0, b: 0, c: 0 };
  let lastOutside = -1;
  let initial = NaN;
  for (let t = 0; t < maxSteps; t++) {
    const a = s.a;
    const d = meanFieldStep(s, params, next);
    const value = o.metric === 'delta' ? d : Math.sqrt(a);
    if (t === 0) initial = value;
    const dev = Math.abs(value - eq);
    if (dev > band) lastOutside = t;
    else if (
      Math.abs(s.a - fp.a) < tol * fp.a &&
      Math.abs(s.b - fp.b) < tol * fp.b &&
      Math.abs(s.c - fp.c) < tol * Math.abs(fp.c)
    ) {
      return { steps: lastOutside + 1, equilibrium: eq, initial };
    }
    s.a = next.a;
    s.b = next.b;
    s.c = next.c;
  }
  return { steps: null, equilibrium: eq, initial };
}

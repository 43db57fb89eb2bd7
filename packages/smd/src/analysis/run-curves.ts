/**
 * Run-wide predicted curves (docs/smd-theory.md §4): Δ*(η_t) per step, the run-wide Δ_t started
 * at the first phase's equilibrium (independent of L), and the last lr change.
 */
import { deltaStarExact } from '../theory/equilibrium.js';
import { meanFieldFixedPoint } from '../theory/fixed-point.js';
import { meanFieldTrajectory } from '../theory/mean-field.js';
import { LR_CHANGE_RELATIVE } from './windows.js';

/** Δ*(η_t) = arccos(1 − λη_t/(1+α)) per step (NaN where η_t ≤ 0 or λ = 0). */
export function deltaStarPerStep(
  lr: Float64Array,
  weightDecay: number,
  momentum: number,
): Float64Array {
  const out = new Float64Array(lr.length).fill(NaN);
  if (!(weightDecay > 0)) return out;
  for (let t = 0; t < lr.length; t++) {
    if (lr[t] > 0) out[t] = deltaStarExact({ lr: lr[t], wd: weightDecay, momentum });
  }
  return out;
}

/**
 * Run-wide predicted Δ_t: the recurrence started at the equilibrium of the first positive η
 * (L = 1; Δ does not depend on L from an equilibrium start). Null without λ or a positive η.
 */
export function runDeltaCurve(
  lr: Float64Array,
  weightDecay: number,
  momentum: number,
  rescaleAtDrops: boolean,
): Float64Array | null {
  const eta0 = lr.find((v) => v > 0);
  if (!(weightDecay > 0) || eta0 === undefined || !Number.isFinite(eta0)) return null;
  const fp = meanFieldFixedPoint({ lr: eta0, wd: weightDecay, momentum, L: 1 });
  // A diverging run's η (e.g. 1e30) has no finite equilibrium to start from.
  if (!(fp.a > 0 && Number.isFinite(fp.a) && Number.isFinite(fp.b))) return null;
  return meanFieldTrajectory({
    steps: lr.length,
    lr,
    wd: weightDecay,
    momentum,
    L: 1,
    initialState: { a: fp.a, b: fp.b, c: fp.c },
    rescaleAtDrops,
  }).deltaRad;
}

/**
 * The last lr change of more than `rel` against η at the change before (so smooth schedules
 * register every `rel` of drift): its step and factor k = η_before/η_after (undefined unless > 1).
 */
export function lastLrChange(
  lr: Float64Array,
  rel = LR_CHANGE_RELATIVE,
): { step: number; factor: number | undefined } {
  let ref = lr.length ? lr[0] : NaN;
  let step = 0;
  let factor: number | undefined;
  for (let t = 1; t < lr.length; t++) {
    if (ref > 0 && lr[t] > 0 && Math.abs(lr[t] / ref - 1) > rel) {
      const k = ref / lr[t];
      factor = k > 1 ? k : undefined;
      ref = lr[t];
      step = t;
    }
  }
  return { step, factor };
}

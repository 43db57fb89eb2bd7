/**
 * Predicted curves of a run (docs/smd-theory.md §4): the mean-field ‖w_t‖ and Δ_t of each layer
 * driven by the run's own η_t and measured windowed L_t, the run-wide Δ_t started at the first
 * phase's equilibrium (independent of L), and Δ*(η_t). Pure; used by the Node loaders.
 */
import { deltaStarExact, meanFieldFixedPoint, meanFieldTrajectory } from '@smd/smd';

/** Hyper-parameters the predictions need. */
export interface PredictionHyper {
  wd: number;
  momentum: number;
  /** Rescale scale-invariant weights by k^{-1/4} at lr drops (the run did so). */
  rescaleAtDrops: boolean;
}

/**
 * η per optimizer step 0..steps−1 from a (step-ascending) lr series, held until the next logged
 * value; steps before the first logged value use it. `fallback` when the series is empty.
 */
export function lrPerStep(
  steps: number,
  lrSteps: ArrayLike<number>,
  lrValues: ArrayLike<number>,
  fallback: number,
): Float64Array {
  const out = new Float64Array(steps);
  let j = 0;
  let cur = lrValues.length > 0 ? lrValues[0] : fallback;
  for (let t = 0; t < steps; t++) {
    while (j < lrSteps.length && lrSteps[j] <= t) {
      if (Number.isFinite(lrValues[j])) cur = lrValues[j];
      j++;
    }
    out[t] = cur;
  }
  return out;
}

/** Holds a sampled series (at `xs`) constant between samples: one value per step 0..steps−1. */
export function holdPerStep(
  steps: number,
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
): Float64Array | null {
  let first = NaN;
  for (let i = 0; i < ys.length; i++) {
    if (Number.isFinite(ys[i]) && ys[i] > 0) {
      first = ys[i];
      break;
    }
  }
  if (!Number.isFinite(first)) return null;
  const out = new Float64Array(steps);
  let j = 0;
  let cur = first;
  for (let t = 0; t < steps; t++) {
    while (j < xs.length && xs[j] <= t) {
      if (Number.isFinite(ys[j]) && ys[j] > 0) cur = ys[j];
      j++;
    }
    out[t] = cur;
  }
  return out;
}

/** Predicted curves of one layer, sampled at every step 0..steps−1. */
export interface LayerPrediction {
  /** ‖w_t‖ */
  norm: Float64Array;
  /** Δ_t (rad) */
  delta: Float64Array;
}

/**
 * Mean-field trajectory of one layer: starts at its first measured ‖w‖², uses its measured
 * windowed L_t (held between samples). Null when λ, L or ‖w_0‖ are unknown.
 */
export function predictLayer(
  lr: Float64Array,
  h: PredictionHyper,
  normSteps: ArrayLike<number>,
  normValues: ArrayLike<number>,
  lSteps: ArrayLike<number>,
  lValues: ArrayLike<number>,
): LayerPrediction | null {
  const steps = lr.length;
  if (!(h.wd > 0) || steps === 0 || normValues.length === 0) return null;
  const w0 = normValues[0];
  if (!(w0 > 0)) return null;
  const L = holdPerStep(steps, lSteps, lValues);
  if (!L) return null;
  const tr = meanFieldTrajectory({
    steps,
    lr,
    wd: h.wd,
    momentum: h.momentum,
    L,
    initialNormSq: w0 * w0,
    rescaleAtDrops: h.rescaleAtDrops,
  });
  const norm = new Float64Array(steps);
  for (let t = 0; t < steps; t++) norm[t] = Math.sqrt(tr.normSq[t]);
  return { norm, delta: tr.deltaRad };
}

/**
 * Run-wide predicted Δ_t: the recurrence started at the equilibrium of the first positive η
 * (L = 1; Δ does not depend on L from an equilibrium start). Null without λ or a positive η.
 */
export function predictRunDelta(lr: Float64Array, h: PredictionHyper): Float64Array | null {
  const eta0 = lr.find((v) => v > 0);
  if (!(h.wd > 0) || eta0 === undefined) return null;
  const fp = meanFieldFixedPoint({ lr: eta0, wd: h.wd, momentum: h.momentum, L: 1 });
  return meanFieldTrajectory({
    steps: lr.length,
    lr,
    wd: h.wd,
    momentum: h.momentum,
    L: 1,
    initialState: { a: fp.a, b: fp.b, c: fp.c },
    rescaleAtDrops: h.rescaleAtDrops,
  }).deltaRad;
}

/** Δ*(η_t) = arccos(1 − λη_t/(1+α)) per step (NaN where η_t ≤ 0). */
export function deltaStarPerStep(lr: Float64Array, h: PredictionHyper): Float64Array {
  const out = new Float64Array(lr.length).fill(NaN);
  if (!(h.wd > 0)) return out;
  for (let t = 0; t < lr.length; t++) {
    if (lr[t] > 0) out[t] = deltaStarExact({ lr: lr[t], wd: h.wd, momentum: h.momentum });
  }
  return out;
}

/** The last lr change of more than `rel` (relative): steps since it and its factor k (> 1 for a drop). */
export function lastLrChange(
  lr: Float64Array,
  rel = 0.05,
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

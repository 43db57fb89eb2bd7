/**
 * Per-layer mean-field predictions (docs/smd-theory.md §4, §8): the recurrence driven by the
 * run's own η_t and the layer's own windowed L_t, started from its first measured ‖w‖², and the
 * per-window comparison of the measured RMS of Δ_t with the predicted one. The recurrence tracks
 * E‖w_{t+1} − w_t‖², so the RMS (not the mean) of Δ over a window is what it predicts.
 */
import { meanFieldTrajectory } from '../theory/mean-field.js';
import {
  atSteps,
  earlyBlockSteps,
  lPerStep,
  momentumDelivered,
  PrefixSums,
  type LEstimate,
  type Series,
} from './windows.js';

/** The probe's measurements of one tensor, as sampled series. */
export interface LayerSeries {
  param: string;
  /** as declared by structural detection; null when unknown (judged by the radial cosine) */
  scaleInvariant: boolean | null;
  /** why detection decided so ('' when unknown) */
  reason: string;
  /** Δ_t (rad) */
  delta: Series;
  /** ‖w_t‖ */
  norm: Series;
  /** ⟨w_t, g_t⟩/(‖w_t‖‖g_t‖) */
  radialCos: Series;
  /** ‖g̃_t‖² (drives L_t for SGD) */
  unitGradSq: Series;
  /** h̃_t (drives L_t for SGDM); null when the run has none */
  hTilde: Series | null;
}

/** Predicted curves of one layer, one value per step 0..steps−1 (NaN before its first sample). */
export interface LayerPrediction {
  /** Δ_t (rad) */
  delta: Float64Array;
  /** ‖w_t‖ */
  norm: Float64Array;
  /** the L_t that drove the recurrence */
  L: Float64Array;
  /** first step of the recurrence (the first ‖w‖ sample) */
  start: number;
}

/** Run-wide inputs of predictLayer. */
export interface PredictionContext {
  /** η per step 0..steps−1 */
  lr: Float64Array;
  /** start steps of the lr segments (windows of L_t do not cross them) */
  segments: readonly number[];
  /** λ, or λ per step 0..steps−1 (a live run can change it) */
  weightDecay: number | Float64Array;
  momentum: number;
  windowSteps: number;
  estimate: LEstimate;
  /** the rescaling trick was applied at each lr drop */
  rescaleAtDrops: boolean;
  /** or: exactly these rescalings were applied (w × k^{-1/4} before `step`) */
  rescales?: readonly { step: number; k: number }[];
}

/** The series whose windowed mean is L_t: h̃ for SGDM (when measured), ‖g̃‖² otherwise (§1). */
export function lDriver(layer: LayerSeries, momentum: number): Series {
  return momentum > 0 && layer.hTilde !== null && layer.hTilde.values.length > 0
    ? layer.hTilde
    : layer.unitGradSq;
}

/**
 * Mean-field trajectory of one layer (null when λ = 0, no positive ‖w‖ sample or no L_t).
 * Started at the first ‖w‖ sample with v = 0 (exact at step 0, as torch starts).
 */
export function predictLayer(layer: LayerSeries, ctx: PredictionContext): LayerPrediction | null {
  const steps = ctx.lr.length;
  const wd = ctx.weightDecay;
  if (!(typeof wd === 'number' ? wd > 0 : wd.length >= steps && wd.every((x) => x > 0)))
    return null;
  if (steps === 0) return null;
  let i0 = 0;
  while (i0 < layer.norm.values.length && !(layer.norm.values[i0] > 0)) i0++;
  if (i0 >= layer.norm.values.length) return null;
  const start = layer.norm.steps[i0];
  if (!(start >= 0 && start < steps)) return null;
  const driver = lDriver(layer, ctx.momentum);
  const L = lPerStep(
    driver,
    steps,
    ctx.windowSteps,
    ctx.segments,
    ctx.estimate,
    earlyBlockSteps(ctx.windowSteps, ctx.momentum),
    momentumDelivered(driver, ctx.momentum),
  );
  if (L === null) return null;
  const w0 = layer.norm.values[i0];
  const tr = meanFieldTrajectory({
    steps: steps - start,
    lr: ctx.lr.subarray(start),
    wd: typeof wd === 'number' ? wd : wd.subarray(start, steps),
    momentum: ctx.momentum,
    L: L.subarray(start),
    initialNormSq: w0 * w0,
    ...(ctx.rescales
      ? {
          rescales: ctx.rescales
            .filter((r) => r.step >= start)
            .map((r) => ({ step: r.step - start, k: r.k })),
        }
      : { rescaleAtDrops: ctx.rescaleAtDrops }),
  });
  const delta = new Float64Array(steps).fill(NaN);
  const norm = new Float64Array(steps).fill(NaN);
  for (let t = start; t < steps; t++) {
    delta[t] = tr.deltaRad[t - start];
    norm[t] = Math.sqrt(tr.normSq[t - start]);
  }
  return { delta, norm, L, start };
}

/** Measured and predicted Δ over one window of steps [from, to] of one layer. */
export interface WindowComparison {
  param: string;
  from: number;
  to: number;
  /** samples in the window */
  n: number;
  deltaMean: number;
  deltaRms: number;
  /** RMS of the predicted Δ_t over the same sample steps (NaN without a prediction) */
  deltaPredicted: number;
  /** RMS of Δ*(η_t) over the same sample steps */
  deltaStar: number;
  /** deltaRms / deltaPredicted − 1 */
  predictedError: number;
  /** deltaRms / deltaStar − 1 */
  starError: number;
}

/** Window statistics of one layer at its sample steps (prefix sums: O(1) per window). */
export class LayerWindows {
  private readonly measured: PrefixSums;
  private readonly predicted: PrefixSums | null;
  private readonly star: PrefixSums;

  constructor(
    readonly param: string,
    delta: Series,
    prediction: Float64Array | null,
    deltaStar: Float64Array,
  ) {
    this.measured = new PrefixSums(delta);
    this.predicted = prediction
      ? new PrefixSums({ steps: delta.steps, values: atSteps(prediction, delta.steps) })
      : null;
    this.star = new PrefixSums({ steps: delta.steps, values: atSteps(deltaStar, delta.steps) });
  }

  /** Comparison over steps [from, to]. */
  compare(from: number, to: number): WindowComparison {
    const m = this.measured.stats(from, to);
    const p = this.predicted?.stats(from, to).rms ?? NaN;
    const s = this.star.stats(from, to).rms;
    return {
      param: this.param,
      from,
      to,
      n: m.n,
      deltaMean: m.mean,
      deltaRms: m.rms,
      deltaPredicted: p,
      deltaStar: s,
      predictedError: m.rms / p - 1,
      starError: m.rms / s - 1,
    };
  }

  /** Comparisons over the consecutive windows [kW, (k+1)W − 1] that end at or before `lastStep`. */
  blocks(windowSteps: number, lastStep: number): WindowComparison[] {
    const out: WindowComparison[] = [];
    for (let from = 0; from + windowSteps - 1 <= lastStep; from += windowSteps) {
      const c = this.compare(from, from + windowSteps - 1);
      if (c.n > 0) out.push(c);
    }
    return out;
  }
}

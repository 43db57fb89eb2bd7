/**
 * SMD measurements of one tensor (or one output channel) from its float64 sums
 * (docs/smd-theory.md §1, §5). Usable on raw arrays, independent of the engine.
 */
import {
  POST_DD,
  POST_STRIDE,
  POST_W1W1,
  POST_WD,
  PRE_GG,
  PRE_STRIDE,
  PRE_VG,
  PRE_WG,
  PRE_WW,
  fusedSums,
  type FloatArray,
  rowLength,
} from './sums.js';

/** Per-step measurements of one tensor; NaN where undefined (e.g. radial cosine of a zero gradient). */
export interface TensorStats {
  /** ‖w_t‖ */
  norm: number;
  /** ‖w_{t+1}‖ */
  normNext: number;
  /** Δ_t = ∠(w_t, w_{t+1}), radians */
  deltaRad: number;
  /** ‖g_t‖² */
  gradSqNorm: number;
  /** ‖g̃_t‖² = ‖g_t‖²‖w_t‖² */
  unitGradSqNorm: number;
  /** h̃_t = (‖g_t‖² + 2α⟨v_{t−1}, g_t⟩)‖w_t‖²; equals ‖g̃_t‖² when α = 0 */
  hTilde: number;
  /** ⟨v_{t−1}, g_t⟩ (0 without a momentum buffer) */
  vDotG: number;
  /** ⟨w_t, g_t⟩ / (‖w_t‖‖g_t‖) */
  radialCos: number;
  /** η / ‖w_t‖² */
  lrEffective: number;
  /** RMS of the update, ‖w_{t+1} − w_t‖/√n (NaN when the element count n is not given) */
  updateRms: number;
}

/** The same measurements per output channel; every field has one entry per channel. */
export type ChannelStats = { [K in keyof TensorStats]: Float64Array };

/** Raw inputs of one probed tensor; all arrays hold the same n elements. */
export interface ProbeArrays {
  /** w_t, before the optimizer step */
  wPrev: FloatArray;
  /** w_{t+1}, after the step */
  wNext: FloatArray;
  /** g_t, the loss gradient only (no λw term) */
  grad: FloatArray;
  /** v_{t−1}, the SGDM momentum buffer before the step; null for SGD or before the first step */
  momentumPrev: FloatArray | null;
}

/** The step's hyperparameters the measurements need: η (this step) and α. */
export interface StepRates {
  lr: number;
  momentum: number;
}

/**
 * Δ = ∠(w, w + d) from ‖w‖² (ww), ⟨w, d⟩ (wd) and ‖d‖² (dd), via the stable
 * 2·atan2(‖u − u'‖, ‖u + u'‖), u = w/‖w‖, u' = w'/‖w'‖.
 * Writing d = r·u + t (t ⟂ u, T = ‖t‖² = dd − wd²/ww, r = wd/‖w‖) and b = ‖w'‖:
 *   b·‖u − u'‖ = √(T + (b − a − r)²),  b·‖u + u'‖ = √((a + b + r)² + T),
 * and b − a − r = −T/(a + b + r) when a + r ≥ 0, so no difference of nearly equal numbers
 * is formed while the step is mostly tangential (the SMD regime).
 */
export function angleFromSums(ww: number, wd: number, dd: number): number {
  if (!(ww > 0)) return NaN;
  const a = Math.sqrt(ww);
  const r = wd / a;
  const tSq = Math.max(0, dd - (wd * wd) / ww);
  const along = a + r; // component of w' along u
  const b = Math.sqrt(along * along + tSq);
  if (!(b > 0)) return NaN;
  const apb = a + b + r;
  // b − a − r: stable closed form when w' points forward, plain difference (no cancellation) otherwise
  const e = along >= 0 ? -tSq / apb : b - along;
  return 2 * Math.atan2(Math.sqrt(tSq + e * e), Math.sqrt(apb * apb + tSq));
}

/** Builds the measurements from the seven float64 sums of one row (see sums.ts). */
export function statsFromSums(
  ww: number,
  gg: number,
  wg: number,
  vg: number,
  wd: number,
  dd: number,
  w1w1: number,
  rates: StepRates,
  count = NaN,
): TensorStats {
  const unitGradSqNorm = gg * ww;
  const denom = Math.sqrt(ww * gg);
  return {
    norm: Math.sqrt(ww),
    normNext: Math.sqrt(w1w1),
    deltaRad: angleFromSums(ww, wd, dd),
    gradSqNorm: gg,
    unitGradSqNorm,
    hTilde: (gg + 2 * rates.momentum * vg) * ww,
    vDotG: vg,
    radialCos: denom > 0 ? wg / denom : NaN,
    lrEffective: ww > 0 ? rates.lr / ww : NaN,
    updateRms: Math.sqrt(dd / count),
  };
}

/** Measurements of row `r` of the sums arrays (`count` = elements per row, for updateRms). */
export function rowStats(
  pre: Float64Array,
  post: Float64Array,
  r: number,
  rates: StepRates,
  count = NaN,
): TensorStats {
  const o = r * PRE_STRIDE;
  const p = r * POST_STRIDE;
  return statsFromSums(
    pre[o + PRE_WW],
    pre[o + PRE_GG],
    pre[o + PRE_WG],
    pre[o + PRE_VG],
    post[p + POST_WD],
    post[p + POST_DD],
    post[p + POST_W1W1],
    rates,
    count,
  );
}

/** Whole-tensor measurements from per-row sums (rows summed in float64); `count` = elements. */
export function totalStats(
  pre: Float64Array,
  post: Float64Array,
  rows: number,
  rates: StepRates,
  count = NaN,
): TensorStats {
  const s = [0, 0, 0, 0, 0, 0, 0];
  for (let r = 0; r < rows; r++) {
    const o = r * PRE_STRIDE;
    const p = r * POST_STRIDE;
    s[0] += pre[o + PRE_WW];
    s[1] += pre[o + PRE_GG];
    s[2] += pre[o + PRE_WG];
    s[3] += pre[o + PRE_VG];
    s[4] += post[p + POST_WD];
    s[5] += post[p + POST_DD];
    s[6] += post[p + POST_W1W1];
  }
  return statsFromSums(s[0], s[1], s[2], s[3], s[4], s[5], s[6], rates, count);
}

/** Allocates a ChannelStats with `rows` entries per field. */
export function allocChannelStats(rows: number): ChannelStats {
  return {
    norm: new Float64Array(rows),
    normNext: new Float64Array(rows),
    deltaRad: new Float64Array(rows),
    gradSqNorm: new Float64Array(rows),
    unitGradSqNorm: new Float64Array(rows),
    hTilde: new Float64Array(rows),
    vDotG: new Float64Array(rows),
    radialCos: new Float64Array(rows),
    lrEffective: new Float64Array(rows),
    updateRms: new Float64Array(rows),
  };
}

/** Fills `out` (allocChannelStats(rows)) with the measurements of every row of `count` elements. */
export function fillChannelStats(
  out: ChannelStats,
  pre: Float64Array,
  post: Float64Array,
  rows: number,
  rates: StepRates,
  count = NaN,
): ChannelStats {
  for (let r = 0; r < rows; r++) {
    const s = rowStats(pre, post, r, rates, count);
    out.norm[r] = s.norm;
    out.normNext[r] = s.normNext;
    out.deltaRad[r] = s.deltaRad;
    out.gradSqNorm[r] = s.gradSqNorm;
    out.unitGradSqNorm[r] = s.unitGradSqNorm;
    out.hTilde[r] = s.hTilde;
    out.vDotG[r] = s.vDotG;
    out.radialCos[r] = s.radialCos;
    out.lrEffective[r] = s.lrEffective;
    out.updateRms[r] = s.updateRms;
  }
  return out;
}

/** All measurements of one tensor in one fused float64 pass over the raw arrays. */
export function probeTensor(arrays: ProbeArrays, rates: StepRates): TensorStats {
  const pre = new Float64Array(PRE_STRIDE);
  const post = new Float64Array(POST_STRIDE);
  fusedSums(pre, post, arrays.wPrev, arrays.wNext, arrays.grad, arrays.momentumPrev, 1);
  return rowStats(pre, post, 0, rates, arrays.wPrev.length);
}

/**
 * Per-output-channel measurements in one fused pass: the n elements are `channels` contiguous
 * rows (an [out, ...] weight in row-major layout, e.g. OIHW conv or [out, in] linear).
 */
export function probeChannels(
  arrays: ProbeArrays,
  rates: StepRates,
  channels: number,
): ChannelStats {
  rowLength(arrays.wPrev.length, channels);
  const pre = new Float64Array(PRE_STRIDE * channels);
  const post = new Float64Array(POST_STRIDE * channels);
  fusedSums(pre, post, arrays.wPrev, arrays.wNext, arrays.grad, arrays.momentumPrev, channels);
  const count = arrays.wPrev.length / channels;
  return fillChannelStats(allocChannelStats(channels), pre, post, channels, rates, count);
}

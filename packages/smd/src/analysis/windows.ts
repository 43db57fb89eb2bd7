/**
 * Per-step inputs of the predictions, built from sampled series: η_t held between logged values,
 * the lr segments (no window may straddle an lr change), windowed estimates of L_t (centred
 * offline, trailing live; docs/smd-theory.md §1, §8) and window statistics (mean and RMS of Δ).
 */

/** A sampled series: `values[i]` at optimizer step `steps[i]` (ascending). */
export interface Series {
  steps: ArrayLike<number>;
  values: ArrayLike<number>;
}

/**
 * How L_t is estimated. 'block' (offline): the mean over the window of the fixed grid
 * [kW, (k+1)W) holding t — the same windows the RMS of Δ is compared over, so each window's
 * prediction is driven by that window's own mean L — with finer blocks in the first W steps of
 * each lr segment, where L_t moves by orders of magnitude. 'trailing' (live, per-step causal):
 * the mean over (t − W, t].
 */
export type LEstimate = 'block' | 'trailing';

/**
 * A step is an lr change when η moves by more than this fraction in one step: step schedules
 * register each drop, smooth ones (cosine, warmup) only where they move fast.
 */
export const LR_CHANGE_RELATIVE = 0.05;

/**
 * η per step 0..steps−1 from a logged lr series, held until the next logged value; steps before
 * the first logged value use it; `fallback` everywhere when the series is empty.
 */
export function lrPerStep(steps: number, lr: Series, fallback: number): Float64Array {
  const out = new Float64Array(Math.max(0, steps));
  let j = 0;
  let cur = lr.values.length > 0 ? lr.values[0] : fallback;
  for (let t = 0; t < out.length; t++) {
    while (j < lr.steps.length && lr.steps[j] <= t) {
      if (Number.isFinite(lr.values[j])) cur = lr.values[j];
      j++;
    }
    out[t] = cur;
  }
  return out;
}

/** Start steps of the lr segments: 0 and every step whose η differs from the previous by > rel. */
export function lrSegmentStarts(lr: Float64Array, rel = LR_CHANGE_RELATIVE): number[] {
  const starts = lr.length > 0 ? [0] : [];
  for (let t = 1; t < lr.length; t++) {
    const a = lr[t - 1];
    const b = lr[t];
    if (a !== b && !(a > 0 && b > 0 && Math.abs(b / a - 1) <= rel)) starts.push(t);
  }
  return starts;
}

/** Index of the first element of ascending `xs` that is > x (binary search). */
export function firstAbove(xs: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Prefix sums of the finite values of a series (and of their squares and counts), float64. */
export class PrefixSums {
  readonly steps: ArrayLike<number>;
  private readonly sum: Float64Array;
  private readonly sq: Float64Array;
  private readonly cnt: Float64Array;

  constructor(s: Series) {
    const n = Math.min(s.steps.length, s.values.length);
    this.steps = s.steps;
    this.sum = new Float64Array(n + 1);
    this.sq = new Float64Array(n + 1);
    this.cnt = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      const v = s.values[i];
      const ok = Number.isFinite(v);
      this.sum[i + 1] = this.sum[i] + (ok ? v : 0);
      this.sq[i + 1] = this.sq[i] + (ok ? v * v : 0);
      this.cnt[i + 1] = this.cnt[i] + (ok ? 1 : 0);
    }
  }

  /** Sample index range [i0, i1) of the steps in [from, to] (inclusive). */
  range(from: number, to: number): [number, number] {
    const n = this.cnt.length - 1;
    return [Math.min(n, firstAbove(this.steps, from - 1)), Math.min(n, firstAbove(this.steps, to))];
  }

  /** Mean, RMS and count of the finite samples at steps in [from, to]. */
  stats(from: number, to: number): { mean: number; rms: number; n: number } {
    const [i0, i1] = this.range(from, to);
    const n = this.cnt[i1] - this.cnt[i0];
    if (n === 0) return { mean: NaN, rms: NaN, n: 0 };
    return {
      mean: (this.sum[i1] - this.sum[i0]) / n,
      rms: Math.sqrt((this.sq[i1] - this.sq[i0]) / n),
      n,
    };
  }
}

/**
 * Block length in the first W steps of an lr segment: the momentum's memory 1/(1 − α), at least
 * W/20 (10 steps for the paper's window and α = 0.9). Right after initialization L_t falls by
 * orders of magnitude within tens of steps, and a 200-step mean there misstates how far ‖w‖
 * grows, an error the norm then carries for a time constant (docs/smd-theory.md §8).
 */
export function earlyBlockSteps(windowSteps: number, momentum: number): number {
  return Math.max(1, Math.ceil(1 / (1 - momentum) - 1e-9), Math.ceil(windowSteps / 20));
}

/**
 * The L driver as momentum delivers it: u_t = α²·u_{t−1} + (1 − α²)·x_t over consecutive steps.
 * ‖v_t‖² = α²‖v_{t−1}‖² + h_t (§4), so a large h̃ at step t moves the weights over the next
 * ~1/(1 − α²) steps; a block mean of the raw h̃ would credit a spike in a block's last steps to
 * that block while its Δ lands in the next one (measured: +3–4% in the following 200-step
 * window). Filtering first keeps each block's L at the energy its own steps receive; totals are
 * unchanged. Carried across lr changes (v is). Only for samples at every step (probe every 1);
 * other series, and α = 0 (SGD), are returned as they are.
 */
export function momentumDelivered(x: Series, momentum: number): Series {
  const n = x.steps.length;
  if (!(momentum > 0) || n < 2 || x.steps[n - 1] - x.steps[0] !== n - 1) return x;
  const a2 = momentum * momentum;
  const values = new Float64Array(n);
  let u = x.values[0];
  values[0] = u;
  for (let i = 1; i < n; i++) {
    u = a2 * u + (1 - a2) * x.values[i];
    values[i] = u;
  }
  return { steps: x.steps, values };
}

/**
 * L_t for every step 0..steps−1 from the per-sample h̃ (SGDM) or ‖g̃‖² (SGD): the mean of the
 * samples in the window of `mode` (see LEstimate), clipped to the lr segment holding t
 * (`segmentStarts`, ascending, from 0), so no window straddles an lr change. A window with no
 * sample holds the previous estimate (the first one, before that); a short window's mean of h̃
 * may be ≤ 0 (⟨v, g⟩ < 0) and is kept: the recurrence is linear in it. Null without samples.
 */
export function lPerStep(
  samples: Series,
  steps: number,
  windowSteps: number,
  segmentStarts: readonly number[],
  mode: LEstimate,
  earlyBlock = windowSteps,
  fullBlockSamples: Series = samples,
): Float64Array | null {
  const early = new PrefixSums(samples);
  const ps = fullBlockSamples === samples ? early : new PrefixSums(fullBlockSamples);
  const out = new Float64Array(Math.max(0, steps)).fill(NaN);
  let seg = 0;
  let firstOk = -1;
  for (let t = 0; t < out.length; t++) {
    while (seg + 1 < segmentStarts.length && segmentStarts[seg + 1] <= t) seg++;
    const lo = segmentStarts[seg] ?? 0;
    const hi = (segmentStarts[seg + 1] ?? out.length) - 1;
    let from: number;
    let to: number;
    let sums = ps;
    if (mode === 'trailing') {
      from = t - windowSteps + 1;
      to = t;
    } else if (t - lo < windowSteps) {
      from = lo + Math.floor((t - lo) / earlyBlock) * earlyBlock;
      to = from + earlyBlock - 1;
      sums = early;
    } else {
      // the block of t, without the segment's early steps (their own short blocks drive those)
      to = Math.floor(t / windowSteps) * windowSteps + windowSteps - 1;
      from = Math.max(to - windowSteps + 1, lo + windowSteps);
    }
    const m = sums.stats(Math.max(lo, from), Math.min(hi, to)).mean;
    if (Number.isFinite(m)) {
      out[t] = m;
      if (firstOk < 0) firstOk = t;
    } else if (t > 0) out[t] = out[t - 1];
  }
  if (firstOk < 0) return null;
  for (let t = 0; t < firstOk; t++) out[t] = out[firstOk];
  return out;
}

/** Values of a per-step array at the sample steps of `at` (NaN outside the array). */
export function atSteps(perStep: Float64Array, at: ArrayLike<number>): Float64Array {
  const out = new Float64Array(at.length);
  for (let i = 0; i < at.length; i++) {
    const t = at[i];
    out[i] = t >= 0 && t < perStep.length ? perStep[t] : NaN;
  }
  return out;
}

/**
 * RMS of Δ over a window of `windowSteps` steps at each sample step of `delta`, centred
 * (offline) or trailing (live): the measured curve drawn beside the mean-field Δ_t.
 */
export function windowedRms(delta: Series, windowSteps: number, mode: LEstimate): Float64Array {
  const ps = new PrefixSums(delta);
  const half = Math.floor(windowSteps / 2);
  const out = new Float64Array(delta.steps.length);
  for (let i = 0; i < out.length; i++) {
    const t = delta.steps[i];
    const from = mode === 'block' ? t - half : t - windowSteps + 1;
    out[i] = ps.stats(from, from + windowSteps - 1).rms;
  }
  return out;
}

/**
 * Plain-array series as they travel in JSON (report embedding, dashboard polling), min/max
 * down-sampling that keeps spikes. Browser-safe.
 */

/** A series: `y[i]` at `x[i]` (x = optimizer step, ascending). JSON-friendly. */
export interface XY {
  x: number[];
  y: number[];
}

/** Default cap on the points of one series in a report or in the dashboard. */
export const MAX_POINTS = 3000;

/**
 * Down-samples (x, y) to at most `maxPoints` (≥ 8) points: equal index buckets, each keeping its
 * minimum and maximum in index order, plus the first and last points. Non-finite y are dropped.
 * The metric store does the same row selection in SQL (SeriesQuery.maxPoints), then
 * finishDownsample.
 */
export function downsample(x: ArrayLike<number>, y: ArrayLike<number>, maxPoints = MAX_POINTS): XY {
  const n = Math.min(x.length, y.length);
  const cap = Math.max(8, Math.floor(maxPoints));
  if (n <= cap) return finishDownsample(x, y, n, null);
  const picked = [0];
  const buckets = Math.floor((cap - 2) / 2);
  const inner = n - 2;
  for (let b = 0; b < buckets; b++) {
    const lo = 1 + Math.floor((b * inner) / buckets);
    const hi = 1 + Math.floor(((b + 1) * inner) / buckets);
    bucketExtremes(y, lo, hi);
    const iMin = extremes[0];
    const iMax = extremes[1];
    if (iMin < 0) continue;
    picked.push(Math.min(iMin, iMax), Math.max(iMin, iMax));
  }
  picked.push(n - 1);
  return finishDownsample(x, y, n, picked);
}

/** bucketExtremes' result: the indices of the minimum and the maximum (−1: no finite value). */
const extremes = new Int32Array(2);

/**
 * The indices of the first finite minimum and maximum of y[lo, hi) into `extremes`. Its own
 * function, called once per bucket: as a loop nested in downsample's, Chromium's V8 compiled it
 * on the stack and left that code at every bucket's end. It writes `extremes` before and inside
 * its loop, not after: code V8 compiles while a loop runs (on-stack replacement) may never have
 * seen the statements after the loop, and leaves itself by deoptimization there, call after call
 * (`--trace-deopt` in the explorer's theory worker: 50 times in 3 × 26 moves).
 */
function bucketExtremes(y: ArrayLike<number>, lo: number, hi: number): void {
  extremes[0] = -1;
  extremes[1] = -1;
  let vMin = Infinity;
  let vMax = -Infinity;
  for (let i = lo; i < hi; i++) {
    const v = y[i];
    // NaN fails both compares, ±∞ fails v − v === 0
    if (v < vMin && v - v === 0) {
      vMin = v;
      extremes[0] = i;
    }
    if (v > vMax && v - v === 0) {
      vMax = v;
      extremes[1] = i;
    }
  }
}

/**
 * The points at indices `picked` (ascending; null: the first n) without non-finite y or a
 * repeated x, then dropFlat: downsample's last stage, also applied to the rows the metric
 * store's SQL down-sampling picked.
 */
export function finishDownsample(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  picked: readonly number[] | null,
): XY {
  return dropFlat(pickPoints(x, y, n, picked));
}

/** finishDownsample's first part (a loop and a return only: bucketExtremes says why). */
function pickPoints(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  picked: readonly number[] | null,
): XY {
  const out: XY = { x: [], y: [] };
  const count = picked ? picked.length : n;
  for (let j = 0; j < count; j++) {
    const i = picked ? picked[j] : j;
    if (!Number.isFinite(y[i])) continue;
    if (out.x.length > 0 && out.x[out.x.length - 1] === x[i]) continue;
    out.x.push(x[i]);
    out.y.push(y[i]);
  }
  return out;
}

/** Removes interior points whose y equals both neighbours' (piecewise-constant series stay exact). */
export function dropFlat(s: XY): XY {
  const n = s.x.length;
  if (n < 3) return s;
  const out: XY = { x: [s.x[0]], y: [s.y[0]] };
  // the last point inside the loop (nothing after it: bucketExtremes says why)
  for (let i = 1; i < n; i++) {
    if (i < n - 1 && s.y[i] === s.y[i - 1] && s.y[i] === s.y[i + 1]) continue;
    out.x.push(s.x[i]);
    out.y.push(s.y[i]);
  }
  return out;
}

/**
 * Appends `more` to `into` (points at or before into's last x are skipped) and re-down-samples
 * when the result exceeds `cap`; returns the (possibly new) series.
 */
export function appendSeries(into: XY, more: XY, cap = MAX_POINTS): XY {
  const last = into.x.length ? into.x[into.x.length - 1] : -Infinity;
  for (let i = 0; i < more.x.length; i++) {
    if (more.x[i] > last) {
      into.x.push(more.x[i]);
      into.y.push(more.y[i]);
    }
  }
  return into.x.length > cap * 1.5 ? downsample(into.x, into.y, cap) : into;
}

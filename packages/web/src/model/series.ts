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
    let iMin = -1;
    let iMax = -1;
    for (let i = lo; i < hi; i++) {
      const v = y[i];
      if (!Number.isFinite(v)) continue;
      if (iMin < 0 || v < y[iMin]) iMin = i;
      if (iMax < 0 || v > y[iMax]) iMax = i;
    }
    if (iMin < 0) continue;
    picked.push(Math.min(iMin, iMax), Math.max(iMin, iMax));
  }
  picked.push(n - 1);
  return finishDownsample(x, y, n, picked);
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
  const out: XY = { x: [], y: [] };
  const count = picked ? picked.length : n;
  for (let j = 0; j < count; j++) {
    const i = picked ? picked[j] : j;
    if (!Number.isFinite(y[i])) continue;
    if (out.x.length > 0 && out.x[out.x.length - 1] === x[i]) continue;
    out.x.push(x[i]);
    out.y.push(y[i]);
  }
  return dropFlat(out);
}

/** Removes interior points whose y equals both neighbours' (piecewise-constant series stay exact). */
export function dropFlat(s: XY): XY {
  const n = s.x.length;
  if (n < 3) return s;
  const out: XY = { x: [s.x[0]], y: [s.y[0]] };
  for (let i = 1; i < n - 1; i++) {
    if (s.y[i] === s.y[i - 1] && s.y[i] === s.y[i + 1]) continue;
    out.x.push(s.x[i]);
    out.y.push(s.y[i]);
  }
  out.x.push(s.x[n - 1]);
  out.y.push(s.y[n - 1]);
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

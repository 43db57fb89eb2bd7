/**
 * Min–max down-sampling for line plots: splits a series into equal index buckets and keeps, per
 * bucket, the minimum and the maximum (in index order), plus the first and last points. Spikes
 * and dips survive, so a 450k-step curve drawn from ≤ 2000 points looks like the full one.
 */

/** A down-sampled series: parallel x and y arrays. */
export interface XySeries {
  x: number[];
  y: number[];
}

/**
 * Down-samples (x[i], y[i]) to at most `maxPoints` points (≥ 4), keeping each bucket's extremes.
 * Points whose y is not finite are dropped; so are y ≤ 0 when `positiveOnly` (for log axes).
 */
export function downsampleMinMax(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  maxPoints: number,
  positiveOnly = false,
): XySeries {
  const n = Math.min(x.length, y.length);
  const keep = (v: number): boolean => Number.isFinite(v) && (!positiveOnly || v > 0);
  const out: XySeries = { x: [], y: [] };
  const cap = Math.max(4, Math.floor(maxPoints));
  if (n <= cap) {
    for (let i = 0; i < n; i++) {
      if (keep(y[i])) {
        out.x.push(x[i]);
        out.y.push(y[i]);
      }
    }
    return out;
  }
  const push = (i: number): void => {
    if (i < 0 || !keep(y[i])) return;
    if (out.x.length > 0 && out.x[out.x.length - 1] === x[i]) return;
    out.x.push(x[i]);
    out.y.push(y[i]);
  };
  push(0);
  const buckets = Math.floor((cap - 2) / 2);
  const inner = n - 2; // indices 1 .. n-2 are bucketed
  for (let b = 0; b < buckets; b++) {
    const lo = 1 + Math.floor((b * inner) / buckets);
    const hi = 1 + Math.floor(((b + 1) * inner) / buckets); // exclusive
    let iMin = -1;
    let iMax = -1;
    for (let i = lo; i < hi; i++) {
      if (!keep(y[i])) continue;
      if (iMin < 0 || y[i] < y[iMin]) iMin = i;
      if (iMax < 0 || y[i] > y[iMax]) iMax = i;
    }
    if (iMin < 0) continue;
    if (iMin <= iMax) {
      push(iMin);
      push(iMax);
    } else {
      push(iMax);
      push(iMin);
    }
  }
  push(n - 1);
  return out;
}

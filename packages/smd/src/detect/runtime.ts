/**
 * Runtime confirmation of scale invariance (docs/smd-theory.md §1, Lemma 1: ⟨w, ∇L(w)⟩ = 0):
 * the windowed mean of the probe's |radial cosine| must stay below a threshold for a
 * structurally invariant tensor; a large one flags the tensor (and it is then treated as not
 * scale-invariant).
 */
import type { ProbeSample } from '../probe/metric.js';
import { RingWindow } from '../probe/window.js';
import type { ScaleInvarianceResult } from './structural.js';

/** Options of the runtime check. */
export interface RuntimeCheckOptions {
  /** |radial cosine| threshold, default 1e-3 */
  threshold?: number;
  /** samples needed before judging, default 10 */
  minSamples?: number;
}

/** Windowed mean of |radial cosine| per parameter (whole-tensor samples). */
export class RadialCosTracker {
  private readonly windows = new Map<string, RingWindow>();

  /** Keeps the last `window` samples of each parameter (default 200). */
  constructor(readonly window = 200) {
    if (!Number.isInteger(window) || window < 1) {
      throw new Error(`RadialCosTracker: window must be an integer >= 1, got ${window}`);
    }
  }

  /** Takes the whole-tensor 'radial_cos' samples out of a probe's output. */
  push(samples: readonly ProbeSample[]): void {
    for (const s of samples) {
      if (s.metric === 'radial_cos' && s.channel === undefined) this.pushValue(s.param, s.value);
    }
  }

  /** Adds one radial cosine of `param`. */
  pushValue(param: string, cos: number): void {
    if (!Number.isFinite(cos)) return;
    let w = this.windows.get(param);
    if (w === undefined) {
      w = new RingWindow(this.window);
      this.windows.set(param, w);
    }
    w.pushOne(Math.abs(cos));
  }

  /** Mean |radial cosine| of `param` over the window (NaN if none). */
  meanAbs(param: string): number {
    return this.windows.get(param)?.mean() ?? NaN;
  }

  /** Samples held for `param`. */
  count(param: string): number {
    return this.windows.get(param)?.count ?? 0;
  }
}

/**
 * Combines structural results with runtime evidence: a structurally invariant tensor is
 * 'confirmed' when its mean |radial cos| < threshold and 'contradicted' (no longer counted as
 * scale-invariant, reason extended) otherwise; others get 'not_applicable'; too few samples
 * leave 'unmeasured'. Returns new records.
 */
export function confirmScaleInvariance(
  results: readonly ScaleInvarianceResult[],
  tracker: RadialCosTracker,
  opts: RuntimeCheckOptions = {},
): ScaleInvarianceResult[] {
  const threshold = opts.threshold ?? 1e-3;
  const minSamples = opts.minSamples ?? 10;
  if (!(threshold > 0))
    throw new Error(`confirmScaleInvariance: threshold must be > 0, got ${opts.threshold}`);
  return results.map((r) => {
    const n = tracker.count(r.param);
    if (n < minSamples) return { ...r, scaleInvariant: r.structural, runtime: 'unmeasured' };
    const m = tracker.meanAbs(r.param);
    if (!r.structural) return { ...r, runtime: 'not_applicable', meanAbsRadialCos: m };
    if (m < threshold)
      return { ...r, scaleInvariant: true, runtime: 'confirmed', meanAbsRadialCos: m };
    return {
      ...r,
      scaleInvariant: false,
      runtime: 'contradicted',
      meanAbsRadialCos: m,
      reason: `${r.reason}; but mean |radial cos| = ${m.toPrecision(3)} >= ${threshold} over ${n} steps`,
    };
  });
}

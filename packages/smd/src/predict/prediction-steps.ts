/**
 * The per-step pieces of a prediction (prediction.ts): the schedule cut into phase spans, and the
 * equilibrium Δ* and ‖w*‖ of every step's η.
 */
import { piecewisePhases, scheduleDrops, type Schedule } from '@smd/engine/schedule';
import type { OptimizerDynamics } from '../theory/index.js';
import type { PhaseSpan } from './phase-trajectory.js';

/** A stretch where η varies is reported in pieces of at most this fraction of the run. */
export const CONTINUOUS_PIECE_FRACTION = 0.1;

/**
 * Phases: the constant stretches of a piecewise-constant schedule; for a schedule with a
 * continuous part, the stretches between lr jumps, each stretch where η varies cut into pieces of
 * ≤ 10% of the run (so the table shows where Δ_t stops tracking the moving Δ*). `varies[i]`: η
 * changes inside span i.
 */
export function phaseSpans(
  schedule: Schedule,
  lr: Float64Array,
): { spans: PhaseSpan[]; varies: boolean[]; continuousReason: string | null } {
  const n = lr.length;
  const pw = piecewisePhases(schedule, n);
  const drops = scheduleDrops(schedule, n);
  const ratioAt = new Map(drops.map((d) => [d.step, d.ratio]));
  const cuts =
    pw.kind === 'piecewise'
      ? pw.phases.map((p) => p.start)
      : [0, ...drops.map((d) => d.step).filter((s) => s > 0 && s < n)];
  const spans: PhaseSpan[] = [];
  const spanVaries: boolean[] = [];
  const piece = Math.max(1, Math.ceil(n * CONTINUOUS_PIECE_FRACTION));
  cuts.forEach((start, i) => {
    const end = i + 1 < cuts.length ? cuts[i + 1] : n;
    let varies = false;
    if (pw.kind === 'continuous')
      for (let t = start + 1; t < end && !varies; t++) varies = lr[t] !== lr[t - 1];
    const count = varies ? Math.ceil((end - start) / piece) : 1;
    for (let k = 0; k < count; k++) {
      spans.push({
        start: start + Math.round(((end - start) * k) / count),
        end: start + Math.round(((end - start) * (k + 1)) / count),
        dropRatio: k === 0 ? (ratioAt.get(start) ?? null) : null,
      });
      spanVaries.push(varies);
    }
  });
  return {
    spans,
    varies: spanVaries,
    continuousReason: pw.kind === 'continuous' ? pw.reason : null,
  };
}

/**
 * Δ* and ‖w*‖ of every step's η (0 where η ≤ 0) by the dynamics' equilibria loop (the same
 * numbers as its deltaStar and normStarSq): once per span where η is constant, per run of equal
 * consecutive η where it varies; into `into`'s arrays when they fit.
 */
export function equilibriumSeries(
  lr: Float64Array,
  spans: readonly PhaseSpan[],
  varies: readonly boolean[],
  dyn: OptimizerDynamics,
  into?: { deltaStar: Float64Array; normStar: Float64Array },
): { deltaStar: Float64Array; normStar: Float64Array } {
  const n = lr.length;
  const fits = into !== undefined && into.deltaStar.length === n && into.normStar.length === n;
  const deltaStar = fits ? into.deltaStar : new Float64Array(n);
  const normStar = fits ? into.normStar : new Float64Array(n);
  spans.forEach((span, i) => {
    if (span.end <= span.start) return;
    if (varies[i]) {
      dyn.equilibria(lr, span.start, span.end, deltaStar, normStar);
      return;
    }
    dyn.equilibria(lr, span.start, span.start + 1, deltaStar, normStar);
    deltaStar.fill(deltaStar[span.start], span.start + 1, span.end);
    normStar.fill(normStar[span.start], span.start + 1, span.end);
  });
  return { deltaStar, normStar };
}

/**
 * The end-of-run summary: the run read back from its folder (so a resumed run's summary covers
 * the whole run) through the same RunCache + analyzeRun as `smd report` and `smd serve`, printed
 * as one screen: per scale-invariant tensor over the last window the RMS of Δ_t, Δ*, the layer's
 * mean-field Δ and both errors, ‖w‖ vs ‖w*‖, |radial cos| and the verdict; how much of the
 * layers' spread around Δ* the recurrence explains; alerts; tensors not probed; test accuracy.
 */
import {
  ACCURACY_NAMES,
  findScalar,
  scalarKey,
  type AnalyzedRunData,
  type RunData,
} from '@smd/web';
import { fixed, sig, textTable } from '../format/numbers.js';

const pct = (x: number | null): string =>
  x === null || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(1)}%`;

/** Last value of a scalar series of the run (NaN if none). */
function lastScalar(d: RunData, name: string | null): number {
  const s = name === null ? undefined : d.series[scalarKey(name)];
  return s && s.y.length ? s.y[s.y.length - 1] : NaN;
}

/** One screen of text from a run's RunData (loadRunData). */
export function formatSummary(d: AnalyzedRunData): string {
  const a = d.analysis;
  const si = a.table.filter((r) => r.scaleInvariant);
  const rows = si.map((r) => [
    r.param,
    sig(r.deltaRms, 4),
    sig(r.deltaStar, 4),
    sig(r.deltaPredicted, 4),
    pct(r.starError),
    pct(r.predictedError),
    sig(r.norm, 4),
    sig(r.wStar, 4),
    sig(r.radialCos, 2),
    r.verdict,
  ]);
  const from = si.length ? si[0].from : Math.max(0, d.cursor - d.windowSteps + 1);
  const v = a.verdicts;
  const out = [
    `SMD per scale-invariant tensor (steps ${from}–${d.cursor}; RMS of Δ_t; mean-field Δ from each layer's own L_t, ${a.mode === 'offline' ? 'centred' : 'trailing'} windows):`,
    textTable(
      [
        'tensor',
        'RMS Δ (rad)',
        'Δ*',
        'mean-field Δ',
        'vs Δ*',
        'vs mean-field',
        '‖w‖',
        '‖w*‖',
        '|radial cos|',
        'verdict',
      ],
      rows,
      [false, true, true, true, true, true, true, true, true, false],
    ).trimEnd(),
  ];
  if (v.predictable) {
    out.push(
      `median RMS Δ/Δ* ${fixed(v.medianDeltaRatio, 3)} over ${si.length} tensors; off Δ* by ${pct(v.medianStarError)} median / ${pct(v.worstStarError)} worst, off the mean-field Δ by ${pct(v.medianPredictedError)} / ${pct(v.worstPredictedError)}: the recurrence explains ${pct(v.explainedSpread)} of the spread around Δ*`,
    );
  } else {
    out.push(
      `optimizer ${d.config.optimizer} is not SGD/SGDM with coupled decay: no SMD prediction`,
    );
  }
  for (const al of a.alerts) out.push(`alert: ${al.message}; likely cause: ${al.cause}`);
  const notProbed = d.params.filter((p) => p.scaleInvariant === false);
  if (notProbed.length > 0) {
    const byReason = new Map<string, number>();
    for (const p of notProbed) {
      const kind = p.reason.replace(/\s*\(.*\)$/, '');
      byReason.set(kind, (byReason.get(kind) ?? 0) + 1);
    }
    out.push(
      `not probed (not scale-invariant): ${[...byReason].map(([k, n]) => `${n} × ${k}`).join('; ')}`,
    );
  }
  const acc = lastScalar(d, findScalar(d, ACCURACY_NAMES));
  if (Number.isFinite(acc)) {
    out.push(
      `test accuracy ${(acc * 100).toFixed(2)}% (test loss ${fixed(lastScalar(d, 'test_loss'), 4)})`,
    );
  }
  return out.join('\n') + '\n';
}

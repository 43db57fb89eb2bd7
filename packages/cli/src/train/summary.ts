/**
 * The end-of-run summary, read back from the metric store (so a resumed run's summary covers
 * the whole run): per scale-invariant tensor the windowed means over the last `window` steps of
 * Δ_t, ‖w_t‖ and |radial cosine|, next to Δ*, ‖w*‖ and compareSmd's verdict; then the tensors
 * that are not probed and why, and the last test accuracy.
 */
import type { MetricStore } from '@smd/runs';
import { compareSmd, type CompareVerdict } from '@smd/smd';
import type { ScheduleDrop } from '@smd/engine';
import { fixed, sig, textTable } from '../format/numbers.js';

/** One row of the summary table. */
export interface LayerSummary {
  param: string;
  deltaMean: number;
  deltaStar: number;
  ratio: number;
  normMean: number;
  wStar: number;
  normRatio: number;
  radialCos: number;
  verdict: CompareVerdict;
}

/** The whole summary. */
export interface RunSummaryReport {
  lastStep: number;
  window: number;
  layers: LayerSummary[];
  /** median of the per-layer Δ ratios */
  medianRatio: number;
  notProbed: { param: string; reason: string }[];
  testAcc: number;
  testLoss: number;
}

function mean(v: Float64Array, abs = false): number {
  let s = 0;
  let n = 0;
  for (const x of v) {
    if (!Number.isFinite(x)) continue;
    s += abs ? Math.abs(x) : x;
    n++;
  }
  return n === 0 ? NaN : s / n;
}

function last(v: Float64Array): number {
  return v.length === 0 ? NaN : v[v.length - 1];
}

/** Median of finite values (NaN if none). */
export function median(xs: readonly number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Builds the summary from the store; `order` lists probed tensors in model order. */
export function summarizeRun(
  store: MetricStore,
  order: readonly string[],
  window: number,
  drops: readonly ScheduleDrop[],
  hyper: { weightDecay: number; momentum: number; predictable: boolean },
): RunSummaryReport {
  const lastStep = store.latestStep() ?? -1;
  const from = Math.max(0, lastStep - window + 1);
  const lastDrop = drops.filter((d) => d.step <= lastStep).pop();
  const layers: LayerSummary[] = [];
  const lr = last(store.readScalars('lr', { fromStep: from }).values);
  const info = new Map(store.params().map((p) => [p.name, p] as const));
  for (const param of order) {
    const q = { fromStep: from };
    const delta = store.readProbe(param, 'delta_rad', q).values;
    if (delta.length === 0) continue;
    const norm = store.readProbe(param, 'norm', q).values;
    const cos = store.readProbe(param, 'radial_cos', q).values;
    const dStar = last(store.readProbe(param, 'delta_star', q).values);
    const wStar = last(store.readProbe(param, 'w_star', q).values);
    const c = compareSmd({
      param,
      deltaMeasured: mean(delta),
      normMeasured: mean(norm),
      deltaStar: dStar,
      wStar,
      lr,
      weightDecay: hyper.weightDecay,
      momentum: hyper.momentum,
      predictable: hyper.predictable,
      scaleInvariant: info.get(param)?.scaleInvariant ?? true,
      stepsSinceLrChange: lastStep - (lastDrop ? lastDrop.step : 0),
      lrDropFactor: lastDrop && lastDrop.ratio > 1 ? lastDrop.ratio : undefined,
      windowSteps: window,
    });
    layers.push({
      param,
      deltaMean: c.deltaMeasured,
      deltaStar: dStar,
      ratio: c.deltaRatio,
      normMean: c.normMeasured,
      wStar,
      normRatio: c.normRatio,
      radialCos: mean(cos, true),
      verdict: c.verdict,
    });
  }
  const notProbed = store
    .params()
    .filter((p) => p.scaleInvariant === false)
    .map((p) => ({ param: p.name, reason: p.reason }));
  const testAcc = store.readScalars('test_acc');
  const testLoss = store.readScalars('test_loss');
  return {
    lastStep,
    window,
    layers,
    medianRatio: median(layers.map((l) => l.ratio)),
    notProbed,
    testAcc: last(testAcc.values),
    testLoss: last(testLoss.values),
  };
}

/** One screen of text: the per-layer table, the unprobed tensors, test accuracy. */
export function formatSummary(r: RunSummaryReport): string {
  const rows = r.layers.map((l) => [
    l.param,
    sig(l.deltaMean, 4),
    sig(l.deltaStar, 4),
    fixed(l.ratio, 3),
    sig(l.normMean, 4),
    sig(l.wStar, 4),
    fixed(l.normRatio, 3),
    sig(l.radialCos, 2),
    l.verdict,
  ]);
  const out = [
    `SMD per scale-invariant tensor (means over steps ${Math.max(0, r.lastStep - r.window + 1)}–${r.lastStep}):`,
    textTable(
      ['tensor', 'Δ (rad)', 'Δ*', 'Δ/Δ*', '‖w‖', '‖w*‖', '‖w‖/‖w*‖', '|radial cos|', 'verdict'],
      rows,
      [false, true, true, true, true, true, true, true, false],
    ).trimEnd(),
    `median Δ/Δ* ${fixed(r.medianRatio, 3)} over ${r.layers.length} tensors`,
  ];
  if (r.notProbed.length > 0) {
    const byReason = new Map<string, number>();
    for (const p of r.notProbed) {
      const kind = p.reason.replace(/\s*\(.*\)$/, '');
      byReason.set(kind, (byReason.get(kind) ?? 0) + 1);
    }
    out.push(
      `not probed (not scale-invariant): ${[...byReason].map(([k, n]) => `${n} × ${k}`).join('; ')}`,
    );
  }
  if (Number.isFinite(r.testAcc)) {
    out.push(`test accuracy ${(r.testAcc * 100).toFixed(2)}% (test loss ${fixed(r.testLoss, 4)})`);
  }
  return out.join('\n') + '\n';
}

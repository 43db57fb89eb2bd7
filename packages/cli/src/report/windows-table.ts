/**
 * `smd report --windows FILE`: the per-layer comparison over every window of a run as Markdown —
 * the measured RMS Δ against the layer's mean-field Δ (and against Δ*) in each window of
 * `windowSteps` steps from the first time constant τ on, so docs can quote every number.
 */
import type { RunAnalysis, WindowComparison } from '@smd/smd';

const pct = (x: number): string => (Number.isFinite(x) ? (x * 100).toFixed(1) : '–');

/** One table: rows = scale-invariant layers, columns = windows from `from` on, cells = error in %. */
function errorTable(a: RunAnalysis, pick: (w: WindowComparison) => number, from: number): string[] {
  const byLayer = new Map<string, WindowComparison[]>();
  for (const w of a.windows) {
    if (w.from < from) continue;
    const list = byLayer.get(w.param) ?? [];
    list.push(w);
    byLayer.set(w.param, list);
  }
  const first = [...byLayer.values()][0] ?? [];
  const head = ['layer', ...first.map((w) => `${w.from}–${w.to}`), 'worst'];
  const out = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '--:' : '---')).join('|')}|`];
  for (const [param, ws] of byLayer) {
    const errs = ws.map(pick);
    const worst = errs.reduce((m, e) => (Math.abs(e) > Math.abs(m) ? e : m), 0);
    out.push(`| ${param} | ${errs.map(pct).join(' | ')} | ${pct(worst)} |`);
  }
  return out;
}

/** Markdown for one run: the two window tables and the last-window summary. */
export function windowsMarkdown(name: string, a: RunAnalysis): string {
  const v = a.verdicts;
  const from = Math.ceil(v.tau / a.windowSteps) * a.windowSteps;
  const lr = a.predictions.lr;
  const drops: string[] = [];
  for (let t = 1; t < lr.length; t++) {
    if (lr[t] !== lr[t - 1])
      drops.push(`step ${t} (η ${+lr[t - 1].toPrecision(6)} → ${+lr[t].toPrecision(6)})`);
  }
  const ww = v.worstWindow;
  return [
    `### ${name}`,
    '',
    `${a.mode} analysis (L_t: ${a.estimate} windows of ${a.windowSteps} steps, segmented at lr changes); τ = ${Math.round(v.tau)} steps; lr changes: ${drops.join(', ') || 'none'}; last step ${a.lastStep}.`,
    '',
    `RMS Δ against the layer's mean-field Δ, (RMS Δ / mean-field Δ − 1) in %, every window from step ${from} (the first after τ):`,
    '',
    ...errorTable(a, (w) => w.predictedError, from),
    '',
    'The same windows against the constant Δ*(η_t), (RMS Δ / Δ* − 1) in %:',
    '',
    ...errorTable(a, (w) => w.starError, from),
    '',
    `Last window: off Δ* by ${pct(v.medianStarError)}% median / ${pct(v.worstStarError)}% worst layer; off the mean-field Δ by ${pct(v.medianPredictedError)}% / ${pct(v.worstPredictedError)}%; the recurrence explains ${pct(v.explainedSpread)}% of the layers' spread around Δ*.` +
      (ww
        ? ` Worst window after τ: ${ww.param}, steps ${ww.from}–${ww.to}, ${pct(ww.predictedError)}%.`
        : ''),
    '',
  ].join('\n');
}

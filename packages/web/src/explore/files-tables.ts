/**
 * Tables of the "your files" tab for dropped PyTorch checkpoints (the columns `smd analyze`
 * prints: per tensor at the last checkpoint, scale invariance, ‖w‖, the exact Δ_t, Δ*, Δ_t/Δ*,
 * the angle to the previous checkpoint) and for a dropped `smd export` (analyzeRun's per-layer
 * table over the last window, as `smd report` shows it). Each row carries its numbers as data-*
 * attributes (full precision) for tests and copy-paste.
 */
import { h, num } from '../app/dom.js';
import type { CheckpointAnalysis } from '@smd/runs/browser';
import type { ExportAnalysis } from './dropped-export.js';

function table(id: string, head: string[], rows: HTMLElement[]): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'layers', id },
      h('thead', {}, h('tr', {}, ...head.map((x) => h('th', {}, x)))),
      h('tbody', {}, ...rows),
    ),
  );
}

const ratioCell = (r: number): HTMLElement =>
  h('td', { class: Math.abs(r - 1) < 0.15 ? 'yes' : 'no' }, num(r));

/** The `smd analyze` view of a dropped checkpoint series (empty when there is none). */
export function torchSection(analyses: readonly CheckpointAnalysis[]): HTMLElement[] {
  const a = analyses.at(-1);
  if (!a) return [];
  const rows = [...a.tensors]
    .sort((x, y) => Number(y.scaleInvariant) - Number(x.scaleInvariant))
    .map((t) =>
      h(
        'tr',
        {
          'data-tensor': t.name,
          'data-si': String(t.scaleInvariant),
          'data-norm': String(t.norm),
          'data-delta': String(t.deltaRad),
          'data-delta-star': String(t.deltaStar),
          'data-angle-prev': String(t.angleToPrev),
        },
        h('td', {}, t.name),
        h('td', { title: t.reason }, t.scaleInvariant ? 'yes' : 'no'),
        h('td', {}, t.shape.join('×')),
        h('td', {}, num(t.norm)),
        h('td', {}, num(t.deltaRad)),
        h('td', {}, num(t.deltaStar)),
        ratioCell(t.deltaRad / t.deltaStar),
        h('td', {}, num(t.angleToPrev)),
      ),
    );
  const o = a.optimizer;
  const how = [...new Set(a.tensors.map((t) => t.deltaHow))].join('; ');
  return [
    h('h3', {}, 'PyTorch checkpoints (the analysis of smd analyze)'),
    h(
      'p',
      { id: 'torch-summary' },
      `Checkpoints by step: ${analyses.map((x) => `${x.step} (${x.label})`).join(', ')}. Last: ${
        o ? `${o.name}, η = ${num(o.lr)}, λ = ${num(o.weightDecay)}` : 'no optimizer state'
      }. Δ_t: ${how}.`,
    ),
    table(
      'torch-table',
      ['tensor', 'scale-inv.', 'shape', '‖w‖', 'Δ_t (rad)', 'Δ* (rad)', 'Δ_t/Δ*', '∠ to previous'],
      rows,
    ),
    ...(a.notes.length ? [h('p', { class: 'note' }, a.notes.join(' · '))] : []),
  ];
}

/** The `smd report` per-layer table of a dropped export. */
export function exportSection(e: ExportAnalysis): HTMLElement[] {
  const a = e.analysis;
  const v = a.verdicts;
  const rows = a.layers.map((l) =>
    h(
      'tr',
      {
        'data-layer': l.param,
        'data-si': String(l.scaleInvariant),
        'data-delta-rms': String(l.deltaRms),
        'data-delta-star': String(l.deltaStar),
        'data-delta-predicted': String(l.deltaPredicted),
        'data-verdict': l.verdict,
      },
      h('td', {}, l.param),
      h('td', { title: l.reason }, l.scaleInvariant ? 'yes' : 'no'),
      h('td', {}, num(l.norm)),
      h('td', {}, num(l.deltaRms)),
      h('td', {}, num(l.deltaPredicted)),
      h('td', {}, num(l.deltaStar)),
      ratioCell(l.deltaRatio),
      h('td', { title: l.summary }, l.verdict),
    ),
  );
  return [
    h('h3', {}, `smd export of run “${e.name}” (the analysis of smd report)`),
    h(
      'p',
      { id: 'export-summary' },
      `${e.file}: ${a.config.optimizer}, η = ${num(a.config.lr)}, λ = ${num(a.config.weightDecay)}; steps 0–${a.lastStep}, last window ${a.layers[0]?.from ?? '–'}–${a.layers[0]?.to ?? '–'}. ${
        v.predictable
          ? `Median RMS Δ/Δ* ${num(v.medianDeltaRatio)}; median |RMS/mean-field − 1| ${num(v.medianPredictedError)}.`
          : 'Optimizer not SGD/SGDM with coupled decay: no SMD prediction.'
      }`,
    ),
    table(
      'export-table',
      ['tensor', 'scale-inv.', '‖w‖', 'RMS Δ_t', 'mean-field Δ', 'Δ*', 'RMS/Δ*', 'verdict'],
      rows,
    ),
    ...a.alerts.map((al) =>
      h('p', { class: 'note' }, `alert: ${al.message}; likely cause: ${al.cause}`),
    ),
  ];
}

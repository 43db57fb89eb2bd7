/**
 * The "your files" tab: files dropped onto the page (or picked) are read and analyzed in the
 * browser; nothing is uploaded anywhere. safetensors checkpoints (checkpoint-series.ts): per
 * weight tensor, ‖w‖ and the angular update at every checkpoint against Δ*. PyTorch
 * checkpoints (dropped-torch.ts): the analysis of `smd analyze`. An `smd export --format json`
 * (dropped-export.ts): the per-layer analysis of `smd report`.
 */
import { h, num } from '../app/dom.js';
import { FigureView } from '../app/chart.js';
import type { FigLine, FigureModel } from '../model/figures.js';
import { analyzeCheckpoints, type CheckpointSeries } from './checkpoint-series.js';
import { analyzeExport, looksLikeExport, type ExportAnalysis } from './dropped-export.js';
import { analyzeTorchCheckpoints, TORCH_FILE } from './dropped-torch.js';
import { exportSection, torchSection } from './files-tables.js';
import type { CheckpointAnalysis } from '@smd/runs/browser';

/** What was dropped last, analyzed (redrawn on resize). */
interface Dropped {
  s: CheckpointSeries;
  torch: CheckpointAnalysis[];
  exports: ExportAnalysis[];
  notes: string[];
}

/** Largest file read (the page holds it in memory). */
const MAX_FILE_BYTES = 2 ** 31 - 1;

function seriesFigure(s: CheckpointSeries): FigureModel {
  const x = s.points.map((p) => p.step);
  const delta: FigLine[] = [];
  const norm: FigLine[] = [];
  for (const t of s.tensors) {
    const hasDelta = t.delta.some(Number.isFinite);
    delta.push({
      name: hasDelta ? t.name : `${t.name} (angle to previous)`,
      x,
      y: hasDelta ? t.delta : t.angleToPrev,
      dashed: false,
      role: 'measured',
    });
    norm.push({ name: t.name, x, y: t.norm, dashed: false, role: 'measured' });
  }
  const star = s.tensors[0]?.deltaStar ?? [];
  if (star.some(Number.isFinite))
    delta.push({ name: 'Δ* of η, λ, α', x, y: star, dashed: true, role: 'theory' });
  return {
    id: 'dropped',
    title: 'Your checkpoints: angular update per weight tensor and ‖w‖',
    subtitle: [],
    xLabel: 'step',
    xMax: Math.max(0, ...x),
    panels: [
      {
        id: 'delta',
        yLabel: 'Δ_t of the checkpoint’s step (rad, log scale)',
        logY: true,
        lines: delta,
        levels: [],
      },
      { id: 'norm', yLabel: '‖w‖', logY: false, lines: norm, levels: [] },
    ],
    markers: [],
  };
}

/** The files tab. */
export class FilesView {
  readonly el: HTMLElement;
  private readonly out: HTMLElement;
  private readonly status: HTMLElement;
  private figure: FigureView | null = null;

  constructor(parent: HTMLElement) {
    this.el = h('section', { id: 'files', class: 'tab' });
    const input = h('input', {
      type: 'file',
      id: 'files-input',
      multiple: '',
      accept: '.safetensors,.pt,.pth,.bin,.ckpt,.json',
    }) as HTMLInputElement;
    const zone = h(
      'div',
      { class: 'dropzone', id: 'dropzone' },
      'Drop checkpoints here — safetensors or PyTorch (.pt, .pth, .bin, .ckpt); several files = a series, ordered by step — or an smd export (smd export RUN --format json), or ',
      input,
    );
    this.status = h('p', { class: 'status', id: 'files-status' });
    this.out = h('div', { id: 'files-out' });
    this.el.append(
      h(
        'p',
        { class: 'lead' },
        'Your checkpoints are read by this page only: nothing leaves the machine. For each weight tensor (≥ 2 dimensions) the page shows ‖w‖ at every checkpoint, the angle between consecutive checkpoints and, when a checkpoint holds the SGD momentum buffer and the optimizer’s η, λ, α (smd train’s checkpoints do), the exact angular update Δ_t of the step that wrote it (w_t = w_{t+1} + η·v_t) against Δ*.',
      ),
      zone,
      this.status,
      this.out,
    );
    parent.append(this.el);
    window.addEventListener('resize', () => {
      if (this.last) this.show(this.last);
    });
    input.addEventListener('change', () => void this.read(Array.from(input.files ?? [])));
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      void this.read(Array.from(e.dataTransfer?.files ?? []));
    });
  }

  private last: Dropped | null = null;

  private async read(files: File[]): Promise<void> {
    this.el.dataset.state = 'reading';
    const safetensors: { name: string; bytes: Uint8Array }[] = [];
    const torch: { name: string; bytes: Uint8Array }[] = [];
    const exports: ExportAnalysis[] = [];
    const notes: string[] = [];
    for (const f of files) {
      const lower = f.name.toLowerCase();
      if (f.size > MAX_FILE_BYTES)
        notes.push(`${f.name}: ${f.size} bytes is more than this page can hold`);
      else if (lower.endsWith('.safetensors'))
        safetensors.push({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
      else if (TORCH_FILE.test(lower))
        torch.push({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
      else if (lower.endsWith('.json')) {
        const text = await f.text();
        if (!looksLikeExport(text))
          notes.push(`${f.name}: not an smd export (expected smd export RUN --format json)`);
        else
          try {
            exports.push(analyzeExport(text, f.name));
          } catch (e) {
            notes.push((e as Error).message.split('\n')[0]);
          }
      } else if (/\.(csv|parquet)$/.test(lower))
        notes.push(
          `${f.name}: this page reads the JSON export (smd export RUN --format json), which carries the run's config`,
        );
      else
        notes.push(
          `${f.name}: not a checkpoint (.safetensors, .pt, .pth, .bin, .ckpt) or an smd export (.json)`,
        );
    }
    const s = analyzeCheckpoints(safetensors);
    const t = analyzeTorchCheckpoints(torch);
    notes.push(...s.skipped, ...t.skipped);
    this.show({ s, torch: t.analyses, exports, notes });
  }

  private show(d: Dropped): void {
    this.last = d;
    const { s, notes } = d;
    const parts = [
      `${s.points.length} safetensors checkpoint${s.points.length === 1 ? '' : 's'} read, ${s.tensors.length} weight tensors`,
      ...(d.torch.length ? [`${d.torch.length} PyTorch checkpoints read`] : []),
      ...(d.exports.length
        ? [`${d.exports.length} smd export${d.exports.length > 1 ? 's' : ''} read`]
        : []),
      ...notes,
    ];
    this.status.textContent = parts.join(' · ');
    const none = s.points.length + d.torch.length + d.exports.length === 0;
    this.status.className = notes.length && none ? 'status error' : 'status';
    const extra = [...torchSection(d.torch), ...d.exports.flatMap(exportSection)];
    const last = s.points.length - 1;
    const rows = s.tensors.map((t) => {
      const dl = t.delta[last];
      const star = t.deltaStar[last];
      return h(
        'tr',
        {
          'data-tensor': t.name,
          'data-delta': String(dl),
          'data-delta-star': String(star),
          'data-norm': String(t.norm[last]),
        },
        h('td', {}, t.name),
        h('td', {}, t.shape.join('×')),
        h('td', {}, `${num(t.norm[0])} → ${num(t.norm[last])}`),
        h('td', {}, num(t.angleToPrev[last])),
        h('td', {}, num(dl)),
        h('td', {}, num(star)),
        h(
          'td',
          { class: Math.abs(dl / star - 1) < 0.15 ? 'yes' : 'no' },
          Number.isFinite(dl / star) ? `${((100 * dl) / star).toFixed(0)}%` : '–',
        ),
      );
    });
    if (s.points.length === 0) {
      this.out.replaceChildren(...extra);
      this.el.dataset.state = 'done';
      return;
    }
    this.out.replaceChildren(
      h(
        'p',
        {},
        `Checkpoints by step: ${s.points.map((p) => `${p.step} (${p.file})`).join(', ')}.`,
        s.points[last]?.hyper
          ? ` Last checkpoint’s optimizer: η = ${num(s.points[last].hyper!.lr)}, λ = ${num(s.points[last].hyper!.wd)}, α = ${num(s.points[last].hyper!.momentum)}.`
          : ' No optimizer state found: Δ_t and Δ* need smd.state and momentum buffers.',
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'layers', id: 'files-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                'tensor',
                'shape',
                '‖w‖ first → last',
                'angle to previous',
                'Δ_t (last)',
                'Δ*',
                'Δ/Δ*',
              ].map((x) => h('th', {}, x)),
            ),
          ),
          h('tbody', {}, ...rows),
        ),
      ),
    );
    this.figure ??= new FigureView(this.out, { log: true, width: this.width() });
    this.out.append(this.figure.el);
    this.figure.update(seriesFigure(s), { log: true, width: this.width() });
    this.out.append(...extra);
    this.el.dataset.state = 'done';
  }

  private width(): number {
    return Math.max(280, Math.min(1100, (this.el.clientWidth || window.innerWidth) - 8));
  }
}

/**
 * The live-training tab: starts the training worker on the shipped Fashion-MNIST subset and
 * draws, per scale-invariant layer, Δ_t against Δ* and the mean-field prediction, and ‖w_t‖,
 * while it trains. Buttons: start/pause, η ÷ 10 (with or without the rescaling trick), set λ,
 * reset. The worker does all the arithmetic; the page only appends chunks and redraws at most
 * four times a second, so the main thread stays free.
 */
import { h, num } from '../app/dom.js';
import { FigureView } from '../app/chart.js';
import type { FigLine, FigureModel } from '../model/figures.js';
import { downsample } from '../model/series.js';
import { numberControl } from './controls.js';
import {
  DEFAULT_LIVE,
  type FromWorker,
  type LiveConfig,
  type LiveData,
  type ToWorker,
} from './live-protocol.js';
import {
  appendProgress,
  LIVE_WINDOW,
  liveRows,
  livePredictions,
  newLiveRun,
  type LiveRun,
} from './live-run.js';

/** Redraw at most this often (ms). */
const DRAW_MS = 250;
/** Points per drawn line. */
const POINTS = 800;

/** Trailing mean of y over `w` steps, one value per step (smooths Δ_t for the chart). */
function trailing(y: number[], w: number): Float64Array {
  const out = new Float64Array(y.length);
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    s += y[i];
    if (i >= w) s -= y[i - w];
    out[i] = s / Math.min(i + 1, w);
  }
  return out;
}

function steps(n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = i;
  return x;
}

function fig(run: LiveRun, preds: ReturnType<typeof livePredictions>): FigureModel {
  const xs = steps(run.steps);
  const line = (
    y: ArrayLike<number>,
    name: string,
    role: FigLine['role'],
    dashed = false,
  ): FigLine => {
    const d = downsample(xs, y, POINTS);
    return { name, x: d.x, y: d.y, dashed, role };
  };
  const star = new Float64Array(run.steps);
  for (let t = 0; t < run.steps; t++) {
    const a = run.lr[t] * run.wd[t];
    star[t] = a > 0 ? Math.acos(1 - a / (1 + run.momentum)) : NaN;
  }
  const delta: FigLine[] = [];
  const norm: FigLine[] = [];
  run.layers.forEach((l, i) => {
    delta.push(line(trailing(l.delta, 20), l.name, 'measured'));
    norm.push(line(l.norm, l.name, 'measured'));
    const p = preds[i];
    if (p) {
      delta.push(line(p.delta, `${l.name} mean-field`, 'theory', true));
      norm.push(line(p.norm, `${l.name} mean-field`, 'theory', true));
    }
  });
  delta.push(line(star, 'Δ* of η_t, λ_t', 'theory', true));
  return {
    id: 'live-train',
    title: 'Live: per-layer Δ_t (20-step mean) against Δ* and the mean-field prediction',
    subtitle: [],
    xLabel: 'optimizer step t',
    xMax: run.steps,
    panels: [
      {
        id: 'delta',
        yLabel: 'angular update Δ_t (rad, log scale)',
        logY: true,
        lines: delta,
        levels: [],
      },
      { id: 'norm', yLabel: 'weight norm ‖w_t‖', logY: false, lines: norm, levels: [] },
    ],
    markers: run.events
      .filter((e) => e.kind !== 'reset')
      .map((e) => ({
        x: e.step,
        label: e.kind === 'rescale' ? 'rescale' : e.message.slice(0, 20),
      })),
  };
}

/** The live-training tab. */
export class LiveView {
  readonly el: HTMLElement;
  private worker: Worker | null = null;
  private run: LiveRun | null = null;
  private config: LiveConfig = { ...DEFAULT_LIVE };
  private figure: FigureView;
  private readonly status: HTMLElement;
  private readonly table: HTMLElement;
  private readonly log: HTMLElement;
  private readonly startBtn: HTMLButtonElement;
  private dirty = false;
  private lastDraw = 0;
  private paused = false;
  private wdBox: HTMLInputElement;

  constructor(
    parent: HTMLElement,
    private readonly data: () => LiveData | null,
    private readonly workerUrl: () => string,
  ) {
    this.el = h('section', { id: 'train', class: 'tab' });
    const form = h('div', { class: 'train-form' });
    const set = (k: 'lr' | 'wd' | 'momentum' | 'batchSize') => (v: number) => {
      this.config[k] = k === 'batchSize' ? Math.max(1, Math.round(v)) : v;
    };
    form.append(
      numberControl(
        { field: 'live-lr', label: 'learning rate η', min: 1e-3, max: 1, step: 20, log: true },
        this.config.lr,
        set('lr'),
      ).el,
      numberControl(
        { field: 'live-wd', label: 'weight decay λ', min: 1e-5, max: 1e-2, step: 20, log: true },
        this.config.wd,
        set('wd'),
      ).el,
      numberControl(
        { field: 'live-momentum', label: 'momentum α', min: 0, max: 0.99, step: 0.01 },
        this.config.momentum,
        set('momentum'),
      ).el,
      numberControl(
        { field: 'live-batch', label: 'batch size', min: 8, max: 128, step: 8 },
        this.config.batchSize,
        set('batchSize'),
      ).el,
    );
    this.startBtn = h('button', { id: 'live-start' }, 'Start training') as HTMLButtonElement;
    this.startBtn.addEventListener('click', () => this.toggle());
    const btn = (id: string, text: string, f: () => void): HTMLButtonElement => {
      const b = h('button', { id, disabled: '' }, text) as HTMLButtonElement;
      b.addEventListener('click', f);
      return b;
    };
    this.wdBox = h('input', {
      type: 'number',
      id: 'live-new-wd',
      step: 'any',
      value: '0.0005',
    }) as HTMLInputElement;
    const buttons = h(
      'div',
      { class: 'buttons' },
      this.startBtn,
      btn('live-drop', 'η ÷ 10', () => this.send({ type: 'drop', k: 10, rescale: false })),
      btn('live-drop-rescale', 'η ÷ 10 with rescaling (w × 10^(−1/4))', () =>
        this.send({ type: 'drop', k: 10, rescale: true }),
      ),
      h('span', { class: 'ctl' }, 'λ →', this.wdBox),
      btn('live-set-wd', 'set λ', () => {
        const wd = Number(this.wdBox.value);
        if (Number.isFinite(wd) && wd >= 0) this.send({ type: 'set-wd', wd });
        else this.setStatus('λ must be a number ≥ 0', true);
      }),
      btn('live-reset', 'Reset', () => this.reset()),
    );
    this.status = h('p', { class: 'status', id: 'live-status' }, 'Not started.');
    const charts = h('div', { class: 'charts' });
    this.table = h('div', { class: 'table-wrap', id: 'live-table' });
    this.log = h('ul', { id: 'live-log', class: 'drops' });
    this.el.append(
      h(
        'p',
        { class: 'lead' },
        'A small BatchNorm convnet (conv 8–16–32, 6.3k parameters) trains in a Web Worker on the Fashion-MNIST images shipped with this page, with the smd engine’s TypeScript backend. Every scale-invariant weight is probed after each step. Drop η and watch Δ_t leave Δ* and slowly return — or return at once with the rescaling trick.',
      ),
      form,
      buttons,
      this.status,
      charts,
      h('h3', {}, `Per layer (last ${LIVE_WINDOW} steps)`),
      this.table,
      h('h3', {}, 'Events'),
      this.log,
    );
    parent.append(this.el);
    this.figure = new FigureView(charts, { log: true, width: this.width() });
    window.addEventListener('resize', () => this.schedule());
  }

  private width(): number {
    return Math.max(280, Math.min(1100, (this.el.clientWidth || window.innerWidth) - 8));
  }

  private setStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.className = error ? 'status error' : 'status';
  }

  private send(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  private enable(on: boolean): void {
    this.el.querySelectorAll('.buttons button').forEach((b) => {
      if (b !== this.startBtn) (b as HTMLButtonElement).disabled = !on;
    });
  }

  private toggle(): void {
    if (!this.worker) return this.start();
    this.paused = !this.paused;
    this.send({ type: this.paused ? 'pause' : 'resume' });
    this.startBtn.textContent = this.paused ? 'Resume' : 'Pause';
  }

  private start(): void {
    const data = this.data();
    if (!data) {
      this.setStatus(
        'This page was built without the Fashion-MNIST subset (see smd explore --help).',
        true,
      );
      return;
    }
    this.worker = new Worker(this.workerUrl());
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.onMessage(ev.data);
    this.worker.onerror = (ev) => this.setStatus(`training worker failed: ${ev.message}`, true);
    // The worker gets its own copy (the page keeps the data for a reset with new settings).
    const copy: LiveData = {
      images: data.images.slice(),
      labels: data.labels.slice(),
      count: data.count,
    };
    this.send({ type: 'start', data: copy, config: { ...this.config } });
    this.startBtn.textContent = 'Pause';
    this.paused = false;
    this.setStatus('Starting…');
    this.el.dataset.state = 'starting';
  }

  private reset(): void {
    this.run = null;
    this.log.replaceChildren();
    this.paused = false;
    this.startBtn.textContent = 'Pause';
    this.send({ type: 'reset', config: { ...this.config } });
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'ready':
        this.run = newLiveRun(m.layers, this.config.momentum);
        this.el.dataset.layers = JSON.stringify(m.layers);
        this.enable(true);
        this.el.dataset.state = 'training';
        break;
      case 'progress':
        if (!this.run) return;
        appendProgress(this.run, m);
        this.el.dataset.paused = String(m.paused);
        this.schedule();
        break;
      case 'event':
        if (!this.run) return;
        if (m.event.kind !== 'reset') this.run.events.push(m.event);
        this.log.append(h('li', {}, `step ${m.event.step}: ${m.event.message}`));
        this.schedule();
        break;
      case 'error':
        this.setStatus(`training stopped: ${m.message}`, true);
        this.el.dataset.state = 'error';
        break;
    }
  }

  /** Redraws on the next frame, at most every DRAW_MS. */
  private schedule(): void {
    if (this.dirty) return;
    this.dirty = true;
    const wait = Math.max(0, this.lastDraw + DRAW_MS - performance.now());
    window.setTimeout(() => requestAnimationFrame(() => this.draw()), wait);
  }

  private draw(): void {
    this.dirty = false;
    this.lastDraw = performance.now();
    const run = this.run;
    if (!run || run.steps === 0) return;
    const preds = livePredictions(run);
    const rows = liveRows(run, preds);
    const n = run.steps;
    const loss = run.loss.slice(-LIVE_WINDOW).reduce((a, b) => a + b, 0) / Math.min(n, LIVE_WINDOW);
    const acc = run.acc.slice(-LIVE_WINDOW).reduce((a, b) => a + b, 0) / Math.min(n, LIVE_WINDOW);
    this.setStatus(
      `step ${n}${this.paused ? ' (paused)' : ''} · loss ${num(loss)} · batch accuracy ${(100 * acc).toFixed(1)}% · η ${num(run.lr[n - 1])} · λ ${num(run.wd[n - 1])} · ${Math.round(run.imagesPerSec)} images/s`,
    );
    this.el.dataset.step = String(n);
    this.el.dataset.imagesPerSec = String(run.imagesPerSec);
    this.el.dataset.rows = JSON.stringify(rows);
    this.figure.update(fig(run, preds), { log: true, width: this.width() });
    this.table.replaceChildren(
      h(
        'table',
        { class: 'layers' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['layer', 'Δ RMS', 'predicted', 'Δ*', 'Δ/Δ*', '‖w‖', 'predicted ‖w‖'].map((t) =>
              h('th', {}, t),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          ...rows.map((r) =>
            h(
              'tr',
              { 'data-layer': r.name },
              h('td', {}, r.name),
              h('td', {}, num(r.deltaRms)),
              h('td', {}, num(r.deltaPredicted)),
              h('td', {}, num(r.deltaStar)),
              h(
                'td',
                { class: Math.abs(r.deltaRms / r.deltaStar - 1) < 0.1 ? 'yes' : 'no' },
                `${((100 * r.deltaRms) / r.deltaStar).toFixed(0)}%`,
              ),
              h('td', {}, num(r.norm)),
              h('td', {}, num(r.normPredicted)),
            ),
          ),
        ),
      ),
    );
  }
}

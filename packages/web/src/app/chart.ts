/**
 * Draws a FigureModel with uPlot: one chart per panel, stacked, sharing the step axis (cursor
 * and zoom synced), log or linear y, dashed theory lines, lr-drop markers, hover values in the
 * legend. Chart metadata goes on data-attributes and window.__smd for tests.
 */
import uPlot from 'uplot';
import type { FigLine, FigPanel, FigureModel } from '../model/figures.js';

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

/** What tests read about a drawn figure (window.__smd.charts[id]). */
export interface ChartInfo {
  id: string;
  panels: { id: string; series: string[]; theory: string[]; points: number; logY: boolean }[];
  lastX: number;
}

/** Options of a drawn figure. */
export interface FigureViewOptions {
  /** Use log y on panels that ask for it. */
  log: boolean;
  width: number;
}

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
}

/** A y tick label: 3 significant digits, exponent below 1e-3. */
function tick(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(1) : String(+v.toPrecision(3));
}

/** Union of the lines' x values and, per line, y aligned on it (null where absent). */
function align(lines: FigLine[], logY: boolean): uPlot.AlignedData {
  const xs = new Set<number>();
  for (const l of lines) for (const x of l.x) xs.add(x);
  const x = Float64Array.from(xs).sort();
  const idx = new Map<number, number>();
  x.forEach((v, i) => idx.set(v, i));
  const cols = lines.map((l) => {
    const col: (number | null)[] = new Array(x.length).fill(null);
    for (let i = 0; i < l.x.length; i++) {
      const y = l.y[i];
      if (Number.isFinite(y) && (!logY || y > 0)) col[idx.get(l.x[i])!] = y;
    }
    return col;
  });
  return [Array.from(x), ...cols] as uPlot.AlignedData;
}

/** Nearest non-null value of column `col` around index `i` (hover on sparse series). */
function nearest(col: ArrayLike<number | null | undefined>, i: number): number | null {
  for (let d = 0; d < 400; d++) {
    const a = col[i - d];
    if (a !== null && a !== undefined) return a;
    const b = col[i + d];
    if (b !== null && b !== undefined) return b;
  }
  return null;
}

function colorOf(name: string, names: string[]): string {
  const base = name.replace(/ (per step|windowed|measured)$/, '');
  let k = names.indexOf(base);
  if (k < 0) k = names.length;
  return PALETTE[k % PALETTE.length];
}

function panelOptions(
  fig: FigureModel,
  p: FigPanel,
  o: FigureViewOptions,
  syncKey: string,
  last: boolean,
): uPlot.Options {
  const logY = p.logY && o.log;
  const names: string[] = [];
  const series: uPlot.Series[] = [
    { label: 'step', value: (_u, v) => (v === null ? '–' : String(Math.round(v))) },
  ];
  p.lines.forEach((l) => {
    const theory = l.role === 'theory';
    let stroke: string;
    if (theory) stroke = l.name.startsWith('Δ*') || l.name.startsWith('w*') ? '#222' : '#e6550d';
    else {
      const base = l.name.replace(/ (per step|windowed|measured)$/, '');
      if (!names.includes(base)) names.push(base);
      stroke = colorOf(l.name, names);
    }
    series.push({
      label: l.name,
      stroke: l.role === 'raw' ? stroke + '55' : stroke,
      width: l.role === 'raw' ? 1 : theory ? 1.6 : 1.8,
      dash: l.dashed ? (l.name.includes('mean-field') ? [2, 3] : [7, 4]) : undefined,
      spanGaps: true,
      points: { show: false },
      value: (u, v, si, i) => fmt(v ?? (i === null ? null : nearest(u.data[si], i))),
    });
  });
  return {
    width: o.width,
    height: 230,
    title: p.yLabel,
    cursor: { sync: { key: syncKey, setSeries: false }, drag: { x: true, y: false } },
    scales: { x: { time: false }, y: { distr: logY ? 3 : 1 } },
    axes: [
      {
        label: last ? fig.xLabel : undefined,
        values: (_u, ticks) => ticks.map((t) => String(Math.round(t))),
      },
      { size: 64, values: (_u, ticks) => ticks.map((t) => tick(t)) },
    ],
    legend: { live: true },
    series,
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = '#888';
          ctx.fillStyle = '#555';
          ctx.setLineDash([3, 4]);
          ctx.font = `${11 * devicePixelRatio}px sans-serif`;
          for (const m of fig.markers) {
            const x = u.valToPos(m.x, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillText(m.label, x + 4, u.bbox.top + 12 * devicePixelRatio);
          }
          ctx.restore();
        },
      ],
    },
  };
}

/** A drawn figure that can take new data without losing the user's zoom. */
export class FigureView {
  readonly el: HTMLElement;
  private plots: uPlot[] = [];
  private signature = '';
  private zoomed = false;
  private syncing = false;

  constructor(
    parent: HTMLElement,
    private opts: FigureViewOptions,
  ) {
    this.el = document.createElement('figure');
    this.el.className = 'smd-figure';
    parent.appendChild(this.el);
  }

  /** Draws `fig` (re-using the charts when the panels and lines are unchanged). */
  update(fig: FigureModel, opts: FigureViewOptions = this.opts): void {
    const sig = JSON.stringify([
      opts.log,
      opts.width,
      fig.title,
      fig.subtitle,
      fig.markers,
      fig.panels.map((p) => [p.id, p.yLabel, p.lines.map((l) => l.name)]),
    ]);
    const datas = fig.panels.map((p) => align(p.lines, p.logY && opts.log));
    if (sig !== this.signature) {
      this.opts = opts;
      this.signature = sig;
      for (const u of this.plots) u.destroy();
      this.el.replaceChildren();
      const head = document.createElement('figcaption');
      const h = document.createElement('h3');
      h.textContent = fig.title;
      head.appendChild(h);
      for (const line of fig.subtitle) {
        const s = document.createElement('div');
        s.className = 'sub';
        s.textContent = line;
        head.appendChild(s);
      }
      this.el.appendChild(head);
      const syncKey = `smd-${fig.id}-${Math.random().toString(36).slice(2)}`;
      this.plots = fig.panels.map((p, i) => {
        const o = panelOptions(fig, p, opts, syncKey, i === fig.panels.length - 1);
        o.hooks!.setScale = [(u, key) => this.onScale(u, key)];
        const div = document.createElement('div');
        div.className = 'panel';
        div.dataset.panel = p.id;
        this.el.appendChild(div);
        return new uPlot(o, datas[i], div);
      });
      this.el.addEventListener('dblclick', () => {
        this.zoomed = false;
      });
    } else {
      this.plots.forEach((u, i) => u.setData(datas[i], !this.zoomed));
    }
    this.describe(fig);
  }

  private onScale(u: uPlot, key: string): void {
    if (key !== 'x' || this.syncing) return;
    const { min, max } = u.scales.x;
    if (min === undefined || max === undefined) return;
    const full = u.data[0];
    this.zoomed = full.length > 0 && (min > full[0] || max < full[full.length - 1]);
    this.syncing = true;
    for (const o of this.plots) if (o !== u) o.setScale('x', { min, max });
    this.syncing = false;
    // Every panel's x range, for tests: zoom is shared across the stacked panels.
    this.el.dataset.xRanges = JSON.stringify(
      this.plots.map((o) => [Math.round(o.scales.x.min ?? NaN), Math.round(o.scales.x.max ?? NaN)]),
    );
    this.el.dataset.zoomed = String(this.zoomed);
  }

  private describe(fig: FigureModel): void {
    const info: ChartInfo = {
      id: fig.id,
      lastX: Math.max(
        -1,
        ...fig.panels.flatMap((p) => p.lines.map((l) => (l.x.length ? l.x[l.x.length - 1] : -1))),
      ),
      panels: fig.panels.map((p) => ({
        id: p.id,
        series: p.lines.map((l) => l.name),
        theory: p.lines.filter((l) => l.role === 'theory').map((l) => l.name),
        points: p.lines.reduce((s, l) => s + l.x.length, 0),
        logY: p.logY && this.opts.log,
      })),
    };
    this.el.dataset.fig = fig.id;
    this.el.dataset.lastX = String(info.lastX);
    this.el.dataset.series = JSON.stringify(info.panels.flatMap((p) => p.series));
    this.el.dataset.theory = JSON.stringify(info.panels.flatMap((p) => p.theory));
    const w = window as unknown as { __smd?: { charts: Record<string, ChartInfo> } };
    w.__smd ??= { charts: {} };
    w.__smd.charts[fig.id] = info;
  }

  /** Removes the charts. */
  destroy(): void {
    for (const u of this.plots) u.destroy();
    this.plots = [];
    this.el.remove();
  }
}

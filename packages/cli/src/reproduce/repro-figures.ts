/**
 * The reproduction's figures as LineFigures (rendered to SVG/PNG by cli/src/figure): the
 * paper's panels for figures 2, 3 and 4 and the linear-scaling figure, drawn from the runs'
 * measured series and analyzeRun's predictions. Windowed curves are centred RMS (Δ) or mean
 * (L_t, loss) over the run's window, as the analysis compares them.
 */
import { PrefixSums, weightNormStar, type Series } from '@smd/smd';
import { downsample, type XY } from '@smd/web';
import type { FigureBand, FigureLine, FigurePanel, LineFigure } from '../figure/line-figure.js';
import type { LoadedRun } from './load-run.js';
import type { FigureRuns } from './measure.js';
import { SETTINGS, type Variant } from './plan.js';

/** Points per drawn curve. */
const POINTS = 1200;

function xy(s: Series): XY {
  return downsample(s.steps, s.values, POINTS);
}

/** Centred window statistic of a series at every sample (RMS for Δ, mean otherwise). */
export function centred(s: Series, W: number, stat: 'rms' | 'mean'): Series {
  const ps = new PrefixSums(s);
  const h = Math.floor(W / 2);
  const values = new Float64Array(s.steps.length);
  for (let i = 0; i < s.steps.length; i++) {
    const st = ps.stats(s.steps[i] - h, s.steps[i] + h);
    values[i] = stat === 'rms' ? st.rms : st.mean;
  }
  return { steps: s.steps, values };
}

/** A per-step curve (NaN where undefined) as a series. */
function perStep(v: Float64Array): Series {
  return { steps: Float64Array.from(v, (_x, i) => i), values: v };
}

function line(name: string, s: Series, dashed = false): FigureLine {
  const p = xy(s);
  return { name, x: p.x, y: p.y, dashed };
}

function panel(
  yLabel: string,
  logY: boolean,
  lines: FigureLine[],
  bands: FigureBand[] = [],
): FigurePanel {
  return { yLabel, logY, lines: lines.filter((l) => l.x.length > 0), levels: [], bands };
}

/** lr drops and rescalings of a run as markers. */
function markers(r: LoadedRun): { x: number; label: string }[] {
  return r.events
    .filter((e) => e.kind === 'lr_drop' || e.kind === 'rescale')
    .map((e) => ({ x: e.step, label: e.kind === 'rescale' ? 'rescale' : 'η ÷ 10' }));
}

function layerOf(r: LoadedRun, param: string): LoadedRun['series']['layers'][number] | undefined {
  return r.series.layers.find((l) => l.param === param);
}

/** Figure 2 for one optimizer: unit gradient, ‖w‖ vs w*, Δ vs Δ* of `param`. */
export function fig2Figure(r: LoadedRun, param: string, quick: boolean): LineFigure | null {
  const l = layerOf(r, param);
  const pred = r.analysis.predictions.layers.get(param);
  if (!l || !pred) return null;
  const { lr, weightDecay: wd, momentum } = r.config;
  const sgdm = momentum > 0 && l.hTilde !== null;
  const g = sgdm ? l.hTilde! : l.unitGradSq;
  const gName = sgdm ? 'h̃_t' : '‖g̃_t‖²';
  const W = r.analysis.windowSteps;
  const wStar = new Float64Array(pred.L.length).map((_v, t) => {
    const L = pred.L[t];
    const eta = r.analysis.predictions.lr[t];
    return L > 0 && eta > 0 ? weightNormStar({ lr: eta, wd, momentum, L }) : NaN;
  });
  const opt = momentum > 0 ? `SGDM α = ${momentum}` : 'SGD';
  return {
    title: `Figure 2 (${opt})${quick ? ' — quick run' : ''}: ${param}`,
    subtitle: [
      `η = ${lr}, λ = ${wd}, ${r.series.lastStep + 1} steps; windows of ${W} steps (centred)`,
    ],
    xLabel: 'optimizer step t',
    xMax: r.series.lastStep,
    markers: [],
    panels: [
      panel(`${gName} (log)`, true, [
        line(`${gName} per step`, g),
        line(`L_t = windowed ${gName}`, perStep(pred.L)),
      ]),
      panel('‖w_t‖', false, [
        line('‖w_t‖ measured', l.norm),
        line('w*_t from L_t (Theorems 1–2)', perStep(wStar), true),
        line('‖w_t‖ mean-field (§4)', perStep(pred.norm), true),
      ]),
      panel('Δ_t (rad, log)', true, [
        line('Δ_t per step', l.delta),
        line('Δ_t windowed RMS', centred(l.delta, W, 'rms')),
        line('Δ* = arccos(1 − λη/(1+α))', perStep(r.analysis.predictions.deltaStar), true),
        line('Δ_t mean-field (§4)', perStep(pred.delta), true),
      ]),
    ],
  };
}

function siLayers(r: LoadedRun): LoadedRun['series']['layers'] {
  const si = new Set(r.analysis.layers.filter((l) => l.scaleInvariant).map((l) => l.param));
  return r.series.layers.filter((l) => si.has(l.param));
}

/** Figure 3: windowed Δ of every layer, standard and rescaled, and ‖w_t‖ of one layer in both. */
export function fig3Figure(std: LoadedRun, resc: LoadedRun, quick: boolean): LineFigure {
  const W = std.analysis.windowSteps;
  const all = (r: LoadedRun, tag: string): FigureLine[] => [
    ...siLayers(r).map((l) => line(l.param.replace(/\.weight$/, ''), centred(l.delta, W, 'rms'))),
    line(`Δ*(η_t)${tag}`, perStep(r.analysis.predictions.deltaStar), true),
  ];
  const p = SETTINGS.fig3.layer;
  return {
    title: `Figure 3${quick ? ' — quick run' : ''}: multi-stage lr, standard vs rescaled`,
    subtitle: [
      `SGDM η = ${std.config.lr} ÷ 10 at each marker, λ = ${std.config.weightDecay}; windowed RMS Δ of every scale-invariant layer`,
    ],
    xLabel: 'optimizer step t',
    xMax: Math.max(std.series.lastStep, resc.series.lastStep),
    markers: markers(std),
    panels: [
      panel('Δ_t, standard (rad, log)', true, all(std, '')),
      panel('Δ_t, rescaled (rad, log)', true, all(resc, ' ')),
      panel(`‖w_t‖ of ${p}`, false, [
        ...(layerOf(std, p) ? [line('‖w_t‖ standard', layerOf(std, p)!.norm)] : []),
        ...(layerOf(resc, p) ? [line('‖w_t‖ rescaled', layerOf(resc, p)!.norm)] : []),
      ]),
    ],
  };
}

/** Mean and min/max band over runs of a per-run series, on the first run's steps. */
function meanBand(name: string, series: Series[]): { line: FigureLine; band: FigureBand } | null {
  if (series.length === 0 || series[0].steps.length === 0) return null;
  const base = series[0];
  const idx = series.map((s) => new Map(Array.from(s.steps, (t, i) => [t, s.values[i]] as const)));
  const steps: number[] = [];
  const mean: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  for (let i = 0; i < base.steps.length; i++) {
    const t = base.steps[i];
    const vs = idx
      .map((m) => m.get(t))
      .filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (vs.length === 0) continue;
    steps.push(t);
    mean.push(vs.reduce((a, b) => a + b, 0) / vs.length);
    lo.push(Math.min(...vs));
    hi.push(Math.max(...vs));
  }
  const m = downsample(steps, mean, POINTS);
  const keep = new Set(m.x);
  const bx: number[] = [];
  const bl: number[] = [];
  const bh: number[] = [];
  steps.forEach((t, i) => {
    if (!keep.has(t)) return;
    bx.push(t);
    bl.push(lo[i]);
    bh.push(hi[i]);
  });
  return { line: { name, x: m.x, y: m.y }, band: { name, x: bx, lo: bl, hi: bh } };
}

/** Figure 4: train loss, test accuracy and Δ_t of layer1.0.conv1, mean and band over seeds. */
export function fig4Figure(by: Map<Variant, LoadedRun[]>, quick: boolean): LineFigure | null {
  const first = by.get('sgdm')?.[0] ?? [...by.values()].find((v) => v.length)?.[0];
  if (!first) return null;
  const W = first.analysis.windowSteps;
  const p = SETTINGS.fig4.layer;
  const lossL: FigureLine[] = [];
  const lossB: FigureBand[] = [];
  const accL: FigureLine[] = [];
  const accB: FigureBand[] = [];
  const dL: FigureLine[] = [];
  const dB: FigureBand[] = [];
  for (const [v, runs] of by) {
    const seeds = `${v} (${runs.length} seed${runs.length > 1 ? 's' : ''})`;
    const add = (mb: ReturnType<typeof meanBand>, ls: FigureLine[], bs: FigureBand[]): void => {
      if (!mb) return;
      ls.push(mb.line);
      if (runs.length > 1) bs.push(mb.band);
    };
    add(
      meanBand(
        seeds,
        runs.map((r) => centred(r.loss, W, 'mean')),
      ),
      lossL,
      lossB,
    );
    add(
      meanBand(
        seeds,
        runs.map((r) => ({
          steps: r.testAcc.steps,
          values: Float64Array.from(r.testAcc.values, (a) => a * 100),
        })),
      ),
      accL,
      accB,
    );
    add(
      meanBand(
        seeds,
        runs
          .map((r) => layerOf(r, p))
          .filter((l) => l !== undefined)
          .map((l) => centred(l!.delta, W, 'rms')),
      ),
      dL,
      dB,
    );
  }
  return {
    title: `Figure 4${quick ? ' — quick run' : ''}: SGDM vs SGDM + rescaling vs Adam`,
    subtitle: [
      `mean over seeds, band = min…max; lr ÷ 10 at each marker; Δ_t of ${p} (windowed RMS)`,
    ],
    xLabel: 'optimizer step t',
    xMax: first.series.lastStep,
    markers: markers(first).filter((m) => m.label !== 'rescale'),
    panels: [
      panel('train loss (windowed, log)', true, lossL, lossB),
      panel('test accuracy (%)', false, accL, accB),
      panel(`Δ_t of ${p} (rad, log)`, true, dL, dB),
    ],
  };
}

/** Linear scaling: windowed Δ of the median layer against examples seen, for every k. */
export function scalingFigure(by: Map<number, LoadedRun>, quick: boolean): LineFigure | null {
  const ks = [...by.keys()].sort((a, b) => a - b);
  if (ks.length === 0) return null;
  const lines: FigureLine[] = [];
  let xMax = 0;
  const p = SETTINGS.fig3.layer;
  for (const k of ks) {
    const r = by.get(k)!;
    const l = layerOf(r, p);
    if (!l) continue;
    const w = centred(l.delta, Math.max(1, Math.round(r.analysis.windowSteps / k)), 'rms');
    const toX = (s: Series): Series => ({
      steps: Float64Array.from(s.steps, (t) => ((t + 1) * r.batchSize) / 1000),
      values: s.values,
    });
    lines.push(line(`Δ_t, k = ${k} (batch ${r.batchSize}, η = ${r.config.lr})`, toX(w)));
    lines.push(line(`Δ*, k = ${k}`, toX(perStep(r.analysis.predictions.deltaStar)), true));
    xMax = Math.max(xMax, ((r.series.lastStep + 1) * r.batchSize) / 1000);
  }
  return {
    title: `Linear scaling${quick ? ' — quick runs' : ''}: batch k·B with lr k·η`,
    subtitle: [`Δ_t of ${p} (windowed RMS, windows of equal examples); Δ* rises by √k`],
    xLabel: 'training examples seen (thousands)',
    xMax,
    markers: [],
    panels: [panel('Δ_t (rad, log)', true, lines)],
  };
}

/** Every figure of the measured targets, keyed by file stem. */
export function reproductionFigures(runs: FigureRuns, quick: boolean): Map<string, LineFigure> {
  const out = new Map<string, LineFigure>();
  if (runs.fig2) {
    const a = fig2Figure(runs.fig2.sgd, SETTINGS.fig2.layer, quick);
    const b = fig2Figure(runs.fig2.sgdm, SETTINGS.fig2.layer, quick);
    if (a) out.set('fig2-sgd', a);
    if (b) out.set('fig2-sgdm', b);
  }
  if (runs.fig3) out.set('fig3', fig3Figure(runs.fig3.std, runs.fig3.resc, quick));
  if (runs.fig4) {
    const f = fig4Figure(runs.fig4, quick);
    if (f) out.set('fig4', f);
  }
  if (runs.scaling) {
    const f = scalingFigure(runs.scaling, quick);
    if (f) out.set('scaling', f);
  }
  return out;
}

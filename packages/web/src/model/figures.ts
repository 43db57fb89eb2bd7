/**
 * The paper-style figures as data (FigureModel): which series, which predicted lines, which lr
 * markers. One model feeds the browser (uPlot) and the static export (smd report --svg/--png via
 * the cli's Vega figure module; FigureModel is structurally a LineFigure). Pure.
 */
import {
  ACCURACY_NAMES,
  findScalar,
  LOSS_NAMES,
  probeKey,
  scalarKey,
  theoryKey,
  type RunData,
} from './run-data.js';
import type { XY } from './series.js';

/** Which figure (closed set): (a) one layer, (b) all layers, (c) rescaling, (d) several runs. */
export type FigureId =
  'layer' | 'all-layers' | 'rescale' | 'runs' | 'theory' | 'live-train' | 'dropped';

/** How a line relates to the theory (the dashboard styles and tests read it). */
export type LineRole = 'raw' | 'measured' | 'windowed' | 'theory';

/** One line of a panel. */
export interface FigLine {
  name: string;
  x: number[];
  y: number[];
  dashed: boolean;
  role: LineRole;
}

/** One panel (its own y axis). `levels` is always empty (kept for the Vega figure module). */
export interface FigPanel {
  id: string;
  yLabel: string;
  logY: boolean;
  lines: FigLine[];
  levels: never[];
}

/** A whole figure: stacked panels on a shared step axis. */
export interface FigureModel {
  id: FigureId;
  title: string;
  subtitle: string[];
  xLabel: string;
  xMax: number;
  panels: FigPanel[];
  markers: { x: number; label: string }[];
}

const EMPTY: XY = { x: [], y: [] };

function line(s: XY | undefined, name: string, role: LineRole, dashed = false): FigLine | null {
  if (!s || s.x.length === 0) return null;
  return { name, x: s.x, y: s.y, dashed, role };
}

function panel(id: string, yLabel: string, logY: boolean, lines: (FigLine | null)[]): FigPanel {
  return { id, yLabel, logY, lines: lines.filter((l): l is FigLine => l !== null), levels: [] };
}

/** Last step of a run's data (for the x range). */
export function lastStepOf(run: RunData): number {
  return Math.max(0, run.cursor);
}

/** Rounds long decimals in a message (0.010000000000000002 → 0.01). */
function shortNumbers(text: string): string {
  return text.replace(/\d+\.\d{5,}(e-?\d+)?/g, (m) => String(Number(Number(m).toPrecision(6))));
}

/** Vertical markers: lr drops and rescalings from the run's events. */
export function runMarkers(run: RunData): { x: number; label: string }[] {
  const out: { x: number; label: string }[] = [];
  for (const e of run.events) {
    if (e.kind === 'lr_drop')
      out.push({ x: e.step, label: shortNumbers(e.message).slice(0, 28) || 'lr drop' });
    else if (e.kind === 'rescale') out.push({ x: e.step, label: 'rescale' });
  }
  return out;
}

/** Whether `layer` counts as scale-invariant (the analysis: as declared, else by its radial cosine). */
export function isScaleInvariant(run: RunData, layer: string): boolean {
  const row = run.analysis?.table.find((r) => r.param === layer);
  if (row) return row.scaleInvariant;
  return run.params.find((p) => p.name === layer)?.scaleInvariant ?? true;
}

/** The default layer of a run: its first scale-invariant probed tensor, else the first one. */
export function defaultLayer(run: RunData): string | null {
  return run.layers.find((l) => isScaleInvariant(run, l)) ?? run.layers[0] ?? null;
}

/** Scale-invariant probed tensors (or all probed ones when none is). */
export function scaleInvariantLayers(run: RunData): string[] {
  const out = run.layers.filter((l) => isScaleInvariant(run, l));
  return out.length ? out : run.layers;
}

/** "name — SGDM α = 0.9, η = 0.01 (multistep:4:0.1), λ = 0.0005": the schedule, not only the last η. */
export function hyperLine(run: RunData): string {
  const c = run.config;
  const opt = c.momentum > 0 ? `SGDM α = ${c.momentum}` : c.optimizer.toUpperCase();
  const n = (v: number | null): string => (v === null ? '?' : String(+v.toPrecision(6)));
  const sched = c.schedule === 'constant' ? '' : ` (${c.schedule} from ${n(c.lr)})`;
  return `${run.name} — ${opt}, η = ${n(run.lr)}${sched}, λ = ${n(c.weightDecay)}`;
}

/** (a) One layer: ‖g̃‖² (h̃ for SGDM) raw and windowed; ‖w_t‖ vs w*_t; Δ_t vs Δ* (dashed). */
export function layerFigure(run: RunData, layer: string): FigureModel {
  const s = run.series;
  const sgdm = run.config.momentum > 0;
  const gMetric = sgdm && s[probeKey(layer, 'h_tilde')] ? 'h_tilde' : 'unit_grad_sq_norm';
  const gName = gMetric === 'h_tilde' ? 'h̃_t' : '‖g̃_t‖²';
  return {
    id: 'layer',
    title: `${layer}: measured vs predicted`,
    subtitle: [hyperLine(run), `windows of ${run.windowSteps} steps`],
    xLabel: 'optimizer step t',
    xMax: lastStepOf(run),
    markers: runMarkers(run),
    panels: [
      panel('grad', `${gName} (log)`, true, [
        line(s[probeKey(layer, gMetric)], `${gName} per step`, 'raw'),
        line(
          run.theory[theoryKey(layer, 'L_mf')] ?? s[probeKey(layer, 'L_window')],
          `L_t (windowed ${gName})`,
          'windowed',
        ),
      ]),
      panel('norm', '‖w_t‖', false, [
        line(s[probeKey(layer, 'norm')], '‖w_t‖ measured', 'measured'),
        line(s[probeKey(layer, 'w_star')], 'w*_t (from L_t)', 'theory', true),
        line(run.theory[theoryKey(layer, 'norm_mf')], '‖w_t‖ mean-field', 'theory', true),
      ]),
      panel('delta', 'Δ_t (rad, log)', true, [
        line(s[probeKey(layer, 'delta_rad')], 'Δ_t per step', 'raw'),
        line(s[probeKey(layer, 'delta_window')], 'Δ_t windowed RMS', 'windowed'),
        line(
          s[probeKey(layer, 'delta_star')] ?? run.theory[theoryKey('*', 'delta_star_curve')],
          'Δ* = arccos(1 − λη/(1+α))',
          'theory',
          true,
        ),
        line(run.theory[theoryKey(layer, 'delta_mf')], 'Δ_t mean-field', 'theory', true),
      ]),
    ],
  };
}

/** (b) Windowed Δ_t of every scale-invariant layer across the schedule, with the predictions. */
export function allLayersFigure(run: RunData): FigureModel {
  const lines = scaleInvariantLayers(run).map((l) =>
    line(run.series[probeKey(l, 'delta_window')], l, 'windowed'),
  );
  return {
    id: 'all-layers',
    title: 'Angular update of every scale-invariant layer',
    subtitle: [hyperLine(run), 'Theorem 3: the same Δ* for every layer, whatever its shape'],
    xLabel: 'optimizer step t',
    xMax: lastStepOf(run),
    markers: runMarkers(run),
    panels: [
      panel('delta', 'Δ_t windowed (rad, log)', true, [
        ...lines,
        line(run.theory[theoryKey('*', 'delta_star_curve')], 'Δ*(η_t)', 'theory', true),
        line(run.theory[theoryKey('*', 'delta_mf')], 'mean-field Δ_t', 'theory', true),
      ]),
    ],
  };
}

/** Short label of a run inside a multi-run figure. */
function tag(run: RunData, i: number): string {
  return run.name && run.name !== 'run' ? run.name : `run ${i + 1}`;
}

/** (c) ‖w_t‖ (and windowed Δ_t) of one layer in two runs, e.g. with and without rescaling. */
export function rescaleFigure(runs: RunData[], layer: string): FigureModel {
  return {
    id: 'rescale',
    title: `${layer}: weight norm with and without rescaling`,
    subtitle: runs.map((r) => hyperLine(r)),
    xLabel: 'optimizer step t',
    xMax: Math.max(...runs.map(lastStepOf)),
    markers: runs.length ? runMarkers(runs[0]) : [],
    panels: [
      panel(
        'norm',
        '‖w_t‖',
        false,
        runs.flatMap((r, i) => [
          line(r.series[probeKey(layer, 'norm')], `‖w_t‖ ${tag(r, i)}`, 'measured'),
          line(r.series[probeKey(layer, 'w_star')], `w*_t ${tag(r, i)}`, 'theory', true),
        ]),
      ),
      panel(
        'delta',
        'Δ_t windowed (rad, log)',
        true,
        runs.flatMap((r, i) => [
          line(r.series[probeKey(layer, 'delta_window')], `Δ_t ${tag(r, i)}`, 'windowed'),
          line(r.series[probeKey(layer, 'delta_star')], `Δ* ${tag(r, i)}`, 'theory', true),
        ]),
      ),
    ],
  };
}

/** (d) Train loss, test accuracy and windowed Δ_t of one layer for several runs. */
export function runsFigure(runs: RunData[], layer: string): FigureModel {
  const loss = runs.map((r, i) => {
    const n = findScalar(r, LOSS_NAMES);
    return line(n ? r.series[scalarKey(n)] : EMPTY, `loss ${tag(r, i)}`, 'measured');
  });
  const acc = runs.map((r, i) => {
    const n = findScalar(r, ACCURACY_NAMES);
    return line(n ? r.series[scalarKey(n)] : EMPTY, `test accuracy ${tag(r, i)}`, 'measured');
  });
  return {
    id: 'runs',
    title: runs.length > 1 ? 'Runs compared' : 'Training curves',
    subtitle: runs.map((r) => hyperLine(r)),
    xLabel: 'optimizer step t',
    xMax: Math.max(...runs.map(lastStepOf)),
    markers: runs.length ? runMarkers(runs[0]) : [],
    panels: [
      panel('loss', 'train loss (log)', true, loss),
      panel('accuracy', 'test accuracy', false, acc),
      panel(
        'delta',
        `Δ_t windowed, ${layer} (rad, log)`,
        true,
        runs.flatMap((r, i) => [
          line(r.series[probeKey(layer, 'delta_window')], `Δ_t ${tag(r, i)}`, 'windowed'),
          line(r.series[probeKey(layer, 'delta_star')], `Δ* ${tag(r, i)}`, 'theory', true),
        ]),
      ),
    ].filter((p) => p.lines.length > 0),
  };
}

/** The figures of a report or a run page: (a), (b), (d) for one run; plus (c) for two runs. */
export function reportFigures(runs: RunData[], layer?: string | null): FigureModel[] {
  if (runs.length === 0) return [];
  const l = layer ?? defaultLayer(runs[0]);
  const out: FigureModel[] = [];
  if (l) out.push(layerFigure(runs[0], l));
  out.push(allLayersFigure(runs[0]));
  if (runs.length >= 2 && l) out.push(rescaleFigure(runs.slice(0, 2), l));
  out.push(runsFigure(runs, l ?? ''));
  return out;
}

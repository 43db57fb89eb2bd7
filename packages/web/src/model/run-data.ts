/**
 * RunData: one run as the report and the dashboard see it (JSON). The Node side (smd report,
 * smd serve, smd train's summary) builds it from the metric store and @smd/smd's analyzeRun; the
 * browser only draws it. Measured series are appended by live polls (RunDelta); theory series
 * and the analysis (table, verdicts, alerts) are replaced. `smd serve` computes the analysis in
 * the background: a first answer may have none yet (analysis null, no theory or windowed series)
 * and a later poll brings it.
 */
import type {
  AnalysisMode,
  AssumptionCheck,
  LayerAnalysis,
  RunAlert,
  RunConfig,
  RunVerdicts,
} from '@smd/smd';
import type { EventRow, ParamInfo, RunStatus } from '@smd/runs/browser';
import { appendSeries, MAX_POINTS, type XY } from './series.js';

/** The analysis as it travels in JSON (NaN becomes null). */
export interface RunAnalysisView {
  /** 'offline' (centred L_t) once the run has ended, 'live' (trailing, widened band) while it trains */
  mode: AnalysisMode;
  /** per-layer table over the last window (@smd/smd analyzeRun) */
  table: LayerAnalysis[];
  verdicts: RunVerdicts;
  /** run-level assumption checks at the current η */
  assumptions: AssumptionCheck[];
  alerts: RunAlert[];
}

/** Everything a report or a dashboard page shows for one run. */
export interface RunData {
  id: string;
  name: string;
  createdAt: string;
  status: RunStatus;
  backend: string;
  /** A few config facts for the header (key → text). */
  facts: Record<string, string>;
  /** the typed run config (parseRunConfig) */
  config: RunConfig;
  /** η at the last logged step, null before the first */
  lr: number | null;
  /** Last complete step included (-1: none). */
  cursor: number;
  /** Probe sampling stride in steps. */
  every: number;
  /** Window length in steps of the windowed series. */
  windowSteps: number;
  params: ParamInfo[];
  /** Probed tensors with Δ data, scale-invariant ones first. */
  layers: string[];
  /** Measured and windowed series by key (see seriesKey). Appended by deltas. */
  series: Record<string, XY>;
  /** Predicted series by key. Replaced by deltas. */
  theory: Record<string, XY>;
  events: EventRow[];
  /** null: still being computed (smd serve on a long run); a later poll brings it */
  analysis: RunAnalysisView | null;
  /** Last step the analysis, theory and windowed series cover (-1: none yet). */
  analysisCursor: number;
  /**
   * True when the measured series are a coarse preview of a long run (rows sampled by index
   * seeks, smd serve's first answer), not the min/max down-sampling; a poll with `coarse=1`
   * brings the exact ones (RunDelta.exact). Absent: exact.
   */
  coarse?: boolean;
}

/** RunData with its analysis (smd report, smd train's summary, the analysis worker). */
export type AnalyzedRunData = RunData & { analysis: RunAnalysisView };

/** What a live poll returns: rows after `from`, and fresh theory/table/alerts. */
export interface RunDelta {
  id: string;
  from: number;
  cursor: number;
  /** The writer truncated below `from` (resume): reload the whole run. */
  rewound: boolean;
  status: RunStatus;
  lr: number | null;
  layers: string[];
  series: Record<string, XY>;
  /** Null when the analysis is unchanged since the poll's analysis cursor. */
  theory: Record<string, XY> | null;
  events: EventRow[];
  analysis: RunAnalysisView | null;
  /**
   * Last step the analysis covers; windowed series in `series` are the points after the poll's
   * analysis cursor (measured ones the points after `from`).
   */
  analysisCursor: number;
  /** The measured points in `series` are coarse samples (a long stretch since `from`). */
  coarse: boolean;
  /**
   * The whole run's measured series, min/max down-sampled, replacing a coarse page's (sent to
   * a poll with `coarse=1` once they are ready); null otherwise.
   */
  exact: Record<string, XY> | null;
}

/** Derived series next to the probe metrics: the windowed RMS of Δ_t (centred offline, trailing live). */
export type DerivedMetric = 'delta_window';

/** Theory series names. */
export type TheoryMetric = 'delta_mf' | 'norm_mf' | 'L_mf' | 'delta_star_curve';

/** Key of a probe or derived series of one tensor: `p/<param>/<metric>`. */
export function probeKey(param: string, metric: string): string {
  return `p/${param}/${metric}`;
}

/** Key of a scalar series: `s/<name>`. */
export function scalarKey(name: string): string {
  return `s/${name}`;
}

/** Key of a theory series of one tensor (or '*' for the run-wide one): `t/<param>/<metric>`. */
export function theoryKey(param: string, metric: TheoryMetric): string {
  return `t/${param}/${metric}`;
}

/** Applies a live delta to `run` in place (append measured, replace the rest). */
export function applyDelta(run: RunData, d: RunDelta, cap = MAX_POINTS): void {
  if (d.exact) {
    for (const [k, xy] of Object.entries(d.exact)) run.series[k] = { x: [...xy.x], y: [...xy.y] };
    run.coarse = false;
  }
  if (d.coarse) run.coarse = true;
  for (const [k, more] of Object.entries(d.series)) {
    const cur = run.series[k];
    run.series[k] = cur ? appendSeries(cur, more, cap) : { x: [...more.x], y: [...more.y] };
  }
  if (d.theory !== null) run.theory = d.theory;
  run.events.push(...d.events);
  if (d.analysis !== null) run.analysis = d.analysis;
  run.analysisCursor = d.analysisCursor;
  run.layers = d.layers;
  run.lr = d.lr;
  run.status = d.status;
  run.cursor = d.cursor;
}

/** Scalar names of the test accuracy, in preference order. */
export const ACCURACY_NAMES = ['test_accuracy', 'test_acc', 'accuracy', 'val_accuracy', 'acc'];
/** Scalar names of the training loss, in preference order. */
export const LOSS_NAMES = ['loss', 'train_loss'];

/** The first of `names` that the run has as a scalar series, or null. */
export function findScalar(run: RunData, names: readonly string[]): string | null {
  for (const n of names) if (run.series[scalarKey(n)]?.x.length) return n;
  return null;
}

/**
 * JSON.stringify replacer rounding non-integers to 6 significant digits (the plots and tables
 * show at most 4): halves the size of reports and poll responses.
 */
export function compactNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value)
    ? Number(value.toPrecision(6))
    : value;
}

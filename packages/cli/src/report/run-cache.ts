/**
 * RunCache: full-resolution copies of one run's series, grown from the metric store on each
 * refresh (rows after the cached step only), analyzed by @smd/smd's analyzeRun (offline once the
 * run has ended, live while it trains), and the RunData built from them. Used once by
 * `smd report` and `smd train`'s summary, and by `smd serve`'s analysis worker (read-only next
 * to a live writer; the server answers series from SQL meanwhile: serve/served-run.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  MANIFEST_FILE,
  openRun,
  type EventRow,
  type Manifest,
  type ParamInfo,
  type RunStatus,
} from '@smd/runs';
import {
  analyzeRun,
  parseRunConfig,
  windowedRms,
  type RunAnalysis,
  type RunConfig,
  type RunSeries,
  type Series,
} from '@smd/smd';
import {
  ACCURACY_NAMES,
  LOSS_NAMES,
  probeKey,
  scalarKey,
  theoryKey,
  type AnalyzedRunData,
  type RunAnalysisView,
  downsample,
  MAX_POINTS,
  type XY,
} from '@smd/web';
import { configFacts } from './config-facts.js';

/**
 * The analysis of a run at `cursor`: table, verdicts, predictions, full-resolution windowed Δ,
 * and the measured series min/max down-sampled to `cap` points over steps ≤ cursor.
 */
export interface AnalysisParts {
  cursor: number;
  cap: number;
  measured: Record<string, XY>;
  /** probed tensors, scale-invariant ones first */
  layers: string[];
  /** windowed series by key (full resolution) */
  windowed: [string, XY][];
  theory: Record<string, XY>;
  view: RunAnalysisView;
}

/** Growable full-resolution series. */
interface Col {
  x: number[];
  y: number[];
}

/** Everything derived at one refresh (replaced wholesale). */
interface Derived {
  config: RunConfig;
  lr: number | null;
  layers: string[];
  windowed: Map<string, XY>;
  theory: Record<string, XY>;
  analysis: RunAnalysis;
  view: RunAnalysisView;
}

/** Index of the first x > step (binary search; x ascending). */
function firstAfter(x: number[], step: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The points of `c` with x > from, down-sampled to `cap`. */
export function sliceAfter(c: XY, from: number, cap: number): XY {
  const i = firstAfter(c.x, from);
  return i === 0 ? downsample(c.x, c.y, cap) : downsample(c.x.slice(i), c.y.slice(i), cap);
}

/** Points per predicted curve (smooth: fewer suffice). */
const THEORY_POINTS = 1000;

/** Probe metrics and scalars that the figures draw (the rest stays out of reports and polls). */
const DRAWN_METRICS = new Set([
  'norm',
  'delta_rad',
  'unit_grad_sq_norm',
  'h_tilde',
  'L_window',
  'delta_star',
  'w_star',
]);
const DRAWN_SCALARS = new Set(['lr', 'test_loss', ...LOSS_NAMES, ...ACCURACY_NAMES]);

/** Whether the figures draw series `key` (the rest stays out of reports and polls). */
export function isDrawn(key: string): boolean {
  if (key.startsWith('s/')) return DRAWN_SCALARS.has(key.slice(2));
  return DRAWN_METRICS.has(key.slice(key.lastIndexOf('/') + 1));
}

/** One run's cached series; see the module comment. */
export class RunCache {
  readonly dir: string;
  manifest: Manifest | null = null;
  status: RunStatus = 'running';
  params: ParamInfo[] = [];
  events: EventRow[] = [];
  /** Last complete step cached (-1: none). */
  cursor = -1;
  private cols = new Map<string, Col>();
  private derived: Derived | null = null;
  private nextRefreshAt = 0;
  /** Set when the last refresh found the writer had truncated below the cache. */
  rewound = false;

  constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Reads rows committed since the last refresh. Throws (one line) when the run folder is gone
   * or unreadable; a rewound store (resume) drops the cache and reloads.
   */
  refresh(): void {
    if (!existsSync(join(this.dir, MANIFEST_FILE))) {
      throw new Error(`run folder ${this.dir} no longer exists`);
    }
    // Big runs: a refresh recomputes windows and predictions over the whole run, so refresh at
    // most every 4× its own cost (a 1 s poll then costs ≤ 20% of a core).
    if (this.derived && performance.now() < this.nextRefreshAt) return;
    const t0 = performance.now();
    try {
      this.readAndDerive();
    } finally {
      const t1 = performance.now();
      this.nextRefreshAt = t1 + 4 * (t1 - t0);
    }
  }

  private readAndDerive(): void {
    const run = openRun(this.dir);
    try {
      this.manifest = run.manifest;
      this.status = run.status();
      const m = run.metrics;
      const ended = m.endedStep();
      this.rewound = ended < this.cursor;
      if (this.rewound) {
        this.cols.clear();
        this.cursor = -1;
      }
      if (ended === this.cursor && this.derived) return;
      const from = this.cursor + 1;
      this.params = m.params();
      for (const name of m.scalarNames()) {
        this.append(scalarKey(name), m.readScalars(name, { fromStep: from, toStep: ended }));
      }
      for (const k of m.probeSeries()) {
        if (k.channel !== null) continue;
        this.append(
          probeKey(k.param, k.metric),
          m.readProbe(k.param, k.metric, { fromStep: from, toStep: ended }),
        );
      }
      this.events = m.events(0).filter((e) => e.step <= ended);
      this.cursor = ended;
      this.derived = this.derive();
    } finally {
      run.close();
    }
  }

  private append(key: string, s: { steps: Float64Array; values: Float64Array }): void {
    let c = this.cols.get(key);
    if (!c) this.cols.set(key, (c = { x: [], y: [] }));
    for (let i = 0; i < s.steps.length; i++) {
      c.x.push(s.steps[i]);
      c.y.push(s.values[i]);
    }
  }

  private col(key: string): Col {
    return this.cols.get(key) ?? { x: [], y: [] };
  }

  /** Probe sampling stride, from the first layer's Δ steps (default 1). */
  private every(layers: string[]): number {
    const c = layers.length ? this.col(probeKey(layers[0], 'delta_rad')) : null;
    return c && c.x.length >= 2 ? Math.max(1, c.x[1] - c.x[0]) : 1;
  }

  private series(key: string): Series {
    const c = this.col(key);
    return { steps: c.x, values: c.y };
  }

  /** The run's measurements as analyzeRun takes them: probed tensors in model order. */
  private runSeries(): RunSeries {
    const info = new Map(this.params.map((p) => [p.name, p]));
    const probed = new Set(
      [...this.cols.keys()]
        .filter((k) => k.startsWith('p/') && k.endsWith('/delta_rad'))
        .map((k) => k.slice(2, -'/delta_rad'.length)),
    );
    const order = [
      ...this.params.map((p) => p.name).filter((n) => probed.has(n)),
      ...[...probed].filter((n) => !info.has(n)).sort(),
    ];
    return {
      lastStep: this.cursor,
      lr: this.series(scalarKey('lr')),
      rescaled: this.events.some((e) => e.kind === 'rescale'),
      layers: order.map((param) => ({
        param,
        scaleInvariant: info.get(param)?.scaleInvariant ?? null,
        reason: info.get(param)?.reason ?? '',
        delta: this.series(probeKey(param, 'delta_rad')),
        norm: this.series(probeKey(param, 'norm')),
        radialCos: this.series(probeKey(param, 'radial_cos')),
        unitGradSq: this.series(probeKey(param, 'unit_grad_sq_norm')),
        hTilde: this.cols.has(probeKey(param, 'h_tilde'))
          ? this.series(probeKey(param, 'h_tilde'))
          : null,
      })),
    };
  }

  private derive(): Derived {
    const config = parseRunConfig(this.manifest!.config, join(this.dir, MANIFEST_FILE));
    const series = this.runSeries();
    // A run still training gets the causal (live) analysis; an ended one the offline analysis.
    const a = analyzeRun(series, config, { mode: this.status === 'running' ? 'live' : 'offline' });
    const lrCol = this.col(scalarKey('lr'));
    const windowed = new Map<string, XY>();
    const theory: Record<string, XY> = {};
    const p = a.predictions;
    const allX = Array.from({ length: p.lr.length }, (_, t) => t);
    if (p.runDelta)
      theory[theoryKey('*', 'delta_mf')] = downsample(allX, p.runDelta, THEORY_POINTS);
    if (a.verdicts.predictable && p.lr.length > 0) {
      theory[theoryKey('*', 'delta_star_curve')] = downsample(allX, p.deltaStar, MAX_POINTS);
    }
    for (const layer of series.layers) {
      const px = Array.from(layer.delta.steps);
      windowed.set(probeKey(layer.param, 'delta_window'), {
        x: px,
        y: Array.from(windowedRms(layer.delta, config.windowSteps, a.estimate)),
      });
      const pred = p.layers.get(layer.param);
      if (!pred) continue;
      const at = (v: Float64Array): number[] => px.map((t) => v[t]);
      theory[theoryKey(layer.param, 'delta_mf')] = downsample(px, at(pred.delta), THEORY_POINTS);
      theory[theoryKey(layer.param, 'norm_mf')] = downsample(px, at(pred.norm), MAX_POINTS);
      theory[theoryKey(layer.param, 'L_mf')] = downsample(px, at(pred.L), MAX_POINTS);
    }
    return {
      config,
      lr: lrCol.y.length ? lrCol.y[lrCol.y.length - 1] : null,
      layers: a.layers.map((r) => r.param),
      windowed,
      theory,
      analysis: a,
      view: {
        mode: a.mode,
        table: a.layers,
        verdicts: a.verdicts,
        assumptions: a.assumptions,
        alerts: a.alerts,
      },
    };
  }

  /** The full analysis of the last refresh (call refresh first). */
  analysis(): RunAnalysis {
    if (!this.derived) throw new Error(`run ${this.dir} was not loaded`);
    return this.derived.analysis;
  }

  /** The analysis and the exact down-sampled measured series (the analysis worker's answer). */
  analyzed(cap = MAX_POINTS): AnalysisParts {
    const d = this.derived;
    if (!d) throw new Error(`run ${this.dir} was not loaded`);
    return {
      cursor: this.cursor,
      cap,
      measured: this.measuredAfter(-1, cap),
      layers: d.layers,
      windowed: [...d.windowed],
      theory: d.theory,
      view: d.view,
    };
  }

  /** Measured series the figures draw, with x > from, each down-sampled to `cap` points. */
  private measuredAfter(from: number, cap: number): Record<string, XY> {
    const out: Record<string, XY> = {};
    for (const [k, c] of this.cols) {
      if (!isDrawn(k)) continue;
      const s = sliceAfter(c, from, cap);
      if (s.x.length) out[k] = s;
    }
    return out;
  }

  /** Measured + windowed series the figures draw, with x > from, each down-sampled to `cap` points. */
  private seriesAfter(from: number, cap: number): Record<string, XY> {
    const out = this.measuredAfter(from, cap);
    for (const [k, c] of this.derived?.windowed ?? []) {
      const s = sliceAfter(c, from, cap);
      if (s.x.length) out[k] = s;
    }
    return out;
  }

  /** The whole run as RunData (call refresh first). */
  data(cap = MAX_POINTS): AnalyzedRunData {
    const m = this.manifest;
    const d = this.derived;
    if (!m || !d) throw new Error(`run ${this.dir} was not loaded`);
    return {
      id: m.id,
      name: m.name,
      createdAt: m.createdAt,
      status: this.status,
      backend: m.backend,
      facts: configFacts(m.config),
      config: d.config,
      lr: d.lr,
      cursor: this.cursor,
      every: this.every(d.layers),
      windowSteps: d.config.windowSteps,
      params: this.params,
      layers: d.layers,
      series: this.seriesAfter(-1, cap),
      theory: d.theory,
      events: this.events,
      analysis: d.view,
      analysisCursor: this.cursor,
    };
  }
}

/** Loads a run folder into RunData in one go (smd report). */
export function loadRunData(dir: string, cap = MAX_POINTS): AnalyzedRunData {
  const c = new RunCache(dir);
  c.refresh();
  return c.data(cap);
}

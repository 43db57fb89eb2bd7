/**
 * RunCache: full-resolution copies of one run's series, grown from the metric store on each
 * refresh (rows after the cached step only), and the RunData / RunDelta built from them:
 * windowed series, mean-field predictions, the per-layer table and alerts. Used once by
 * `smd report`, and per poll by `smd serve` (opened read-only next to a live writer).
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
  layerAlert,
  RADIAL_COS_LIMIT,
  runAssumptions,
  summarizeLayer,
} from '@smd/web/model/layer-summary';
import {
  deltaStarPerStep,
  lastLrChange,
  lrPerStep,
  predictLayer,
  predictRunDelta,
  type PredictionHyper,
} from '@smd/web/model/predictions';
import {
  ACCURACY_NAMES,
  LOSS_NAMES,
  probeKey,
  scalarKey,
  theoryKey,
  type LayerRow,
  type RunAlert,
  type RunData,
  type RunDelta,
  type RunHyper,
} from '@smd/web/model/run-data';
import { downsample, MAX_POINTS, tailMean, trailingMean, type XY } from '@smd/web/model/series';
import { configFacts, hyperFromConfig } from './run-hyper.js';

/** Growable full-resolution series. */
interface Col {
  x: number[];
  y: number[];
}

/** Everything derived at one refresh (replaced wholesale). */
interface Derived {
  hyper: RunHyper;
  layers: string[];
  windowed: Map<string, XY>;
  theory: Record<string, XY>;
  table: LayerRow[];
  alerts: RunAlert[];
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

function sliceAfter(c: XY, from: number, cap: number): XY {
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
const DRAWN_SCALARS = new Set(['lr', ...LOSS_NAMES, ...ACCURACY_NAMES]);

function isDrawn(key: string): boolean {
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

  /** Window length in steps (config `window` or `probes.windowSteps`, else the paper's 200). */
  windowSteps(): number {
    const c = this.manifest?.config ?? {};
    const p = c.probes;
    const nested =
      typeof p === 'object' && p !== null && !Array.isArray(p) ? p.windowSteps : undefined;
    const w = c.window ?? nested;
    return typeof w === 'number' && w >= 1 ? Math.floor(w) : 200;
  }

  private derive(): Derived {
    const config = this.manifest!.config;
    const lrCol = this.col(scalarKey('lr'));
    const lastLr = lrCol.y.length ? lrCol.y[lrCol.y.length - 1] : null;
    const hyper = hyperFromConfig(config, lastLr);
    const info = new Map(this.params.map((p) => [p.name, p]));
    const probed = [
      ...new Set(
        [...this.cols.keys()]
          .filter((k) => k.startsWith('p/') && k.endsWith('/delta_rad'))
          .map((k) => k.slice(2, -'/delta_rad'.length)),
      ),
    ];
    // Scale-invariant first: as declared, else judged by the radial cosine (Lemma 1: ≈ 0).
    const si = (l: string): boolean =>
      info.get(l)?.scaleInvariant ??
      Math.abs(tailMean(this.col(probeKey(l, 'radial_cos')).y, 200)) < RADIAL_COS_LIMIT;
    const layers = probed.sort((a, b) => {
      const sa = si(a) ? 0 : 1;
      const sb = si(b) ? 0 : 1;
      return sa - sb || (a < b ? -1 : a > b ? 1 : 0);
    });
    const every = this.every(layers);
    const windowSteps = this.windowSteps();
    const windowSamples = Math.max(1, Math.ceil(windowSteps / every));
    const windowed = new Map<string, XY>();
    const theory: Record<string, XY> = {};
    const steps = this.cursor + 1;
    const lr = lrPerStep(Math.max(0, steps), lrCol.x, lrCol.y, hyper.lr ?? NaN);
    const ph: PredictionHyper = {
      wd: hyper.wd ?? 0,
      momentum: hyper.momentum,
      rescaleAtDrops: config.rescale === true || this.events.some((e) => e.kind === 'rescale'),
    };
    const allX = Array.from({ length: steps }, (_, t) => t);
    if (steps > 0 && hyper.predictable) {
      const runDelta = predictRunDelta(lr, ph);
      if (runDelta) theory[theoryKey('*', 'delta_mf')] = downsample(allX, runDelta, THEORY_POINTS);
      theory[theoryKey('*', 'delta_star_curve')] = downsample(
        allX,
        deltaStarPerStep(lr, ph),
        MAX_POINTS,
      );
    }
    const change = lastLrChange(lr);
    const table: LayerRow[] = [];
    const alerts: RunAlert[] = [];
    for (const layer of layers) {
      const delta = this.col(probeKey(layer, 'delta_rad'));
      const norm = this.col(probeKey(layer, 'norm'));
      const dw = trailingMean(delta.y, windowSamples);
      windowed.set(probeKey(layer, 'delta_window'), { x: delta.x, y: Array.from(dw) });
      let deltaPredicted = NaN;
      const lw = this.col(probeKey(layer, 'L_window'));
      const pred =
        hyper.predictable && steps > 0 && si(layer)
          ? predictLayer(lr, ph, norm.x, norm.y, lw.x, lw.y)
          : null;
      if (pred) {
        const px = delta.x.filter((t) => t < steps);
        const pd = px.map((t) => pred.delta[t]);
        theory[theoryKey(layer, 'delta_mf')] = downsample(px, pd, THEORY_POINTS);
        theory[theoryKey(layer, 'norm_mf')] = downsample(
          px,
          px.map((t) => pred.norm[t]),
          MAX_POINTS,
        );
        deltaPredicted = tailMean(pd, windowSamples);
      }
      const sgdm = hyper.momentum > 0 && this.cols.has(probeKey(layer, 'h_tilde'));
      const row = summarizeLayer(
        info.get(layer),
        layer,
        {
          delta: delta.y,
          norm: norm.y,
          radialCos: this.col(probeKey(layer, 'radial_cos')).y,
          lWindow: lw.y,
          unitGrad: this.col(probeKey(layer, sgdm ? 'h_tilde' : 'unit_grad_sq_norm')).y,
          deltaStar: this.col(probeKey(layer, 'delta_star')).y,
          wStar: this.col(probeKey(layer, 'w_star')).y,
        },
        deltaPredicted,
        {
          hyper,
          windowSamples,
          windowSteps,
          stepsSinceLrChange: Math.max(0, this.cursor - change.step),
          lrDropFactor: change.factor,
        },
      );
      table.push(row);
      const alert = layerAlert(row, this.cursor, hyper);
      if (alert) alerts.push(alert);
    }
    return { hyper, layers, windowed, theory, table, alerts };
  }

  /** Measured + windowed series the figures draw, with x > from, each down-sampled to `cap` points. */
  private seriesAfter(from: number, cap: number): Record<string, XY> {
    const out: Record<string, XY> = {};
    for (const [k, c] of this.cols) {
      if (!isDrawn(k)) continue;
      const s = sliceAfter(c, from, cap);
      if (s.x.length) out[k] = s;
    }
    for (const [k, c] of this.derived?.windowed ?? []) {
      const s = sliceAfter(c, from, cap);
      if (s.x.length) out[k] = s;
    }
    return out;
  }

  /** The whole run as RunData (call refresh first). */
  data(cap = MAX_POINTS): RunData {
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
      hyper: d.hyper,
      cursor: this.cursor,
      every: this.every(d.layers),
      windowSteps: this.windowSteps(),
      params: this.params,
      layers: d.layers,
      series: this.seriesAfter(-1, cap),
      theory: d.theory,
      events: this.events,
      table: d.table,
      assumptions: runAssumptions(d.hyper),
      alerts: d.alerts,
    };
  }

  /** Rows after step `from` plus fresh predictions (call refresh first). */
  delta(from: number, cap = MAX_POINTS): RunDelta {
    const m = this.manifest;
    const d = this.derived;
    if (!m || !d) throw new Error(`run ${this.dir} was not loaded`);
    const rewound = this.rewound || from > this.cursor;
    return {
      id: m.id,
      from,
      cursor: this.cursor,
      rewound,
      status: this.status,
      hyper: d.hyper,
      layers: d.layers,
      series: rewound ? {} : this.seriesAfter(from, cap),
      theory: from === this.cursor && !rewound ? null : d.theory,
      events: this.events.filter((e) => e.step > from),
      table: d.table,
      assumptions: runAssumptions(d.hyper),
      alerts: d.alerts,
    };
  }
}

/** Loads a run folder into RunData in one go (smd report). */
export function loadRunData(dir: string, cap = MAX_POINTS): RunData {
  const c = new RunCache(dir);
  c.refresh();
  return c.data(cap);
}

/**
 * One run as `smd serve` answers it, in a time bounded independently of the run's length.
 * Measured series: a range of at most `exactRows` rows is min/max down-sampled in SQL
 * (SeriesQuery.maxPoints: SQLite picks the rows, JS gets ≤ cap per series); a longer one comes
 * from the worker's exact down-sampling (cached per last stored step, plus the rows after that
 * step) or, before the worker's first answer, as cap rows found by index seeks, marked
 * `coarse` (SeriesQuery.coarseAbove). The analysis — which reads every row — and the exact
 * series are computed once per last stored step in a worker thread (analysis-worker.ts) and
 * cached here. Until then an answer carries `analysis: null` (the page shows it pending) and no
 * theory or windowed series; a later poll brings them (RunDelta.analysisCursor), and a coarse
 * page's poll (`coarse=1`) the exact series (RunDelta.exact).
 */
import { Worker } from 'node:worker_threads';
import {
  MANIFEST_FILE,
  openRun,
  type MetricQueries,
  type QueriedSeries,
  type Run,
  type SeriesQuery,
} from '@smd/runs';
import { parseRunConfig } from '@smd/smd';
import {
  ACCURACY_NAMES,
  LOSS_NAMES,
  appendSeries,
  finishDownsample,
  probeKey,
  runListEntry,
  scalarKey,
  type RunData,
  type RunDelta,
  type RunListEntry,
  type XY,
} from '@smd/web';
import { join } from 'node:path';
import { configFacts } from '../report/config-facts.js';
import { isDrawn, sliceAfter, type AnalysisParts } from '../report/run-cache.js';
import type { AnalysisReply, AnalysisRequest } from './analysis-worker.js';

/**
 * Rows per series range above which the request path samples by index seeks instead of the
 * exact SQL down-sampling, which numbers every row (~0.1–0.5 s per 10⁵ rows on a loaded core).
 */
export const EXACT_ROWS = 20_000;

/** Measured series of one answer; `coarse` when any of them is index samples. */
interface Measured {
  series: Record<string, XY>;
  coarse: boolean;
}

/** The analysis worker thread of one server: one request per run at a time, answers by run. */
export class Analyst {
  private worker: Worker | null = null;
  private waiting = new Map<string, (r: AnalysisReply) => void>();

  /** Asks for `dir`'s analysis at `cap` points; false when a request for it is in flight already. */
  request(dir: string, cap: number, done: (r: AnalysisReply) => void): boolean {
    if (this.waiting.has(dir)) return false;
    this.waiting.set(dir, done);
    if (!this.worker) {
      // from source (tsx, whose loader the worker inherits through execArgv) or from dist
      const file = import.meta.url.endsWith('.ts') ? 'analysis-worker.ts' : 'analysis-worker.js';
      const w = new Worker(new URL(`./${file}`, import.meta.url));
      w.unref();
      w.on('message', (r: AnalysisReply) => {
        const cb = this.waiting.get(r.dir);
        this.waiting.delete(r.dir);
        cb?.(r);
      });
      w.on('error', (e) => {
        // a crashed worker answers every waiting request with its error; the next one restarts it
        this.worker = null;
        const all = [...this.waiting];
        this.waiting.clear();
        for (const [d, cb] of all) cb({ dir: d, error: `analysis failed: ${e.message}` });
      });
      this.worker = w;
    }
    this.worker.postMessage({ dir, cap } satisfies AnalysisRequest);
    return true;
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}

/** A run's state at one request: the store open, its last complete step. */
interface At {
  run: Run;
  m: MetricQueries;
  ended: number;
}

/** See the module comment. */
export class ServedRun {
  private parts: AnalysisParts | null = null;
  private error: string | null = null;

  constructor(
    readonly dir: string,
    private readonly analyst: Analyst,
    private readonly cap: number,
    private readonly exactRows = EXACT_ROWS,
  ) {}

  private open<T>(f: (at: At) => T): T {
    const run = openRun(this.dir);
    try {
      const ended = run.metrics.endedStep();
      // a rewound store (resume) invalidates an analysis of steps it no longer holds
      if (this.parts && this.parts.cursor > ended) this.parts = null;
      if (this.parts?.cursor !== ended) this.analyze();
      if (this.error !== null) throw new Error(this.error);
      return f({ run, m: run.metrics, ended });
    } finally {
      run.close();
    }
  }

  /** Asks the worker for the analysis at the current last step (once at a time). */
  private analyze(): void {
    this.analyst.request(this.dir, this.cap, (r) => {
      if ('error' in r) this.error = r.error;
      else {
        this.error = null;
        if ('parts' in r) this.parts = r.parts;
      }
    });
  }

  /**
   * Drawn measured series with steps in (from, ended], each down-sampled to the cap in SQL, or
   * index samples (coarse) when its range holds more than exactRows rows.
   */
  private measured(at: At, from: number): Measured {
    const out: Measured = { series: {}, coarse: false };
    const q: SeriesQuery = {
      fromStep: from + 1,
      toStep: at.ended,
      maxPoints: this.cap,
      coarseAbove: Math.max(this.cap, this.exactRows),
    };
    const add = (key: string, s: QueriedSeries): void => {
      if (s.coarse) out.coarse = true;
      const xy = finishDownsample(s.steps, s.values, s.steps.length, null);
      if (xy.x.length) out.series[key] = xy;
    };
    for (const name of at.m.scalarNames()) {
      if (isDrawn(scalarKey(name))) add(scalarKey(name), at.m.readScalars(name, q));
    }
    for (const k of at.m.probeSeries()) {
      const key = probeKey(k.param, k.metric);
      if (k.channel === null && isDrawn(key)) add(key, at.m.readProbe(k.param, k.metric, q));
    }
    return out;
  }

  /**
   * The whole run's measured series: once the worker answered, its exact down-sampling up to
   * its step with the rows after it appended (as a page's polls append them: appendSeries);
   * before, from SQL (coarse on a long run).
   */
  private whole(at: At): Measured {
    const p = this.parts;
    if (!p) return this.measured(at, -1);
    const tail = this.measured(at, p.cursor);
    const series: Record<string, XY> = {};
    for (const [k, xy] of Object.entries(p.measured)) series[k] = { x: [...xy.x], y: [...xy.y] };
    for (const [k, more] of Object.entries(tail.series)) {
      series[k] = series[k] ? appendSeries(series[k], more, this.cap) : more;
    }
    return { series, coarse: tail.coarse };
  }

  /** Windowed series of the cached analysis with x > from, down-sampled. */
  private windowed(from: number): Record<string, XY> {
    const out: Record<string, XY> = {};
    for (const [k, c] of this.parts?.windowed ?? []) {
      const s = sliceAfter(c, from, this.cap);
      if (s.x.length) out[k] = s;
    }
    return out;
  }

  /** Probed tensors: the analysis's order, else model order (params) before any analysis. */
  private layers(at: At): string[] {
    if (this.parts) return this.parts.layers;
    const probed = new Set(
      at.m
        .probeSeries()
        .filter((k) => k.metric === 'delta_rad' && k.channel === null)
        .map((k) => k.param),
    );
    return at.m
      .params()
      .map((p) => p.name)
      .filter((n) => probed.delete(n))
      .concat([...probed].sort());
  }

  private lr(at: At): number | null {
    return at.m.lastScalar('lr', at.ended)?.value ?? null;
  }

  /** The whole run: measured series (coarse on a long run at first), the analysis as far as it is ready. */
  data(): RunData {
    return this.open((at) => {
      const man = at.run.manifest;
      const config = parseRunConfig(man.config, join(this.dir, MANIFEST_FILE));
      const layers = this.layers(at);
      const measured = this.whole(at);
      return {
        ...this.head(at),
        facts: configFacts(man.config),
        config,
        lr: this.lr(at),
        cursor: at.ended,
        every: layers.length ? this.every(at, layers[0]) : 1,
        windowSteps: config.windowSteps,
        params: at.m.params(),
        layers,
        series: { ...measured.series, ...this.windowed(-1) },
        theory: this.parts?.theory ?? {},
        events: at.m.events(0).filter((e) => e.step <= at.ended),
        analysis: this.parts?.view ?? null,
        analysisCursor: this.parts?.cursor ?? -1,
        ...(measured.coarse ? { coarse: true } : {}),
      };
    });
  }

  /** Probe sampling stride: the gap between the first two Δ rows of `layer`. */
  private every(at: At, layer: string): number {
    const s = at.m.readProbe(layer, 'delta_rad', { toStep: at.ended, limit: 2 }).steps;
    return s.length >= 2 ? Math.max(1, s[1] - s[0]) : 1;
  }

  /**
   * Rows after step `from`, and — when the analysis moved past `analysisFrom` (the caller's
   * analysisCursor) — the new analysis, theory and windowed points after `analysisFrom`; for a
   * page holding coarse series (`pageCoarse`), the exact whole-run series once they are ready.
   */
  delta(from: number, analysisFrom: number, pageCoarse = false): RunDelta {
    return this.open((at) => {
      const rewound = from > at.ended;
      const cursor = this.parts?.cursor ?? -1;
      const fresh = cursor !== analysisFrom;
      const whole = !rewound && pageCoarse && this.parts ? this.whole(at) : null;
      const exact = whole && !whole.coarse ? whole.series : null;
      const measured: Measured =
        rewound || exact
          ? { series: {}, coarse: false }
          : from === -1
            ? this.whole(at)
            : this.measured(at, from);
      return {
        id: at.run.manifest.id,
        from,
        cursor: at.ended,
        rewound,
        status: at.run.status(),
        lr: this.lr(at),
        layers: this.layers(at),
        series: rewound
          ? {}
          : { ...measured.series, ...(fresh ? this.windowed(analysisFrom) : {}) },
        theory: fresh ? (this.parts?.theory ?? {}) : null,
        events: at.m.events(from + 1).filter((e) => e.step <= at.ended),
        analysis: this.parts?.view ?? null,
        analysisCursor: cursor,
        coarse: measured.coarse,
        exact,
      };
    });
  }

  /** The run-list row: last loss/accuracy by index lookups, the analysis as far as it is ready. */
  listEntry(lastStep: number | null): RunListEntry {
    return this.open((at) => {
      const man = at.run.manifest;
      const series: Record<string, XY> = {};
      for (const name of [...LOSS_NAMES, ...ACCURACY_NAMES]) {
        const last = at.m.lastScalar(name, at.ended);
        if (last) series[scalarKey(name)] = { x: [last.step], y: [last.value] };
      }
      const run: RunData = {
        ...this.summaryOnly(at),
        config: parseRunConfig(man.config, join(this.dir, MANIFEST_FILE)),
        series,
        analysis: this.parts?.view ?? null,
      };
      return runListEntry(run, lastStep);
    });
  }

  /** The run's identity and status. */
  private head(at: At): Pick<RunData, 'id' | 'name' | 'createdAt' | 'status' | 'backend'> {
    const man = at.run.manifest;
    return {
      id: man.id,
      name: man.name,
      createdAt: man.createdAt,
      status: at.run.status(),
      backend: man.backend,
    };
  }

  private summaryOnly(at: At): Omit<RunData, 'config' | 'series' | 'analysis'> {
    return {
      ...this.head(at),
      facts: {},
      lr: null,
      cursor: at.ended,
      every: 1,
      windowSteps: 0,
      params: [],
      layers: [],
      theory: {},
      events: [],
      analysisCursor: this.parts?.cursor ?? -1,
    };
  }
}

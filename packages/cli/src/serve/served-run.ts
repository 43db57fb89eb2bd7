/**
 * One run as `smd serve` answers it, with a bounded first response on a long run: the measured
 * series come from SQL down-sampling (SeriesQuery.maxPoints: SQLite picks the rows, JS gets
 * ≤ maxPoints per series), and the analysis — which reads every row — is computed once per last
 * stored step in a worker thread (analysis-worker.ts) and cached here. Until it is ready an
 * answer carries `analysis: null` (the page shows it pending) and no theory or windowed series;
 * a later poll brings them (RunDelta.analysisCursor).
 */
import { Worker } from 'node:worker_threads';
import { MANIFEST_FILE, openRun, type MetricQueries, type Run, type SeriesQuery } from '@smd/runs';
import { parseRunConfig } from '@smd/smd';
import {
  ACCURACY_NAMES,
  LOSS_NAMES,
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
import type { AnalysisReply } from './analysis-worker.js';

/** The analysis worker thread of one server: one request per run at a time, answers by run. */
export class Analyst {
  private worker: Worker | null = null;
  private waiting = new Map<string, (r: AnalysisReply) => void>();

  /** Asks for `dir`'s analysis; false when a request for it is in flight already. */
  request(dir: string, done: (r: AnalysisReply) => void): boolean {
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
    this.worker.postMessage(dir);
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
    this.analyst.request(this.dir, (r) => {
      if ('error' in r) this.error = r.error;
      else {
        this.error = null;
        if ('parts' in r) this.parts = r.parts;
      }
    });
  }

  /** Drawn measured series with steps in (from, ended], each down-sampled to `cap` in SQL. */
  private measured(at: At, from: number, cap: number): Record<string, XY> {
    const out: Record<string, XY> = {};
    const q: SeriesQuery = { fromStep: from + 1, toStep: at.ended, maxPoints: cap };
    const add = (key: string, s: { steps: Float64Array; values: Float64Array }): void => {
      if (!isDrawn(key)) return;
      const xy = finishDownsample(s.steps, s.values, s.steps.length, null);
      if (xy.x.length) out[key] = xy;
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

  /** Windowed series of the cached analysis with x > from, down-sampled. */
  private windowed(from: number, cap: number): Record<string, XY> {
    const out: Record<string, XY> = {};
    for (const [k, c] of this.parts?.windowed ?? []) {
      const s = sliceAfter(c, from, cap);
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

  /** The whole run: measured series from SQL, the analysis as far as it is ready. */
  data(cap: number): RunData {
    return this.open((at) => {
      const man = at.run.manifest;
      const config = parseRunConfig(man.config, join(this.dir, MANIFEST_FILE));
      const layers = this.layers(at);
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
        series: { ...this.measured(at, -1, cap), ...this.windowed(-1, cap) },
        theory: this.parts?.theory ?? {},
        events: at.m.events(0).filter((e) => e.step <= at.ended),
        analysis: this.parts?.view ?? null,
        analysisCursor: this.parts?.cursor ?? -1,
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
   * analysisCursor) — the new analysis, theory and windowed points after `analysisFrom`.
   */
  delta(from: number, analysisFrom: number, cap: number): RunDelta {
    return this.open((at) => {
      const rewound = from > at.ended;
      const cursor = this.parts?.cursor ?? -1;
      const fresh = cursor !== analysisFrom;
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
          : { ...this.measured(at, from, cap), ...(fresh ? this.windowed(analysisFrom, cap) : {}) },
        theory: fresh ? (this.parts?.theory ?? {}) : null,
        events: at.m.events(from + 1).filter((e) => e.step <= at.ended),
        analysis: this.parts?.view ?? null,
        analysisCursor: cursor,
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

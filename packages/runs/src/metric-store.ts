/**
 * The run metric store: metrics.sqlite in WAL mode, so one writer (the trainer) and any number
 * of readers (dashboard, `smd runs`, exports) work at once. Writes are buffered in memory and
 * committed in one transaction per step (or per `batchSteps` steps) with prepared statements.
 * Readers only ever see whole committed batches.
 */
import Database from 'better-sqlite3';
import { InputError } from '@smd/formats';
import {
  type EventKind,
  type MetricDelta,
  type ParamInfo,
  type SinceCursor,
  START_CURSOR,
  type ProbeSample,
  isEventKind,
  isProbeMetric,
} from './browser/metric-types.js';
import {
  METRIC_SCHEMA,
  METRIC_SCHEMA_SQL,
  METRIC_SCHEMA_VERSION,
  PROBE_METRIC_IDS,
  WHOLE_TENSOR_CHANNEL,
} from './metric-schema.js';
import { guardReads } from './corrupt-guard.js';
import { MetricQueries } from './metric-queries.js';
import { PendingRows } from './pending-rows.js';

/** Options for {@link MetricStore.open}. */
export interface MetricStoreOptions {
  /** Open read-only (a reader next to a live writer). Default false. */
  readonly?: boolean;
  /**
   * Commit after this many steps were ended with `endStep`. Default 10. Rows not yet committed
   * are lost in a crash, which is harmless: a resume truncates to the checkpoint, and
   * `saveCheckpoint` commits first.
   */
  batchSteps?: number;
  /** Commit at `endStep` anyway when the last commit is older than this (dashboard latency). Default 500 ms. */
  maxLatencyMs?: number;
  /** Commit at `endStep` anyway when this many rows are pending. Default 100 000. */
  maxPendingRows?: number;
  /** Called after every commit (the run uses it to refresh its heartbeat). */
  onCommit?: () => void;
}

/** Throws a one-line error unless `step` is a non-negative safe integer. */
function checkStep(step: number, what: string): void {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(`${what}: step must be a non-negative integer, got ${step}`);
  }
}

/** Stored value: NaN becomes NULL (SQLite has no NaN). */
const toSql = (v: number): number | null => (Number.isNaN(v) ? null : v);

/**
 * Metric store over one metrics.sqlite file. Writer methods buffer rows; `endStep` / `flush`
 * commit them. Reader methods (inherited from {@link MetricQueries}) see committed rows only.
 */
export class MetricStore extends MetricQueries {
  readonly path: string;
  readonly readonly: boolean;
  private readonly opts: Required<Omit<MetricStoreOptions, 'onCommit'>> & {
    onCommit?: () => void;
  };
  private readonly pending = new PendingRows();
  private eventCursor: { step: number; next: number } | null = null;
  private stepsSinceCommit = 0;
  /** Last step declared complete with endStep (-1: none); rows at or before it are refused. */
  private lastEnded = -1;
  private lastCommitMs = performance.now();
  private readonly paramIds = new Map<string, number>();
  private readonly knownScalars = new Set<string>();
  private readonly knownSeries = new Set<number>();
  private closed = false;
  private readonly commitTx: () => void;
  private committedEndedStep = -1;

  private constructor(db: Database.Database, path: string, opts: MetricStoreOptions) {
    super(db);
    this.path = path;
    this.readonly = opts.readonly ?? false;
    this.opts = {
      readonly: this.readonly,
      batchSteps: opts.batchSteps ?? 10,
      maxLatencyMs: opts.maxLatencyMs ?? 500,
      maxPendingRows: opts.maxPendingRows ?? 100_000,
      onCommit: opts.onCommit,
    };
    if (!Number.isSafeInteger(this.opts.batchSteps) || this.opts.batchSteps < 1) {
      throw new RangeError(`batchSteps must be a positive integer, got ${opts.batchSteps}`);
    }
    this.commitTx = this.readonly ? () => {} : this.prepareCommit();
  }

  /** Opens (creating in write mode) the store at `path`. */
  static open(path: string, opts: MetricStoreOptions = {}): MetricStore {
    const ro = opts.readonly ?? false;
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: ro, fileMustExist: ro });
      db.pragma(`busy_timeout = ${METRIC_SCHEMA.pragmas.busy_timeout}`);
      // A reader's queries turn "malformed" SQLite errors into one-line InputErrors.
      if (ro) db = guardReads(db, path);
    } catch (e) {
      throw new InputError(`${path}: cannot open metric store (${(e as Error).message})`);
    }
    const pragmas = METRIC_SCHEMA.pragmas;
    if (!ro) {
      db.pragma(`journal_mode = ${pragmas.journal_mode}`);
      // NORMAL: a commit survives a process crash (SIGKILL); checkpoints call syncToDisk().
      db.pragma(`synchronous = ${pragmas.synchronous}`);
      // Each commit dirties one leaf page per probe series (~220); checkpointing the WAL every
      // 1000 pages (the default) made per-step commits 3x slower. 10000 pages ≈ 40 MB of WAL.
      db.pragma(`wal_autocheckpoint = ${pragmas.wal_autocheckpoint}`);
      db.exec(METRIC_SCHEMA_SQL);
      const ins = db.prepare('INSERT OR IGNORE INTO probe_metrics (id, name) VALUES (?, ?)');
      const insMeta = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
      db.transaction(() => {
        for (const [name, id] of PROBE_METRIC_IDS) ins.run(id, name);
        insMeta.run('schema_version', String(METRIC_SCHEMA_VERSION));
      })();
    }
    let version: number | null;
    try {
      version = MetricQueries.schemaVersion(db);
    } catch (e) {
      db.close();
      throw new InputError(`${path}: cannot open metric store (${(e as Error).message})`);
    }
    if (version !== METRIC_SCHEMA_VERSION) {
      db.close();
      throw new InputError(
        `${path}: metric store schema_version must be ${METRIC_SCHEMA_VERSION}, got ${version}`,
      );
    }
    const store = new MetricStore(db, path, opts);
    store.lastEnded = MetricQueries.endedStepOf(db);
    store.committedEndedStep = store.lastEnded;
    return store;
  }

  private checkOpenStep(step: number, what: string): void {
    checkStep(step, what);
    if (step <= this.lastEnded) {
      throw new RangeError(
        `${what}: step ${step} was already ended (endStep(${this.lastEnded})); log a step's rows before ending it`,
      );
    }
  }

  private assertWritable(what: string): void {
    if (this.closed) throw new Error(`${this.path}: ${what} on a closed metric store`);
    if (this.readonly) throw new Error(`${this.path}: ${what} on a read-only metric store`);
  }

  /** Buffers one scalar (loss, lr, accuracy, images_per_s, …) for `step`. */
  logScalar(step: number, name: string, value: number): void {
    this.assertWritable('logScalar');
    this.checkOpenStep(step, `scalar '${name}'`);
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`scalar name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    this.pending.scalar(step, name, toSql(value));
  }

  /** Buffers several scalars of one step: `logScalars(10, { loss: 2.3, lr: 0.1 })`. */
  logScalars(step: number, values: Record<string, number>): void {
    for (const name in values) this.logScalar(step, name, values[name]);
  }

  /** Buffers one probe sample; `channel` null/omitted for the whole tensor. */
  logProbe(sample: ProbeSample): void {
    this.assertWritable('logProbe');
    const { step, param, metric, value } = sample;
    this.checkOpenStep(step, `probe '${param}'`);
    if (!isProbeMetric(metric)) {
      throw new TypeError(`probe metric must be one of the ProbeMetric union, got '${metric}'`);
    }
    const ch = sample.channel ?? WHOLE_TENSOR_CHANNEL;
    if (ch !== WHOLE_TENSOR_CHANNEL && (!Number.isSafeInteger(ch) || ch < 0 || ch >= 2 ** 20)) {
      throw new RangeError(`probe channel must be null or an integer in [0, 2^20), got ${ch}`);
    }
    this.pending.probe(step, param, PROBE_METRIC_IDS.get(metric)!, ch, toSql(value));
  }

  /** Buffers many probe samples. */
  logProbes(samples: Iterable<ProbeSample>): void {
    for (const s of samples) this.logProbe(s);
  }

  /** Buffers an event; events of one step are numbered 0, 1, … in the order logged. */
  logEvent(step: number, kind: EventKind, message: string): void {
    this.assertWritable('logEvent');
    checkStep(step, `event '${kind}'`);
    if (!isEventKind(kind)) throw new TypeError(`event kind must be an EventKind, got '${kind}'`);
    if (this.eventCursor === null || this.eventCursor.step !== step) {
      const row = this.db
        .prepare('SELECT COALESCE(MAX(seq) + 1, 0) AS n FROM events WHERE step = ?')
        .get(step) as { n: number };
      let next = row.n;
      for (const e of this.pending.events) if (e.step === step) next = Math.max(next, e.seq + 1);
      this.eventCursor = { step, next };
    }
    this.pending.events.push({
      step,
      seq: this.eventCursor.next++,
      kind,
      message: String(message),
    });
  }

  /** Records (or updates) static facts about parameter tensors; committed immediately. */
  declareParams(infos: Iterable<ParamInfo>): void {
    this.assertWritable('declareParams');
    const up = this.db.prepare(
      `INSERT INTO params (name, shape, scale_invariant, reason) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET shape = excluded.shape,
         scale_invariant = excluded.scale_invariant, reason = excluded.reason`,
    );
    this.db.transaction(() => {
      for (const p of infos) {
        if (p.shape !== null && !p.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
          throw new RangeError(`param '${p.name}': shape must be non-negative integers`);
        }
        up.run(
          p.name,
          p.shape === null ? null : JSON.stringify(p.shape),
          p.scaleInvariant === null ? null : p.scaleInvariant ? 1 : 0,
          p.reason ?? '',
        );
      }
    })();
  }

  /** Number of buffered, uncommitted rows. */
  get pendingRows(): number {
    return this.pending.size;
  }

  /**
   * Declares every scalar and probe row of steps <= `step` logged (live readers show a step only
   * once it is ended) and commits when `batchSteps` steps were ended since the last commit, the
   * last commit is older than `maxLatencyMs`, or too many rows are pending.
   */
  endStep(step: number): void {
    this.assertWritable('endStep');
    checkStep(step, 'endStep');
    if (step < this.lastEnded) {
      throw new RangeError(`endStep: step ${step} is before the last ended step ${this.lastEnded}`);
    }
    this.lastEnded = step;
    this.stepsSinceCommit++;
    if (
      this.stepsSinceCommit >= this.opts.batchSteps ||
      performance.now() - this.lastCommitMs >= this.opts.maxLatencyMs ||
      this.pendingRows >= this.opts.maxPendingRows
    ) {
      this.flush();
    }
  }

  /** Commits every buffered row (and the ended step) now, in one transaction. */
  flush(): void {
    this.assertWritable('flush');
    if (this.pendingRows > 0 || this.lastEnded !== this.committedEndedStep) this.commitTx();
    this.stepsSinceCommit = 0;
    this.lastCommitMs = performance.now();
    this.opts.onCommit?.();
  }

  private prepareCommit(): () => void {
    const db = this.db;
    const insScalar = db.prepare('INSERT INTO scalars (step, name, value) VALUES (?, ?, ?)');
    const insScalarName = db.prepare('INSERT OR IGNORE INTO scalar_names (name) VALUES (?)');
    const insProbe = db.prepare(
      'INSERT INTO probes (step, param_id, metric_id, channel, value) VALUES (?, ?, ?, ?, ?)',
    );
    const insSeries = db.prepare(
      'INSERT OR IGNORE INTO probe_series (param_id, metric_id, channel) VALUES (?, ?, ?)',
    );
    const insParam = db.prepare('INSERT OR IGNORE INTO params (name) VALUES (?)');
    const getParam = db.prepare('SELECT id FROM params WHERE name = ?').pluck();
    const insEvent = db.prepare(
      'INSERT INTO events (step, seq, kind, message) VALUES (?, ?, ?, ?)',
    );
    const setEnded = db.prepare(
      "INSERT INTO meta (key, value) VALUES ('ended_step', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    const paramId = (name: string): number => {
      let id = this.paramIds.get(name);
      if (id === undefined) {
        insParam.run(name);
        id = getParam.get(name) as number;
        this.paramIds.set(name, id);
      }
      return id;
    };
    const tx = db.transaction(() => {
      const { sStep, sName, sValue, pStep, pParam, pMetric, pChannel, pValue } = this.pending;
      for (let i = 0; i < sStep.length; i++) {
        const name = sName[i];
        if (!this.knownScalars.has(name)) {
          insScalarName.run(name);
          this.knownScalars.add(name);
        }
        insScalar.run(sStep[i], name, sValue[i]);
      }
      for (let i = 0; i < pStep.length; i++) {
        const pid = paramId(pParam[i]);
        // Unique for channel < 2^20 and metric id < 16; channel -1 maps to 0.
        const key = (pid * 16 + pMetric[i]) * 2 ** 20 + pChannel[i] + 1;
        if (!this.knownSeries.has(key)) {
          insSeries.run(pid, pMetric[i], pChannel[i]);
          this.knownSeries.add(key);
        }
        insProbe.run(pStep[i], pid, pMetric[i], pChannel[i], pValue[i]);
      }
      for (const e of this.pending.events) insEvent.run(e.step, e.seq, e.kind, e.message);
      setEnded.run(String(this.lastEnded));
    });
    return () => {
      try {
        tx();
      } catch (e) {
        // The rollback undid any params/catalog rows inserted by this batch: forget their ids.
        this.paramIds.clear();
        this.knownScalars.clear();
        this.knownSeries.clear();
        const err = e as Error & { code?: string };
        if (err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          // A row for an already-logged (step, key): the batch is dropped, nothing half-written.
          this.pending.clear();
          throw new Error(
            `${this.path}: duplicate metric row (a step was logged twice; after resuming, ` +
              `call truncateAfter(checkpointStep) first): ${err.message}`,
          );
        }
        throw e;
      }
      this.pending.clear();
      this.committedEndedStep = this.lastEnded;
    };
  }

  /**
   * Deletes every row (scalars, probes, events) logged after `step`, committed or pending: call
   * it with the checkpoint step when resuming so the resumed run neither duplicates nor skips.
   */
  truncateAfter(step: number): void {
    this.assertWritable('truncateAfter');
    if (!Number.isSafeInteger(step) || step < -1) {
      throw new RangeError(`truncateAfter: step must be an integer >= -1, got ${step}`);
    }
    this.pending.keepUpTo(step);
    this.flush();
    const tables = ['scalars', 'probes', 'events'];
    this.lastEnded = Math.min(this.lastEnded, step);
    this.db.transaction(() => {
      for (const t of tables) this.db.prepare(`DELETE FROM ${t} WHERE step > ?`).run(step);
      this.db
        .prepare("UPDATE meta SET value = ? WHERE key = 'ended_step'")
        .run(String(this.lastEnded));
    })();
    this.committedEndedStep = this.lastEnded;
    this.eventCursor = null;
  }

  /** Makes committed rows durable against power loss too (WAL fsync + passive checkpoint). */
  syncToDisk(): void {
    this.assertWritable('syncToDisk');
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  /**
   * What was committed after `cursor` (rows of complete steps, new events), and the next
   * cursor: `let c = START_CURSOR; for (;;) { const d = store.since(c); …; c = d.cursor; }`.
   */
  since(cursor: SinceCursor = START_CURSOR): MetricDelta {
    return this.querySince(cursor);
  }

  /** Flushes (in write mode) and closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    if (!this.readonly) this.flush();
    this.closed = true;
    this.db.close();
  }
}

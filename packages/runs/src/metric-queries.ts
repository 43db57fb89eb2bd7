/**
 * Read side of the metric store (works on a read-only connection next to a live writer).
 * Every query sees one consistent snapshot of committed rows.
 */
import type Database from 'better-sqlite3';
import {
  type EventRow,
  type MetricDelta,
  type ParamInfo,
  type ProbeMetric,
  type ProbeRow,
  type ScalarRow,
  type Series,
  type SinceCursor,
  isProbeMetric,
  PROBE_METRICS,
} from './browser/metric-types.js';
import { PROBE_METRIC_IDS, WHOLE_TENSOR_CHANNEL } from './metric-schema.js';

/** Range options of the series readers. */
export interface SeriesQuery {
  /** First step included. Default 0. */
  fromStep?: number;
  /** Last step included. Default: no limit. */
  toStep?: number;
  /** Keep every `stride`-th logged row (1st, 1+stride-th, …). Default 1. */
  stride?: number;
  /** At most this many rows (the first ones). Default: no limit. */
  limit?: number;
  /**
   * Min/max down-sampling done in SQL, without reading every row into JS: when the range holds
   * more than cap = max(8, ⌊maxPoints⌋) rows, only its first and last rows and, of
   * ⌊(cap − 2) / 2⌋ equal row-index buckets over the rows between them, each bucket's first
   * finite minimum and first finite maximum — the rows @smd/web's `downsample` picks (the caller
   * finishes with its `finishDownsample`). Not combined with `stride`.
   */
  maxPoints?: number;
  /**
   * With maxPoints: when the range holds more than this many rows, return instead at most cap
   * rows found by index seeks — the first and last rows and the first row at or after each of
   * cap − 2 equally spaced steps between them — and set `coarse` on the result. Cost
   * O(cap · log n) and a row count bounded by this value, whatever the run's length (the
   * dashboard's first answer on a 10⁶-step run); the exact down-sampling reads every row.
   */
  coarseAbove?: number;
}

/** A series as the readers return it; `coarse` when SeriesQuery.coarseAbove sampled it. */
export type QueriedSeries = Series & { coarse?: true };

/** Largest finite double: `value BETWEEN -MAX AND MAX` is false for ±Inf and NULL (NaN). */
const FINITE = 'value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308';

/**
 * The rows of `inner` (step, value ordered by step, n rows) that min/max down-sampling keeps:
 * row index rn, inner = n − 2 rows between the ends, bucket of rn = ⌊(rn·B − 1) / inner⌋ (the
 * b with ⌊b·inner/B⌋ < rn ≤ ⌊(b+1)·inner/B⌋, i.e. downsample's [lo, hi)).
 */
function bucketPicks(inner: string, n: number, buckets: number): string {
  return `WITH s AS MATERIALIZED (SELECT step, value, ROW_NUMBER() OVER (ORDER BY step) - 1 AS rn
      FROM (${inner})),
    f AS MATERIALIZED (SELECT rn, value, (rn * ${buckets} - 1) / ${n - 2} AS b FROM s
      WHERE rn BETWEEN 1 AND ${n - 2} AND ${FINITE}),
    m AS (SELECT b, MIN(value) AS lo, MAX(value) AS hi FROM f GROUP BY b),
    pick AS (SELECT MIN(CASE WHEN f.value = m.lo THEN f.rn END) AS a,
      MIN(CASE WHEN f.value = m.hi THEN f.rn END) AS z FROM f JOIN m USING (b) GROUP BY b)
    SELECT step, value FROM s WHERE rn = 0 OR rn = ${n - 1}
      OR rn IN (SELECT a FROM pick UNION SELECT z FROM pick) ORDER BY step`;
}

type Row = [step: number, value: number | null];

/**
 * At most `cap` rows of the series `sql` (a SELECT step, value … WHERE …) in [from, to], by
 * index seeks: the first and last rows, and the first row at or after each of cap − 2 equally
 * spaced steps between them (a step reached twice is kept once).
 */
function seekSamples(
  db: Database.Database,
  sql: string,
  args: unknown[],
  from: number,
  to: number,
  cap: number,
): Row[] {
  const where = `${sql} AND step >= ? AND step <= ?`;
  const first = db.prepare(`${where} ORDER BY step LIMIT 1`).raw();
  const last = db.prepare(`${where} ORDER BY step DESC LIMIT 1`).raw();
  const a = first.get(...args, from, to) as Row | undefined;
  const z = last.get(...args, from, to) as Row | undefined;
  if (!a || !z || a[0] === z[0]) return a ? [a] : [];
  const rows: Row[] = [a];
  const span = z[0] - a[0];
  for (let i = 1; i < cap - 1; i++) {
    const target = a[0] + Math.ceil((i * span) / (cap - 1));
    if (target <= rows[rows.length - 1][0]) continue;
    const r = first.get(...args, target, z[0] - 1) as Row | undefined;
    if (r && r[0] > rows[rows.length - 1][0]) rows.push(r);
  }
  rows.push(z);
  return rows;
}

/** Rows (step, value|null) as a Series (NULL → NaN). */
function toSeries(rows: Row[]): Series {
  const steps = new Float64Array(rows.length);
  const values = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    steps[i] = rows[i][0];
    values[i] = fromSql(rows[i][1]);
  }
  return { steps, values };
}

/** Options of {@link MetricQueries.readProbe}. */
export interface ProbeQuery extends SeriesQuery {
  /** Output channel; null/omitted for the whole-tensor series. */
  channel?: number | null;
}

/** One probe series present in the store. */
export interface ProbeSeriesKey {
  param: string;
  metric: ProbeMetric;
  channel: number | null;
}

/** Full, deterministically ordered contents of the store (tests, small exports). */
export interface MetricDump {
  scalars: ScalarRow[];
  probes: ProbeRow[];
  events: EventRow[];
  params: ParamInfo[];
}

interface RawProbe {
  step: number;
  param: string;
  metric_id: number;
  channel: number;
  value: number | null;
}
interface RawParam {
  name: string;
  shape: string | null;
  scale_invariant: number | null;
  reason: string;
}

const fromSql = (v: number | null): number => (v === null ? NaN : v);
const metricName = (id: number): ProbeMetric => PROBE_METRICS[id - 1];
const toProbeRow = (r: RawProbe): ProbeRow => ({
  step: r.step,
  param: r.param,
  metric: metricName(r.metric_id),
  value: fromSql(r.value),
  channel: r.channel === WHOLE_TENSOR_CHANNEL ? null : r.channel,
});
const toScalarRow = (r: { step: number; name: string; value: number | null }): ScalarRow => ({
  step: r.step,
  name: r.name,
  value: fromSql(r.value),
});

const PROBE_SELECT = `SELECT p.step AS step, pa.name AS param, p.metric_id AS metric_id,
  p.channel AS channel, p.value AS value FROM probes p JOIN params pa ON pa.id = p.param_id`;

/** Read-only queries over an open metrics.sqlite connection. */
export class MetricQueries {
  protected readonly db: Database.Database;

  protected constructor(db: Database.Database) {
    this.db = db;
  }

  /** meta.schema_version of `db`, or null if missing. */
  static schemaVersion(db: Database.Database): number | null {
    try {
      const v = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get();
      return v === undefined ? null : Number(v);
    } catch {
      return null;
    }
  }

  /** meta.ended_step of `db` (the last complete step), or -1. */
  static endedStepOf(db: Database.Database): number {
    try {
      const v = db.prepare("SELECT value FROM meta WHERE key = 'ended_step'").pluck().get();
      return v === undefined ? -1 : Number(v);
    } catch {
      return -1;
    }
  }

  /** Last step the writer declared complete, or -1. */
  endedStep(): number {
    return MetricQueries.endedStepOf(this.db);
  }

  /** Highest step with any row, or null for an empty store. */
  latestStep(): number | null {
    const v = this.db
      .prepare(
        `SELECT MAX(s) FROM (SELECT MAX(step) AS s FROM scalars UNION ALL
         SELECT MAX(step) FROM probes UNION ALL SELECT MAX(step) FROM events)`,
      )
      .pluck()
      .get() as number | null;
    return v ?? null;
  }

  private readSeries(sql: string, args: unknown[], q: SeriesQuery, what: string): QueriedSeries {
    const from = q.fromStep ?? 0;
    const to = q.toStep ?? Number.MAX_SAFE_INTEGER;
    const stride = q.stride ?? 1;
    if (!Number.isSafeInteger(stride) || stride < 1) {
      throw new RangeError(`${what}: stride must be a positive integer, got ${stride}`);
    }
    const limit =
      q.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(Number(q.limit)) || 0)}`;
    const inner = `${sql} AND step >= ? AND step <= ? ORDER BY step${limit}`;
    let full =
      stride === 1
        ? inner
        : `SELECT step, value FROM (SELECT step, value, (ROW_NUMBER() OVER (ORDER BY step) - 1)
             AS rn FROM (${inner})) WHERE rn % ${stride} = 0 ORDER BY step`;
    if (q.maxPoints !== undefined) {
      if (stride !== 1 || !(q.maxPoints >= 0))
        throw new RangeError(`${what}: maxPoints must be >= 0 and without stride`);
      const cap = Math.max(8, Math.floor(q.maxPoints));
      const above = q.coarseAbove;
      if (above !== undefined && !(Number.isSafeInteger(above) && above >= cap))
        throw new RangeError(`${what}: coarseAbove must be an integer >= maxPoints`);
      // counting stops after coarseAbove + 1 rows: a bounded index scan
      const bound = above === undefined ? '' : ` LIMIT ${above + 1}`;
      const n = this.db
        .prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM (${inner})${bound})`)
        .pluck()
        .get(...args, from, to) as number;
      if (above !== undefined && n > above) {
        return { ...toSeries(seekSamples(this.db, sql, args, from, to, cap)), coarse: true };
      }
      if (n > cap) full = bucketPicks(inner, n, Math.floor((cap - 2) / 2));
    }
    return toSeries(
      this.db
        .prepare(full)
        .raw()
        .all(...args, from, to) as [number, number | null][],
    );
  }

  /** The series of scalar `name` (e.g. 'loss'), ascending steps. Empty if never logged. */
  readScalars(name: string, q: SeriesQuery = {}): QueriedSeries {
    return this.readSeries(
      'SELECT step, value FROM scalars WHERE name = ?',
      [name],
      q,
      `readScalars('${name}')`,
    );
  }

  /** The last finite value of scalar `name` at or before `toStep` (index lookup), or null. */
  lastScalar(name: string, toStep: number): { step: number; value: number } | null {
    const r = this.db
      .prepare(
        `SELECT step, value FROM scalars WHERE name = ? AND step <= ? AND ${FINITE}
         ORDER BY step DESC LIMIT 1`,
      )
      .get(name, toStep) as { step: number; value: number } | undefined;
    return r ?? null;
  }

  /** The series of `metric` for tensor `param` (one channel or the whole tensor). */
  readProbe(param: string, metric: ProbeMetric, q: ProbeQuery = {}): QueriedSeries {
    if (!isProbeMetric(metric)) {
      throw new TypeError(`readProbe: metric must be a ProbeMetric, got '${metric}'`);
    }
    const ch = q.channel ?? WHOLE_TENSOR_CHANNEL;
    return this.readSeries(
      `SELECT step, value FROM probes WHERE param_id = (SELECT id FROM params WHERE name = ?)
       AND metric_id = ? AND channel = ?`,
      [param, PROBE_METRIC_IDS.get(metric), ch],
      q,
      `readProbe('${param}', '${metric}')`,
    );
  }

  /** Names of every scalar series ever logged, sorted. */
  scalarNames(): string[] {
    return this.db.prepare('SELECT name FROM scalar_names ORDER BY name').pluck().all() as string[];
  }

  /** Every probe series ever logged, sorted by param, metric, channel. */
  probeSeries(): ProbeSeriesKey[] {
    const rows = this.db
      .prepare(
        `SELECT pa.name AS param, s.metric_id AS metric_id, s.channel AS channel
         FROM probe_series s JOIN params pa ON pa.id = s.param_id
         ORDER BY pa.name, s.metric_id, s.channel`,
      )
      .all() as { param: string; metric_id: number; channel: number }[];
    return rows.map((r) => ({
      param: r.param,
      metric: metricName(r.metric_id),
      channel: r.channel === WHOLE_TENSOR_CHANNEL ? null : r.channel,
    }));
  }

  /** Tensor info table, sorted by name. */
  params(): ParamInfo[] {
    const rows = this.db
      .prepare('SELECT name, shape, scale_invariant, reason FROM params ORDER BY name')
      .all() as RawParam[];
    return rows.map((r) => ({
      name: r.name,
      shape: r.shape === null ? null : (JSON.parse(r.shape) as number[]),
      scaleInvariant: r.scale_invariant === null ? null : r.scale_invariant === 1,
      reason: r.reason,
    }));
  }

  /** Events with step >= fromStep, in (step, seq) order. */
  events(fromStep = 0): EventRow[] {
    return this.db
      .prepare('SELECT step, seq, kind, message FROM events WHERE step >= ? ORDER BY step, seq')
      .all(fromStep) as EventRow[];
  }

  /** Rows of complete steps after cursor.step and events after cursor.event, in one snapshot. */
  protected querySince(cursor: SinceCursor): MetricDelta {
    return this.db.transaction(() => {
      const ended = MetricQueries.endedStepOf(this.db);
      const rewound = ended < cursor.step;
      const from = rewound ? ended : cursor.step;
      const scalars = (
        this.db
          .prepare(
            'SELECT step, name, value FROM scalars WHERE step > ? AND step <= ? ORDER BY step, name',
          )
          .all(from, ended) as { step: number; name: string; value: number | null }[]
      ).map(toScalarRow);
      const probes = (
        this.db
          .prepare(
            `${PROBE_SELECT} WHERE p.step > ? AND p.step <= ? ORDER BY p.step, pa.name, p.metric_id, p.channel`,
          )
          .all(from, ended) as RawProbe[]
      ).map(toProbeRow);
      const evRows = this.db
        .prepare('SELECT id, step, seq, kind, message FROM events WHERE id > ? ORDER BY id')
        .all(cursor.event) as (EventRow & { id: number })[];
      const lastEvent = evRows.length ? evRows[evRows.length - 1].id : cursor.event;
      const events = evRows.map(({ step, seq, kind, message }) => ({ step, seq, kind, message }));
      return { scalars, probes, events, cursor: { step: ended, event: lastEvent }, rewound };
    })();
  }

  /** Iterates scalar rows ordered by (step, name) without loading them all. */
  *iterateScalars(): IterableIterator<ScalarRow> {
    const it = this.db
      .prepare('SELECT step, name, value FROM scalars ORDER BY step, name')
      .iterate() as IterableIterator<{ step: number; name: string; value: number | null }>;
    for (const r of it) yield toScalarRow(r);
  }

  /** Iterates probe rows ordered by (step, param, metric, channel). */
  *iterateProbes(): IterableIterator<ProbeRow> {
    const it = this.db
      .prepare(`${PROBE_SELECT} ORDER BY p.step, pa.name, p.metric_id, p.channel`)
      .iterate() as IterableIterator<RawProbe>;
    for (const r of it) yield toProbeRow(r);
  }

  /** The whole store, deterministically ordered (for tests and small exports). */
  dump(): MetricDump {
    return this.db.transaction(() => ({
      scalars: [...this.iterateScalars()],
      probes: [...this.iterateProbes()],
      events: this.events(0),
      params: this.params(),
    }))();
  }
}

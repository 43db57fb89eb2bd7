/**
 * SQLite schema of metrics.sqlite. Probe rows store integer ids for param and metric (compact,
 * ~20 layers × 10 metrics per step); the `probe_samples` view joins the names back for humans.
 * meta.ended_step is the last step the writer declared complete (`endStep`); live readers only
 * return rows up to it, so they never see half a step. Events carry an AUTOINCREMENT id (never
 * reused, even after truncation) that live readers use as their cursor.
 * `channel` is -1 in the table for whole-tensor values (SQLite primary keys cannot hold NULL
 * and still reject duplicates); the view and the API turn -1 into NULL. A NULL `value` is NaN.
 */
import { EVENT_KINDS, PROBE_METRICS } from './browser/metric-types.js';

/** Bumped on incompatible schema changes; stored in meta.schema_version. */
export const METRIC_SCHEMA_VERSION = 1;

/** Channel value stored for whole-tensor samples. */
export const WHOLE_TENSOR_CHANNEL = -1;

const quoteList = (xs: readonly string[]): string => xs.map((x) => `'${x}'`).join(', ');

/** DDL creating every table, index and view (idempotent). */
export const METRIC_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scalars (
  step INTEGER NOT NULL, name TEXT NOT NULL, value REAL,
  PRIMARY KEY (name, step)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS scalars_by_step ON scalars (step);
CREATE TABLE IF NOT EXISTS scalar_names (name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS params (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
  shape TEXT, scale_invariant INTEGER, reason TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS probe_metrics (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE CHECK (name IN (${quoteList(PROBE_METRICS)})));
CREATE TABLE IF NOT EXISTS probes (
  step INTEGER NOT NULL,
  param_id INTEGER NOT NULL REFERENCES params (id),
  metric_id INTEGER NOT NULL REFERENCES probe_metrics (id),
  channel INTEGER NOT NULL DEFAULT ${WHOLE_TENSOR_CHANNEL},
  value REAL,
  PRIMARY KEY (param_id, metric_id, channel, step)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS probes_by_step ON probes (step);
CREATE TABLE IF NOT EXISTS probe_series (
  param_id INTEGER NOT NULL, metric_id INTEGER NOT NULL, channel INTEGER NOT NULL,
  PRIMARY KEY (param_id, metric_id, channel)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  step INTEGER NOT NULL, seq INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN (${quoteList(EVENT_KINDS)})),
  message TEXT NOT NULL,
  UNIQUE (step, seq));
CREATE VIEW IF NOT EXISTS probe_samples AS
  SELECT p.step AS step, pa.name AS param, m.name AS metric,
         NULLIF(p.channel, ${WHOLE_TENSOR_CHANNEL}) AS channel, p.value AS value
  FROM probes p JOIN params pa ON pa.id = p.param_id JOIN probe_metrics m ON m.id = p.metric_id;
`;

/** Metric id stored in probes.metric_id: 1-based position in PROBE_METRICS (fixed forever). */
export const PROBE_METRIC_IDS: ReadonlyMap<string, number> = new Map(
  PROBE_METRICS.map((m, i) => [m, i + 1]),
);

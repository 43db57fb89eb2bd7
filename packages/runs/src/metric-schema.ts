/**
 * SQLite schema of metrics.sqlite, loaded from packages/runs/schema/metric-store.json — the one
 * definition that the PyTorch writer (integrations/pytorch/smd_torch/schema.py) reads too; the
 * file's comment explains the tables. This module checks that the file's metric and event lists
 * are exactly the TS unions (ids in the store are positions in PROBE_METRICS) and expands the
 * DDL placeholders.
 */
import { readFileSync } from 'node:fs';
import { EVENT_KINDS, PROBE_METRICS } from './browser/metric-types.js';

/** The parsed schema file. */
export interface MetricSchemaFile {
  version: number;
  wholeTensorChannel: number;
  probeMetrics: string[];
  eventKinds: string[];
  pragmas: {
    journal_mode: string;
    synchronous: string;
    wal_autocheckpoint: number;
    busy_timeout: number;
  };
  sql: string[];
}

/** Absolute path of the schema file (same relative place from src/ and dist/). */
export const METRIC_SCHEMA_FILE = new URL('../schema/metric-store.json', import.meta.url);

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

function loadSchema(): MetricSchemaFile {
  const s = JSON.parse(readFileSync(METRIC_SCHEMA_FILE, 'utf8')) as MetricSchemaFile;
  if (!sameList(s.probeMetrics, PROBE_METRICS) || !sameList(s.eventKinds, EVENT_KINDS)) {
    throw new Error(
      `${METRIC_SCHEMA_FILE.pathname}: probeMetrics/eventKinds differ from PROBE_METRICS/EVENT_KINDS in browser/metric-types.ts`,
    );
  }
  return s;
}

/** The schema file's contents. */
export const METRIC_SCHEMA: Readonly<MetricSchemaFile> = loadSchema();

/** Bumped on incompatible schema changes; stored in meta.schema_version. */
export const METRIC_SCHEMA_VERSION = METRIC_SCHEMA.version;

/** Channel value stored for whole-tensor samples. */
export const WHOLE_TENSOR_CHANNEL = METRIC_SCHEMA.wholeTensorChannel;

const quoteList = (xs: readonly string[]): string => xs.map((x) => `'${x}'`).join(', ');

/** DDL creating every table, index and view (idempotent). */
export const METRIC_SCHEMA_SQL = METRIC_SCHEMA.sql
  .join('\n')
  .replaceAll('{{PROBE_METRICS}}', quoteList(METRIC_SCHEMA.probeMetrics))
  .replaceAll('{{EVENT_KINDS}}', quoteList(METRIC_SCHEMA.eventKinds))
  .replaceAll('{{WHOLE_TENSOR_CHANNEL}}', String(METRIC_SCHEMA.wholeTensorChannel));

/** Metric id stored in probes.metric_id: 1-based position in PROBE_METRICS (fixed forever). */
export const PROBE_METRIC_IDS: ReadonlyMap<string, number> = new Map(
  PROBE_METRICS.map((m, i) => [m, i + 1]),
);

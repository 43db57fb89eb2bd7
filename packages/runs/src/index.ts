/** @smd/runs: run manifest, crash-safe metric store, checkpoints and resume (Node). */
export const RUNS_PACKAGE = '@smd/runs';

export * from './browser/index.js';
export {
  CHECKPOINT_DIR,
  LOCK_FILE,
  LOG_FILE,
  MANIFEST_FILE,
  METRICS_FILE,
  STATUS_FILE,
} from './layout.js';
export { type AtomicWriteOptions, fsyncDir, tempPathFor, writeFileAtomic } from './fs-atomic.js';
export { describeMachine } from './machine.js';
export { METRIC_SCHEMA_VERSION } from './metric-schema.js';
export { type MetricStoreOptions, MetricStore } from './metric-store.js';
export {
  type MetricDump,
  type ProbeQuery,
  type ProbeSeriesKey,
  type QueriedSeries,
  type SeriesQuery,
  MetricQueries,
} from './metric-queries.js';
export { type LogLevel, type LogLine, RunLog, formatLogLines, readRunLog } from './run-log.js';
export {
  type LockInfo,
  type StatusInfo,
  DEFAULT_STALE_MS,
  deriveStatus,
  readLock,
  readStatusFile,
} from './run-lock.js';
export {
  type CreateRunOptions,
  type OpenRunOptions,
  Run,
  createRun,
  openRun,
  readManifest,
} from './run.js';
export { type InvalidRun, type RunSummary, listRuns } from './list-runs.js';
export {
  type CheckpointData,
  type CheckpointEntry,
  type LoadedCheckpoint,
  type SaveCheckpointOptions,
  CHECKPOINT_FORMAT,
  checkpointPath,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint.js';
export {
  type ExportFormat,
  type ExportResult,
  EXPORT_FORMATS,
  exportMetrics,
  longRows,
} from './export-metrics.js';
export { type ResumedRun, resumeRun } from './resume.js';

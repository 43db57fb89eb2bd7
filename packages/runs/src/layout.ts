/** File names inside a run folder `<root>/<id>/`. */

/** Resolved config and everything that affects a number (atomic JSON). */
export const MANIFEST_FILE = 'manifest.json';
/** SQLite metric store (WAL mode; -wal and -shm files live beside it). */
export const METRICS_FILE = 'metrics.sqlite';
/** Folder of `step-<n>.safetensors` checkpoints. */
export const CHECKPOINT_DIR = 'checkpoints';
/** Append-only, timestamped text log. */
export const LOG_FILE = 'run.log';
/** Present while a writer holds the run: JSON {pid, hostname, startedAt}; mtime = heartbeat. */
export const LOCK_FILE = 'run.lock';
/** Written atomically when the run ends: JSON {status: 'finished' | 'diverged', endedAt, lastStep}. */
export const STATUS_FILE = 'status.json';

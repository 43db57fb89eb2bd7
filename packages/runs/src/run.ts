/**
 * A run folder `<root>/<id>/`: manifest.json, metrics.sqlite, checkpoints/, run.log (see
 * layout.ts). `createRun` builds it in a hidden staging folder and renames it into place, so
 * `listRuns` never sees a half-made run. `openRun` opens an existing run to read or (resume) write.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type Json,
  type MachineInfo,
  type Manifest,
  type RunStatus,
  MANIFEST_FORMAT,
  ManifestError,
  validateManifest,
} from './browser/manifest-schema.js';
import { fsyncDir, writeFileAtomic } from './fs-atomic.js';
import { CHECKPOINT_DIR, LOG_FILE, MANIFEST_FILE, METRICS_FILE } from './layout.js';
import { MetricStore, type MetricStoreOptions } from './metric-store.js';
import { type LogLevel, RunLog } from './run-log.js';
import { RunLock, clearStatusFile, deriveStatus, writeStatusFile } from './run-lock.js';

/** Inputs of {@link createRun}; everything that affects a number goes into the manifest. */
export interface CreateRunOptions {
  /** Human name; also part of the id. Default 'run'. */
  name?: string;
  /** Fully resolved config (JSON data). */
  config: { [key: string]: Json };
  seed: number;
  backend: string;
  fallbacks: string[];
  versions: { [pkg: string]: string };
  gitSha?: string | null;
  machine: MachineInfo;
  /** Creation time (tests); default now. */
  now?: Date;
  /** Options of the metric store (batching). */
  metrics?: Omit<MetricStoreOptions, 'readonly' | 'onCommit'>;
}

/** How {@link openRun} opens a run. */
export interface OpenRunOptions {
  /** 'read' (default): no lock, read-only store. 'write': take the writer lock (resume). */
  mode?: 'read' | 'write';
  metrics?: Omit<MetricStoreOptions, 'readonly' | 'onCommit'>;
}

/** An open run. In 'write' mode it holds the writer lock until `finish` or `close`. */
export class Run {
  readonly id: string;
  private logFile: RunLog | null;
  private closed = false;

  /** Internal: use {@link createRun}, {@link openRun} or resumeRun. */
  constructor(
    readonly dir: string,
    readonly manifest: Manifest,
    readonly mode: 'read' | 'write',
    readonly metrics: MetricStore,
    private readonly lock: RunLock | null,
  ) {
    this.id = manifest.id;
    this.logFile = mode === 'write' ? new RunLog(join(dir, LOG_FILE)) : null;
  }

  /** Folder of the checkpoints. */
  get checkpointDir(): string {
    return join(this.dir, CHECKPOINT_DIR);
  }

  /** Appends a timestamped line to run.log (write mode). */
  log(message: string, level: LogLevel = 'info'): void {
    if (!this.logFile) throw new Error(`${this.dir}: log() needs a run opened for writing`);
    this.logFile.write(message, level);
  }

  /** running / finished / diverged / killed, derived from status.json and the lock. */
  status(): RunStatus {
    return deriveStatus(this.dir);
  }

  /** Flushes metrics, writes the end marker (status.json) and closes the run. */
  finish(status: 'finished' | 'diverged' = 'finished'): void {
    if (this.mode !== 'write')
      throw new Error(`${this.dir}: finish() needs a run opened for writing`);
    this.metrics.flush();
    this.metrics.syncToDisk();
    const lastStep = this.metrics.latestStep();
    this.log(`run ${status} at step ${lastStep ?? 'none'}`);
    writeStatusFile(this.dir, { status, endedAt: new Date().toISOString(), lastStep });
    this.close();
  }

  /** Flushes and closes the store and log and releases the lock; status stays 'killed' unless finished. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.metrics.close();
    this.logFile?.close();
    this.logFile = null;
    this.lock?.release();
  }
}

/** Lower-case, [a-z0-9-] only, at most 40 characters. */
function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return s || 'run';
}

/** `YYYYMMDD-HHMMSS` in UTC. */
function stamp(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/**
 * Creates `<root>/<id>/` (id = `YYYYMMDD-HHMMSS-<name>`, `-2`, `-3`, … on collision) with a
 * validated manifest, an empty metric store, checkpoints/ and run.log, and opens it for writing.
 */
export function createRun(root: string, opts: CreateRunOptions): Run {
  const now = opts.now ?? new Date();
  const name = opts.name ?? 'run';
  const base = `${stamp(now)}-${slug(name)}`;
  mkdirSync(root, { recursive: true });
  let id = base;
  for (let i = 2; existsSync(join(root, id)); i++) id = `${base}-${i}`;
  const manifest = validateManifest(
    {
      format: MANIFEST_FORMAT,
      id,
      name,
      createdAt: now.toISOString(),
      config: opts.config,
      seed: opts.seed,
      backend: opts.backend,
      fallbacks: opts.fallbacks,
      versions: opts.versions,
      gitSha: opts.gitSha ?? null,
      machine: opts.machine,
    },
    'createRun options',
  );
  const stage = join(root, `.${id}.creating-${process.pid}`);
  mkdirSync(stage);
  let lock: RunLock | null = null;
  try {
    writeFileAtomic(join(stage, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    mkdirSync(join(stage, CHECKPOINT_DIR));
    MetricStore.open(join(stage, METRICS_FILE)).close();
    const log = new RunLog(join(stage, LOG_FILE));
    log.write(
      `created run ${id} (pid ${process.pid}, backend ${manifest.backend}, seed ${manifest.seed})`,
    );
    log.close();
    lock = RunLock.acquire(stage);
    fsyncDir(stage);
    renameSync(stage, join(root, id));
    fsyncDir(root);
  } catch (e) {
    lock?.release();
    rmSync(stage, { recursive: true, force: true });
    throw e;
  }
  const dir = join(root, id);
  lock.relocate(dir); // the lock file moved with the folder
  return openWithLock(dir, manifest, opts.metrics, lock);
}

function openWithLock(
  dir: string,
  manifest: Manifest,
  metricsOpts: CreateRunOptions['metrics'],
  lock: RunLock,
): Run {
  try {
    const metrics = MetricStore.open(join(dir, METRICS_FILE), {
      ...metricsOpts,
      onCommit: () => lock.beat(),
    });
    return new Run(dir, manifest, 'write', metrics, lock);
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** Reads and validates `<dir>/manifest.json`; errors name the file and the field. */
export function readManifest(dir: string): Manifest {
  const p = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(p, 'utf8');
  } catch {
    throw new ManifestError(`${p}: missing or unreadable (not a run folder?)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(`${p}: invalid JSON (${(e as Error).message})`);
  }
  return validateManifest(raw, p);
}

/**
 * Opens the run in `dir`. 'read' (default) opens the store read-only next to a live writer;
 * 'write' takes the writer lock (throws if a live writer holds it), clears the end marker and
 * logs the resume. Call `run.metrics.truncateAfter(checkpointStep)` before writing again.
 */
export function openRun(dir: string, opts: OpenRunOptions = {}): Run {
  const abs = resolve(dir);
  const manifest = readManifest(abs);
  if ((opts.mode ?? 'read') === 'read') {
    const metrics = MetricStore.open(join(abs, METRICS_FILE), { readonly: true });
    return new Run(abs, manifest, 'read', metrics, null);
  }
  const lock = RunLock.acquire(abs);
  clearStatusFile(abs);
  const run = openWithLock(abs, manifest, opts.metrics, lock);
  run.log(`opened for writing (resume) by pid ${process.pid}`);
  return run;
}

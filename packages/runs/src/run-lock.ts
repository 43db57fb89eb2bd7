/**
 * Writer lock and run status. A writer holds `run.lock` (created exclusively; JSON
 * {pid, hostname, startedAt}) and refreshes its mtime as a heartbeat. The run's end writes
 * `status.json`. Status is derived, never stored as "running":
 *   status.json present            → its status ('finished' | 'diverged')
 *   lock held by a live writer     → 'running'
 *   otherwise (stale lock, or none) → 'killed'
 * "Live": on the same host, the pid exists; on another host (shared disk), the heartbeat is
 * younger than `staleMs`.
 */
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
  fsyncSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { RunStatus } from './browser/manifest-schema.js';
import { writeFileAtomic, fsyncDir } from './fs-atomic.js';
import { LOCK_FILE, STATUS_FILE } from './layout.js';

/** Default heartbeat age after which another host's lock counts as stale. */
export const DEFAULT_STALE_MS = 60_000;

/** Contents of run.lock. */
export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
}

/** Contents of status.json. */
export interface StatusInfo {
  status: 'finished' | 'diverged';
  endedAt: string;
  lastStep: number | null;
}

/** Reads run.lock, or null if absent or unreadable (a lock cut by a crash counts as stale). */
export function readLock(dir: string): (LockInfo & { heartbeatMs: number }) | null {
  const p = join(dir, LOCK_FILE);
  try {
    const info = JSON.parse(readFileSync(p, 'utf8')) as LockInfo;
    if (!Number.isSafeInteger(info.pid) || typeof info.hostname !== 'string') return null;
    return { ...info, heartbeatMs: statSync(p).mtimeMs };
  } catch {
    return null;
  }
}

/** True if process `pid` exists on this host. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `lock` belongs to a writer that is still alive. */
export function lockIsLive(
  lock: LockInfo & { heartbeatMs: number },
  staleMs = DEFAULT_STALE_MS,
): boolean {
  if (lock.hostname === hostname()) return pidAlive(lock.pid);
  return Date.now() - lock.heartbeatMs < staleMs;
}

/** Reads status.json, or null if absent or invalid. */
export function readStatusFile(dir: string): StatusInfo | null {
  try {
    const s = JSON.parse(readFileSync(join(dir, STATUS_FILE), 'utf8')) as StatusInfo;
    return s.status === 'finished' || s.status === 'diverged' ? s : null;
  } catch {
    return null;
  }
}

/** Derives the status of the run in `dir` (see the module comment). */
export function deriveStatus(dir: string, staleMs = DEFAULT_STALE_MS): RunStatus {
  const st = readStatusFile(dir);
  if (st) return st.status;
  const lock = readLock(dir);
  return lock && lockIsLive(lock, staleMs) ? 'running' : 'killed';
}

/** A held writer lock; `beat()` refreshes the heartbeat (throttled), `release()` removes it. */
export class RunLock {
  private lastBeat = 0;
  private timer: ReturnType<typeof setInterval> | null;
  private released = false;

  private constructor(
    private path: string,
    private readonly beatEveryMs: number,
  ) {
    this.timer = setInterval(() => this.beat(true), beatEveryMs);
    this.timer.unref();
  }

  /**
   * Takes the writer lock of `dir`. A stale lock (dead or silent writer) is taken over; a live
   * one throws "<dir>/run.lock: run is being written by pid N on <host>".
   */
  static acquire(dir: string, opts: { staleMs?: number; beatEveryMs?: number } = {}): RunLock {
    const p = join(dir, LOCK_FILE);
    const info: LockInfo = {
      pid: process.pid,
      hostname: hostname(),
      startedAt: new Date().toISOString(),
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd: number;
      try {
        fd = openSync(p, 'wx', 0o644);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const held = readLock(dir);
        if (held && lockIsLive(held, opts.staleMs)) {
          throw new Error(`${p}: run is being written by pid ${held.pid} on ${held.hostname}`);
        }
        if (attempt > 0) throw new Error(`${p}: could not take over the stale lock`);
        try {
          unlinkSync(p);
        } catch {
          // another process removed it first; retry the exclusive create
        }
        continue;
      }
      writeSync(fd, JSON.stringify(info) + '\n');
      fsyncSync(fd);
      closeSync(fd);
      fsyncDir(dir);
      return new RunLock(p, opts.beatEveryMs ?? 2000);
    }
    throw new Error(`${p}: could not acquire the lock`);
  }

  /** Refreshes the lock's mtime (at most once per beatEveryMs/2 unless forced). */
  beat(force = false): void {
    if (this.released) return;
    const now = Date.now();
    if (!force && now - this.lastBeat < this.beatEveryMs / 2) return;
    this.lastBeat = now;
    try {
      const t = new Date(now);
      utimesSync(this.path, t, t);
    } catch {
      // the lock was removed underneath us; status will read 'killed', nothing to do here
    }
  }

  /** Points the lock at `<dir>/run.lock` after its folder was renamed to `dir`. */
  relocate(dir: string): void {
    this.path = join(dir, LOCK_FILE);
  }

  /** Removes the lock. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (existsSync(this.path)) unlinkSync(this.path);
  }
}

/** Writes status.json atomically (the run's end marker). */
export function writeStatusFile(dir: string, info: StatusInfo): void {
  writeFileAtomic(join(dir, STATUS_FILE), JSON.stringify(info, null, 2) + '\n');
}

/** Removes status.json (a resumed run is running again). */
export function clearStatusFile(dir: string): void {
  const p = join(dir, STATUS_FILE);
  if (existsSync(p)) {
    unlinkSync(p);
    fsyncDir(dir);
  }
}

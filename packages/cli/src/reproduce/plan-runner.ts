/**
 * Executes a reproduction plan: for each planned run, a finished (or diverged) run folder under
 * the runs root with the same configKey is reused, an interrupted one is resumed
 * (`smd train --resume`), otherwise the run is trained (`smd train` in-process). One
 * PlanProgress display covers the whole plan; each run's own summary goes to `<out>/plan.log`.
 */
import { appendFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, deriveStatus, readLock, readManifest, type RunStatus } from '@smd/runs';
import { runTrain } from '../train/train-command.js';
import type { ProgressSink } from '../train/progress.js';
import { UsageError } from '../usage-error.js';
import { configKey, type PlannedRun } from './plan.js';
import { PlanProgress } from './plan-progress.js';

/** How a planned run was obtained in this invocation. */
export type RunOrigin = 'reused' | 'resumed' | 'trained';

/** A planned run with its folder and outcome. */
export interface ExecutedRun {
  planned: PlannedRun;
  dir: string;
  origin: RunOrigin;
  status: 'finished' | 'diverged';
}

/** A run folder under the root whose config matches a plan key. */
interface Candidate {
  dir: string;
  status: RunStatus;
  createdAt: string;
}

/** Run folders under `root` indexed by configKey (unreadable folders are skipped). */
export function indexRuns(root: string): Map<string, Candidate[]> {
  const out = new Map<string, Candidate[]>();
  if (!existsSync(root)) return out;
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (name.startsWith('.') || !statSync(dir).isDirectory()) continue;
    if (!existsSync(join(dir, MANIFEST_FILE))) continue;
    let key: string;
    let createdAt: string;
    try {
      const m = readManifest(dir);
      key = configKey(m.config);
      createdAt = m.createdAt;
    } catch {
      continue; // not ours to judge: `smd runs` lists it as invalid
    }
    const list = out.get(key) ?? [];
    list.push({ dir, status: deriveStatus(dir), createdAt });
    out.set(key, list);
  }
  return out;
}

/** Options of executePlan. */
export interface ExecuteOptions {
  /** runs root (absolute) */
  runsDir: string;
  /** `<out>/plan.log`: every run's own `smd train` output */
  logFile: string;
  cwd: string;
  sink: ProgressSink;
  /**
   * SMD_TEST_KILL_PLAN=<run number>:<step> (tests): the plan's n-th run (1-based) SIGKILLs the
   * process right after that step's rows, as `smd train`'s SMD_TEST_KILL_AFTER_STEP does.
   * SMD_PROGRESS_EVERY_SEC: seconds between plain progress lines (default 10; 0 = every step,
   * as the reproduce kill campaign needs to place its kills by plan progress).
   */
  env: Record<string, string | undefined>;
}

function killHook(env: Record<string, string | undefined>): { run: number; step: string } | null {
  const v = env.SMD_TEST_KILL_PLAN;
  const m = v === undefined ? null : /^(\d+):(\d+)$/.exec(v);
  return m ? { run: Number(m[1]), step: m[2] } : null;
}

/** Trains, resumes or reuses every planned run, in order. */
export async function executePlan(plan: PlannedRun[], o: ExecuteOptions): Promise<ExecutedRun[]> {
  const every = Number(o.env.SMD_PROGRESS_EVERY_SEC ?? 10);
  const display = new PlanProgress(
    plan.map((p) => ({ name: p.name, epochs: p.config.epochs, batchSize: p.config.batchSize })),
    o.sink,
    Number.isFinite(every) && every >= 0 ? every : 10,
  );
  const existing = indexRuns(o.runsDir);
  const kill = killHook(o.env);
  const out: ExecutedRun[] = [];
  for (let i = 0; i < plan.length; i++) {
    const p = plan[i];
    const found = existing.get(p.key) ?? [];
    const done =
      found.find((c) => c.status === 'finished') ?? found.find((c) => c.status === 'diverged');
    if (done) {
      display.reused(i, done.dir);
      out.push({
        planned: p,
        dir: done.dir,
        origin: 'reused',
        status: done.status as 'finished' | 'diverged',
      });
      continue;
    }
    const live = found.find((c) => c.status === 'running');
    if (live) {
      const pid = readLock(live.dir)?.pid;
      throw new UsageError(
        `smd reproduce: run ${live.dir} (${p.name}) is being written by another process${pid ? ` (pid ${pid})` : ''}; wait for it or stop it, then run again`,
        1,
      );
    }
    const interrupted = found
      .filter((c) => c.status === 'killed')
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))[0];
    const argv = interrupted ? ['--resume', interrupted.dir] : p.argv;
    display.start(i, interrupted ? `resuming ${interrupted.dir}` : 'training');
    let dir = interrupted?.dir ?? '';
    let log = '';
    const io = { out: (t: string) => (log += t), err: (t: string) => (log += t), cwd: o.cwd };
    const env = kill && kill.run === i + 1 ? { SMD_TEST_KILL_AFTER_STEP: kill.step } : {};
    let code: number;
    try {
      code = await runTrain(argv, io, {
        progress: { write: (t) => (log += t), isTTY: false },
        env,
        onProgress: (s) => display.progress(s),
        onRun: (d) => (dir = d),
      });
    } finally {
      appendFileSync(o.logFile, `== ${p.name} (${argv.join(' ')})\n${log}\n`);
    }
    const status = code === 0 ? 'finished' : 'diverged';
    display.end(
      status === 'finished' ? `finished (${dir})` : `diverged (${dir}); see ${o.logFile}`,
    );
    out.push({ planned: p, dir, origin: interrupted ? 'resumed' : 'trained', status });
  }
  return out;
}

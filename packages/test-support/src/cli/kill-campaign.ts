/**
 * The kill campaign (tests and bench/kill-campaign.mjs): `smd train FLAGS` as a child process,
 * SIGKILLed at seeded random moments and resumed with `smd train --resume` after each kill, then
 * compared with an uninterrupted child run of the same flags (assertSameRun).
 *
 * Moments are chosen by training progress, not by wall-clock time (a time window measured on a
 * reference run is wrong as soon as the machine's load changes, and start-up — data, native
 * backend, checkpoint restore — takes longer than the first output line suggests). Kill i of K
 * targets step s_i drawn uniformly from the i-th K-th of the run; the child is killed a random
 * 0–1 step-time after its progress output (stderr `step N/T`, `epoch E (step N)`; one line per
 * step, SMD_PROGRESS_EVERY_SEC=0) first reaches
 * s_i, so kills fall on every phase: forward/backward, the probe, metric commits, checkpoint
 * writes (temp file, fsync, rename) with the SQLite WAL checkpoint each triggers, and the
 * end-of-epoch evaluation. A target before the first step kills during start-up instead. Each
 * restart resumes from the last checkpoint, and targets increase, so the kills spread over the
 * whole run on a quiet or a loaded machine alike. The last resume runs to the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { MetricStore } from '@smd/runs';
import { runDir, SMD_MAIN } from './test-helpers.js';

/** What a kill campaign did. */
export interface KillCampaign {
  /** The killed-and-resumed run. */
  dir: string;
  /** The uninterrupted reference run. */
  refDir: string;
  kills: number;
  /**
   * Per kill: the progress step it waited for (−1: start-up), the delay after it, and the last
   * step the store held after the kill (null: no run folder or no step yet).
   */
  log: { atStep: number; afterMs: number; lastStep: number | null }[];
  /** Reference child: spawn → first progress line, and the whole run (ms); its step count. */
  startupMs: number;
  totalMs: number;
  steps: number;
}

/** How a child `smd` process ended. */
export interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  firstOutputMs: number;
  ms: number;
}

/**
 * When to kill a child: `afterMs` after it reports progress ≥ `atStep` (atStep < 0: after spawn).
 * Progress is the training step for `smd train`; other campaigns read their own (planPosition).
 */
export interface KillAt {
  atStep: number;
  afterMs: number;
}

/** The training step a line of `smd train`'s progress output reports, or null. */
export function progressStep(line: string): number | null {
  const m = /\bstep (\d+)(?:\/|\))/.exec(line);
  return m ? Number(m[1]) : null;
}

/**
 * `smd ARGV` as a child in `cwd` (from dist or source, SMD_MAIN), SIGKILLed as `kill` says;
 * `onSpawn` gets the process (to watch its output or signal it otherwise); `progressOf` reads
 * the progress of a stderr line (default: the training step).
 */
export function runChild(
  argv: string[],
  cwd: string,
  kill: KillAt | null,
  onSpawn?: (p: ChildProcess) => void,
  progressOf: (line: string) => number | null = progressStep,
): Promise<ChildEnd> {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    let first = NaN;
    const p = spawn(process.execPath, [...SMD_MAIN.pre, SMD_MAIN.script, ...argv], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      // a progress line every step, so kills are placed by step (not only at epoch ends)
      env: { ...process.env, SMD_PROGRESS_EVERY_SEC: '0' },
    });
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (kill !== null && timer === undefined)
        timer = setTimeout(() => p.kill('SIGKILL'), kill.afterMs);
    };
    if (kill !== null && kill.atStep < 0) arm();
    let stderr = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      for (const line of d.split('\n')) {
        const step = progressOf(line);
        if (step === null) continue;
        if (Number.isNaN(first)) first = performance.now() - t0;
        if (kill !== null && step >= kill.atStep) arm();
      }
    });
    onSpawn?.(p);
    p.on('error', fail);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      ok({ code, signal, stderr, firstOutputMs: first, ms: performance.now() - t0 });
    });
  });
}

/** Uniform numbers in [0, 1) from `seed` (mulberry32): the kill moments of a campaign. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the campaign in `cwd` (runs land in cwd/ref and cwd/killed). */
export async function killCampaign(o: {
  flags: string[];
  cwd: string;
  maxKills: number;
  seed: number;
}): Promise<KillCampaign> {
  const rand = seededRandom(o.seed);
  const ref = await runChild(['train', ...o.flags, '--out', join(o.cwd, 'ref')], o.cwd, null);
  if (ref.code !== 0)
    throw new Error(`kill campaign: reference run exited ${ref.code}: ${ref.stderr}`);
  // Reference timing: spawn → first progress line (start-up), then the steps.
  const startupMs = ref.firstOutputMs;
  const steps = Math.max(0, ...ref.stderr.split('\n').map((l) => progressStep(l) ?? 0));
  if (!(steps > 1) || !Number.isFinite(startupMs))
    throw new Error(`kill campaign: the reference run printed no progress: ${ref.stderr}`);
  const stepMs = (ref.ms - startupMs) / steps;
  const out = join(o.cwd, 'killed');
  const log: KillCampaign['log'] = [];
  let dir: string | null = null;
  for (;;) {
    const argv = dir === null ? ['train', ...o.flags, '--out', out] : ['train', '--resume', dir];
    let killAt: KillAt | null = null;
    if (log.length < o.maxKills) {
      // the i-th K-th of the run; step 0 means "during start-up"
      const i = log.length;
      const target = Math.floor(((i + rand()) / o.maxKills) * (steps - 3));
      killAt =
        target < 1
          ? { atStep: -1, afterMs: Math.round(rand() * startupMs) }
          : { atStep: target, afterMs: Math.round(rand() * stepMs) };
    }
    const r = await runChild(argv, o.cwd, killAt);
    if (dir === null) {
      try {
        dir = runDir(out);
      } catch {
        // killed before the run folder existed: start over
        if (r.signal === 'SIGKILL') {
          log.push({ ...killAt!, lastStep: null });
          continue;
        }
        throw new Error(`kill campaign: no run folder: ${r.stderr}`);
      }
    }
    if (r.signal === 'SIGKILL') {
      const st = MetricStore.open(join(dir, 'metrics.sqlite'), { readonly: true });
      try {
        log.push({ ...killAt!, lastStep: st.latestStep() });
      } finally {
        st.close();
      }
      continue;
    }
    if (r.code !== 0)
      throw new Error(`kill campaign: smd ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
    return {
      dir,
      refDir: runDir(join(o.cwd, 'ref')),
      kills: log.length,
      log,
      startupMs,
      totalMs: ref.ms,
      steps,
    };
  }
}

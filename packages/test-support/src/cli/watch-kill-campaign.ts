/**
 * The kill campaign of `smd analyze --watch` (watch-kill.test.ts, bench/watch-kill-campaign.mjs).
 * This process plays the training job: it writes Hugging Face checkpoint folders into a job
 * folder on a fixed schedule (each built next to it and renamed in, as a job's atomic save
 * would). `smd analyze --watch JOB` runs as a child that is SIGKILLed at seeded moments and
 * restarted with the same arguments each time, while checkpoints keep arriving; once every
 * checkpoint is stored the last child is stopped with SIGINT. The reference is an uninterrupted
 * watch of the same schedule; the caller compares the two stores row for row.
 *
 * Moments: the reference child's spawn → first output is the start-up time S. A quarter of the
 * kills fall in [0.3·S, S] after spawn (start-up: reopening the run, the lock takeover, the
 * re-read of the last stored checkpoint); the rest fall uniformly within 10 polls after the
 * child's first output ("watching …"): the first polls, the analysis and commit of the
 * checkpoints that arrived while no watcher ran (the second poll finds them stable; ~30 ms
 * each), and the following of new ones.
 */
import { mkdirSync, renameSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors } from '@smd/formats';
import { MetricStore } from '@smd/runs';
import { runChild, seededRandom } from './kill-campaign.js';
import { runDir } from './test-helpers.js';

/** What a watch kill campaign did. */
export interface WatchKillCampaign {
  /** The killed-and-restarted watch's run, and the uninterrupted one's. */
  dir: string;
  refDir: string;
  /** Steps of the checkpoints the job wrote, in order. */
  steps: number[];
  kills: number;
  /** Per kill: delay after spawn, checkpoints stored after it, checkpoints written by then. */
  log: { delayMs: number; stored: number; written: number }[];
  /** Reference child's spawn → first output (ms); the campaign's checkpoint interval (ms). */
  startupMs: number;
  intervalMs: number;
}

/** Step of the k-th checkpoint: pairs of consecutive steps (4, 5, 9, 10, …), so Δ is exact. */
export function watchCampaignStep(k: number): number {
  return 5 * Math.floor(k / 2) + 4 + (k % 2);
}

/** Tensors of a small conv net at `step`: smooth, deterministic drift of every element. */
function weightsAt(step: number): Record<string, { shape: number[]; data: Float32Array }> {
  const make = (shape: number[], salt: number): { shape: number[]; data: Float32Array } => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      data[j] = Math.sin(j * 1.3 + salt) + 0.05 * Math.sin(0.01 * step * (1 + (j % 7)) + salt * j);
    }
    return { shape, data };
  };
  return {
    'conv1.weight': make([8, 3, 3, 3], 1),
    'bn1.weight': make([8], 2),
    'bn1.bias': make([8], 3),
    'fc.weight': make([10, 8], 4),
    'fc.bias': make([10], 5),
  };
}

/** Writes `checkpoint-STEP/` (model.safetensors, trainer_state.json) into `jobDir` atomically. */
export function writeJobCheckpoint(jobDir: string, stagingDir: string, step: number): void {
  const name = `checkpoint-${step}`;
  const stage = join(stagingDir, name);
  mkdirSync(stage, { recursive: true });
  writeFileSync(join(stage, 'model.safetensors'), writeSafetensors(weightsAt(step)));
  const log = [];
  for (let s = 2; s <= step; s += 2) {
    log.push({ step: s, loss: 2 / (1 + 0.05 * s), learning_rate: s < 20 ? 0.1 : 0.01 });
  }
  const state = { global_step: step, epoch: step / 100, log_history: log };
  writeFileSync(join(stage, 'trainer_state.json'), JSON.stringify(state));
  renameSync(stage, join(jobDir, name));
}

/** Number of checkpoints the one run under `out` stores (0 while there is none). */
export function storedCheckpoints(out: string): number {
  const ids = existsSync(out) ? readdirSync(out).filter((x) => !x.startsWith('.')) : [];
  if (ids.length !== 1) return 0;
  const path = join(out, ids[0], 'metrics.sqlite');
  if (!existsSync(path)) return 0;
  const s = MetricStore.open(path, { readonly: true });
  try {
    return s.events(0).filter((e) => e.kind === 'checkpoint').length;
  } finally {
    s.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes the checkpoints at `intervalMs`; `written()` tells how many are in the folder. */
function startJob(
  jobDir: string,
  steps: number[],
  intervalMs: number,
): { done: Promise<void>; written: () => number } {
  mkdirSync(jobDir, { recursive: true });
  const staging = `${jobDir}.staging`;
  let n = 0;
  const done = (async () => {
    const t0 = performance.now();
    for (const step of steps) {
      await sleep(Math.max(0, t0 + n * intervalMs - performance.now()));
      writeJobCheckpoint(jobDir, staging, step);
      n++;
    }
  })();
  return { done, written: () => n };
}

/**
 * Runs one watcher child until `want` checkpoints are stored, then SIGINTs it (exit 0);
 * returns its spawn → first output time (ms).
 */
async function watchToEnd(argv: string[], cwd: string, out: string, want: number) {
  let timedOut = false;
  let firstOutputMs = NaN;
  const r = await runChild(argv, cwd, null, (p) => {
    const spawned = performance.now();
    p.stderr?.once('data', () => (firstOutputMs = performance.now() - spawned));
    void (async () => {
      const t0 = performance.now();
      while (storedCheckpoints(out) < want) {
        if (performance.now() - t0 > 300_000 || p.exitCode !== null) {
          timedOut = true;
          break;
        }
        await sleep(100);
      }
      p.kill(timedOut ? 'SIGKILL' : 'SIGINT');
    })();
  });
  if (timedOut || r.code !== 0) {
    throw new Error(
      `watch kill campaign: smd ${argv.join(' ')} ${timedOut ? 'did not store every checkpoint' : `exited ${r.code}`}: ${r.stderr}`,
    );
  }
  return firstOutputMs;
}

/** Runs the campaign in `cwd` (jobs in cwd/ref-job and cwd/job, runs in cwd/ref and cwd/killed). */
export async function watchKillCampaign(o: {
  cwd: string;
  checkpoints: number;
  maxKills: number;
  seed: number;
  pollMs: number;
}): Promise<WatchKillCampaign> {
  const rand = seededRandom(o.seed);
  const steps = Array.from({ length: o.checkpoints }, (_, k) => watchCampaignStep(k));
  const args = (job: string, out: string): string[] => [
    'analyze',
    '--watch',
    job,
    '--out',
    out,
    '--name',
    'job',
    '--poll-ms',
    String(o.pollMs),
  ];
  // reference: one watcher follows the whole job
  const refJob = startJob(join(o.cwd, 'ref-job'), steps, 3 * o.pollMs);
  const refOut = join(o.cwd, 'ref');
  const refArgv = args(join(o.cwd, 'ref-job'), refOut);
  const startupMs = await watchToEnd(refArgv, o.cwd, refOut, steps.length);
  await refJob.done;
  // the job is spread over the kills, so checkpoints arrive before, during and after each
  const after = 10 * o.pollMs;
  // a restart lives ~1.8·S (a reopening start-up is slower than a fresh one) plus its kill delay
  const intervalMs = Math.max(
    3 * o.pollMs,
    ((o.maxKills * (1.8 * startupMs + after / 2)) / steps.length) | 0,
  );
  const out = join(o.cwd, 'killed');
  const argv = args(join(o.cwd, 'job'), out);
  const job = startJob(join(o.cwd, 'job'), steps, intervalMs);
  const log: WatchKillCampaign['log'] = [];
  while (log.length < o.maxKills) {
    const inStartup = rand() < 0.25;
    const u = rand();
    const killAt = inStartup ? { atStep: -1, afterMs: (0.3 + 0.7 * u) * startupMs } : null;
    let delayMs = killAt?.afterMs ?? NaN;
    const r = await runChild(argv, o.cwd, killAt, (p) => {
      if (inStartup) return;
      const t0 = performance.now();
      p.stderr?.once('data', () => {
        delayMs = performance.now() - t0 + u * after;
        setTimeout(() => p.kill('SIGKILL'), u * after);
      });
    });
    if (r.signal !== 'SIGKILL') {
      throw new Error(`watch kill campaign: the watcher ended by itself (${r.code}): ${r.stderr}`);
    }
    log.push({
      delayMs: Math.round(delayMs),
      stored: storedCheckpoints(out),
      written: job.written(),
    });
  }
  await watchToEnd(argv, o.cwd, out, steps.length);
  await job.done;
  return {
    dir: runDir(out),
    refDir: runDir(refOut),
    steps,
    kills: log.length,
    log,
    startupMs,
    intervalMs,
  };
}

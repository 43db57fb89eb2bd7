/**
 * `smd train`: parse → create (or resume) the run folder → train with probes → summary.
 * Progress goes live to stderr (the CLI's io buffers output until exit); the summary to stdout.
 */
import { parseFaultInjection } from './fault-inject.js';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nativeStatus } from '@smd/native';
import { createRun, describeMachine, type Json, type Run, resumeRun } from '@smd/runs';
import { UsageError, type CliIo } from '../usage-error.js';
import { selectBackend } from './backend-select.js';
import { restoreCheckpoint } from './checkpoint-state.js';
import { Progress, type ProgressSink, type ProgressState } from './progress.js';
import { setupTraining, type TrainParts } from './setup.js';
import { loadRunData } from '../report/run-cache.js';
import { formatSummary } from './summary.js';
import {
  TRAIN_HELP,
  parseTrainArgs,
  trainConfigFromManifest,
  type TrainConfig,
} from './train-options.js';
import { trainLoop, type TrainOutcome } from './trainer.js';

/** Exit code of a diverged run. */
export const EXIT_DIVERGED = 3;
/** Exit code when the run folder's device is full (the run can be resumed once space is freed). */
export const EXIT_NO_SPACE = 4;

/** True for "device full" from node:fs (ENOSPC, EDQUOT) or SQLite (SQLITE_FULL). */
function isDiskFull(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}

/** Options of runTrain beyond argv and io. */
export interface RunTrainOptions {
  /** Live progress (default: process.stderr). */
  progress?: ProgressSink;
  /** Environment (default process.env): SMD_TEST_KILL_IN_CHECKPOINT=<step>,
   *  SMD_TEST_KILL_AFTER_STEP=<step> (crash tests: the process SIGKILLs itself there). */
  env?: Record<string, string | undefined>;
  /** Every progress reading (unthrottled), e.g. for a display over several runs. */
  onProgress?: (p: ProgressState) => void;
  /** Called with the run folder once it exists (created or opened for resume). */
  onRun?: (dir: string) => void;
}

/** Package and runtime versions for a run manifest. */
export function versions(): { [k: string]: string } {
  const out: { [k: string]: string } = { node: process.version };
  try {
    const url = new URL('../../package.json', import.meta.url);
    out['@smd/cli'] = (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    // not fatal: the version is informational
  }
  const ns = nativeStatus();
  if (ns.onednn) out.onednn = ns.onednn;
  return out;
}

function gitSha(cwd: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

function defaultSink(): ProgressSink {
  return { write: (t) => void process.stderr.write(t), isTTY: process.stderr.isTTY === true };
}

/** Finds RUN: a folder (relative to cwd), else an id under the runs root. */
function findRun(run: string, out: string, cwd: string): string {
  const direct = resolve(cwd, run);
  if (existsSync(join(direct, 'manifest.json'))) return direct;
  const under = resolve(cwd, out, run);
  if (existsSync(join(under, 'manifest.json'))) return under;
  throw new UsageError(
    `smd train: --resume: no run "${run}" (neither a run folder nor an id under ${resolve(cwd, out)})`,
  );
}

/** Runs `smd train <argv>`; returns the exit code. */
export async function runTrain(
  argv: string[],
  io: CliIo,
  opts: RunTrainOptions = {},
): Promise<number> {
  const req = parseTrainArgs(argv, io.cwd);
  if (req.kind === 'help') {
    io.out(TRAIN_HELP);
    return 0;
  }
  const env = opts.env ?? process.env;
  // SMD_PROGRESS_EVERY_SEC: seconds between plain progress lines (default 10; 0 = every step, as
  // the kill campaign needs to place its kills by step).
  const every = Number(process.env.SMD_PROGRESS_EVERY_SEC ?? 10);
  const progress = new Progress(
    opts.progress ?? defaultSink(),
    Number.isFinite(every) && every >= 0 ? every : 10,
    opts.onProgress ?? null,
  );
  const killAt = env.SMD_TEST_KILL_IN_CHECKPOINT;
  const killInCheckpointAt = killAt === undefined ? undefined : Number(killAt);
  const killStep = env.SMD_TEST_KILL_AFTER_STEP;
  const killAfterStep = killStep === undefined ? undefined : Number(killStep);
  const inject = parseFaultInjection(env.SMD_TEST_INJECT);

  let cfg: TrainConfig;
  let run: Run;
  let parts: TrainParts;
  let startStep = 0;
  if (req.kind === 'resume') {
    const dir = findRun(req.run, req.out, io.cwd);
    let resumed: ReturnType<typeof resumeRun>;
    try {
      resumed = resumeRun(dir);
    } catch (e) {
      // e.g. a live writer still holds the run's lock
      throw new UsageError(
        `smd train: --resume ${req.run}: ${(e as Error).message.split('\n')[0]}`,
        1,
      );
    }
    run = resumed.run;
    try {
      cfg = trainConfigFromManifest(run.manifest.config, join(run.dir, 'manifest.json'));
      const b = selectBackend(cfg.backend, cfg.threads);
      if (b.backend.name !== run.manifest.backend) {
        progress.line(
          `smd train: warning: run used backend ${run.manifest.backend}, resuming on ${b.backend.name}; numbers may differ from an uninterrupted run`,
        );
      }
      parts = setupTraining(cfg, io.cwd);
      if (resumed.checkpoint) startStep = restoreCheckpoint(parts, resumed.checkpoint) + 1;
    } catch (e) {
      run.close();
      throw e;
    }
    progress.line(
      `smd train: resuming ${run.dir} at step ${startStep} of ${parts.total}` +
        (resumed.checkpoint ? '' : ' (no valid checkpoint: from the start)'),
    );
  } else {
    cfg = req.config;
    const b = selectBackend(cfg.backend, cfg.threads);
    parts = setupTraining(cfg, io.cwd);
    const resolved = {
      ...cfg,
      stepsPerEpoch: parts.perEpoch,
      totalSteps: parts.total,
      dataset: parts.data.description,
      schedulePlan: JSON.parse(JSON.stringify(parts.schedule)) as Json,
    };
    const out = resolve(io.cwd, cfg.out);
    const create = (): Run =>
      createRun(out, {
        name: cfg.name,
        config: JSON.parse(JSON.stringify(resolved)) as { [k: string]: Json },
        seed: cfg.seed,
        backend: b.backend.name,
        fallbacks: [...b.backend.fallbacks],
        versions: versions(),
        gitSha: gitSha(io.cwd),
        machine: describeMachine(),
      });
    try {
      run = create();
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      throw new UsageError(
        `smd train: no space left on the device of ${out} to create the run (${(e as Error).message})`,
        EXIT_NO_SPACE,
      );
    }
    if (b.nativeUnavailable !== null)
      run.log(`native backend unavailable: ${b.nativeUnavailable}; using ts`, 'warn');
    const shapes = new Map(
      parts.model.namedParameters().map(([n, t]) => [n, [...t.shape]] as const),
    );
    run.metrics.declareParams(
      parts.detection.map((d) => ({
        name: d.param,
        shape: shapes.has(d.param) ? [...shapes.get(d.param)!] : null,
        scaleInvariant: d.scaleInvariant,
        reason: d.reason,
      })),
    );
    const probed = parts.detection.filter((d) => d.scaleInvariant).length;
    run.log(
      `detection: ${probed} scale-invariant tensors probed, ${parts.detection.length - probed} not`,
    );
    progress.line(
      `smd train: run ${run.dir}\n  ${parts.data.description}; ${parts.total} steps (${parts.perEpoch}/epoch); backend ${b.backend.name}` +
        (b.nativeUnavailable ? ` (native unavailable: ${b.nativeUnavailable})` : '') +
        `; probing ${probed} of ${parts.detection.length} parameter tensors`,
    );
  }

  opts.onRun?.(run.dir);
  let outcome: TrainOutcome;
  try {
    outcome = trainLoop(parts, run, startStep, {
      progress,
      killInCheckpointAt,
      killAfterStep,
      inject,
    });
  } catch (e) {
    if (isDiskFull(e)) {
      // The log and the final flush need space too: best effort, the checkpoints are safe.
      const dir = run.dir;
      try {
        run.close();
      } catch {
        /* the store rolls back to its last commit */
      }
      throw new UsageError(
        `smd train: no space left on the device of ${dir} (${(e as Error).message}); every step up to the last checkpoint is kept — free some space, then: smd train --resume ${dir}`,
        EXIT_NO_SPACE,
      );
    }
    run.log(`error: ${(e as Error).message}`, 'error');
    run.close();
    throw e;
  }
  const dir = run.dir;
  if (outcome.status === 'diverged') {
    run.finish('diverged');
    io.out(formatSummary(loadRunData(dir)));
    io.err(
      `smd train: diverged at ${outcome.divergence}; run ${dir} keeps every step before it (status diverged)\n`,
    );
    return EXIT_DIVERGED;
  }
  run.finish('finished');
  io.out(formatSummary(loadRunData(dir)));
  io.out(
    `run ${dir} finished at step ${outcome.lastStep}; ${Number.isFinite(outcome.imagesPerSec) ? `${outcome.imagesPerSec.toFixed(0)} images/s` : ''}\n`,
  );
  return 0;
}

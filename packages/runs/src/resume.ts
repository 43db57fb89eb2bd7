/** Resuming a run: reopen for writing, load the newest valid checkpoint, drop later rows. */
import { type LoadedCheckpoint, latestCheckpoint } from './checkpoint.js';
import { type OpenRunOptions, type Run, openRun } from './run.js';

/** What {@link resumeRun} returns. */
export interface ResumedRun {
  run: Run;
  /** The checkpoint to restore, or null: no valid checkpoint, start again from step 0. */
  checkpoint: LoadedCheckpoint | null;
  /** First step the trainer should run: checkpoint.step + 1, or 0. */
  nextStep: number;
}

/**
 * Opens `dir` for writing (taking over a dead writer's lock), finds the newest checkpoint that
 * validates and deletes every metric row and event logged after it (all rows, if there is
 * none), so continuing from `nextStep` reproduces an uninterrupted run's rows exactly.
 */
export function resumeRun(dir: string, opts: Omit<OpenRunOptions, 'mode'> = {}): ResumedRun {
  const run = openRun(dir, { ...opts, mode: 'write' });
  try {
    const checkpoint = latestCheckpoint(run);
    const step = checkpoint ? checkpoint.step : -1;
    run.metrics.truncateAfter(step);
    run.log(
      checkpoint
        ? `resuming from checkpoint step ${step}; rows after it dropped`
        : 'no valid checkpoint; all rows dropped, restarting from step 0',
    );
    return { run, checkpoint, nextStep: step + 1 };
  } catch (e) {
    run.close();
    throw e;
  }
}

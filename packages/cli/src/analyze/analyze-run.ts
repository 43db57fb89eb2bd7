/**
 * Turns checkpoints into an smd run folder, one checkpoint at a time (batch or --watch), so
 * `smd report` and `smd serve` show it like a run `smd train` wrote. Rows of checkpoint step N:
 *   scalars  lr (η of the last step), loss/lr rows of a Hugging Face log_history up to N
 *   probes   per float parameter: norm ‖w_N‖, delta_rad Δ_{N−1} = ∠(w_{N−1}, w_N) when the
 *            optimizer state gives it, checkpoint_angle_rad to the previous checkpoint,
 *            radial_cos and L_window (SGDM estimates), lr_effective, delta_star, w_star
 *   events   checkpoint (its label), lr_drop when η fell since the previous checkpoint
 * Only the previous checkpoint's float weights are kept in memory. `reopen` continues a run a
 * killed or stopped `--watch` wrote, so that the rows appended equal an uninterrupted watch's.
 */
import {
  createRun,
  describeMachine,
  openRun,
  type Json,
  type Run,
  type ProbeSample,
} from '@smd/runs';
import {
  analyzeCheckpoint,
  checkpointStep,
  type CheckpointAnalysis,
  type PreviousCheckpoint,
} from '@smd/runs';
import type { TrainingCheckpoint } from '@smd/formats';
import { versions } from '../train/train-command.js';

/** Options of the writer. */
export interface AnalyzeRunOptions {
  /** runs root (created if missing) */
  out: string;
  name: string;
  /** the PATH arguments, recorded in the manifest */
  inputs: string[];
  /** Adam vs AdamW when the state cannot tell */
  optimizer?: 'adam' | 'adamw';
  /** --watch DIR (recorded in the config: the rerun of the same command finds its run by it) */
  watch?: string;
  /** where progress lines go */
  log: (line: string) => void;
}

/** Appends analyzed checkpoints to one run folder (created at the first one). */
export class AnalyzeRunWriter {
  run: Run | null = null;
  private prev: PreviousCheckpoint | null = null;
  private lastLogStep = -1;
  private lastLr = NaN;
  /** params declared (from the run's first checkpoint) */
  private declared = false;
  /** every checkpoint analyzed by this process, in order */
  readonly analyses: CheckpointAnalysis[] = [];
  /** labels of the checkpoints the run holds (a reopened run's included) */
  readonly stored = new Set<string>();

  constructor(private readonly opts: AnalyzeRunOptions) {}

  /** Analyze one checkpoint and append it; returns null when it is skipped (not after the last). */
  add(ckpt: TrainingCheckpoint, fallbackStep: number): CheckpointAnalysis | null {
    const step = checkpointStep(ckpt) ?? fallbackStep;
    if (this.prev && step <= this.prev.step) {
      this.opts.log(
        `smd analyze: skipped ${ckpt.label}: step ${step} is not after step ${this.prev.step}`,
      );
      return null;
    }
    const { analysis, weights } = analyzeCheckpoint(ckpt, step, this.prev, this.opts.optimizer);
    const run = this.run ?? this.create(analysis, ckpt);
    if (!this.declared) this.declare(run, analysis);
    const m = run.metrics;
    for (const row of ckpt.log) {
      if (row.step <= this.lastLogStep || row.step >= step) continue;
      if (row.loss !== null) m.logScalar(row.step, 'loss', row.loss);
      if (row.lr !== null) m.logScalar(row.step, 'lr', row.lr);
      m.endStep(row.step);
      this.lastLogStep = row.step;
    }
    const atStep = ckpt.log.find((r) => r.step === step);
    if (atStep?.loss != null) m.logScalar(step, 'loss', atStep.loss);
    const lr = analysis.optimizer?.lr ?? NaN;
    if (Number.isFinite(lr)) m.logScalar(step, 'lr', lr);
    m.logProbes(probeRows(analysis));
    m.logEvent(step, 'checkpoint', ckpt.label);
    if (lr < this.lastLr)
      m.logEvent(step, 'lr_drop', `lr ${this.lastLr} -> ${lr} (between checkpoints)`);
    if (Number.isFinite(lr)) this.lastLr = lr;
    m.endStep(step);
    m.flush(); // one commit per checkpoint: readers (smd serve) see it at once
    this.lastLogStep = Math.max(this.lastLogStep, step);
    for (const n of analysis.notes) run.log(`${ckpt.label}: ${n}`);
    this.prev = { step, weights };
    this.analyses.push(analysis);
    this.stored.add(ckpt.label);
    return analysis;
  }

  /**
   * Continue the run in `dir` (a --watch killed or stopped earlier): take its writer lock
   * (throws while a live writer holds it), drop every row after its last stored checkpoint (a
   * kill inside a checkpoint leaves the log rows before it, committed by endStep), and restore
   * what the next rows depend on: the previous checkpoint's step and weights (re-read with
   * `reload`; null when it is gone, then the next angle to it is not recorded), the last logged
   * step, and the lr of the last checkpoint that had one (its 'lr' row at the checkpoint step).
   */
  reopen(dir: string, reload: (label: string) => TrainingCheckpoint | null): void {
    const run = openRun(dir, { mode: 'write' });
    try {
      // the 'checkpoint' event commits with all of its step's rows (one endStep)
      const ckpts = run.metrics.events(0).filter((e) => e.kind === 'checkpoint');
      const last = ckpts.at(-1);
      run.metrics.truncateAfter(last ? last.step : -1);
      this.run = run;
      this.declared = last !== undefined;
      for (const e of ckpts) this.stored.add(e.message);
      if (!last) {
        run.log('analyze --watch: reopened; no checkpoint stored yet');
        return;
      }
      this.lastLogStep = last.step;
      const lr = run.metrics.readScalars('lr');
      const lrAt = new Map([...lr.steps].map((st, i) => [st, lr.values[i]]));
      const withLr = [...ckpts].reverse().find((e) => lrAt.has(e.step));
      if (withLr) this.lastLr = lrAt.get(withLr.step)!;
      const ckpt = reload(last.message);
      const weights = ckpt
        ? analyzeCheckpoint(ckpt, last.step, null, this.opts.optimizer).weights
        : new Map<string, Float32Array | Float64Array>();
      this.prev = { step: last.step, weights };
      run.log(
        `analyze --watch: reopened at checkpoint ${last.message} (step ${last.step}, ${ckpts.length} stored)` +
          (ckpt ? '' : '; it is gone, so the next checkpoint has no angle to it'),
      );
    } catch (e) {
      run.close();
      this.run = null;
      throw e;
    }
  }

  private create(a: CheckpointAnalysis, ckpt: TrainingCheckpoint): Run {
    const o = a.optimizer;
    // RunConfig's canonical fields (@smd/smd parseRunConfig), plus where the numbers came from.
    // No optimizer state: optimizer 'unknown' and lr 0 (nothing is predicted).
    const config: { [k: string]: Json } = {
      optimizer: o?.name ?? 'unknown',
      lr: o && Number.isFinite(o.lr) ? o.lr : 0,
      momentum: o?.momentum ?? 0,
      weightDecay: o?.weightDecay ?? 0,
      nesterov: o?.nesterov ?? false,
      dampening: o?.dampening ?? 0,
      betas: o?.betas ?? null,
      source: 'smd analyze',
      inputs: this.opts.inputs,
      ...(this.opts.watch ? { watch: this.opts.watch } : {}),
      layout: ckpt.layout,
      optimizerHow: o?.how ?? 'no optimizer state',
    };
    const run = createRun(this.opts.out, {
      name: this.opts.name,
      config: JSON.parse(JSON.stringify(config)) as { [k: string]: Json },
      seed: 0,
      backend: 'analyze',
      fallbacks: [],
      versions: versions(),
      machine: describeMachine(),
    });
    this.run = run;
    return run;
  }

  /** The params table, from the run's first checkpoint (committed at once). */
  private declare(run: Run, a: CheckpointAnalysis): void {
    run.metrics.declareParams(
      a.tensors.map((t) => ({
        name: t.name,
        shape: t.shape,
        scaleInvariant: t.scaleInvariant,
        reason: t.reason,
      })),
    );
    const si = a.tensors.filter((t) => t.scaleInvariant).length;
    run.log(
      `analyze: ${a.tensors.length} parameter tensors, ${si} scale-invariant (names and shapes, radial test)`,
    );
    this.declared = true;
  }

  /** Flush and mark the run finished. */
  finish(): void {
    this.run?.finish('finished');
  }
}

/** The probe rows of one analyzed checkpoint (non-finite values are left out). */
export function probeRows(a: CheckpointAnalysis): ProbeSample[] {
  const rows: ProbeSample[] = [];
  const push = (param: string, metric: ProbeSample['metric'], value: number): void => {
    if (Number.isFinite(value)) rows.push({ step: a.step, param, metric, value });
  };
  for (const t of a.tensors) {
    push(t.name, 'norm', t.norm);
    push(t.name, 'delta_rad', t.deltaRad);
    push(t.name, 'checkpoint_angle_rad', t.angleToPrev);
    push(t.name, 'radial_cos', t.radialCos);
    push(t.name, 'L_window', t.L);
    push(t.name, 'lr_effective', t.lr / (t.norm * t.norm));
    push(t.name, 'delta_star', t.deltaStar);
    push(t.name, 'w_star', t.wStar);
  }
  return rows;
}

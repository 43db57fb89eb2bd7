/**
 * LR scheduler: applies a `Schedule` (pure step → factor, see ../schedule) to every parameter
 * group's base learning rate, like torch.optim.lr_scheduler.LambdaLR with
 * lr_lambda = t ↦ lrFactor(schedule, t). Usage mirrors torch:
 *
 *   const sched = new LRScheduler(opt, { kind: 'multistep', milestones: [30e3, 60e3], gamma: 0.1 });
 *   for (...) { loss.backward(); opt.step(); sched.step(); }
 *
 * On construction each group's current lr becomes its base (`initialLr`, torch `initial_lr`)
 * and lr is set to base·factor(0); after the t-th `step()` call lr = base·factor(t).
 */
import { lrFactor } from '../schedule/lr-factor.js';
import type { Schedule } from '../schedule/types.js';
import type { Optimizer } from './optimizer.js';

/** Serializable scheduler state (torch spelling). */
export interface LRSchedulerStateDict {
  /** number of `step()` calls so far (torch `last_epoch`, counted in optimizer steps) */
  last_epoch: number;
  /** base lr per group */
  base_lrs: number[];
}

/** Scales each group's lr by a schedule's factor at the current step. */
export class LRScheduler {
  readonly optimizer: Optimizer<{ lr: number }>;
  readonly schedule: Schedule;
  /** base lr per group */
  baseLrs: number[];
  /** the step whose lr is currently set (0 before the first `step()` call) */
  lastStep = 0;

  constructor(optimizer: Optimizer<{ lr: number }>, schedule: Schedule) {
    this.optimizer = optimizer;
    this.schedule = schedule;
    for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.apply();
  }

  /** Advance one optimizer step and set every group's lr for it. */
  step(): void {
    this.lastStep++;
    this.apply();
  }

  /** Current factor (lr / base lr). */
  factor(): number {
    return lrFactor(this.schedule, this.lastStep);
  }

  /** Current lr of every group. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Snapshot for checkpoints. */
  stateDict(): LRSchedulerStateDict {
    return { last_epoch: this.lastStep, base_lrs: [...this.baseLrs] };
  }

  /** Restore a snapshot and re-apply the lr of that step. */
  loadStateDict(sd: LRSchedulerStateDict): void {
    if (!Number.isInteger(sd.last_epoch) || sd.last_epoch < 0) {
      throw new Error(`LRScheduler.loadStateDict: last_epoch must be an integer >= 0`);
    }
    if (sd.base_lrs.length !== this.optimizer.paramGroups.length) {
      throw new Error(
        `LRScheduler.loadStateDict: base_lrs has ${sd.base_lrs.length} entries, expected ${this.optimizer.paramGroups.length}`,
      );
    }
    this.lastStep = sd.last_epoch;
    this.baseLrs = [...sd.base_lrs];
    this.optimizer.paramGroups.forEach((g, i) => (g.initialLr = this.baseLrs[i]));
    this.apply();
  }

  private apply(): void {
    const f = lrFactor(this.schedule, this.lastStep);
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = this.baseLrs[i] * f));
  }
}

/**
 * Running inputs of compareSmd per parameter: windowed means of the measured Δ_t and ‖w_t‖,
 * the latest predictions, and the time since the last lr change (detected from the
 * measurements' η, with its factor k), so a trainer only pushes the probe's measurements.
 */
import type { ParamMeasurement } from '../probe/smd-probe.js';
import { RingWindow } from '../probe/window.js';
import { compareSmd, type Comparison } from './compare.js';

/** Options of SmdTracker. */
export interface SmdTrackerOptions {
  /** window length in steps (default 200, the paper's) */
  windowSteps?: number;
  /** the probe samples every n-th step (default 1); the window holds ceil(windowSteps / every) */
  every?: number;
  /**
   * η counts as changed once it differs from η at the last change by more than this fraction
   * (default 0.05), so step schedules register each drop and smooth ones (cosine, warmup)
   * register every 5% of drift.
   */
  lrChangeRelative?: number;
}

interface ParamTrack {
  delta: RingWindow;
  norm: RingWindow;
  last: ParamMeasurement;
  lrAtChange: number;
  changeStep: number;
  dropFactor: number | undefined;
}

/** Per-parameter windows and lr-change bookkeeping for compareSmd. */
export class SmdTracker {
  readonly windowSteps: number;
  private readonly samples: number;
  private readonly lrChange: number;
  private readonly tracks = new Map<string, ParamTrack>();

  constructor(opts: SmdTrackerOptions = {}) {
    const windowSteps = opts.windowSteps ?? 200;
    const every = opts.every ?? 1;
    if (!Number.isInteger(windowSteps) || windowSteps < 1) {
      throw new Error(`SmdTracker: windowSteps must be an integer >= 1, got ${opts.windowSteps}`);
    }
    if (!Number.isInteger(every) || every < 1) {
      throw new Error(`SmdTracker: every must be an integer >= 1, got ${opts.every}`);
    }
    this.windowSteps = windowSteps;
    this.samples = Math.ceil(windowSteps / every);
    this.lrChange = opts.lrChangeRelative ?? 0.05;
  }

  /** Adds one step's measurements (SmdProbe.measure / measureArrays output). */
  push(ms: readonly ParamMeasurement[]): void {
    for (const m of ms) {
      let tr = this.tracks.get(m.param);
      if (tr === undefined) {
        tr = {
          delta: new RingWindow(this.samples),
          norm: new RingWindow(this.samples),
          last: m,
          lrAtChange: m.hyper.lr,
          changeStep: m.step,
          dropFactor: undefined,
        };
        this.tracks.set(m.param, tr);
      } else if (Math.abs(m.hyper.lr / tr.lrAtChange - 1) > this.lrChange) {
        const k = tr.lrAtChange / m.hyper.lr;
        tr.dropFactor = k > 1 ? k : undefined;
        tr.lrAtChange = m.hyper.lr;
        tr.changeStep = m.step;
      }
      tr.last = m;
      if (Number.isFinite(m.stats.deltaRad)) tr.delta.pushOne(m.stats.deltaRad);
      if (Number.isFinite(m.stats.norm)) tr.norm.pushOne(m.stats.norm);
    }
  }

  /** Parameters seen so far. */
  get params(): string[] {
    return [...this.tracks.keys()];
  }

  /** Steps since the last registered lr change of `param` (or since its first measurement). */
  stepsSinceLrChange(param: string): number {
    const tr = this.track(param);
    return tr.last.step - tr.changeStep;
  }

  /** compareSmd on the current windows of `param`; `scaleInvariant` comes from detection. */
  compare(param: string, scaleInvariant: boolean, tolerance?: number): Comparison {
    const tr = this.track(param);
    const m = tr.last;
    return compareSmd({
      param,
      deltaMeasured: tr.delta.mean(),
      normMeasured: tr.norm.mean(),
      deltaStar: m.deltaStar,
      wStar: m.wStar,
      lr: m.hyper.lr,
      weightDecay: m.hyper.weightDecay,
      momentum: m.hyper.momentum,
      scaleInvariant,
      predictable: m.hyper.predictable,
      stepsSinceLrChange: m.step - tr.changeStep,
      lrDropFactor: tr.dropFactor,
      windowSteps: this.windowSteps,
      tolerance,
    });
  }

  private track(param: string): ParamTrack {
    const tr = this.tracks.get(param);
    if (tr === undefined) throw new Error(`SmdTracker: no measurements of '${param}' yet`);
    return tr;
  }
}

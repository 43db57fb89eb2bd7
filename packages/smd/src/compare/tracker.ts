/**
 * SmdTracker: the library's in-process view of the run-analysis model. A training loop pushes
 * the probe's measurements each step; `analyze()` runs @smd/smd's analyzeRun on everything
 * pushed so far (live mode: trailing L_t windows, widened alert band), and `compare(param)` is
 * that analysis's table row for one tensor. It holds every pushed sample (six float64 per tensor
 * and step): probe every n-th step on long runs.
 */
import { analyzeRun, type AnalysisMode, type RunAnalysis } from '../analysis/analyze-run.js';
import type { LayerSeries } from '../analysis/layer-prediction.js';
import type { LayerAnalysis } from '../analysis/layer-table.js';
import { lastLrChange } from '../analysis/run-curves.js';
import { PAPER_WINDOW_STEPS, type RunConfig } from '../analysis/run-config.js';
import { lrPerStep } from '../analysis/windows.js';
import type { ParamMeasurement } from '../probe/smd-probe.js';

/** Options of SmdTracker. */
export interface SmdTrackerOptions {
  /** window length in steps (default PAPER_WINDOW_STEPS) */
  windowSteps?: number;
  /** the probe samples every n-th step (default 1) */
  every?: number;
}

/** Growable columns of one tensor. */
interface Track {
  steps: number[];
  delta: number[];
  norm: number[];
  radialCos: number[];
  unitGradSq: number[];
  hTilde: number[];
}

/** Collects probe measurements and analyzes them with analyzeRun. */
export class SmdTracker {
  readonly windowSteps: number;
  readonly every: number;
  private readonly tracks = new Map<string, Track>();
  private readonly lrSteps: number[] = [];
  private readonly lrValues: number[] = [];
  private last: ParamMeasurement | null = null;

  constructor(opts: SmdTrackerOptions = {}) {
    const windowSteps = opts.windowSteps ?? PAPER_WINDOW_STEPS;
    const every = opts.every ?? 1;
    if (!Number.isInteger(windowSteps) || windowSteps < 1) {
      throw new Error(`SmdTracker: windowSteps must be an integer >= 1, got ${opts.windowSteps}`);
    }
    if (!Number.isInteger(every) || every < 1) {
      throw new Error(`SmdTracker: every must be an integer >= 1, got ${opts.every}`);
    }
    this.windowSteps = windowSteps;
    this.every = every;
  }

  /** Adds one step's measurements (SmdProbe.measure / measureArrays output). */
  push(ms: readonly ParamMeasurement[]): void {
    for (const m of ms) {
      let tr = this.tracks.get(m.param);
      if (tr === undefined) {
        tr = { steps: [], delta: [], norm: [], radialCos: [], unitGradSq: [], hTilde: [] };
        this.tracks.set(m.param, tr);
      }
      tr.steps.push(m.step);
      tr.delta.push(m.stats.deltaRad);
      tr.norm.push(m.stats.norm);
      tr.radialCos.push(m.stats.radialCos);
      tr.unitGradSq.push(m.stats.unitGradSqNorm);
      tr.hTilde.push(m.stats.hTilde);
      if (this.lrSteps.length === 0 || m.step > this.lrSteps[this.lrSteps.length - 1]) {
        this.lrSteps.push(m.step);
        this.lrValues.push(m.hyper.lr);
      }
      this.last = m;
    }
  }

  /** Parameters seen so far. */
  get params(): string[] {
    return [...this.tracks.keys()];
  }

  /** The run config the measurements imply (optimizer facts of the last one). */
  config(): RunConfig {
    const h = this.last?.hyper ?? { lr: 0, weightDecay: 0, momentum: 0 };
    return {
      optimizer: h.predictable === false ? 'other' : h.momentum > 0 ? 'sgdm' : 'sgd',
      lr: this.lrValues[0] ?? h.lr,
      momentum: h.momentum,
      weightDecay: h.weightDecay,
      nesterov: false,
      dampening: 0,
      schedule: 'measured',
      windowSteps: this.windowSteps,
      probeEvery: this.every,
      rescale: false,
    };
  }

  /** analyzeRun over everything pushed; `scaleInvariant` per tensor (default: all true). */
  analyze(
    scaleInvariant: (param: string) => boolean | null = () => true,
    mode: AnalysisMode = 'live',
    tolerance?: number,
  ): RunAnalysis {
    const layers: LayerSeries[] = [...this.tracks].map(([param, t]) => ({
      param,
      scaleInvariant: scaleInvariant(param),
      reason: '',
      delta: { steps: t.steps, values: t.delta },
      norm: { steps: t.steps, values: t.norm },
      radialCos: { steps: t.steps, values: t.radialCos },
      unitGradSq: { steps: t.steps, values: t.unitGradSq },
      hTilde: { steps: t.steps, values: t.hTilde },
    }));
    const lastStep = this.lrSteps.length ? this.lrSteps[this.lrSteps.length - 1] : -1;
    return analyzeRun(
      { lastStep, lr: { steps: this.lrSteps, values: this.lrValues }, layers },
      this.config(),
      { mode, tolerance },
    );
  }

  /** Steps since the last lr change (more than 5% against η at the change before). */
  stepsSinceLrChange(param: string): number {
    const t = this.track(param);
    const last = t.steps[t.steps.length - 1];
    const lr = lrPerStep(last + 1, { steps: this.lrSteps, values: this.lrValues }, NaN);
    return last - lastLrChange(lr).step;
  }

  /** The analysis's table row of `param` (last window); `scaleInvariant` comes from detection. */
  compare(param: string, scaleInvariant: boolean, tolerance?: number): LayerAnalysis {
    this.track(param);
    const a = this.analyze((p) => (p === param ? scaleInvariant : null), 'live', tolerance);
    return a.layers.find((r) => r.param === param)!;
  }

  private track(param: string): Track {
    const tr = this.tracks.get(param);
    if (tr === undefined) throw new Error(`SmdTracker: no measurements of '${param}' yet`);
    return tr;
  }
}

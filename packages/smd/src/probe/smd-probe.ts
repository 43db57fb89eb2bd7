/**
 * SmdProbe: SMD measurements of selected parameters at every n-th optimizer step
 * (docs/smd-theory.md §5; architecture.md "SMD rules").
 *
 * Protocol per step t:  beforeStep(t) → optimizer.step() → afterStep(t, η_t).
 * beforeStep reads w_t, g_t and v_{t−1} in one pass (copying w_t into a preallocated buffer,
 * the only copy kept); afterStep reads the copy and w_{t+1} in a second pass. Computing
 * ⟨v_{t−1}, g_t⟩ before the step avoids copying the momentum buffer. No buffer is allocated per
 * step (only the small result records). Works on raw arrays through `ProbedParam`; see
 * engine-adapter.ts for the engine's parameters and optimizers.
 */
import type { ProbeMetric, ProbeSample } from './metric.js';
import { type ParamHyper, predictedDeltaStar, predictedWeightNormStar } from './predict.js';
import {
  POST_STRIDE,
  PRE_STRIDE,
  type FloatArray,
  fusedSums,
  postStepSums,
  preStepSums,
} from './sums.js';
import {
  type ChannelStats,
  type ProbeArrays,
  type TensorStats,
  allocChannelStats,
  fillChannelStats,
  totalStats,
} from './tensor-stats.js';
import { RingWindow, type RingWindowState } from './window.js';

/** One probed tensor, seen through accessors so any storage works. */
export interface ProbedParam {
  /** state_dict-style name, e.g. 'layer1.0.conv1.weight' */
  name: string;
  /** logical shape; dim 0 is the output channel in per-channel mode */
  shape: readonly number[];
  /** current values (w_t before the step, w_{t+1} after); row-major over dim 0 */
  data(): FloatArray;
  /** loss gradient g_t (without λw), or null if the parameter got none this step */
  grad(): FloatArray | null;
  /** SGDM momentum buffer before the step (v_{t−1}); null for SGD or before the first step */
  momentumBuffer(): FloatArray | null;
  /** the parameter group's hyperparameters at this step */
  hyper(): ParamHyper;
}

/** Probe options. */
export interface SmdProbeOptions {
  /** sample every n-th step (steps with step % every === 0); default 1 */
  every?: number;
  /** also measure per output channel (tensors with ≥ 2 dims); default false */
  perChannel?: boolean;
  /** L_t window length in steps (the paper: 200); holds ceil(windowSteps / every) samples */
  windowSteps?: number;
}

/** What afterStep measured for one parameter. Typed arrays inside are reused: valid until the next step. */
export interface ParamMeasurement {
  param: string;
  step: number;
  hyper: ParamHyper;
  /** the group has weight decay 0: Δ*, w* do not apply */
  noWeightDecay: boolean;
  stats: TensorStats;
  /** windowed mean of ‖g̃‖² (α = 0) or h̃ (α > 0) */
  lWindow: number;
  deltaStar: number;
  wStar: number;
  /** per-channel measurements (perChannel mode, ≥ 2-D tensors), else null */
  channels: ChannelStats | null;
  /** per-channel windowed L [out], else null */
  channelLWindow: Float64Array | null;
  /** per-channel ‖w*‖ [out], else null */
  channelWStar: Float64Array | null;
}

interface Slot {
  p: ProbedParam;
  rows: number;
  perChannel: boolean;
  /** w_t saved by beforeStep, preallocated like the parameter's data */
  prev: FloatArray;
  pre: Float64Array;
  post: Float64Array;
  window: RingWindow;
  channelWindow: RingWindow | null;
  channels: ChannelStats | null;
  channelL: Float64Array | null;
  channelWStar: Float64Array | null;
  armedStep: number;
}

/** Probes a fixed list of parameters; see the module comment for the step protocol. */
export class SmdProbe {
  readonly every: number;
  readonly windowSamples: number;
  private readonly slots: Slot[];
  private readonly byName = new Map<string, Slot>();

  /** Probe `params` (names must be unique). */
  constructor(params: readonly ProbedParam[], opts: SmdProbeOptions = {}) {
    const every = opts.every ?? 1;
    if (!Number.isInteger(every) || every < 1) {
      throw new Error(`SmdProbe: every must be an integer >= 1, got ${opts.every}`);
    }
    const windowSteps = opts.windowSteps ?? 200;
    if (!Number.isInteger(windowSteps) || windowSteps < 1) {
      throw new Error(`SmdProbe: windowSteps must be an integer >= 1, got ${opts.windowSteps}`);
    }
    this.every = every;
    this.windowSamples = Math.ceil(windowSteps / every);
    const seen = new Set<string>();
    this.slots = params.map((p) => {
      if (seen.has(p.name)) throw new Error(`SmdProbe: parameter '${p.name}' listed twice`);
      seen.add(p.name);
      const n = p.shape.reduce((a, b) => a * b, 1);
      const perChannel = (opts.perChannel ?? false) && p.shape.length >= 2 && p.shape[0] > 1;
      const rows = perChannel ? p.shape[0] : 1;
      const out: Slot = {
        p,
        rows,
        perChannel,
        prev: likeData(p.data()),
        pre: new Float64Array(PRE_STRIDE * rows),
        post: new Float64Array(POST_STRIDE * rows),
        window: new RingWindow(this.windowSamples),
        channelWindow: perChannel ? new RingWindow(this.windowSamples, rows) : null,
        channels: perChannel ? allocChannelStats(rows) : null,
        channelL: perChannel ? new Float64Array(rows) : null,
        channelWStar: perChannel ? new Float64Array(rows) : null,
        armedStep: NaN,
      };
      if (n !== p.data().length) {
        throw new Error(
          `SmdProbe: '${p.name}' has shape [${p.shape}] but ${p.data().length} values`,
        );
      }
      this.byName.set(p.name, out);
      return out;
    });
  }

  /** Names of the probed parameters, in order. */
  get params(): string[] {
    return this.slots.map((s) => s.p.name);
  }

  /** Whether step `step` is sampled. */
  shouldSample(step: number): boolean {
    return step % this.every === 0;
  }

  /** Call just before optimizer.step() of step `step`: saves w_t, reads g_t and v_{t−1}. */
  beforeStep(step: number): void {
    if (!this.shouldSample(step)) return;
    for (const s of this.slots) {
      const w = s.p.data();
      const g = s.p.grad();
      s.armedStep = NaN;
      if (g === null) continue; // no gradient this step: nothing to measure
      if (s.prev.length !== w.length || s.prev.constructor !== w.constructor) s.prev = likeData(w);
      preStepSums(s.pre, s.prev, w, g, s.p.momentumBuffer(), s.rows);
      s.armedStep = step;
    }
  }

  /**
   * Call just after optimizer.step() of step `step`; `lr` overrides every group's η for this
   * step (else each param's hyper().lr). Returns structured results (empty if not sampled).
   */
  measure(step: number, lr?: number): ParamMeasurement[] {
    if (!this.shouldSample(step)) return [];
    const out: ParamMeasurement[] = [];
    for (const s of this.slots) {
      if (s.armedStep !== step) continue;
      s.armedStep = NaN;
      postStepSums(s.post, s.prev, s.p.data(), s.rows);
      out.push(this.finish(s, step, lr));
    }
    return out;
  }

  /**
   * One-pass alternative to beforeStep/measure when the caller already holds w_t, w_{t+1}, g_t
   * and v_{t−1} (e.g. the engine optimizer's step hook): measures parameter `name` at `step`.
   * Returns null when `step` is not sampled. Throws for an unknown name.
   */
  measureArrays(
    step: number,
    name: string,
    arrays: ProbeArrays,
    lr?: number,
  ): ParamMeasurement | null {
    const s = this.byName.get(name);
    if (s === undefined) throw new Error(`SmdProbe: '${name}' is not a probed parameter`);
    if (!this.shouldSample(step)) return null;
    fusedSums(s.pre, s.post, arrays.wPrev, arrays.wNext, arrays.grad, arrays.momentumPrev, s.rows);
    return this.finish(s, step, lr);
  }

  /** Turns the filled sums of `s` into a measurement; updates the L windows. */
  private finish(s: Slot, step: number, lr: number | undefined): ParamMeasurement {
    const h0 = s.p.hyper();
    const hyper: ParamHyper = { ...h0, lr: lr ?? h0.lr };
    const n = s.prev.length;
    const stats = totalStats(s.pre, s.post, s.rows, hyper, n);
    s.window.pushOne(hyper.momentum > 0 ? stats.hTilde : stats.unitGradSqNorm);
    const lWindow = s.window.mean();
    let channels: ChannelStats | null = null;
    if (s.perChannel) {
      channels = fillChannelStats(s.channels!, s.pre, s.post, s.rows, hyper, n / s.rows);
      s.channelWindow!.push(hyper.momentum > 0 ? channels.hTilde : channels.unitGradSqNorm);
      s.channelWindow!.means(s.channelL!);
      for (let r = 0; r < s.rows; r++) {
        s.channelWStar![r] = predictedWeightNormStar(hyper, s.channelL![r]);
      }
    }
    return {
      param: s.p.name,
      step,
      hyper,
      noWeightDecay: !(hyper.weightDecay > 0),
      stats,
      lWindow,
      deltaStar: predictedDeltaStar(hyper),
      wStar: predictedWeightNormStar(hyper, lWindow),
      channels,
      channelLWindow: s.perChannel ? s.channelL : null,
      channelWStar: s.perChannel ? s.channelWStar : null,
    };
  }

  /** measure() flattened into typed samples (non-finite values are skipped). */
  afterStep(step: number, lr?: number): ProbeSample[] {
    const samples: ProbeSample[] = [];
    for (const m of this.measure(step, lr)) appendSamples(samples, m);
    return samples;
  }

  /**
   * The L_t windows as JSON, keyed `param` (whole tensor) and `param#ch` (per channel): what a
   * checkpoint saves so a resumed run's windowed L_t equals an uninterrupted run's bit for bit.
   */
  stateDict(): Record<string, RingWindowState> {
    const out: Record<string, RingWindowState> = {};
    for (const s of this.slots) {
      out[s.p.name] = s.window.stateDict();
      if (s.channelWindow) out[`${s.p.name}#ch`] = s.channelWindow.stateDict();
    }
    return out;
  }

  /** Restores stateDict() output; `where` (e.g. the checkpoint path) prefixes errors. */
  loadStateDict(sd: Record<string, RingWindowState>, where = 'SmdProbe.loadStateDict'): void {
    for (const s of this.slots) {
      const keys: [string, RingWindow | null][] = [
        [s.p.name, s.window],
        [`${s.p.name}#ch`, s.channelWindow],
      ];
      for (const [key, w] of keys) {
        if (w === null) continue;
        const saved = sd[key];
        if (saved === undefined) throw new Error(`${where}: no L window for '${key}'`);
        w.loadStateDict(saved, `${where}: L window of '${key}'`);
      }
    }
  }

  /** Forgets the L windows (e.g. after loading a checkpoint). */
  resetWindows(): void {
    for (const s of this.slots) {
      s.window.clear();
      s.channelWindow?.clear();
    }
  }
}

/** A zeroed buffer of the same type and length as `d`. */
function likeData(d: FloatArray): FloatArray {
  return d instanceof Float64Array ? new Float64Array(d.length) : new Float32Array(d.length);
}

const STAT_METRICS: readonly [ProbeMetric, keyof TensorStats, boolean][] = [
  // [metric, field, SGDM only]
  ['norm', 'norm', false],
  ['delta_rad', 'deltaRad', false],
  ['grad_sq_norm', 'gradSqNorm', false],
  ['unit_grad_sq_norm', 'unitGradSqNorm', false],
  ['h_tilde', 'hTilde', true],
  ['v_dot_g', 'vDotG', true],
  ['radial_cos', 'radialCos', false],
  ['lr_effective', 'lrEffective', false],
  ['update_rms', 'updateRms', false],
];

function push(
  out: ProbeSample[],
  step: number,
  param: string,
  metric: ProbeMetric,
  value: number,
  channel?: number,
): void {
  if (!Number.isFinite(value)) return;
  out.push(
    channel === undefined
      ? { step, param, metric, value }
      : { step, param, metric, value, channel },
  );
}

/** Appends the samples of one measurement: whole tensor first, then per channel. */
export function appendSamples(out: ProbeSample[], m: ParamMeasurement): ProbeSample[] {
  const sgdm = m.hyper.momentum > 0;
  for (const [metric, key, onlySgdm] of STAT_METRICS) {
    if (!onlySgdm || sgdm) push(out, m.step, m.param, metric, m.stats[key]);
  }
  push(out, m.step, m.param, 'L_window', m.lWindow);
  push(out, m.step, m.param, 'delta_star', m.deltaStar);
  push(out, m.step, m.param, 'w_star', m.wStar);
  const ch = m.channels;
  if (ch) push(out, m.step, m.param, 'rotation_spread', rotationSpread(ch.deltaRad));
  if (ch) {
    for (let c = 0; c < ch.norm.length; c++) {
      for (const [metric, key, onlySgdm] of STAT_METRICS) {
        if (!onlySgdm || sgdm) push(out, m.step, m.param, metric, ch[key][c], c);
      }
      push(out, m.step, m.param, 'L_window', m.channelLWindow![c], c);
      push(out, m.step, m.param, 'w_star', m.channelWStar![c], c);
    }
  }
  return out;
}

/**
 * Balanced rotation (Kosson et al.): std/mean of this step's Δ across the output channels of a
 * tensor (0 = every neuron turned by the same angle). NaN with fewer than 2 channels.
 */
export function rotationSpread(deltaRad: Float64Array): number {
  const n = deltaRad.length;
  if (n < 2) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += deltaRad[i];
  const mean = s / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (deltaRad[i] - mean) ** 2;
  return Math.sqrt(v / n) / mean;
}

/**
 * Alerts: a layer whose windowed RMS Δ leaves the band around its mean-field prediction (with
 * the likely cause), a tensor whose radial cosine says it is not scale-invariant, the early
 * warning of the periodic BN + weight-decay instability (Lobacheva et al. 2021: the norm keeps
 * shrinking while the effective lr η/‖w‖² and ‖g̃‖ keep rising, until the loss spikes), and
 * update spikes (one Δ_t far above its window's RMS).
 */
import type { AssumptionCheck } from '../theory/assumptions.js';
import { PrefixSums, type Series } from './windows.js';

/** What an alert is about (closed set). */
export type AlertKind = 'off_prediction' | 'not_scale_invariant' | 'instability' | 'spike';

/** One alert about one layer. */
export interface RunAlert {
  kind: AlertKind;
  param: string;
  /** the step the alert describes (end of its window, or the spike's step) */
  step: number;
  /** off_prediction: RMS Δ / predicted Δ; spike: Δ_t / RMS Δ of the window before; else the trend ratio */
  ratio: number;
  message: string;
  /** the likely cause in one sentence */
  cause: string;
}

/** Alerts fire when |RMS Δ / prediction − 1| exceeds this (plus, live, the measured lag error). */
export const ALERT_BAND = 0.1;

/**
 * A Δ_t above this multiple of the RMS Δ of the window before it is a spike. On the healthy
 * Fashion-MNIST ResNet of docs/predictions.md the largest ratio in any layer was 4.4× (the
 * 144-weight stem conv, whose single steps are noisiest).
 */
export const SPIKE_FACTOR = 6;

/** Consecutive windows of shrinking ‖w‖ with rising η/‖w‖² and ‖g̃‖ that raise the early warning. */
export const INSTABILITY_WINDOWS = 4;

const pct = (x: number): string => `${(Math.abs(x) * 100).toFixed(0)}%`;

/** Facts behind an off-prediction alert. */
export interface OffPredictionInput {
  param: string;
  step: number;
  deltaRms: number;
  deltaPredicted: number;
  band: number;
  stepsSinceLrChange: number;
  relaxationSteps: number;
  assumptions: readonly AssumptionCheck[];
  lambdaEta: number;
}

/** Alert when the RMS Δ of the last window is off the prediction by more than `band`; else null. */
export function offPredictionAlert(x: OffPredictionInput): RunAlert | null {
  const ratio = x.deltaRms / x.deltaPredicted;
  if (!Number.isFinite(ratio) || Math.abs(ratio - 1) <= x.band) return null;
  const failed = x.assumptions.filter((a) => a.holds === false).map((a) => a.id);
  let cause: string;
  if (ratio < 1 && x.stepsSinceLrChange < x.relaxationSteps) {
    cause = `still relaxing after the lr change ${x.stepsSinceLrChange} steps ago (Corollary 3.1: ~${Math.round(x.relaxationSteps)} steps), faster than L_t lets the prediction follow`;
  } else if (failed.includes('smoothness')) {
    cause =
      'L_t (the unit-gradient norm) changes faster than the norm can follow (smoothness assumption fails)';
  } else if (failed.includes('lower-bound-l')) {
    cause = 'the unit-gradient norm ‖g̃‖² gets too small at times (lower-bound assumption fails)';
  } else if (x.lambdaEta > 1e-2) {
    cause = 'λη is not small, the equilibrium approximation is loose';
  } else if (ratio > 1) {
    cause =
      'Δ above prediction: the weights were shrunk or moved by something other than this optimizer step (a loss spike, a data change)';
  } else {
    cause =
      'Δ below prediction: the weights were enlarged or frozen, or the update is not the optimizer the config names';
  }
  return {
    kind: 'off_prediction',
    param: x.param,
    step: x.step,
    ratio,
    message: `${x.param}: RMS Δ = ${x.deltaRms.toPrecision(3)} over the last window is ${pct(ratio - 1)} ${ratio > 1 ? 'above' : 'below'} the mean-field prediction ${x.deltaPredicted.toPrecision(3)} (band ±${pct(x.band)})`,
    cause,
  };
}

/** Alert for a tensor taken as scale-invariant whose mean |radial cosine| is above the limit. */
export function radialAlert(
  param: string,
  step: number,
  meanAbsCos: number,
  limit: number,
): RunAlert {
  return {
    kind: 'not_scale_invariant',
    param,
    step,
    ratio: meanAbsCos / limit,
    message: `${param}: mean |radial cosine| ${meanAbsCos.toPrecision(3)} over the last window (scale-invariant tensors stay below ${limit})`,
    cause:
      'the gradient has a radial component, so this tensor is not scale-invariant (no normalization after it, or a bias/affine term shares it): Δ* does not apply',
  };
}

/** Per-layer inputs of the instability check. */
export interface InstabilityInput {
  param: string;
  norm: Series;
  unitGradSq: Series;
  /** η per step */
  lr: Float64Array;
  /** RMS Δ and Δ* of the last window */
  deltaRms: number;
  deltaStar: number;
  windowSteps: number;
  /** first step of the current lr segment (trends never cross an lr change) */
  segmentStart: number;
  lastStep: number;
}

/**
 * Early warning of the periodic instability: over the last INSTABILITY_WINDOWS windows of the
 * current lr segment, the mean ‖w‖ falls in every window while η/‖w‖² and the RMS ‖g̃‖ rise in
 * every window, and Δ is at or above Δ* (a layer relaxing up to a new equilibrium after a drop
 * has Δ below Δ*; at equilibrium ‖w*‖⁴ ∝ L, so a norm that falls while L rises is leaving it).
 */
export function instabilityAlert(x: InstabilityInput): RunAlert | null {
  const k = INSTABILITY_WINDOWS;
  const W = x.windowSteps;
  const first = x.lastStep - k * W + 1;
  if (first < x.segmentStart || !(x.deltaRms >= x.deltaStar)) return null;
  const norm = new PrefixSums(x.norm);
  const g = new PrefixSums(x.unitGradSq);
  const ns: number[] = [];
  const effs: number[] = [];
  const gs: number[] = [];
  for (let i = 0; i < k; i++) {
    const from = first + i * W;
    const to = from + W - 1;
    const n = norm.stats(from, to).mean;
    ns.push(n);
    effs.push(x.lr[Math.min(to, x.lr.length - 1)] / (n * n));
    gs.push(Math.sqrt(g.stats(from, to).mean));
  }
  for (let i = 1; i < k; i++) {
    if (!(ns[i] < ns[i - 1] && effs[i] > effs[i - 1] && gs[i] > gs[i - 1])) return null;
  }
  const normFall = 1 - ns[k - 1] / ns[0];
  return {
    kind: 'instability',
    param: x.param,
    step: x.lastStep,
    ratio: effs[k - 1] / effs[0],
    message: `${x.param}: over the last ${k * W} steps ‖w‖ fell ${pct(normFall)} while η/‖w‖² rose ${pct(effs[k - 1] / effs[0] - 1)} and ‖g̃‖ rose ${pct(gs[k - 1] / gs[0] - 1)}`,
    cause:
      'the periodic BN + weight-decay instability builds up like this (Lobacheva et al. 2021): the effective lr keeps growing until the loss spikes; a smaller η or λ, or warmup after the spike, avoids it',
  };
}

/** A step whose Δ_t exceeds SPIKE_FACTOR × the RMS Δ of the window before it. */
export interface Spike {
  param: string;
  step: number;
  delta: number;
  /** Δ_t / RMS Δ of the preceding window */
  ratio: number;
}

/**
 * Every spike of one layer's Δ series (causal: each step against the window before it, which
 * must lie in the same lr segment: a raised η moves every Δ at once and is no spike), up to
 * `lastStep`.
 */
export function findSpikes(
  param: string,
  delta: Series,
  windowSteps: number,
  segmentStarts: readonly number[],
  lastStep = Infinity,
): Spike[] {
  const ps = new PrefixSums(delta);
  const out: Spike[] = [];
  let seg = 0;
  for (let i = 0; i < delta.steps.length && delta.steps[i] <= lastStep; i++) {
    const t = delta.steps[i];
    while (seg + 1 < segmentStarts.length && segmentStarts[seg + 1] <= t) seg++;
    const lo = segmentStarts[seg] ?? 0;
    const before = ps.stats(Math.max(lo, t - windowSteps), t - 1);
    if (before.n < windowSteps / 4) continue;
    const ratio = delta.values[i] / before.rms;
    if (ratio > SPIKE_FACTOR) out.push({ param, step: t, delta: delta.values[i], ratio });
  }
  return out;
}

/** Alert for the latest spike of a layer. */
export function spikeAlert(s: Spike, count: number): RunAlert {
  return {
    kind: 'spike',
    param: s.param,
    step: s.step,
    ratio: s.ratio,
    message: `${s.param}: Δ_t = ${s.delta.toPrecision(3)} at step ${s.step} is ${s.ratio.toFixed(1)}× the RMS of the ${count > 1 ? `window before it (${count} spikes in this run)` : 'window before it'}`,
    cause:
      'one update moved the weights far more than the steps before: a loss spike, an outlier batch, or the start of the BN + weight-decay instability',
  };
}

/**
 * The per-layer table (windowed Δ vs Δ*, ‖w‖ vs w*, radial cosine, verdict from @smd/smd's
 * compareSmd, assumption checks) and the alerts raised when a layer's windowed Δ leaves the
 * predicted band, with the likely cause. Pure; inputs are full-resolution arrays.
 */
import { checkAssumptions, compareSmd, type AssumptionCheck } from '@smd/smd';
import type { ParamInfo } from '@smd/runs/browser/index';
import type { LayerRow, RunAlert, RunHyper } from './run-data.js';
import { lastFinite, tailMean } from './series.js';

/** Full-resolution measurements of one tensor (values at the probe's sample steps). */
export interface LayerArrays {
  delta: ArrayLike<number>;
  norm: ArrayLike<number>;
  radialCos: ArrayLike<number>;
  lWindow: ArrayLike<number>;
  /** ‖g̃‖² (SGD) or h̃ (SGDM) per sample. */
  unitGrad: ArrayLike<number>;
  deltaStar: ArrayLike<number>;
  wStar: ArrayLike<number>;
}

/** Inputs of {@link summarizeLayer} shared by all layers of a run. */
export interface SummaryContext {
  hyper: RunHyper;
  /** Samples per window (windowSteps / every). */
  windowSamples: number;
  windowSteps: number;
  stepsSinceLrChange: number;
  lrDropFactor: number | undefined;
  /** Relative tolerance of the verdict (default 0.05). */
  tolerance?: number;
}

/** |radial cosine| above this means the tensor is not scale-invariant (Lemma 1: ⟨w, g⟩ = 0). */
export const RADIAL_COS_LIMIT = 0.1;

function variance(y: ArrayLike<number>, from: number): { mean: number; v: number; min: number } {
  let s = 0;
  let s2 = 0;
  let k = 0;
  let min = Infinity;
  for (let i = Math.max(0, from); i < y.length; i++) {
    if (!Number.isFinite(y[i])) continue;
    s += y[i];
    s2 += y[i] * y[i];
    min = Math.min(min, y[i]);
    k++;
  }
  const mean = k ? s / k : NaN;
  return { mean, v: k ? Math.max(0, s2 / k - mean * mean) : NaN, min: k ? min : NaN };
}

/** One table row: windowed means at the last sample, compareSmd verdict, per-layer checks. */
export function summarizeLayer(
  info: ParamInfo | undefined,
  param: string,
  a: LayerArrays,
  deltaPredicted: number,
  ctx: SummaryContext,
): LayerRow {
  const ws = ctx.windowSamples;
  const deltaWindow = tailMean(a.delta, ws);
  const norm = tailMean(a.norm, ws);
  const radialCos = tailMean(a.radialCos, ws);
  const L = lastFinite(a.lWindow);
  const h = ctx.hyper;
  const lr = h.lr ?? NaN;
  const wd = h.wd ?? 0;
  const scaleInvariant =
    info?.scaleInvariant ??
    (Number.isFinite(radialCos) ? Math.abs(radialCos) < RADIAL_COS_LIMIT : false);
  const row: LayerRow = {
    param,
    scaleInvariant: info?.scaleInvariant ?? null,
    reason: info?.reason ?? '',
    deltaWindow,
    deltaStar: lastFinite(a.deltaStar),
    deltaRatio: NaN,
    norm,
    wStar: lastFinite(a.wStar),
    normRatio: NaN,
    radialCos,
    L,
    verdict: 'no_data',
    conditions: [],
    summary: `${param}: no Δ measurements yet`,
    stepsSinceLrChange: ctx.stepsSinceLrChange,
    relaxationSteps: NaN,
    deltaPredicted,
    assumptions: [],
  };
  if (!Number.isFinite(deltaWindow) || !(lr > 0)) return row;
  const c = compareSmd({
    param,
    deltaMeasured: deltaWindow,
    normMeasured: norm,
    deltaStar: row.deltaStar,
    wStar: row.wStar,
    lr,
    weightDecay: wd,
    momentum: h.momentum,
    scaleInvariant,
    predictable: h.predictable,
    stepsSinceLrChange: ctx.stepsSinceLrChange,
    lrDropFactor: ctx.lrDropFactor,
    windowSteps: ctx.windowSteps,
    tolerance: ctx.tolerance,
  });
  row.verdict = c.verdict;
  row.conditions = c.conditions;
  row.summary = c.summary;
  row.deltaRatio = c.deltaRatio;
  row.normRatio = c.normRatio;
  row.relaxationSteps = c.relaxationSteps;
  if (wd > 0) {
    const g = variance(a.unitGrad, a.unitGrad.length - ws);
    const lSeries = Array.from(a.lWindow).slice(-ws).filter(Number.isFinite);
    row.assumptions = checkAssumptions({
      lr,
      wd,
      momentum: h.momentum,
      L: Number.isFinite(L) ? L : undefined,
      l: Number.isFinite(g.min) ? g.min : undefined,
      V: Number.isFinite(g.v) ? g.v : undefined,
      Lseries: lSeries,
    }).filter((x) => x.id === 'lower-bound-l' || x.id === 'smoothness');
  }
  return row;
}

/** The run-level checks (λη ≪ 1 and the momentum conditions) at the current η; [] if unknown. */
export function runAssumptions(h: RunHyper): AssumptionCheck[] {
  if (!(h.lr !== null && h.lr > 0 && h.wd !== null && h.wd > 0)) return [];
  return checkAssumptions({ lr: h.lr, wd: h.wd, momentum: h.momentum }).filter(
    (x) => x.id !== 'lower-bound-l' && x.id !== 'smoothness',
  );
}

const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;

/**
 * Alert for a layer whose windowed Δ is off the prediction (mean-field Δ_t, else Δ*) by more
 * than `band` (relative), with the likely cause; null when inside the band or not applicable.
 */
export function layerAlert(row: LayerRow, step: number, h: RunHyper, band = 0.15): RunAlert | null {
  if (row.verdict === 'no_data') return null;
  const pred = Number.isFinite(row.deltaPredicted) ? row.deltaPredicted : row.deltaStar;
  const base = { param: row.param, step };
  if (row.verdict === 'not_scale_invariant' || Math.abs(row.radialCos) > RADIAL_COS_LIMIT) {
    if (row.scaleInvariant === false) return null; // declared so: the table says it, no alert
    return {
      ...base,
      ratio: row.deltaWindow / pred,
      message: `${row.param}: radial cosine ${row.radialCos.toFixed(3)} (should be ≈ 0)`,
      cause:
        'the gradient has a radial component, so this tensor is not scale-invariant (no normalization after it, or a bias/affine term shares it): Δ* does not apply',
    };
  }
  if (row.verdict === 'no_weight_decay' || row.verdict === 'optimizer_not_covered') return null;
  if (!(pred > 0)) return null;
  const ratio = row.deltaWindow / pred;
  if (Math.abs(ratio - 1) <= band) return null;
  const failed = row.assumptions.filter((x) => x.holds === false).map((x) => x.id);
  let cause: string;
  if (ratio < 1 && row.stepsSinceLrChange < row.relaxationSteps) {
    cause = `still relaxing after the lr change ${row.stepsSinceLrChange} steps ago: Δ climbs back to Δ* over ~${Math.round(row.relaxationSteps)} steps (Corollary 3.1); rescaling the weights by k^(−1/4) at the drop skips this`;
  } else if (failed.includes('smoothness')) {
    cause =
      'L_t (the unit-gradient norm) is changing faster than the norm can follow (smoothness assumption fails)';
  } else if (failed.includes('lower-bound-l')) {
    cause = 'the unit-gradient norm ‖g̃‖² gets too small at times (lower-bound assumption fails)';
  } else if (h.lr !== null && h.wd !== null && h.lr * h.wd > 1e-2) {
    cause = 'λη is not small, the equilibrium approximation is loose';
  } else if (ratio > 1) {
    cause =
      'Δ above prediction: L_t jumped (loss spike, lr increase or data change) or the weights were shrunk';
  } else {
    cause =
      'Δ below prediction: L_t is falling (the loss is converging) or the weights were enlarged / frozen';
  }
  return {
    ...base,
    ratio,
    message: `${row.param}: windowed Δ = ${row.deltaWindow.toPrecision(3)} is ${pct(Math.abs(ratio - 1))} ${ratio > 1 ? 'above' : 'below'} the prediction ${pred.toPrecision(3)}`,
    cause,
  };
}

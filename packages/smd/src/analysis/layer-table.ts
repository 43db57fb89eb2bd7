/**
 * One row of the per-layer table: over the last window, the measured Δ (mean and RMS), Δ*, the
 * layer's mean-field Δ and both errors, ‖w‖ against ‖w*‖, the radial cosine, compareSmd's verdict
 * and the per-layer assumption checks (docs/smd-theory.md §3, §4, §8).
 */
import { compareSmd, type CompareCondition, type CompareVerdict } from '../compare/compare.js';
import { checkAssumptions, type AssumptionCheck } from '../theory/assumptions.js';
import { deltaStarExact, weightNormStar } from '../theory/equilibrium.js';
import type { LayerPrediction, LayerSeries, WindowComparison } from './layer-prediction.js';
import { PrefixSums, type Series } from './windows.js';

/** One row of the per-layer table (the last window of steps [from, to]). */
export interface LayerAnalysis {
  param: string;
  /** as declared by detection; null when unknown */
  declaredScaleInvariant: boolean | null;
  /** declared, else judged by the radial cosine (RADIAL_COS_LIMIT) */
  scaleInvariant: boolean;
  reason: string;
  from: number;
  to: number;
  deltaMean: number;
  deltaRms: number;
  /** Δ* at the last step's η */
  deltaStar: number;
  /** RMS of the layer's mean-field Δ_t over the window (NaN without one) */
  deltaPredicted: number;
  /** deltaRms / deltaStar */
  deltaRatio: number;
  /** deltaRms / deltaPredicted − 1 */
  predictedError: number;
  /** deltaRms / deltaStar − 1 */
  starError: number;
  /** relative band around deltaPredicted inside which no alert fires */
  band: number;
  /** mean ‖w‖ over the window */
  norm: number;
  /** ‖w*‖ from the window's mean L */
  wStar: number;
  normRatio: number;
  /** mean |radial cosine| over the window */
  radialCos: number;
  /** mean of h̃ (SGDM) or ‖g̃‖² (SGD) over the window: L */
  L: number;
  verdict: CompareVerdict | 'no_data';
  conditions: CompareCondition[];
  summary: string;
  stepsSinceLrChange: number;
  relaxationSteps: number;
  /** 'lower-bound-l' and 'smoothness' over the window */
  assumptions: AssumptionCheck[];
}

/** Run-wide facts every row needs. */
export interface RowContext {
  from: number;
  to: number;
  /** η at the last step */
  lr: number;
  weightDecay: number;
  momentum: number;
  predictable: boolean;
  radialCosLimit: number;
  stepsSinceLrChange: number;
  lrDropFactor: number | undefined;
  windowSteps: number;
  tolerance: number;
}

function windowMin(s: Series, from: number, to: number): { min: number; variance: number } {
  const ps = new PrefixSums(s);
  const [i0, i1] = ps.range(from, to);
  let min = Infinity;
  for (let i = i0; i < i1; i++) if (Number.isFinite(s.values[i])) min = Math.min(min, s.values[i]);
  const st = ps.stats(from, to);
  return { min: st.n ? min : NaN, variance: st.n ? Math.max(0, st.rms ** 2 - st.mean ** 2) : NaN };
}

function meanAbs(s: Series, from: number, to: number): number {
  const abs = { steps: s.steps, values: Array.from(s.values, Math.abs) };
  return new PrefixSums(abs).stats(from, to).mean;
}

/** The table row of one layer; `cmp` is its comparison over [ctx.from, ctx.to]. */
export function layerRow(
  layer: LayerSeries,
  driver: Series,
  pred: LayerPrediction | null,
  cmp: WindowComparison,
  band: number,
  ctx: RowContext,
): LayerAnalysis {
  const { from, to } = ctx;
  const radialCos = meanAbs(layer.radialCos, from, to);
  const scaleInvariant =
    layer.scaleInvariant ?? (Number.isFinite(radialCos) && radialCos < ctx.radialCosLimit);
  const norm = new PrefixSums(layer.norm).stats(from, to).mean;
  const L = new PrefixSums(driver).stats(from, to).mean;
  const applies = ctx.predictable && ctx.lr > 0 && ctx.weightDecay > 0 && ctx.momentum < 1;
  const hyper = { lr: ctx.lr, wd: ctx.weightDecay, momentum: ctx.momentum };
  const deltaStar = applies ? deltaStarExact(hyper) : NaN;
  const wStar = applies && L > 0 ? weightNormStar({ ...hyper, L }) : NaN;
  const row: LayerAnalysis = {
    param: layer.param,
    declaredScaleInvariant: layer.scaleInvariant,
    scaleInvariant,
    reason: layer.reason,
    from,
    to,
    deltaMean: cmp.deltaMean,
    deltaRms: cmp.deltaRms,
    deltaStar,
    deltaPredicted: scaleInvariant ? cmp.deltaPredicted : NaN,
    deltaRatio: cmp.deltaRms / deltaStar,
    predictedError: scaleInvariant ? cmp.predictedError : NaN,
    starError: cmp.deltaRms / deltaStar - 1,
    band,
    norm,
    wStar,
    normRatio: norm / wStar,
    radialCos,
    L,
    verdict: 'no_data',
    conditions: [],
    summary: `${layer.param}: no Δ measurements yet`,
    stepsSinceLrChange: ctx.stepsSinceLrChange,
    relaxationSteps: NaN,
    assumptions: [],
  };
  if (!(cmp.n > 0) || !(ctx.lr > 0)) return row;
  const c = compareSmd({
    param: layer.param,
    deltaMeasured: cmp.deltaRms,
    normMeasured: norm,
    deltaStar,
    wStar,
    lr: ctx.lr,
    weightDecay: ctx.weightDecay,
    momentum: ctx.momentum,
    scaleInvariant,
    predictable: ctx.predictable,
    stepsSinceLrChange: ctx.stepsSinceLrChange,
    lrDropFactor: ctx.lrDropFactor,
    windowSteps: ctx.windowSteps,
    tolerance: ctx.tolerance,
  });
  row.verdict = c.verdict;
  row.conditions = c.conditions;
  row.summary = c.summary;
  row.relaxationSteps = c.relaxationSteps;
  if (applies) {
    const g = windowMin(driver, from, to);
    const lSeries: number[] = [];
    if (pred) for (let t = Math.max(from, pred.start); t <= to; t++) lSeries.push(pred.L[t]);
    row.assumptions = checkAssumptions({
      ...hyper,
      L: L > 0 ? L : undefined,
      l: g.min > 0 ? g.min : undefined,
      V: Number.isFinite(g.variance) ? g.variance : undefined,
      Lseries: lSeries,
    }).filter((x) => x.id === 'lower-bound-l' || x.id === 'smoothness');
  }
  return row;
}

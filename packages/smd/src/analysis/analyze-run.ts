/**
 * analyzeRun: one run's sampled series + its typed config → the per-layer table, per-layer
 * mean-field predictions, the comparison over every window, run-level verdicts and alerts.
 * The one implementation behind train's summary, report, serve, reproduce and analyze.
 */
import { checkAssumptions, type AssumptionCheck } from '../theory/assumptions.js';
import { localRate } from '../theory/fixed-point.js';
import {
  ALERT_BAND,
  findSpikes,
  instabilityAlert,
  offPredictionAlert,
  radialAlert,
  spikeAlert,
  type RunAlert,
  type Spike,
} from './alerts.js';
import {
  LayerWindows,
  lDriver,
  predictLayer,
  type LayerPrediction,
  type LayerSeries,
  type PredictionContext,
  type WindowComparison,
} from './layer-prediction.js';
import { layerRow, type LayerAnalysis } from './layer-table.js';
import { deltaStarPerStep, lastLrChange, runDeltaCurve } from './run-curves.js';
import { predictable, RADIAL_COS_LIMIT, type RunConfig } from './run-config.js';
import { lrPerStep, lrSegmentStarts, type LEstimate, type Series } from './windows.js';

/** A run's measurements as sampled series (what a metric store or a live probe holds). */
export interface RunSeries {
  /** last complete step (−1: none yet) */
  lastStep: number;
  /** the η each step used (the logged lr scalar) */
  lr: Series;
  /** probed tensors, in model order */
  layers: LayerSeries[];
  /** the rescaling trick was applied at lr drops (config or a 'rescale' event) */
  rescaled?: boolean;
}

/**
 * 'offline' (report, summary, reproduce, analyze): L_t from block windows (the comparison
 * windows themselves); 'live' (serve on a running run): per-step causal trailing windows, with
 * each layer's band widened by the lag error measured between the trailing and block
 * predictions over the recent windows.
 */
export type AnalysisMode = 'offline' | 'live';

/** Options of analyzeRun. */
export interface AnalyzeOptions {
  mode: AnalysisMode;
  /** relative tolerance of the equilibrium verdict (default 0.05) */
  tolerance?: number;
}

/** Run-level verdicts over the scale-invariant layers. */
export interface RunVerdicts {
  /** predictable(config): the SMD predictions apply to this optimizer */
  predictable: boolean;
  /** local time constant of the recurrence at the first η (steps); windows before it are the warm-up */
  tau: number;
  /** median RMS Δ / Δ* in the last window */
  medianDeltaRatio: number;
  /** median and worst |RMS Δ / mean-field Δ − 1| in the last window */
  medianPredictedError: number;
  worstPredictedError: number;
  /** median and worst |RMS Δ / Δ* − 1| in the last window */
  medianStarError: number;
  worstStarError: number;
  /**
   * Share of the layers' spread around Δ* that the recurrence explains, last window:
   * 1 − Σ ln²(RMS/mean-field) / Σ ln²(RMS/Δ*) (1 = all of it).
   */
  explainedSpread: number;
  /** the window (after τ) with the largest |RMS Δ / mean-field Δ − 1|, or null */
  worstWindow: WindowComparison | null;
}

/** Predicted curves, one value per step 0..lastStep. */
export interface RunPredictions {
  lr: Float64Array;
  deltaStar: Float64Array;
  /** Δ_t from the first phase's equilibrium (L-free), null when not predictable */
  runDelta: Float64Array | null;
  /** per scale-invariant layer */
  layers: Map<string, LayerPrediction>;
}

/** Everything analyzeRun returns. */
export interface RunAnalysis {
  config: RunConfig;
  mode: AnalysisMode;
  estimate: LEstimate;
  windowSteps: number;
  lastStep: number;
  /** the per-layer table, scale-invariant layers first (model order otherwise) */
  layers: LayerAnalysis[];
  /** every complete window [kW, (k+1)W − 1] of every scale-invariant layer */
  windows: WindowComparison[];
  predictions: RunPredictions;
  verdicts: RunVerdicts;
  /** run-level assumption checks at the last η */
  assumptions: AssumptionCheck[];
  spikes: Spike[];
  alerts: RunAlert[];
}

function median(xs: number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function maxAbs(xs: number[]): number {
  const f = xs.filter(Number.isFinite);
  return f.length === 0 ? NaN : Math.max(...f.map(Math.abs));
}

/** Largest |trailing / block − 1| of the predicted RMS over the last `n` complete windows. */
function lagError(
  layer: LayerSeries,
  trailing: LayerPrediction,
  block: LayerPrediction,
  ds: Float64Array,
  W: number,
  lastStep: number,
  n = 5,
): number {
  const a = new LayerWindows(layer.param, layer.delta, trailing.delta, ds);
  const b = new LayerWindows(layer.param, layer.delta, block.delta, ds);
  // Leave out the last half window, where the block estimate is still filling up.
  const end = lastStep - Math.ceil(W / 2);
  let worst = 0;
  for (let k = 0; k < n; k++) {
    const to = end - k * W;
    const from = to - W + 1;
    if (from < Math.max(trailing.start, block.start)) break;
    const e = a.compare(from, to).deltaPredicted / b.compare(from, to).deltaPredicted - 1;
    if (Number.isFinite(e)) worst = Math.max(worst, Math.abs(e));
  }
  return worst;
}

/** Analyzes one run; see the module comment and RunAnalysis. */
export function analyzeRun(
  series: RunSeries,
  config: RunConfig,
  opts: AnalyzeOptions,
): RunAnalysis {
  const W = config.windowSteps;
  const lastStep = series.lastStep;
  const steps = Math.max(0, lastStep + 1);
  const lr = lrPerStep(steps, series.lr, config.lr);
  const segments = lrSegmentStarts(lr);
  const ok = predictable(config) && config.weightDecay > 0;
  const { weightDecay: wd, momentum } = config;
  const rescaleAtDrops = config.rescale || series.rescaled === true;
  const ds = deltaStarPerStep(lr, ok ? wd : 0, momentum);
  const estimate: LEstimate = opts.mode === 'offline' ? 'block' : 'trailing';
  const ctx: PredictionContext = {
    lr,
    segments,
    weightDecay: ok ? wd : 0,
    momentum,
    windowSteps: W,
    estimate,
    rescaleAtDrops,
  };
  const eta0 = lr.find((v) => v > 0) ?? config.lr;
  const tau = ok && eta0 > 0 ? localRate({ lr: eta0, wd, momentum, L: 1 }).timeConstant : NaN;
  const change = lastLrChange(lr);
  const lastLr = steps > 0 ? lr[steps - 1] : config.lr;
  const from = Math.max(0, lastStep - W + 1);
  const rowCtx = {
    from,
    to: lastStep,
    lr: lastLr,
    weightDecay: wd,
    momentum,
    predictable: predictable(config),
    radialCosLimit: RADIAL_COS_LIMIT,
    stepsSinceLrChange: Math.max(0, lastStep - change.step),
    lrDropFactor: change.factor,
    windowSteps: W,
    tolerance: opts.tolerance ?? 0.05,
  };
  const predictions = new Map<string, LayerPrediction>();
  const rows: LayerAnalysis[] = [];
  const windows: WindowComparison[] = [];
  const spikes: Spike[] = [];
  const alerts: RunAlert[] = [];
  const segStart = segments.length ? segments[segments.length - 1] : 0;
  for (const layer of series.layers) {
    const driver = lDriver(layer, momentum);
    const declared = layer.scaleInvariant;
    const pred = declared === false ? null : predictLayer(layer, ctx);
    let band = ALERT_BAND;
    if (pred && estimate === 'trailing') {
      const block = predictLayer(layer, { ...ctx, estimate: 'block' });
      if (block) band += lagError(layer, pred, block, ds, W, lastStep);
    }
    const lw = new LayerWindows(layer.param, layer.delta, pred?.delta ?? null, ds);
    const row = layerRow(layer, driver, pred, lw.compare(from, lastStep), band, rowCtx);
    rows.push(row);
    if (!row.scaleInvariant) {
      if (declared !== false && row.radialCos >= RADIAL_COS_LIMIT) {
        alerts.push(radialAlert(layer.param, lastStep, row.radialCos, RADIAL_COS_LIMIT));
      }
      continue;
    }
    if (pred) {
      predictions.set(layer.param, pred);
      windows.push(...lw.blocks(W, lastStep));
      const off = offPredictionAlert({
        param: layer.param,
        step: lastStep,
        deltaRms: row.deltaRms,
        deltaPredicted: row.deltaPredicted,
        band,
        stepsSinceLrChange: row.stepsSinceLrChange,
        relaxationSteps: row.relaxationSteps,
        assumptions: row.assumptions,
        lambdaEta: lastLr * wd,
      });
      if (off) alerts.push(off);
    }
    const inst = instabilityAlert({
      param: layer.param,
      norm: layer.norm,
      unitGradSq: layer.unitGradSq,
      lr,
      deltaRms: row.deltaRms,
      deltaStar: row.deltaStar,
      windowSteps: W,
      segmentStart: segStart,
      lastStep,
    });
    if (inst) alerts.push(inst);
    const sp = findSpikes(layer.param, layer.delta, W, segments, lastStep);
    spikes.push(...sp);
    if (sp.length > 0 && sp[sp.length - 1].step >= from) {
      alerts.push(spikeAlert(sp[sp.length - 1], sp.length));
    }
  }
  const si = rows.filter((r) => r.scaleInvariant);
  const layers = [...si, ...rows.filter((r) => !r.scaleInvariant)];
  let num = 0;
  let den = 0;
  for (const r of si) {
    const p = Math.log(r.deltaRms / r.deltaPredicted);
    const s = Math.log(r.deltaRms / r.deltaStar);
    if (Number.isFinite(p) && Number.isFinite(s)) {
      num += p * p;
      den += s * s;
    }
  }
  let worstWindow: WindowComparison | null = null;
  for (const w of windows) {
    if (w.from < tau || !Number.isFinite(w.predictedError)) continue;
    if (!worstWindow || Math.abs(w.predictedError) > Math.abs(worstWindow.predictedError)) {
      worstWindow = w;
    }
  }
  const verdicts: RunVerdicts = {
    predictable: predictable(config),
    tau,
    medianDeltaRatio: median(si.map((r) => r.deltaRatio)),
    medianPredictedError: median(si.map((r) => Math.abs(r.predictedError))),
    worstPredictedError: maxAbs(si.map((r) => r.predictedError)),
    medianStarError: median(si.map((r) => Math.abs(r.starError))),
    worstStarError: maxAbs(si.map((r) => r.starError)),
    explainedSpread: den > 0 ? 1 - num / den : NaN,
    worstWindow,
  };
  const assumptions =
    ok && lastLr > 0
      ? checkAssumptions({ lr: lastLr, wd, momentum }).filter(
          (x) => x.id !== 'lower-bound-l' && x.id !== 'smoothness',
        )
      : [];
  return {
    config,
    mode: opts.mode,
    estimate,
    windowSteps: W,
    lastStep,
    layers,
    windows,
    predictions: {
      lr,
      deltaStar: ds,
      runDelta: ok ? runDeltaCurve(lr, wd, momentum, rescaleAtDrops) : null,
      layers: predictions,
    },
    verdicts,
    assumptions,
    spikes,
    alerts,
  };
}

/**
 * The run-analysis model: one browser-safe implementation of the per-layer table, the per-layer
 * mean-field predictions, verdicts and alerts, which `smd train`'s summary, `smd report`,
 * `smd serve`, the dashboard, `smd reproduce` and `smd analyze` all call.
 *
 * How to call it:
 *   const config = parseRunConfig(manifest.config, 'runs/x/manifest.json'); // typed, migrates old folders
 *   const a = analyzeRun(
 *     { lastStep, lr: { steps, values }, layers: [{ param, scaleInvariant, reason,
 *       delta, norm, radialCos, unitGradSq, hTilde }], rescaled },            // sampled series
 *     config,
 *     { mode: 'offline' },   // report/summary/reproduce/analyze; 'live' for a run still training
 *   );
 *   a.layers      per-layer table over the last config.windowSteps steps: RMS and mean Δ, Δ*,
 *                 the layer's mean-field Δ, both errors, ‖w‖ vs ‖w*‖, radial cos, verdict, checks
 *   a.windows     every complete window [kW, (k+1)W − 1]: measured RMS Δ vs mean-field vs Δ*
 *   a.predictions per-step curves: η_t, Δ*(η_t), the run-wide Δ_t, each layer's Δ_t and ‖w_t‖
 *   a.verdicts    predictable(config), τ, median/worst errors, share of the spread explained
 *   a.alerts      off-prediction, not scale-invariant, instability early warning, Δ spikes
 *
 * Offline, L_t is the mean of h̃ (SGDM) or ‖g̃‖² (SGD) over each comparison window (finer blocks
 * in the first window of each lr segment), windows never straddle an lr change, and the
 * measured RMS of Δ (not the mean) is compared with the prediction (docs/smd-theory.md §8).
 * Live, L_t is the trailing mean and the alert band is widened by the lag error measured on the
 * run itself.
 */
export {
  PAPER_WINDOW_STEPS,
  RADIAL_COS_LIMIT,
  RunConfigError,
  parseRunConfig,
  predictable,
  type RunConfig,
} from './run-config.js';
export {
  LR_CHANGE_RELATIVE,
  earlyBlockSteps,
  PrefixSums,
  atSteps,
  firstAbove,
  lPerStep,
  lrPerStep,
  lrSegmentStarts,
  windowedRms,
  type LEstimate,
  type Series,
} from './windows.js';
export {
  LayerWindows,
  lDriver,
  predictLayer,
  type LayerPrediction,
  type LayerSeries,
  type PredictionContext,
  type WindowComparison,
} from './layer-prediction.js';
export { deltaStarPerStep, lastLrChange, runDeltaCurve } from './run-curves.js';
export { layerRow, type LayerAnalysis, type RowContext } from './layer-table.js';
export {
  ALERT_BAND,
  INSTABILITY_WINDOWS,
  SPIKE_FACTOR,
  findSpikes,
  instabilityAlert,
  offPredictionAlert,
  radialAlert,
  spikeAlert,
  type AlertKind,
  type RunAlert,
  type Spike,
} from './alerts.js';
export {
  analyzeRun,
  type AnalysisMode,
  type AnalyzeOptions,
  type RunAnalysis,
  type RunPredictions,
  type RunSeries,
  type RunVerdicts,
} from './analyze-run.js';

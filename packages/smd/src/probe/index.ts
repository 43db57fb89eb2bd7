/** SMD probes: per-step measurements of probed tensors (docs/smd-theory.md §5). */
export { PROBE_METRICS, isProbeMetric, type ProbeMetric, type ProbeSample } from './metric.js';
export {
  angleFromSums,
  statsFromSums,
  probeTensor,
  probeChannels,
  type TensorStats,
  type ChannelStats,
  type ProbeArrays,
  type StepRates,
} from './tensor-stats.js';
export { preStepSums, postStepSums, fusedSums, type FloatArray } from './sums.js';
export { RingWindow, type RingWindowState } from './window.js';
export { predictedDeltaStar, predictedWeightNormStar, type ParamHyper } from './predict.js';
export {
  SmdProbe,
  appendSamples,
  type ProbedParam,
  type SmdProbeOptions,
  type ParamMeasurement,
} from './smd-probe.js';
export {
  groupHyper,
  probedParamsFromOptimizer,
  probeForOptimizer,
  probeStep,
  attachSmdProbe,
  type AnyOptimizer,
} from './engine-adapter.js';

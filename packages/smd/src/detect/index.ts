/** Scale-invariance detection (structural graph walk + runtime radial cosine) and the rescaling trick. */
export {
  collectGraph,
  walkScale,
  type WalkResult,
  type Absorption,
  type InputRole,
  type WalkOptions,
} from './graph-walk.js';
export {
  detectFromGraph,
  detectScaleInvariance,
  moduleKinds,
  type ScaleInvarianceResult,
  type NormUse,
  type DetectOptions,
  type RuntimeCheck,
} from './structural.js';
export { RadialCosTracker, confirmScaleInvariance, type RuntimeCheckOptions } from './runtime.js';
export { rescaleWeights, rescaleScaleInvariant, type HasData } from './rescale.js';
export { type NameVerdict, type NamedShape, scaleInvarianceFromNames } from './names.js';

/** optim: torch.optim-shaped optimizers (SGD, Adam, AdamW, Lion, SGDP, AdamP, RV-*) over pure update rules, param-group helpers, LR scheduler. */
export {
  Optimizer,
  type NamedParam,
  type ParamsInput,
  type ParamGroupInput,
  type ParamGroup,
  type ParamState,
  type OptimizerStateDict,
  type StepRecord,
  type StepEvent,
  type StepHook,
  type StepHookOptions,
} from './optimizer.js';
export { SGD, type SgdOptions, type SgdInit, type UpdateImpl } from './sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamInit } from './adam.js';
export { Lion, type LionOptions, type LionInit } from './lion.js';
export {
  SGDP,
  AdamP,
  type SgdpOptions,
  type SgdpInit,
  type AdampOptions,
  type AdampInit,
} from './projected.js';
export {
  RotationalOptimizer,
  RVSGDM,
  RVAdamW,
  RVLion,
  type RotationalOptions,
  type RotationalInit,
} from './rotational.js';
export {
  sgdUpdate,
  adamUpdate,
  lionUpdate,
  type SgdHyper,
  type AdamHyper,
  type AdamBuffers,
  type LionHyper,
} from './update-rules.js';
export {
  projectScaleInvariant,
  sgdpUpdate,
  adampUpdate,
  type ProjectionHyper,
  type SgdpHyper,
  type AdampHyper,
} from './projection-rules.js';
export {
  equilibriumRotation,
  lionSignCorrelationSum,
  rotationalUpdate,
  rowNorms,
  type RotationalInner,
  type RotationHyper,
  type RotationalRows,
  type RotationalHyper,
} from './rotational-rules.js';
export {
  splitDecayParams,
  isNoDecayParam,
  type SplitDecayOptions,
  type DecayGroup,
} from './param-groups.js';
export { LRScheduler, type LRSchedulerStateDict } from './lr-scheduler.js';

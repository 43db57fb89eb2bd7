/** optim: torch.optim-shaped optimizers over pure update rules, param-group helpers, LR scheduler. */
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
export {
  sgdUpdate,
  adamUpdate,
  type SgdHyper,
  type AdamHyper,
  type AdamBuffers,
} from './update-rules.js';
export {
  splitDecayParams,
  isNoDecayParam,
  type SplitDecayOptions,
  type DecayGroup,
} from './param-groups.js';
export { LRScheduler, type LRSchedulerStateDict } from './lr-scheduler.js';

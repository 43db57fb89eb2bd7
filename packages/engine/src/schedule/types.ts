/**
 * Learning-rate schedules as plain data (a discriminated union on `kind`). A schedule maps an
 * optimizer step t (0-based: the t-th update) to a multiplier on the base learning rate, so
 * lr_t = baseLr · lrFactor(schedule, t). All step counts are in optimizer steps, not epochs
 * (`parseSchedule` converts CLI epochs to steps). Being plain JSON, a schedule can be stored in
 * a run manifest and rebuilt exactly (`scheduleToJson` / `scheduleFromJson`).
 */
export type Schedule =
  | ConstantSchedule
  | MultiStepSchedule
  | StepSchedule
  | ExponentialSchedule
  | CosineSchedule
  | WarmupSchedule
  | SequentialSchedule;

/** Factor 1 at every step. */
export interface ConstantSchedule {
  kind: 'constant';
}

/** torch MultiStepLR: factor = gamma^(number of milestones ≤ t). Milestones in steps, increasing. */
export interface MultiStepSchedule {
  kind: 'multistep';
  milestones: number[];
  gamma: number;
}

/** torch StepLR: factor = gamma^⌊t / stepSize⌋. */
export interface StepSchedule {
  kind: 'step';
  stepSize: number;
  gamma: number;
}

/** Exponential decay every step: factor = gamma^t (gamma per STEP; continuous, no drops). */
export interface ExponentialSchedule {
  kind: 'exponential';
  gamma: number;
}

/**
 * Cosine annealing over `totalSteps`: factor = minFactor + (1 − minFactor)(1 + cos(π·t/T))/2,
 * held at minFactor for t ≥ T.
 */
export interface CosineSchedule {
  kind: 'cosine';
  totalSteps: number;
  minFactor: number;
}

/**
 * Linear warmup multiplied onto `then` (same step clock, so milestones of `then` stay absolute):
 * factor = r(t)·then(t), r(t) = startFactor + (1 − startFactor)·min(1, t / warmupSteps)
 * (torch LinearLR's formula; startFactor 0 makes step 0 a zero-lr step).
 */
export interface WarmupSchedule {
  kind: 'warmup';
  warmupSteps: number;
  startFactor: number;
  then: Schedule;
}

/** One part of a sequential schedule: `schedule` runs on its own clock for `steps` steps. */
export interface SequentialPart {
  schedule: Schedule;
  steps: number;
}

/**
 * Parts one after another (torch SequentialLR): part i sees the local step t − start_i; the last
 * part keeps running past its `steps`.
 */
export interface SequentialSchedule {
  kind: 'sequential';
  parts: SequentialPart[];
}

/** The closed set of schedule kinds. */
export type ScheduleKind = Schedule['kind'];

/** A discontinuous change of the factor: factor(step − 1) / factor(step) = ratio (k > 1 is a drop). */
export interface ScheduleDrop {
  /** First step that uses the new factor. */
  step: number;
  /** k = factor before / factor after (10 for "divide by 10"; < 1 for a jump up). */
  ratio: number;
}

/** A constant-factor stretch [start, end) of a piecewise-constant schedule. */
export interface SchedulePhase {
  start: number;
  end: number;
  factor: number;
}

/** Result of `piecewisePhases`: the phases, or why there are none (a continuous schedule). */
export type PhasesResult =
  { kind: 'piecewise'; phases: SchedulePhase[] } | { kind: 'continuous'; reason: string };

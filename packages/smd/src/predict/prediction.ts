/**
 * The numbers behind `smd predict` and the explorer's theory view: phases of the schedule, the mean-field trajectory with and
 * without the rescaling trick, and per phase Δ*, ‖w*‖, the local time constant, Corollary 3.1's
 * bound, and whether Δ_t reaches its equilibrium band before the phase ends.
 *
 * "Reaches equilibrium" (stated in every output): Δ_t enters the band Δ*_t·(1 ± tolerance)
 * before the phase ends and stays inside it until the phase's last step, where Δ*_t is the exact
 * equilibrium of the step's own η (docs/smd-theory.md §4: arccos(1 − λη/(1+α))).
 */
import { lrSeries, type Schedule } from '@smd/engine/schedule';
import {
  stepsAfterLrDrop,
  stepsToEquilibrium,
  checkAssumptions,
  optimizerDynamics,
  type AssumptionCheck,
  type MeanFieldState,
  type DynamicsOptimizer,
  type OptimizerDynamics,
} from '../theory/index.js';
import { runBothModes, type PhaseSpan, type PhasedTrajectory } from './phase-trajectory.js';
import { equilibriumSeries, phaseSpans } from './prediction-steps.js';

export { CONTINUOUS_PIECE_FRACTION } from './prediction-steps.js';

/** What a prediction needs (validated by the caller: `smd predict`'s flags, the explorer's form). */
export interface PredictionInput {
  /** Base learning rate η (the schedule multiplies it). */
  lr: number;
  /** Weight decay λ (coupled, as torch.optim.SGD). */
  wd: number;
  /** Heavy-ball momentum α (0 = plain SGD). */
  momentum: number;
  /** Schedule text as given (milestones in epochs). */
  schedule: string;
  /** The parsed schedule, in steps (@smd/engine parseSchedule). */
  scheduleSpec: Schedule;
  stepsPerEpoch: number;
  /** Total optimizer steps. */
  totalSteps: number;
  /** L, the mean squared unit-gradient norm (constant). */
  L: number;
  /** Initial ‖w‖; null = start at the first phase's equilibrium. */
  w0: number | null;
  /** Relative band around Δ* that counts as "at equilibrium" (0.05 = ±5%). */
  tolerance: number;
  /** Divide scale-invariant weights by k^{1/4} at every lr drop by k. */
  rescale: boolean;
  /** sgd | sgdm | nesterov | adamw | lion | sgdp | adamp (default: sgdm when momentum > 0, else sgd). */
  optimizer?: DynamicsOptimizer;
  /** (β1, β2) of adamw / lion / adamp (default: the optimizer's). */
  betas?: [number, number];
  /** Weights per tensor or neuron: ‖w*‖ of adamw / lion / adamp (default 576). */
  dim?: number;
  /** r of sgdp / adamp: decay multiplier on projected tensors (default 0.1). */
  wdRatio?: number;
}

/** The input's optimizer: as given, else sgdm when α > 0, else sgd. */
export function optimizerOf(o: PredictionInput): DynamicsOptimizer {
  return o.optimizer ?? (o.momentum > 0 ? 'sgdm' : 'sgd');
}

/** How one phase ends under one mode (with or without rescaling). */
export interface PhaseOutcome {
  /** Δ_t stays within Δ*·(1 ± tolerance) from some step of the phase to its last step. */
  reaches: boolean;
  /** Steps from the phase start until Δ_t enters the band for good (null: never in this phase). */
  stepsToWithin: number | null;
  /** Δ at the phase's last step as % of its Δ*. */
  deltaEndPct: number;
  /** ‖w‖ after the phase's last step as % of ‖w*‖. */
  normEndPct: number;
  /**
   * When not reached: steps from the phase start the recurrence needs at the phase's final η to
   * get within the band (null: more than `maxSearchSteps`); equals stepsToWithin when reached.
   */
  stepsNeeded: number | null;
}

/** One phase of the schedule. Steps are [startStep, endStep). */
export interface PhaseReport {
  /** 1-based. */
  index: number;
  startStep: number;
  endStep: number;
  startEpoch: number;
  endEpoch: number;
  /** η at the phase's last step (the phase's η when it is constant). */
  lr: number;
  /** True when η changes inside the phase (warmup, cosine, exponential). */
  lrVaries: boolean;
  /** k when the phase starts with η divided by k (> 1), or multiplied (< 1); null otherwise. */
  dropRatio: number | null;
  /** Exact Δ* of the optimizer's recurrence in rad (sgd/sgdm: arccos(1 − λη/(1+α)), §4). */
  deltaStarRad: number;
  /** Δ* in degrees. */
  deltaStarDeg: number;
  /** Leading-order Δ* in rad (Theorem 3's √(2λη/(1+α)) for sgd/sgdm; docs/optimizers.md for the others). */
  deltaStarPaperRad: number;
  /** Exact ‖w*‖ given L (§4 / Theorem 2; sgdp), or given dim (adamw, lion, adamp). */
  normStar: number;
  /** −1/ln ρ of the §4 map at the fixed point: steps for a deviation to shrink by e. */
  timeConstantSteps: number;
  timeConstantEpochs: number;
  /** Corollary 3.1 as stated: ⌈ln k (1−α)/(2λη_old)⌉ steps (null: no drop, or not sgd/sgdm). */
  corollarySteps: number | null;
  /** Pure norm decay with the new η: ln k (1−α)/(4λη_new) steps (decoupled: ln k/(2λη_new)); null: no drop. */
  normDecaySteps: number | null;
  /** Outcome in the mode that was asked for (--rescale or not). */
  outcome: PhaseOutcome;
  /** Outcome in the other mode, for comparison. */
  other: PhaseOutcome;
  /** Assumption checks of Theorems 1–3 at this phase's η. */
  assumptions: AssumptionCheck[];
}

/** One lr drop (k > 1) and what the rescaling trick does there. */
export interface DropReport {
  step: number;
  epoch: number;
  /** η is divided by k. */
  k: number;
  /** The rescaling trick multiplies w by this: k^{-1/4} (coupled decay, sgdp), k^{-1/2} (adamw, lion, adamp). */
  factor: number;
  /** 1-based index of the phase that starts here. */
  phaseIndex: number;
  /** Without rescaling: Δ at the drop step and as % of the new Δ*. */
  deltaAfterRad: number;
  deltaAfterPct: number;
  /** ‖w‖ at the drop without rescaling, and with it (after multiplying by k^{-1/4}). */
  normNoRescale: number;
  /** With the trick: ‖w‖ just before multiplying by k^{-1/4}, and just after. */
  normBeforeRescale: number;
  normRescaled: number;
  /** ‖w*‖ of the new η. */
  normStarNew: number;
  withoutRescale: PhaseOutcome;
  withRescale: PhaseOutcome;
}

/** Everything `smd predict` reports. */
export interface Prediction<O extends PredictionInput = PredictionInput> {
  options: O;
  /** ‖w_0‖ used, and whether it was the default (phase 1's equilibrium). */
  initialNorm: number;
  startsAtEquilibrium: boolean;
  /** Non-null when the schedule has a continuous part (then η varies inside some phases). */
  continuousReason: string | null;
  phases: PhaseReport[];
  drops: DropReport[];
  /** The trajectory in the asked-for mode, and in the other one. */
  trajectory: PhasedTrajectory;
  otherTrajectory: PhasedTrajectory;
  /** Exact Δ* of each step's η (rad; 0 where η = 0), length steps. */
  deltaStarSeries: Float64Array;
  /** Exact ‖w*‖ of each step's η (0 where η = 0), length steps. */
  normStarSeries: Float64Array;
}

/** Cap on the extra recurrence steps spent to say how long a non-reaching phase would need. */
export const MAX_SEARCH_STEPS = 10_000_000;

/**
 * The last step t in [start, end) whose Δ_t is outside the band |Δ_t/target_t − 1| ≤ tol (where
 * target_t = 0: Δ_t ≠ 0), or start − 1 if none. Scans back from the end: up to 10⁶ steps per phase
 * on an explorer slider move. Its own function of numbers and Float64Arrays, apart from outcome's
 * object work: V8 compiled outcome during this loop (on-stack replacement), and that code then
 * deoptimized on outcome's later property reads at every call (Chromium --trace-deopt: up to 364
 * times in 25 moves of an AdamW + cosine view, which ran 51 ms per move instead of 34).
 */
function lastOutsideBand(
  delta: Float64Array,
  target: Float64Array,
  start: number,
  end: number,
  tol: number,
): number {
  // formed before the loop: code V8 compiles while the loop runs may never have seen what follows
  // it, and left itself by deoptimization there on later calls (recurrence-run.ts' decoupledLoop)
  const none = start - 1;
  for (let t = end - 1; t > none; t--) {
    const d = delta[t];
    const star = target[t];
    if (star > 0 ? Math.abs(d / star - 1) > tol : d !== 0) return t;
  }
  return none;
}

function outcome(
  o: PredictionInput,
  dyn: OptimizerDynamics,
  maxSearchSteps: number,
  spans: PhaseSpan[],
  tr: PhasedTrajectory,
  target: Float64Array,
  i: number,
  normStar: number,
): PhaseOutcome {
  const span = spans[i];
  const startState: MeanFieldState = tr.startStates[i];
  const tol = o.tolerance;
  const lastOutside = lastOutsideBand(tr.deltaRad, target, span.start, span.end, tol);
  const reaches = lastOutside < span.end - 1;
  const last = span.end - 1;
  const res: PhaseOutcome = {
    reaches,
    stepsToWithin: reaches ? lastOutside + 1 - span.start : null,
    deltaEndPct: target[last] > 0 ? (100 * tr.deltaRad[last]) / target[last] : NaN,
    normEndPct: (100 * tr.normEnd[i]) / normStar,
    stepsNeeded: null,
  };
  if (reaches) res.stepsNeeded = res.stepsToWithin;
  else if (tr.lr[last] > 0 && maxSearchSteps > 0) {
    res.stepsNeeded = stepsToEquilibrium(
      dyn,
      tr.lr[last],
      startState,
      tol * 100,
      maxSearchSteps,
    ).steps;
  }
  return res;
}

/** How much work {@link computePrediction} may do beyond the two trajectories. */
export interface PredictionEffort {
  /**
   * Cap on the recurrence steps spent per non-reaching phase to say how long it would need
   * (default MAX_SEARCH_STEPS; 0 skips the search: stepsNeeded stays null). The explorer skips
   * it while a slider moves (the search can take seconds) and runs it once the slider rests.
   */
  maxSearchSteps?: number;
  /**
   * A prediction this one replaces (the explorer's previous one): its per-step arrays are
   * overwritten and returned in the new prediction when the step count is the same (10⁶ steps
   * are 56 MB of fresh arrays otherwise). It must not be read afterwards.
   */
  reuse?: Prediction;
}

/** The recurrence of the input's optimizer (default: sgdm when α > 0, else sgd). */
export function dynamicsOf(o: PredictionInput): OptimizerDynamics {
  return optimizerDynamics({
    optimizer: optimizerOf(o),
    wd: o.wd,
    momentum: o.momentum,
    betas: o.betas,
    L: o.L,
    dim: o.dim,
    wdRatio: o.wdRatio,
  });
}

/** Computes the whole prediction for validated options. */
export function computePrediction<O extends PredictionInput>(
  o: O,
  effort: PredictionEffort = {},
): Prediction<O> {
  const maxSearch = effort.maxSearchSteps ?? MAX_SEARCH_STEPS;
  const n = o.totalSteps;
  const old = effort.reuse;
  const lr = lrSeries(o.scheduleSpec, o.lr, n, old?.trajectory.lr);
  const { spans, varies, continuousReason } = phaseSpans(o.scheduleSpec, lr);
  let lr0 = o.lr;
  for (let t = 0; t < n; t++) {
    if (lr[t] > 0) {
      lr0 = lr[t];
      break;
    }
  }
  const dyn = dynamicsOf(o);
  const sgdFamily = optimizerOf(o) === 'sgd' || optimizerOf(o) === 'sgdm';
  const initialState: MeanFieldState =
    o.w0 === null ? dyn.fixedPoint(lr0) : { a: o.w0 * o.w0, b: 0, c: 0 };
  const both = runBothModes(
    { lr, dynamics: dyn, initialState, spans },
    old && {
      plain: old.options.rescale ? old.otherTrajectory : old.trajectory,
      rescaled: old.options.rescale ? old.trajectory : old.otherTrajectory,
    },
  );
  const trajectory = o.rescale ? both.rescaled : both.plain;
  const otherTrajectory = o.rescale ? both.plain : both.rescaled;
  const equilibria = equilibriumSeries(
    lr,
    spans,
    varies,
    dyn,
    old && { deltaStar: old.deltaStarSeries, normStar: old.normStarSeries },
  );
  const target = equilibria.deltaStar;
  const spe = o.stepsPerEpoch;

  const phases: PhaseReport[] = spans.map((span, i) => {
    const eta = lr[span.end - 1] > 0 ? lr[span.end - 1] : lr0;
    const normStar = Math.sqrt(dyn.normStarSq(eta));
    const tau = dyn.timeConstant(eta);
    const lrVaries = varies[i];
    const dropped = span.dropRatio !== null && span.dropRatio > 1 && span.start > 0;
    const drop =
      dropped && sgdFamily
        ? stepsAfterLrDrop({
            lr: lr[span.start - 1],
            wd: o.wd,
            momentum: o.momentum,
            k: span.dropRatio!,
          })
        : null;
    const deltaStarRad = dyn.deltaStar(eta);
    return {
      index: i + 1,
      startStep: span.start,
      endStep: span.end,
      startEpoch: span.start / spe,
      endEpoch: span.end / spe,
      lr: eta,
      lrVaries,
      dropRatio: span.dropRatio,
      deltaStarRad,
      deltaStarDeg: (deltaStarRad * 180) / Math.PI,
      deltaStarPaperRad: dyn.deltaStarLeading(eta),
      normStar,
      timeConstantSteps: tau,
      timeConstantEpochs: tau / spe,
      corollarySteps: drop ? drop.corollarySteps : null,
      normDecaySteps: dropped ? dyn.normDecaySteps(lr[span.start], span.dropRatio!) : null,
      outcome: outcome(o, dyn, maxSearch, spans, trajectory, target, i, normStar),
      other: outcome(o, dyn, maxSearch, spans, otherTrajectory, target, i, normStar),
      assumptions: sgdFamily ? checkAssumptions({ lr: eta, wd: o.wd, momentum: o.momentum }) : [],
    };
  });

  const withRes = o.rescale ? trajectory : otherTrajectory;
  const without = o.rescale ? otherTrajectory : trajectory;
  const drops: DropReport[] = [];
  spans.forEach((span, i) => {
    if (span.dropRatio === null || !(span.dropRatio > 1) || span.start === 0) return;
    const ph = phases[i];
    const k = span.dropRatio;
    const factor = withRes.rescaleFactors[i];
    drops.push({
      step: span.start,
      epoch: span.start / spe,
      k,
      factor,
      phaseIndex: ph.index,
      deltaAfterRad: without.deltaRad[span.start],
      deltaAfterPct: (100 * without.deltaRad[span.start]) / target[span.start],
      normNoRescale: without.normEnd[i - 1],
      normBeforeRescale: withRes.normBeforeRescale[i],
      normRescaled: withRes.norm[span.start],
      normStarNew: Math.sqrt(dyn.normStarSq(lr[span.start])),
      withoutRescale: o.rescale ? ph.other : ph.outcome,
      withRescale: o.rescale ? ph.outcome : ph.other,
    });
  });

  return {
    options: o,
    initialNorm: Math.sqrt(initialState.a),
    startsAtEquilibrium: o.w0 === null,
    continuousReason,
    phases,
    drops,
    trajectory,
    otherTrajectory,
    deltaStarSeries: target,
    normStarSeries: equilibria.normStar,
  };
}

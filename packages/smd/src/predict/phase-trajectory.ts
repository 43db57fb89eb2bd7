/**
 * Runs an optimizer's recurrence (@smd/smd OptimizerDynamics: §4 for sgd/sgdm, docs/optimizers.md for
 * nesterov/adamw/lion) over a whole schedule one phase at a time, so the state (a, b, c) at
 * every phase start is known, applying the rescaling trick at phase starts that follow an lr
 * drop when asked (weights × the optimizer's factor: k^{-1/4} coupled, k^{-1/2} decoupled).
 */
import type { MeanFieldState, OptimizerDynamics } from '../theory/index.js';

/** A stretch [start, end) of steps; `dropRatio` = k when it starts with an lr drop η → η/k (k > 1). */
export interface PhaseSpan {
  start: number;
  end: number;
  dropRatio: number | null;
}

/** A full predicted run. Arrays are indexed by step. */
export interface PhasedTrajectory {
  /** η_t (length steps). */
  lr: Float64Array;
  /** Δ_t = ∠(w_t, w_{t+1}) in rad (length steps). */
  deltaRad: Float64Array;
  /** ‖w_t‖ (length steps + 1), after a rescale applied at step t. */
  norm: Float64Array;
  /** State at each phase's start, after its rescale if any (one per span). */
  startStates: MeanFieldState[];
  /** Rescale factor applied at each span's start (1 when none). */
  rescaleFactors: number[];
  /** ‖w‖ just before each span's rescale (equals norm[start] when none). */
  normBeforeRescale: number[];
  /** ‖w‖ after each span's last step (before the next span's rescale). */
  normEnd: number[];
  /** State after the last step. */
  end: MeanFieldState;
}

/** Inputs of runPhased: the dynamics (constant λ, α, L, …); per-step η; spans covering [0, steps). */
export interface PhasedRunOptions {
  lr: Float64Array;
  dynamics: OptimizerDynamics;
  initialState: MeanFieldState;
  spans: PhaseSpan[];
  /** Multiply w by dynamics.rescaleFactor(k) at the start of every span with dropRatio k > 1. */
  rescale: boolean;
}

/** Iterates the recurrence span by span (sgd/sgdm: equals one meanFieldTrajectory call with rescaleAtDrops). */
export function runPhased(o: PhasedRunOptions): PhasedTrajectory {
  return runSpans(o, null);
}

/** A prediction's two trajectories: without the rescaling trick and with it. */
export interface BothModes {
  plain: PhasedTrajectory;
  rescaled: PhasedTrajectory;
}

/**
 * runPhased without and with rescaling (the same numbers as two runPhased calls). The spans before
 * the first lr drop are the same in both modes, so they run once and are copied.
 */
export function runBothModes(o: Omit<PhasedRunOptions, 'rescale'>, into?: BothModes): BothModes {
  const plain = runSpans({ ...o, rescale: false }, null, into?.plain);
  return { plain, rescaled: runSpans({ ...o, rescale: true }, plain, into?.rescaled) };
}

function rescalesAt(span: PhaseSpan): boolean {
  return span.dropRatio !== null && span.dropRatio > 1;
}

/**
 * The span loop of runPhased. With `same` (this input's run without rescaling), the spans before
 * the first drop are copied from it and the loop starts at that drop. The arrays of `into` (an
 * earlier trajectory of as many steps) are overwritten instead of allocating new ones.
 */
function runSpans(
  o: PhasedRunOptions,
  same: PhasedTrajectory | null,
  into?: PhasedTrajectory,
): PhasedTrajectory {
  const n = o.lr.length;
  const reuse = into !== undefined && into.deltaRad.length === n && into !== same;
  const deltaRad = reuse ? into.deltaRad : new Float64Array(n);
  const norm = reuse ? into.norm : new Float64Array(n + 1);
  let first = 0;
  let state: MeanFieldState = { ...o.initialState };
  let startStates: MeanFieldState[] = [];
  let rescaleFactors: number[] = [];
  let normBeforeRescale: number[] = [];
  let normEnd: number[] = [];
  if (same !== null && o.rescale) {
    first = o.spans.findIndex(rescalesAt);
    if (first < 0) first = o.spans.length;
    const end = first > 0 ? o.spans[first - 1].end : 0;
    deltaRad.set(same.deltaRad.subarray(0, end));
    norm.set(same.norm.subarray(0, end + 1));
    startStates = same.startStates.slice(0, first).map((s) => ({ ...s }));
    rescaleFactors = same.rescaleFactors.slice(0, first);
    normBeforeRescale = same.normBeforeRescale.slice(0, first);
    normEnd = same.normEnd.slice(0, first);
    // without rescaling, the state a span starts in is the state the span before it ended in
    if (first > 0) state = { ...(first < o.spans.length ? same.startStates[first] : same.end) };
  }
  for (let i = first; i < o.spans.length; i++) {
    const span = o.spans[i];
    normBeforeRescale.push(Math.sqrt(state.a));
    let f = 1;
    if (o.rescale && rescalesAt(span)) {
      // Weights only, not the optimizer's buffers (what rescaling parameters in place does).
      f = o.dynamics.rescaleFactor(span.dropRatio!);
      state = o.dynamics.rescale(state, f);
    }
    rescaleFactors.push(f);
    startStates.push({ ...state });
    o.dynamics.run(state, o.lr, span.start, span.end, deltaRad, norm);
    norm[span.end] = Math.sqrt(state.a);
    normEnd.push(Math.sqrt(state.a));
  }
  return {
    lr: o.lr,
    deltaRad,
    norm,
    startStates,
    rescaleFactors,
    normBeforeRescale,
    normEnd,
    end: { ...state },
  };
}

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
  const n = o.lr.length;
  const deltaRad = new Float64Array(n);
  const norm = new Float64Array(n + 1);
  const startStates: MeanFieldState[] = [];
  const rescaleFactors: number[] = [];
  const normBeforeRescale: number[] = [];
  const normEnd: number[] = [];
  let state: MeanFieldState = { ...o.initialState };
  for (const span of o.spans) {
    normBeforeRescale.push(Math.sqrt(state.a));
    let f = 1;
    if (o.rescale && span.dropRatio !== null && span.dropRatio > 1) {
      // Weights only, not the optimizer's buffers (what rescaling parameters in place does).
      f = o.dynamics.rescaleFactor(span.dropRatio);
      state = o.dynamics.rescale(state, f);
    }
    rescaleFactors.push(f);
    startStates.push({ ...state });
    // two state records swapped every step: no allocation in the loop
    let cur: MeanFieldState = { ...state };
    let next: MeanFieldState = { a: 0, b: 0, c: 0 };
    for (let t = span.start; t < span.end; t++) {
      norm[t] = Math.sqrt(cur.a);
      deltaRad[t] = o.dynamics.step(cur, o.lr[t], next);
      const tmp = cur;
      cur = next;
      next = tmp;
    }
    state = cur;
    norm[span.end] = Math.sqrt(state.a);
    normEnd.push(Math.sqrt(state.a));
  }
  return { lr: o.lr, deltaRad, norm, startStates, rescaleFactors, normBeforeRescale, normEnd };
}

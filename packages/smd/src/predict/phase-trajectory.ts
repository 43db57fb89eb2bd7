/**
 * Runs the mean-field recurrence (docs/smd-theory.md §4, @smd/smd meanFieldTrajectory) over a whole
 * schedule one phase at a time, so the state (a, b, c) at every phase start is known, applying
 * the rescaling trick at phase starts that follow an lr drop when asked.
 */
import { type MeanFieldState, meanFieldTrajectory, rescaleFactor } from '../theory/index.js';

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

/** Inputs of runPhased: constant λ, α, L; per-step η; the spans covering [0, steps). */
export interface PhasedRunOptions {
  lr: Float64Array;
  wd: number;
  momentum: number;
  L: number;
  initialState: MeanFieldState;
  spans: PhaseSpan[];
  /** Multiply w by k^{-1/4} at the start of every span with dropRatio k > 1 (a ← a/√k, c ← c·k^{-1/4}). */
  rescale: boolean;
}

/** Iterates §4 span by span; equals one meanFieldTrajectory call with rescaleAtDrops. */
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
      // Same transform as meanFieldTrajectory's rescaleAtDrops (weights only, not the buffer).
      f = rescaleFactor(span.dropRatio);
      state = { a: state.a * f * f, b: state.b, c: state.c * f };
    }
    rescaleFactors.push(f);
    startStates.push({ ...state });
    const len = span.end - span.start;
    const tr = meanFieldTrajectory({
      steps: len,
      lr: o.lr.subarray(span.start, span.end),
      wd: o.wd,
      momentum: o.momentum,
      L: o.L,
      initialState: state,
    });
    deltaRad.set(tr.deltaRad, span.start);
    for (let t = 0; t <= len; t++) norm[span.start + t] = Math.sqrt(tr.normSq[t]);
    state = tr.finalState;
    normEnd.push(Math.sqrt(state.a));
  }
  return { lr: o.lr, deltaRad, norm, startStates, rescaleFactors, normBeforeRescale, normEnd };
}

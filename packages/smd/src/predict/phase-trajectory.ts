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
  return runModes(o, [o.rescale], [undefined])[0];
}

/** A prediction's two trajectories: without the rescaling trick and with it. */
export interface BothModes {
  plain: PhasedTrajectory;
  rescaled: PhasedTrajectory;
}

/**
 * runPhased without and with rescaling, the same numbers as two runPhased calls, faster: a span
 * both modes start in the same state (every span before the first lr drop) runs once, and the
 * others run both modes in one loop where the dynamics has one (runPair). Until the modes part,
 * the rescaled trajectory's deltaRad and norm are the plain one's arrays; where they never part
 * (no lr drop: warmup + cosine) they stay shared, so consumers must not write them.
 * `into`: an earlier result of as many steps whose arrays are overwritten instead of allocated.
 */
export function runBothModes(o: Omit<PhasedRunOptions, 'rescale'>, into?: BothModes): BothModes {
  const [plain, rescaled] = runModes(o, [false, true], [into?.plain, into?.rescaled]);
  return { plain, rescaled };
}

function sameState(x: MeanFieldState, y: MeanFieldState): boolean {
  return x.a === y.a && x.b === y.b && x.c === y.c;
}

/** The span loop: one trajectory per rescale flag, in lockstep. */
function runModes(
  o: Omit<PhasedRunOptions, 'rescale'>,
  rescale: boolean[],
  into: (PhasedTrajectory | undefined)[],
): PhasedTrajectory[] {
  const n = o.lr.length;
  const dyn = o.dynamics;
  // arrays of an earlier result that fit and belong to no other mode (modes can share arrays)
  const taken = new Set<Float64Array>();
  const arrays = (m: number): { deltaRad: Float64Array; norm: Float64Array } => {
    const old = into[m];
    const fits =
      old !== undefined &&
      old.deltaRad.length === n &&
      !taken.has(old.deltaRad) &&
      !taken.has(old.norm);
    const a = fits
      ? { deltaRad: old.deltaRad, norm: old.norm }
      : { deltaRad: new Float64Array(n), norm: new Float64Array(n + 1) };
    taken.add(a.deltaRad).add(a.norm);
    return a;
  };
  // mode 1 borrows mode 0's arrays while both modes are in the same state (`shared`)
  const trs: PhasedTrajectory[] = rescale.map((_, m) => ({
    lr: o.lr,
    ...(m === 0 ? arrays(0) : { deltaRad: new Float64Array(0), norm: new Float64Array(0) }),
    startStates: [],
    rescaleFactors: [],
    normBeforeRescale: [],
    normEnd: [],
    end: { ...o.initialState },
  }));
  const [t0, t1] = trs;
  let shared = t1 !== undefined;
  if (t1 !== undefined) {
    t1.deltaRad = t0.deltaRad;
    t1.norm = t0.norm;
  }
  for (const span of o.spans) {
    trs.forEach((tr, m) => {
      tr.normBeforeRescale.push(Math.sqrt(tr.end.a));
      let f = 1;
      if (rescale[m] && span.dropRatio !== null && span.dropRatio > 1) {
        // Weights only, not the optimizer's buffers (what rescaling parameters in place does).
        f = dyn.rescaleFactor(span.dropRatio);
        tr.end = dyn.rescale(tr.end, f);
      }
      tr.rescaleFactors.push(f);
      tr.startStates.push({ ...tr.end });
    });
    if (t1 !== undefined && sameState(t0.end, t1.end)) {
      dyn.run(t0.end, o.lr, span.start, span.end, t0.deltaRad, t0.norm);
      if (!shared) {
        t1.deltaRad.set(t0.deltaRad.subarray(span.start, span.end), span.start);
        t1.norm.set(t0.norm.subarray(span.start, span.end), span.start);
      }
      t1.end = { ...t0.end };
    } else {
      if (t1 !== undefined && shared) {
        // the modes part here: mode 1 gets arrays of its own, with the steps before this span
        const own = arrays(1);
        own.deltaRad.set(t0.deltaRad.subarray(0, span.start));
        own.norm.set(t0.norm.subarray(0, span.start + 1));
        t1.deltaRad = own.deltaRad;
        t1.norm = own.norm;
        shared = false;
      }
      // both modes in one loop while neither is at a fixed point, then each on its own
      const from =
        t1 !== undefined && dyn.runPair
          ? dyn.runPair(t0.end, t1.end, o.lr, span.start, span.end, t0, t1)
          : span.start;
      for (const tr of trs) dyn.run(tr.end, o.lr, from, span.end, tr.deltaRad, tr.norm);
    }
    for (const tr of trs) {
      tr.norm[span.end] = Math.sqrt(tr.end.a);
      tr.normEnd.push(Math.sqrt(tr.end.a));
    }
  }
  return trs;
}

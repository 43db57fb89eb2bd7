/**
 * The slider worker's warm-up (theory-worker.ts), which the view asks for once per optimizer and
 * schedule kind, after that kind's first searches (before them the page's load and the searches
 * keep both cores busy): the view's schedule at 10⁵ steps with λ × 10 and × 30, then eight slider
 * moves at the view's own length (≤ 10⁶ steps) with λ × 0.67 … × 2, one per task so a request
 * waits behind one call at most. ~0.6 s of the worker's time at 10⁶ steps, none of the page's.
 * Why: V8 compiles each loop by the paths taken so far. The larger λ reach the bitwise fixed
 * points within 10⁵ steps (the default view's first λ move met them cold: 47–69 ms instead of
 * 34–42, Node's and Chromium's --trace-opt), and the eight moves put a Lion + cosine view's first
 * move at 34 ms instead of 44–50 (bench/theory-slider/worker-runs.mjs, with and without
 * --warm-up). It does not remove V8's slow state: with or without it, about 1 fresh worker in 5
 * runs stretches of moves at ~55 ms (bench/RESULTS.md, session 9).
 */
import { computePrediction, type Prediction } from '@smd/smd/predict';
import { predictionInput, type TheoryState } from './theory-state.js';

/** λ factors of the warm-up: two short runs that reach the fixed points, then eight moves. */
const SHORT = [10, 30];
const MOVES = [0.8, 1.25, 0.9, 1.1, 0.95, 1.5, 0.67, 2];

/** Runs the warm-up predictions for `state`'s optimizer and schedule, one per task. */
export function warmUpLoops(state: TheoryState): void {
  const total = state.epochs * state.stepsPerEpoch;
  const speAt = (steps: number): number =>
    Math.max(1, Math.round((state.stepsPerEpoch * steps) / Math.max(total, steps)));
  const wd = state.wd > 0 ? state.wd : 1e-4;
  const inputs = [
    ...SHORT.map((f) => predictionInput({ ...state, wd: wd * f, stepsPerEpoch: speAt(1e5) })),
    ...MOVES.map((f) => predictionInput({ ...state, wd: wd * f, stepsPerEpoch: speAt(1e6) })),
  ];
  // the moves' arrays, reused from one to the next as the view's are (fresh ones cost 150 ms)
  let scratch: Prediction | undefined;
  const next = (): void => {
    const input = inputs.shift();
    if (input === undefined) return;
    try {
      if (typeof input !== 'string')
        scratch = computePrediction(input, { maxSearchSteps: 0, reuse: scratch });
    } catch {
      // a λ × 30 the recurrence rejects (ηλ ≥ 1): nothing to warm up, and nothing to show
    }
    setTimeout(next, 0);
  };
  setTimeout(next, 0);
}

/**
 * Two small predictions for an optimizer, run by the slider worker (theory-worker.ts) once after
 * its first prediction for that optimizer, before a person reaches a slider: the view's schedule at
 * 10⁵ steps with λ × 10 and × 30. V8 compiles each recurrence loop the first time it runs long
 * enough, on another thread while the loop goes on in a slow tier (5–9 ms per loop on our
 * machines). The first λ move met paths the load had not taken (the two-mode loop reaching a
 * bitwise fixed point, then the single-mode loop running long: Node's and Chromium's --trace-opt),
 * and paid for compiling them: 47–69 ms against 34–42 ms with this
 * (bench/theory-slider/first-move.mjs, default view). The larger λ reach those fixed points within
 * 10⁵ steps.
 */
import { computePrediction } from '@smd/smd/predict';
import { predictionInput, type TheoryState } from './theory-state.js';

/** Runs the warm-up predictions for `state`'s optimizer, one per task (requests come between). */
export function warmUpLoops(state: TheoryState): void {
  const total = state.epochs * state.stepsPerEpoch;
  const spe = Math.max(1, Math.round((state.stepsPerEpoch * 1e5) / Math.max(total, 1e5)));
  const inputs = [10, 30].map((f) =>
    predictionInput({ ...state, wd: (state.wd > 0 ? state.wd : 1e-4) * f, stepsPerEpoch: spe }),
  );
  const next = (): void => {
    const input = inputs.shift();
    if (input === undefined) return;
    try {
      if (typeof input !== 'string') computePrediction(input, { maxSearchSteps: 0 });
    } catch {
      // a λ × 30 the recurrence rejects (ηλ ≥ 1): nothing to warm up, and nothing to show
    }
    setTimeout(next, 0);
  };
  setTimeout(next, 0);
}

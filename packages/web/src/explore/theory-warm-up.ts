/**
 * Small predictions for the theory view's optimizer, run once right after its first render, before
 * a person can reach a slider: λ below and above the view's (the two-mode loop then meets a
 * bitwise fixed point and hands one mode to the single-mode loop, paths the first prediction may
 * not take) under a multistep and a warmup + cosine schedule, 10⁵ steps each. V8 compiles each
 * recurrence loop the first time it runs long enough, on the second core while the loop goes on
 * in a slow tier (5–9 ms per loop on our machines); without this the first slider move paid for
 * those compiles (Node: 44 ms against 16 ms for the moves after it;
 * bench/theory-slider/first-move.mjs measures the page).
 */
import { computePrediction } from '@smd/smd/predict';
import { predictionInput, type TheoryState } from './theory-state.js';

const RUNS: readonly { wdScale: number; schedule: Partial<TheoryState> }[] = [
  ...[0.5, 2, 8].map((wdScale) => ({
    wdScale,
    schedule: { decay: 'multistep' as const, milestones: [30, 60, 80], warmup: 0 },
  })),
  { wdScale: 2, schedule: { decay: 'cosine', warmup: 5 } },
];

/** Runs the warm-up predictions for `state`'s optimizer, one per task (the page stays responsive). */
export function warmUpLoops(state: TheoryState): void {
  const inputs = RUNS.map(({ wdScale, schedule }) =>
    predictionInput({
      ...state,
      ...schedule,
      wd: (state.wd > 0 ? state.wd : 1e-4) * wdScale,
      epochs: 100,
      stepsPerEpoch: 1000,
    }),
  );
  const next = (): void => {
    const input = inputs.shift();
    if (input === undefined) return;
    if (typeof input !== 'string') computePrediction(input, { maxSearchSteps: 0 });
    window.setTimeout(next, 0);
  };
  window.setTimeout(next, 0);
}

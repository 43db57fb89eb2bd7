/**
 * A theory-view prediction worker: computePrediction (the code behind `smd predict`) for each
 * request, its arrays handed back by transfer. The view runs two: one for the slider path (no
 * searches; it also runs the warm-up, theory-warm-up.ts, when asked) and one for the rest-time
 * prediction with its searches (up to seconds, which no move waits behind).
 * Why workers: in the page's thread the rest-time search froze the page for up to 0.65 s, and a
 * dragged slider blocked input for a whole prediction per frame (bench/RESULTS.md, session 9:
 * the longest main-thread task, 650 → 0 ms). A worker's isolate also runs only these calls, so
 * V8 compiles the loops by their own history, not the page's.
 * Bundled as its own script and started from a blob: URL, so it runs from file:// too.
 */
import { computePrediction } from '@smd/smd/predict';
import {
  transferList,
  type PredictReply,
  type PredictRequest,
  type WarmUpRequest,
} from './theory-protocol.js';
import { predictionInput } from './theory-state.js';
import { warmUpLoops } from './theory-warm-up.js';

const scope = self as unknown as Worker;

function reply(m: PredictReply): void {
  scope.postMessage(m, m.type === 'result' ? transferList(m.prediction) : []);
}

self.onmessage = (ev: MessageEvent<PredictRequest | WarmUpRequest>) => {
  if (ev.data.type === 'warm-up') return warmUpLoops(ev.data.state);
  const { id, state, search, reuse } = ev.data;
  const input = predictionInput(state);
  if (typeof input === 'string') return reply({ type: 'error', id, message: input });
  try {
    const t0 = performance.now();
    const prediction = computePrediction(input, {
      maxSearchSteps: search ? undefined : 0,
      reuse: reuse ?? undefined,
    });
    reply({ type: 'result', id, prediction, ms: performance.now() - t0 });
  } catch (e) {
    return reply({ type: 'error', id, message: (e as Error).message });
  }
};

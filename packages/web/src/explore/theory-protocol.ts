/**
 * Messages between the theory view and its prediction workers (theory-worker.ts), and the list of
 * buffers a prediction hands over. A prediction of 10⁶ steps holds ~56 MB of Float64Arrays: they
 * move between page and worker by transfer (no copy), and go back with the next request as its
 * `reuse`, so neither side allocates them again. Plain data (structured-clone safe).
 */
import type { Prediction } from '@smd/smd/predict';
import type { TheoryState } from './theory-state.js';

/** Page → worker: predict `state` (the worker validates it again and builds the input). */
export interface PredictRequest {
  type: 'predict';
  /** Echoed in the reply: the view's version of its state when it asked. */
  id: number;
  state: TheoryState;
  /** Run the "steps needed" searches (the rest-time prediction), or not (the slider path). */
  search: boolean;
  /** The previous reply's prediction, handed back: its arrays are overwritten. */
  reuse: Prediction | null;
}

/** Page → slider worker: run the warm-up for `state`'s optimizer and schedule (theory-warm-up.ts). */
export interface WarmUpRequest {
  type: 'warm-up';
  state: TheoryState;
}

/** Worker → page. `ms`: computePrediction's own time in the worker. */
export type PredictReply =
  | { type: 'result'; id: number; prediction: Prediction; ms: number }
  | { type: 'error'; id: number; message: string };

/**
 * The distinct ArrayBuffers under `value` (plain objects, arrays, typed arrays), each once: the
 * transfer list of a message that carries it. A buffer listed twice makes postMessage throw, and
 * the two modes of a prediction share their arrays until the first lr drop.
 */
export function transferList(value: unknown): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  const walk = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== 'object' || depth > 8) return;
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer) seen.add(v.buffer);
      return;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  return [...seen];
}

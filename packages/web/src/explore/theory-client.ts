/**
 * The page's side of one prediction worker (theory-worker.ts): one request in flight, and only
 * the newest waiting behind it (a dragged slider asks on every frame; the frames between are
 * skipped, not queued). The last shown prediction goes back with the next request, so the 10⁶-step
 * arrays move page → worker → page by transfer and are never allocated again.
 */
import type { Prediction } from '@smd/smd/predict';
import {
  transferList,
  type PredictReply,
  type PredictRequest,
  type WarmUpRequest,
} from './theory-protocol.js';
import type { TheoryState } from './theory-state.js';

/** A reply as the view gets it: `query` is the state's URL form when asked. */
export interface PredictOutcome {
  id: number;
  query: string;
  prediction: Prediction | null;
  error: string | null;
  /** computePrediction's time in the worker. */
  ms: number;
  /** From postMessage to the reply's arrival: what the page waited for. */
  waitMs: number;
}

/**
 * Whether a reply for version `id` replaces what the view shows (`version`: its inputs' current
 * version; `shown`: the version on screen, `shownSearched`: with its searches). A slider reply
 * shows when newer than the screen: while a drag runs ahead of the worker, the frames between are
 * skipped but each reply still shows. A search reply shows only for the current version, once.
 */
export function replyShows(
  id: number,
  search: boolean,
  view: { version: number; shown: number; shownSearched: boolean },
): boolean {
  if (!search) return id > view.shown;
  return id === view.version && !(view.shown === id && view.shownSearched);
}

/** One worker, its pending request and the arrays it gets back. */
export class PredictionWorker {
  private readonly worker: Worker;
  private busy = false;
  private next: { id: number; state: TheoryState; query: string } | null = null;
  private spare: Prediction | null = null;
  private sentQuery = '';
  private sentAt = 0;

  constructor(
    url: string,
    private readonly search: boolean,
    private readonly onReply: (r: PredictOutcome) => void,
  ) {
    this.worker = new Worker(url);
    this.worker.onmessage = (ev: MessageEvent<PredictReply>) => this.received(ev.data);
    this.worker.onerror = (ev) => {
      this.busy = false;
      const error = `prediction worker failed: ${ev.message}`;
      onReply({ id: -1, query: '', prediction: null, error, ms: 0, waitMs: 0 });
    };
  }

  /** Asks for `state` (id: the view's version of it), now or when the running request ends. */
  request(id: number, state: TheoryState, query: string): void {
    // a copy: the view edits its state in place, and this may wait behind the running request
    this.next = { id, state: { ...state, milestones: [...state.milestones] }, query };
    if (!this.busy) this.send();
  }

  /** Asks the worker to run the warm-up for `state` (theory-warm-up.ts), between its requests. */
  warmUp(state: TheoryState): void {
    const m: WarmUpRequest = { type: 'warm-up', state };
    this.worker.postMessage(m); // cloned here, so no copy
  }

  /** Hands a prediction this worker made back for its next request; the caller drops it. */
  giveBack(p: Prediction): void {
    this.spare = p;
  }

  private send(): void {
    const r = this.next;
    if (r === null) return;
    this.next = null;
    const m: PredictRequest = {
      type: 'predict',
      id: r.id,
      state: r.state,
      search: this.search,
      reuse: this.spare,
    };
    this.spare = null;
    this.busy = true;
    this.sentQuery = r.query;
    this.sentAt = performance.now();
    this.worker.postMessage(m, m.reuse ? transferList(m.reuse) : []);
  }

  private received(m: PredictReply): void {
    this.busy = false;
    const waitMs = performance.now() - this.sentAt;
    this.onReply(
      m.type === 'result'
        ? {
            id: m.id,
            query: this.sentQuery,
            prediction: m.prediction,
            error: null,
            ms: m.ms,
            waitMs,
          }
        : { id: m.id, query: this.sentQuery, prediction: null, error: m.message, ms: 0, waitMs },
    );
    this.send();
  }
}

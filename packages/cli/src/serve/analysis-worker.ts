/**
 * The dashboard's analysis worker thread: a message is a run folder and the server's points cap
 * ({dir, cap}); the answer is its analysis and exact down-sampled series at the run's last stored
 * step ({dir, parts}), {dir, unchanged} when that step was answered already, or {dir, error}. It keeps a RunCache per run, so a live run's later requests read
 * only the new rows; reading every row and analyzeRun happen here, off the server's thread.
 */
import { parentPort } from 'node:worker_threads';
import { RunCache, type AnalysisParts } from '../report/run-cache.js';

/** A worker answer. */
export type AnalysisReply =
  | { dir: string; parts: AnalysisParts }
  | { dir: string; unchanged: true }
  | { dir: string; error: string };

const caches = new Map<string, RunCache>();
const answered = new Map<string, number>();

/** A worker request. */
export interface AnalysisRequest {
  dir: string;
  cap: number;
}

parentPort?.on('message', ({ dir, cap }: AnalysisRequest) => {
  let reply: AnalysisReply;
  try {
    let c = caches.get(dir);
    if (!c) caches.set(dir, (c = new RunCache(dir)));
    c.refresh();
    if (answered.get(dir) === c.cursor) reply = { dir, unchanged: true };
    else {
      reply = { dir, parts: c.analyzed(cap) };
      answered.set(dir, c.cursor);
    }
  } catch (e) {
    caches.delete(dir);
    answered.delete(dir);
    reply = { dir, error: (e as Error).message.split('\n')[0] };
  }
  parentPort!.postMessage(reply);
});

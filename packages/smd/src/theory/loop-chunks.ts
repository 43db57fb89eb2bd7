/**
 * The hot loops of a prediction (recurrence-run.ts, equilibrium-run.ts, lion-kappa.ts) run in
 * chunks: their callers call them once per CHUNK steps of one grid (t = 0, CHUNK, 2·CHUNK, …),
 * not once per span. Why: a loop function called once per 10⁶-step span runs in the code V8
 * compiled for it while it ran (on-stack replacement), and which code that is depends on timing
 * and on what ran before. Called ~120 times per slider move, a loop function gets V8's ordinary
 * compile of the whole function after its first calls, and every later call enters it from the
 * top. In a fresh explorer worker without warm-up, a Lion + cosine view's first ~15 moves took
 * 67–88 ms unchunked; chunked, 13 workers of 16 ran every move from the second at 33–35 ms and 3
 * at ~56 (bench/RESULTS.md, session 9). Those 3 were code V8 compiled mid-loop and left after the
 * loop, chunk after chunk: recurrence-run.ts keeps nothing after a hot loop but a return, and
 * since then 20 workers of 20 ran at ~28–30 ms (session 10). Bare calls are as fast as before
 * (bench/theory-slider/run.mjs: 1.00× in every case).
 * Each chunk starts as a loop starts (η and what derives from it re-derived at its first step:
 * the same arithmetic, so the same bits), and Lion's κ pass chunks its steps the same way, so κ
 * is filled at every chunk start, where the loops after it read it.
 */

/** Steps per call of a hot loop function (8192: ~50 µs of work, the call is noise). */
export const CHUNK = 8192;

/** The end of the chunk holding step t, capped at `end`. */
export function chunkEnd(t: number, end: number): number {
  return Math.min(end, (Math.floor(t / CHUNK) + 1) * CHUNK);
}

/**
 * The hot loops of a prediction (recurrence-run.ts, equilibrium-run.ts, lion-kappa.ts) run in
 * chunks: their callers call them once per CHUNK steps of an absolute grid (t = 0, CHUNK, 2·CHUNK,
 * …), not once per span. Why: a loop function called once per 10⁶-step span runs in code V8
 * compiled for on-stack replacement, while it ran; which code that was depended on timing and on
 * what had run before, and a Lion + cosine slider move took 34 ms or 55 ms for a whole page load
 * by that alone (bench/RESULTS.md, session 9). Called ~120 times per move, a loop function gets
 * V8's ordinary compile of the whole function after its first few calls, as every later call
 * enters it from the top. Each chunk starts as a loop starts (η and what derives from it
 * re-derived at its first step: the same arithmetic, so the same bits), and the grid is absolute
 * so that every loop over the same steps starts a chunk at the same t (Lion's κ pass fills κ at
 * each chunk start for the loops that read it there).
 */

/** Steps per call of a hot loop function (8192: ~50 µs of work, the call is noise). */
export const CHUNK = 8192;

/** The end of the chunk holding step t, capped at `end`. */
export function chunkEnd(t: number, end: number): number {
  return Math.min(end, (Math.floor(t / CHUNK) + 1) * CHUNK);
}

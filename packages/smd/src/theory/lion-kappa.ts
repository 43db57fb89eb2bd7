/**
 * Lion's coherent share κ(x) = ((S(x) − 1)/2)·(1 − ρx) per step, for the decoupled recurrence and
 * equilibrium loops (recurrence-run.ts, equilibrium-run.ts): filled by a pass before each loop,
 * kept in a per-process memo so that the second loop of a prediction finds it.
 */
import { lionSignSumAt, type LionSignSumCoefficients } from '@smd/engine/rotational-rules';
import type { DecoupledConstants } from './recurrence-run.js';
import { chunkEnd } from './loop-chunks.js';

/**
 * Lion's κ(x) by step index t: x[t] and κ(x[t]) as kappaSeries last computed them with these betas.
 * A prediction runs the recurrence and then the equilibria over the same η series (and each mode
 * after an lr drop), and S(x) is most of a Lion step under a continuous schedule, so the later
 * loops find it here. Keyed by the value x, so a different η or λ at t just recomputes;
 * zero-filled entries are right too (κ(0) = 0: S(0) = 1). One per process, its buffers reused
 * (16 bytes per step of the longest run): on our machines writing 16 MB of fresh pages costs
 * ~45 ms, more than the loop that fills them.
 */
const lionMemo = { b1: NaN, b2: NaN, x: new Float64Array(0), k: new Float64Array(0) };

const NO_KAPPA = new Float64Array(0);

/**
 * Lion's κ(x[t]), x[t] = 1 − lr[t]·λ, at every t of [start, end) where η changes (t = start or
 * lr[t] ≠ lr[t − 1]: the only steps at which the decoupled loops read it), in the memo's array
 * (valid until the next call); an empty array for AdamW, whose κ = β1·x needs none.
 *
 * Its own pass before each loop rather than S inside the loops: with S inside, how fast V8 made
 * the loops depended on what ran before. In Chromium a Lion + cosine view's slider move took 33,
 * 37 or 60 ms in the same page by whether the explorer's warm-up (which takes S's long forms) and
 * its searches had run, and in Node 32 or 39 ms by whether an AdamW prediction came first.
 */
export function kappaSeries(
  k: DecoupledConstants,
  lr: Float64Array,
  start: number,
  end: number,
): Float64Array {
  const c = k.signSum;
  if (c === null) return NO_KAPPA;
  const m = lionMemo;
  if (m.x.length < lr.length) {
    // room for the whole series, not just [0, end): a prediction asks span by span (a continuous
    // schedule's 10 phases), and sizing by `end` reallocated, and lost, the memo 10 times
    m.x = new Float64Array(lr.length);
    m.k = new Float64Array(lr.length);
  } else if (m.b1 !== k.b1 || m.b2 !== k.b2) {
    m.x.fill(0);
    m.k.fill(0);
  }
  m.b1 = k.b1;
  m.b2 = k.b2;
  // chunked (loop-chunks.ts): the short loop to the first x that needs more, the long one after
  let t = start;
  while (t < end) {
    const e = chunkEnd(t, end);
    t = lionKappaShort(c.G, c.r0, c.cut, k.lam, k.rho, m.x, m.k, lr, t, e);
    if (t < e) break;
  }
  for (; t < end; t = chunkEnd(t, end))
    lionKappaLong(c, k.lam, k.rho, m.x, m.k, lr, t, chunkEnd(t, end));
  return m.k;
}

/**
 * kappaSeries' loop while every x needs only S's short case (lionSignSumAt, r_0·ε ≤ cut), written
 * out; returns the first step that needs more (end if none), for lionKappaLong. Two loops, not
 * one with both forms: a loop V8 compiled while one branch had never run deoptimizes when it
 * first takes it, and in Chromium the explorer's warm-up (λ × 10 and × 30: the long forms) left
 * the loop deoptimizing on every slider move (--trace-deopt: 32 times in 25 moves, each move
 * 60 ms instead of 35).
 */
function lionKappaShort(
  G: Float64Array,
  r0: number,
  cut: number,
  lam: number,
  rho: number,
  memoX: Float64Array,
  memoK: Float64Array,
  lr: Float64Array,
  start: number,
  end: number,
): number {
  let eta = NaN;
  for (let t = start; t < end; t++) {
    if (lr[t] === eta) continue;
    eta = lr[t];
    const x = 1 - eta * lam;
    if (memoX[t] === x) continue;
    const eps = 1 - x;
    if (!(eps >= 0 && r0 * eps <= cut)) return t;
    const e = -eps;
    const e2 = e * e;
    const e4 = e2 * e2;
    const p0 = G[0] + e * G[1] + e2 * (G[2] + e * G[3]);
    const S = 1 + x * (p0 + e4 * (G[4] + e * G[5] + e2 * (G[6] + e * G[7])));
    memoK[t] = ((S - 1) / 2) * (1 - rho * x);
    memoX[t] = x;
  }
  return end;
}

/** kappaSeries' loop from the first step lionKappaShort leaves: S by lionSignSumAt. */
function lionKappaLong(
  signSum: LionSignSumCoefficients,
  lam: number,
  rho: number,
  memoX: Float64Array,
  memoK: Float64Array,
  lr: Float64Array,
  start: number,
  end: number,
): void {
  let eta = NaN;
  for (let t = start; t < end; t++) {
    if (lr[t] === eta) continue;
    eta = lr[t];
    const x = 1 - eta * lam;
    if (memoX[t] === x) continue;
    memoK[t] = ((lionSignSumAt(signSum, x) - 1) / 2) * (1 - rho * x);
    memoX[t] = x;
  }
}

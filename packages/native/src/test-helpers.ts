/**
 * Helpers for the conformance tests (native kernel vs TS kernel): a seeded generator of random
 * buffers and a scaled max-error comparison. Not part of the public API.
 */
import assert from 'node:assert/strict';

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function makeRand(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [lo, hi]. */
export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** Float32Array of n uniform values in [lo, hi). */
export function randF32(rand: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rand();
  return a;
}

/**
 * Max |got - want| / max(1, max |want|): absolute error on O(1) data, relative on large data.
 * Asserts it is <= tol and that both hold the same NaN / ±Infinity pattern.
 */
export function assertClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: number,
  what: string,
): number {
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 1;
  for (let i = 0; i < want.length; i++)
    if (Number.isFinite(want[i])) scale = Math.max(scale, Math.abs(want[i]));
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      assert.ok(
        Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)),
        `${what}[${i}]: got ${g}, want ${w}`,
      );
      continue;
    }
    err = Math.max(err, Math.abs(g - w) / scale);
  }
  assert.ok(err <= tol, `${what}: scaled max error ${err.toExponential(2)} > tolerance ${tol}`);
  return err;
}

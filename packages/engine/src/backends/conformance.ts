/**
 * Backend conformance: runs every kernel of a candidate `Kernels` and of the TS reference on the
 * same random float32 inputs (several shapes each) and compares every output buffer with a
 * recorded tolerance. One suite for every backend (`smd doctor`, native tests, benchmarks).
 */
import type { Kernels, KernelName } from '../kernels.js';
import { Rng } from '../rng.js';
import { tsKernels } from './ts/index.js';
import { cases, type Case, type Params } from './conformance-cases.js';

/** Outcome of one case. */
export interface ConformanceResult {
  kernel: KernelName;
  /** short description of the shape/options */
  label: string;
  /** max |got - want| / max(1, max |want|) over all outputs */
  maxErr: number;
  tol: number;
  ok: boolean;
  /** set when the candidate threw */
  error?: string;
}

function cloneParams(p: Params): Params {
  const q: Params = {};
  for (const [k, v] of Object.entries(p))
    q[k] = ArrayBuffer.isView(v) ? (v as Float32Array).slice() : v;
  return q;
}

/**
 * Run the suite on `candidate` (every case, every kernel) against the TS reference; `suite`
 * replaces the built-in cases (e.g. random shapes from a test).
 */
export function checkConformance(
  candidate: Kernels,
  seed = 1,
  suite: readonly Case[] = cases(),
): ConformanceResult[] {
  const results: ConformanceResult[] = [];
  const run = (k: Kernels, name: KernelName, p: Params): void =>
    (k[name] as unknown as (q: Params) => void)(p);
  suite.forEach((c, i) => {
    const want = c.make(new Rng(seed * 1000 + i));
    const got = cloneParams(want);
    run(tsKernels, c.kernel, want);
    try {
      run(candidate, c.kernel, got);
    } catch (e) {
      results.push({
        kernel: c.kernel,
        label: c.label,
        maxErr: Infinity,
        tol: c.tol,
        ok: false,
        error: String(e),
      });
      return;
    }
    let maxErr = 0;
    for (const key of c.outputs) {
      const w = want[key] as ArrayLike<number> | null;
      const g = got[key] as ArrayLike<number> | null;
      if (w === null || g === null) {
        // An absent optional output (e.g. no bias) must stay absent on both sides.
        if (w !== g) maxErr = Infinity;
        continue;
      }
      if (w instanceof Uint32Array) {
        // A ReLU bit mask must hold exactly the signs of the candidate's own y (which is
        // compared with the reference's within the tolerance; a value within rounding of 0 may
        // fall on either side): the error is the number of words that differ.
        const own = got.y as ArrayLike<number> | undefined;
        let diff = 0;
        for (let j = 0; j < w.length; j++) {
          let want = w[j];
          if (own) {
            want = 0;
            for (let b = 0; b < 32 && 32 * j + b < own.length; b++)
              if (own[32 * j + b] > 0) want |= 1 << b;
          }
          if (want >>> 0 !== (g[j] as number) >>> 0) diff++;
        }
        maxErr = Math.max(maxErr, diff);
        continue;
      }
      let scale = 1;
      for (let j = 0; j < w.length; j++) scale = Math.max(scale, Math.abs(w[j]));
      for (let j = 0; j < w.length; j++) {
        const e = Math.abs(g[j] - w[j]) / scale;
        maxErr = Math.max(
          maxErr,
          Number.isNaN(e) ? (Number.isNaN(w[j]) && Number.isNaN(g[j]) ? 0 : Infinity) : e,
        );
      }
    }
    results.push({ kernel: c.kernel, label: c.label, maxErr, tol: c.tol, ok: maxErr <= c.tol });
  });
  return results;
}

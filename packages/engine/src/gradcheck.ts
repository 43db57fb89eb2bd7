/**
 * Finite-difference gradient check: compares autograd gradients of a scalar projection
 * L = Σ f(inputs) ⊙ r (r fixed random) with float64 central differences for every input element.
 */
import { noGrad } from './autograd.js';
import { Rng } from './rng.js';
import { Tensor } from './tensor.js';
import { storageOffset } from './storage-order.js';

/** Options of gradcheck. */
export interface GradcheckOptions {
  /** finite-difference step, default 1e-6 */
  eps?: number;
  /** absolute tolerance, default 1e-6 */
  atol?: number;
  /** relative tolerance, default 1e-4 */
  rtol?: number;
  /** seed of the projection weights, default 0 */
  seed?: number;
}

/** Result of gradcheck: ok plus the worst mismatch found. */
export interface GradcheckResult {
  ok: boolean;
  maxAbsErr: number;
  /** e.g. "input 1 element 5: analytic 0.3 numeric 0.31" for the worst element */
  worst: string;
  /** number of elements compared */
  checked: number;
}

/**
 * Check `fn` at float64 `inputs` (leaves with requiresGrad true are checked). `fn` must be
 * deterministic (re-seed any RNG inside it).
 */
export function gradcheck(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-4;
  for (const x of inputs) {
    if (x.dtype !== 'float64') throw new Error('gradcheck: inputs must be float64');
  }
  const out0 = fn(...inputs);
  const rng = new Rng(opts.seed ?? 0);
  // Projection weights in logical order (layout-independent).
  const r = Float64Array.from({ length: out0.size }, () => rng.uniform(-1, 1));
  const project = (t: Tensor): number => {
    const v = t.toArray();
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i] * r[i];
    return s;
  };
  for (const x of inputs) x.grad = null;
  out0.backward(Tensor.from(r, out0.shape, { dtype: 'float64', layout: out0.layout }));
  let maxAbsErr = 0;
  let worstScore = -1;
  let worst = 'none';
  let ok = true;
  let checked = 0;
  inputs.forEach((x, xi) => {
    if (!x.requiresGrad) return;
    const analytic = x.grad === null ? new Array<number>(x.size).fill(0) : x.grad.toArray();
    const logical = x.toArray();
    for (let li = 0; li < x.size; li++) {
      // storage offset of logical element li
      let rem = li;
      const idx = new Array<number>(x.ndim);
      for (let d = x.ndim - 1; d >= 0; d--) {
        idx[d] = rem % x.shape[d];
        rem = Math.floor(rem / x.shape[d]);
      }
      const off = x.ndim === 4 ? storageOffset(x.shape, x.layout, idx) : rowMajor(x.shape, idx);
      const orig = x.data[off];
      const fp = noGrad(() => {
        x.data[off] = orig + eps;
        return project(fn(...inputs));
      });
      const fm = noGrad(() => {
        x.data[off] = orig - eps;
        return project(fn(...inputs));
      });
      x.data[off] = orig;
      const numeric = (fp - fm) / (2 * eps);
      const err = Math.abs(numeric - analytic[li]);
      const tol = atol + rtol * Math.abs(numeric);
      checked++;
      if (!(err <= tol)) ok = false;
      maxAbsErr = Math.max(maxAbsErr, err);
      const score = err / tol;
      if (score > worstScore || Number.isNaN(err)) {
        worstScore = score;
        worst = `input ${xi} element ${li} (logical ${logical[li]}): analytic ${analytic[li]} numeric ${numeric}`;
      }
    }
  });
  return { ok, maxAbsErr, worst, checked };
}

/** Row-major offset of a logical index. */
function rowMajor(shape: readonly number[], idx: readonly number[]): number {
  let off = 0;
  for (let d = 0; d < shape.length; d++) off = off * shape[d] + idx[d];
  return off;
}

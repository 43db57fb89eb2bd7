/**
 * The exact last step from a checkpoint's weights w_{t+1} and the optimizer state saved with
 * them (smd-theory.md §8, last point). PyTorch's updates, inverted:
 *   SGD(M) (torch.optim.SGD, coupled decay, not Nesterov): w_{t+1} = w_t − η·v_t with v_t the
 *     stored momentum_buffer (decay and dampening already in it) ⇒ w_t = w_{t+1} + η·v_t.
 *   Adam: w_{t+1} = w_t − u, u = (η/(1−β₁ᵗ))·m_t / (√(v_t/(1−β₂ᵗ)) + ε)  (v_t → max_exp_avg_sq
 *     with amsgrad) ⇒ w_t = w_{t+1} + u.
 *   AdamW: w_{t+1} = (1 − ηλ)·w_t − u ⇒ w_t = (w_{t+1} + u)/(1 − ηλ): same direction as Adam's.
 * Δ_t = ∠(w_t, w_{t+1}) = ∠(w_{t+1}, w_{t+1} + u) from three float64 sums in one pass (no copy
 * of w_t). Plain SGD without momentum and Nesterov store no v_t (Nesterov's step needs g_t too):
 * their Δ_t is NaN with the reason; two checkpoints one step apart give it exactly instead.
 *
 * For SGDM it also returns the mean-field state at step t (§4): a = ‖w_t‖², q = ‖v_t‖²,
 * p = ⟨w_t, v_t⟩, and two estimates that assume the state is stationary (p, q the same one
 * step earlier): L ≈ a·((1−α²)q − λ²a − 2αλ(p − ηq)) (so ‖g_t‖² ≈ L/a), and the radial
 * residual ⟨w_t, g_t⟩ ≈ (1−α)p + αηq − λa (0 for a scale-invariant tensor, Lemma 1), reported
 * as the radial cosine ⟨w_t, g_t⟩/(‖w_t‖‖g_t‖) ≈ residual/√L. Both are estimates: on a small
 * BN network 60 steps into training they read |cos| ≈ 0.013 for the BN-fed convs and 0.04–0.2
 * for BN γ/β and the classifier (formats fixtures, analyze.test.ts).
 * For Adam/AdamW the radial cosine is that of m_t (minus λ·w_t for Adam's coupled L2) against
 * w_t: 0.03–0.12 for the BN-fed convs of the fixtures, 0.27–0.93 for the classifier and BN β.
 */
import { angleFromSums } from '../probe/tensor-stats.js';
import type { FloatArray } from '../probe/sums.js';

/** torch.optim.SGD state of one parameter. */
export interface SgdState {
  kind: 'sgd';
  lr: number;
  weightDecay: number;
  momentum: number;
  nesterov: boolean;
  /** momentum_buffer v_t (null: plain SGD, or no step taken yet) */
  buffer: FloatArray | null;
}

/** torch.optim.Adam / AdamW state of one parameter. */
export interface AdamState {
  kind: 'adam' | 'adamw';
  lr: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** step count t after the step */
  step: number;
  expAvg: FloatArray;
  /** exp_avg_sq, or max_exp_avg_sq with amsgrad */
  expAvgSq: FloatArray;
}

/** The reconstructed last step of one tensor. */
export interface LastStep {
  /** ‖w_{t+1}‖², the checkpoint's tensor */
  normSq: number;
  /** Δ_t = ∠(w_t, w_{t+1}) in radians; NaN when it cannot be reconstructed */
  deltaRad: number;
  /** how Δ_t was obtained, or why not */
  how: string;
  /** SGDM mean-field state at step t (§4), else null */
  meanField: { a: number; p: number; q: number } | null;
  /** radial cosine estimate (SGDM: of g_t; Adam/AdamW: of m_t), ≈ 0 for scale-invariant tensors; NaN when not measurable */
  radialCos: number;
  /** L estimate (SGDM, stationary state); NaN otherwise */
  L: number;
}

function nan(normSq: number, how: string): LastStep {
  return { normSq, deltaRad: NaN, how, meanField: null, radialCos: NaN, L: NaN };
}

/** ‖x‖² in float64. */
export function sumSq(x: FloatArray): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}

/** ∠(x, y) in radians, float64 and stable for tiny angles (x, y of equal length). */
export function angleBetweenArrays(x: FloatArray, y: FloatArray): number {
  let xx = 0;
  let xd = 0;
  let dd = 0;
  for (let i = 0; i < x.length; i++) {
    const d = y[i] - x[i];
    xx += x[i] * x[i];
    xd += x[i] * d;
    dd += d * d;
  }
  return angleFromSums(xx, xd, dd);
}

/** Reconstruct the step that produced `w` (= w_{t+1}) from the optimizer state saved with it. */
export function lastStep(w: FloatArray, s: SgdState | AdamState): LastStep {
  return s.kind === 'sgd' ? sgdLastStep(w, s) : adamLastStep(w, s);
}

function sgdLastStep(w: FloatArray, s: SgdState): LastStep {
  const v = s.buffer;
  if (s.nesterov) return nan(sumSq(w), 'Nesterov: the last step needs g_t, which is not saved');
  if (s.momentum === 0 || v === null) {
    return nan(sumSq(w), 'SGD without momentum saves no update (momentum_buffer)');
  }
  if (v.length !== w.length) return nan(sumSq(w), 'momentum_buffer has another size');
  let ww = 0;
  let wv = 0;
  let vv = 0;
  for (let i = 0; i < w.length; i++) {
    ww += w[i] * w[i];
    wv += w[i] * v[i];
    vv += v[i] * v[i];
  }
  const eta = s.lr;
  const { momentum: alpha, weightDecay: lambda } = s;
  // w_t = w_{t+1} + η v: a = ‖w_t‖², p = ⟨w_t, v⟩, q = ‖v‖²
  const q = vv;
  const p = wv + eta * q;
  const a = ww + 2 * eta * wv + eta * eta * q;
  const radial = (1 - alpha) * p + alpha * eta * q - lambda * a;
  const L =
    a * ((1 - alpha * alpha) * q - lambda * lambda * a - 2 * alpha * lambda * (p - eta * q));
  return {
    normSq: ww,
    deltaRad: angleFromSums(ww, eta * wv, eta * eta * vv),
    how: 'exact: w_t = w_{t+1} + η·momentum_buffer',
    meanField: { a, p, q },
    radialCos: L > 0 ? radial / Math.sqrt(L) : NaN,
    L,
  };
}

function adamLastStep(w: FloatArray, s: AdamState): LastStep {
  const m = s.expAvg;
  const v = s.expAvgSq;
  if (m.length !== w.length || v.length !== w.length) {
    return nan(sumSq(w), 'exp_avg / exp_avg_sq have another size');
  }
  if (!(s.step >= 1)) return nan(sumSq(w), 'no Adam step count saved');
  const bc1 = 1 - s.beta1 ** s.step;
  const bc2Sqrt = Math.sqrt(1 - s.beta2 ** s.step);
  const stepSize = s.lr / bc1;
  let ww = 0;
  let wu = 0;
  let uu = 0;
  let wm = 0;
  let mm = 0;
  let um = 0;
  for (let i = 0; i < w.length; i++) {
    const u = (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + s.eps);
    ww += w[i] * w[i];
    wu += w[i] * u;
    uu += u * u;
    wm += w[i] * m[i];
    mm += m[i] * m[i];
    um += u * m[i];
  }
  // Radial test: m_t is the EMA of the gradients (Adam: plus λ·w from the coupled L2 term, taken
  // out here). Each g_s ⊥ w_s for a scale-invariant tensor (Lemma 1), so ⟨w, m⟩ is only the
  // drift of w over the EMA's ~1/(1−β₁) steps: |cos| of order Δ·β₁/(1−β₁), a few 1e-2 at most
  // on the fixtures, against 0.1–1 for tensors that are not scale-invariant.
  const lc = s.kind === 'adam' ? s.weightDecay : 0;
  // against w_t ∝ w_{t+1} + u (the step's own start: its gradient term is exactly ⊥)
  const xm = wm + um;
  const xx = ww + 2 * wu + uu;
  const gm = mm - 2 * lc * xm + lc * lc * xx;
  const radialCos = xx > 0 && gm > 0 ? (xm - lc * xx) / Math.sqrt(xx * gm) : NaN;
  return {
    normSq: ww,
    deltaRad: angleFromSums(ww, wu, uu),
    how:
      s.kind === 'adamw'
        ? 'exact: w_t = (w_{t+1} + u)/(1 − ηλ), u from exp_avg, exp_avg_sq and step'
        : 'exact: w_t = w_{t+1} + u, u from exp_avg, exp_avg_sq and step',
    meanField: null,
    radialCos,
    L: NaN,
  };
}

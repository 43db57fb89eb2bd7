/**
 * Recurrences of SGDP and AdamP (Heo et al., ICLR 2021) on a scale-invariant tensor, for the
 * transient after an lr drop in `smd predict` and `smd advise` — DERIVED HERE, checked against
 * the simulator in projected-dynamics.test.ts. Its fixed point is projected-equilibrium.ts's
 * Δ* = arccos(1 − κ).
 *
 * The step's radial part is removed and w shrinks by 1 − κ (κ = ηλr/(1−α) SGDP, ηλr AdamP):
 *   w' = (1−κ)w − η·P(u),   a' = (1−κ)²a + η²T,   tan Δ = η√T/((1−κ)√a),
 * a = ‖w‖², T = ‖P(u)‖² the tangent energy of the step u. The projection removes only the radial
 * part of the step, not of the momentum buffer: past steps moved w against the buffer, so the
 * buffer keeps a radial component c = ⟨w_t, buffer_{t−1}⟩ that the projection discards each step,
 *   ρ = β·c (β = α or β1),   T = B − ρ²/a,   c' = (1−κ)ρ − ηT,
 * B the buffer's energy. That discards x/(1+x) of B, x ≈ β²·2κ/(1−β)² (28% at β = 0.9,
 * κ = 2.5e-3): it moves ‖w*‖ and the transient, never Δ*.
 * - sgdp (heavy ball; state a, b = B, c): B' = α²B + L/a, the gradient ⊥ w with E‖g‖² = L/a.
 *   ‖w*‖⁴ = L/((1−α²)(k + α²η²k²/D²)), k = (2κ−κ²)/η², D = 1 − α(1−κ) (≈ ηL/(2λr(1+α))
 *   to leading order): ‖w*‖ ∝ η^{1/4}, so the rescaling factor is k^{−1/4} as for SGDM.
 * - adamp (state a, b = EMA_β2(1/a) as AdamW's v lag, c): B = U·(1/a)/b with Adam's steady
 *   energy U = d(1−β1)/(1+β1); ‖w*‖² = U/(k(1 + β1²η²k/D²)) ∝ η, rescaling factor k^{−1/2}.
 */
import { numericTimeConstant } from './fixed-point.js';
import { defaultBetas } from './optimizer-equilibrium.js';
import type { DynamicsHyper, OptimizerDynamics } from './optimizer-dynamics.js';
import { genericEquilibriumRun } from './equilibrium-run.js';
import { stepwiseRun } from './recurrence-run.js';
import { stepAngle } from './step-angle.js';
import type { MeanFieldState } from './types.js';

/** r when none is given: Heo et al.'s default, as `smd train --wd-ratio`. */
export const DEFAULT_WD_RATIO = 0.1;

/** The recurrence of SGDP or AdamP (`h.optimizer` 'sgdp' | 'adamp'; see the file comment). */
export function projectedDynamics(h: DynamicsHyper): OptimizerDynamics {
  const sgdp = h.optimizer === 'sgdp';
  const lam = h.wd;
  const r = h.wdRatio ?? DEFAULT_WD_RATIO;
  const alpha = sgdp ? (h.momentum ?? 0) : 0;
  if (!(r > 0)) throw new Error(`${h.optimizer}: wdRatio must be > 0, got ${r}`);
  if (!(alpha >= 0 && alpha < 1)) throw new Error(`sgdp: momentum must be in [0, 1), got ${alpha}`);
  const [b1, b2] = h.betas ?? defaultBetas(h.optimizer);
  const beta = sgdp ? alpha : b1;
  const L = h.L ?? 1;
  const U = ((h.dim ?? 576) * (1 - b1)) / (1 + b1);
  /** κ at η: the per-step shrink 1 − κ of a projected tensor. */
  const kappaAt = (lr: number): number => {
    const k = (lr * lam * r) / (1 - alpha);
    if (!(k < 1)) throw new Error(`${h.optimizer}: ηλr/(1−α) = ${k} must be < 1`);
    return k;
  };
  const step = (s: MeanFieldState, lr: number, out: MeanFieldState): number => {
    const x = 1 - kappaAt(lr);
    let B: number;
    if (sgdp) {
      B = alpha * alpha * s.b + L / s.a;
      out.b = B;
    } else {
      // b = 0: no history yet (bias-corrected v̂ = g²); u grows by (1/a)/b while v lags
      out.b = s.b > 0 ? b2 * s.b + (1 - b2) / s.a : 1 / s.a;
      B = U / (s.a * out.b);
    }
    const rho = beta * s.c;
    const T = Math.max(0, B - (rho * rho) / s.a);
    out.a = x * x * s.a + lr * lr * T;
    out.c = x * rho - lr * T;
    return stepAngle(lr * Math.sqrt(T), x * Math.sqrt(s.a));
  };
  const fixedPoint = (lr: number): MeanFieldState => {
    const kappa = kappaAt(lr);
    const k = (2 * kappa - kappa * kappa) / (lr * lr); // η²T = (2κ − κ²)·a at equilibrium
    const D = 1 - beta * (1 - kappa);
    const radial = 1 + (beta * beta * lr * lr * k) / (D * D); // B = a·k·radial
    const a = sgdp ? Math.sqrt(L / ((1 - alpha * alpha) * k * radial)) : U / (k * radial);
    return { a, b: sgdp ? a * k * radial : 1 / a, c: (-lr * a * k) / D };
  };
  return {
    hyper: h,
    step,
    run: stepwiseRun(step),
    equilibria: genericEquilibriumRun(fixedPoint, step),
    fixedPoint,
    deltaStar: (lr) => step(fixedPoint(lr), lr, { a: 0, b: 0, c: 0 }),
    deltaStarLeading: (lr) => Math.sqrt(2 * kappaAt(lr)),
    normStarSq: (lr) => fixedPoint(lr).a,
    // sgdp: the 3-state map's slowest mode (≈ 1/(4κ)); adamp: the norm's own rate, as AdamW's
    // (Adam's v memory 1/(1−β2) is a separate, slower lag the recurrence carries)
    timeConstant: (lr) =>
      sgdp ? numericTimeConstant(step, fixedPoint(lr), lr) : -1 / (2 * Math.log(1 - kappaAt(lr))),
    rescaleFactor: (k) => Math.pow(k, sgdp ? -0.25 : -0.5),
    rescale: (s, f) => ({ a: s.a * f * f, b: s.b, c: s.c * f }),
    // ‖w‖² falls by √k (sgdp) or k (adamp) at (1−κ)² per step
    normDecaySteps: (lrNew, k) => Math.log(k) / (sgdp ? 4 : 2) / kappaAt(lrNew),
  };
}

/**
 * Equilibrium angular updates for other optimizers, docs/smd-theory.md §7 — NOT from the SMD paper.
 * `kosson.*` are the formulas of Kosson, Messmer, Jaggi, "Rotational Equilibrium" (ICML 2024);
 * each exported one is checked against `simulateScaleInvariant` in kosson.test.ts (isotropic
 * gradient noise on a scale-invariant w). Kosson's Lion formula
 * √(π/2)·√(2ηλ)·√((1−β₁)² + β₁²(1−β₂)/(1+β₂)) did NOT match the simulation (e.g. β₁ = 0:
 * simulation and exact argument give √(2ηλ), the formula √(π/2) times more), so it is not
 * exported; `lionDeltaStarGaussian` (derived here, see its JSDoc) is exported instead.
 */
// the light entry point: the browser explorer bundles this file without the rest of the engine
import { equilibriumRotation, lionSignCorrelationSum } from '@smd/engine/rotational-rules';

/** Kosson et al. (§7), SGDM with coupled decay: Δ* = √(2ηλ/(1+α)) (same as SMD Theorem 3). */
function sgdmDeltaStar(p: { lr: number; wd: number; momentum: number }): number {
  return equilibriumRotation('sgdm', { lr: p.lr, weightDecay: p.wd, momentum: p.momentum });
}

/** Kosson et al. (§7), AdamW (decoupled decay, multiplied by η): Δ* = √(2ηλ(1−β₁)/(1+β₁)). */
function adamwDeltaStar(p: { lr: number; wd: number; beta1: number }): number {
  return equilibriumRotation('adamw', { lr: p.lr, weightDecay: p.wd, betas: [p.beta1, 0.999] });
}

/** Kosson et al. (ICML 2024) equilibrium angular updates (§7) that the simulation confirmed. */
export const kosson = { sgdmDeltaStar, adamwDeltaStar } as const;

/**
 * Lion (decoupled decay) equilibrium angular update, DERIVED IN THIS PROJECT (not Kosson's
 * formula, which simulation rejected; see the file comment), for isotropic Gaussian gradient
 * noise and λη ≪ 1: the update u = sign(c_t), c_t = β₁m_{t−1} + (1−β₁)g_t, has ‖u‖² = d exactly,
 * and equilibrium of ‖w‖² gives Δ*² = 2ηλ / S with
 *   S = 1 + 2·Σ_{k≥1} (2/π)·arcsin(ρ_k),   (Gaussian sign correlation, Van Vleck)
 *   ρ_k = corr(c_t, c_{t+k}) = β₁(1−β₂)β₂^{k−1}((1−β₁) + β₁β₂/(1+β₂)) / ((1−β₁)² + β₁²(1−β₂)/(1+β₂)).
 * β₁ = 0 gives √(2ηλ). Accurate when the correlation time 1/(1−β₂) ≪ 1/(ηλ). The engine's
 * RV-Lion uses the same function (equilibriumRotation) as its target.
 */
export function lionDeltaStarGaussian(p: {
  lr: number;
  wd: number;
  beta1: number;
  beta2: number;
}): number {
  const { beta1: b1, beta2: b2 } = p;
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) {
    throw new Error(`lionDeltaStarGaussian: beta1, beta2 must be in [0, 1), got ${b1}, ${b2}`);
  }
  return Math.sqrt((2 * p.lr * p.wd) / lionSignCorrelationSum(b1, b2));
}

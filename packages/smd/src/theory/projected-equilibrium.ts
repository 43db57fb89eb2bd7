/**
 * Equilibrium angular update of SGDP and AdamP (Heo et al., "AdamP: Slowing Down the Slowdown
 * for Momentum Optimizers on Scale-invariant Weights", ICLR 2021) on a scale-invariant tensor —
 * DERIVED HERE, checked against the simulator in projected-equilibrium.test.ts.
 *
 * On such a tensor the cosine test always projects: the step u loses its radial component
 * (u ⊥ w) and w shrinks by κ = ηλr per step (SGDP: κ = ηλr/(1−α)), r = wd_ratio, so
 *   ‖w'‖² = (1−κ)²‖w‖² + η²‖u‖²,   tan Δ = η‖u‖/((1−κ)‖w‖).
 * At equilibrium E‖w'‖² = ‖w‖² gives η²E‖u‖² = (1 − (1−κ)²)‖w‖², hence cos Δ* = 1 − κ:
 *   Δ* = arccos(1 − κ) ≈ √(2κ),
 * whatever the statistics of u (momentum, Adam's normalisation, betas): the projection removes
 * the coherent radial growth that makes SGDM's and AdamW's Δ* depend on α and β1.
 */

/** The optimizers of Heo et al.: 'sgdp' (torch-SGD momentum buffer, decay ÷(1−α)) or 'adamp'. */
export type ProjectedOptimizer = 'sgdp' | 'adamp';

/** Hyper-parameters of SGDP/AdamP on a projected (scale-invariant) tensor. */
export interface ProjectedHyper {
  optimizer: ProjectedOptimizer;
  lr: number;
  wd: number;
  /** α (sgdp; 0 = none) */
  momentum?: number;
  /** r: the weight-decay ratio of projected tensors (Heo et al.'s default 0.1) */
  wdRatio: number;
}

/** κ: the per-step shrink factor 1 − κ of a projected tensor. */
export function projectedShrink(h: ProjectedHyper): number {
  const alpha = h.optimizer === 'sgdp' ? (h.momentum ?? 0) : 0;
  if (!(h.lr > 0 && h.wd > 0 && h.wdRatio > 0)) {
    throw new Error(`${h.optimizer}: lr, wd and wdRatio must be > 0 for an equilibrium`);
  }
  if (!(alpha >= 0 && alpha < 1)) throw new Error(`sgdp: momentum must lie in [0, 1)`);
  const kappa = (h.lr * h.wd * h.wdRatio) / (1 - alpha);
  if (!(kappa < 1)) throw new Error(`${h.optimizer}: ηλr/(1−α) = ${kappa} must be < 1`);
  return kappa;
}

/** Δ* = arccos(1 − κ) in radians (see the file comment). */
export function projectedEquilibriumDelta(h: ProjectedHyper): number {
  const kappa = projectedShrink(h);
  // arccos(1 − κ) = 2·asin(√(κ/2)), stable for small κ
  return 2 * Math.asin(Math.sqrt(kappa / 2));
}

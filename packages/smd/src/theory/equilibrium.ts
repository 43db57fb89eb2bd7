import { checkHyper, checkL, type SgdHyper, type SgdHyperL } from './types.js';

/**
 * Theorem 3 (docs/smd-theory.md §3): equilibrium angular update Δ* = √(2λη/(1+α)) in radians
 * (the paper's leading-order value; α = 0 for SGD).
 */
export function deltaStarPaper(p: SgdHyper): number {
  checkHyper(p, 'deltaStarPaper');
  return Math.sqrt((2 * p.wd * p.lr) / (1 + (p.momentum ?? 0)));
}

/** §4 exact fixed point of the mean-field recurrence: Δ* = arccos(1 − λη/(1+α)) in radians. */
export function deltaStarExact(p: SgdHyper): number {
  checkHyper(p, 'deltaStarExact');
  const x = (p.wd * p.lr) / (1 + (p.momentum ?? 0));
  // arccos(1 − x) = 2·asin(√(x/2)): no cancellation for small x.
  return 2 * Math.asin(Math.sqrt(x / 2));
}

/**
 * EXACT equilibrium ‖w*‖² (§4, = Theorem 2's formula, §3):
 * ‖w*‖⁴ = L·η / (λ(1−α)(2 − λη/(1+α))). For α = 0 this is L·η/(λ(2 − λη)).
 */
export function weightNormStarSq(p: SgdHyperL): number {
  checkHyper(p, 'weightNormStarSq');
  checkL(p.L, 'weightNormStarSq');
  const a = p.momentum ?? 0;
  return Math.sqrt((p.L * p.lr) / (p.wd * (1 - a) * (2 - (p.wd * p.lr) / (1 + a))));
}

/** EXACT equilibrium ‖w*‖ = ‖w*‖²^{1/2} (§4 / Theorem 2). */
export function weightNormStar(p: SgdHyperL): number {
  return Math.sqrt(weightNormStarSq(p));
}

/**
 * LEADING-ORDER equilibrium ‖w*‖²: ‖w*‖⁴ = L·η/(2λ(1−α)). For α = 0 this is exactly Theorem 1's
 * w*⁴ = Lη/(2λ) (§3); for α > 0 it is Theorem 2's value with the O(λη) term dropped.
 */
export function weightNormStarSqLeading(p: SgdHyperL): number {
  checkHyper(p, 'weightNormStarSqLeading');
  checkL(p.L, 'weightNormStarSqLeading');
  return Math.sqrt((p.L * p.lr) / (2 * p.wd * (1 - (p.momentum ?? 0))));
}

/**
 * Rescaling trick (§3): when η is divided by k, multiply every scale-invariant weight by
 * k^{-1/4} (so ‖w‖² by k^{-1/2}, matching ‖w*‖⁴ ∝ η). Returns k^{-1/4}.
 */
export function rescaleFactor(k: number): number {
  if (!(Number.isFinite(k) && k > 0))
    throw new Error(`rescaleFactor: k must be a number > 0, got ${k}`);
  return Math.pow(k, -0.25);
}

/** Effective learning rate of prior work (§1): η/‖w‖². */
export function effectiveLr(lr: number, normSq: number): number {
  return lr / normSq;
}

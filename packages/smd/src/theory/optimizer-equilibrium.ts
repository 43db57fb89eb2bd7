/**
 * Equilibrium of one scale-invariant tensor (or one neuron: a row of `dim` weights) under the
 * optimizers smd predicts beyond the paper (smd-theory.md §7, docs/optimizers.md). Symbols: η = lr, λ = wd,
 * α = momentum, (β1, β2) = betas, d = dim (number of weights in the tensor or neuron),
 * L = E‖g̃‖² (unit-gradient norm², §1). Each closed form is checked against the synthetic
 * simulator (../sim) in optimizer-equilibrium.test.ts. Origin of each formula:
 * - sgd, sgdm: the SMD paper (Theorem 3; exact §4 fixed point arccos(1 − λη/(1+α))).
 * - nesterov (torch SGD nesterov=True, coupled decay): DERIVED HERE. Its step is
 *   u = (1+α)(g+λw) + α²v, so its tangent noise per step is [(1+α)²(1−α²) + α⁴] times heavy
 *   ball's while the norm balance is the same: Δ*² = 2λη·[(1+α)²(1−α) + α⁴/(1+α)] to leading
 *   order (α = 0.9: 1.158× SGDM's Δ*); the exact value is the fixed point of the recurrence in
 *   nesterov-recurrence.ts.
 * - adamw: Kosson et al. (ICML 2024) Δ* = √(2ηλ(1−β1)/(1+β1)) — confirmed by simulation; and
 *   ‖w*‖² = ηd/(2λ) (derived here: the norm balance with the momentum-coherent growth η²d per
 *   step), fixed by the hyper-parameters alone — no L.
 * - lion: Δ* = √(2ηλ/S) derived here (Kosson et al.'s formula disagrees with simulation,
 *   see kosson.ts); ‖w*‖² = ηdS/(2λ).
 * - adam with L2 decay ('adam-l2'): no single Δ*; derived here from the same balance with the
 *   decay term normalised by Adam's √v: ‖w*‖³ = η√(dL)/(2λ) and
 *   Δ* = η^{2/3}(2λ)^{1/3}·√((1−β1)/(1+β1))·(d²/L)^{1/6}, so neurons with different L rotate at
 *   different rates (Δ ∝ L^{−1/6}); `adamL2Spread` predicts the spread across a layer.
 */
import { deltaStarExact, weightNormStarSq } from './equilibrium.js';
import { lionDeltaStarGaussian } from './kosson.js';
import { nesterovFixedPoint } from './nesterov-recurrence.js';
import type { ProjectedOptimizer } from './projected-equilibrium.js';
import { lionSignCorrelationSum } from '@smd/engine/rotational-rules';

/** Optimizers with a single equilibrium Δ* (closed set). */
export type EquilibriumOptimizer = 'sgd' | 'sgdm' | 'nesterov' | 'adamw' | 'lion';

/** Every EquilibriumOptimizer, in display order. */
export const EQUILIBRIUM_OPTIMIZERS: readonly EquilibriumOptimizer[] = [
  'sgd',
  'sgdm',
  'nesterov',
  'adamw',
  'lion',
];

/** Hyper-parameters of an equilibrium prediction. */
export interface OptimizerHyper {
  optimizer: EquilibriumOptimizer;
  /** η > 0 */
  lr: number;
  /** λ > 0 (coupled for sgd/sgdm/nesterov, decoupled ×η for adamw/lion) */
  wd: number;
  /** α (sgdm, nesterov; must be 0/omitted for sgd) */
  momentum?: number;
  /** (β1, β2) (adamw default (0.9, 0.999), lion default (0.9, 0.99)) */
  betas?: [number, number];
}

/** The betas an optimizer uses when none are given. */
export function defaultBetas(
  optimizer: EquilibriumOptimizer | ProjectedOptimizer,
): [number, number] {
  return optimizer === 'lion' ? [0.9, 0.99] : [0.9, 0.999];
}

function check(h: OptimizerHyper, where: string): void {
  if (!(Number.isFinite(h.lr) && h.lr > 0))
    throw new Error(`${where}: lr must be > 0, got ${h.lr}`);
  if (!(Number.isFinite(h.wd) && h.wd > 0))
    throw new Error(`${where}: wd must be > 0, got ${h.wd}`);
  const a = h.momentum ?? 0;
  if (!(a >= 0 && a < 1)) throw new Error(`${where}: momentum must be in [0, 1), got ${a}`);
  if (h.optimizer === 'sgd' && a !== 0) throw new Error(`${where}: sgd takes no momentum`);
  if ((h.optimizer === 'sgdm' || h.optimizer === 'nesterov') && !(a > 0)) {
    throw new Error(`${where}: ${h.optimizer} needs momentum > 0`);
  }
  const [b1, b2] = h.betas ?? defaultBetas(h.optimizer);
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) {
    throw new Error(`${where}: betas must be in [0, 1), got ${b1}, ${b2}`);
  }
}

/** The Nesterov factor (1+α)²(1−α²) + α⁴: its tangent noise relative to heavy ball's. */
export function nesterovNoiseFactor(alpha: number): number {
  return (1 + alpha) ** 2 * (1 - alpha * alpha) + alpha ** 4;
}

/**
 * Equilibrium angular update Δ* per step in radians (exact where the recurrence gives it:
 * sgd/sgdm §4, nesterov fixed point; leading order for adamw/lion, see the file comment).
 */
export function equilibriumDelta(h: OptimizerHyper): number {
  check(h, 'equilibriumDelta');
  const [b1, b2] = h.betas ?? defaultBetas(h.optimizer);
  switch (h.optimizer) {
    case 'sgd':
    case 'sgdm':
      return deltaStarExact({ lr: h.lr, wd: h.wd, momentum: h.momentum ?? 0 });
    case 'nesterov':
      return nesterovFixedPoint({ lr: h.lr, wd: h.wd, momentum: h.momentum!, L: 1 }).deltaRad;
    case 'adamw':
      return Math.sqrt((2 * h.lr * h.wd * (1 - b1)) / (1 + b1));
    case 'lion':
      return lionDeltaStarGaussian({ lr: h.lr, wd: h.wd, beta1: b1, beta2: b2 });
  }
}

/** Leading-order Δ* (Theorem 3 for sgd/sgdm; the √(·) forms for the others). */
export function equilibriumDeltaLeading(h: OptimizerHyper): number {
  check(h, 'equilibriumDeltaLeading');
  const a = h.momentum ?? 0;
  if (h.optimizer === 'sgd' || h.optimizer === 'sgdm') {
    return Math.sqrt((2 * h.lr * h.wd) / (1 + a));
  }
  if (h.optimizer === 'nesterov') {
    return Math.sqrt(((2 * h.lr * h.wd) / (1 + a)) * nesterovNoiseFactor(a));
  }
  return equilibriumDelta(h);
}

/**
 * Equilibrium ‖w*‖² of a tensor (or neuron) of `dim` weights. sgd/sgdm/nesterov need L (§4;
 * nesterov: its recurrence's fixed point); adamw and lion are fixed by η, λ, β and d alone.
 */
export function equilibriumNormSq(h: OptimizerHyper, p: { L?: number; dim?: number }): number {
  check(h, 'equilibriumNormSq');
  const needL = (): number => {
    if (!(p.L !== undefined && p.L > 0))
      throw new Error(`equilibriumNormSq: ${h.optimizer} needs L > 0`);
    return p.L;
  };
  const needDim = (): number => {
    if (!(p.dim !== undefined && p.dim >= 1))
      throw new Error(`equilibriumNormSq: ${h.optimizer} needs dim ≥ 1`);
    return p.dim;
  };
  switch (h.optimizer) {
    case 'sgd':
    case 'sgdm':
      return weightNormStarSq({ lr: h.lr, wd: h.wd, momentum: h.momentum ?? 0, L: needL() });
    case 'nesterov':
      return nesterovFixedPoint({ lr: h.lr, wd: h.wd, momentum: h.momentum!, L: needL() }).a;
    case 'adamw':
      return (h.lr * needDim()) / (2 * h.wd);
    case 'lion': {
      const [b1, b2] = h.betas ?? defaultBetas('lion');
      return (h.lr * needDim() * lionSignCorrelationSum(b1, b2)) / (2 * h.wd);
    }
  }
}

/** Hyper-parameters of Adam with L2 (coupled) decay. */
export interface AdamL2Hyper {
  lr: number;
  wd: number;
  /** β1 (default 0.9) */
  beta1?: number;
}

/**
 * Adam with L2 decay (derived here, see the file comment): Δ* of a neuron of `dim` weights whose
 * unit-gradient norm² is L: η^{2/3}(2λ)^{1/3}·√((1−β1)/(1+β1))·(d²/L)^{1/6}, and ‖w*‖² =
 * (η√(dL)/(2λ))^{2/3}.
 */
export function adamL2Equilibrium(
  h: AdamL2Hyper,
  dim: number,
  L: number,
): { deltaRad: number; normSq: number } {
  const b1 = h.beta1 ?? 0.9;
  if (!(h.lr > 0 && h.wd > 0 && dim >= 1 && L > 0 && b1 >= 0 && b1 < 1)) {
    throw new Error('adamL2Equilibrium: needs lr, wd, dim, L > 0 and beta1 in [0, 1)');
  }
  const c = (1 - b1) / (1 + b1);
  return {
    deltaRad: h.lr ** (2 / 3) * (2 * h.wd) ** (1 / 3) * Math.sqrt(c) * ((dim * dim) / L) ** (1 / 6),
    normSq: ((h.lr * Math.sqrt(dim * L)) / (2 * h.wd)) ** (2 / 3),
  };
}

/** Spread of per-neuron values: mean, standard deviation and their ratio (coefficient of variation). */
export interface Spread {
  mean: number;
  std: number;
  /** std / mean */
  cv: number;
}

/** Mean, population std and std/mean of `xs` (float64). */
export function spreadOf(xs: ArrayLike<number>): Spread {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i] - mean) ** 2;
  const std = Math.sqrt(v / xs.length);
  return { mean, std, cv: std / mean };
}

/**
 * Predicted Δ per neuron under Adam+L2 from each neuron's measured L_i (same `dim` per neuron),
 * and their spread. Under AdamW (and SGD(M)) the prediction is one Δ* for every neuron (cv 0).
 */
export function adamL2Spread(
  h: AdamL2Hyper,
  dim: number,
  L: ArrayLike<number>,
): { deltaRad: Float64Array; spread: Spread } {
  const deltaRad = new Float64Array(L.length);
  for (let i = 0; i < L.length; i++) deltaRad[i] = adamL2Equilibrium(h, dim, L[i]).deltaRad;
  return { deltaRad, spread: spreadOf(deltaRad) };
}

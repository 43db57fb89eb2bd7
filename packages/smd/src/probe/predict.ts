/**
 * Predictions shown beside the measurements (docs/smd-theory.md §4): Δ* from the step's η, λ, α
 * and ‖w*‖ from the windowed L_t. Thin guards over ../theory (the formulas live there only):
 * NaN instead of a throw where the theory does not apply (no weight decay, η = 0 during warmup,
 * no L yet), because the probe runs inside training.
 */
import { deltaStarExact, weightNormStar } from '../theory/equilibrium.js';

/** Optimizer hyperparameters of one parameter at one step (coupled weight decay, torch SGD). */
export interface ParamHyper {
  /** η at this step */
  lr: number;
  /** λ (0 = this group has no weight decay) */
  weightDecay: number;
  /** α (0 = plain SGD) */
  momentum: number;
  /**
   * false when the update is not §2's SGD/SGDM with coupled decay (Nesterov, dampening ≠ 0,
   * Adam, AdamW, …): Δ* and w* are then not predicted. Default true.
   */
  predictable?: boolean;
}

function applies(h: ParamHyper): boolean {
  return (
    h.predictable !== false && h.lr > 0 && h.weightDecay > 0 && h.momentum >= 0 && h.momentum < 1
  );
}

/** Δ* = arccos(1 − λη/(1+α)) (§4 exact fixed point), or NaN when λ = 0 or η = 0. */
export function predictedDeltaStar(h: ParamHyper): number {
  if (!applies(h)) return NaN;
  return deltaStarExact({ lr: h.lr, wd: h.weightDecay, momentum: h.momentum });
}

/** ‖w*‖ with ‖w*‖⁴ = L·η/(λ(1−α)(2 − λη/(1+α))) (§4), or NaN when it does not apply. */
export function predictedWeightNormStar(h: ParamHyper, L: number): number {
  if (!applies(h) || !(L > 0) || !Number.isFinite(L)) return NaN;
  return weightNormStar({ lr: h.lr, wd: h.weightDecay, momentum: h.momentum, L });
}

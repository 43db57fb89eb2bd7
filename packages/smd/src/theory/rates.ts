import { checkHyper, type SgdHyper } from './types.js';

/**
 * Per-step contraction factor in Theorems 1 and 2 (§3) of E[(‖w_t‖² − w*²)²]:
 * 1 − 2λη (SGD, α = 0, Theorem 1) or 1 − 2λη/(1−α) (SGDM, Theorem 2). It is a bound's rate,
 * not the actual relaxation speed; for that see `localRate` (§4).
 */
export function theoremRate(p: SgdHyper): number {
  checkHyper(p, 'theoremRate');
  return 1 - (2 * p.wd * p.lr) / (1 - (p.momentum ?? 0));
}

/** Result of `stepsAfterLrDrop` (Corollary 3.1, §3/§4). */
export interface LrDropSteps {
  /**
   * Corollary 3.1 as written in the paper: ⌈ln(k)(1−α)/(2λη)⌉ (α = 0 for SGD) with η = the lr
   * BEFORE the drop (the η the theorem is stated with).
   */
  corollarySteps: number;
  /** The same formula evaluated with the NEW lr η/k: ⌈ln(k)(1−α)/(2λη/k)⌉. */
  corollaryStepsNewLr: number;
  /**
   * Norm-decay time set by the NEW lr (§4): pure decay alone takes ln(k)(1−α)/(4λη_new) steps
   * for ‖w‖² to fall by √k; the gradient's push makes the real transient longer still (the
   * mean-field recurrence gives the curve: `stepsToWithin`).
   */
  normDecaySteps: number;
  /** η_new = lr/k. */
  lrNew: number;
}

/**
 * Corollary 3.1 (§3): lower bound on the steps to reach the new equilibrium after dividing η by
 * k (> 1), plus the norm-decay time with the new η (§4). `lr` is the lr BEFORE the drop.
 */
export function stepsAfterLrDrop(p: SgdHyper & { k: number }): LrDropSteps {
  checkHyper(p, 'stepsAfterLrDrop');
  if (!(Number.isFinite(p.k) && p.k > 1))
    throw new Error(`stepsAfterLrDrop: k must be a number > 1, got ${p.k}`);
  const a = p.momentum ?? 0;
  const lnk = Math.log(p.k);
  const lrNew = p.lr / p.k;
  return {
    corollarySteps: Math.ceil((lnk * (1 - a)) / (2 * p.wd * p.lr)),
    corollaryStepsNewLr: Math.ceil((lnk * (1 - a)) / (2 * p.wd * lrNew)),
    normDecaySteps: (lnk * (1 - a)) / (4 * p.wd * lrNew),
    lrNew,
  };
}

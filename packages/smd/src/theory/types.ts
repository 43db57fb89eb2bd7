/**
 * Shared input shapes of the SMD theory functions (docs/smd-theory.md). Symbols: η = lr,
 * λ = wd (coupled, torch.optim.SGD's weight_decay), α = momentum (0 or omitted: plain SGD),
 * L = E‖g̃‖², the squared norm of the unit gradient g̃ = g·‖w‖ (§1).
 */
export interface SgdHyper {
  /** Learning rate η (> 0). */
  lr: number;
  /** Weight decay λ (> 0), coupled as in torch.optim.SGD (§2). */
  wd: number;
  /** Heavy-ball momentum α in [0, 1); omitted = 0 (plain SGD). */
  momentum?: number;
}

/** Hyper-parameters plus L = E‖g̃‖² (or, for SGDM, E h̃; §1). */
export interface SgdHyperL extends SgdHyper {
  /** L (> 0): mean squared norm of the unit gradient. */
  L: number;
}

/** Mean-field state of §4 for one scale-invariant tensor: a = ‖w_t‖², b = ‖v_{t−1}‖², c = ⟨w_t, v_{t−1}⟩. */
export interface MeanFieldState {
  a: number;
  b: number;
  c: number;
}

/** Throws a one-line error unless hyper-parameters are in range (η > 0, λ > 0, 0 ≤ α < 1). */
export function checkHyper(p: SgdHyper, where: string): void {
  if (!(Number.isFinite(p.lr) && p.lr > 0))
    throw new Error(`${where}: lr must be a number > 0, got ${p.lr}`);
  if (!(Number.isFinite(p.wd) && p.wd > 0))
    throw new Error(`${where}: wd must be a number > 0, got ${p.wd}`);
  const a = p.momentum ?? 0;
  if (!(Number.isFinite(a) && a >= 0 && a < 1)) {
    throw new Error(`${where}: momentum must be in [0, 1), got ${p.momentum}`);
  }
}

/** Throws unless L is a number > 0. */
export function checkL(L: number, where: string): void {
  if (!(Number.isFinite(L) && L > 0)) throw new Error(`${where}: L must be a number > 0, got ${L}`);
}

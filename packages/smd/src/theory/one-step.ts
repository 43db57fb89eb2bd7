/** Input of the exact one-step SGD identities (§6): plain SGD, coupled decay, g ⊥ w. */
export interface OneStepInput {
  lr: number;
  wd: number;
  /** ‖w_t‖². */
  normSq: number;
  /** ‖g_t‖² (loss gradient only, no λw). */
  gradNormSq: number;
}

/** §6, exact for one SGD step with g_t ⊥ w_t: ‖w_{t+1}‖² = (1−ηλ)²‖w_t‖² + η²‖g_t‖². */
export function sgdNextNormSq(p: OneStepInput): number {
  const s = 1 - p.lr * p.wd;
  return s * s * p.normSq + p.lr * p.lr * p.gradNormSq;
}

/** §6, exact for one SGD step with g_t ⊥ w_t: Δ_t = atan(η‖g_t‖/((1−ηλ)‖w_t‖)) in radians. */
export function sgdStepAngle(p: OneStepInput): number {
  return Math.atan2(p.lr * Math.sqrt(p.gradNormSq), (1 - p.lr * p.wd) * Math.sqrt(p.normSq));
}

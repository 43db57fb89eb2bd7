/**
 * The closed set of SMD probe metrics and the sample record the probe emits
 * (docs/smd-theory.md §5). The metric store of @smd/runs uses exactly these names.
 */

/** One probe metric; a sample for step t describes the update w_t → w_{t+1}. */
export type ProbeMetric =
  /** ‖w_t‖, whole tensor (or one output channel) flattened. */
  | 'norm'
  /** Δ_t = ∠(w_t, w_{t+1}) in radians. */
  | 'delta_rad'
  /** ‖g_t‖², g_t the loss gradient without the λw term. */
  | 'grad_sq_norm'
  /** ‖g̃_t‖² = ‖g_t‖²·‖w_t‖² (gradient at w/‖w‖). */
  | 'unit_grad_sq_norm'
  /** h̃_t = (‖g_t‖² + 2α⟨v_{t−1}, g_t⟩)·‖w_t‖² (SGDM only). */
  | 'h_tilde'
  /** ⟨v_{t−1}, g_t⟩ (SGDM only). */
  | 'v_dot_g'
  /** ⟨w_t, g_t⟩ / (‖w_t‖‖g_t‖); ≈ 0 for a scale-invariant weight. */
  | 'radial_cos'
  /** η / ‖w_t‖². */
  | 'lr_effective'
  /** Windowed mean of ‖g̃‖² (SGD) or h̃ (SGDM): the estimate of L_t. */
  | 'L_window'
  /** Predicted equilibrium angular update Δ* for this step's η, λ, α. */
  | 'delta_star'
  /** Predicted equilibrium norm ‖w*‖ from the windowed L_t. */
  | 'w_star'
  /** ∠(w at the previous checkpoint, w at this one): `smd analyze` of checkpoints k steps apart. */
  | 'checkpoint_angle_rad'
  /** RMS of the update ‖w_{t+1} − w_t‖/√n (per channel: per neuron). */
  | 'update_rms'
  /** std/mean of Δ_t across the output channels (per-channel mode; "balanced rotation"). */
  | 'rotation_spread';

/** Every probe metric, in emission order. */
export const PROBE_METRICS: readonly ProbeMetric[] = [
  'norm',
  'delta_rad',
  'grad_sq_norm',
  'unit_grad_sq_norm',
  'h_tilde',
  'v_dot_g',
  'radial_cos',
  'lr_effective',
  'L_window',
  'delta_star',
  'w_star',
  'checkpoint_angle_rad',
  'update_rms',
  'rotation_spread',
];

/** One measurement. `channel` is set only in per-channel mode (row of an [out, ...] weight). */
export interface ProbeSample {
  step: number;
  param: string;
  metric: ProbeMetric;
  value: number;
  channel?: number;
}

/** True when `name` is one of the probe metrics. */
export function isProbeMetric(name: string): name is ProbeMetric {
  return (PROBE_METRICS as readonly string[]).includes(name);
}

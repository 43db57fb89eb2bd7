/**
 * Row and series types of the run metric store, shared by the Node store and the browser
 * dashboard. Browser-safe: no Node imports.
 */
import type { ProbeMetric as SmdProbeMetric } from '@smd/smd';

/** Every per-tensor SMD measurement a probe may emit (docs/smd-theory.md §5). Closed set. */
export const PROBE_METRICS = [
  'norm', // ‖w_t‖
  'delta_rad', // Δ_t = ∠(w_t, w_{t+1}) in radians
  'grad_sq_norm', // ‖g_t‖²
  'unit_grad_sq_norm', // ‖g̃_t‖² = ‖g_t‖²·‖w_t‖²
  'h_tilde', // h̃_t = (‖g_t‖² + 2α⟨v_{t−1}, g_t⟩)·‖w_t‖² (SGDM)
  'v_dot_g', // ⟨v_{t−1}, g_t⟩ (SGDM)
  'radial_cos', // ⟨w_t, g_t⟩/(‖w_t‖‖g_t‖), ≈ 0 for scale-invariant weights
  'lr_effective', // η/‖w_t‖²
  'L_window', // windowed estimate of L_t
  'delta_star', // predicted Δ*
  'w_star', // predicted ‖w*‖
  'checkpoint_angle_rad', // ∠(w_prev checkpoint, w), smd analyze
  'update_rms', // ‖w_{t+1} − w_t‖/√n (per channel: per neuron)
  'rotation_spread', // std/mean of Δ_t across output channels (per-channel mode)
] as const;

/** One of {@link PROBE_METRICS}. */
export type ProbeMetric = (typeof PROBE_METRICS)[number];

// The store keeps its own list because metric ids in metrics.sqlite are positions in it (they
// must never move); this line fails to compile if @smd/smd's probe emits a different set.
type SameUnion<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameAsProbe: SameUnion<ProbeMetric, SmdProbeMetric> = true;

/** Kinds of run events. Closed set. */
export const EVENT_KINDS = [
  'divergence',
  'lr_drop',
  'checkpoint',
  'rescale',
  'eval',
  'note',
] as const;

/** One of {@link EVENT_KINDS}. */
export type EventKind = (typeof EVENT_KINDS)[number];

/** True when `s` is a {@link ProbeMetric}. */
export function isProbeMetric(s: string): s is ProbeMetric {
  return (PROBE_METRICS as readonly string[]).includes(s);
}

/** True when `s` is an {@link EventKind}. */
export function isEventKind(s: string): s is EventKind {
  return (EVENT_KINDS as readonly string[]).includes(s);
}

/** A scalar metric at one step (loss, lr, accuracy, images_per_s, …). NaN is stored as SQL NULL. */
export interface ScalarRow {
  step: number;
  name: string;
  value: number;
}

/**
 * One probe sample. `channel` is null for a whole-tensor value, else the output-channel index
 * (per-channel mode).
 */
export interface ProbeRow {
  step: number;
  param: string;
  metric: ProbeMetric;
  value: number;
  channel: number | null;
}

/** A probe sample as a probe emits it: `channel` may be omitted for whole-tensor values. */
export type ProbeSample = Omit<ProbeRow, 'channel'> & { channel?: number | null };

/** A run event; `seq` orders several events of one step (0, 1, …). */
export interface EventRow {
  step: number;
  seq: number;
  kind: EventKind;
  message: string;
}

/** Static facts about a parameter tensor, recorded once per run. */
export interface ParamInfo {
  name: string;
  /** Tensor shape, or null if unknown (a probe logged it before it was declared). */
  shape: number[] | null;
  /** Whether the loss is invariant to scaling this tensor; null if unknown. */
  scaleInvariant: boolean | null;
  /** Why it is (or is not) scale-invariant, e.g. "conv feeds BatchNorm2d 'layer1.0.bn1'". */
  reason: string;
}

/** A column pair: `values[i]` was logged at `steps[i]`; steps ascend. */
export interface Series {
  steps: Float64Array;
  values: Float64Array;
}

/** Position of a live reader: last complete step seen and last event id seen. */
export interface SinceCursor {
  /** Rows with step <= this were already read (-1: none). */
  step: number;
  /** Events with id <= this were already read (0: none). */
  event: number;
}

/** Start position of a live reader. */
export const START_CURSOR: Readonly<SinceCursor> = Object.freeze({ step: -1, event: 0 });

/** What was committed since a cursor, for live polling (`MetricStore.since`). */
export interface MetricDelta {
  /** Rows of complete steps in (cursor.step, cursor'.step]. */
  scalars: ScalarRow[];
  probes: ProbeRow[];
  /** Events with id > cursor.event (at any step). */
  events: EventRow[];
  /** Pass this to the next `since` call. */
  cursor: SinceCursor;
  /**
   * True when the writer truncated below the old cursor (a resume): rows after `cursor.step`
   * that the reader holds are stale and should be dropped before applying this delta.
   */
  rewound: boolean;
}

/** One row of the long export format: scalars have `param` null and `metric` = scalar name. */
export interface LongRow {
  step: number;
  param: string | null;
  metric: string;
  channel: number | null;
  value: number;
}

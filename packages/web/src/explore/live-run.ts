/**
 * The page's copy of a live training run: per-step η, λ, loss, batch accuracy and, per
 * scale-invariant layer, Δ_t, ‖w_t‖, ‖g̃_t‖² and h̃_t as the worker reports them; events (drops,
 * rescalings, λ changes); and the per-layer analysis drawn from it: the run-analysis model's
 * per-layer mean-field prediction (@smd/smd analysis predictLayer, trailing L_t as for any live
 * run) and the RMS of Δ over the last window against it and against Δ*. Pure.
 */
import {
  lrSegmentStarts,
  PAPER_WINDOW_STEPS,
  predictLayer,
  type LayerPrediction,
  type Series,
  deltaStarExact,
} from '@smd/smd';
import type { FromWorker, LiveEvent } from './live-protocol.js';

/** Longest run kept in the page (older steps are not dropped: training stops growing it). */
export const MAX_LIVE_STEPS = 200_000;

/** Window (steps) of the RMS Δ the table compares with the prediction (the recurrence tracks E‖Δw‖²). */
export const LIVE_WINDOW = 50;

/** One layer's series, one entry per step. */
export interface LiveLayer {
  name: string;
  delta: number[];
  norm: number[];
  unitGradSq: number[];
  hTilde: number[];
}

/** What the page holds about a run. */
export interface LiveRun {
  steps: number;
  lr: number[];
  wd: number[];
  momentum: number;
  loss: number[];
  acc: number[];
  layers: LiveLayer[];
  events: LiveEvent[];
  imagesPerSec: number;
}

/** An empty run with the given probed layers. */
export function newLiveRun(layers: string[], momentum: number): LiveRun {
  return {
    steps: 0,
    lr: [],
    wd: [],
    momentum,
    loss: [],
    acc: [],
    layers: layers.map((name) => ({ name, delta: [], norm: [], unitGradSq: [], hTilde: [] })),
    events: [],
    imagesPerSec: 0,
  };
}

/** Appends a worker progress message (ignores one that does not continue the run). */
export function appendProgress(run: LiveRun, m: Extract<FromWorker, { type: 'progress' }>): void {
  if (m.firstStep !== run.steps || run.steps + m.lr.length > MAX_LIVE_STEPS) return;
  run.lr.push(...m.lr);
  run.wd.push(...m.wd);
  run.loss.push(...m.loss);
  run.acc.push(...m.acc);
  for (const c of m.layers) {
    const l = run.layers.find((x) => x.name === c.name);
    if (!l) continue;
    l.delta.push(...c.delta);
    l.norm.push(...c.norm);
    l.unitGradSq.push(...c.unitGradSq);
    l.hTilde.push(...c.hTilde);
  }
  run.steps += m.lr.length;
  if (m.lr.length > 0) run.imagesPerSec = m.imagesPerSec;
}

/** RMS of y over [from, to). */
export function rms(y: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  let n = 0;
  for (let i = Math.max(0, from); i < Math.min(to, y.length); i++) {
    if (Number.isFinite(y[i])) {
      s += y[i] * y[i];
      n++;
    }
  }
  return n > 0 ? Math.sqrt(s / n) : NaN;
}

/** Per-layer analysis at the run's last step. */
export interface LiveLayerRow {
  name: string;
  /** RMS of Δ_t over the last LIVE_WINDOW steps (rad). */
  deltaRms: number;
  /** RMS of the predicted Δ_t over the same steps. */
  deltaPredicted: number;
  /** Δ* of the current η, λ, α. */
  deltaStar: number;
  norm: number;
  normPredicted: number;
}

/**
 * The per-layer mean-field predictions of a run, from the run-analysis model (predictLayer):
 * each layer's recurrence starts at its first measured ‖w‖², is driven by the run's η_t and λ_t
 * and by the layer's own trailing-window L_t (h̃ under SGDM, ‖g̃‖² under SGD; windows do not
 * cross lr changes), and applies exactly the rescalings the run did.
 */
export function livePredictions(run: LiveRun): (LayerPrediction | null)[] {
  const n = run.steps;
  const lr = Float64Array.from(run.lr);
  const steps = Array.from({ length: n }, (_, i) => i);
  const series = (values: number[]): Series => ({ steps, values });
  const ctx = {
    lr,
    segments: lrSegmentStarts(lr),
    weightDecay: Float64Array.from(run.wd),
    momentum: run.momentum,
    windowSteps: PAPER_WINDOW_STEPS,
    estimate: 'trailing' as const,
    rescaleAtDrops: false,
    rescales: run.events
      .filter((e) => e.kind === 'rescale')
      .map((e) => ({ step: e.step, k: e.k ?? 1 })),
  };
  return run.layers.map((l) =>
    l.norm.length === n && l.delta.length === n && l.unitGradSq.length === n
      ? predictLayer(
          {
            param: l.name,
            scaleInvariant: true,
            reason: 'conv weight followed by BatchNorm',
            delta: series(l.delta),
            norm: series(l.norm),
            radialCos: { steps: [], values: [] },
            unitGradSq: series(l.unitGradSq),
            hTilde: l.hTilde.length === n ? series(l.hTilde) : null,
          },
          ctx,
        )
      : null,
  );
}

/** The table rows: measured RMS Δ against Δ* and the prediction. */
export function liveRows(run: LiveRun, preds: (LayerPrediction | null)[]): LiveLayerRow[] {
  const n = run.steps;
  const from = n - LIVE_WINDOW;
  const eta = run.lr[n - 1];
  const lam = run.wd[n - 1];
  const star =
    n > 0 && lam > 0 ? deltaStarExact({ lr: eta, wd: lam, momentum: run.momentum }) : NaN;
  return run.layers.map((l, i) => {
    const p = preds[i];
    return {
      name: l.name,
      deltaRms: rms(l.delta, from, n),
      deltaPredicted: p ? rms(p.delta, from, n) : NaN,
      deltaStar: star,
      norm: l.norm[n - 1] ?? NaN,
      normPredicted: p ? p.norm[n - 1] : NaN,
    };
  });
}

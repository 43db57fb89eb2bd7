/**
 * Analysis of safetensors checkpoints dropped onto the explorer, entirely in the browser: per
 * ≥2-D weight tensor, ‖w‖ at every checkpoint, the angle between consecutive checkpoints and —
 * when a checkpoint carries the SGD momentum buffer and the optimizer's hyper-parameters (smd
 * train's checkpoints do: `optim.<param>.momentum_buffer`, smd.state) — the exact angular update
 * of the step that produced it: torch SGD did w_{t+1} = w_t − η·v_t, so w_t = w_{t+1} + η·v_t and
 * Δ_t = ∠(w_t, w_{t+1}), compared with Δ* = arccos(1 − λη/(1+α)). Sums in float64. Pure.
 */
import { parseSafetensors, safetensorToFloat64, type SafetensorsFile } from '@smd/formats';
import { deltaStarExact } from '@smd/smd';

/** One dropped file, read. */
export interface CheckpointInput {
  name: string;
  bytes: Uint8Array;
}

/** Optimizer hyper-parameters found in a checkpoint (smd.state param_groups[0]). */
export interface CheckpointHyper {
  lr: number;
  wd: number;
  momentum: number;
}

/** One checkpoint of the series. */
export interface CheckpointPoint {
  file: string;
  /** From smd.step metadata, else the last number in the file name, else the drop order. */
  step: number;
  hyper: CheckpointHyper | null;
}

/** Per-tensor results across the series (arrays are parallel to `points`). */
export interface TensorSeries {
  name: string;
  shape: number[];
  norm: number[];
  /** Angle (rad) to the previous checkpoint (NaN at the first). */
  angleToPrev: number[];
  /** Exact Δ_t of the step that produced each checkpoint (NaN without a momentum buffer and η). */
  delta: number[];
  /** Δ* of each checkpoint's η, λ, α (NaN without them). */
  deltaStar: number[];
}

/** The analysis of a dropped series. */
export interface CheckpointSeries {
  points: CheckpointPoint[];
  tensors: TensorSeries[];
  /** One line per file that could not be used, naming it. */
  skipped: string[];
}

const MODEL_PREFIX = 'model.';

function stepOf(f: SafetensorsFile, file: string, order: number): number {
  const meta = f.metadata?.['smd.step'];
  if (meta !== undefined && /^\d+$/.test(meta)) return Number(meta);
  const m = /(\d+)(?!.*\d)/.exec(file);
  return m ? Number(m[1]) : order;
}

function hyperOf(f: SafetensorsFile): CheckpointHyper | null {
  const raw = f.metadata?.['smd.state'];
  if (raw === undefined) return null;
  try {
    const s = JSON.parse(raw) as {
      optimizer?: { param_groups?: { lr?: unknown; weightDecay?: unknown; momentum?: unknown }[] };
    };
    const g = s.optimizer?.param_groups?.[0];
    if (!g || typeof g.lr !== 'number') return null;
    return {
      lr: g.lr,
      wd: typeof g.weightDecay === 'number' ? g.weightDecay : 0,
      momentum: typeof g.momentum === 'number' ? g.momentum : 0,
    };
  } catch {
    return null;
  }
}

/** ‖a‖, and the angle between a and b, in float64. */
function angle(a: Float64Array, b: Float64Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  // atan2(‖a×b‖, a·b) via the Lagrange identity: stable for tiny angles.
  return Math.atan2(Math.sqrt(Math.max(0, aa * bb - ab * ab)), ab);
}

function norm(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** Analyzes dropped safetensors files as one series (sorted by step). */
export function analyzeCheckpoints(inputs: CheckpointInput[]): CheckpointSeries {
  const skipped: string[] = [];
  const parsed: { file: string; f: SafetensorsFile; step: number }[] = [];
  inputs.forEach((inp, i) => {
    try {
      const f = parseSafetensors(inp.bytes, inp.name);
      parsed.push({ file: inp.name, f, step: stepOf(f, inp.name, i) });
    } catch (e) {
      skipped.push((e as Error).message.split('\n')[0]);
    }
  });
  parsed.sort((a, b) => a.step - b.step);
  const points: CheckpointPoint[] = parsed.map((p) => ({
    file: p.file,
    step: p.step,
    hyper: hyperOf(p.f),
  }));
  // Weights: ≥2-D tensors that are not optimizer state, present in the first checkpoint.
  const names: { key: string; name: string; shape: number[] }[] = [];
  if (parsed.length > 0) {
    for (const [key, t] of parsed[0].f.tensors) {
      if (key.startsWith('optim.') || t.shape.length < 2) continue;
      const name = key.startsWith(MODEL_PREFIX) ? key.slice(MODEL_PREFIX.length) : key;
      names.push({ key, name, shape: t.shape });
    }
  }
  const tensors: TensorSeries[] = names.map(({ key, name, shape }) => {
    const s: TensorSeries = { name, shape, norm: [], angleToPrev: [], delta: [], deltaStar: [] };
    let prev: Float64Array | null = null;
    parsed.forEach((p, i) => {
      const t = p.f.tensors.get(key);
      if (!t || t.shape.join(',') !== shape.join(',')) {
        s.norm.push(NaN);
        s.angleToPrev.push(NaN);
        s.delta.push(NaN);
        s.deltaStar.push(NaN);
        prev = null;
        return;
      }
      const w = safetensorToFloat64(t);
      s.norm.push(norm(w));
      s.angleToPrev.push(prev ? angle(prev, w) : NaN);
      const h = points[i].hyper;
      const v = p.f.tensors.get(`optim.${name}.momentum_buffer`);
      if (h && v && v.shape.join(',') === shape.join(',')) {
        const buf = safetensorToFloat64(v);
        const before = new Float64Array(w.length);
        for (let j = 0; j < w.length; j++) before[j] = w[j] + h.lr * buf[j];
        s.delta.push(angle(before, w));
      } else s.delta.push(NaN);
      s.deltaStar.push(
        h && h.wd > 0 && h.lr > 0
          ? deltaStarExact({ lr: h.lr, wd: h.wd, momentum: h.momentum })
          : NaN,
      );
      prev = w;
    });
    return s;
  });
  return { points, tensors, skipped };
}

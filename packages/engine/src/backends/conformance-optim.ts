/**
 * Conformance cases of the optimizer kernels of issue #14 (lionStep, sgdpStep, adampStep,
 * rotationalStep) for given parameter shapes: conv weights [Cout, Cin, kH, kW], linear weights,
 * and rank-1 biases / norm parameters (never projected). SGDP/AdamP run with three gradients:
 * orthogonal to every output channel of w (the cosine test passes per channel), orthogonal to
 * w only as a whole (it passes for the whole tensor) and random (no projection), so each branch
 * of the projection is compared. Tolerance 1e-6 (scaled): float32 values are rounded at the
 * same points as the TS rules, but a backend may sum its float64 norms and dot products in
 * another order (threads, SIMD), which moves a float32 result by about an ulp (6e-8); a wrong
 * term (a missed projection, decay or bias correction) is ≥ 1e-3.
 */
import type { Rng } from '../rng.js';
import type { Case } from './conformance-cases.js';
import { f32 } from './conformance-layers.js';

const TOL = 1e-6;
const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** g with its component along w removed in each of `rows` rows (float64, stored float32). */
export function orthogonalizeRows(w: Float32Array, g: Float32Array, rows: number): Float32Array {
  const cols = w.length / rows;
  for (let r = 0; r < rows; r++) {
    let gw = 0;
    let ww = 0;
    for (let i = r * cols; i < (r + 1) * cols; i++) {
      gw += g[i] * w[i];
      ww += w[i] * w[i];
    }
    for (let i = r * cols; i < (r + 1) * cols; i++) g[i] = g[i] - (w[i] * gw) / ww;
  }
  return g;
}

type GradKind = 'orthogonal per channel' | 'orthogonal as a whole' | 'random';

/** A weight and a gradient of `kind` for `shape`. */
function weightAndGrad(
  r: Rng,
  shape: readonly number[],
  kind: GradKind,
): [Float32Array, Float32Array] {
  const n = numel(shape);
  const w = f32(r, n);
  const g = f32(r, n, -0.1, 0.1);
  if (kind === 'orthogonal per channel') orthogonalizeRows(w, g, shape[0]);
  if (kind === 'orthogonal as a whole') orthogonalizeRows(w, g, 1);
  return [w, g];
}

/** Float64 ‖w_r‖ of `rows` equal rows. */
function rowNormsOf(w: Float32Array, rows: number): Float64Array {
  const cols = w.length / rows;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = r * cols; i < (r + 1) * cols; i++) s += w[i] * w[i];
    out[r] = Math.sqrt(s);
  }
  return out;
}

/** The optimizer cases of #14 for each shape (see the file comment). */
export function optimizerCasesOf(shapes: readonly (readonly number[])[]): Case[] {
  const out: Case[] = [];
  for (const shape of shapes) {
    const n = numel(shape);
    const s = `[${shape.join(',')}]`;
    for (const weightDecay of [0, 0.5]) {
      out.push({
        kernel: 'lionStep',
        label: `${s} wd=${weightDecay}`,
        tol: TOL,
        outputs: ['param', 'expAvg'],
        make: (r) => ({
          param: f32(r, n),
          expAvg: f32(r, n, -0.1, 0.1),
          grad: f32(r, n, -0.1, 0.1),
          n,
          lr: 1e-3,
          beta1: 0.9,
          beta2: 0.99,
          weightDecay,
        }),
      });
    }
    const kinds: GradKind[] =
      shape.length >= 2
        ? ['orthogonal per channel', 'orthogonal as a whole', 'random']
        : ['random'];
    for (const kind of kinds) {
      for (const nesterov of [false, true]) {
        out.push({
          kernel: 'sgdpStep',
          label: `${s} ${kind} nesterov=${nesterov}`,
          tol: TOL,
          outputs: ['param', 'momentumBuf', 'direction'],
          make: (r) => {
            const [param, grad] = weightAndGrad(r, shape, kind);
            return {
              param,
              momentumBuf: f32(r, n, -0.1, 0.1),
              grad,
              direction: f32(r, n),
              shape,
              lr: 0.1,
              momentum: 0.9,
              dampening: 0,
              weightDecay: 5e-3,
              nesterov,
              eps: 1e-8,
              delta: 0.1,
              wdRatio: 0.1,
            };
          },
        });
        out.push({
          kernel: 'adampStep',
          label: `${s} ${kind} nesterov=${nesterov}`,
          tol: TOL,
          outputs: ['param', 'expAvg', 'expAvgSq', 'direction'],
          make: (r) => {
            const [param, grad] = weightAndGrad(r, shape, kind);
            return {
              param,
              expAvg: f32(r, n, -0.01, 0.01),
              expAvgSq: f32(r, n, 0, 1e-4),
              grad,
              direction: f32(r, n),
              shape,
              lr: 1e-3,
              beta1: 0.9,
              beta2: 0.999,
              eps: 1e-8,
              weightDecay: 0.1,
              nesterov,
              delta: 0.1,
              wdRatio: 0.5,
              step: 4,
            };
          },
        });
      }
    }
    for (const rows of shape.length >= 2 ? [shape[0], 1] : [1]) {
      for (const zeroMean of [false, true]) {
        out.push({
          kernel: 'rotationalStep',
          label: `${s} rows=${rows} zeroMean=${zeroMean}`,
          tol: TOL,
          outputs: ['param', 'direction', 'updateNorm2'],
          make: (r) => {
            const param = f32(r, n);
            const u2 = Float64Array.from({ length: rows }, () => r.uniform(0.5, 2) * (n / rows));
            return {
              param,
              direction: f32(r, n),
              norm: rowNormsOf(param, rows),
              updateNorm2: u2,
              n,
              rows,
              step: 3,
              etaR: 0.02,
              updateNormDecay: 0.9,
              eps: 1e-8,
              zeroMean,
            };
          },
        });
      }
    }
  }
  return out;
}

/** The built-in cases: a conv weight, a linear weight and a bias (odd sizes). */
export function optimizerCases(): Case[] {
  return optimizerCasesOf([[12, 5, 3, 3], [10, 33], [13]]);
}

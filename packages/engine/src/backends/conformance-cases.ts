/** The conformance cases: random float32 inputs for every kernel, several shapes each. */
import type { KernelName } from '../kernels.js';
import type { Rng } from '../rng.js';
import { groupNormCases } from './conformance-group-norm.js';
import { f32, layerCases } from './conformance-layers.js';
import { optimizerCases } from './conformance-optim.js';

/** A kernel's params record. */
export type Params = Record<string, unknown>;
/** One case: which kernel, a label, the tolerance, the written buffers and an input maker. */
export interface Case {
  kernel: KernelName;
  label: string;
  tol: number;
  /** names of the buffers the kernel writes */
  outputs: string[];
  make: (r: Rng) => Params;
}

/** Every case. */
export function cases(): Case[] {
  const out: Case[] = [];
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    // [4,16,12,12] NCHW-logical, out/a NHWC, b per-channel broadcast
    out.push({
      kernel: 'binary',
      label: `${op} NHWC + [1,C,1,1]`,
      tol: 1e-6,
      outputs: ['out'],
      make: (r) => ({
        op,
        out: f32(r, 9216),
        a: f32(r, 9216),
        b: f32(r, 16, 0.5, 1.5),
        shape: [4, 16, 12, 12],
        outStrides: [2304, 1, 192, 16],
        aStrides: [2304, 1, 192, 16],
        bStrides: [0, 1, 0, 0],
      }),
    });
    out.push({
      kernel: 'binary',
      label: `${op} same shape`,
      tol: 1e-6,
      outputs: ['out'],
      make: (r) => ({
        op,
        out: f32(r, 6000),
        a: f32(r, 6000),
        b: f32(r, 6000, 0.5, 1.5),
        shape: [6000],
        outStrides: [1],
        aStrides: [1],
        bStrides: [1],
      }),
    });
  }
  for (const op of ['neg', 'exp', 'log', 'sqrt', 'abs', 'relu'] as const) {
    out.push({
      kernel: 'unary',
      label: op,
      tol: 1e-6,
      outputs: ['out'],
      make: (r) => ({
        op,
        out: f32(r, 5000),
        x: f32(r, 5000, op === 'log' || op === 'sqrt' ? 0.1 : -2, 2),
        n: 5000,
      }),
    });
  }
  for (const op of ['add', 'mul', 'pow', 'rsub', 'rdiv'] as const) {
    out.push({
      kernel: 'scalar',
      label: op,
      tol: 1e-6,
      outputs: ['out'],
      make: (r) => ({
        op,
        out: f32(r, 5000),
        x: f32(r, 5000, 0.1, 2),
        s: op === 'pow' ? 3 : 1.7,
        n: 5000,
      }),
    });
  }
  out.push({
    kernel: 'reluBackward',
    label: 'n=5000',
    tol: 1e-6,
    outputs: ['dx'],
    make: (r) => ({ dx: f32(r, 5000), dy: f32(r, 5000), y: f32(r, 5000), n: 5000 }),
  });
  for (const [o, m, i] of [
    [1, 5000, 1],
    [7, 300, 16],
    [64, 3, 1],
  ]) {
    out.push({
      kernel: 'sumAxis',
      label: `${o}x${m}x${i}`,
      tol: 1e-5,
      outputs: ['out'],
      make: (r) => ({ out: f32(r, o * i), x: f32(r, o * m * i), outer: o, mid: m, inner: i }),
    });
  }
  out.push({
    kernel: 'copyStrided',
    label: 'NCHW->NHWC [4,8,9,9]',
    tol: 0,
    outputs: ['out'],
    make: (r) => ({
      out: f32(r, 2592),
      x: f32(r, 2592),
      shape: [4, 9, 9, 8],
      xStrides: [648, 9, 1, 81],
    }),
  });
  for (const [tA, tB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ]) {
    out.push({
      kernel: 'matmul',
      label: `37x29x41 tA=${tA} tB=${tB} accumulate`,
      tol: 1e-5,
      outputs: ['out'],
      make: (r) => ({
        out: f32(r, 2 * 37 * 29),
        a: f32(r, 2 * 37 * 41),
        b: f32(r, 2 * 41 * 29),
        batch: 2,
        m: 37,
        n: 29,
        k: 41,
        transA: tA,
        transB: tB,
        aBatchStride: 37 * 41,
        bBatchStride: 41 * 29,
        accumulate: true,
      }),
    });
  }
  out.push(...layerCases());
  out.push(...groupNormCases());
  out.push(...optimizerCases());
  return out;
}

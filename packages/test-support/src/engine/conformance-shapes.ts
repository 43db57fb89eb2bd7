/**
 * Conformance cases on random and edge shapes (what the native backend's own tests used to build
 * with their own geometry builder and PRNG, issue #17): convolutions with groups, dilation, bias
 * and odd sizes; batch norm on offset data (one-pass statistics must not cancel); matmul with
 * transposes, a shared batch operand and accumulation; broadcasting and mixed-layout strides;
 * max-pool ties; label smoothing; every optimizer variant. Shapes come from `seed` (an Rng),
 * inputs from checkConformance's per-case Rng. Tolerances are scaled max errors (conformance.ts):
 * 0 where one correctly rounded op matches TS exactly, 1e-6 for float64 sums stored in float32,
 * 1e-5–5e-5 for float32 accumulations (convolution sums of up to ~2000 products, sgemm).
 */
import { Rng } from '@smd/engine';
import { convGeom, f32, optimizerCasesOf, type Case } from '@smd/engine/conformance';
import { elementwiseShapeCases, poolLossOptimShapeCases } from './conformance-shapes-pointwise.js';

/** x[m, c] around 3 + 0.1·c with spread 0.05: the mean is far from 0, the variance small. */
const offsetData = (r: Rng, m: number, c: number): Float32Array =>
  Float32Array.from({ length: m * c }, (_, i) => 3 + 0.05 * (r.random() - 0.5) + (i % c) * 0.1);

/** Integer in [lo, hi] from the shape generator. */
const between = (g: Rng, lo: number, hi: number): number => lo + g.int(hi - lo + 1);

function convShapeCases(g: Rng, out: Case[]): void {
  const geoms = [
    [convGeom(2, 1, 28, 28, 8, 3, 1, 1), false], // stem: one input channel
    [convGeom(2, 16, 14, 14, 32, 3, 2, 1), false], // stage entry, stride 2
    [convGeom(2, 16, 14, 14, 32, 1, 2, 0), false], // 1×1 projection, stride 2
    [convGeom(2, 8, 9, 11, 8, 3, 1, 2, 2), true], // dilation 2
    [convGeom(2, 8, 9, 9, 12, 3, 1, 1, 1, 4), true], // groups 4
  ] as [ReturnType<typeof convGeom>, boolean][];
  for (let i = 0; i < 5; i++) {
    const groups = [1, 1, 2][g.int(3)];
    const k = [1, 3, 5][g.int(3)];
    const [cIn, cOut] = [groups * between(g, 1, 12), groups * between(g, 1, 12)];
    const [h, w, n] = [between(g, k + 1, 13), between(g, k + 1, 13), between(g, 1, 3)];
    const [stride, pad] = [between(g, 1, 2), between(g, 0, (k - 1) / 2)];
    geoms.push([convGeom(n, cIn, h, w, cOut, k, stride, pad, 1, groups), g.random() < 0.5]);
  }
  for (const [geom, bias] of geoms) {
    const xs = geom.n * geom.h * geom.w * geom.cIn;
    const ys = geom.n * geom.outH * geom.outW * geom.cOut;
    const ws = geom.cOut * (geom.cIn / geom.groups) * geom.kH * geom.kW;
    const label = `${JSON.stringify(geom)}${bias ? ' bias' : ''}`;
    out.push({
      kernel: 'conv2dForward',
      label,
      tol: 2e-5,
      outputs: ['y'],
      make: (r) => ({
        y: f32(r, ys),
        x: f32(r, xs),
        weight: f32(r, ws),
        bias: bias ? f32(r, geom.cOut) : null,
        geom,
      }),
    });
    // backward kernels accumulate; a zeroed dx takes the native direct-write path
    for (const zeroed of [false, true]) {
      out.push({
        kernel: 'conv2dBackwardInput',
        label: `${label}${zeroed ? ' zeroed dx' : ''}`,
        tol: 2e-5,
        outputs: ['dx'],
        make: (r) => ({
          dx: zeroed ? new Float32Array(xs) : f32(r, xs),
          dy: f32(r, ys),
          weight: f32(r, ws),
          geom,
        }),
      });
    }
    out.push({
      kernel: 'conv2dBackwardWeight',
      label,
      tol: 5e-5,
      outputs: ['dweight', 'dbias'],
      make: (r) => ({
        dweight: f32(r, ws),
        dbias: bias ? f32(r, geom.cOut) : null,
        dy: f32(r, ys),
        x: f32(r, xs),
        geom,
      }),
    });
  }
}

function batchNormShapeCases(out: Case[]): void {
  const stats = (r: Rng, c: number) => ({ mean: f32(r, c, 2.9, 4.7), invStd: f32(r, c, 20, 80) });
  for (const [m, c, affine] of [
    [7, 3, true],
    [512, 16, true],
    [3000, 32, false],
    [40000, 5, true],
  ] as const) {
    const label = `m=${m} c=${c}${affine ? '' : ' no affine'} offset data`;
    const gb = (r: Rng) => ({
      gamma: affine ? f32(r, c, 0.5, 1.5) : null,
      beta: affine ? f32(r, c) : null,
    });
    const sizes = { m, c };
    out.push({
      kernel: 'batchNormForwardTrain',
      label,
      tol: 2e-5,
      outputs: ['y', 'mean'],
      make: (r) => ({
        y: f32(r, m * c),
        mean: f32(r, c),
        varBiased: f32(r, c),
        invStd: f32(r, c),
        x: offsetData(r, m, c),
        ...gb(r),
        ...sizes,
        eps: 1e-5,
      }),
    });
    out.push({
      kernel: 'batchNormForwardEval',
      label,
      tol: 2e-5,
      outputs: ['y'],
      make: (r) => ({
        y: f32(r, m * c),
        x: offsetData(r, m, c),
        mean: f32(r, c, 2.9, 4.7),
        variance: f32(r, c, 1e-4, 3e-4),
        ...gb(r),
        ...sizes,
        eps: 1e-5,
      }),
    });
    out.push({
      kernel: 'batchNormBackward',
      label,
      tol: 2e-5,
      outputs: ['dx', 'dgamma', 'dbeta'],
      make: (r) => ({
        dx: f32(r, m * c),
        dgamma: affine ? f32(r, c) : null,
        dbeta: affine ? f32(r, c) : null,
        dy: f32(r, m * c),
        x: offsetData(r, m, c),
        ...stats(r, c),
        gamma: affine ? f32(r, c, 0.5, 1.5) : null,
        ...sizes,
      }),
    });
  }
  for (const [m, c, residual, relu] of [
    [600, 8, true, true],
    [5000, 16, false, true],
    [900, 4, true, false],
  ] as const) {
    const label = `m=${m} c=${c}${residual ? ' +res' : ''}${relu ? ' relu' : ''} offset data`;
    out.push({
      kernel: 'batchNormActForwardTrain',
      label,
      tol: 2e-5,
      outputs: ['y', 'mean'],
      make: (r) => ({
        y: f32(r, m * c),
        mean: f32(r, c),
        varBiased: f32(r, c),
        invStd: f32(r, c),
        x: offsetData(r, m, c),
        gamma: f32(r, c, 0.5, 1.5),
        beta: f32(r, c),
        residual: residual ? f32(r, m * c) : null,
        relu,
        m,
        c,
        eps: 1e-5,
      }),
    });
    out.push({
      kernel: 'batchNormActBackward',
      label,
      tol: 2e-5,
      outputs: ['dx', 'dgamma', 'dbeta', 'dresidual'],
      make: (r) => ({
        dx: f32(r, m * c),
        dgamma: f32(r, c),
        dbeta: f32(r, c),
        dresidual: residual ? f32(r, m * c) : null,
        y: relu ? f32(r, m * c) : null,
        dy: f32(r, m * c),
        x: offsetData(r, m, c),
        ...stats(r, c),
        gamma: f32(r, c, 0.5, 1.5),
        m,
        c,
      }),
    });
  }
}

function matmulShapeCases(g: Rng, out: Case[]): void {
  for (let i = 0; i < 12; i++) {
    const [batch, m, n, k] = [
      between(g, 1, 3),
      between(g, 1, 70),
      between(g, 1, 70),
      between(g, 1, 300),
    ];
    const [transA, transB, shareB, accumulate] = [
      (i & 1) === 1,
      (i & 2) === 2,
      i % 3 === 0,
      i % 4 === 1,
    ];
    out.push({
      kernel: 'matmul',
      label: JSON.stringify({ batch, m, n, k, transA, transB, shareB, accumulate }),
      tol: 1e-5,
      outputs: ['out'],
      make: (r) => ({
        out: f32(r, batch * m * n),
        a: f32(r, batch * m * k),
        b: f32(r, (shareB ? 1 : batch) * k * n),
        batch,
        m,
        n,
        k,
        transA,
        transB,
        aBatchStride: m * k,
        bBatchStride: shareB ? 0 : k * n,
        accumulate,
      }),
    });
  }
}

/** The random- and edge-shape cases; shapes drawn from `seed`. */
export function shapeCases(seed = 7): Case[] {
  const g = new Rng(seed);
  const out: Case[] = [];
  convShapeCases(g, out);
  batchNormShapeCases(out);
  matmulShapeCases(g, out);
  elementwiseShapeCases(out);
  poolLossOptimShapeCases(out);
  // optimizers of #14: a 64→64 3×3 conv weight (parallel paths), odd channel counts, a 1-row
  // tensor large enough to reduce in parallel within the row, linear weights and biases
  out.push(
    ...optimizerCasesOf([[64, 64, 3, 3], [13, 7, 3, 3], [3, 1, 5, 5], [1, 40_000], [10, 65], [37]]),
  );
  return out;
}

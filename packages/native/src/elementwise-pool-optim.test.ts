// Conformance: native element-wise, strided copy, reduction, pooling, softmax / cross-entropy and
// optimizer kernels vs the TS reference on random shapes. Scaled max-error tolerances:
//
// | kernel                                   | tol   | why                                        |
// |------------------------------------------|-------|--------------------------------------------|
// | binary, scalar, unary neg/abs/relu/sqrt   | 0     | one correctly rounded op, same as TS       |
// | unary exp/log                            | 0     | float64 libm then one rounding, like TS    |
// | reluBackward, copyStrided, maxPool (+arg) | 0     | exact selections / single adds             |
// | sumAxis, avg/adaptive pools              | 1e-6  | float64 sums; float32 scale in backward    |
// | logSoftmax, crossEntropy fwd/bwd          | 1e-6  | float64 row math; libm exp vs Math.exp     |
// | sgdStep, adamStep                        | 1e-6  | float64 per element, float32 stores        |
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tsKernels,
  type BinaryOp,
  type Pool2dGeometry,
  type ScalarOp,
  type UnaryOp,
} from '@smd/engine';
import { nativeKernels, nativeStatus } from './index.js';
import { assertClose, makeRand, randF32, randInt } from './test-helpers.js';

const status = nativeStatus();
const skip = status.loaded ? false : `native addon not loaded: ${status.reason}`;

function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

test('binary ops with broadcasting and channels-last strides match TS exactly', { skip }, () => {
  const rand = makeRand(11);
  const N = 4,
    C = 24,
    H = 9,
    W = 11;
  const shape = [N, C, H, W];
  const cl = [H * W * C, 1, W * C, C]; // NHWC strides in NCHW axis order
  const n = N * C * H * W;
  const cases: { aS: number[]; bS: number[]; oS: number[]; an: number; bn: number }[] = [
    { aS: strides(shape), bS: strides(shape), oS: strides(shape), an: n, bn: n },
    { aS: cl, bS: cl, oS: cl, an: n, bn: n },
    { aS: cl, bS: [0, 1, 0, 0], oS: cl, an: n, bn: C }, // per-channel operand
    { aS: [0, 1, 0, 0], bS: cl, oS: cl, an: C, bn: n },
    { aS: strides(shape), bS: cl, oS: cl, an: n, bn: n }, // mixed layouts
    { aS: [W, 0, 0, 1], bS: [0, H * W, W, 1], oS: strides(shape), an: N * W, bn: C * H * W },
  ];
  for (const op of ['add', 'sub', 'mul', 'div'] as BinaryOp[]) {
    for (const [i, cs] of cases.entries()) {
      const a = randF32(rand, cs.an);
      const b = randF32(rand, cs.bn, 0.5, 2);
      const ref = new Float32Array(n);
      const nat = new Float32Array(n);
      const p = { op, a, b, shape, aStrides: cs.aS, bStrides: cs.bS, outStrides: cs.oS };
      tsKernels.binary({ ...p, out: ref });
      nativeKernels.binary({ ...p, out: nat });
      assertClose(nat, ref, 0, `binary ${op} case ${i}`);
    }
  }
});

test('unary, scalar and reluBackward match TS exactly', { skip }, () => {
  const rand = makeRand(12);
  const n = 50_001;
  const x = randF32(rand, n, -2, 2);
  const pos = randF32(rand, n, 0.01, 3);
  for (const op of ['neg', 'exp', 'log', 'sqrt', 'abs', 'relu'] as UnaryOp[]) {
    const src = op === 'log' || op === 'sqrt' ? pos : x;
    const ref = new Float32Array(n);
    const nat = new Float32Array(n);
    tsKernels.unary({ op, out: ref, x: src, n });
    nativeKernels.unary({ op, out: nat, x: src, n });
    assertClose(nat, ref, 0, `unary ${op}`);
  }
  for (const op of ['add', 'mul', 'pow', 'rsub', 'rdiv'] as ScalarOp[]) {
    for (const s of op === 'pow' ? [2, 0.5, 3] : [0.1, -3.7]) {
      const src = op === 'pow' || op === 'rdiv' ? pos : x;
      const ref = new Float32Array(n);
      const nat = new Float32Array(n);
      tsKernels.scalar({ op, out: ref, x: src, s, n });
      nativeKernels.scalar({ op, out: nat, x: src, s, n });
      assertClose(nat, ref, 0, `scalar ${op} ${s}`);
    }
  }
  const dy = randF32(rand, n);
  const d0 = randF32(rand, n);
  const ref = d0.slice();
  const nat = d0.slice();
  tsKernels.reluBackward({ dx: ref, dy, y: x, n });
  nativeKernels.reluBackward({ dx: nat, dy, y: x, n });
  assertClose(nat, ref, 0, 'reluBackward');
});

test('sumAxis and copyStrided match TS', { skip }, () => {
  const rand = makeRand(13);
  for (const [outer, mid, inner] of [
    [5, 300, 1],
    [3, 200, 70],
    [1, 5000, 40],
    [1, 7, 3],
  ]) {
    const x = randF32(rand, outer * mid * inner);
    const ref = new Float32Array(outer * inner);
    const nat = new Float32Array(outer * inner).fill(9);
    tsKernels.sumAxis({ out: ref, x, outer, mid, inner });
    nativeKernels.sumAxis({ out: nat, x, outer, mid, inner });
    assertClose(nat, ref, 1e-6, `sumAxis ${outer}x${mid}x${inner}`);
  }
  // NCHW -> NHWC gather, a transpose, and a broadcast-style read.
  const N = 3,
    C = 20,
    H = 13,
    W = 17;
  const x = randF32(rand, N * C * H * W);
  for (const [shape, xs] of [
    [
      [N, H, W, C],
      [C * H * W, W, 1, H * W],
    ],
    [
      [C * H, N * W],
      [1, C * H],
    ],
    [
      [N, C, H, W],
      [C * H * W, H * W, 0, 1],
    ],
  ] as const) {
    const numel = shape.reduce((a, b) => a * b, 1);
    const ref = new Float32Array(numel);
    const nat = new Float32Array(numel);
    tsKernels.copyStrided({ out: ref, x, shape, xStrides: xs });
    nativeKernels.copyStrided({ out: nat, x, shape, xStrides: xs });
    assertClose(nat, ref, 0, `copyStrided ${shape}`);
  }
});

function poolGeom(
  n: number,
  c: number,
  h: number,
  w: number,
  k: number,
  s: number,
  pad: number,
): Pool2dGeometry {
  const outH = Math.floor((h + 2 * pad - k) / s) + 1;
  const outW = Math.floor((w + 2 * pad - k) / s) + 1;
  return { n, c, h, w, outH, outW, kH: k, kW: k, strideH: s, strideW: s, padH: pad, padW: pad };
}

test('max / avg / adaptive pooling forward and backward match TS', { skip }, () => {
  const rand = makeRand(14);
  for (const g of [
    poolGeom(3, 16, 12, 12, 2, 2, 0),
    poolGeom(4, 8, 11, 9, 3, 2, 1),
    poolGeom(2, 5, 7, 7, 3, 1, 1),
  ]) {
    const xn = g.n * g.h * g.w * g.c;
    const yn = g.n * g.outH * g.outW * g.c;
    // Quantized values make ties, which must resolve to the first index like TS.
    const x = randF32(rand, xn).map((v) => Math.round(v * 4) / 4);
    const label = JSON.stringify(g);
    const yr = new Float32Array(yn);
    const yq = new Float32Array(yn);
    const ar = new Int32Array(yn);
    const aq = new Int32Array(yn);
    tsKernels.maxPool2dForward({ y: yr, argmax: ar, x, geom: g });
    nativeKernels.maxPool2dForward({ y: yq, argmax: aq, x, geom: g });
    assertClose(yq, yr, 0, `maxPool fwd ${label}`);
    assert.deepEqual(aq, ar, `maxPool argmax ${label}`);
    const dy = randF32(rand, yn);
    const d0 = randF32(rand, xn);
    let dr = d0.slice();
    let dq = d0.slice();
    tsKernels.maxPool2dBackward({ dx: dr, dy, argmax: ar, geom: g });
    nativeKernels.maxPool2dBackward({ dx: dq, dy, argmax: ar, geom: g });
    assertClose(dq, dr, 0, `maxPool bwd ${label}`);
    tsKernels.avgPool2dForward({ y: yr, x, geom: g });
    nativeKernels.avgPool2dForward({ y: yq, x, geom: g });
    assertClose(yq, yr, 1e-6, `avgPool fwd ${label}`);
    dr = d0.slice();
    dq = d0.slice();
    tsKernels.avgPool2dBackward({ dx: dr, dy, geom: g });
    nativeKernels.avgPool2dBackward({ dx: dq, dy, geom: g });
    assertClose(dq, dr, 1e-6, `avgPool bwd ${label}`);
  }
  for (const [n, c, h, w, outH, outW] of [
    [128, 64, 7, 7, 1, 1],
    [2, 6, 10, 7, 3, 4],
    [3, 4, 5, 5, 5, 5],
  ]) {
    const x = randF32(rand, n * h * w * c);
    const small = n * outH * outW * c;
    const ref = new Float32Array(small);
    const nat = new Float32Array(small);
    const dims = { n, c, h, w, outH, outW };
    tsKernels.adaptiveAvgPool2dForward({ out: ref, x, ...dims });
    nativeKernels.adaptiveAvgPool2dForward({ out: nat, x, ...dims });
    assertClose(nat, ref, 1e-6, `adaptive fwd ${n},${c},${h},${w}->${outH},${outW}`);
    const dy = randF32(rand, small);
    const dr = randF32(rand, n * h * w * c);
    const dq = dr.slice();
    tsKernels.adaptiveAvgPool2dBackward({ out: dr, x: dy, ...dims });
    nativeKernels.adaptiveAvgPool2dBackward({ out: dq, x: dy, ...dims });
    assertClose(dq, dr, 1e-6, `adaptive bwd ${n},${c},${h},${w}->${outH},${outW}`);
  }
});

test('log-softmax and cross entropy (label smoothing) match TS', { skip }, () => {
  const rand = makeRand(15);
  for (const [rows, cols, eps] of [
    [128, 10, 0],
    [37, 100, 0.1],
    [3000, 17, 0.2],
  ]) {
    const x = randF32(rand, rows * cols, -8, 8);
    const yr = new Float32Array(rows * cols);
    const yq = new Float32Array(rows * cols);
    tsKernels.logSoftmaxForward({ y: yr, x, rows, cols });
    nativeKernels.logSoftmaxForward({ y: yq, x, rows, cols });
    assertClose(yq, yr, 1e-6, `logSoftmax fwd ${rows}x${cols}`);
    const dy = randF32(rand, rows * cols);
    const d0 = randF32(rand, rows * cols);
    const dr = d0.slice();
    const dq = d0.slice();
    tsKernels.logSoftmaxBackward({ dx: dr, dy, y: yr, rows, cols });
    nativeKernels.logSoftmaxBackward({ dx: dq, dy, y: yr, rows, cols });
    assertClose(dq, dr, 1e-6, `logSoftmax bwd ${rows}x${cols}`);
    const labels = new Int32Array(rows).map(() => randInt(rand, 0, cols - 1));
    const lr = new Float32Array(rows);
    const lq = new Float32Array(rows);
    const pr = new Float32Array(rows * cols);
    const pq = new Float32Array(rows * cols);
    const common = { logits: x, labels, rows, cols, labelSmoothing: eps };
    tsKernels.crossEntropyForward({ losses: lr, logProb: pr, ...common });
    nativeKernels.crossEntropyForward({ losses: lq, logProb: pq, ...common });
    assertClose(lq, lr, 1e-6, `crossEntropy losses ${rows}x${cols}`);
    assertClose(pq, pr, 1e-6, `crossEntropy logProb ${rows}x${cols}`);
    const gr = d0.slice();
    const gq = d0.slice();
    const bp = { logProb: pr, labels, rows, cols, labelSmoothing: eps, scale: 1 / rows };
    tsKernels.crossEntropyBackward({ dlogits: gr, ...bp });
    nativeKernels.crossEntropyBackward({ dlogits: gq, ...bp });
    assertClose(gq, gr, 1e-6, `crossEntropy bwd ${rows}x${cols}`);
  }
  const bad = new Int32Array([0, 10]);
  assert.throws(
    () =>
      nativeKernels.crossEntropyForward({
        losses: new Float32Array(2),
        logProb: new Float32Array(20),
        logits: new Float32Array(20),
        labels: bad,
        rows: 2,
        cols: 10,
        labelSmoothing: 0,
      }),
    /label 10 at row 1/,
  );
});

test('SGD (momentum, nesterov, dampening, first step) and Adam/AdamW match TS', { skip }, () => {
  const rand = makeRand(16);
  const n = 40_000;
  const grad = randF32(rand, n);
  for (const [momentum, dampening, nesterov, firstStep, buf] of [
    [0.9, 0, false, true, true],
    [0.9, 0, false, false, true],
    [0.9, 0, true, false, true],
    [0.5, 0.3, false, false, true],
    [0, 0, false, false, false],
    [0.9, 0, false, false, false],
  ] as const) {
    const p0 = randF32(rand, n);
    const b0 = randF32(rand, n);
    const r = { param: p0.slice(), momentumBuf: buf ? b0.slice() : null };
    const q = { param: p0.slice(), momentumBuf: buf ? b0.slice() : null };
    const hp = { grad, n, lr: 0.1, momentum, dampening, weightDecay: 5e-4, nesterov, firstStep };
    tsKernels.sgdStep({ ...r, ...hp });
    nativeKernels.sgdStep({ ...q, ...hp });
    const label = JSON.stringify({ momentum, dampening, nesterov, firstStep, buf });
    assertClose(q.param, r.param, 1e-6, `sgd param ${label}`);
    if (r.momentumBuf && q.momentumBuf)
      assertClose(q.momentumBuf, r.momentumBuf, 1e-6, `sgd buf ${label}`);
  }
  for (const decoupled of [false, true]) {
    const p0 = randF32(rand, n);
    const m0 = randF32(rand, n, -0.1, 0.1);
    const v0 = randF32(rand, n, 0, 0.01);
    const r = { param: p0.slice(), expAvg: m0.slice(), expAvgSq: v0.slice() };
    const q = { param: p0.slice(), expAvg: m0.slice(), expAvgSq: v0.slice() };
    const hp = {
      grad,
      n,
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.01,
      decoupled,
      step: 3,
    };
    tsKernels.adamStep({ ...r, ...hp });
    nativeKernels.adamStep({ ...q, ...hp });
    assertClose(q.param, r.param, 1e-6, `adam param decoupled=${decoupled}`);
    assertClose(q.expAvg, r.expAvg, 1e-6, `adam m decoupled=${decoupled}`);
    assertClose(q.expAvgSq, r.expAvgSq, 1e-6, `adam v decoupled=${decoupled}`);
  }
});

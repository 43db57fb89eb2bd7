// Conformance: native conv, batch norm (plain and fused), matmul vs the TS reference kernels on
// random shapes. Tolerances are scaled max errors (see assertClose), recorded here:
//
// | kernel                         | tol  | why                                                   |
// |--------------------------------|------|-------------------------------------------------------|
// | conv2dForward                  | 2e-5 | float32 sums of up to 600 products vs TS float64      |
// | conv2dBackwardInput            | 2e-5 | same                                                  |
// | conv2dBackwardWeight           | 5e-5 | sums over N·outH·outW (up to ~2000) products          |
// | batchNormForwardTrain (y)      | 2e-5 | float32 normalize; stats in float64 (mean/var 1e-6)   |
// | batchNormBackward              | 2e-5 | float32 a·dy + b·x + d form                           |
// | batchNormAct fwd/bwd (fused)   | 2e-5 | as the unfused kernels                                |
// | matmul                         | 1e-5 | oneDNN sgemm float32 accumulation, k <= 300           |
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsKernels, type Conv2dGeometry } from '@smd/engine';
import { nativeKernels, nativeStatus } from './index.js';
import { assertClose, makeRand, randF32, randInt } from './test-helpers.js';

const status = nativeStatus();
const skip = status.loaded ? false : `native addon not loaded: ${status.reason}`;
const TOL = { convFwd: 2e-5, convBwdIn: 2e-5, convBwdW: 5e-5, bn: 2e-5, matmul: 1e-5 } as const;

function geometry(
  n: number,
  cIn: number,
  h: number,
  w: number,
  cOut: number,
  k: number,
  stride: number,
  pad: number,
  dil: number,
  groups: number,
): Conv2dGeometry {
  const outH = Math.floor((h + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
  const outW = Math.floor((w + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
  return {
    n,
    cIn,
    h,
    w,
    cOut,
    kH: k,
    kW: k,
    outH,
    outW,
    strideH: stride,
    strideW: stride,
    padH: pad,
    padW: pad,
    dilationH: dil,
    dilationW: dil,
    groups,
  };
}

/** Fixed shapes of the reference ResNet (batch cut) plus random ones. */
function convCases(): { g: Conv2dGeometry; bias: boolean }[] {
  const rand = makeRand(7);
  const cases = [
    { g: geometry(2, 1, 28, 28, 8, 3, 1, 1, 1, 1), bias: false }, // stem: one input channel
    { g: geometry(2, 16, 14, 14, 32, 3, 2, 1, 1, 1), bias: false }, // stage entry, stride 2
    { g: geometry(2, 16, 14, 14, 32, 1, 2, 0, 1, 1), bias: false }, // 1×1 projection, stride 2
    { g: geometry(2, 8, 9, 11, 8, 3, 1, 2, 2, 1), bias: true }, // dilation 2
    { g: geometry(2, 8, 9, 9, 12, 3, 1, 1, 1, 4), bias: true }, // groups 4
  ];
  for (let i = 0; i < 5; i++) {
    const groups = [1, 1, 2][randInt(rand, 0, 2)];
    const cIn = groups * randInt(rand, 1, 12);
    const cOut = groups * randInt(rand, 1, 12);
    const k = [1, 3, 5][randInt(rand, 0, 2)];
    const h = randInt(rand, k + 1, 13);
    const w = randInt(rand, k + 1, 13);
    const g = geometry(
      randInt(rand, 1, 3),
      cIn,
      h,
      w,
      cOut,
      k,
      randInt(rand, 1, 2),
      randInt(rand, 0, (k - 1) / 2),
      1,
      groups,
    );
    cases.push({ g, bias: rand() < 0.5 });
  }
  return cases;
}

test('conv2d forward / backward-input / backward-weight match TS', { skip }, () => {
  const rand = makeRand(1);
  for (const { g, bias } of convCases()) {
    const label = JSON.stringify(g);
    const xn = g.n * g.h * g.w * g.cIn;
    const yn = g.n * g.outH * g.outW * g.cOut;
    const wn = g.cOut * (g.cIn / g.groups) * g.kH * g.kW;
    const x = randF32(rand, xn);
    const w = randF32(rand, wn);
    const b = bias ? randF32(rand, g.cOut) : null;
    const dy = randF32(rand, yn);
    const yRef = new Float32Array(yn);
    const yNat = new Float32Array(yn).fill(123); // forward overwrites
    tsKernels.conv2dForward({ y: yRef, x, weight: w, bias: b, geom: g });
    nativeKernels.conv2dForward({ y: yNat, x, weight: w, bias: b, geom: g });
    assertClose(yNat, yRef, TOL.convFwd, `conv2dForward ${label}`);
    // Backward kernels accumulate: start from the same non-zero contents.
    const dx0 = randF32(rand, xn);
    const dxRef = dx0.slice();
    const dxNat = dx0.slice();
    tsKernels.conv2dBackwardInput({ dx: dxRef, dy, weight: w, geom: g });
    nativeKernels.conv2dBackwardInput({ dx: dxNat, dy, weight: w, geom: g });
    assertClose(dxNat, dxRef, TOL.convBwdIn, `conv2dBackwardInput ${label}`);
    // A zeroed gradient buffer takes the direct-write path (no scratch + add).
    const dxZeroRef = new Float32Array(xn);
    const dxZeroNat = new Float32Array(xn);
    tsKernels.conv2dBackwardInput({ dx: dxZeroRef, dy, weight: w, geom: g });
    nativeKernels.conv2dBackwardInput({ dx: dxZeroNat, dy, weight: w, geom: g });
    assertClose(dxZeroNat, dxZeroRef, TOL.convBwdIn, `conv2dBackwardInput zeroed ${label}`);
    const dw0 = randF32(rand, wn);
    const dwRef = dw0.slice();
    const dwNat = dw0.slice();
    const db0 = bias ? randF32(rand, g.cOut) : null;
    const dbRef = db0 ? db0.slice() : null;
    const dbNat = db0 ? db0.slice() : null;
    tsKernels.conv2dBackwardWeight({ dweight: dwRef, dbias: dbRef, dy, x, geom: g });
    nativeKernels.conv2dBackwardWeight({ dweight: dwNat, dbias: dbNat, dy, x, geom: g });
    assertClose(dwNat, dwRef, TOL.convBwdW, `conv2dBackwardWeight ${label}`);
    if (dbRef && dbNat)
      assertClose(dbNat, dbRef, TOL.convBwdW, `conv2dBackwardWeight bias ${label}`);
  }
});

test('conv2d rejects an inconsistent output size with a one-line error', { skip }, () => {
  const g = { ...geometry(1, 2, 5, 5, 2, 3, 1, 1, 1, 1), outH: 4 };
  assert.throws(
    () =>
      nativeKernels.conv2dForward({
        y: new Float32Array(40),
        x: new Float32Array(50),
        weight: new Float32Array(36),
        bias: null,
        geom: g,
      }),
    /OH\/OW do not match/,
  );
});

function bnCase(rand: () => number, m: number, c: number, affine: boolean) {
  // Offset mean and small spread: one-pass statistics must not cancel.
  const x = new Float32Array(m * c);
  for (let i = 0; i < x.length; i++) x[i] = 3 + 0.05 * (rand() - 0.5) + (i % c) * 0.1;
  return {
    x,
    gamma: affine ? randF32(rand, c, 0.5, 1.5) : null,
    beta: affine ? randF32(rand, c) : null,
  };
}

test('batch norm train / eval / backward match TS', { skip }, () => {
  const rand = makeRand(2);
  for (const [m, c, affine] of [
    [7, 3, true],
    [512, 16, true],
    [3000, 32, false],
    [40000, 5, true],
  ] as const) {
    const { x, gamma, beta } = bnCase(rand, m, c, affine);
    const out = () => ({
      y: new Float32Array(m * c),
      mean: new Float32Array(c),
      varBiased: new Float32Array(c),
      invStd: new Float32Array(c),
    });
    const r = out();
    const q = out();
    tsKernels.batchNormForwardTrain({ ...r, x, gamma, beta, m, c, eps: 1e-5 });
    nativeKernels.batchNormForwardTrain({ ...q, x, gamma, beta, m, c, eps: 1e-5 });
    const label = `m=${m} c=${c}`;
    assertClose(q.mean, r.mean, 1e-6, `bn mean ${label}`);
    assertClose(
      q.varBiased.map((v, i) => v / r.varBiased[i]),
      r.varBiased.map(() => 1),
      1e-4,
      `bn var ${label}`,
    );
    assertClose(q.y, r.y, TOL.bn, `bn y ${label}`);
    const ye = new Float32Array(m * c);
    const yq = new Float32Array(m * c);
    tsKernels.batchNormForwardEval({
      y: ye,
      x,
      mean: r.mean,
      variance: r.varBiased,
      gamma,
      beta,
      m,
      c,
      eps: 1e-5,
    });
    nativeKernels.batchNormForwardEval({
      y: yq,
      x,
      mean: r.mean,
      variance: r.varBiased,
      gamma,
      beta,
      m,
      c,
      eps: 1e-5,
    });
    assertClose(yq, ye, TOL.bn, `bn eval ${label}`);
    const dy = randF32(rand, m * c);
    const dx0 = randF32(rand, m * c);
    const g0 = randF32(rand, c);
    const a = { dx: dx0.slice(), dgamma: g0.slice(), dbeta: g0.slice() };
    const b = { dx: dx0.slice(), dgamma: g0.slice(), dbeta: g0.slice() };
    const common = { dy, x, mean: r.mean, invStd: r.invStd, gamma, m, c };
    tsKernels.batchNormBackward({ ...a, ...common });
    nativeKernels.batchNormBackward({ ...b, ...common });
    assertClose(b.dx, a.dx, TOL.bn, `bn dx ${label}`);
    assertClose(b.dgamma, a.dgamma, TOL.bn, `bn dgamma ${label}`);
    assertClose(b.dbeta, a.dbeta, TOL.bn, `bn dbeta ${label}`);
  }
});

test('fused batch norm + residual + ReLU (batchNormAct*) match TS', { skip }, () => {
  const rand = makeRand(3);
  for (const [m, c, residual, relu] of [
    [600, 8, true, true],
    [5000, 16, false, true],
    [900, 4, true, false],
  ] as const) {
    const { x, gamma, beta } = bnCase(rand, m, c, true);
    const res = residual ? randF32(rand, m * c) : null;
    const out = () => ({
      y: new Float32Array(m * c),
      mean: new Float32Array(c),
      varBiased: new Float32Array(c),
      invStd: new Float32Array(c),
    });
    const r = out();
    const q = out();
    const p = { x, gamma, beta, residual: res, relu, m, c, eps: 1e-5 };
    tsKernels.batchNormActForwardTrain({ ...r, ...p });
    nativeKernels.batchNormActForwardTrain({ ...q, ...p });
    const label = `m=${m} c=${c} residual=${residual} relu=${relu}`;
    assertClose(q.y, r.y, TOL.bn, `fused fwd ${label}`);
    if (relu) assert.ok(r.y.some((v) => v === 0) && r.y.some((v) => v > 0), 'ReLU must clip some');
    const dy = randF32(rand, m * c);
    const init = randF32(rand, m * c);
    const a = {
      dx: init.slice(),
      dgamma: new Float32Array(c),
      dbeta: new Float32Array(c),
      dresidual: residual ? init.slice() : null,
    };
    const b = {
      dx: init.slice(),
      dgamma: new Float32Array(c),
      dbeta: new Float32Array(c),
      dresidual: residual ? init.slice() : null,
    };
    const common = { dy, x, mean: r.mean, invStd: r.invStd, gamma, m, c, y: relu ? r.y : null };
    tsKernels.batchNormActBackward({ ...a, ...common });
    nativeKernels.batchNormActBackward({ ...b, ...common });
    assertClose(b.dx, a.dx, TOL.bn, `fused dx ${label}`);
    assertClose(b.dgamma, a.dgamma, TOL.bn, `fused dgamma ${label}`);
    assertClose(b.dbeta, a.dbeta, TOL.bn, `fused dbeta ${label}`);
    if (a.dresidual && b.dresidual)
      assertClose(b.dresidual, a.dresidual, 0, `fused dresidual ${label}`);
  }
});

test('matmul (transposes, shared batch operand, accumulate) matches TS', { skip }, () => {
  const rand = makeRand(4);
  for (let i = 0; i < 12; i++) {
    const batch = randInt(rand, 1, 3);
    const m = randInt(rand, 1, 70);
    const n = randInt(rand, 1, 70);
    const k = randInt(rand, 1, 300);
    const transA = (i & 1) === 1;
    const transB = (i & 2) === 2;
    const shareB = i % 3 === 0;
    const a = randF32(rand, batch * m * k);
    const b = randF32(rand, (shareB ? 1 : batch) * k * n);
    const accumulate = i % 4 === 1;
    const o0 = randF32(rand, batch * m * n);
    const ref = o0.slice();
    const nat = o0.slice();
    const p = {
      a,
      b,
      batch,
      m,
      n,
      k,
      transA,
      transB,
      aBatchStride: m * k,
      bBatchStride: shareB ? 0 : k * n,
      accumulate,
    };
    tsKernels.matmul({ ...p, out: ref });
    nativeKernels.matmul({ ...p, out: nat });
    assertClose(
      nat,
      ref,
      TOL.matmul,
      `matmul ${JSON.stringify({ batch, m, n, k, transA, transB, shareB, accumulate })}`,
    );
  }
});

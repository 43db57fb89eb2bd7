import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsKernels as k } from './index.js';
import type { Conv2dGeometry } from '../../kernels.js';
import { Rng } from '../../rng.js';

const rng = new Rng(77);
const rand = (n: number): Float32Array =>
  Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('matmul: all transpose combinations, batch, accumulate vs naive', () => {
  for (const [m, n, kk] of [
    [1, 1, 1],
    [5, 7, 3],
    [9, 4, 13],
    [16, 17, 8],
  ]) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const batch = 2;
        const a = rand(batch * m * kk);
        const b = rand(batch * kk * n);
        const out = rand(batch * m * n);
        const init = out.slice();
        k.matmul({
          out,
          a,
          b,
          batch,
          m,
          n,
          k: kk,
          transA,
          transB,
          aBatchStride: m * kk,
          bBatchStride: kk * n,
          accumulate: true,
        });
        const want = new Float64Array(batch * m * n);
        for (let t = 0; t < batch; t++) {
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = init[t * m * n + i * n + j];
              for (let p = 0; p < kk; p++) {
                const av = transA ? a[t * m * kk + p * m + i] : a[t * m * kk + i * kk + p];
                const bv = transB ? b[t * kk * n + j * kk + p] : b[t * kk * n + p * n + j];
                s += av * bv;
              }
              want[t * m * n + i * n + j] = s;
            }
          }
        }
        assert.ok(maxErr(out, want) < 1e-5, `m${m} n${n} k${kk} tA${transA} tB${transB}`);
      }
    }
  }
});

/** Naive NHWC convolution forward and its exact adjoints. */
function naiveConv(g: Conv2dGeometry, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const cg = g.cIn / g.groups;
  const og = g.cOut / g.groups;
  const y = new Float64Array(g.n * g.outH * g.outW * g.cOut);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let b = 0; b < g.n; b++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let co = 0; co < g.cOut; co++) {
          const yi = ((b * g.outH + oh) * g.outW + ow) * g.cOut + co;
          const grp = Math.floor(co / og);
          for (let ci = 0; ci < cg; ci++)
            for (let kh = 0; kh < g.kH; kh++)
              for (let kw = 0; kw < g.kW; kw++) {
                const ih = oh * g.strideH - g.padH + kh * g.dilationH;
                const iw = ow * g.strideW - g.padW + kw * g.dilationW;
                if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
                const xi = ((b * g.h + ih) * g.w + iw) * g.cIn + grp * cg + ci;
                const wi = ((co * cg + ci) * g.kH + kh) * g.kW + kw;
                y[yi] += x[xi] * w[wi];
                dx[xi] += dy[yi] * w[wi];
                dw[wi] += dy[yi] * x[xi];
              }
        }
  return { y, dx, dw };
}

test('conv2d kernels (forward, backward input, backward weight, bias) vs naive', () => {
  const shapes: Partial<Conv2dGeometry>[] = [
    {
      n: 2,
      cIn: 3,
      h: 7,
      w: 6,
      cOut: 5,
      kH: 3,
      kW: 3,
      strideH: 1,
      strideW: 1,
      padH: 1,
      padW: 1,
      dilationH: 1,
      dilationW: 1,
      groups: 1,
    },
    {
      n: 1,
      cIn: 4,
      h: 9,
      w: 8,
      cOut: 6,
      kH: 3,
      kW: 2,
      strideH: 2,
      strideW: 1,
      padH: 0,
      padW: 1,
      dilationH: 2,
      dilationW: 1,
      groups: 2,
    },
    {
      n: 3,
      cIn: 8,
      h: 4,
      w: 4,
      cOut: 4,
      kH: 1,
      kW: 1,
      strideH: 1,
      strideW: 1,
      padH: 0,
      padW: 0,
      dilationH: 1,
      dilationW: 1,
      groups: 1,
    },
    {
      n: 2,
      cIn: 2,
      h: 5,
      w: 5,
      cOut: 3,
      kH: 1,
      kW: 1,
      strideH: 2,
      strideW: 2,
      padH: 0,
      padW: 0,
      dilationH: 1,
      dilationW: 1,
      groups: 1,
    },
  ];
  for (const s of shapes) {
    const g = s as Conv2dGeometry;
    g.outH = Math.floor((g.h + 2 * g.padH - g.dilationH * (g.kH - 1) - 1) / g.strideH) + 1;
    g.outW = Math.floor((g.w + 2 * g.padW - g.dilationW * (g.kW - 1) - 1) / g.strideW) + 1;
    const x = rand(g.n * g.h * g.w * g.cIn);
    const w = rand(g.cOut * (g.cIn / g.groups) * g.kH * g.kW);
    const bias = rand(g.cOut);
    const dy = rand(g.n * g.outH * g.outW * g.cOut);
    const ref = naiveConv(g, x, w, dy);
    const y = new Float32Array(ref.y.length);
    k.conv2dForward({ y, x, weight: w, bias, geom: g });
    const yb = ref.y.map((v, i) => v + bias[i % g.cOut]);
    assert.ok(maxErr(y, yb) < 1e-4, `forward ${JSON.stringify(g)}`);
    const dx = new Float32Array(x.length).fill(1); // accumulates onto 1
    k.conv2dBackwardInput({ dx, dy, weight: w, geom: g });
    assert.ok(
      maxErr(
        dx,
        ref.dx.map((v) => v + 1),
      ) < 1e-4,
      'backward input',
    );
    const dw = new Float32Array(w.length);
    const db = new Float32Array(g.cOut);
    k.conv2dBackwardWeight({ dweight: dw, dbias: db, dy, x, geom: g });
    assert.ok(maxErr(dw, ref.dw) < 1e-4, 'backward weight');
    const dbWant = new Float64Array(g.cOut);
    dy.forEach((v, i) => (dbWant[i % g.cOut] += v));
    assert.ok(maxErr(db, dbWant) < 1e-4, 'backward bias');
  }
});

test('batch norm kernels: forward stats and backward identities', () => {
  const m = 50;
  const c = 3;
  const x = rand(m * c);
  const y = new Float32Array(m * c);
  const mean = new Float32Array(c);
  const varB = new Float32Array(c);
  const invStd = new Float32Array(c);
  k.batchNormForwardTrain({
    y,
    mean,
    varBiased: varB,
    invStd,
    x,
    gamma: null,
    beta: null,
    m,
    c,
    eps: 1e-5,
  });
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < m; r++) {
      s += y[r * c + ch];
      s2 += y[r * c + ch] ** 2;
    }
    assert.ok(Math.abs(s / m) < 1e-5);
    assert.ok(Math.abs(s2 / m - varB[ch] / (varB[ch] + 1e-5)) < 1e-4);
  }
  // dy = constant per channel -> dx = 0 (normalization removes shifts)
  const dy = new Float32Array(m * c).fill(0.7);
  const dx = new Float32Array(m * c);
  const dbeta = new Float32Array(c);
  k.batchNormBackward({ dx, dgamma: null, dbeta, dy, x, mean, invStd, gamma: null, m, c });
  assert.ok(maxErr(dx, new Float32Array(m * c)) < 1e-5);
  assert.ok(Math.abs(dbeta[0] - 0.7 * m) < 1e-3);
});

test('sgdStep and adamStep match hand-computed first steps', () => {
  const param = Float32Array.from([1, -2]);
  const buf = new Float32Array(2);
  k.sgdStep({
    param,
    momentumBuf: buf,
    grad: Float32Array.from([0.5, 1]),
    n: 2,
    lr: 0.1,
    momentum: 0.9,
    dampening: 0,
    weightDecay: 0.01,
    nesterov: false,
    firstStep: true,
  });
  // g = grad + 0.01 p = [0.51, 0.98]; buf = g; p -= 0.1 g
  assert.ok(maxErr(param, [1 - 0.051, -2 - 0.098]) < 1e-6);
  assert.ok(maxErr(buf, [0.51, 0.98]) < 1e-6);
  const p2 = Float32Array.from([1]);
  const m1 = new Float32Array(1);
  const v1 = new Float32Array(1);
  k.adamStep({
    param: p2,
    expAvg: m1,
    expAvgSq: v1,
    grad: Float32Array.from([0.3]),
    n: 1,
    lr: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.1,
    decoupled: true,
    step: 1,
  });
  // AdamW: p *= 1 - 0.001; first step moves by lr * sign(g) (up to eps)
  assert.ok(Math.abs(p2[0] - (0.999 - 0.01 * (0.3 / (0.3 + 1e-8)))) < 1e-6);
});

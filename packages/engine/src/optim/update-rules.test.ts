import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../rng.js';
import { tsBackend } from '../backend.js';
import { adamUpdate, sgdUpdate, type SgdHyper } from './update-rules.js';

function randArray(n: number, rng: Rng, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * rng.normal();
  return a;
}

/** Max |a−b| / max(|b|, floor); the floor keeps cancellation noise near 0 from dominating. */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-2): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  }
  return m;
}

const sgd = (o: Partial<SgdHyper>): SgdHyper => ({
  lr: 0.1,
  momentum: 0,
  dampening: 0,
  weightDecay: 0,
  nesterov: false,
  maximize: false,
  ...o,
});

test('SGD heavy ball: buffer starts at d = g + λw, then v = αv + (1-τ)d, w -= ηv', () => {
  const w = Float32Array.from([1, -2, 0.5]);
  const g1 = Float32Array.from([0.3, 0.1, -0.4]);
  const v = new Float32Array(3);
  const h = sgd({ lr: 0.1, momentum: 0.9, dampening: 0.2, weightDecay: 0.01 });
  const w0 = Array.from(w);
  sgdUpdate(w, g1, v, true, h);
  const d1 = w0.map((x, i) => g1[i] + 0.01 * x);
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(v[i] - d1[i]) < 1e-7, `v[${i}] = d (no dampening on first step)`);
    assert.ok(Math.abs(w[i] - (w0[i] - 0.1 * d1[i])) < 1e-6);
  }
  const w1 = Array.from(w);
  const v1 = Array.from(v);
  const g2 = Float32Array.from([-0.2, 0.5, 0.05]);
  sgdUpdate(w, g2, v, false, h);
  for (let i = 0; i < 3; i++) {
    const d = g2[i] + 0.01 * w1[i];
    const vi = 0.9 * v1[i] + 0.8 * d;
    assert.ok(Math.abs(v[i] - vi) < 1e-6);
    assert.ok(Math.abs(w[i] - (w1[i] - 0.1 * vi)) < 1e-6);
  }
  // the gradient buffer is never modified
  assert.deepEqual(Array.from(g2), Array.from(Float32Array.from([-0.2, 0.5, 0.05])));
});

test('SGD nesterov uses d + αv; maximize flips the gradient', () => {
  const w = Float32Array.from([1]);
  const v = Float32Array.from([0.5]);
  sgdUpdate(w, Float32Array.from([0.2]), v, false, sgd({ momentum: 0.9, nesterov: true }));
  const vExp = 0.9 * 0.5 + 0.2;
  assert.ok(Math.abs(v[0] - vExp) < 1e-7);
  assert.ok(Math.abs(w[0] - (1 - 0.1 * (0.2 + 0.9 * vExp))) < 1e-6);
  const w2 = Float32Array.from([1]);
  sgdUpdate(w2, Float32Array.from([0.2]), null, true, sgd({ maximize: true }));
  assert.ok(Math.abs(w2[0] - 1.02) < 1e-6);
});

test('Adam and AdamW first steps match the closed form', () => {
  const g = Float32Array.from([0.5, -1e-3, 2]);
  for (const decoupled of [false, true]) {
    const w = Float32Array.from([1, 2, -3]);
    const m = new Float32Array(3);
    const v = new Float32Array(3);
    const h = {
      lr: 0.01,
      betas: [0.9, 0.999] as [number, number],
      eps: 1e-8,
      weightDecay: 0.1,
      amsgrad: false,
      maximize: false,
    };
    adamUpdate(w, g, { expAvg: m, expAvgSq: v, maxExpAvgSq: null }, 1, h, decoupled);
    const w0 = [1, 2, -3];
    for (let i = 0; i < 3; i++) {
      const wi = decoupled ? w0[i] * (1 - 0.01 * 0.1) : w0[i];
      const gi = decoupled ? g[i] : g[i] + 0.1 * w0[i];
      // step 1: m̂ = g, v̂ = g², update = lr·g/(|g| + eps)
      const expected = wi - (0.01 * gi) / (Math.abs(gi) + 1e-8);
      assert.ok(
        Math.abs(w[i] - expected) < 1e-6,
        `decoupled=${decoupled} i=${i}: ${w[i]} vs ${expected}`,
      );
      assert.ok(Math.abs(m[i] - 0.1 * gi) < 1e-6);
      assert.ok(Math.abs(v[i] - 0.001 * gi * gi) < 1e-6 * Math.max(1, gi * gi));
    }
  }
});

test('amsgrad keeps the running max of v', () => {
  const w = Float32Array.from([0]);
  const s = {
    expAvg: new Float32Array(1),
    expAvgSq: new Float32Array(1),
    maxExpAvgSq: new Float32Array(1),
  };
  const h = {
    lr: 0.1,
    betas: [0.5, 0.5] as [number, number],
    eps: 0,
    weightDecay: 0,
    amsgrad: true,
    maximize: false,
  };
  adamUpdate(w, Float32Array.from([2]), s, 1, h, false);
  assert.ok(Math.abs(s.maxExpAvgSq[0] - 2) < 1e-6); // v = 0.5·4
  adamUpdate(w, Float32Array.from([0]), s, 2, h, false);
  assert.ok(Math.abs(s.expAvgSq[0] - 1) < 1e-6);
  assert.ok(Math.abs(s.maxExpAvgSq[0] - 2) < 1e-6, 'max keeps the larger earlier value');
});

/** A copy of `a` with 3 trailing sentinel elements (7) that a kernel given n = a.length must not touch. */
function padded(a: Float32Array): Float32Array {
  const out = new Float32Array(a.length + 3).fill(7);
  out.set(a);
  return out;
}

test('TS backend sgdStep/adamStep kernels run the reference rules exactly, on the first n elements', () => {
  const rng = new Rng(7);
  const n = 257;
  const k = tsBackend.kernels;
  let worst = 0;
  const tails: Float32Array[] = [];
  for (const momentum of [0, 0.9]) {
    for (const nesterov of [false, true]) {
      if (nesterov && momentum === 0) continue;
      for (const dampening of nesterov ? [0] : [0, 0.1]) {
        const h = sgd({ lr: 0.05, momentum, dampening, nesterov, weightDecay: 5e-4 });
        const w = randArray(n, rng);
        const w2 = padded(w);
        const v = randArray(n, rng, 0.1);
        const v2 = padded(v);
        for (let step = 0; step < 5; step++) {
          const g = randArray(n, rng, 0.3);
          sgdUpdate(w, g, momentum ? v : null, step === 0, h);
          k.sgdStep({
            param: w2,
            momentumBuf: momentum ? v2 : null,
            grad: padded(g),
            n,
            lr: h.lr,
            momentum,
            dampening,
            weightDecay: h.weightDecay,
            nesterov,
            firstStep: step === 0,
          });
        }
        worst = Math.max(worst, maxRel(w, w2.subarray(0, n)), maxRel(v, v2.subarray(0, n)));
        tails.push(w2.subarray(n), v2.subarray(n));
      }
    }
  }
  for (const decoupled of [false, true]) {
    const w = randArray(n, rng);
    const w2 = padded(w);
    const s = { expAvg: new Float32Array(n), expAvgSq: new Float32Array(n), maxExpAvgSq: null };
    const m2 = padded(new Float32Array(n));
    const v2 = padded(new Float32Array(n));
    const h = {
      lr: 1e-3,
      betas: [0.9, 0.999] as [number, number],
      eps: 1e-8,
      weightDecay: 0.01,
      amsgrad: false,
      maximize: false,
    };
    for (let t = 1; t <= 5; t++) {
      const g = randArray(n, rng, 0.3);
      adamUpdate(w, g, s, t, h, decoupled);
      k.adamStep({
        param: w2,
        expAvg: m2,
        expAvgSq: v2,
        grad: padded(g),
        n,
        lr: h.lr,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0.01,
        decoupled,
        step: t,
      });
    }
    worst = Math.max(
      worst,
      maxRel(w, w2.subarray(0, n)),
      maxRel(s.expAvg, m2.subarray(0, n)),
      maxRel(s.expAvgSq, v2.subarray(0, n)),
    );
    tails.push(w2.subarray(n), m2.subarray(n), v2.subarray(n));
  }
  assert.equal(worst, 0, `kernel vs reference max relative difference ${worst}`);
  for (const t of tails) assert.deepEqual(Array.from(t), [7, 7, 7], 'elements past n untouched');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedule } from '@smd/engine/schedule';
import { deltaStarExact, weightNormStarSq } from './equilibrium.js';
import {
  cubicRoots,
  eigenvalues3,
  localRate,
  meanFieldFixedPoint,
  meanFieldJacobian,
} from './fixed-point.js';
import { meanFieldStep, meanFieldTrajectory } from './mean-field.js';
import { stepsToWithin } from './transient.js';
import type { SgdHyperL } from './types.js';

const rel = (a: number, b: number, tol: number): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.abs(b), `${a} vs ${b} (rel tol ${tol})`);

const P = { lr: 0.1, wd: 5e-4, momentum: 0.9, L: 1 };

test('fixed point of the recurrence equals the closed forms (§4)', () => {
  const cases: SgdHyperL[] = [
    P,
    { lr: 0.2, wd: 1e-4, L: 2 },
    { lr: 0.05, wd: 1e-3, momentum: 0.5, L: 0.3 },
  ];
  for (const p of cases) {
    const fp = meanFieldFixedPoint(p);
    rel(fp.a, weightNormStarSq(p), 1e-15);
    rel(fp.deltaRad, deltaStarExact(p), 1e-15);
    const next = { a: 0, b: 0, c: 0 };
    const d = meanFieldStep(fp, { lr: p.lr, wd: p.wd, momentum: p.momentum ?? 0, L: p.L }, next);
    rel(next.a, fp.a, 1e-13);
    rel(next.b, fp.b, 1e-13);
    rel(next.c, fp.c, 1e-12);
    rel(d, deltaStarExact(p), 1e-8);
    // Iterating from ‖w_0‖² = 1, v = 0 converges to the same point.
    const tr = meanFieldTrajectory({
      steps: 400000,
      lr: p.lr,
      wd: p.wd,
      momentum: p.momentum,
      L: p.L,
      initialNormSq: 1,
    });
    rel(tr.normSq[400000], fp.a, 1e-9);
    rel(tr.deltaRad[399999], fp.deltaRad, 1e-9);
  }
});

test('local rate: Jacobian eigenvalues; SGD gives 1 − 4λη + 2λ²η²', () => {
  const sgd = localRate({ lr: 0.1, wd: 5e-4, L: 1 });
  rel(sgd.spectralRadius, 1 - 4 * 5e-5 + 2 * 25e-10, 1e-14);
  rel(sgd.timeConstant, -1 / Math.log(1 - 4 * 5e-5 + 2 * 25e-10), 1e-9);
  // SGDM: compare with the decay of a small perturbation of the actual map.
  const r = localRate(P);
  const fp = meanFieldFixedPoint(P);
  let s = { a: fp.a * (1 + 1e-6), b: fp.b, c: fp.c };
  const next = { a: 0, b: 0, c: 0 };
  const hp = { lr: P.lr, wd: P.wd, momentum: P.momentum, L: P.L };
  const dev = (x: typeof s): number => Math.abs(x.a - fp.a) / fp.a;
  for (let t = 0; t < 2000; t++) {
    meanFieldStep(s, hp, next);
    s = { ...next };
  }
  const d1 = dev(s);
  for (let t = 0; t < 1000; t++) {
    meanFieldStep(s, hp, next);
    s = { ...next };
  }
  rel(dev(s) / d1, Math.pow(r.spectralRadius, 1000), 1e-3);
  rel(r.spectralRadius, 0.9979626, 1e-6);
  // Jacobian vs central differences.
  const J = meanFieldJacobian(P, fp);
  const h = 1e-6;
  const f = (st: { a: number; b: number; c: number }) => {
    const o = { a: 0, b: 0, c: 0 };
    meanFieldStep(st, hp, o);
    return [o.a, o.b, o.c];
  };
  const keys = ['a', 'b', 'c'] as const;
  keys.forEach((k, j) => {
    const hk = h * Math.max(1e-3, Math.abs(fp[k]));
    const up = f({ ...fp, [k]: fp[k] + hk });
    const dn = f({ ...fp, [k]: fp[k] - hk });
    for (let i = 0; i < 3; i++) {
      const num = (up[i] - dn[i]) / (2 * hk);
      assert.ok(
        Math.abs(num - J[i][j]) < 1e-6 * Math.max(1, Math.abs(J[i][j])),
        `J[${i}][${j}] ${num} vs ${J[i][j]}`,
      );
    }
  });
});

test('cubic and 3×3 eigenvalues (real and complex)', () => {
  // (x−1)(x−2)(x−3) = x³ − 6x² + 11x − 6
  const r = cubicRoots(-6, 11, -6).map((z) => z.re);
  assert.deepEqual(
    r.map((x) => Math.round(x * 1e12) / 1e12),
    [3, 2, 1],
  );
  // (x − 0.5)(x² + 1): complex pair ±i
  const z = cubicRoots(-0.5, 1, -0.5);
  rel(z[0].re, 0.5, 1e-14);
  assert.ok(Math.abs(z[1].re) < 1e-14 && Math.abs(Math.abs(z[1].im) - 1) < 1e-14);
  // rotation-scaling block: eigenvalues 0.9 ± 0.3i and 0.2
  const e = eigenvalues3([
    [0.9, -0.3, 0],
    [0.3, 0.9, 0],
    [0, 0, 0.2],
  ]);
  rel(e[0].re, 0.2, 1e-14);
  rel(e[1].re, 0.9, 1e-14);
  rel(Math.abs(e[1].im), 0.3, 1e-13);
});

test('lr drop ×0.1 reproduces the doc transient (§4: 0.00726 → 0.00079 → 0.00154 → 0.00213)', () => {
  const fp = meanFieldFixedPoint(P);
  const tr = meanFieldTrajectory({
    steps: 20001,
    lr: (t) => (t < 1 ? 0.1 : 0.01),
    wd: 5e-4,
    momentum: 0.9,
    L: 1,
    initialState: fp,
  });
  rel(tr.deltaRad[0], 0.007255, 1e-3);
  rel(tr.deltaRad[1], 0.0007255, 1e-3); // falls at once to Δ*_old/k
  rel(tr.deltaRad[1001], 0.00079, 0.01);
  rel(tr.deltaRad[10001], 0.00154, 0.01);
  rel(tr.deltaRad[20000], 0.00213, 0.01);
  rel(tr.normSq[10001], 14.9, 0.01);
  rel(tr.normSq[20001], 10.8, 0.01);
  const back = stepsToWithin({
    lr: 0.01,
    wd: 5e-4,
    momentum: 0.9,
    L: 1,
    fromState: fp,
    percent: 5,
    metric: 'delta',
  });
  rel(back.equilibrium, 0.0022942, 1e-4);
  rel(back.initial, 0.0007255, 1e-3);
  assert.ok(back.steps !== null && back.steps > 20000 && back.steps < 40000, `${back.steps}`);
  // consistent with the trajectory: first step after which Δ stays within 5%
  const tr2 = meanFieldTrajectory({
    steps: back.steps! + 5000,
    lr: 0.01,
    wd: 5e-4,
    momentum: 0.9,
    L: 1,
    initialState: fp,
  });
  assert.ok(Math.abs(tr2.deltaRad[back.steps! - 1] / back.equilibrium - 1) > 0.05);
  for (let t = back.steps!; t < tr2.deltaRad.length; t += 97) {
    assert.ok(Math.abs(tr2.deltaRad[t] / back.equilibrium - 1) <= 0.05, `t=${t}`);
  }
  const norm = stepsToWithin({
    lr: 0.01,
    wd: 5e-4,
    momentum: 0.9,
    L: 1,
    fromState: fp,
    percent: 5,
    metric: 'norm',
  });
  rel(norm.equilibrium, Math.sqrt(10.0), 1e-4);
  assert.ok(norm.steps !== null && norm.steps > 11513, `${norm.steps}`); // slower than pure decay
  assert.equal(stepsToWithin({ ...P, fromState: fp, percent: 1, metric: 'delta' }).steps, 0);
});

test('rescaling at drops reaches the new equilibrium at once (§3 trick)', () => {
  const fp = meanFieldFixedPoint(P);
  const sched = parseSchedule('multistep:1:0.1', 1000); // drop at step 1000
  const plain = meanFieldTrajectory({
    steps: 3000,
    schedule: sched,
    baseLr: 0.1,
    wd: 5e-4,
    momentum: 0.9,
    L: 1,
    initialState: fp,
  });
  const res = meanFieldTrajectory({
    steps: 3000,
    schedule: sched,
    baseLr: 0.1,
    wd: 5e-4,
    momentum: 0.9,
    L: 1,
    initialState: fp,
    rescaleAtDrops: true,
  });
  assert.equal(plain.rescales.length, 0);
  assert.deepEqual(
    res.rescales.map((r) => r.step),
    [1000],
  );
  rel(res.rescales[0].factor, Math.pow(10, -0.25), 1e-12);
  const dNew = deltaStarExact({ lr: 0.01, wd: 5e-4, momentum: 0.9 });
  rel(res.normSq[1000], fp.a / Math.sqrt(10), 1e-12);
  // v kept (torch): Δ starts about 1/3 low, then within 0.1% of the new Δ* after 50 steps
  rel(res.deltaRad[1000], 0.668 * dNew, 0.01);
  for (let t = 1050; t < 3000; t++)
    assert.ok(Math.abs(res.deltaRad[t] / dNew - 1) < 1e-3, `t=${t} ${res.deltaRad[t]}`);
  // v rescaled like a gradient (×k^{1/4}): at the new equilibrium at once
  const grad = meanFieldTrajectory({
    steps: 3000,
    schedule: sched,
    baseLr: 0.1,
    wd: 5e-4,
    momentum: 0.9,
    L: 1,
    initialState: fp,
    rescaleAtDrops: true,
    momentumRescale: 'like-gradients',
  });
  for (let t = 1000; t < 3000; t++)
    assert.ok(Math.abs(grad.deltaRad[t] / dNew - 1) < 3e-4, `t=${t} ${grad.deltaRad[t]}`);
  assert.ok(plain.deltaRad[1500] < 0.5 * dNew);
  // raw lr array: drops are detected from the ratio.
  const lr = new Float64Array(3000).map((_, t) => (t < 1000 ? 0.1 : 0.01));
  const raw = meanFieldTrajectory({
    steps: 3000,
    lr,
    wd: 5e-4,
    momentum: 0.9,
    L: 1,
    initialState: fp,
    rescaleAtDrops: true,
  });
  assert.deepEqual(
    raw.rescales.map((r) => r.step),
    [1000],
  );
  rel(raw.deltaRad[2000], res.deltaRad[2000], 1e-12);
  // rescaling v too changes b and c consistently
  const both = meanFieldTrajectory({
    steps: 1001,
    lr,
    wd: 5e-4,
    momentum: 0.9,
    L: 1,
    initialState: fp,
    rescaleAtDrops: true,
    momentumRescale: 'like-weights',
  });
  rel(both.normSq[1000], fp.a / Math.sqrt(10), 1e-12);
  rel(both.deltaRad[1000], 0.521 * dNew, 0.01);
});

test('per-step L and wd arrays, and input errors', () => {
  const n = 100;
  const L = new Float64Array(n).fill(2);
  const a = meanFieldTrajectory({
    steps: n,
    lr: 0.1,
    wd: new Float64Array(n).fill(1e-3),
    L,
    initialNormSq: 3,
  });
  const b = meanFieldTrajectory({ steps: n, lr: 0.1, wd: 1e-3, L: 2, initialNormSq: 3 });
  assert.deepEqual(a.deltaRad, b.deltaRad);
  // SGD one step by hand: a' = (1−ηλ)²a + η²L/a
  rel(b.normSq[1], 0.9999 ** 2 * 3 + (0.01 * 2) / 3, 1e-14);
  rel(b.deltaRad[0], Math.atan((0.1 * Math.sqrt(2 / 3)) / (0.9999 * Math.sqrt(3))), 1e-12);
  assert.throws(
    () => meanFieldTrajectory({ steps: 10, wd: 1e-3, L: 1, initialNormSq: 1 }),
    /lr \(or schedule \+ baseLr\) is required/,
  );
  assert.throws(
    () =>
      meanFieldTrajectory({ steps: 10, lr: new Float64Array(5), wd: 1e-3, L: 1, initialNormSq: 1 }),
    /lr has 5 values, need ≥ steps = 10/,
  );
  assert.throws(() => meanFieldTrajectory({ steps: 10, lr: 0.1, wd: 1e-3, L: 1 }), /initialNormSq/);
  assert.throws(
    () =>
      meanFieldTrajectory({
        steps: 10,
        schedule: { kind: 'constant' },
        wd: 1e-3,
        L: 1,
        initialNormSq: 1,
      }),
    /baseLr must be a number > 0/,
  );
});

test('explicit rescales: the listed drop only; all drops listed equals rescaleAtDrops', () => {
  const lr = new Float64Array(3000).fill(0.1);
  lr.fill(0.01, 1000);
  lr.fill(0.001, 2000);
  const base = { steps: 3000, lr, wd: 5e-4, momentum: 0.9, L: 1, initialNormSq: 2 };
  const auto = meanFieldTrajectory({ ...base, rescaleAtDrops: true });
  const listed = meanFieldTrajectory({
    ...base,
    rescales: [
      { step: 1000, k: 10 },
      { step: 2000, k: 10 },
    ],
  });
  assert.deepEqual(listed.deltaRad, auto.deltaRad);
  assert.deepEqual(listed.rescales, auto.rescales);
  // Only the second drop rescaled: identical to no rescaling until step 2000, then not.
  const none = meanFieldTrajectory(base);
  const second = meanFieldTrajectory({ ...base, rescales: [{ step: 2000, k: 10 }] });
  assert.deepEqual(second.deltaRad.subarray(0, 2000), none.deltaRad.subarray(0, 2000));
  assert.equal(second.rescales.length, 1);
  assert.ok(Math.abs(second.normSq[2000] / none.normSq[2000] - Math.pow(10, -0.5)) < 1e-12);
  assert.throws(
    () => meanFieldTrajectory({ ...base, rescaleAtDrops: true, rescales: [] }),
    /not both/,
  );
  assert.throws(
    () => meanFieldTrajectory({ ...base, rescales: [{ step: -1, k: 10 }] }),
    /not valid/,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deltaStarExact,
  deltaStarPaper,
  effectiveLr,
  rescaleFactor,
  weightNormStar,
  weightNormStarSq,
  weightNormStarSqLeading,
} from './equilibrium.js';
import { stepsAfterLrDrop, theoremRate } from './rates.js';
import { checkAssumptions } from './assumptions.js';
import { sgdNextNormSq, sgdStepAngle } from './one-step.js';

const rel = (a: number, b: number, tol: number): void =>
  assert.ok(Math.abs(a - b) <= tol * Math.abs(b), `${a} vs ${b} (rel tol ${tol})`);

test('Theorem 3 Δ* against the paper values (§3)', () => {
  rel(deltaStarPaper({ lr: 0.2, wd: 1e-4 }), 0.0063246, 1e-5);
  rel(deltaStarPaper({ lr: 0.2, wd: 1e-4, momentum: 0.9 }), 0.0045883, 1e-5);
  rel(deltaStarPaper({ lr: 0.1, wd: 1e-4, momentum: 0.9 }), 0.0032444, 1e-5);
});

test('exact Δ* = arccos(1 − λη/(1+α)) (§4), close to the paper value for small λη', () => {
  const p = { lr: 0.1, wd: 5e-4, momentum: 0.9 };
  rel(deltaStarExact(p), Math.acos(1 - (0.1 * 5e-4) / 1.9), 1e-9);
  rel(deltaStarExact(p), 0.0072548, 1e-4); // the doc's pre-drop value 0.00726
  rel(deltaStarExact({ lr: 0.01, wd: 5e-4, momentum: 0.9 }), 0.00229, 2e-3); // new Δ* after /10
  // Difference is O(λη): relative gap λη/(12(1+α)) to leading order.
  const gap = deltaStarExact(p) / deltaStarPaper(p) - 1;
  rel(gap, (0.1 * 5e-4) / (12 * 1.9), 1e-2);
  // Stable for tiny λη where 1 − x rounds.
  rel(deltaStarExact({ lr: 1e-6, wd: 1e-6 }), Math.sqrt(2e-12), 1e-9);
});

test('‖w*‖: exact (Theorem 2 / §4) and leading order (Theorem 1)', () => {
  // SGD, η = 0.2, λ = 1e-4, L = 1: leading w*⁴ = Lη/(2λ) = 1000.
  rel(weightNormStarSqLeading({ lr: 0.2, wd: 1e-4, L: 1 }), Math.sqrt(1000), 1e-12);
  // exact: Lη/(λ(2 − λη)) = 0.2/(1e-4·1.99998).
  rel(weightNormStarSq({ lr: 0.2, wd: 1e-4, L: 1 }), Math.sqrt(0.2 / (1e-4 * (2 - 2e-5))), 1e-12);
  // SGDM α = 0.9, η = 0.1, λ = 5e-4, L = 1: hand value 31.62298 (the doc's pre-drop ‖w‖²).
  rel(weightNormStarSq({ lr: 0.1, wd: 5e-4, momentum: 0.9, L: 1 }), 31.62298, 1e-6);
  rel(weightNormStarSq({ lr: 0.01, wd: 5e-4, momentum: 0.9, L: 1 }), 10.0, 1e-4);
  rel(weightNormStar({ lr: 0.1, wd: 5e-4, momentum: 0.9, L: 4 }), Math.sqrt(2 * 31.62298), 1e-6);
  assert.throws(
    () => weightNormStarSq({ lr: 0.1, wd: 0, L: 1 }),
    /weightNormStarSq: wd must be a number > 0, got 0/,
  );
  assert.throws(
    () => deltaStarPaper({ lr: 0.1, wd: 1e-4, momentum: 1 }),
    /momentum must be in \[0, 1\)/,
  );
});

test('rates, Corollary 3.1 and the rescaling factor', () => {
  rel(theoremRate({ lr: 0.1, wd: 1e-4 }), 1 - 2e-5, 1e-15);
  rel(theoremRate({ lr: 0.1, wd: 1e-4, momentum: 0.9 }), 1 - 2e-4, 1e-15);
  const r = stepsAfterLrDrop({ lr: 0.1, wd: 5e-4, momentum: 0.9, k: 10 });
  assert.equal(r.corollarySteps, Math.ceil((Math.log(10) * 0.1) / (2 * 5e-5))); // 2303
  assert.equal(r.corollarySteps, 2303);
  assert.equal(r.corollaryStepsNewLr, 23026);
  rel(r.normDecaySteps, 11513, 1e-4); // the doc's 11.5k
  rel(r.lrNew, 0.01, 1e-15);
  assert.equal(stepsAfterLrDrop({ lr: 0.1, wd: 1e-4, k: 10 }).corollarySteps, 115130);
  assert.throws(() => stepsAfterLrDrop({ lr: 0.1, wd: 1e-4, k: 1 }), /k must be a number > 1/);
  rel(rescaleFactor(10), 0.5623413, 1e-6);
  rel(rescaleFactor(16), 0.5, 1e-15);
  rel(effectiveLr(0.1, 4), 0.025, 1e-15);
});

test('checkAssumptions: each item holds, fails or is unknown', () => {
  const byId = (list: ReturnType<typeof checkAssumptions>) =>
    Object.fromEntries(list.map((c) => [c.id, c]));
  const a = byId(checkAssumptions({ lr: 0.1, wd: 1e-4, momentum: 0.9 }));
  assert.equal(a['lambda-eta-small'].holds, true);
  assert.equal(a['momentum-range'].holds, true);
  assert.equal(a['lambda-eta-momentum'].holds, true); // 1e-5 < (1−√0.9)² = 0.00263
  assert.equal(a['lower-bound-l'].holds, null);
  assert.equal(a['smoothness'].holds, null);
  assert.match(a['lambda-eta-momentum'].detail, /0\.002633/);

  const b = byId(
    checkAssumptions({
      lr: 1,
      wd: 0.02,
      momentum: 0.3,
      L: 1,
      l: 0.5,
      V: 0.01,
      Lseries: [1, 1.001, 1.5],
    }),
  );
  assert.equal(b['lambda-eta-small'].holds, false);
  assert.equal(b['momentum-range'].holds, false);
  assert.equal(b['lambda-eta-momentum'].holds, true); // 0.02 < (1−√0.3)² = 0.2046
  assert.equal(b['smoothness'].holds, false);
  assert.match(b['smoothness'].detail, /max \|ΔL\| = 0\.4990 at index 1/);
  // SGDM l bound: 2[6·0.02/(0.7³·1.3 − 8·0.02·0.7)]² = 2·(0.12/0.3339)² = 0.2583 → l = 0.5 holds.
  assert.equal(b['lower-bound-l'].holds, true);
  assert.match(b['lower-bound-l'].detail, /required > 0\.2583/);

  // SGD: l > 2[2λη/(1−2λη)]²L; with λη = 0.1: 2·(0.2/0.8)² = 0.125.
  const c = byId(checkAssumptions({ lr: 1, wd: 0.1, L: 1, l: 0.1, V: 1, Lseries: [1, 1.01] }));
  assert.equal(c['lower-bound-l'].holds, false);
  assert.match(c['lower-bound-l'].detail, /required > 0\.1250/);
  assert.equal(c['momentum-range'].holds, true);
  // smoothness limit 4·1·0.1^1.5 = 0.1265 > 0.01
  assert.equal(c['smoothness'].holds, true);
  // (1−√α)² bound fails for large α
  const d = byId(checkAssumptions({ lr: 0.1, wd: 1e-3, momentum: 0.99 }));
  assert.equal(d['lambda-eta-momentum'].holds, false); // 1e-4 > (1−√0.99)² = 2.5e-5
});

test('§6 one-step SGD identities, on an explicit vector', () => {
  // w = (3, 4, 0), g ⊥ w: g = (0, 0, 2). η = 0.1, λ = 0.01.
  const w = [3, 4, 0];
  const g = [0, 0, 2];
  const eta = 0.1;
  const lam = 0.01;
  const w1 = w.map((x, i) => x - eta * (g[i] + lam * x));
  const n1 = w1.reduce((s, x) => s + x * x, 0);
  const p = { lr: eta, wd: lam, normSq: 25, gradNormSq: 4 };
  rel(sgdNextNormSq(p), n1, 1e-14);
  rel(sgdNextNormSq(p), 0.999 ** 2 * 25 + 0.04, 1e-14);
  const cos = (w[0] * w1[0] + w[1] * w1[1]) / (5 * Math.sqrt(n1));
  rel(sgdStepAngle(p), Math.acos(cos), 1e-9);
  rel(Math.tan(sgdStepAngle(p)), (0.1 * 2) / (0.999 * 5), 1e-14);
});

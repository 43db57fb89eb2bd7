import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateScaleInvariant } from '../sim/scale-invariant.js';
import { deltaStarExact } from './equilibrium.js';
import { meanFieldFixedPoint } from './fixed-point.js';
import {
  equilibriumDelta,
  equilibriumNormSq,
  type EquilibriumOptimizer,
} from './optimizer-equilibrium.js';
import {
  DYNAMICS_OPTIMIZERS,
  optimizerDynamics,
  stepsToEquilibrium,
  type DynamicsHyper,
} from './optimizer-dynamics.js';
import type { MeanFieldState } from './types.js';

const rel = (a: number, b: number, tol: number, what: string): void =>
  assert.ok(Math.abs(a / b - 1) <= tol, `${what}: ${a} vs ${b} (rel tol ${tol})`);

const rmsOf = (x: ArrayLike<number>, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] ** 2;
  return Math.sqrt(s / (to - from));
};

test('fixed points agree with the closed forms of optimizer-equilibrium.ts', () => {
  for (const [h, lr] of [
    [{ optimizer: 'sgdm', wd: 5e-4, momentum: 0.9, L: 2 }, 0.1],
    [{ optimizer: 'nesterov', wd: 5e-4, momentum: 0.9, L: 2 }, 0.1],
    [{ optimizer: 'adamw', wd: 0.1, dim: 500 }, 1e-3],
    [{ optimizer: 'lion', wd: 1, dim: 500 }, 1e-4],
  ] as [DynamicsHyper & { optimizer: EquilibriumOptimizer }, number][]) {
    const dyn = optimizerDynamics(h);
    const eh = { optimizer: h.optimizer, lr, wd: h.wd, momentum: h.momentum };
    rel(dyn.deltaStar(lr), equilibriumDelta(eh), 5e-3, `${h.optimizer} Δ*`);
    rel(
      dyn.normStarSq(lr),
      equilibriumNormSq(eh, { L: h.L, dim: h.dim }),
      // the closed forms are the ηλ → 0 limits; Lion's 100-step correlation makes its ~1%
      1.5e-2,
      `${h.optimizer} ‖w*‖²`,
    );
  }
  const sgdm = optimizerDynamics({ optimizer: 'sgdm', wd: 5e-4, momentum: 0.9 });
  rel(sgdm.rescaleFactor(10), 10 ** -0.25, 1e-15, 'coupled rescale k^-1/4');
  rel(
    optimizerDynamics({ optimizer: 'adamw', wd: 0.1 }).rescaleFactor(10),
    10 ** -0.5,
    1e-15,
    'decoupled rescale k^-1/2',
  );
});

test('transient after η ÷ 10: the recurrences track the simulator (adamw, lion, nesterov)', () => {
  const cases: { h: DynamicsHyper; lr0: number; pre: number; post: number; windows: number[][] }[] =
    [
      {
        h: { optimizer: 'adamw', wd: 1, betas: [0.9, 0.99] },
        lr0: 1e-2,
        pre: 1500,
        post: 2000,
        windows: [
          [20, 120],
          [400, 600],
          [1500, 2000],
        ],
      },
      {
        h: { optimizer: 'lion', wd: 10 },
        lr0: 1e-3,
        pre: 1500,
        post: 2000,
        windows: [
          [20, 120],
          [400, 600],
          [1500, 2000],
        ],
      },
      {
        h: { optimizer: 'nesterov', wd: 0.05, momentum: 0.9 },
        lr0: 0.1,
        pre: 800,
        post: 800,
        windows: [
          [5, 40],
          [100, 200],
          [600, 800],
        ],
      },
    ];
  const d = 1000;
  for (const c of cases) {
    const dyn = optimizerDynamics({ ...c.h, dim: d, L: 1 });
    const lr = (t: number): number => (t < c.pre ? c.lr0 : c.lr0 / 10);
    const fp = dyn.fixedPoint(c.lr0);
    const sim = simulateScaleInvariant({
      d,
      steps: c.pre + c.post,
      seed: 17,
      optimizer:
        c.h.optimizer === 'nesterov' ? 'nesterov' : c.h.optimizer === 'lion' ? 'lion' : 'adamw',
      lr,
      wd: c.h.wd,
      momentum: c.h.momentum,
      beta1: c.h.betas?.[0],
      beta2: c.h.betas?.[1],
      initialNormSq: fp.a,
    });
    const pred = new Float64Array(c.post);
    let s: MeanFieldState = { ...fp };
    for (let t = 0; t < c.pre; t++) {
      const out = { a: 0, b: 0, c: 0 };
      dyn.step(s, c.lr0, out);
      s = out;
    }
    for (let t = 0; t < c.post; t++) {
      const out = { a: 0, b: 0, c: 0 };
      pred[t] = dyn.step(s, c.lr0 / 10, out);
      s = out;
    }
    const simPost = sim.deltaRad.subarray(c.pre);
    for (const [a, b] of c.windows) {
      rel(
        rmsOf(simPost, a, b),
        rmsOf(pred, a, b),
        0.05,
        `${c.h.optimizer} Δ RMS in steps ${a}–${b} after the drop`,
      );
    }
    // the drop first sends Δ to about Δ*_old/10 (η falls, ‖w‖ has not moved yet)
    assert.ok(pred[0] < 0.11 * dyn.deltaStar(c.lr0));
  }
});

test('stepsToEquilibrium: decoupled closed form (hand-computed) and the rescale fix', () => {
  // AdamW η 1e-2 → 1e-3, λ = 0.1: a_t − a* = (1−ηλ)^{2t}(a_0 − a*); Δ_t ≥ 0.95Δ* once
  // a_t ≤ a*/0.95², i.e. t = ln((a_0 − a*)/(a*(1/0.9025 − 1))) / (−2 ln(1 − 1e-4)).
  const dyn = optimizerDynamics({ optimizer: 'adamw', wd: 0.1, dim: 1000 });
  const from = dyn.fixedPoint(1e-2);
  const aStar = dyn.fixedPoint(1e-3).a;
  const hand = Math.log((from.a - aStar) / (aStar * (1 / 0.9025 - 1))) / (-2 * Math.log(1 - 1e-4));
  const r = stepsToEquilibrium(dyn, 1e-3, from, 5);
  // the recurrence adds Adam's √v lag (Δ runs ~5% high while ‖w‖ falls): a little later
  assert.ok(r.steps! >= hand && r.steps! < 1.1 * hand, `${r.steps} vs ${hand}`);
  assert.ok(Math.abs(hand - 22_067) < 1, `${hand}`);
  // rescaling w by k^{-1/2} lands on the new ‖w*‖, but Adam's v (β2 = 0.999) keeps the old
  // gradient scale: Δ overshoots for a few 1/(1−β2) — still 3× sooner than without
  const fixedR = stepsToEquilibrium(dyn, 1e-3, dyn.rescale(from, dyn.rescaleFactor(10)), 5);
  assert.ok(fixedR.steps! > 1000 && fixedR.steps! < r.steps! / 3, `${fixedR.steps}`);
  const lion = optimizerDynamics({ optimizer: 'lion', wd: 1, dim: 1000 });
  const lf = lion.fixedPoint(1e-3);
  assert.equal(
    stepsToEquilibrium(lion, 1e-4, lion.rescale(lf, lion.rescaleFactor(10)), 5).steps,
    0,
  );
  // SGDM: same search as §4's stepsToWithin (paper's setting)
  const sgdm = optimizerDynamics({ optimizer: 'sgdm', wd: 5e-4, momentum: 0.9 });
  const s0 = meanFieldFixedPoint({ lr: 0.1, wd: 5e-4, momentum: 0.9, L: 1 });
  const t = stepsToEquilibrium(sgdm, 0.01, s0, 5).steps!;
  assert.ok(t > 20_000 && t < 40_000, `sgdm re-equilibration ${t}`);
});

test('deltaStar(η) is step(fixedPoint(η), η) (sgd/sgdm/adamw/lion: simplified, to 1e-14) and normStarSq(η) is fixedPoint(η).a', () => {
  // computePrediction's per-step Δ* and ‖w*‖ series rely on it (one fixed point per η).
  for (const optimizer of DYNAMICS_OPTIMIZERS) {
    for (const L of [1, 7]) {
      const dyn = optimizerDynamics({
        optimizer,
        wd: 1e-3,
        momentum: optimizer === 'sgd' ? 0 : 0.9,
        L,
      });
      for (const lr of [1e-4, 3.7e-3, 0.05, 0.3, 30]) {
        const fp = dyn.fixedPoint(lr);
        const stepped = dyn.step(fp, lr, { a: 0, b: 0, c: 0 });
        const where = `${optimizer} L ${L} lr ${lr}`;
        if (optimizer === 'sgd' || optimizer === 'sgdm') {
          assert.ok(Math.abs(dyn.deltaStar(lr) / stepped - 1) < 1e-14, where);
          const exact = deltaStarExact({ lr, wd: 1e-3, momentum: optimizer === 'sgd' ? 0 : 0.9 });
          assert.ok(Math.abs(dyn.deltaStar(lr) / exact - 1) < 2e-15, where);
        } else if (optimizer === 'adamw' || optimizer === 'lion') {
          assert.ok(Math.abs(dyn.deltaStar(lr) / stepped - 1) < 1e-14, where);
        } else assert.equal(dyn.deltaStar(lr), stepped, where);
        assert.equal(dyn.normStarSq(lr), fp.a, where);
        assert.ok(dyn.deltaStar(lr) > 0, where);
      }
    }
  }
});

test('adamw/lion step: Δ is atan2(η√(ua − r²), xa − ηr), r = −c/x, the form without the division by x, for ηλ < 1 and ηλ > 1', () => {
  // the step forms atan2(η√(ux²a − c²), ±(x²a + ηc)) (both sides times |x|): same angle, the
  // quadrant kept by the sign of x = 1 − ηλ (ηλ > 1 turns w past 90°)
  for (const optimizer of ['adamw', 'lion'] as const) {
    const dyn = optimizerDynamics({ optimizer, wd: 0.1 });
    for (const lr of [1e-4, 3e-2, 5, 25]) {
      const x = 1 - lr * 0.1;
      for (const s of [
        dyn.fixedPoint(Math.min(lr, 1)),
        { a: 3, b: 0.2, c: -0.5 },
        { a: 0.7, b: 2, c: 0.9 },
      ]) {
        const out = { a: 0, b: 0, c: 0 };
        const got = dyn.step(s, lr, out);
        const nb = optimizer === 'lion' ? 0 : s.b > 0 ? 0.999 * s.b + 0.001 / s.a : 1 / s.a;
        const u = optimizer === 'lion' ? 576 : (576 * 0.1) / 1.9 / (s.a * nb);
        const r = -s.c / x;
        const want = Math.atan2(lr * Math.sqrt(Math.max(0, u * s.a - r * r)), x * s.a - lr * r);
        const where = `${optimizer} lr ${lr} ${JSON.stringify(s)}`;
        assert.ok(got === want || Math.abs(got / want - 1) < 1e-14, `${where}: ${got} vs ${want}`);
      }
    }
  }
});

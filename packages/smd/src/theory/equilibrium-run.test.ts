import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lrSeries, parseSchedule } from '@smd/engine/schedule';
import { DYNAMICS_OPTIMIZERS, optimizerDynamics } from './optimizer-dynamics.js';
import { CHUNK } from './loop-chunks.js';

/** Two chunk boundaries of the loops (loop-chunks.ts) inside the constant tail. */
const STEPS = 2 * CHUNK + 3000;

test('equilibria equals deltaStar and √normStarSq step by step bitwise: every optimizer', () => {
  for (const optimizer of DYNAMICS_OPTIMIZERS) {
    const decoupled = optimizer === 'adamw' || optimizer === 'lion' || optimizer === 'adamp';
    const betaSets: ([number, number] | undefined)[] = decoupled
      ? [undefined, [0.95, 0.98], [0.99, 0.999]]
      : [undefined];
    for (const betas of betaSets) {
      const dyn = optimizerDynamics({
        optimizer,
        wd: decoupled ? 0.1 : 5e-3,
        momentum: optimizer === 'sgd' ? 0 : 0.9,
        betas,
        L: 2,
      });
      const base = decoupled ? 3e-3 : 0.3;
      // warmup from 0 (η = 0 at step 0), cosine (a new η every step), then a constant tail
      const lr = lrSeries(parseSchedule('warmup:3:0:cosine', 1000, STEPS), base, STEPS);
      lr.fill(lr[2500], 2500);
      const deltaStar = new Float64Array(STEPS).fill(-1);
      const normStar = new Float64Array(STEPS).fill(-1);
      dyn.equilibria(lr, 0, 1234, deltaStar, normStar); // in pieces, as per span
      dyn.equilibria(lr, 1234, CHUNK + 777, deltaStar, normStar);
      dyn.equilibria(lr, CHUNK + 777, STEPS, deltaStar, normStar);
      const where = `${optimizer} betas ${betas ?? 'default'}`;
      assert.equal(lr[0], 0);
      assert.equal(deltaStar[0], 0, where);
      assert.equal(normStar[0], 0, where);
      for (let t = 1; t < STEPS; t++) {
        assert.equal(deltaStar[t], dyn.deltaStar(lr[t]), `Δ* at step ${t}: ${where}`);
        assert.equal(normStar[t], Math.sqrt(dyn.normStarSq(lr[t])), `‖w*‖ at ${t}: ${where}`);
      }
      assert.ok(deltaStar[1] > 0 && deltaStar[1] < deltaStar[3000 - 1] * 100, where);
    }
  }
});

test('equilibria: Δ* follows the leading-order value where ηλ is small (cosine, sgdm and lion)', () => {
  for (const [optimizer, wd, base] of [
    ['sgdm', 5e-4, 0.1],
    ['lion', 0.1, 1e-4],
  ] as const) {
    const dyn = optimizerDynamics({ optimizer, wd, momentum: 0.9 });
    const lr = lrSeries(parseSchedule('cosine', 100, 1000), base, 1000);
    const d = new Float64Array(1000);
    const w = new Float64Array(1000);
    dyn.equilibria(lr, 0, 1000, d, w);
    for (const t of [0, 400, 990])
      assert.ok(Math.abs(d[t] / dyn.deltaStarLeading(lr[t]) - 1) < 1e-3, `${optimizer} ${t}`);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lrSeries, parseSchedule } from '@smd/engine/schedule';
import {
  DYNAMICS_OPTIMIZERS,
  optimizerDynamics,
  type OptimizerDynamics,
} from './optimizer-dynamics.js';
import type { MeanFieldState } from './types.js';
import { CHUNK } from './loop-chunks.js';

/** The spec: one `step` call per step, two state records. */
function stepByStep(
  dyn: OptimizerDynamics,
  from: MeanFieldState,
  lr: Float64Array,
): { delta: Float64Array; norm: Float64Array; end: MeanFieldState } {
  const delta = new Float64Array(lr.length);
  const norm = new Float64Array(lr.length);
  let cur = { ...from };
  let next = { a: 0, b: 0, c: 0 };
  for (let t = 0; t < lr.length; t++) {
    norm[t] = Math.sqrt(cur.a);
    delta[t] = dyn.step(cur, lr[t], next);
    [cur, next] = [next, cur];
  }
  return { delta, norm, end: cur };
}

/** Two chunk boundaries of the loops (loop-chunks.ts) and then some. */
const STEPS = 2 * CHUNK + 3000;
const SCHEDULES = ['constant', 'multistep:20,40:0.1', 'warmup:5:0:cosine', 'step:10:0.5'];

test('run equals step by step bitwise: every optimizer, schedule and start (incl. the fixed point)', () => {
  let held = 0;
  for (const optimizer of DYNAMICS_OPTIMIZERS) {
    const dyn = optimizerDynamics({
      optimizer,
      wd: optimizer === 'adamw' || optimizer === 'lion' ? 0.1 : 5e-3,
      momentum: 0.9,
      L: 2,
    });
    const base =
      optimizer === 'adamw' || optimizer === 'lion' || optimizer === 'adamp' ? 3e-3 : 0.3;
    for (const text of SCHEDULES) {
      const lr = lrSeries(parseSchedule(text, 100, STEPS), base, STEPS);
      const starts = [{ a: 9, b: 0, c: 0 }, dyn.fixedPoint(base)];
      for (const from of starts) {
        const want = stepByStep(dyn, from, lr);
        const s = { ...from };
        const delta = new Float64Array(STEPS);
        const norm = new Float64Array(STEPS);
        // in pieces, as runPhased calls it per span (off the chunk grid)
        dyn.run(s, lr, 0, 2345, delta, norm);
        dyn.run(s, lr, 2345, CHUNK + 777, delta, norm);
        dyn.run(s, lr, CHUNK + 777, STEPS, delta, norm);
        const where = `${optimizer} ${text} from a = ${from.a}`;
        assert.deepEqual(delta, want.delta, `Δ: ${where}`);
        assert.deepEqual(norm, want.norm, `‖w‖: ${where}`);
        assert.deepEqual(s, want.end, `end state: ${where}`);
        assert.ok(
          delta.every((d, t) => (lr[t] > 0 ? d > 0 : d === 0) && d < 0.5),
          where,
        );
        for (let t = 1; t < STEPS; t++)
          if (lr[t] === lr[t - 1] && delta[t] === delta[t - 1]) held++;
      }
    }
  }
  // The fixed-point shortcut was exercised (constant stretches that reached a bitwise fixed point).
  assert.ok(held > 10_000, `only ${held} repeated steps`);
});

test('runPair then run equals two runs bitwise, stopping where either state is a fixed point', () => {
  for (const optimizer of ['sgd', 'sgdm'] as const) {
    const dyn = optimizerDynamics({ optimizer, wd: 5e-3, momentum: 0.9, L: 2 });
    const lr = lrSeries(parseSchedule('multistep:20,40:0.1', 100, STEPS), 0.3, STEPS);
    const stops: number[] = [];
    for (const [x, y] of [
      [
        { a: 9, b: 0, c: 0 },
        { a: 0.5, b: 0, c: 0 },
      ],
      [{ a: 9, b: 0, c: 0 }, dyn.fixedPoint(0.3)],
    ]) {
      const one = (s: MeanFieldState) => {
        const out = {
          deltaRad: new Float64Array(STEPS),
          norm: new Float64Array(STEPS),
          s: { ...s },
        };
        dyn.run(out.s, lr, 0, STEPS, out.deltaRad, out.norm);
        return out;
      };
      const [wx, wy] = [one(x), one(y)];
      const gx = { deltaRad: new Float64Array(STEPS), norm: new Float64Array(STEPS), s: { ...x } };
      const gy = { deltaRad: new Float64Array(STEPS), norm: new Float64Array(STEPS), s: { ...y } };
      let t = 0;
      while (t < STEPS) {
        const from = dyn.runPair!(gx.s, gy.s, lr, t, STEPS, gx, gy);
        stops.push(from);
        // finish the stretch of equal η on its own, as runBothModes finishes a span
        let u = from + 1;
        while (u < STEPS && lr[u] === lr[from]) u++;
        dyn.run(gx.s, lr, from, Math.min(u, STEPS), gx.deltaRad, gx.norm);
        dyn.run(gy.s, lr, from, Math.min(u, STEPS), gy.deltaRad, gy.norm);
        t = Math.min(u, STEPS);
      }
      assert.deepEqual(gx, wx, optimizer);
      assert.deepEqual(gy, wy, optimizer);
    }
    // it ran in lockstep somewhere and stopped early somewhere (at a fixed point)
    assert.ok(stops.some((s) => s > 0) && stops.some((s) => s < STEPS), stops.join(' '));
  }
});

test("Lion's κ memo: another λ, other betas and the equilibria after a run still equal the spec", () => {
  const lr = lrSeries(parseSchedule('warmup:5:0:cosine', 100, STEPS), 1e-3, STEPS);
  // r_0·ε runs from 0 to 0.01 (λ 0.1) and 0.02 (λ 0.2): both sides of S's short case (r_0·ε ≤
  // 5.6e-3), which the recurrence's loop writes out
  // the same λ and lr give the same x at every step: only the betas tell these memo entries apart
  const cases: [number, [number, number]][] = [
    [0.1, [0.9, 0.99]],
    [0.2, [0.9, 0.99]], // a different x at every step: recomputed
    [0.1, [0.95, 0.98]], // the same x as the first, other betas: the memo starts over
    [0.1, [0.9, 0.99]],
  ];
  for (const [wd, betas] of cases) {
    const dyn = optimizerDynamics({ optimizer: 'lion', wd, betas });
    const from = dyn.fixedPoint(lr[1]);
    const want = stepByStep(dyn, from, lr);
    const s = { ...from };
    const delta = new Float64Array(STEPS);
    const norm = new Float64Array(STEPS);
    dyn.run(s, lr, 0, STEPS, delta, norm);
    const where = `lion λ ${wd} betas ${betas}`;
    assert.deepEqual(delta, want.delta, where);
    assert.deepEqual(s, want.end, where);
    const deltaStar = new Float64Array(STEPS);
    const normStar = new Float64Array(STEPS);
    dyn.equilibria(lr, 0, STEPS, deltaStar, normStar); // the run filled the memo: every κ read back
    for (let t = 1; t < STEPS; t += 7) assert.equal(deltaStar[t], dyn.deltaStar(lr[t]), where);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanFieldTrajectory, optimizerDynamics } from '@smd/smd';
import { parseSchedule, lrSeries } from '@smd/engine/schedule';
import { runPhased } from './phase-trajectory.js';

test('runPhased equals one meanFieldTrajectory call, with and without rescaling at drops', () => {
  const steps = 3000;
  const schedule = parseSchedule('multistep:10,20:0.1', 100, steps);
  const lr = lrSeries(schedule, 0.5, steps);
  const spans = [
    { start: 0, end: 1000, dropRatio: null },
    { start: 1000, end: 2000, dropRatio: 10 },
    { start: 2000, end: 3000, dropRatio: 10 },
  ];
  for (const rescale of [false, true]) {
    const ref = meanFieldTrajectory({
      steps,
      schedule,
      baseLr: 0.5,
      wd: 5e-4,
      momentum: 0.9,
      L: 2,
      initialNormSq: 9,
      rescaleAtDrops: rescale,
    });
    const got = runPhased({
      lr,
      dynamics: optimizerDynamics({ optimizer: 'sgdm', wd: 5e-4, momentum: 0.9, L: 2 }),
      initialState: { a: 9, b: 0, c: 0 },
      spans,
      rescale,
    });
    for (let t = 0; t < steps; t++) {
      assert.ok(Math.abs(got.deltaRad[t] / ref.deltaRad[t] - 1) < 1e-12, `Δ at ${t}`);
      assert.ok(Math.abs(got.norm[t] ** 2 / ref.normSq[t] - 1) < 1e-12, `‖w‖² at ${t}`);
    }
    assert.deepEqual(
      got.rescaleFactors.map((f) => f.toFixed(6)),
      rescale ? ['1.000000', '0.562341', '0.562341'] : ['1.000000', '1.000000', '1.000000'],
    );
    // The last span ends in the same state as the single run.
    assert.ok(Math.abs(got.normEnd[2] ** 2 / ref.finalState.a - 1) < 1e-12);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedule } from '@smd/engine/schedule';
import { computePrediction, type PredictionInput } from './prediction.js';

function input(schedule: string, over: Partial<PredictionInput> = {}): PredictionInput {
  return {
    lr: 0.1,
    wd: 5e-4,
    momentum: 0.9,
    schedule,
    scheduleSpec: parseSchedule(schedule, 100, 5000),
    stepsPerEpoch: 100,
    totalSteps: 5000,
    L: 1,
    w0: null,
    tolerance: 0.05,
    rescale: false,
    ...over,
  };
}

test('computePrediction with `reuse` overwrites the old arrays and gives the fresh numbers', () => {
  const cases: [PredictionInput, PredictionInput][] = [
    [input('multistep:10,30:0.1'), input('multistep:20,40:0.2', { wd: 1e-3, rescale: true })],
    [input('warmup:5:0:cosine', { rescale: true }), input('multistep:10,30:0.1')],
    [
      input('constant', { optimizer: 'lion', lr: 1e-4, wd: 0.1, momentum: 0 }),
      input('warmup:2:0:cosine', { optimizer: 'adamw', lr: 1e-3, wd: 0.1, momentum: 0 }),
    ],
  ];
  // every distinct array of a prediction (the two modes share theirs where they never part)
  const arraysOf = (p: ReturnType<typeof computePrediction>): Set<Float64Array> =>
    new Set([
      p.trajectory.lr,
      p.trajectory.deltaRad,
      p.trajectory.norm,
      p.otherTrajectory.deltaRad,
      p.otherTrajectory.norm,
      p.deltaStarSeries,
      p.normStarSeries,
    ]);
  for (const [a, b] of cases) {
    const old = computePrediction(a, { maxSearchSteps: 0 });
    const before = arraysOf(old);
    const fresh = computePrediction(b, { maxSearchSteps: 0 });
    const reused = computePrediction(b, { maxSearchSteps: 0, reuse: old });
    assert.deepEqual(reused, fresh, `${a.schedule} → ${b.schedule}`);
    const now = arraysOf(reused);
    for (const arr of before)
      assert.ok(now.has(arr), `${a.schedule} → ${b.schedule}: an array was not reused`);
  }
  // no lr drop: the modes never part and share their arrays; with drops they do not
  const cosine = computePrediction(input('warmup:5:0:cosine'), { maxSearchSteps: 0 });
  assert.equal(cosine.trajectory.deltaRad, cosine.otherTrajectory.deltaRad);
  assert.equal(cosine.trajectory.norm, cosine.otherTrajectory.norm);
  const steps = computePrediction(input('multistep:10,30:0.1'), { maxSearchSteps: 0 });
  assert.notEqual(steps.trajectory.deltaRad, steps.otherTrajectory.deltaRad);
  assert.notEqual(steps.trajectory.norm, steps.otherTrajectory.norm);
  // A different step count allocates.
  const small = computePrediction({ ...input('constant'), totalSteps: 100 }, { maxSearchSteps: 0 });
  const big = computePrediction(input('constant'), { maxSearchSteps: 0, reuse: small });
  assert.equal(big.trajectory.deltaRad.length, 5000);
});

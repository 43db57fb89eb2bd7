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
  for (const [a, b] of cases) {
    const old = computePrediction(a, { maxSearchSteps: 0 });
    const arrays = [
      old.trajectory.lr,
      old.trajectory.deltaRad,
      old.otherTrajectory.norm,
      old.deltaStarSeries,
      old.normStarSeries,
    ];
    const fresh = computePrediction(b, { maxSearchSteps: 0 });
    const reused = computePrediction(b, { maxSearchSteps: 0, reuse: old });
    assert.deepEqual(reused, fresh, `${a.schedule} → ${b.schedule}`);
    const now = [
      reused.trajectory.lr,
      reused.options.rescale === a.rescale
        ? reused.trajectory.deltaRad
        : reused.otherTrajectory.deltaRad,
      reused.options.rescale === a.rescale ? reused.otherTrajectory.norm : reused.trajectory.norm,
      reused.deltaStarSeries,
      reused.normStarSeries,
    ];
    now.forEach((arr, i) => assert.equal(arr, arrays[i], `array ${i} was not reused`));
  }
  // A different step count allocates.
  const small = computePrediction({ ...input('constant'), totalSteps: 100 }, { maxSearchSteps: 0 });
  const big = computePrediction(input('constant'), { maxSearchSteps: 0, reuse: small });
  assert.equal(big.trajectory.deltaRad.length, 5000);
});

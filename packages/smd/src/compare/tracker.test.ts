import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ParamMeasurement } from '../probe/smd-probe.js';
import { predictedDeltaStar } from '../probe/predict.js';
import { SmdTracker } from './tracker.js';

/** A measurement with Δ and ‖w‖ set, the rest filler. */
function meas(
  step: number,
  lr: number,
  deltaRad: number,
  norm: number,
  predictable = true,
): ParamMeasurement {
  const hyper = { lr, weightDecay: 5e-4, momentum: 0.9, predictable };
  return {
    param: 'w',
    step,
    hyper,
    noWeightDecay: false,
    stats: {
      norm,
      normNext: norm,
      deltaRad,
      gradSqNorm: 1,
      unitGradSqNorm: norm * norm,
      hTilde: norm * norm,
      vDotG: 0,
      radialCos: 0,
      lrEffective: lr / (norm * norm),
      updateRms: NaN,
    },
    lWindow: 1,
    deltaStar: predictedDeltaStar(hyper),
    wStar: 10,
    channels: null,
    channelLWindow: null,
    channelWStar: null,
  };
}

test('SmdTracker: windowed RMS of Δ, lr drops registered with their factor', () => {
  const tr = new SmdTracker({ windowSteps: 100, every: 2 });
  const star = predictedDeltaStar({ lr: 0.1, weightDecay: 5e-4, momentum: 0.9 });
  for (let t = 0; t < 6000; t += 2) tr.push([meas(t, 0.1, star * (t % 4 === 0 ? 0.98 : 1.02), 10)]);
  const eq = tr.compare('w', true);
  assert.equal(eq.verdict, 'equilibrium', eq.summary);
  // RMS over a window of 50 samples of ±2%: √((0.98² + 1.02²)/2)
  assert.ok(Math.abs(eq.deltaRatio - Math.sqrt(1.0004)) < 1e-12, String(eq.deltaRatio));
  assert.equal(eq.from, 5998 - 99);
  assert.equal(eq.stepsSinceLrChange, 5998);
  // a 2% wobble of η is not a change; a drop by 10 is
  tr.push([meas(6000, 0.098, star, 10)]);
  assert.equal(tr.stepsSinceLrChange('w'), 6000);
  for (let t = 6002; t < 7000; t += 2) tr.push([meas(t, 0.01, star / 10, 10)]);
  const c = tr.compare('w', true);
  assert.equal(c.verdict, 'transient');
  // lr is held between samples, so the drop registers at the first step logged with 0.01
  assert.equal(c.stepsSinceLrChange, 7000 - 2 - 6002);
  assert.ok(c.relaxationSteps > 20_000, 'k = 10 used for the relaxation time');
  assert.ok(c.conditions.includes('delta_below_prediction'));
  assert.deepEqual(tr.params, ['w']);
  assert.throws(() => tr.compare('nope', true), /no measurements of 'nope'/);
});

test('SmdTracker passes the optimizer coverage on', () => {
  const tr = new SmdTracker();
  tr.push([meas(0, 1e-3, 1e-3, 5, false)]);
  assert.equal(tr.compare('w', true).verdict, 'optimizer_not_covered');
});

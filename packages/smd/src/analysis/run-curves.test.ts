import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deltaStarExact } from '../theory/equilibrium.js';
import { deltaStarPerStep, lastLrChange, runDeltaCurve } from './run-curves.js';
import { lrPerStep } from './windows.js';

test('run-wide Δ starts at Δ* and drops to ≈ Δ*_old/k after η ÷ 10; the rescaling trick skips the transient', () => {
  const lr = lrPerStep(20_000, { steps: [0, 10_000], values: [0.1, 0.01] }, NaN);
  const dsOld = deltaStarExact({ lr: 0.1, wd: 5e-4, momentum: 0.9 });
  const dsNew = deltaStarExact({ lr: 0.01, wd: 5e-4, momentum: 0.9 });
  const d = runDeltaCurve(lr, 5e-4, 0.9, false)!;
  assert.ok(Math.abs(d[0] / dsOld - 1) < 1e-6);
  assert.ok(Math.abs(d[10_000] / (dsOld / 10) - 1) < 0.05, String(d[10_000]));
  assert.ok(d[19_999] > d[10_001] && d[19_999] < dsNew);
  assert.equal(deltaStarPerStep(lr, 5e-4, 0.9)[15_000], dsNew);
  assert.ok(Number.isNaN(deltaStarPerStep(lr, 0, 0.9)[0]));
  assert.deepEqual(lastLrChange(lr), { step: 10_000, factor: 10 });
  const r = runDeltaCurve(lr, 5e-4, 0.9, true)!;
  assert.ok(Math.abs(r[10_500] / dsNew - 1) < 0.05, String(r[10_500] / dsNew));
  assert.equal(runDeltaCurve(lr, 0, 0.9, false), null);
  assert.equal(runDeltaCurve(new Float64Array(10).fill(1e30), 5e-4, 0.9, false), null);
});

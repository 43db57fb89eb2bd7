import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempRoot } from '@smd/test-support/runs';
import { MetricStore } from './metric-store.js';

test('coarseAbove: a range longer than the bound is answered by ≤ cap index samples (real rows, first and last kept), a shorter one exactly', () => {
  const t = tempRoot('smd-queries-');
  const s = MetricStore.open(join(t.root, 'metrics.sqlite'), { maxPendingRows: 1e6 });
  try {
    // 5000 rows with gaps in the steps (row index ≠ step), a NaN, on a scalar and a probe
    const steps: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const step = 7 * i + (i % 3);
      steps.push(step);
      const v = i === 1234 ? NaN : Math.sin(i / 50) + i * 1e-4;
      s.logScalar(step, 'loss', v);
      s.logProbe({ step, param: 'w', metric: 'norm', value: 2 * v });
      s.endStep(step);
    }
    s.flush();
    const full = s.readScalars('loss');
    const at = new Map([...full.steps].map((st, i) => [st, full.values[i]]));
    for (const [from, to] of [
      [0, 1e9],
      [100, 20_000],
    ]) {
      const q = { fromStep: from, toStep: to, maxPoints: 50 };
      const exact = s.readScalars('loss', q);
      assert.equal(exact.coarse, undefined);
      // a bound above the range's row count: the exact down-sampling, unchanged
      assert.deepEqual(s.readScalars('loss', { ...q, coarseAbove: 5000 }), exact);
      const c = s.readScalars('loss', { ...q, coarseAbove: 100 });
      assert.equal(c.coarse, true);
      assert.ok(c.steps.length <= 50 && c.steps.length >= 45, `${c.steps.length} samples`);
      const inRange = steps.filter((st) => st >= from && st <= to);
      assert.equal(c.steps[0], inRange[0]);
      assert.equal(c.steps[c.steps.length - 1], inRange[inRange.length - 1]);
      for (let i = 0; i < c.steps.length; i++) {
        if (i > 0) assert.ok(c.steps[i] > c.steps[i - 1]);
        assert.ok(Object.is(c.values[i], at.get(c.steps[i])), `row at step ${c.steps[i]}`);
      }
      // samples are spread over the range: no gap wider than twice the even spacing
      const gap = (inRange[inRange.length - 1] - inRange[0]) / 49;
      for (let i = 1; i < c.steps.length; i++) assert.ok(c.steps[i] - c.steps[i - 1] <= 2 * gap);
      const p = s.readProbe('w', 'norm', { ...q, coarseAbove: 100 });
      assert.deepEqual([...p.steps], [...c.steps]);
      assert.ok([...p.values].every((v, i) => Object.is(v, 2 * c.values[i])));
    }
    assert.deepEqual(
      [...s.readScalars('loss', { fromStep: 8, toStep: 8, maxPoints: 9, coarseAbove: 9 }).steps],
      [8],
    );
    assert.throws(() => s.readScalars('loss', { maxPoints: 50, coarseAbove: 10 }), /coarseAbove/);
  } finally {
    s.close();
    t.done();
  }
});

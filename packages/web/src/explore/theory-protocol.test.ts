import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePrediction } from '@smd/smd/predict';
import { DEFAULT_THEORY, predictionInput, type TheoryState } from './theory-state.js';
import { transferList } from './theory-protocol.js';

/** A view's prediction at 2,000 steps (the explorer's, minus its searches). */
function predict(over: Partial<TheoryState>) {
  const input = predictionInput({ ...DEFAULT_THEORY, epochs: 20, stepsPerEpoch: 100, ...over });
  if (typeof input === 'string') throw new Error(input);
  return computePrediction(input, { maxSearchSteps: 0 });
}

test('a prediction moves to a worker and back by transfer: every buffer once, sharing kept', () => {
  // multistep with drops at epochs 5 and 10 (the modes part there), cosine (they never part)
  for (const over of [{ milestones: [5, 10] }, { decay: 'cosine' as const, warmup: 2 }]) {
    const p = predict(over);
    const buffers = transferList(p);
    const arrays = [
      p.trajectory.lr,
      p.trajectory.deltaRad,
      p.trajectory.norm,
      p.otherTrajectory.lr,
      p.otherTrajectory.deltaRad,
      p.otherTrajectory.norm,
      p.deltaStarSeries,
      p.normStarSeries,
    ];
    // exactly the distinct buffers of the per-step arrays (the two modes share until a drop)
    assert.deepEqual(new Set(buffers), new Set(arrays.map((a) => a.buffer)), JSON.stringify(over));
    assert.equal(new Set(buffers).size, buffers.length);
    const copy = structuredClone(p);
    const moved = structuredClone(p, { transfer: buffers });
    assert.deepEqual(moved, copy);
    assert.ok(
      arrays.every((a) => a.length === 0),
      'the sender keeps detached arrays',
    );
    assert.equal(moved.trajectory.lr === moved.otherTrajectory.lr, true);
    assert.equal(moved.trajectory.deltaRad === moved.otherTrajectory.deltaRad, 'decay' in over);
    // and it serves as the next prediction's `reuse`: its arrays are overwritten, not reallocated
    const input = predictionInput({ ...DEFAULT_THEORY, epochs: 20, stepsPerEpoch: 100, wd: 2e-4 });
    if (typeof input === 'string') throw new Error(input);
    const next = computePrediction(input, { maxSearchSteps: 0, reuse: moved });
    assert.equal(next.deltaStarSeries, moved.deltaStarSeries);
    assert.deepEqual(next, predict({ wd: 2e-4 }));
  }
});

test('transferList: nested typed arrays, views of one buffer once, other values ignored', () => {
  const shared = new Float64Array(8);
  const v = { a: shared, b: [shared.subarray(2), new Uint8Array(3)], c: 'x', d: null, e: 1 };
  const list = transferList(v);
  assert.equal(list.length, 2);
  assert.ok(list.includes(shared.buffer as ArrayBuffer));
  assert.deepEqual(transferList([1, 'a', { x: {} }]), []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lPerStep, lrPerStep, lrSegmentStarts, PrefixSums } from './windows.js';
import { LayerWindows } from './layer-prediction.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('lrPerStep holds logged values; lrSegmentStarts splits at jumps, not at smooth drift', () => {
  const lr = lrPerStep(6, { steps: [0, 3], values: [0.1, 0.01] }, 0.5);
  assert.deepEqual(Array.from(lr), [0.1, 0.1, 0.1, 0.01, 0.01, 0.01]);
  assert.deepEqual(lrSegmentStarts(lr), [0, 3]);
  const cosine = Float64Array.from(
    range(100),
    (t) => (0.1 * (1 + Math.cos((Math.PI * t) / 200))) / 2,
  );
  assert.deepEqual(lrSegmentStarts(cosine), [0]);
  assert.deepEqual(Array.from(lrPerStep(3, { steps: [], values: [] }, 0.5)), [0.5, 0.5, 0.5]);
});

test('lPerStep: a centred window segmented at the lr change does not straddle it', () => {
  // L = 1 before step 100, 4 from step 100 (e.g. h̃ jumps at an lr drop).
  const s = { steps: range(200), values: range(200).map((t) => (t < 100 ? 1 : 4)) };
  const seg = lPerStep(s, 200, 40, [0, 100], 'centred')!;
  const flat = lPerStep(s, 200, 40, [0], 'centred')!;
  for (const t of [0, 50, 99]) assert.equal(seg[t], 1);
  for (const t of [100, 150, 199]) assert.equal(seg[t], 4);
  // Unsegmented: the window around the change mixes both levels (20 of each at t = 100).
  assert.equal(flat[100], 2.5);
  assert.equal(flat[90], (10 * 1 + 10 * 4 + 20 * 1) / 40);
  // Trailing: the window ends at t.
  const tr = lPerStep(s, 200, 40, [0], 'trailing')!;
  assert.equal(tr[119], (20 * 1 + 20 * 4) / 40);
  assert.equal(tr[139], 4);
});

test('lPerStep: sampled every 5th step, gaps hold the last estimate; null without a positive mean', () => {
  const s = { steps: [0, 5, 10, 15], values: [2, 2, 2, 2] };
  const L = lPerStep(s, 20, 10, [0], 'centred')!;
  assert.ok(L.every((x) => x === 2));
  assert.equal(lPerStep({ steps: [0, 1], values: [0, -1] }, 2, 2, [0], 'centred'), null);
});

test('window RMS vs mean: the comparison uses the RMS of Δ', () => {
  const delta = { steps: range(4), values: [1, 3, 1, 3] };
  const ps = new PrefixSums(delta);
  assert.deepEqual(ps.stats(0, 3), { mean: 2, rms: Math.sqrt(5), n: 4 });
  assert.deepEqual(ps.stats(1, 1), { mean: 3, rms: 3, n: 1 });
  const pred = new Float64Array([2, 2, 2, 2]);
  const star = new Float64Array([2, 2, 2, 2]);
  const c = new LayerWindows('w', delta, pred, star).compare(0, 3);
  assert.equal(c.deltaMean, 2);
  assert.equal(c.deltaRms, Math.sqrt(5));
  assert.equal(c.predictedError, Math.sqrt(5) / 2 - 1);
});

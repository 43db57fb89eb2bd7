import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  earlyBlockSteps,
  lPerStep,
  lrPerStep,
  lrSegmentStarts,
  momentumDelivered,
  PrefixSums,
} from './windows.js';
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

test('lPerStep: block windows segmented at the lr change do not straddle it', () => {
  // L = 1 before step 110, 4 from step 110 (e.g. h̃ jumps at an lr drop).
  const s = { steps: range(200), values: range(200).map((t) => (t < 110 ? 1 : 4)) };
  const seg = lPerStep(s, 200, 40, [0, 110], 'block')!;
  const flat = lPerStep(s, 200, 40, [0], 'block')!;
  for (const t of [0, 50, 109]) assert.equal(seg[t], 1);
  for (const t of [110, 150, 199]) assert.equal(seg[t], 4);
  // Unsegmented: the grid block [80, 119] holding the change mixes both levels.
  assert.equal(flat[100], (30 * 1 + 10 * 4) / 40);
  assert.equal(flat[79], 1);
  assert.equal(flat[120], 4);
  // The first W steps of a segment use finer blocks (earlyBlockSteps).
  const ramp = { steps: range(100), values: range(100).map((t) => t) };
  const fine = lPerStep(ramp, 100, 40, [0], 'block', 10)!;
  assert.deepEqual([fine[0], fine[9], fine[10], fine[39], fine[40]], [4.5, 4.5, 14.5, 34.5, 59.5]);
  assert.equal(earlyBlockSteps(200, 0.9), 10);
  assert.equal(earlyBlockSteps(200, 0.99), 100);
  assert.equal(earlyBlockSteps(200, 0), 10);
  // Trailing: the window ends at t.
  const tr = lPerStep(s, 200, 40, [0], 'trailing')!;
  assert.equal(tr[119], (30 * 1 + 10 * 4) / 40);
  assert.equal(tr[149], 4);
});

test('lPerStep: the grid block that holds the end of a segment early phase leaves those steps out', () => {
  // Segment from 110, W = 40, early blocks of 10 cover 110..149; then the grid block [120, 159]
  // drives only 150..159, from those steps alone (the early steps had their own blocks).
  const s = { steps: range(200), values: range(200).map((t) => (t < 150 ? 1 : 3)) };
  const L = lPerStep(s, 200, 40, [0, 110], 'block', 10)!;
  assert.equal(L[149], 1);
  assert.equal(L[150], 3);
  assert.equal(L[159], 3);
  assert.equal(L[160], 3);
});

test('momentumDelivered: a spike in the last step of a block is delivered mostly in the next', () => {
  const a = 0.9;
  const x = { steps: range(400), values: range(400).map((t) => (t === 79 ? 1 : 0)) };
  const u = momentumDelivered(x, a);
  // Energy is conserved (the geometric tail after step 399 is 0.81^321 ≈ 0).
  assert.ok(Math.abs(Array.from(u.values).reduce((p, v) => p + v, 0) - 1) < 1e-12);
  assert.ok(Math.abs(u.values[79] - (1 - a * a)) < 1e-15);
  // Grid block [40, 79] keeps 19% of it, block [80, 119] gets the other 81% (the raw block
  // means would give all of it to [40, 79]); the segment's first W steps use the raw samples.
  const L = lPerStep(x, 400, 40, [0], 'block', 40, u)!;
  assert.ok(Math.abs(L[40] * 40 - (1 - a * a)) < 1e-12);
  assert.ok(Math.abs(L[80] * 40 - a * a * (1 - (a * a) ** 40)) < 1e-12);
  assert.equal(L[0], 0);
  // SGD (α = 0) and sampled probes (not every step) are left as they are.
  assert.equal(momentumDelivered(x, 0), x);
  const sampled = { steps: [0, 5, 10], values: [1, 2, 3] };
  assert.equal(momentumDelivered(sampled, a), sampled);
});

test('lPerStep: sampled every 5th step, gaps hold the last estimate; null without samples', () => {
  const s = { steps: [0, 5, 10, 15], values: [2, 2, 2, 2] };
  const L = lPerStep(s, 20, 10, [0], 'block')!;
  assert.ok(L.every((x) => x === 2));
  assert.deepEqual(
    Array.from(lPerStep({ steps: [0, 1], values: [0, -1] }, 2, 2, [0], 'block')!),
    [-0.5, -0.5],
  );
  assert.equal(lPerStep({ steps: [], values: [] }, 2, 2, [0], 'block'), null);
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

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { Conv2d } from './conv2d.js';
import {
  calculateGain,
  fanInAndFanOut,
  kaimingNormal_,
  kaimingUniform_,
  manualSeed,
} from './init.js';
import { Linear } from './linear.js';

function stats(v: ArrayLike<number>): { mean: number; variance: number; maxAbs: number } {
  let s = 0;
  let s2 = 0;
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    s += v[i];
    s2 += v[i] * v[i];
    m = Math.max(m, Math.abs(v[i]));
  }
  const mean = s / v.length;
  return { mean, variance: s2 / v.length - mean * mean, maxAbs: m };
}

test('Conv2d default init is U(±1/√fan_in) for weight and bias, like torch', () => {
  // fan_in = (64 / groups 1) · 3 · 3 = 576; bound 1/24. U(−b, b) has variance b²/3.
  const conv = new Conv2d(64, 128, 3, { rng: new Rng(11) });
  const b = 1 / Math.sqrt(576);
  const w = stats(conv.weight.data);
  assert.ok(w.maxAbs <= b && w.maxAbs > 0.99 * b, `max |w| ${w.maxAbs} vs bound ${b}`);
  assert.ok(
    Math.abs(w.variance / ((b * b) / 3) - 1) < 0.02,
    `variance ratio ${w.variance / ((b * b) / 3)}`,
  );
  assert.ok(Math.abs(w.mean) < 3 * Math.sqrt((b * b) / 3 / conv.weight.size));
  const bias = stats(conv.bias!.data);
  assert.ok(bias.maxAbs <= b && bias.maxAbs > 0.8 * b);
  // grouped conv: fan_in counts Cin/groups
  const g = new Conv2d(8, 8, 3, { groups: 4, rng: new Rng(12) });
  assert.ok(stats(g.weight.data).maxAbs <= 1 / Math.sqrt(18));
  assert.ok(stats(g.weight.data).maxAbs > 0.9 / Math.sqrt(18));
});

test('Linear default init is U(±1/√in)', () => {
  const lin = new Linear(400, 300, { rng: new Rng(13) });
  const b = 1 / 20;
  const w = stats(lin.weight.data);
  assert.ok(w.maxAbs <= b && w.maxAbs > 0.99 * b);
  assert.ok(Math.abs(w.variance / ((b * b) / 3) - 1) < 0.02);
});

test('init is reproducible from the seed and differs across seeds', () => {
  const a = new Linear(5, 4, { rng: new Rng(1) }).weight.toArray();
  const b = new Linear(5, 4, { rng: new Rng(1) }).weight.toArray();
  const c = new Linear(5, 4, { rng: new Rng(2) }).weight.toArray();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  manualSeed(99);
  const d = new Linear(5, 4).weight.toArray();
  manualSeed(99);
  assert.deepEqual(new Linear(5, 4).weight.toArray(), d);
});

test('kaiming helpers use torch gains and fans', () => {
  assert.equal(calculateGain('relu'), Math.SQRT2);
  assert.ok(Math.abs(calculateGain('leaky_relu', Math.sqrt(5)) - Math.sqrt(1 / 3)) < 1e-15);
  assert.deepEqual(fanInAndFanOut([16, 8, 3, 3]), [72, 144]);
  assert.throws(() => fanInAndFanOut([4]), /rank >= 2/);
  const t = Tensor.zeros([256, 128, 3, 3]);
  kaimingNormal_(t, { mode: 'fanOut', nonlinearity: 'relu' }, new Rng(5));
  const want = 2 / (256 * 9);
  assert.ok(Math.abs(stats(t.data).variance / want - 1) < 0.02);
  kaimingUniform_(t, { nonlinearity: 'relu' }, new Rng(6));
  const bound = Math.sqrt(6 / (128 * 9));
  assert.ok(stats(t.data).maxAbs <= bound && stats(t.data).maxAbs > 0.99 * bound);
});

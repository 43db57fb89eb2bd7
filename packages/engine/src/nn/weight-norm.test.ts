import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { Conv2d } from './conv2d.js';
import { Linear } from './linear.js';
import { removeWeightNorm, weightNorm } from './weight-norm.js';

test('weightNorm keeps the function, registers weight_g (per output channel) and weight_v', () => {
  const conv = new Conv2d(3, 4, 3, { padding: 1, rng: new Rng(1) });
  const x = Tensor.randn([2, 3, 5, 5], new Rng(2));
  const before = conv.forward(x).toArray();
  const w0 = conv.weight.toArray();
  weightNorm(conv);
  assert.deepEqual(
    conv.namedParameters().map(([k, p]) => `${k}:${p.shape.join('x')}`),
    ['bias:4', 'weight_g:4x1x1x1', 'weight_v:4x3x3x3'],
  );
  const g = conv.getParameter('weight_g')!.toArray();
  for (let o = 0; o < 4; o++) {
    let s = 0;
    for (let i = 0; i < 27; i++) s += w0[o * 27 + i] ** 2;
    assert.ok(Math.abs(g[o] - Math.sqrt(s)) < 1e-6, 'g starts at ‖v‖ per output channel');
  }
  const after = conv.forward(x).toArray();
  after.forEach((v, i) => assert.ok(Math.abs(v - before[i]) < 1e-5));
  assert.throws(() => weightNorm(conv), /already weight-normalized/);
});

test('weight_v is scale-invariant: output unchanged and ⟨v, ∇v⟩ = 0', () => {
  const lin = weightNorm(new Linear(6, 5, { rng: new Rng(3), dtype: 'float64' }));
  const x = Tensor.randn([4, 6], new Rng(4), { dtype: 'float64' });
  const gy = Tensor.randn([4, 5], new Rng(5), { dtype: 'float64' });
  const y1 = lin.forward(x).toArray();
  const v = lin.getParameter('weight_v')!;
  for (let i = 0; i < v.size; i++) v.data[i] *= 3.7;
  const y2 = lin.forward(x).toArray();
  y2.forEach((a, i) => assert.ok(Math.abs(a - y1[i]) < 1e-12));
  sum(mul(lin.forward(x), gy)).backward();
  let dot = 0;
  let gn = 0;
  for (let i = 0; i < v.size; i++) {
    dot += v.data[i] * v.grad!.data[i];
    gn += v.grad!.data[i] ** 2;
  }
  assert.ok(gn > 1e-6, 'v has a gradient');
  // per output row: each row of v is scale-invariant, so the whole dot product vanishes
  assert.ok(Math.abs(dot) < 1e-12, `⟨v, ∇v⟩ = ${dot}`);
});

test('dim = null uses one scalar magnitude; removeWeightNorm restores a plain weight', () => {
  const lin = new Linear(3, 2, { rng: new Rng(6) });
  const w0 = lin.weight.toArray();
  weightNorm(lin, 'weight', null);
  assert.deepEqual([...lin.getParameter('weight_g')!.shape], []);
  removeWeightNorm(lin);
  assert.deepEqual(
    lin.namedParameters().map(([k]) => k),
    ['bias', 'weight'],
  );
  lin.weight.toArray().forEach((v, i) => assert.ok(Math.abs(v - w0[i]) < 1e-6));
  assert.ok(lin.weight.requiresGrad);
  assert.throws(() => removeWeightNorm(lin), /is not weight-normalized/);
});

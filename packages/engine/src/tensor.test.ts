import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from './tensor.js';
import { Rng } from './rng.js';

test('Tensor factories, dtype, strides and element access', () => {
  const z = Tensor.zeros([2, 3]);
  assert.equal(z.dtype, 'float32');
  assert.ok(z.data instanceof Float32Array);
  assert.deepEqual(z.strides, [3, 1]);
  const f = Tensor.full([2], 7, { dtype: 'float64' });
  assert.ok(f.data instanceof Float64Array);
  assert.deepEqual(f.toArray(), [7, 7]);
  assert.equal(Tensor.scalar(4).item(), 4);
  assert.deepEqual(Tensor.scalar(4).shape, []);
  const cl = Tensor.from(
    Array.from({ length: 24 }, (_, i) => i),
    [1, 2, 3, 4],
    { layout: 'channelsLast' },
  );
  assert.deepEqual(cl.strides, [24, 1, 8, 2]);
  assert.equal(cl.get(0, 1, 2, 3), 1 * 12 + 2 * 4 + 3);
  assert.throws(() => new Tensor(new Float32Array(3), [2, 2]), /3 elements but shape \[2,2\]/);
  assert.throws(() => Tensor.zeros([2, 2], { layout: 'channelsLast' }), /needs a 4-D shape/);
  assert.throws(() => Tensor.zeros([2]).item(), /2 elements/);
});

test('Tensor: randn is seeded, detach/clone/to/copyFrom/fill', () => {
  const a = Tensor.randn([5], new Rng(1));
  const b = Tensor.randn([5], new Rng(1));
  assert.deepEqual(a.toArray(), b.toArray());
  const x = Tensor.from([1, 2], [2], { requiresGrad: true });
  const d = x.detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.data, x.data);
  const c = x.clone();
  c.data[0] = 9;
  assert.equal(x.data[0], 1);
  assert.ok(x.to('float64').data instanceof Float64Array);
  const dst = Tensor.zeros([1, 2, 1, 2], { layout: 'channelsLast' });
  dst.copyFrom(Tensor.from([1, 2, 3, 4], [1, 2, 1, 2]));
  assert.deepEqual(dst.toArray(), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(dst.data), [1, 3, 2, 4]);
  assert.deepEqual(dst.fill(5).toArray(), [5, 5, 5, 5]);
});

test('Tensor.backward needs a scalar or an explicit gradient of the same shape', () => {
  const x = Tensor.from([1, 2], [2], { requiresGrad: true });
  assert.throws(() => x.backward(), /1-element/);
  assert.throws(() => x.backward(Tensor.ones([3])), /grad shape/);
  x.backward(Tensor.from([3, 4], [2]));
  assert.deepEqual(x.grad!.toArray(), [3, 4]);
});

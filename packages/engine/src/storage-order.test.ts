import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from './tensor.js';
import { add, conv2d, relu, sum } from './ops/index.js';
import { storageOffset } from './storage-order.js';
import { defineBackend, tsKernels, withBackend } from './index.js';
import { Rng } from './rng.js';

const arange = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('channelsBlocked16 storage is nChw16c: element (n,c,h,w) at (((n·C/16 + c/16)·H + h)·W + w)·16 + c%16', () => {
  const [N, C, H, W] = [2, 32, 2, 3];
  const t = Tensor.from(arange(N * C * H * W), [N, C, H, W], { layout: 'channelsBlocked16' });
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) {
          const logical = ((n * C + c) * H + h) * W + w;
          const off = (((n * 2 + Math.floor(c / 16)) * H + h) * W + w) * 16 + (c % 16);
          assert.equal(t.data[off], logical);
          assert.equal(storageOffset(t.shape, t.layout, [n, c, h, w]), off);
          assert.equal(t.get(n, c, h, w), logical);
        }
  assert.deepEqual(t.toArray(), arange(N * C * H * W));
  // Every conversion pair round-trips and agrees with the logical values.
  for (const a of ['contiguous', 'channelsLast', 'channelsBlocked16'] as const) {
    const u = t.toLayout(a);
    assert.equal(u.layout, a);
    assert.deepEqual(u.toArray(), arange(N * C * H * W));
    for (const b of ['contiguous', 'channelsLast', 'channelsBlocked16'] as const)
      assert.deepEqual(u.toLayout(b).toArray(), arange(N * C * H * W), `${a} -> ${b}`);
  }
  assert.throws(() => t.strides, /no per-axis strides/);
});

test('channelsBlocked16 needs a 4-D shape with C a multiple of 16 (one-line error)', () => {
  assert.throws(
    () => Tensor.zeros([2, 8, 3, 3], { layout: 'channelsBlocked16' }),
    /^Error: Tensor: layout channelsBlocked16 needs a 4-D shape with C a multiple of 16, got \[2,8,3,3\]$/,
  );
  assert.throws(() => Tensor.zeros([32, 3], { layout: 'channelsBlocked16' }), /needs a 4-D shape/);
});

test('ops keep blocked storage where they can and compute the same values as NHWC', () => {
  const rng = new Rng(3);
  const xs = Tensor.randn([2, 16, 3, 2], rng);
  const xb = xs.toLayout('channelsBlocked16');
  const bias = Tensor.randn([1, 16, 1, 1], rng);
  const same = add(xb, xb);
  assert.equal(same.layout, 'channelsBlocked16');
  assert.deepEqual(same.toArray(), add(xs, xs).toArray());
  assert.deepEqual(add(xb, bias).toArray(), add(xs, bias).toArray());
  assert.equal(relu(xb).layout, 'channelsBlocked16');
  assert.deepEqual(relu(xb).toArray(), relu(xs).toArray());
  const s1 = sum(xb, [0, 2, 3]).toArray();
  const s2 = sum(xs, [0, 2, 3]).toArray();
  s1.forEach((v, i) => assert.ok(Math.abs(v - s2[i]) < 1e-5));
});

test('conv2d outputs blocked storage on a backend that prefers it (Cout % 16 == 0, float32 only)', () => {
  const blocked = defineBackend('ts-blocked', tsKernels, [], {
    activationLayout: 'channelsBlocked16',
  });
  const rng = new Rng(4);
  const x = Tensor.randn([2, 1, 5, 5], rng);
  const w16 = Tensor.randn([16, 1, 3, 3], rng);
  const w8 = Tensor.randn([8, 16, 1, 1], rng);
  const ref = conv2d(x, w16, null, { padding: 1 });
  const { y, z } = withBackend(blocked, () => {
    const y = conv2d(x, w16, null, { padding: 1 });
    return { y, z: conv2d(y, w8) };
  });
  assert.equal(ref.layout, 'channelsLast');
  assert.equal(y.layout, 'channelsBlocked16');
  assert.equal(z.layout, 'channelsLast'); // 8 output channels cannot be blocked
  ref.toArray().forEach((v, i) => assert.ok(Math.abs(v - y.toArray()[i]) < 1e-5));
  const zr = conv2d(ref, w8).toArray();
  z.toArray().forEach((v, i) => assert.ok(Math.abs(v - zr[i]) < 1e-4));
  const x64 = Tensor.randn([1, 1, 4, 4], rng, { dtype: 'float64' });
  const w64 = Tensor.randn([16, 1, 3, 3], rng, { dtype: 'float64' });
  assert.equal(withBackend(blocked, () => conv2d(x64, w64)).layout, 'channelsLast');
});

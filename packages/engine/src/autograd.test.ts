import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  add,
  mul,
  relu,
  sum,
  linear,
  crossEntropy,
  conv2d,
  batchNorm2d,
  flatten,
  adaptiveAvgPool2d,
} from './ops/index.js';
import { noGrad, isGradEnabled } from './autograd.js';
import { Tensor } from './tensor.js';
import { Rng } from './rng.js';
import { gradcheck } from './gradcheck.js';

test('backward through a small composition matches hand-computed gradients', () => {
  // L = sum(relu(x*w + b)), x = [1,-2,3], w = 2, b = 1 -> pre = [3,-3,7]
  const x = Tensor.from([1, -2, 3], [3], { requiresGrad: true });
  const w = Tensor.from([2], [1], { requiresGrad: true });
  const b = Tensor.from([1], [1], { requiresGrad: true });
  const L = sum(relu(add(mul(x, w), b)));
  assert.equal(L.item(), 10);
  L.backward();
  assert.deepEqual(Array.from(x.grad!.data), [2, 0, 2]);
  assert.deepEqual(Array.from(w.grad!.data), [4]); // 1 + 3
  assert.deepEqual(Array.from(b.grad!.data), [2]);
});

test('gradients accumulate across backward calls; zeroGrad resets', () => {
  const x = Tensor.from([1, 2], [2], { requiresGrad: true });
  sum(mul(x, x)).backward();
  sum(mul(x, x)).backward();
  assert.deepEqual(Array.from(x.grad!.data), [4, 8]);
  x.zeroGrad();
  assert.deepEqual(Array.from(x.grad!.data), [0, 0]);
});

test('a tensor used twice (diamond) gets both contributions', () => {
  const x = Tensor.from([3], [1], { requiresGrad: true });
  const y = add(x, x); // shares the same upstream grad object on both inputs
  const z = mul(y, x); // 2x²
  z.backward();
  assert.deepEqual(Array.from(x.grad!.data), [12]);
});

test('noGrad records nothing; grad mode restored after throw', () => {
  const x = Tensor.from([1], [1], { requiresGrad: true });
  const y = noGrad(() => mul(x, 2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.throws(() =>
    noGrad(() => {
      throw new Error('boom');
    }),
  );
  assert.equal(isGradEnabled(), true);
});

test('a 20000-op chain backpropagates without recursion', () => {
  const x = Tensor.from([1], [1], { requiresGrad: true });
  let y = x;
  for (let i = 0; i < 20000; i++) y = mul(y, 1.0001);
  y.backward();
  assert.ok(Math.abs(x.grad!.data[0] - Math.pow(1.0001, 20000)) < 1e-2);
});

test('leaf grads keep the leaf layout', () => {
  const x = Tensor.from(
    Array.from({ length: 8 }, (_, i) => i),
    [1, 2, 2, 2],
    { requiresGrad: true, layout: 'channelsLast' },
  );
  sum(
    mul(
      flatten(x),
      Tensor.from(
        Array.from({ length: 8 }, (_, i) => i),
        [1, 8],
      ),
    ),
  ).backward();
  assert.equal(x.grad!.layout, 'channelsLast');
  assert.deepEqual(x.grad!.toArray(), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test('tiny CNN (conv-BN-ReLU-pool-linear-CE) passes a float64 gradient check', () => {
  const rng = new Rng(5);
  const p = (shape: number[], s = 0.5): Tensor => {
    const t = Tensor.randn(shape, rng, { dtype: 'float64' });
    for (let i = 0; i < t.size; i++) t.data[i] *= s;
    t.requiresGrad = true;
    return t;
  };
  const x = p([3, 2, 4, 4], 1);
  const cw = p([3, 2, 3, 3]);
  const g = p([3]);
  const b = p([3]);
  const fw = p([4, 3]);
  const fb = p([4]);
  const net = (x0: Tensor, w0: Tensor, g0: Tensor, b0: Tensor, f0: Tensor, fb0: Tensor): Tensor => {
    const h = relu(batchNorm2d(conv2d(x0, w0, null, { padding: 1 }), { weight: g0, bias: b0 }));
    return crossEntropy(linear(flatten(adaptiveAvgPool2d(h, 1)), f0, fb0), [0, 3, 1], {
      labelSmoothing: 0.1,
    });
  };
  const r = gradcheck(net, [x, cw, g, b, fw, fb]);
  assert.ok(r.ok, r.worst);
});

test('pooled gradient buffers: large shared paths stay correct and buffers are reused', async () => {
  const { bufferPoolStats } = await import('./buffer-pool.js');
  const n = 3000;
  const x = Tensor.from(
    Array.from({ length: n }, (_, i) => (i % 7) - 3),
    [n],
    { requiresGrad: true },
  );
  const before = bufferPoolStats().hits;
  for (let rep = 0; rep < 3; rep++) {
    x.grad = null;
    const y = mul(x, x);
    const z = add(add(y, y), mul(relu(x), 3));
    sum(z).backward();
    // d/dx (2x² + 3 relu(x)) = 4x + 3·[x > 0]
    for (let i = 0; i < n; i++) {
      const v = (i % 7) - 3;
      assert.equal(x.grad!.data[i], 4 * v + (v > 0 ? 3 : 0));
    }
  }
  assert.ok(bufferPoolStats().hits > before, 'no pooled buffer was reused');
});

test('the graph is freed after backward; a second backward through it throws', () => {
  const x = Tensor.from([1, 2], [2], { requiresGrad: true });
  const y = mul(x, x);
  const loss = sum(y);
  loss.backward();
  assert.equal(y.gradFn!.inputs.length, 0);
  assert.throws(() => loss.backward(), /already backpropagated/);
  // a fresh forward works
  sum(mul(x, x)).backward();
  assert.deepEqual(x.grad!.toArray(), [4, 8]);
});

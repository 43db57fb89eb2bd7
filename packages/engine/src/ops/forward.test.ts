import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ops from './index.js';
import { Tensor } from '../tensor.js';

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  assert.equal(got.length, want.length, 'length');
  for (let i = 0; i < want.length; i++) {
    assert.ok(
      Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])),
      `[${i}] ${got[i]} vs ${want[i]}`,
    );
  }
}

const x3 = (): Tensor => Tensor.from([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);

test('conv2d: 3x3 ones kernel with padding 1 and bias', () => {
  const y = ops.conv2d(x3(), Tensor.ones([1, 1, 3, 3]), Tensor.from([1], [1]), { padding: 1 });
  assert.deepEqual(y.shape, [1, 1, 3, 3]);
  assert.equal(y.layout, 'channelsLast');
  close(
    y.toArray(),
    [12, 21, 16, 27, 45, 33, 24, 39, 28].map((v) => v + 1),
  );
});

test('conv2d: 2x2 kernel is a correlation (not flipped)', () => {
  const y = ops.conv2d(x3(), Tensor.from([1, 2, 3, 4], [1, 1, 2, 2]));
  close(y.toArray(), [37, 47, 67, 77]);
});

test('conv2d: stride 2 and two output channels', () => {
  const w = Tensor.from([1, 0, 0, 0, 0, 0, 0, 1], [2, 1, 2, 2]);
  const y = ops.conv2d(
    Tensor.from(
      Array.from({ length: 16 }, (_, i) => i),
      [1, 1, 4, 4],
    ),
    w,
    null,
    { stride: 2 },
  );
  assert.deepEqual(y.shape, [1, 2, 2, 2]);
  // channel 0 picks top-left of each 2x2 block, channel 1 bottom-right
  close(y.toArray(), [0, 2, 8, 10, 5, 7, 13, 15]);
});

test('batchNorm2d: batch statistics, biased normalization, unbiased running var', () => {
  const x = Tensor.from([1, 2, 3, 4], [2, 1, 1, 2]);
  const rm = Tensor.zeros([1]);
  const rv = Tensor.ones([1]);
  const y = ops.batchNorm2d(x, { runningMean: rm, runningVar: rv, training: true });
  const s = Math.sqrt(1.25 + 1e-5);
  close(y.toArray(), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]);
  close(rm.data, [0.25]);
  close(rv.data, [0.9 + 0.1 * (5 / 3)]);
  const ye = ops.batchNorm2d(x, { runningMean: rm, runningVar: rv, training: false });
  close(
    ye.toArray(),
    [1, 2, 3, 4].map((v) => (v - 0.25) / Math.sqrt(rv.data[0] + 1e-5)),
  );
});

test('crossEntropy: plain and with label smoothing (torch formula)', () => {
  const logits = Tensor.from([1, 2, 3, 0, 0, 0], [2, 3]);
  const lse0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
  const lp0 = [1 - lse0, 2 - lse0, 3 - lse0];
  const lp1 = [-Math.log(3), -Math.log(3), -Math.log(3)];
  const labels = [2, 0];
  const plain = (-lp0[2] - lp1[0]) / 2;
  close([ops.crossEntropy(logits, labels).item()], [plain]);
  const e = 0.1;
  const sm = (lp: number[], y: number): number =>
    -(1 - e) * lp[y] - (e / 3) * (lp[0] + lp[1] + lp[2]);
  close(
    [ops.crossEntropy(logits, labels, { labelSmoothing: e }).item()],
    [(sm(lp0, 2) + sm(lp1, 0)) / 2],
  );
  close([ops.crossEntropy(logits, labels, { reduction: 'sum' }).item()], [2 * plain]);
  assert.throws(() => ops.crossEntropy(logits, [3, 0]), /label 3/);
});

test('layout: channelsLast storage order and flatten gives NCHW order', () => {
  const x = Tensor.from([0, 1, 2, 3, 4, 5, 6, 7], [1, 2, 2, 2]);
  const cl = x.toChannelsLast();
  assert.equal(cl.layout, 'channelsLast');
  assert.deepEqual(Array.from(cl.data), [0, 4, 1, 5, 2, 6, 3, 7]);
  assert.deepEqual(cl.toArray(), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(cl.get(0, 1, 0, 1), 5);
  const f = ops.flatten(cl);
  assert.deepEqual(f.shape, [1, 8]);
  assert.deepEqual(Array.from(f.data), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(Array.from(cl.contiguous().data), [0, 1, 2, 3, 4, 5, 6, 7]);
  // per-channel broadcast keeps channelsLast
  const y = ops.add(cl, Tensor.from([10, 20], [1, 2, 1, 1]));
  assert.equal(y.layout, 'channelsLast');
  assert.deepEqual(y.toArray(), [10, 11, 12, 13, 24, 25, 26, 27]);
});

test('pooling: max, avg with count_include_pad, adaptive', () => {
  const x = Tensor.from(
    Array.from({ length: 16 }, (_, i) => i),
    [1, 1, 4, 4],
  );
  close(ops.maxPool2d(x, { kernelSize: 2 }).toArray(), [5, 7, 13, 15]);
  close(ops.avgPool2d(x, { kernelSize: 2 }).toArray(), [2.5, 4.5, 10.5, 12.5]);
  // 3x3 window, pad 1, stride 2 on 4x4: top-left window sees 0,1,4,5 / 9 (padding counts)
  const a = ops.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1 });
  close(a.toArray(), [
    (0 + 1 + 4 + 5) / 9,
    (1 + 2 + 3 + 5 + 6 + 7) / 9,
    (4 + 5 + 8 + 9 + 12 + 13) / 9,
    (5 + 6 + 7 + 9 + 10 + 11 + 13 + 14 + 15) / 9,
  ]);
  close(ops.adaptiveAvgPool2d(x, 1).toArray(), [7.5]);
  // adaptive 4 -> 3: windows [0,2), [1,3), [2,4)
  const ad = ops.adaptiveAvgPool2d(Tensor.from([0, 1, 2, 3], [1, 1, 1, 4]), [1, 3]);
  close(ad.toArray(), [0.5, 1.5, 2.5]);
});

test('matmul and linear values', () => {
  const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = Tensor.from([1, 0, 0, 1, 1, 1], [3, 2]);
  close(ops.matmul(a, b).toArray(), [4, 5, 10, 11]);
  const w = Tensor.from([1, 0, 0, 1, 1, 1], [2, 3]);
  close(ops.linear(a, w, Tensor.from([1, -1], [2])).toArray(), [2, 5, 5, 14]);
});

test('sum/mean over axes, keepdim, and norm', () => {
  const x = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  close(ops.sum(x).toArray(), [21]);
  close(ops.sum(x, 0).toArray(), [5, 7, 9]);
  assert.deepEqual(ops.sum(x, 1, true).shape, [2, 1]);
  close(ops.mean(x, -1).toArray(), [2, 5]);
  close(ops.norm(Tensor.from([3, 4], [2])).toArray(), [5]);
  const cl = Tensor.from(
    Array.from({ length: 16 }, (_, i) => i),
    [2, 2, 2, 2],
    { layout: 'channelsLast' },
  );
  close(ops.sum(cl, [2, 3]).toArray(), [6, 22, 38, 54]);
  close(ops.sum(cl, [0, 2, 3], true).toArray(), [44, 76]);
  close(ops.sum(cl, [0]).toArray(), [8, 10, 12, 14, 16, 18, 20, 22]);
});

test('groupNorm and layerNorm normalize to zero mean, unit variance', () => {
  const x = Tensor.from([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 2, 2]);
  const g = ops.groupNorm(x, 2).toArray();
  const s1 = Math.sqrt(1.25 + 1e-5);
  close(g.slice(0, 4), [-1.5 / s1, -0.5 / s1, 0.5 / s1, 1.5 / s1]);
  const l = ops.layerNorm(Tensor.from([1, 3], [1, 2]), [2]).toArray();
  close(l, [-1 / Math.sqrt(1 + 1e-5), 1 / Math.sqrt(1 + 1e-5)]);
});

test('errors name the op and the shapes', () => {
  assert.throws(
    () => ops.add(Tensor.zeros([2, 3]), Tensor.zeros([4])),
    /broadcast: shapes \[2,3\] and \[4\]/,
  );
  assert.throws(
    () => ops.conv2d(Tensor.zeros([1, 2, 4, 4]), Tensor.zeros([1, 3, 3, 3])),
    /conv2d: weight/,
  );
  assert.throws(() => ops.reshape(Tensor.zeros([2, 3]), [4, 2]), /reshape: cannot reshape/);
  assert.throws(
    () => ops.matmul(Tensor.zeros([2, 3]), Tensor.zeros([2, 3])),
    /matmul: incompatible/,
  );
});

test('batchNormAct2d equals batchNorm2d + add + relu (values, grads, running stats)', () => {
  const mk = (seed: number): Tensor =>
    Tensor.from(
      Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => Math.sin(seed * 7 + i * 1.3)),
      [2, 3, 2, 2],
    );
  const run = (fused: boolean) => {
    const x = mk(1);
    x.requiresGrad = true;
    const r = mk(2).toChannelsLast();
    r.requiresGrad = true;
    const w = Tensor.from([1, 0.5, 2], [3], { requiresGrad: true });
    const b = Tensor.from([0, 0.1, -0.1], [3], { requiresGrad: true });
    const rm = Tensor.zeros([3]);
    const rv = Tensor.ones([3]);
    const o = { weight: w, bias: b, runningMean: rm, runningVar: rv };
    const y = fused
      ? ops.batchNormAct2d(x, { ...o, residual: r })
      : ops.relu(ops.add(ops.batchNorm2d(x, o), r));
    ops.sum(ops.mul(y, mk(3))).backward();
    return [
      y.toArray(),
      x.grad!.toArray(),
      r.grad!.toArray(),
      w.grad!.toArray(),
      b.grad!.toArray(),
      Array.from(rm.data),
      Array.from(rv.data),
    ];
  };
  const a = run(true);
  const b = run(false);
  a.forEach((v, i) => close(v, b[i], 1e-5));
});

test('number-number arithmetic gives a scalar tensor', () => {
  assert.equal(ops.add(2, 3).item(), 5);
  assert.equal(ops.mul(2, 3).item(), 6);
  assert.equal(ops.sub(2, 3).item(), -1);
  assert.equal(ops.div(3, 2).item(), 1.5);
  assert.throws(
    () => ops.add(Tensor.zeros([2]), Tensor.zeros([2], { dtype: 'float64' })),
    /dtypes float32 and float64/,
  );
});

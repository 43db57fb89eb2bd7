import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ops from './index.js';
import { gradcheck } from '../gradcheck.js';
import { Rng } from '../rng.js';
import { Tensor, type Layout } from '../tensor.js';

const rng = new Rng(1234);

/** float64 leaf with values in logical order, stored in `layout`. */
function leaf(shape: number[], layout: Layout = 'contiguous', lo = -1, hi = 1): Tensor {
  const t = Tensor.uniform(shape, lo, hi, rng, { dtype: 'float64', layout });
  t.requiresGrad = true;
  return t;
}

interface Case {
  fn: (...xs: Tensor[]) => Tensor;
  inputs: () => Tensor[];
}

const labels = [2, 0, 1];

/** One or more cases per exported op. */
const cases: Record<keyof typeof ops, Case[]> = {
  add: [
    {
      fn: (a, b) => ops.add(a, b),
      inputs: () => [leaf([2, 16, 2, 1], 'channelsBlocked16'), leaf([1, 16, 1, 1])],
    },
    {
      fn: (a, b) => ops.add(a, b),
      inputs: () => [
        leaf([1, 16, 2, 2], 'channelsBlocked16'),
        leaf([1, 16, 2, 2], 'channelsBlocked16'),
      ],
    },
    { fn: (a, b) => ops.add(a, b), inputs: () => [leaf([2, 3]), leaf([3])] },
    {
      fn: (a, b) => ops.add(a, b),
      inputs: () => [leaf([2, 3, 2, 2], 'channelsLast'), leaf([1, 3, 1, 1])],
    },
    { fn: (a) => ops.add(2.5, a), inputs: () => [leaf([4])] },
  ],
  sub: [
    { fn: (a, b) => ops.sub(a, b), inputs: () => [leaf([2, 1]), leaf([1, 3])] },
    { fn: (a) => ops.sub(1, a), inputs: () => [leaf([3])] },
  ],
  mul: [
    {
      fn: (a, b) => ops.mul(a, b),
      inputs: () => [leaf([2, 3, 2, 2], 'channelsLast'), leaf([2, 3, 2, 2])],
    },
    { fn: (a) => ops.mul(a, -3), inputs: () => [leaf([3])] },
  ],
  div: [
    {
      fn: (a, b) => ops.div(a, b),
      inputs: () => [leaf([2, 3]), leaf([2, 1], 'contiguous', 0.5, 2)],
    },
    { fn: (a) => ops.div(2, a), inputs: () => [leaf([3], 'contiguous', 0.5, 2)] },
  ],
  neg: [{ fn: (a) => ops.neg(a), inputs: () => [leaf([2, 2])] }],
  exp: [{ fn: (a) => ops.exp(a), inputs: () => [leaf([2, 3])] }],
  log: [{ fn: (a) => ops.log(a), inputs: () => [leaf([2, 3], 'contiguous', 0.5, 2)] }],
  sqrt: [{ fn: (a) => ops.sqrt(a), inputs: () => [leaf([5], 'contiguous', 0.5, 2)] }],
  pow: [{ fn: (a) => ops.pow(a, 3), inputs: () => [leaf([4])] }],
  relu: [
    { fn: (a) => ops.relu(a), inputs: () => [leaf([1, 16, 2, 3], 'channelsBlocked16')] },
    { fn: (a) => ops.relu(a), inputs: () => [leaf([1, 2, 3, 3], 'channelsLast')] },
    { fn: (a) => ops.relu(a), inputs: () => [leaf([7])] },
  ],
  sum: [
    {
      fn: (a) => ops.sum(a, [0, 2, 3], true),
      inputs: () => [leaf([2, 16, 2, 1], 'channelsBlocked16')],
    },
    { fn: (a) => ops.sum(a), inputs: () => [leaf([2, 3])] },
    { fn: (a) => ops.sum(a, [0, 2, 3], true), inputs: () => [leaf([2, 3, 2, 2], 'channelsLast')] },
    { fn: (a) => ops.sum(a, [0]), inputs: () => [leaf([2, 3, 2, 2], 'channelsLast')] },
  ],
  mean: [{ fn: (a) => ops.mean(a, [2, 3]), inputs: () => [leaf([2, 3, 2, 2], 'channelsLast')] }],
  norm: [{ fn: (a) => ops.norm(a, [1, 2, 3], true), inputs: () => [leaf([2, 2, 2, 2])] }],
  expand: [{ fn: (a) => ops.expand(a, [2, 3, 4]), inputs: () => [leaf([3, 1])] }],
  sumTo: [{ fn: (a) => ops.sumTo(a, [3, 1]), inputs: () => [leaf([2, 3, 4])] }],
  reshape: [{ fn: (a) => ops.reshape(a, [3, -1]), inputs: () => [leaf([2, 3, 2])] }],
  view: [{ fn: (a) => ops.view(a, [6]), inputs: () => [leaf([2, 3])] }],
  flatten: [
    { fn: (a) => ops.flatten(a), inputs: () => [leaf([2, 16, 1, 2], 'channelsBlocked16')] },
    { fn: (a) => ops.flatten(a), inputs: () => [leaf([2, 3, 2, 2], 'channelsLast')] },
  ],
  unsqueeze: [{ fn: (a) => ops.unsqueeze(a, 1), inputs: () => [leaf([2, 3])] }],
  squeeze: [{ fn: (a) => ops.squeeze(a), inputs: () => [leaf([2, 1, 3])] }],
  permute: [{ fn: (a) => ops.permute(a, [2, 0, 1]), inputs: () => [leaf([2, 3, 4])] }],
  transpose: [{ fn: (a) => ops.transpose(a, 0, 1), inputs: () => [leaf([2, 3])] }],
  contiguous: [
    { fn: (a) => ops.contiguous(a), inputs: () => [leaf([2, 16, 1, 3], 'channelsBlocked16')] },
    { fn: (a) => ops.contiguous(a), inputs: () => [leaf([2, 3, 2, 2], 'channelsLast')] },
  ],
  toChannelsLast: [
    { fn: (a) => ops.toChannelsLast(a), inputs: () => [leaf([2, 3, 2, 2])] },
    { fn: (a) => ops.toChannelsLast(a), inputs: () => [leaf([1, 32, 2, 1], 'channelsBlocked16')] },
  ],
  matmul: [
    { fn: (a, b) => ops.matmul(a, b), inputs: () => [leaf([3, 5]), leaf([5, 6])] },
    { fn: (a, b) => ops.matmul(a, b), inputs: () => [leaf([2, 3, 4]), leaf([2, 4, 5])] },
    { fn: (a, b) => ops.matmul(a, b), inputs: () => [leaf([2, 3, 4]), leaf([4, 5])] },
  ],
  linear: [
    { fn: (x, w, b) => ops.linear(x, w, b), inputs: () => [leaf([3, 5]), leaf([7, 5]), leaf([7])] },
    { fn: (x, w) => ops.linear(x, w), inputs: () => [leaf([2, 2, 5]), leaf([3, 5])] },
  ],
  conv2d: [
    {
      fn: (x, w) => ops.conv2d(x, w),
      inputs: () => [leaf([1, 16, 2, 3], 'channelsBlocked16'), leaf([4, 16, 1, 1])],
    },
    {
      fn: (x, w, b) => ops.conv2d(x, w, b, { stride: 1, padding: 1 }),
      inputs: () => [leaf([2, 3, 5, 5]), leaf([4, 3, 3, 3]), leaf([4])],
    },
    {
      fn: (x, w) => ops.conv2d(x, w, null, { stride: 2, padding: [1, 0], dilation: [1, 2] }),
      inputs: () => [leaf([1, 2, 6, 7], 'channelsLast'), leaf([3, 2, 3, 2])],
    },
    {
      fn: (x, w, b) => ops.conv2d(x, w, b, { groups: 2 }),
      inputs: () => [leaf([2, 4, 3, 3]), leaf([6, 2, 2, 2]), leaf([6])],
    },
    {
      fn: (x, w) => ops.conv2d(x, w),
      inputs: () => [leaf([2, 3, 2, 3], 'channelsLast'), leaf([5, 3, 1, 1])],
    },
  ],
  batchNorm2d: [
    {
      fn: (x, w, b) => ops.batchNorm2d(x, { weight: w, bias: b, training: true }),
      inputs: () => [
        leaf([2, 16, 2, 1], 'channelsBlocked16'),
        leaf([16], 'contiguous', 0.5, 1.5),
        leaf([16]),
      ],
    },
    {
      fn: (x, w, b) => ops.batchNorm2d(x, { weight: w, bias: b, training: true }),
      inputs: () => [
        leaf([3, 2, 2, 3], 'channelsLast'),
        leaf([2], 'contiguous', 0.5, 1.5),
        leaf([2]),
      ],
    },
    {
      fn: (x) => ops.batchNorm2d(x, { training: true }),
      inputs: () => [leaf([4, 3])],
    },
    {
      fn: (x, w, b) =>
        ops.batchNorm2d(x, {
          weight: w,
          bias: b,
          training: false,
          runningMean: Tensor.from([0.1, -0.2], [2], { dtype: 'float64' }),
          runningVar: Tensor.from([0.5, 2], [2], { dtype: 'float64' }),
        }),
      inputs: () => [leaf([2, 2, 2, 2]), leaf([2]), leaf([2])],
    },
  ],
  batchNormAct2d: [
    {
      fn: (x, r) => ops.batchNormAct2d(x, { residual: r }),
      inputs: () => [
        leaf([2, 16, 1, 2], 'channelsBlocked16'),
        leaf([2, 16, 1, 2], 'channelsBlocked16'),
      ],
    },
    {
      fn: (x, w, b, r) => ops.batchNormAct2d(x, { weight: w, bias: b, residual: r }),
      inputs: () => [
        leaf([3, 2, 2, 3], 'channelsLast'),
        leaf([2], 'contiguous', 0.5, 1.5),
        leaf([2]),
        leaf([3, 2, 2, 3]),
      ],
    },
    {
      fn: (x) => ops.batchNormAct2d(x, { relu: false }),
      inputs: () => [leaf([5, 3])],
    },
    {
      fn: (x, r) =>
        ops.batchNormAct2d(x, {
          training: false,
          residual: r,
          runningMean: Tensor.from([0.1, -0.2], [2], { dtype: 'float64' }),
          runningVar: Tensor.from([0.5, 2], [2], { dtype: 'float64' }),
        }),
      inputs: () => [leaf([2, 2, 2, 2]), leaf([2, 2, 2, 2])],
    },
  ],
  groupNorm: [
    {
      fn: (x, w, b) => ops.groupNorm(x, 2, w, b),
      inputs: () => [leaf([2, 4, 2, 2], 'channelsLast'), leaf([4]), leaf([4])],
    },
    {
      fn: (x, w, b) => ops.groupNorm(x, 2, w, b),
      inputs: () => [leaf([2, 4, 3]), leaf([4]), leaf([4])],
    },
    {
      fn: (x) => ops.groupNorm(x, 1),
      inputs: () => [leaf([3, 5])],
    },
  ],
  groupNormAct2d: [
    {
      // groups of 3 channels straddle the 16-channel blocks
      fn: (x, w, b, r) => ops.groupNormAct2d(x, 16, { weight: w, bias: b, residual: r }),
      inputs: () => [
        leaf([2, 48, 1, 2], 'channelsBlocked16'),
        leaf([48], 'contiguous', 0.5, 1.5),
        leaf([48]),
        leaf([2, 48, 1, 2], 'channelsBlocked16'),
      ],
    },
    {
      fn: (x, w, r) => ops.groupNormAct2d(x, 3, { weight: w, residual: r }),
      inputs: () => [leaf([2, 6, 2, 3]), leaf([6], 'contiguous', 0.5, 1.5), leaf([2, 6, 2, 3])],
    },
    {
      fn: (x, b) => ops.groupNormAct2d(x, 1, { bias: b, relu: false }),
      inputs: () => [leaf([3, 4, 2, 2], 'channelsLast'), leaf([4])],
    },
  ],
  layerNorm: [
    {
      fn: (x, w, b) => ops.layerNorm(x, [2, 3], w, b),
      inputs: () => [leaf([2, 2, 3]), leaf([2, 3]), leaf([2, 3])],
    },
  ],
  maxPool2d: [
    {
      fn: (x) => ops.maxPool2d(x, { kernelSize: 2 }),
      inputs: () => [leaf([1, 16, 2, 2], 'channelsBlocked16')],
    },
    { fn: (x) => ops.maxPool2d(x, { kernelSize: 2 }), inputs: () => [leaf([2, 2, 4, 4])] },
    {
      fn: (x) => ops.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }),
      inputs: () => [leaf([1, 2, 5, 5], 'channelsLast')],
    },
  ],
  avgPool2d: [
    {
      fn: (x) => ops.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }),
      inputs: () => [leaf([1, 2, 5, 4])],
    },
  ],
  adaptiveAvgPool2d: [
    {
      fn: (x) => ops.adaptiveAvgPool2d(x, 1),
      inputs: () => [leaf([2, 16, 2, 2], 'channelsBlocked16')],
    },
    {
      fn: (x) => ops.adaptiveAvgPool2d(x, [2, 1]),
      inputs: () => [leaf([1, 16, 3, 2], 'channelsBlocked16')],
    },
    { fn: (x) => ops.adaptiveAvgPool2d(x, [2, 3]), inputs: () => [leaf([2, 2, 5, 4])] },
    { fn: (x) => ops.adaptiveAvgPool2d(x, 1), inputs: () => [leaf([2, 3, 3, 3], 'channelsLast')] },
  ],
  logSoftmax: [{ fn: (x) => ops.logSoftmax(x), inputs: () => [leaf([3, 4])] }],
  softmax: [{ fn: (x) => ops.softmax(x), inputs: () => [leaf([2, 3, 4])] }],
  crossEntropy: [
    { fn: (x) => ops.crossEntropy(x, labels), inputs: () => [leaf([3, 4])] },
    {
      fn: (x) => ops.crossEntropy(x, labels, { labelSmoothing: 0.2, reduction: 'sum' }),
      inputs: () => [leaf([3, 4])],
    },
  ],
  dropout: [{ fn: (x) => ops.dropout(x, 0.5, new Rng(9)), inputs: () => [leaf([4, 5])] }],
};

test('gradcheck: every exported op has a case', () => {
  const exported = Object.keys(ops).filter(
    (k) => typeof (ops as Record<string, unknown>)[k] === 'function',
  );
  const missing = exported.filter(
    (k) => !(k in cases) || cases[k as keyof typeof ops].length === 0,
  );
  assert.deepEqual(missing, []);
  assert.ok(exported.length >= 30, `only ${exported.length} ops exported`);
});

for (const [name, list] of Object.entries(cases)) {
  list.forEach((c, i) => {
    test(`gradcheck: ${name} #${i}`, () => {
      const res = gradcheck(c.fn, c.inputs());
      assert.ok(res.checked > 0, 'nothing was checked');
      assert.ok(res.ok, `${name} #${i}: max abs err ${res.maxAbsErr}; worst ${res.worst}`);
    });
  });
}

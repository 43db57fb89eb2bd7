import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as ops from './index.js';
import { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';

interface Enc {
  shape: number[];
  values: number[];
}
interface Case {
  name: string;
  args: Record<string, unknown>;
  inputs: Enc[];
  r: Enc;
  output: Enc;
  grads: Enc[];
  runningMeanAfter?: number[];
  runningVarAfter?: number[];
}

const file = new URL('../../fixtures/ops/ops.json', import.meta.url);
const fixtures = JSON.parse(readFileSync(file, 'utf8')) as { torch: string; cases: Case[] };

type Run = (xs: Tensor[], a: Record<string, unknown>, dtype: DType, c: Case) => Tensor;
const vec = (v: unknown, dtype: DType): Tensor =>
  Tensor.from(v as number[], [(v as number[]).length], { dtype });

const runners: Record<string, Run> = {
  conv2d: ([x, w, b], a) => ops.conv2d(x, w, b ?? null, a),
  batchNorm2dTrain: ([x, w, b], a, dtype, c) => {
    const rm = vec(a.runningMean, dtype);
    const rv = vec(a.runningVar, dtype);
    const y = ops.batchNorm2d(x, {
      weight: w,
      bias: b,
      runningMean: rm,
      runningVar: rv,
      training: true,
    });
    close(Array.from(rm.data), c.runningMeanAfter!, dtype, 'running mean');
    close(Array.from(rv.data), c.runningVarAfter!, dtype, 'running var');
    return y;
  },
  batchNorm2dEval: ([x, w, b], a, dtype) =>
    ops.batchNorm2d(x, {
      weight: w,
      bias: b,
      runningMean: vec(a.runningMean, dtype),
      runningVar: vec(a.runningVar, dtype),
      training: false,
    }),
  crossEntropy: ([x], a) =>
    ops.crossEntropy(x, a.labels as number[], { labelSmoothing: a.labelSmoothing as number }),
  logSoftmax: ([x]) => ops.logSoftmax(x),
  groupNorm: ([x, w, b], a) => ops.groupNorm(x, a.numGroups as number, w, b),
  layerNorm: ([x, w, b], a) => ops.layerNorm(x, a.normalizedShape as number[], w, b),
  maxPool2d: ([x], a) => ops.maxPool2d(x, a as never),
  avgPool2d: ([x], a) => ops.avgPool2d(x, a as never),
  adaptiveAvgPool2d: ([x], a) => ops.adaptiveAvgPool2d(x, a.outputSize as [number, number]),
  linear: ([x, w, b]) => ops.linear(x, w, b),
  weightNorm: ([w]) => ops.div(w, ops.norm(w, [1, 2, 3], true)),
  flattenAfterConv: ([x, w]) => ops.flatten(ops.conv2d(x.toChannelsLast(), w)),
};

function close(got: ArrayLike<number>, want: ArrayLike<number>, dtype: DType, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const tol = dtype === 'float64' ? 1e-9 : 2e-4;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    assert.ok(err <= tol * (1 + Math.abs(want[i])), `${what}[${i}]: ${got[i]} vs torch ${want[i]}`);
  }
}

test('op fixtures were made by torch and cover every runner', () => {
  assert.match(fixtures.torch, /^1\./);
  assert.deepEqual(
    [...new Set(fixtures.cases.map((c) => c.name))].sort(),
    Object.keys(runners).sort(),
  );
});

for (const dtype of ['float64', 'float32'] as const) {
  fixtures.cases.forEach((c, i) => {
    test(`torch fixture ${c.name} #${i} (${dtype})`, () => {
      const xs = c.inputs.map((e) => Tensor.from(e.values, e.shape, { dtype, requiresGrad: true }));
      const y = runners[c.name](xs, c.args, dtype, c);
      assert.deepEqual(y.shape, c.output.shape.length === 0 ? [] : c.output.shape);
      close(y.toArray(), c.output.values, dtype, `${c.name} output`);
      y.backward(Tensor.from(c.r.values, c.r.shape, { dtype }));
      xs.forEach((x, k) =>
        close(x.grad!.toArray(), c.grads[k].values, dtype, `${c.name} grad ${k}`),
      );
    });
  });
}

// nn layers against PyTorch 1.13 golden values (fixtures/torch/ops.json): forward outputs and
// backward gradients of loss = Σ y·gy, BN running statistics, weight-norm keys and gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import type { Tensor } from '../tensor.js';
import { BatchNorm2d } from './batch-norm.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from './pooling.js';
import { Conv2d } from './conv2d.js';
import { Linear } from './linear.js';
import { CrossEntropyLoss } from './loss.js';
import type { Module } from './module.js';
import { GroupNorm, LayerNorm } from './norm.js';
import {
  compareTensor,
  fromFixture,
  labelsFromFixture,
  type FixtureTensor,
} from '@smd/test-support/engine';
import { weightNorm } from './weight-norm.js';

interface Case {
  name: string;
  op: string;
  params: Record<string, unknown>;
  inputs: Record<string, FixtureTensor>;
  output: FixtureTensor;
  gy?: FixtureTensor;
  grads: Record<string, FixtureTensor>;
  after?: Record<string, FixtureTensor | number>;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/torch/ops.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

const TOL = 1e-4;
const worst: Record<string, number> = {};

function check(label: string, actual: Tensor | null, expected: FixtureTensor): void {
  assert.ok(actual !== null, `${label}: missing`);
  const c = compareTensor(actual, expected);
  worst[label.split(':')[0]] = Math.max(worst[label.split(':')[0]] ?? 0, c.maxRel);
  assert.ok(
    c.maxRel < TOL,
    `${label}: max rel err ${c.maxRel} (abs ${c.maxAbs}, floor ${c.floor})`,
  );
}

/** Load the fixture's parameters/buffers into the module by state-dict key. */
function load(m: Module, c: Case, keys: string[]): void {
  const sd: Record<string, Tensor> = {};
  for (const k of keys) {
    const torchKey = k === 'runningMean' ? 'running_mean' : k === 'runningVar' ? 'running_var' : k;
    sd[torchKey] = fromFixture(c.inputs[k] ?? c.inputs[torchKey]);
  }
  m.loadStateDict(sd, false);
}

/** Forward x through m, backprop Σ y·gy; check y and the gradients named in the case. */
function runLayer(c: Case, m: Module): void {
  const x = fromFixture(c.inputs.x, 'float32', true);
  const y = m.forward(x);
  check(`${c.name}:output`, y, c.output);
  sum(mul(y, fromFixture(c.gy!))).backward();
  const params = new Map(m.namedParameters());
  for (const [k, g] of Object.entries(c.grads)) {
    const t = k === 'x' ? x : params.get(k);
    assert.ok(t !== undefined, `${c.name}: no parameter ${k}`);
    check(`${c.name}:grad ${k}`, t.grad, g);
  }
}

function layerFor(c: Case): Module {
  const p = c.params;
  const x = c.inputs.x.shape;
  switch (c.op) {
    case 'conv2d': {
      const w = c.inputs.weight.shape;
      const m = new Conv2d(x[1], w[0], [w[2], w[3]], {
        stride: p.stride as number,
        padding: p.padding as number,
        groups: p.groups as number,
        bias: p.bias as boolean,
      });
      load(m, c, p.bias ? ['weight', 'bias'] : ['weight']);
      return m;
    }
    case 'batchNorm2d': {
      const m = new BatchNorm2d(x[1]);
      load(m, c, ['weight', 'bias', 'running_mean', 'running_var']);
      return m.train(p.training as boolean);
    }
    case 'groupNorm': {
      const m = new GroupNorm(p.numGroups as number, x[1]);
      load(m, c, ['weight', 'bias']);
      return m;
    }
    case 'layerNorm': {
      const m = new LayerNorm(p.normalizedShape as number[]);
      load(m, c, ['weight', 'bias']);
      return m;
    }
    case 'linear': {
      const w = c.inputs.weight.shape;
      const m = new Linear(w[1], w[0]);
      load(m, c, ['weight', 'bias']);
      return m;
    }
    case 'maxPool2d':
      return new MaxPool2d(p.kernel_size as number, p.stride as number, (p.padding as number) ?? 0);
    case 'avgPool2d':
      return new AvgPool2d(p.kernel_size as number, p.stride as number, (p.padding as number) ?? 0);
    case 'adaptiveAvgPool2d':
      return new AdaptiveAvgPool2d(1);
    case 'weightNorm': {
      const m =
        p.module === 'conv2d'
          ? weightNorm(new Conv2d(x[1], c.inputs.weight_v.shape[0], 3, { padding: 1 }))
          : weightNorm(new Linear(x[1], c.inputs.weight_v.shape[0]));
      assert.deepEqual([...m.stateDict().keys()], p.stateDictKeys, `${c.name}: state-dict keys`);
      load(m, c, ['weight_g', 'weight_v', 'bias']);
      return m;
    }
    default:
      throw new Error(`no layer for op ${c.op}`);
  }
}

for (const c of fixture.cases) {
  test(`torch parity: ${c.name}`, () => {
    if (c.op === 'crossEntropy') {
      const logits = fromFixture(c.inputs.x, 'float32', true);
      const loss = new CrossEntropyLoss({ labelSmoothing: c.params.labelSmoothing as number });
      const l = loss.forward(logits, labelsFromFixture(c.inputs.target as FixtureTensor));
      check(`${c.name}:output`, l, c.output);
      l.backward();
      check(`${c.name}:grad x`, logits.grad, c.grads.x);
      return;
    }
    const m = layerFor(c);
    runLayer(c, m);
    if (c.op === 'batchNorm2d' && c.after) {
      const bn = m as BatchNorm2d;
      check(`${c.name}:running_mean`, bn.runningMean, c.after.running_mean as FixtureTensor);
      check(`${c.name}:running_var`, bn.runningVar, c.after.running_var as FixtureTensor);
      assert.equal(bn.numBatchesTracked, c.after.num_batches_tracked);
    }
  });
}

test('fixture coverage: every torch layer case ran', () => {
  const ops = new Set(fixture.cases.map((c) => c.op));
  for (const op of ['conv2d', 'batchNorm2d', 'linear', 'crossEntropy', 'weightNorm', 'groupNorm']) {
    assert.ok(ops.has(op), `ops.json has a ${op} case`);
  }
  assert.ok(fixture.cases.length >= 20);
});

test('report: worst relative error per case', () => {
  const entries = Object.entries(worst).sort((a, b) => b[1] - a[1]);
  assert.ok(entries.length > 0);
  console.log(entries.map(([k, v]) => `${k}=${v.toExponential(2)}`).join(' '));
});

// 20-step optimizer trajectories against PyTorch 1.13 (fixtures/torch/optim.json): the same
// initial weights and batches, then loss per step and final weights/buffers/optimizer state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import type { Schedule } from '../schedule/types.js';
import { CrossEntropyLoss } from '../nn/loss.js';
import {
  compareArrays,
  compareTensor,
  type FixtureTensor,
  SmallNet,
  batchesOf as fixtureBatches,
  freshNet as freshNetOf,
} from '@smd/test-support/engine';
import { Adam, AdamW } from './adam.js';
import { LRScheduler } from './lr-scheduler.js';
import type { Optimizer } from './optimizer.js';
import { splitDecayParams } from './param-groups.js';
import { SGD } from './sgd.js';

interface Run {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  steps: number;
  groups?: string;
  labelSmoothing?: number;
  multiStep?: { milestones: number[]; gamma: number };
  options: Record<string, number | boolean>;
  losses: number[];
  lrs: number[];
  final: Record<string, FixtureTensor>;
  momentumBuffers?: Record<string, FixtureTensor>;
  expAvg?: Record<string, FixtureTensor>;
  expAvgSq?: Record<string, FixtureTensor>;
  float64: { losses: number[]; final: Record<string, FixtureTensor> };
}

const fx = JSON.parse(
  readFileSync(new URL('../../fixtures/torch/optim.json', import.meta.url), 'utf8'),
) as {
  init: Record<string, FixtureTensor>;
  batches: { x: FixtureTensor; y: FixtureTensor }[];
  loss0: number;
  grads0: Record<string, FixtureTensor>;
  runs: Run[];
};

const freshNet = (dtype: DType = 'float32'): SmallNet => freshNetOf(fx, dtype);
const batchesOf = (dtype: DType): { x: Tensor; y: Int32Array }[] => fixtureBatches(fx, dtype);
const batches = batchesOf('float32');

function makeOptimizer(run: Run, net: SmallNet, useKernels: boolean): Optimizer<{ lr: number }> {
  const o = run.options;
  const named = net.namedParameters();
  const params = run.groups === 'noDecayOnNormAndBias' ? splitDecayParams(named) : named;
  const impl = { useKernels };
  if (run.optimizer === 'SGD') {
    return new SGD(
      params,
      {
        lr: o.lr as number,
        momentum: o.momentum as number | undefined,
        dampening: o.dampening as number | undefined,
        weightDecay: o.weightDecay as number | undefined,
        nesterov: o.nesterov as boolean | undefined,
      },
      impl,
    );
  }
  const opts = { lr: o.lr as number, weightDecay: o.weightDecay as number };
  return run.optimizer === 'Adam' ? new Adam(params, opts, impl) : new AdamW(params, opts, impl);
}

/** Train like the fixture script; returns the net, optimizer and per-step losses and lrs. */
function train(
  run: Run,
  useKernels: boolean,
  dtype: DType,
): { net: SmallNet; opt: Optimizer<{ lr: number }>; losses: number[]; lrs: number[] } {
  const net = freshNet(dtype).train();
  const data = dtype === 'float32' ? batches : batchesOf(dtype);
  const opt = makeOptimizer(run, net, useKernels);
  const sched = run.multiStep
    ? new LRScheduler(opt, { kind: 'multistep', ...run.multiStep } satisfies Schedule)
    : null;
  const lossFn = new CrossEntropyLoss({ labelSmoothing: run.labelSmoothing ?? 0 });
  const losses: number[] = [];
  const lrs: number[] = [];
  for (let step = 0; step < run.steps; step++) {
    const b = data[step % data.length];
    opt.zeroGrad();
    const loss = lossFn.forward(net.forward(b.x), b.y);
    loss.backward();
    lrs.push(opt.paramGroups[0].lr);
    opt.step();
    sched?.step();
    losses.push(loss.item());
  }
  return { net, opt, losses, lrs };
}

/** Replay a run in float32; returns max relative errors by category. */
function replay(run: Run, useKernels: boolean): Record<string, number> {
  const { net, opt, losses, lrs } = train(run, useKernels, 'float32');
  const err: Record<string, number> = {};
  err.loss = compareArrays(losses, run.losses, 1e-6, 0).maxRel;
  err.lr = compareArrays(lrs, run.lrs, 1e-12, 0).maxRel;
  const sd = net.stateDict();
  assert.deepEqual([...sd.keys()], Object.keys(run.final), `${run.name}: state-dict keys`);
  err.final = 0;
  for (const [k, v] of Object.entries(run.final)) {
    err.final = Math.max(err.final, compareTensor(sd.get(k)!, v).maxRel);
  }
  const osd = opt.stateDict().state;
  const stateErr = (key: string, ref: Record<string, FixtureTensor> | undefined): void => {
    if (ref === undefined) return;
    err[key] = 0;
    for (const [name, v] of Object.entries(ref)) {
      err[key] = Math.max(err[key], compareTensor(osd[name][key] as Tensor, v).maxRel);
    }
  };
  stateErr('momentum_buffer', run.momentumBuffers);
  stateErr('exp_avg', run.expAvg);
  stateErr('exp_avg_sq', run.expAvgSq);
  return err;
}

const TOL = 1e-4;

test('whole-network forward/backward at the initial weights matches torch', () => {
  const net = freshNet().train();
  const loss = new CrossEntropyLoss().forward(net.forward(batches[0].x), batches[0].y);
  assert.ok(
    Math.abs(loss.item() - fx.loss0) / fx.loss0 < 1e-6,
    `loss ${loss.item()} vs ${fx.loss0}`,
  );
  loss.backward();
  const params = new Map(net.namedParameters());
  for (const [k, g] of Object.entries(fx.grads0)) {
    const c = compareTensor(params.get(k)!.grad!, g);
    assert.ok(c.maxRel < TOL, `grad ${k}: ${c.maxRel}`);
  }
});

for (const run of fx.runs) {
  for (const useKernels of [true, false]) {
    const impl = useKernels ? 'backend kernel' : 'reference rule';
    test(`torch trajectory ${run.name} (${impl})`, () => {
      const err = replay(run, useKernels);
      console.log(
        `${run.name} [${impl}] ` +
          Object.entries(err)
            .map(([k, v]) => `${k}=${v.toExponential(2)}`)
            .join(' '),
      );
      for (const [k, v] of Object.entries(err)) {
        assert.ok(v < TOL, `${run.name}: ${k} max rel err ${v}`);
      }
    });
  }
}

for (const run of fx.runs) {
  for (const useKernels of [true, false]) {
    const impl = useKernels ? 'backend kernel' : 'reference rule';
    test(`torch float64 trajectory ${run.name} (${impl}) matches to 1e-10`, () => {
      const { net, losses } = train(run, useKernels, 'float64');
      const loss = compareArrays(losses, run.float64.losses, 1e-12, 0).maxRel;
      let final = 0;
      const sd = net.stateDict();
      for (const [k, v] of Object.entries(run.float64.final)) {
        final = Math.max(final, compareTensor(sd.get(k)!, v, 1e-12).maxRel);
      }
      console.log(
        `${run.name} float64 [${impl}] loss=${loss.toExponential(2)} final=${final.toExponential(2)}`,
      );
      assert.ok(loss < 1e-10 && final < 1e-10, `${run.name}: loss ${loss}, final ${final}`);
    });
  }
}

// 20-step trajectories of Lion, SGDP, AdamP and RV-SGDM/AdamW/Lion against the Python reference
// written from the papers' equations (fixtures/torch/make_optim_ext.py → optim-ext.json; PyTorch
// 1.13 ships none of them): same network, initial weights and batches as optim.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { CrossEntropyLoss } from '../nn/loss.js';
import {
  compareArrays,
  compareTensor,
  type FixtureTensor,
  SmallNet,
  batchesOf,
  freshNet,
  type TrajectoryFixture,
} from '@smd/test-support/engine';
import { Lion } from './lion.js';
import type { NamedParam, Optimizer } from './optimizer.js';
import { splitDecayParams, type DecayGroup } from './param-groups.js';
import { AdamP, SGDP } from './projected.js';
import { RVAdamW, RVLion, RVSGDM } from './rotational.js';

interface Run {
  name: string;
  optimizer: 'Lion' | 'SGDP' | 'AdamP' | 'RVSGDM' | 'RVAdamW' | 'RVLion';
  steps: number;
  groups?: string;
  options: Record<string, number | boolean | number[]>;
  losses: number[];
  final: Record<string, FixtureTensor>;
  buffers: Record<string, Record<string, FixtureTensor>>;
  float64: { losses: number[]; final: Record<string, FixtureTensor> };
}

const read = (f: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/torch/${f}`, import.meta.url), 'utf8'));
const base = read('optim.json') as TrajectoryFixture;
const ext = read('optim-ext.json') as { runs: Run[] };

type AnyOpt = Optimizer<{ lr: number }>;
type Params = NamedParam[] | DecayGroup[];

/** The run's optimizer with the fixture's options (torch names in camelCase). */
function makeOptimizer(run: Run, params: Params): AnyOpt {
  const o = run.options as Record<string, unknown>;
  const any = (x: unknown): AnyOpt => x as AnyOpt;
  switch (run.optimizer) {
    case 'Lion':
      return any(new Lion(params, o));
    case 'SGDP':
      return any(new SGDP(params, o as { lr: number }));
    case 'AdamP':
      return any(new AdamP(params, o));
    case 'RVSGDM':
      return any(new RVSGDM(params, o));
    case 'RVAdamW':
      return any(new RVAdamW(params, o));
    case 'RVLion':
      return any(new RVLion(params, o));
  }
}

function train(run: Run, dtype: DType): { net: SmallNet; opt: AnyOpt; losses: number[] } {
  const net = freshNet(base, dtype).train();
  const named = net.namedParameters();
  const opt = makeOptimizer(
    run,
    run.groups === 'noDecayOnNormAndBias' ? splitDecayParams(named) : named,
  );
  const data = batchesOf(base, dtype);
  const lossFn = new CrossEntropyLoss();
  const losses: number[] = [];
  for (let step = 0; step < run.steps; step++) {
    const b = data[step % data.length];
    opt.zeroGrad();
    const loss = lossFn.forward(net.forward(b.x), b.y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return { net, opt, losses };
}

const TOL = 1e-4;

for (const run of ext.runs) {
  test(`reference trajectory ${run.name} (float32)`, () => {
    const { net, opt, losses } = train(run, 'float32');
    const err: Record<string, number> = { loss: compareArrays(losses, run.losses, 1e-6, 0).maxRel };
    const sd = net.stateDict();
    assert.deepEqual([...sd.keys()], Object.keys(run.final), `${run.name}: state-dict keys`);
    err.final = 0;
    for (const [k, v] of Object.entries(run.final)) {
      err.final = Math.max(err.final, compareTensor(sd.get(k)!, v).maxRel);
    }
    const osd = opt.stateDict().state;
    for (const [key, byParam] of Object.entries(run.buffers)) {
      err[key] = 0;
      for (const [name, v] of Object.entries(byParam)) {
        const t = osd[name]?.[key];
        assert.ok(t !== undefined && typeof t !== 'number', `${run.name}: no state ${name}.${key}`);
        err[key] = Math.max(err[key], compareTensor(t as Tensor, v).maxRel);
      }
    }
    console.log(
      `${run.name} ` +
        Object.entries(err)
          .map(([k, v]) => `${k}=${v.toExponential(2)}`)
          .join(' '),
    );
    for (const [k, v] of Object.entries(err)) {
      assert.ok(v < TOL, `${run.name}: ${k} max rel err ${v}`);
    }
  });

  test(`reference trajectory ${run.name} (float64) matches to 1e-10`, () => {
    const { net, losses } = train(run, 'float64');
    const loss = compareArrays(losses, run.float64.losses, 1e-12, 0).maxRel;
    let final = 0;
    const sd = net.stateDict();
    for (const [k, v] of Object.entries(run.float64.final)) {
      final = Math.max(final, compareTensor(sd.get(k)!, v, 1e-12).maxRel);
    }
    console.log(
      `${run.name} float64 loss=${loss.toExponential(2)} final=${final.toExponential(2)}`,
    );
    assert.ok(loss < 1e-10 && final < 1e-10, `${run.name}: loss ${loss}, final ${final}`);
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relu } from '../ops/elementwise.js';
import { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { BatchNorm2d } from '../nn/batch-norm.js';
import { Linear } from '../nn/linear.js';
import { CrossEntropyLoss } from '../nn/loss.js';
import { Module } from '../nn/module.js';
import { resnet } from '../nn/resnet.js';
import { Adam, AdamW } from './adam.js';
import { LRScheduler } from './lr-scheduler.js';
import type { Optimizer, StepEvent } from './optimizer.js';
import { isNoDecayParam, splitDecayParams } from './param-groups.js';
import { SGD } from './sgd.js';

class Mlp extends Module {
  l1 = this.registerModule('l1', new Linear(4, 8, { rng: new Rng(1) }));
  bn = this.registerModule('bn', new BatchNorm2d(8));
  l2 = this.registerModule('l2', new Linear(8, 3, { rng: new Rng(2) }));
  forward(x: Tensor): Tensor {
    return this.l2.forward(relu(this.bn.forward(this.l1.forward(x))));
  }
}

/** The model's named parameters under one prefix (full dotted names). */
function pick(net: Module, prefix: string): [string, Tensor][] {
  return net.namedParameters().filter(([k]) => k.startsWith(prefix));
}

const rng = new Rng(42);
const data = Array.from({ length: 6 }, () => ({
  x: Tensor.randn([5, 4], rng),
  y: Int32Array.from({ length: 5 }, () => rng.int(3)),
}));
const ce = new CrossEntropyLoss();

function trainSteps(
  net: Mlp,
  opt: Optimizer<{ lr: number }>,
  from: number,
  to: number,
  sched?: LRScheduler,
): number[] {
  const losses: number[] = [];
  for (let s = from; s < to; s++) {
    const b = data[s % data.length];
    opt.zeroGrad();
    const loss = ce.forward(net.forward(b.x), b.y);
    loss.backward();
    opt.step();
    sched?.step();
    losses.push(loss.item());
  }
  return losses;
}

test('constructor: named params, bare tensors, groups with overrides; one-line errors', () => {
  const net = new Mlp();
  const opt = new SGD(net.namedParameters(), { lr: 0.1, momentum: 0.9 });
  assert.equal(opt.paramGroups.length, 1);
  assert.deepEqual(
    opt.paramGroups[0].names,
    net.namedParameters().map(([k]) => k),
  );
  assert.equal(opt.paramGroups[0].dampening, 0);
  const bare = new SGD(net.parameters(), { lr: 0.1 });
  assert.deepEqual(bare.paramGroups[0].names, ['0', '1', '2', '3', '4', '5']);
  const grouped = new SGD([{ params: pick(net, 'l1.') }, { params: pick(net, 'l2.'), lr: 0.01 }], {
    lr: 0.1,
    weightDecay: 1e-4,
  });
  assert.equal(grouped.paramGroups[1].lr, 0.01);
  assert.equal(grouped.paramGroups[1].weightDecay, 1e-4);
  assert.throws(
    () => new SGD(net.namedParameters(), { lr: -1 }),
    /SGD param group 0: lr must be a finite number >= 0/,
  );
  assert.throws(
    () => new SGD(net.namedParameters(), { lr: 0.1, nesterov: true }),
    /nesterov needs momentum > 0 and dampening 0/,
  );
  assert.throws(() => new SGD([], { lr: 0.1 }), /empty parameter list/);
  const p = net.l1.weight;
  assert.throws(
    () => new SGD([{ params: [['a', p]] }, { params: [['b', p]] }], { lr: 0.1 }),
    /parameter 'b' is in two groups/,
  );
  assert.throws(
    () => new Adam(net.namedParameters(), { betas: [0.9, 1] }),
    /betas must lie in \[0, 1\)/,
  );
  assert.equal(new AdamW(net.namedParameters()).defaults.weightDecay, 1e-2);
  assert.equal(new Adam(net.namedParameters()).defaults.weightDecay, 0);
});

test('step skips parameters without a gradient; the gradient itself is never modified', () => {
  const net = new Mlp();
  const opt = new SGD(net.namedParameters(), { lr: 0.1, weightDecay: 0.5 });
  const before = net.l2.weight.toArray();
  const w1 = net.l1.weight.toArray();
  net.l1.weight.grad = Tensor.ones(net.l1.weight.shape);
  opt.step();
  assert.deepEqual(net.l2.weight.toArray(), before, 'no grad: untouched (even by decay)');
  assert.ok(net.l1.weight.grad.toArray().every((v) => v === 1));
  net.l1.weight
    .toArray()
    .forEach((v, i) => assert.ok(Math.abs(v - (w1[i] - 0.1 * (1 + 0.5 * w1[i]))) < 1e-6));
  assert.equal(opt.state.has('l2.weight'), false);
});

for (const kind of ['SGD', 'Adam', 'AdamW'] as const) {
  test(`${kind}: stateDict/loadStateDict resume reproduces the uninterrupted run exactly`, () => {
    const make = (net: Mlp): Optimizer<{ lr: number }> =>
      kind === 'SGD'
        ? new SGD(splitDecayParams(net.namedParameters()), {
            lr: 0.1,
            momentum: 0.9,
            weightDecay: 1e-3,
          })
        : kind === 'Adam'
          ? new Adam(net.namedParameters(), { lr: 0.01, weightDecay: 1e-3 })
          : new AdamW(net.namedParameters(), { lr: 0.01 });
    const a = new Mlp();
    const optA = make(a);
    const full = trainSteps(a, optA, 0, 10);

    const b = new Mlp();
    const optB = make(b);
    trainSteps(b, optB, 0, 4);
    const modelSd = new Map([...b.stateDict()].map(([k, t]) => [k, t.clone()]));
    const optSd = JSON.parse(
      JSON.stringify(optB.stateDict(), (k, v) =>
        v instanceof Tensor ? { shape: v.shape, data: Array.from(v.data) } : v,
      ),
    );
    const c = new Mlp();
    c.loadStateDict(modelSd);
    const optC = make(c);
    // rebuild tensors from the JSON round trip (what a checkpoint writer would do)
    for (const st of Object.values(optSd.state) as Record<string, unknown>[]) {
      for (const [k, v] of Object.entries(st)) {
        if (typeof v === 'object' && v !== null) {
          const j = v as { shape: number[]; data: number[] };
          st[k] = Tensor.from(j.data, j.shape);
        }
      }
    }
    optC.loadStateDict(optSd);
    assert.equal(optC.stepCount, 4);
    const resumed = trainSteps(c, optC, 4, 10);
    assert.deepEqual(resumed, full.slice(4), 'same losses after resume');
    assert.deepEqual(c.l2.weight.toArray(), a.l2.weight.toArray());
    const keys = Object.keys(optA.stateDict().state['l1.weight']);
    assert.deepEqual(
      keys,
      kind === 'SGD' ? ['momentum_buffer'] : ['step', 'exp_avg', 'exp_avg_sq'],
    );
    const g0 = optA.stateDict().param_groups[0];
    assert.ok('weight_decay' in g0 && 'lr' in g0 && Array.isArray(g0.params));
  });
}

test('loadStateDict rejects mismatched groups, names and shapes', () => {
  const net = new Mlp();
  const opt = new SGD(net.namedParameters(), { lr: 0.1, momentum: 0.9 });
  trainSteps(net, opt, 0, 1);
  const sd = opt.stateDict();
  const other = new SGD(splitDecayParams(net.namedParameters()), { lr: 0.1, momentum: 0.9 });
  assert.throws(() => other.loadStateDict(sd), /param_groups has 1 groups, expected 2/);
  const bad = opt.stateDict();
  bad.state['l1.weight'].momentum_buffer = Tensor.zeros([2]);
  assert.throws(
    () => opt.loadStateDict(bad),
    /state 'l1.weight.momentum_buffer' has shape \[2\], expected \[8,4\]/,
  );
  const badKey = opt.stateDict();
  badKey.param_groups[0].bogus = 1;
  assert.throws(() => opt.loadStateDict(badKey), /unknown param_groups key 'bogus'/);
});

test('onStep hook sees w_t, w_{t+1}, g_t and v_{t−1}: w_{t+1} = w_t − η(αv_{t−1} + g_t + λw_t)', () => {
  const net = new Mlp();
  const lr = 0.05;
  const momentum = 0.9;
  const wd = 1e-2;
  const opt = new SGD(net.namedParameters(), { lr, momentum, weightDecay: wd });
  const events: StepEvent[] = [];
  let checked = 0;
  const off = opt.onStep(
    (e) => {
      events.push(e);
      assert.equal(e.records.length, 1);
      const r = e.records[0];
      assert.equal(r.name, 'l1.weight');
      assert.equal(r.param, net.l1.weight);
      assert.equal(r.lr, lr);
      assert.equal(r.weightDecay, wd);
      for (let i = 0; i < r.wPrev.length; i++) {
        const v = r.bufferPrev === null ? 0 : momentum * r.bufferPrev[i];
        const want = r.wPrev[i] - lr * (v + r.grad[i] + wd * r.wPrev[i]);
        assert.ok(Math.abs(r.param.data[i] - want) < 1e-6);
        checked++;
      }
    },
    { params: ['l1.weight'] },
  );
  trainSteps(net, opt, 0, 3);
  assert.deepEqual(
    events.map((e) => e.step),
    [0, 1, 2],
  );
  assert.equal(events[0].records[0].bufferPrev, null, 'no buffer before the first step');
  assert.ok(events[1].records[0].bufferPrev !== null);
  assert.equal(checked, 3 * 32);
  off();
  trainSteps(net, opt, 3, 4);
  assert.equal(events.length, 3, 'unsubscribed');
  assert.throws(() => opt.onStep(() => {}, { params: ['nope'] }), /unknown parameter name 'nope'/);
  const all: number[] = [];
  opt.onStep((e) => all.push(e.records.length));
  trainSteps(net, opt, 4, 5);
  assert.deepEqual(all, [6]);
});

test('LRScheduler applies lrFactor to each group base lr and resumes', () => {
  const net = new Mlp();
  const opt = new SGD([{ params: pick(net, 'l1.') }, { params: pick(net, 'l2.'), lr: 0.5 }], {
    lr: 0.1,
  });
  const sched = new LRScheduler(opt, { kind: 'multistep', milestones: [2, 4], gamma: 0.1 });
  const seen: number[][] = [];
  for (let s = 0; s < 6; s++) {
    seen.push(sched.getLastLr());
    sched.step();
  }
  const want = [0.1, 0.1, 0.01, 0.01, 0.001, 0.001];
  seen.forEach((lrs, s) => {
    assert.ok(Math.abs(lrs[0] - want[s]) < 1e-15);
    assert.ok(Math.abs(lrs[1] - 5 * want[s]) < 1e-15);
  });
  assert.equal(opt.stateDict().param_groups[1].initial_lr, 0.5);
  const sd = sched.stateDict();
  assert.deepEqual(sd, { last_epoch: 6, base_lrs: [0.1, 0.5] });
  const opt2 = new SGD(net.namedParameters(), { lr: 0.1 });
  assert.throws(
    () => new LRScheduler(opt2, { kind: 'constant' }).loadStateDict(sd),
    /base_lrs has 2 entries, expected 1/,
  );
  const opt3 = new SGD([{ params: pick(net, 'l1.') }, { params: pick(net, 'l2.'), lr: 0.5 }], {
    lr: 0.1,
  });
  const s3 = new LRScheduler(opt3, { kind: 'multistep', milestones: [2, 4], gamma: 0.1 });
  s3.loadStateDict(sd);
  assert.ok(Math.abs(opt3.paramGroups[0].lr - 0.001) < 1e-15);
});

test('splitDecayParams: BN γ/β and biases get no decay, conv/linear weights do', () => {
  const net = resnet({ widths: [4, 8, 8], rng: new Rng(3) });
  const groups = splitDecayParams(net.namedParameters(), { weightDecay: 5e-4 });
  assert.equal(groups.length, 2);
  const decayed = groups[0].params.map(([k]) => k);
  const exempt = groups[1].params.map(([k]) => k);
  assert.equal(groups[0].weightDecay, 5e-4);
  assert.equal(groups[1].weightDecay, 0);
  assert.ok(decayed.includes('conv1.weight') && decayed.includes('layer2.0.downsample.0.weight'));
  assert.ok(decayed.includes('fc.weight'));
  assert.ok(
    exempt.includes('bn1.weight') &&
      exempt.includes('layer3.1.bn2.bias') &&
      exempt.includes('fc.bias'),
  );
  assert.equal(decayed.length + exempt.length, net.namedParameters().length);
  assert.ok(decayed.every((k) => !k.includes('bn')));
  assert.equal(isNoDecayParam('conv.weight_g', [4, 1, 1, 1]), false);
  assert.equal(isNoDecayParam('conv.weight_g', [4, 1, 1, 1], false), true);
  const opt = new SGD(groups, { lr: 0.1, weightDecay: 1e-4 });
  assert.equal(opt.paramGroups[0].weightDecay, 5e-4);
});

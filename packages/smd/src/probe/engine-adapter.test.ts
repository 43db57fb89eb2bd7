import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, SGD, Adam } from '@smd/engine';
import { attachSmdProbe, groupHyper, probeForOptimizer, probeStep } from './engine-adapter.js';
import { probeTensor } from './tensor-stats.js';
import type { ProbeSample } from './metric.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

function model(seed: number) {
  const rnd = lcg(seed);
  const w = Tensor.from(
    Array.from({ length: 24 }, () => rnd() * 0.3),
    [4, 2, 3],
    { requiresGrad: true },
  );
  const b = Tensor.from(
    Array.from({ length: 4 }, () => rnd() * 0.3),
    [4],
    { requiresGrad: true },
  );
  const grads = (t: number) => {
    const r = lcg(100 + t);
    w.grad = Tensor.from(
      Array.from({ length: 24 }, () => r() * 0.05),
      [4, 2, 3],
    );
    b.grad = Tensor.from(
      Array.from({ length: 4 }, () => r() * 0.05),
      [4],
    );
  };
  return { w, b, grads };
}

test('probeStep around engine SGD: measurements equal the raw probe; groups give λ, α', () => {
  const { w, b, grads } = model(1);
  const opt = new SGD(
    [
      { params: [['conv.weight', w] as const], weightDecay: 5e-4 },
      { params: [['conv.bias', b] as const], weightDecay: 0 },
    ],
    { lr: 0.1, momentum: 0.9 },
  );
  assert.deepEqual(groupHyper(opt, 0), {
    lr: 0.1,
    weightDecay: 5e-4,
    momentum: 0.9,
    predictable: true,
  });
  const probe = probeForOptimizer(opt);
  assert.deepEqual(probe.params, ['conv.weight', 'conv.bias']);
  for (let t = 0; t < 4; t++) {
    grads(t);
    const wPrev = (w.data as Float32Array).slice();
    const buf = opt.state.get('conv.weight')?.momentum_buffer;
    const vPrev =
      buf === undefined || typeof buf === 'number' ? null : (buf.data as Float32Array).slice();
    const samples = probeStep(probe, opt, t);
    const ref = probeTensor(
      { wPrev, wNext: w.data, grad: w.grad!.data, momentumPrev: vPrev },
      { lr: 0.1, momentum: 0.9 },
    );
    const get = (p: string, m: string) =>
      samples.find((s) => s.param === p && s.metric === m)?.value;
    assert.equal(get('conv.weight', 'delta_rad'), ref.deltaRad);
    assert.equal(get('conv.weight', 'h_tilde'), ref.hTilde);
    assert.equal(get('conv.weight', 'v_dot_g'), ref.vDotG);
    assert.equal(t === 0, ref.vDotG === 0);
    assert.ok(get('conv.weight', 'delta_star')! > 0);
    assert.equal(get('conv.bias', 'delta_star'), undefined, 'no weight decay: no Δ*');
  }
});

test('attachSmdProbe (onStep hook) gives the same samples as probeStep', () => {
  const a = model(2);
  const b = model(2);
  const optA = new SGD([['w', a.w] as const, ['b', a.b] as const], {
    lr: 0.05,
    momentum: 0.9,
    weightDecay: 1e-3,
  });
  const optB = new SGD([['w', b.w] as const, ['b', b.b] as const], {
    lr: 0.05,
    momentum: 0.9,
    weightDecay: 1e-3,
  });
  const probeA = probeForOptimizer(optA, { params: ['w'], perChannel: true, every: 2 });
  const probeB = probeForOptimizer(optB, { params: ['w'], perChannel: true, every: 2 });
  const got: ProbeSample[][] = [];
  const off = attachSmdProbe(optB, probeB, (s) => got.push(s));
  for (let t = 0; t < 5; t++) {
    a.grads(t);
    b.grads(t);
    const sa = probeStep(probeA, optA, t);
    optB.step();
    if (t % 2 === 0) assert.deepEqual(got.at(-1), sa);
    else assert.equal(sa.length, 0);
  }
  assert.equal(got.length, 3);
  assert.ok(got[0].some((s) => s.channel === 3 && s.metric === 'delta_rad'));
  off();
});

test('Adam groups are measured but not predicted', () => {
  const { w, b, grads } = model(3);
  const opt = new Adam([['w', w] as const, ['b', b] as const], { lr: 1e-3, weightDecay: 1e-4 });
  assert.equal(groupHyper(opt, 0).predictable, false);
  const probe = probeForOptimizer(opt);
  grads(0);
  const s = probeStep(probe, opt, 0);
  assert.ok(s.some((x) => x.metric === 'delta_rad' && x.value > 0));
  assert.ok(
    !s.some((x) => x.metric === 'delta_star' || x.metric === 'w_star' || x.metric === 'h_tilde'),
  );
});

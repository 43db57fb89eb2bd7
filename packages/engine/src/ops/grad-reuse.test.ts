// Buffer reuse on the training hot path: nn's fused BatchNorm2d.forwardAct, activations recycled
// after backward (releaseAfterBackward), and backward closures accumulating into the partial
// gradient autograd already holds. Each must leave values exactly as the plain composition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bufferPoolStats } from '../buffer-pool.js';
import { BatchNorm2d } from '../nn/batch-norm.js';
import { BasicBlock, resnet, type ResNet } from '../nn/resnet.js';
import { convStack } from '../nn/conv-stack.js';
import type { Module } from '../nn/module.js';
import { SGD } from '../optim/sgd.js';
import { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { conv2d } from './conv2d.js';
import { batchNormAct2d } from './batch-norm-act.js';
import { add, mul, relu } from './elementwise.js';
import { adaptiveAvgPool2d } from './pool.js';
import { sum } from './reduce.js';
import { flatten } from './shape-ops.js';
import { crossEntropy } from './softmax.js';

function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.toArray();
  const y = b.toArray();
  assert.equal(x.length, y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** The ResNet's forward as plain unfused ops on the same modules (no buffer recycling). */
function plainForward(m: ResNet, x: Tensor): Tensor {
  let y = relu(m.bn1.forward(m.conv1.forward(x)));
  for (const stage of [m.layer1, m.layer2, m.layer3]) {
    for (let i = 0; i < stage.length; i++) {
      const b = stage.at(i) as BasicBlock;
      const identity = b.downsample === null ? y : b.downsample.forward(y);
      const h = relu(b.bn1.forward(b.conv1.forward(y)));
      y = relu(add(b.bn2.forward(b.conv2.forward(h)), identity));
    }
  }
  return m.fc.forward(flatten(adaptiveAvgPool2d(y, 1), 1));
}

function trainSteps(fwd: (m: ResNet, x: Tensor) => Tensor, steps: number): [ResNet, number[]] {
  const m = resnet({ widths: [4, 8, 8], rng: new Rng(5), dtype: 'float64' }).train();
  const rng = new Rng(6);
  const x = Tensor.randn([8, 1, 12, 12], rng, { dtype: 'float64' });
  const labels = new Int32Array(8).map(() => rng.int(10));
  const opt = new SGD(m.namedParameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = crossEntropy(fwd(m, x), labels);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return [m, losses];
}

test('ResNet.forward (fused BN, recycled activations, in-place grads) = plain ops over 4 SGD steps', () => {
  const before = bufferPoolStats();
  const [a, la] = trainSteps((m, x) => m.forward(x), 4);
  const mid = bufferPoolStats();
  const [b, lb] = trainSteps(plainForward, 4);
  for (let i = 0; i < la.length; i++) assert.ok(Math.abs(la[i] - lb[i]) < 1e-10, `loss ${i}`);
  assert.ok(la[3] < la[0], `loss falls: ${la}`);
  const sb = b.stateDict();
  let worst = 0;
  for (const [k, t] of a.stateDict()) worst = Math.max(worst, maxAbsDiff(t, sb.get(k)!));
  assert.ok(worst < 1e-10, `state dicts differ by ${worst}`);
  // Recycling happened: the fused run drew most of its buffers from the pool.
  assert.ok(mid.hits - before.hits > 50, `pool hits ${mid.hits - before.hits}`);
});

test('outputs a caller can hold stay valid: BasicBlock.forward, ConvStack, ResNet input', () => {
  const rng = new Rng(3);
  const block = new BasicBlock(4, 8, 2, { rng, dtype: 'float64' }).train();
  const x = Tensor.randn([4, 4, 16, 16], rng, { dtype: 'float64', requiresGrad: true });
  const out = block.forward(x);
  const snap = out.clone();
  sum(mul(out, out)).backward();
  const again = block.forward(Tensor.randn([4, 4, 16, 16], rng, { dtype: 'float64' }));
  sum(again).backward();
  assert.equal(maxAbsDiff(out, snap), 0);
  assert.ok(x.grad !== null && x.grad.toArray().some((v) => v !== 0));

  const net = convStack({ channels: [8, 8], rng, dtype: 'float64' }).train();
  const xin = Tensor.randn([4, 1, 16, 16], rng, { dtype: 'float64' });
  const xsnap = xin.clone();
  const logits = net.forward(xin);
  const lsnap = logits.clone();
  sum(logits).backward();
  sum(net.forward(Tensor.randn([4, 1, 16, 16], rng, { dtype: 'float64' }))).backward();
  assert.equal(maxAbsDiff(logits, lsnap), 0);
  assert.equal(maxAbsDiff(xin, xsnap), 0);
});

test('ConvStack fused forward equals conv → bn → relu composed, train and eval', () => {
  const rng = new Rng(8);
  const net = convStack({ channels: [4, 6], rng, dtype: 'float64' });
  const x = Tensor.randn([3, 1, 10, 10], rng, { dtype: 'float64' });
  const manual = (): Tensor => {
    let y = x;
    for (let i = 0; i < net.features.length; i++) y = (net.features.at(i) as Module).forward(y);
    return net.fc.forward(net.pool.forward(y));
  };
  for (const train of [true, false]) {
    net.train(train);
    const a = net.forward(x);
    const b = manual();
    assert.ok(maxAbsDiff(a, b) < 1e-12, `train=${train}`);
  }
});

test('BatchNorm2d.forwardAct = relu(add(forward(x), r)): values, grads, running stats, counter', () => {
  const rng = new Rng(11);
  for (const training of [true, false]) {
    const mk = (): BatchNorm2d => {
      const bn = new BatchNorm2d(3, { dtype: 'float64' });
      bn.weight!.copyFrom(Tensor.from([0.5, -1.2, 2], [3], { dtype: 'float64' }));
      bn.runningVar!.copyFrom(Tensor.from([0.7, 1.3, 2.2], [3], { dtype: 'float64' }));
      return bn.train(training);
    };
    const [p, q] = [mk(), mk()];
    const xs = Tensor.randn([2, 3, 4, 5], rng, { dtype: 'float64' });
    const rs = Tensor.randn([2, 3, 4, 5], rng, { dtype: 'float64' });
    const [x1, x2] = [xs.clone(), xs.clone()];
    const [r1, r2] = [rs.clone(), rs.clone()];
    for (const t of [x1, x2, r1, r2]) t.requiresGrad = true;
    const w = Tensor.randn([2, 3, 4, 5], rng, { dtype: 'float64' });
    const ya = p.forwardAct(x1, { residual: r1 });
    const yb = relu(add(q.forward(x2), r2));
    assert.ok(maxAbsDiff(ya, yb) < 1e-12);
    assert.ok(ya.toArray().some((v) => v === 0) && ya.toArray().some((v) => v > 0));
    sum(mul(ya, w)).backward();
    sum(mul(yb, w)).backward();
    for (const [g, h] of [
      [x1.grad!, x2.grad!],
      [r1.grad!, r2.grad!],
      [p.weight!.grad!, q.weight!.grad!],
      [p.bias!.grad!, q.bias!.grad!],
    ]) {
      assert.ok(maxAbsDiff(g, h) < 1e-10);
    }
    assert.ok(maxAbsDiff(p.runningMean!, q.runningMean!) < 1e-15);
    assert.ok(maxAbsDiff(p.runningVar!, q.runningVar!) < 1e-15);
    assert.equal(p.numBatchesTracked, training ? 1 : 0);
    assert.equal(p.numBatchesTracked, q.numBatchesTracked);
    // relu: false leaves negatives
    const z = p.forwardAct(xs, { relu: false });
    assert.ok(z.toArray().some((v) => v < 0));
  }
});

test('backward accumulating into the partial gradient: input used by two convs and as residual', () => {
  const rng = new Rng(13);
  const o = { dtype: 'float64' as const };
  const xs = Tensor.randn([2, 3, 6, 6], rng, o).toChannelsLast();
  const w1 = Tensor.randn([3, 3, 3, 3], rng, o);
  const w2 = Tensor.randn([3, 3, 1, 1], rng, o);
  const run = (fused: boolean): Tensor[] => {
    const x = xs.clone();
    x.requiresGrad = true;
    const [a, b] = [w1.clone(), w2.clone()];
    a.requiresGrad = true;
    b.requiresGrad = true;
    // x feeds conv(a), conv(b) and the residual; a feeds two convs (leaf grad accumulated).
    const c1 = conv2d(x, a, null, { padding: 1 });
    const c2 = conv2d(x, b);
    const c3 = conv2d(c2, a, null, { padding: 1 });
    const s = fused
      ? batchNormAct2d(add(c1, c3), { residual: x })
      : relu(add(batchNormAct2d(add(c1, c3), { relu: false }), x));
    sum(mul(s, s)).backward();
    return [x.grad!, a.grad!, b.grad!];
  };
  const [p, q] = [run(true), run(false)];
  for (let i = 0; i < 3; i++) {
    const scale = Math.max(...q[i].toArray().map(Math.abs));
    assert.ok(scale > 0);
    assert.ok(maxAbsDiff(p[i], q[i]) < 1e-9 * scale, `grad ${i}`);
  }
});

test('batchNormAct2d graph: every epilogue combination and residual = x give the unfused grads', () => {
  const rng = new Rng(17);
  const o = { dtype: 'float64' as const };
  const xs = Tensor.randn([2, 3, 3, 4], rng, o);
  const rs = Tensor.randn([2, 3, 3, 4], rng, o);
  const w = Tensor.randn([2, 3, 3, 4], rng, o);
  const gs = Tensor.from([0.7, -1.1, 1.9], [3], o);
  for (const useRelu of [true, false]) {
    for (const res of ['none', 'other', 'self'] as const) {
      const run = (fused: boolean): Tensor[] => {
        const x = xs.clone();
        const r = rs.clone();
        const g = gs.clone();
        for (const t of [x, r, g]) t.requiresGrad = true;
        const residual = res === 'none' ? null : res === 'self' ? x : r;
        let y: Tensor;
        if (fused) y = batchNormAct2d(x, { weight: g, residual, relu: useRelu });
        else {
          y = batchNormAct2d(x, { weight: g, relu: false });
          if (residual) y = add(y, residual);
          if (useRelu) y = relu(y);
        }
        sum(mul(y, w)).backward();
        return [y, x.grad!, g.grad!, ...(res === 'other' ? [r.grad!] : [])];
      };
      const [p, q] = [run(true), run(false)];
      for (let i = 0; i < q.length; i++) {
        assert.ok(maxAbsDiff(p[i], q[i]) < 1e-10, `relu=${useRelu} residual=${res} #${i}`);
      }
    }
  }
});

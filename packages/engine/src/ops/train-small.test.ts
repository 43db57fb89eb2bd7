import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ops from './index.js';
import { noGrad } from '../autograd.js';
import { tsKernels } from '../backends/ts/index.js';
import { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';

test('a small CNN overfits 16 images in a few seconds (TS backend, float32)', () => {
  const rng = new Rng(3);
  const param = (shape: number[], fanIn: number): Tensor => {
    const t = Tensor.uniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), rng);
    t.requiresGrad = true;
    return t;
  };
  const x = Tensor.randn([16, 1, 28, 28], rng);
  const labels = Array.from({ length: 16 }, (_, i) => i % 10);
  const w1 = param([8, 1, 3, 3], 9);
  const g1 = Tensor.ones([8], { requiresGrad: true });
  const b1 = Tensor.zeros([8], { requiresGrad: true });
  const w2 = param([16, 8, 3, 3], 72);
  const g2 = Tensor.ones([16], { requiresGrad: true });
  const b2 = Tensor.zeros([16], { requiresGrad: true });
  const fw = param([10, 16], 16);
  const fb = param([10], 16);
  const params = [w1, g1, b1, w2, g2, b2, fw, fb];
  const bufs = params.map((p) => new Float32Array(p.size));
  const rm = [Tensor.zeros([8]), Tensor.zeros([16])];
  const rv = [Tensor.ones([8]), Tensor.ones([16])];
  const forward = (): Tensor => {
    let h = ops.conv2d(x, w1, null, { padding: 1 });
    h = ops.relu(
      ops.batchNorm2d(h, { weight: g1, bias: b1, runningMean: rm[0], runningVar: rv[0] }),
    );
    h = ops.maxPool2d(h, { kernelSize: 2 });
    h = ops.conv2d(h, w2, null, { padding: 1, stride: 2 });
    h = ops.relu(
      ops.batchNorm2d(h, { weight: g2, bias: b2, runningMean: rm[1], runningVar: rv[1] }),
    );
    h = ops.flatten(ops.adaptiveAvgPool2d(h, 1));
    return ops.crossEntropy(ops.linear(h, fw, fb), labels);
  };
  const t0 = performance.now();
  const losses: number[] = [];
  for (let step = 0; step < 60; step++) {
    for (const p of params) p.grad = null;
    const loss = forward();
    losses.push(loss.item());
    loss.backward();
    noGrad(() => {
      params.forEach((p, i) => {
        tsKernels.sgdStep({
          param: p.data,
          momentumBuf: bufs[i],
          grad: p.grad!.data,
          n: p.size,
          lr: 0.1,
          momentum: 0.9,
          dampening: 0,
          weightDecay: 0,
          nesterov: false,
          firstStep: step === 0,
        });
      });
    });
  }
  const secs = (performance.now() - t0) / 1000;
  assert.ok(losses[0] > 2, `initial loss ${losses[0]}`);
  assert.ok(
    losses[losses.length - 1] < 0.2 * losses[0],
    `loss ${losses[0]} -> ${losses[losses.length - 1]}`,
  );
  assert.ok(secs < 20, `60 steps took ${secs.toFixed(1)} s`);
  assert.ok(
    rm[0].data.some((v) => v !== 0),
    'running mean updated',
  );
});

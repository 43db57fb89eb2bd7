import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, Rng, resnet, convStack, type Module, SGD, crossEntropy } from '@smd/engine';
import { detectScaleInvariance } from './structural.js';
import { rescaleScaleInvariant, rescaleWeights } from './rescale.js';

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

/** Sets every normalization ε to 0, so invariance is exact up to float32 rounding. */
function zeroEps(model: Module): Module {
  for (const [, m] of model.namedModules())
    if ('eps' in m) (m as unknown as { eps: number }).eps = 0;
  return model;
}

function checkFunctionUnchanged(model: Module, x: Tensor, k: number) {
  const detection = detectScaleInvariance(model, x);
  const inv = detection.filter((r) => r.scaleInvariant).map((r) => r.param);
  assert.ok(inv.length > 0);
  const before = Array.from(model.forward(x).data);
  const params = new Map(model.namedParameters());
  const norm0 = Math.hypot(...params.get(inv[0])!.data);
  const f = rescaleWeights(
    inv.map((n) => params.get(n)!),
    k,
  );
  assert.ok(Math.abs(f - k ** -0.25) < 1e-15);
  assert.ok(Math.abs(Math.hypot(...params.get(inv[0])!.data) / norm0 - f) < 1e-6);
  const after = Array.from(model.forward(x).data);
  return { before, after, detection, params };
}

test('rescaling trick leaves a BN ResNet in train mode unchanged (float32 tolerance)', () => {
  const x = Tensor.randn([4, 1, 8, 8], new Rng(32));
  // with BN's ε = 1e-5 the invariance is approximate (ε/var ~ 1e-4 here)
  const approx = checkFunctionUnchanged(
    resnet({ widths: [4, 8, 8], blocksPerStage: 1, rng: new Rng(31) }),
    x,
    10,
  );
  assert.ok(maxRelDiff(approx.after, approx.before) < 2e-3);
  const model = zeroEps(resnet({ widths: [4, 8, 8], blocksPerStage: 1, rng: new Rng(31) }));
  const { before, after, params } = checkFunctionUnchanged(model, x, 10);
  const d = maxRelDiff(after, before);
  assert.ok(d < 2e-6, `relative change ${d}`);
  // the check can fail: rescaling a non-invariant weight (the classifier) changes the output
  rescaleWeights([params.get('fc.weight')!], 10);
  assert.ok(maxRelDiff(Array.from(model.forward(x).data), before) > 0.1);
});

test('rescaling trick with GroupNorm and weight norm keeps the function', () => {
  const x = Tensor.randn([3, 1, 8, 8], new Rng(33));
  const gnModel = zeroEps(
    convStack({ channels: [4, 8], norm: 'group', groups: 2, rng: new Rng(34) }),
  );
  const gn = checkFunctionUnchanged(gnModel, x, 100);
  assert.ok(
    maxRelDiff(gn.after, gn.before) < 2e-6,
    `GroupNorm: ${maxRelDiff(gn.after, gn.before)}`,
  );
  const wn = checkFunctionUnchanged(
    convStack({ channels: [4], norm: 'none', weightNorm: 'all', rng: new Rng(35) }),
    x,
    10,
  );
  assert.deepEqual(
    wn.detection.filter((r) => r.scaleInvariant).map((r) => r.param),
    ['features.0.weight_v', 'fc.weight_v'],
  );
  assert.ok(
    maxRelDiff(wn.after, wn.before) < 2e-6,
    `weight norm: ${maxRelDiff(wn.after, wn.before)}`,
  );
});

test('rescaleScaleInvariant on an optimizer: weights and (like-gradients) momentum buffers', () => {
  const model = convStack({ channels: [4], rng: new Rng(36) });
  const x = Tensor.randn([2, 1, 6, 6], new Rng(37));
  const detection = detectScaleInvariance(model, x);
  const opt = new SGD(model.namedParameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
  opt.zeroGrad();
  crossEntropy(model.forward(x), [1, 2]).backward();
  opt.step();
  const w = model.namedParameters().find(([n]) => n === 'features.0.weight')![1];
  const fc = model.namedParameters().find(([n]) => n === 'fc.weight')![1];
  const buf = opt.state.get('features.0.weight')!.momentum_buffer as Tensor;
  const w0 = Float64Array.from(w.data);
  const b0 = Float64Array.from(buf.data);
  const fc0 = Float64Array.from(fc.data);
  const names = rescaleScaleInvariant(opt, detection, 16, 'like-gradients');
  assert.deepEqual(names, ['features.0.weight']);
  for (let i = 0; i < w0.length; i++) {
    assert.equal(w.data[i], Math.fround(w0[i] * 0.5));
    assert.equal(buf.data[i], Math.fround(b0[i] * 2));
  }
  assert.deepEqual(Array.from(fc.data), Array.from(fc0));
  assert.throws(() => rescaleWeights([], 0), /k must be a number > 0/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, Rng, convStack, crossEntropy, SGD } from '@smd/engine';
import { probeForOptimizer, probeStep } from '../probe/engine-adapter.js';
import { detectScaleInvariance, type ScaleInvarianceResult } from './structural.js';
import { RadialCosTracker, confirmScaleInvariance } from './runtime.js';

test('training a conv-BN stack: radial cosine confirms the structurally invariant convs', () => {
  const rng = new Rng(21);
  const model = convStack({ channels: [4, 6], rng: new Rng(22) });
  const x = Tensor.randn([4, 1, 6, 6], rng);
  const labels = [0, 3, 7, 1];
  const structural = detectScaleInvariance(model, x);
  const opt = new SGD(model.namedParameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const probe = probeForOptimizer(opt);
  const tracker = new RadialCosTracker(50);
  for (let t = 0; t < 12; t++) {
    opt.zeroGrad();
    crossEntropy(model.forward(x), labels).backward();
    tracker.push(probeStep(probe, opt, t));
  }
  const rs = new Map(confirmScaleInvariance(structural, tracker).map((r) => [r.param, r]));
  for (const name of ['features.0.weight', 'features.3.weight']) {
    const r = rs.get(name)!;
    assert.equal(r.runtime, 'confirmed', `${name}: ${r.meanAbsRadialCos}`);
    assert.ok(r.meanAbsRadialCos! < 1e-4);
    assert.ok(r.scaleInvariant);
  }
  const fc = rs.get('fc.weight')!;
  assert.equal(fc.runtime, 'not_applicable');
  assert.ok(fc.meanAbsRadialCos! > 1e-3, `fc |cos| ${fc.meanAbsRadialCos}`);
});

test('a structurally invariant tensor with a large radial cosine is flagged', () => {
  const base: ScaleInvarianceResult = {
    param: 'conv.weight',
    scaleInvariant: true,
    reason: 'conv output feeds only BatchNorm2d bn',
    perChannel: true,
    structural: true,
    runtime: 'unmeasured',
    norms: [{ module: 'bn', kind: 'BatchNorm2d', degree: 1, shifted: false }],
  };
  const t = new RadialCosTracker(4);
  for (const c of [0.02, -0.03, 0.01, 0.04, 0.03]) t.pushValue('conv.weight', c);
  assert.ok(Math.abs(t.meanAbs('conv.weight') - 0.0275) < 1e-15, 'window keeps the last 4');
  const [r] = confirmScaleInvariance([base], t, { minSamples: 4 });
  assert.equal(r.runtime, 'contradicted');
  assert.equal(r.scaleInvariant, false);
  assert.match(r.reason, /but mean \|radial cos\| = 0\.0275 >= 0\.001 over 4 steps/);
  const [u] = confirmScaleInvariance([base], t, { minSamples: 5 });
  assert.equal(u.runtime, 'unmeasured');
  assert.equal(u.scaleInvariant, true);
});

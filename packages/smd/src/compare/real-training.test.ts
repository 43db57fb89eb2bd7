// docs/smd-theory.md §6, third check, at small scale: a BatchNorm conv net trained with torch-exact
// SGD/SGDM on fresh random batches; after the transient the windowed mean Δ_t of every
// BN-followed conv is within a few percent of Δ* (verdict 'equilibrium'), at several (η, λ, α).
// Measured: Δ/Δ* = 1.002–1.044 and ‖w‖/w* = 0.97–0.99 over the three configurations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convStack, Tensor, Rng, crossEntropy, SGD, splitDecayParams } from '@smd/engine';
import { detectScaleInvariance } from '../detect/structural.js';
import { probeForOptimizer } from '../probe/engine-adapter.js';
import { SmdTracker } from './tracker.js';

const configs = [
  { lr: 0.2, momentum: 0.9, weightDecay: 5e-3 },
  { lr: 0.2, momentum: 0, weightDecay: 1e-2 },
  { lr: 0.1, momentum: 0.5, weightDecay: 1e-2 },
];

for (const hyper of configs) {
  test(`conv-BN net, η=${hyper.lr} λ=${hyper.weightDecay} α=${hyper.momentum}: Δ within 8% of Δ*`, () => {
    const rng = new Rng(3);
    const model = convStack({ channels: [8, 16], rng: new Rng(4) });
    // a learnable stream: fresh inputs, labels from a fixed random linear teacher (64 → 10)
    const teacher = Array.from({ length: 640 }, () => rng.normal());
    const batch = () => Tensor.randn([16, 1, 8, 8], rng);
    const teach = (x: Tensor) =>
      Array.from({ length: 16 }, (_, n) => {
        let best = 0;
        let bestV = -Infinity;
        for (let k = 0; k < 10; k++) {
          let v = 0;
          for (let i = 0; i < 64; i++) v += teacher[k * 64 + i] * x.data[n * 64 + i];
          if (v > bestV) [best, bestV] = [k, v];
        }
        return best;
      });
    const det = detectScaleInvariance(model, batch());
    const inv = det.filter((r) => r.scaleInvariant).map((r) => r.param);
    assert.deepEqual(inv, ['features.0.weight', 'features.3.weight']);
    const opt = new SGD(splitDecayParams(model.namedParameters()), hyper);
    const probe = probeForOptimizer(opt, { params: inv });
    const tracker = new SmdTracker();
    for (let t = 0; t < 1000; t++) {
      opt.zeroGrad();
      const x = batch();
      crossEntropy(model.forward(x), teach(x)).backward();
      probe.beforeStep(t);
      opt.step();
      tracker.push(probe.measure(t));
    }
    for (const p of inv) {
      const c = tracker.compare(p, true, 0.08);
      assert.equal(c.verdict, 'equilibrium', c.summary);
      assert.ok(Math.abs(c.deltaRatio - 1) < 0.08, c.summary);
      assert.ok(Math.abs(c.normRatio - 1) < 0.08, c.summary);
    }
  });
}

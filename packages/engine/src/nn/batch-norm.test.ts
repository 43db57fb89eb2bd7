import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { BatchNorm2d } from './batch-norm.js';
import { compareTensor, fromFixture, type FixtureTensor } from '@smd/test-support/engine';

interface RunningCase {
  momentum: number | null;
  inputs: FixtureTensor[];
  history: {
    running_mean: FixtureTensor;
    running_var: FixtureTensor;
    num_batches_tracked: number;
  }[];
}

const fx = JSON.parse(
  readFileSync(new URL('../../fixtures/torch/bn-running.json', import.meta.url), 'utf8'),
) as { cases: RunningCase[] };

for (const c of fx.cases) {
  test(`BatchNorm2d running statistics after each of k steps match torch (momentum ${c.momentum})`, () => {
    const bn = new BatchNorm2d(3, { momentum: c.momentum }).train();
    let worst = 0;
    c.inputs.forEach((x, k) => {
      bn.forward(fromFixture(x));
      const h = c.history[k];
      for (const [got, want, name] of [
        [bn.runningMean!, h.running_mean, 'running_mean'],
        [bn.runningVar!, h.running_var, 'running_var'],
      ] as const) {
        const e = compareTensor(got, want);
        worst = Math.max(worst, e.maxRel);
        assert.ok(e.maxRel < 1e-5, `step ${k + 1} ${name}: ${e.maxRel}`);
      }
      assert.equal(bn.numBatchesTracked, h.num_batches_tracked);
    });
    console.log(
      `bn running stats (momentum ${c.momentum}) worst rel err ${worst.toExponential(2)}`,
    );
  });
}

test('BatchNorm2d: torch init, key names, eval leaves running stats alone', () => {
  const bn = new BatchNorm2d(4);
  assert.deepEqual(
    [...bn.stateDict().keys()],
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'],
  );
  assert.deepEqual(bn.weight!.toArray(), [1, 1, 1, 1]);
  assert.deepEqual(bn.bias!.toArray(), [0, 0, 0, 0]);
  assert.deepEqual(bn.runningVar!.toArray(), [1, 1, 1, 1]);
  const x = Tensor.randn([3, 4, 2, 2], new Rng(1));
  bn.eval();
  const y = bn.forward(x);
  // eval with fresh stats: y = x / sqrt(1 + eps)
  const xs = x.toArray();
  y.toArray().forEach((v, i) => assert.ok(Math.abs(v - xs[i] / Math.sqrt(1 + 1e-5)) < 1e-6));
  assert.equal(bn.numBatchesTracked, 0);
  assert.deepEqual(bn.runningMean!.toArray(), [0, 0, 0, 0]);
  bn.train();
  bn.forward(x);
  assert.equal(bn.numBatchesTracked, 1);
  assert.notDeepEqual(bn.runningMean!.toArray(), [0, 0, 0, 0]);
  bn.resetRunningStats();
  assert.equal(bn.numBatchesTracked, 0);
  assert.throws(() => bn.forward(Tensor.zeros([2, 3, 2, 2])), /input has 3 channels, expected 4/);
});

test('BatchNorm2d without running stats or affine: batch statistics always, no keys', () => {
  const bn = new BatchNorm2d(2, { trackRunningStats: false, affine: false });
  assert.equal(bn.stateDict().size, 0);
  assert.equal(bn.parameters().length, 0);
  bn.eval();
  const y = bn.forward(Tensor.randn([4, 2, 3, 3], new Rng(2)));
  // batch-normalized even in eval: per-channel mean ≈ 0
  const v = y.toArray();
  for (let ch = 0; ch < 2; ch++) {
    let s = 0;
    for (let n = 0; n < 4; n++) for (let p = 0; p < 9; p++) s += v[n * 18 + ch * 9 + p];
    assert.ok(Math.abs(s / 36) < 1e-6);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyzeTorchCheckpoints } from './dropped-torch.js';

// Fixtures of packages/formats/src/fixtures/torch/make_torch_fixtures.py (python3-torch 1.13):
// a BN convnet trained on Fashion-MNIST, checkpoints at steps 30, 59, 60, and what PyTorch
// measured in float64 (norm and the Δ_t of the step that wrote each checkpoint).
const RUNS = fileURLToPath(new URL('../../../formats/src/fixtures/torch/runs/', import.meta.url));
const EXPECTED = JSON.parse(readFileSync(`${RUNS}expected.json`, 'utf8')) as Record<
  string,
  { step: number; params: Record<string, { delta: number; norm: number }> }[]
>;
const file = (run: string, name: string): { name: string; bytes: Uint8Array } => ({
  name,
  bytes: new Uint8Array(readFileSync(`${RUNS}${run}/${name}`)),
});

test('dropped .pt files in any order: step order, PyTorch’s Δ_t and ‖w‖, Δ*, scale invariance', () => {
  const s = analyzeTorchCheckpoints(
    ['ckpt-60.pt', 'ckpt-30.pt', 'ckpt-59.pt'].map((n) => file('sgdm', n)),
  );
  assert.deepEqual(s.skipped, []);
  assert.deepEqual(
    s.analyses.map((a) => a.step),
    [30, 59, 60],
  );
  // Δ_t is rebuilt from float32 weights and buffers: 1e-5 for the weight tensors, 1e-4 for the
  // tiny Δ of 1-D BN parameters (~1e-4 rad).
  s.analyses.forEach((a, i) => {
    assert.equal(a.optimizer?.name, 'sgdm');
    for (const [name, want] of Object.entries(EXPECTED.sgdm[i].params)) {
      const t = a.tensors.find((x) => x.name === name)!;
      assert.ok(Math.abs(t.norm / want.norm - 1) < 1e-6, `${a.step} ${name} norm`);
      assert.ok(
        Math.abs(t.deltaRad / want.delta - 1) < (t.shape.length > 1 ? 1e-5 : 1e-4),
        `${a.step} ${name} Δ ${t.deltaRad} vs ${want.delta}`,
      );
    }
  });
  const last = s.analyses[2];
  const conv2 = last.tensors.find((t) => t.name === 'conv2.weight')!;
  assert.equal(conv2.scaleInvariant, true);
  assert.equal(last.tensors.find((t) => t.name === 'fc.weight')!.scaleInvariant, false);
  // Δ* = arccos(1 − λη/(1+α)) at the last checkpoint's η (0.01 after the drop), λ = 5e-4, α = 0.9
  const lr = last.optimizer!.lr;
  assert.ok(Math.abs(lr - 0.01) < 1e-12);
  assert.ok(Math.abs(conv2.deltaStar - Math.acos(1 - (5e-4 * lr) / 1.9)) < 1e-12);
  // 59 → 60 is one step: the angle to the previous checkpoint is that step's Δ
  assert.ok(Math.abs(conv2.angleToPrev / EXPECTED.sgdm[2].params['conv2.weight'].delta - 1) < 1e-5);
});

test('a broken or repeated file is one line naming it; the rest is analyzed', () => {
  const s = analyzeTorchCheckpoints([
    file('sgdm', 'ckpt-30.pt'),
    { name: 'broken.pt', bytes: new Uint8Array([1, 2, 3]) },
    { ...file('sgdm', 'ckpt-30.pt'), name: 'again-step30.pt' },
  ]);
  assert.equal(s.analyses.length, 1);
  assert.equal(s.skipped.length, 2);
  assert.match(s.skipped[0], /^torch checkpoint broken\.pt: not a PyTorch checkpoint/);
  assert.match(s.skipped[1], /^again-step30\.pt: step 30 is not after step 30/);
});

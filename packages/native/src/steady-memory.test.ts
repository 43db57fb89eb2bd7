// Steady-state memory of a training loop must not grow step to step (issue #3): after a forced
// garbage collection, the JS heap and the ArrayBuffer bytes at step 150 equal those at step 30
// within 1 MB. Keeping one extra forward pass (its output and graph) per step makes the heap grow
// 5.4 MB over these 120 steps, so a per-step leak of that kind fails here.
import assert from 'node:assert/strict';
import test from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { crossEntropy, resnet, Rng, SGD, Tensor, withBackend } from '@smd/engine';
import { nativeBackend, nativeStatus } from './index.js';

const status = nativeStatus();
const skip = status.loaded ? false : `native addon not loaded: ${status.reason}`;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Live JS heap + ArrayBuffer bytes after a full collection. */
function liveBytes(): { heap: number; buffers: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

test('training steps on the native backend do not grow live memory', { skip }, () => {
  withBackend(nativeBackend()!, () => {
    const rng = new Rng(3);
    const model = resnet({ widths: [16, 32, 64], rng });
    model.train();
    const opt = new SGD(model.namedParameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
    const x = Tensor.randn([4, 1, 28, 28], rng);
    const labels = new Int32Array([1, 7, 3, 0]);
    let at30 = { heap: 0, buffers: 0 };
    for (let i = 1; i <= 150; i++) {
      opt.zeroGrad();
      const loss = crossEntropy(model.forward(x), labels);
      loss.backward();
      opt.step();
      assert.ok(Number.isFinite(loss.item()), `step ${i}: loss not finite`);
      if (i === 30) at30 = liveBytes();
    }
    const at150 = liveBytes();
    const mb = (b: number) => (b / 1e6).toFixed(2);
    assert.ok(
      at150.heap - at30.heap < 1e6,
      `JS heap grew ${mb(at150.heap - at30.heap)} MB from step 30 to 150`,
    );
    assert.ok(
      at150.buffers - at30.buffers < 1e6,
      `ArrayBuffers grew ${mb(at150.buffers - at30.buffers)} MB from step 30 to 150`,
    );
  });
});

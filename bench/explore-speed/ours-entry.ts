/**
 * The explorer's training step on the engine's TypeScript backend, for bench/explore-speed:
 * LIVE_NET (conv 8–16–32 + BatchNorm + ReLU, global average pool, fc 32→10) on batches of
 * 1×28×28 images, cross-entropy, torch SGD with momentum 0.9 and weight decay — what
 * packages/web/src/explore/live-worker.ts does per step, without its SMD probe (the TF.js side has
 * none). Bundled by run.mjs; exposes globalThis.smdBench.
 */
import { CrossEntropyLoss, Rng, SGD, Tensor, convStack, setBackend, tsBackend } from '@smd/engine';
import { LIVE_NET } from '../../packages/web/src/explore/live-protocol.js';

setBackend(tsBackend);

let step: ((n: number) => number) | null = null;

function setup(batch: number, seed: number): void {
  const rng = new Rng(seed);
  const model = convStack({
    channels: LIVE_NET.channels,
    strides: LIVE_NET.strides,
    norm: 'batch',
    rng,
  });
  const opt = new SGD(model.namedParameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
  const loss = new CrossEntropyLoss();
  const images = new Float32Array(batch * 28 * 28).map(() => rng.normal());
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
  step = (n: number): number => {
    let last = 0;
    for (let i = 0; i < n; i++) {
      opt.zeroGrad();
      const l = loss.forward(model.forward(new Tensor(images.slice(), [batch, 1, 28, 28])), labels);
      l.backward();
      opt.step();
      last = l.data[0];
    }
    return last;
  };
}

(globalThis as unknown as { smdBench: unknown }).smdBench = {
  setup,
  /** Runs n training steps; returns the last loss (so nothing is optimized away). */
  steps: (n: number): number => step!(n),
};

/**
 * The PyTorch-style training loop a newcomer writes, as a runnable example (README "The library").
 * The same function trains on the native backend or the TS reference backend: the backend is
 * chosen by `setBackend` before the call and the loop itself does not change.
 *
 *   node packages/cli/dist/examples/train-loop.js [native|ts] [steps]
 */
import {
  CrossEntropyLoss,
  DataLoader,
  FASHION_MNIST_NORMALIZATION,
  SGD,
  Tensor,
  makeSyntheticImageDataset,
  manualSeed,
  resnet,
  setBackend,
  tsBackend,
  type ImageDataset,
} from '@smd/engine';
import { nativeBackend } from '@smd/native';
import { deltaStarExact } from '@smd/smd';

/** Trains the reference ResNet (16/32/64) for `steps` SGDM steps; returns the loss per step. */
export function trainLoop(data: ImageDataset, steps: number, batchSize = 32): number[] {
  manualSeed(0);
  const model = resnet({ widths: [16, 32, 64] });
  const opt = new SGD(model.namedParameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
  const lossFn = new CrossEntropyLoss();
  const loader = new DataLoader(data, {
    batchSize,
    shuffle: true,
    seed: 0,
    dropLast: true,
    normalize: FASHION_MNIST_NORMALIZATION,
  });
  const losses: number[] = [];
  model.train();
  for (let step = 0; step < steps; step++) {
    const batch = loader.next(); // images: Float32Array N×1×28×28, labels: Int32Array
    opt.zeroGrad();
    const logits = model.forward(new Tensor(batch.images, [batch.size, 1, 28, 28]));
    const loss = lossFn.forward(logits, batch.labels);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return losses;
}

/** Mean of the last k values (the loss level reached). */
export function meanLast(xs: number[], k: number): number {
  const tail = xs.slice(-k);
  return tail.reduce((a, b) => a + b, 0) / tail.length;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const which = process.argv[2] ?? 'native';
  const steps = Number(process.argv[3] ?? 40);
  const native = which === 'native' ? nativeBackend() : null;
  setBackend(native ?? tsBackend);
  const data = makeSyntheticImageDataset({ length: 1024, seed: 1 });
  const t0 = performance.now();
  const losses = trainLoop(data, steps);
  const s = (performance.now() - t0) / 1000;
  console.log(
    `backend ${native ? 'native' : 'ts'}: loss ${losses[0].toFixed(3)} → ${meanLast(losses, 5).toFixed(3)} in ${steps} steps (${s.toFixed(1)} s); Δ* = ${deltaStarExact({ lr: 0.1, wd: 5e-4, momentum: 0.9 }).toFixed(6)} rad`,
  );
}

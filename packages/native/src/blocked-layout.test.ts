// The native backend's blocked (nChw16c) activations and its Winograd convolutions, end to end:
// the shape rule picks Winograd exactly where it measured faster, and a training step of the
// reference ResNet gives the same loss and gradients blocked (Winograd) as channels-last (direct).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  conv2dGeometry,
  crossEntropy,
  resnet,
  Rng,
  Tensor,
  tsBackend,
  withBackend,
  type Backend,
} from '@smd/engine';
import { nativeBackend, nativeConvImplementation, nativeStatus } from './index.js';

const status = nativeStatus();
const skip = status.loaded ? false : `native addon not loaded: ${status.reason}`;

test('blocked 3×3 stride-1 convolutions use Winograd by the measured shape rule', { skip }, () => {
  const impl = (n: number, c: number, h: number) => {
    const g = conv2dGeometry([n, c, h, h], [c, c, 3, 3], { padding: 1 });
    return (['forward', 'backwardData', 'backwardWeights'] as const).map((d) =>
      nativeConvImplementation(d, g, 'nChw16c', 'nChw16c')!.includes('wino') ? 'W' : 'd',
    );
  };
  // C → C for C ∈ {16, 32, 64} runs our own F(4×4,3×3) where the CPU has AVX-512 (all three
  // directions from 6272 pixels on, forward and backward-data at any size), oneDNN's otherwise.
  const avx512 = status.isa.startsWith('avx512');
  // Reference ResNet at batch 128: stages 32@28, 64@14, 128@7.
  assert.deepEqual(impl(128, 32, 28), avx512 ? ['W', 'W', 'W'] : ['W', 'W', 'd']);
  assert.deepEqual(impl(128, 64, 14), avx512 ? ['W', 'W', 'W'] : ['W', 'W', 'd']);
  assert.deepEqual(impl(128, 128, 7), ['W', 'W', 'W']);
  // Small ResNet: 16@28, 32@14, 64@7. Without our kernel, small batches and 16 channels stay
  // direct where oneDNN's Winograd measured slower.
  assert.deepEqual(impl(128, 16, 28), avx512 ? ['W', 'W', 'W'] : ['d', 'd', 'd']);
  assert.deepEqual(impl(128, 32, 14), avx512 ? ['W', 'W', 'W'] : ['d', 'd', 'd']);
  assert.deepEqual(impl(128, 64, 7), avx512 ? ['W', 'W', 'W'] : ['W', 'W', 'd']);
  assert.deepEqual(impl(4, 32, 10), avx512 ? ['W', 'W', 'd'] : ['d', 'd', 'd']);
  assert.deepEqual(impl(8, 128, 7), ['d', 'd', 'd']);
  for (const c of [16, 32, 64]) {
    const g = conv2dGeometry([128, c, 28, 28], [c, c, 3, 3], { padding: 1 });
    for (const kind of ['forward', 'backwardData', 'backwardWeights'] as const) {
      const own = nativeConvImplementation(kind, g, 'nChw16c', 'nChw16c')!;
      if (avx512) assert.equal(own, 'smd_wino_f43:avx512', `${c} channels ${kind}`);
      else assert.doesNotMatch(own, /smd_wino/);
    }
  }
  // Different input and output channel counts, or 128 channels: oneDNN.
  const g1632 = conv2dGeometry([128, 16, 28, 28], [32, 16, 3, 3], { padding: 1 });
  assert.doesNotMatch(
    nativeConvImplementation('forward', g1632, 'nChw16c', 'nChw16c')!,
    /smd_wino/,
  );
  // Channels-last activations never take Winograd (oneDNN 2.6 offers it blocked only).
  const g = conv2dGeometry([128, 64, 14, 14], [64, 64, 3, 3], { padding: 1 });
  assert.doesNotMatch(nativeConvImplementation('forward', g)!, /wino/);
});

/** Loss and every parameter gradient of one training step of a fresh seeded ResNet. */
function step(backend: Backend, widths: [number, number, number], batch: number) {
  return withBackend(backend, () => {
    const rng = new Rng(11);
    const model = resnet({ widths, rng });
    model.train();
    const x = Tensor.randn([batch, 1, 28, 28], rng);
    const labels = new Int32Array(batch).map(() => rng.int(10));
    const out = model.forward(x);
    const loss = crossEntropy(out, labels);
    loss.backward();
    const grads = new Map<string, number[]>();
    for (const [name, p] of model.namedParameters()) grads.set(name, p.grad!.toArray());
    return { loss: loss.item(), grads };
  });
}

/**
 * Gradients agree as directions and sizes: cosine ≥ 1 - cosTol and norms within normTol. An
 * element-wise bound would be wrong here: at initialization a 1e-6 relative change of the input
 * moves some conv gradients by 2% of their largest element (ReLU masks flip), in any two float32
 * implementations, so only the well-conditioned summaries are compared.
 */
function assertGradsClose(
  a: Map<string, number[]>,
  b: Map<string, number[]>,
  cosTol: number,
  normTol: number,
  what: string,
) {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, ga] of a) {
    const gb = b.get(name)!;
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < ga.length; i++) {
      ab += ga[i] * gb[i];
      aa += ga[i] * ga[i];
      bb += gb[i] * gb[i];
    }
    const cos = ab / Math.sqrt(aa * bb);
    const ratio = Math.sqrt(bb / aa);
    assert.ok(cos >= 1 - cosTol, `${what} ${name}: cosine ${cos}`);
    assert.ok(Math.abs(ratio - 1) <= normTol, `${what} ${name}: norm ratio ${ratio}`);
  }
}

test('reference ResNet step: blocked + Winograd matches channels-last direct', { skip }, () => {
  const blocked = step(nativeBackend()!, [32, 64, 128], 128);
  const nhwc = step(nativeBackend({ activationLayout: 'channelsLast' })!, [32, 64, 128], 128);
  assert.ok(Math.abs(blocked.loss - nhwc.loss) < 1e-5 * Math.abs(nhwc.loss), 'loss');
  assertGradsClose(blocked.grads, nhwc.grads, 2e-4, 5e-3, 'blocked vs nhwc');
});

test(
  'small ResNet step at batch 128: blocked (our Winograd) matches channels-last direct',
  { skip },
  () => {
    // Every 3×3 C → C layer (16@28, 32@14, 64@7) takes our kernel in all three directions here.
    const blocked = step(nativeBackend()!, [16, 32, 64], 128);
    const nhwc = step(nativeBackend({ activationLayout: 'channelsLast' })!, [16, 32, 64], 128);
    assert.ok(Math.abs(blocked.loss - nhwc.loss) < 1e-5 * Math.abs(nhwc.loss), 'loss');
    assertGradsClose(blocked.grads, nhwc.grads, 2e-4, 5e-3, 'blocked vs nhwc');
  },
);

test('small ResNet step: native blocked matches the TS backend', { skip }, () => {
  const native = step(nativeBackend()!, [16, 32, 64], 8);
  const ts = step(tsBackend, [16, 32, 64], 8);
  assert.ok(Math.abs(native.loss - ts.loss) < 1e-5 * Math.abs(ts.loss), 'loss');
  assertGradsClose(native.grads, ts.grads, 2e-4, 5e-3, 'native vs ts');
});

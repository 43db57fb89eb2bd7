import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageDataset } from './dataset.js';
import {
  computeNormalization,
  normalizationAffine,
  FASHION_MNIST_NORMALIZATION,
} from './normalize.js';

test('computeNormalization gives per-channel mean and population std of scaled pixels', () => {
  // 2 images of [2, 1, 2]; channel 0 values 0, 255, 255, 0 → mean 0.5, std 0.5;
  // channel 1 values 51, 51, 51, 51 → mean 0.2, std 0.
  const images = new Uint8Array([0, 255, 51, 51, 255, 0, 51, 51]);
  const ds = new ImageDataset({ images, labels: new Int32Array([0, 1]), imageShape: [2, 1, 2] });
  const { mean, std } = computeNormalization(ds);
  assert.ok(Math.abs(mean[0] - 0.5) < 1e-15);
  assert.ok(Math.abs(std[0] - 0.5) < 1e-15);
  assert.ok(Math.abs(mean[1] - 0.2) < 1e-15);
  assert.ok(Math.abs(std[1]) < 1e-7);
});

test('normalizationAffine maps raw values to (v/255 − mean)/std', () => {
  const { scale, bias } = normalizationAffine(FASHION_MNIST_NORMALIZATION, 1, 1 / 255);
  for (const v of [0, 73, 255]) {
    assert.ok(Math.abs(v * scale[0] + bias[0] - (v / 255 - 0.286) / 0.353) < 1e-12);
  }
  const none = normalizationAffine(null, 2, 1 / 255);
  assert.deepEqual([...none.scale], [1 / 255, 1 / 255]);
  assert.deepEqual([...none.bias], [0, 0]);
  assert.throws(
    () => normalizationAffine({ mean: [0.5], std: [0.5] }, 3, 1),
    /^Error: normalize: mean and std need 3 values \(one per channel\), got 1 and 1$/,
  );
  assert.throws(
    () => normalizationAffine({ mean: [0.5], std: [0] }, 1, 1),
    /std\[0\] must be > 0, got 0/,
  );
});

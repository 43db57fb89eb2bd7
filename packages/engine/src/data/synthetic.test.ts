import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeSyntheticImageDataset } from './synthetic.js';
import type { ImageDataset } from './dataset.js';

test('synthetic data is deterministic per seed, balanced, and 28×28 uint8', () => {
  const a = makeSyntheticImageDataset({ length: 103, seed: 3 });
  const b = makeSyntheticImageDataset({ length: 103, seed: 3 });
  const c = makeSyntheticImageDataset({ length: 103, seed: 4 });
  assert.deepEqual(a.images, b.images);
  assert.deepEqual(a.labels, b.labels);
  assert.notDeepEqual(a.images, c.images);
  assert.deepEqual([a.channels, a.height, a.width, a.numClasses], [1, 28, 28, 10]);
  assert.ok(a.images instanceof Uint8Array);
  const counts = new Array(10).fill(0);
  for (const l of a.labels) counts[l]++;
  assert.deepEqual(counts, [11, 11, 11, 10, 10, 10, 10, 10, 10, 10]);
  // Not a blank image: a blob and a bar light a good part of each image.
  let bright = 0;
  for (let p = 0; p < 784; p++) if (a.images[p] > 128) bright++;
  assert.ok(bright > 20 && bright < 400, `bright pixels ${bright}`);
});

function centroids(ds: ImageDataset): Float64Array[] {
  const size = ds.imageSize;
  const sums = Array.from({ length: ds.numClasses }, () => new Float64Array(size));
  const counts = new Array(ds.numClasses).fill(0);
  for (let i = 0; i < ds.length; i++) {
    const l = ds.labels[i];
    counts[l]++;
    for (let p = 0; p < size; p++) sums[l][p] += ds.images[i * size + p];
  }
  return sums.map((s, k) => s.map((v) => v / counts[k]));
}

/** Fraction of `ds` classified correctly by the nearest centroid (squared distance). */
function nearestCentroidAccuracy(cs: Float64Array[], ds: ImageDataset): number {
  const size = ds.imageSize;
  let correct = 0;
  for (let i = 0; i < ds.length; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let k = 0; k < cs.length; k++) {
      let d = 0;
      for (let p = 0; p < size; p++) d += (ds.images[i * size + p] - cs[k][p]) ** 2;
      if (d < bestD) [bestD, best] = [d, k];
    }
    if (best === ds.labels[i]) correct++;
  }
  return correct / ds.length;
}

test('a nearest-centroid classifier learns the synthetic classes (held-out accuracy > 95%)', () => {
  const cs = centroids(makeSyntheticImageDataset({ length: 500, seed: 1 }));
  const acc = nearestCentroidAccuracy(cs, makeSyntheticImageDataset({ length: 300, seed: 2 }));
  assert.ok(acc > 0.95, `accuracy ${acc}`);
  // …but the task is not trivial: with heavy noise and jitter the same classifier does worse.
  const hard = makeSyntheticImageDataset({ length: 300, seed: 2, noise: 1.5, jitter: 6 });
  const hardAcc = nearestCentroidAccuracy(cs, hard);
  assert.ok(hardAcc < acc - 0.1, `hard ${hardAcc} vs ${acc}`);
});

test('rejects bad options with one-line errors', () => {
  assert.throws(
    () => makeSyntheticImageDataset({ length: 0 }),
    /^Error: synthetic: length must be a positive integer, got 0$/,
  );
  assert.throws(
    () => makeSyntheticImageDataset({ length: 5, numClasses: 1 }),
    /numClasses must be an integer >= 2, got 1/,
  );
});

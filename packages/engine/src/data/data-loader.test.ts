import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageDataset } from './dataset.js';
import { DataLoader, type DataLoaderOptions } from './data-loader.js';

/** N images of [1, 4, 4]; image i is filled with value i (mod 256) so batches reveal indices. */
function indexed(n: number): ImageDataset {
  const images = new Uint8Array(n * 16);
  for (let i = 0; i < n; i++) images.fill(i % 256, i * 16, (i + 1) * 16);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  return new ImageDataset({ images, labels, imageShape: [1, 4, 4], numClasses: 10 });
}

interface Snap {
  epoch: number;
  batchIndex: number;
  indices: number[];
  labels: number[];
  images: number[];
}

function take(loader: DataLoader, count: number): Snap[] {
  const out: Snap[] = [];
  for (let i = 0; i < count; i++) {
    const b = loader.next();
    out.push({
      epoch: b.epoch,
      batchIndex: b.batchIndex,
      indices: [...b.indices],
      labels: [...b.labels],
      images: [...b.images],
    });
  }
  return out;
}

const AUG: DataLoaderOptions = {
  batchSize: 8,
  seed: 42,
  augment: { cropPadding: 1, horizontalFlip: true },
  normalize: { mean: [0.5], std: [0.25] },
};

test('same seed gives the same order; another seed or epoch a different one', () => {
  const ds = indexed(50);
  const a = take(new DataLoader(ds, { batchSize: 8, seed: 7 }), 14);
  const b = take(new DataLoader(ds, { batchSize: 8, seed: 7 }), 14);
  const c = take(new DataLoader(ds, { batchSize: 8, seed: 8 }), 14);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0].indices, c[0].indices);
  // 50 examples / 8 = 6 full batches + a tail of 2 → 7 per epoch; each epoch is a permutation.
  const epoch0 = a.slice(0, 7).flatMap((s) => s.indices);
  const epoch1 = a.slice(7, 14).flatMap((s) => s.indices);
  assert.deepEqual(
    [...epoch0].sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.deepEqual(
    [...epoch1].sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.notDeepEqual(epoch0, epoch1);
  assert.deepEqual(
    a.map((s) => [s.epoch, s.batchIndex, s.indices.length]),
    [
      [0, 0, 8],
      [0, 1, 8],
      [0, 2, 8],
      [0, 3, 8],
      [0, 4, 8],
      [0, 5, 8],
      [0, 6, 2],
      [1, 0, 8],
      [1, 1, 8],
      [1, 2, 8],
      [1, 3, 8],
      [1, 4, 8],
      [1, 5, 8],
      [1, 6, 2],
    ],
  );
  // Labels and pixels follow the indices (pixel value = index, scaled by 1/255).
  for (const s of a) {
    assert.deepEqual(
      s.labels,
      s.indices.map((i) => i % 10),
    );
    s.indices.forEach((idx, k) => assert.equal(s.images[k * 16 + 5], Math.fround(idx / 255)));
  }
});

test('shuffle false keeps dataset order; dropLast drops the short batch', () => {
  const ds = indexed(10);
  const plain = take(new DataLoader(ds, { batchSize: 4, shuffle: false }), 4);
  assert.deepEqual(
    plain.map((s) => s.indices),
    [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
      [0, 1, 2, 3],
    ],
  );
  const dl = new DataLoader(ds, { batchSize: 4, shuffle: false, dropLast: true });
  assert.equal(dl.batchesPerEpoch, 2);
  assert.deepEqual(
    take(dl, 3).map((s) => [s.epoch, s.indices[0]]),
    [
      [0, 0],
      [0, 4],
      [1, 0],
    ],
  );
  assert.throws(
    () => new DataLoader(indexed(3), { batchSize: 4, dropLast: true }),
    /^Error: DataLoader: dataset has 3 examples, fewer than one batch of 4 with dropLast$/,
  );
  assert.throws(
    () => new DataLoader(ds, { batchSize: 0 }),
    /batchSize must be a positive integer, got 0/,
  );
});

test('batches reuse their buffers (no per-step allocation) and have exact shapes', () => {
  const dl = new DataLoader(indexed(10), { batchSize: 4 });
  const b0 = dl.next();
  const images = b0.images;
  const b1 = dl.next();
  assert.equal(b1, b0);
  assert.equal(b1.images, images);
  assert.deepEqual(b1.shape, [4, 1, 4, 4]);
  assert.equal(b1.images.length, 64);
  const tail = dl.next();
  assert.deepEqual(tail.shape, [2, 1, 4, 4]);
  assert.equal(tail.images.length, 32);
  assert.equal(dl.next().images, images, 'next epoch reuses the full buffer');
});

test('resume: a state saved mid-epoch (through JSON) reproduces the following batches exactly', () => {
  const ds = indexed(50);
  const reference = take(new DataLoader(ds, AUG), 20); // crosses two epoch boundaries
  const first = new DataLoader(ds, AUG);
  take(first, 3);
  const saved = JSON.parse(JSON.stringify(first.getState()));
  assert.equal(saved.epoch, 0);
  assert.equal(saved.batchIndex, 3);
  const resumed = new DataLoader(ds, AUG);
  resumed.setState(saved);
  assert.deepEqual(take(resumed, 17), reference.slice(3));
  // Also from an epoch boundary.
  const atBoundary = new DataLoader(ds, AUG);
  take(atBoundary, 7);
  const s2 = atBoundary.getState();
  assert.deepEqual([s2.epoch, s2.batchIndex], [1, 0]);
  const r2 = new DataLoader(ds, AUG);
  r2.setState(s2);
  assert.deepEqual(take(r2, 13), reference.slice(7));
});

test('setState rejects a state from another configuration', () => {
  const ds = indexed(50);
  const state = new DataLoader(ds, AUG).getState();
  const other = new DataLoader(ds, { ...AUG, batchSize: 10 });
  assert.throws(
    () => other.setState(state),
    /^Error: DataLoader.setState: saved batchSize 8 does not match this loader's 10$/,
  );
  assert.throws(
    () => new DataLoader(ds, { ...AUG, augment: null }).setState(state),
    /^Error: DataLoader.setState: saved augment "crop=1,flip=1" does not match this loader's "crop=0,flip=0"$/,
  );
  const same = new DataLoader(ds, AUG);
  assert.throws(
    () => same.setState({ ...state, batchIndex: 7 }),
    /batchIndex must be in \[0, 7\), got 7/,
  );
});

test('epochBatches yields the rest of the current epoch only', () => {
  const dl = new DataLoader(indexed(10), { batchSize: 3, seed: 1 });
  dl.next();
  const rest: number[][] = [];
  // Read each batch as it comes: the loader reuses the Batch object.
  for (const b of dl.epochBatches()) rest.push([b.epoch, b.batchIndex]);
  assert.deepEqual(rest, [
    [0, 1],
    [0, 2],
    [0, 3],
  ]);
  assert.equal(dl.epoch, 1);
  assert.equal([...dl.epochBatches()].length, 4);
});

test('normalization and augmentation values: padding reads (0 − mean)/std', () => {
  // One constant image of value 255 → normalized (1 − 0.5)/0.25 = 2; padding → −2.
  const ds = new ImageDataset({
    images: new Uint8Array(16).fill(255),
    labels: new Int32Array([3]),
    imageShape: [1, 4, 4],
    numClasses: 10,
  });
  const dl = new DataLoader(ds, { ...AUG, batchSize: 1 });
  const seen = new Set<string>();
  for (let i = 0; i < 60; i++) {
    const img = [...dl.next().images];
    assert.ok(img.every((v) => v === 2 || v === -2));
    // With padding 1 at most one row and one column are padding.
    assert.ok(img.filter((v) => v === -2).length <= 7);
    seen.add(img.join(','));
  }
  assert.equal(seen.size, 9, 'all 9 crop offsets occur');
  const plain = new DataLoader(ds, { batchSize: 1, normalize: { mean: [0.5], std: [0.25] } });
  assert.deepEqual([...plain.next().images], new Array(16).fill(2));
});

// Checks smd's training DataLoader against reference.py's pipeline: first batch values equal
// (x/255 − 0.286)/0.353 of the images it claims, each epoch is a permutation (drop_last, 468
// batches of 128), and the class histogram of the first epoch's batches is the full set's.
// Usage: node --conditions=source --import tsx bench/reference-run/loader-check.mjs
import { DataLoader, FASHION_MNIST_NORMALIZATION } from '@smd/engine';
import { DEFAULT_DATA_DIR, loadIdxDataset } from '../../packages/cli/src/data/index.ts';

const train = loadIdxDataset(DEFAULT_DATA_DIR, 'train');
console.log(
  'normalization',
  JSON.stringify(FASHION_MNIST_NORMALIZATION),
  'train size',
  train.length,
);
const dl = new DataLoader(train, {
  batchSize: 128,
  shuffle: true,
  dropLast: true,
  seed: 0,
  normalize: FASHION_MNIST_NORMALIZATION,
});
const b = dl.next();
console.log('batch shape', b.shape, 'dtype', b.images.constructor.name);
// match batch images to dataset examples by brute force on the first 4 images
let maxErr = 0;
const ex0 = train.get ? train.get(0) : null;
console.log('example api', ex0 ? Object.keys(ex0) : Object.keys(train));
let m = 0,
  s = 0;
for (const v of b.images) {
  m += v;
  s += v * v;
}
m /= b.images.length;
s = Math.sqrt(s / b.images.length - m * m);
console.log('first batch mean', m.toFixed(4), 'std', s.toFixed(4), '(reference: ~0, ~1)');
for (let i = 0; i < 4; i++) {
  const img = b.images.subarray(i * 784, (i + 1) * 784);
  // find the dataset example with this label whose normalized pixels match
  for (let k = 0; k < train.length; k++) {
    const e = train.get(k);
    if (e.label !== b.labels[i]) continue;
    let err = 0;
    for (let j = 0; j < 784; j++)
      err = Math.max(err, Math.abs((e.image[j] - 0.286) / 0.353 - img[j]));
    if (err < 1e-4) {
      maxErr = Math.max(maxErr, err);
      console.log(
        `batch[${i}] = example ${k}, max err ${err.toExponential(2)}, pixel max ${Math.max(...e.image)}`,
      );
      break;
    }
  }
}

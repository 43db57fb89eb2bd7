import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageDataset, FASHION_MNIST_CLASSES } from './dataset.js';

function tiny(): ImageDataset {
  // 3 images of [1, 2, 2]: image i holds 10i, 10i+1, 10i+2, 10i+3.
  const images = Uint8Array.from({ length: 12 }, (_, j) => 10 * Math.floor(j / 4) + (j % 4));
  return new ImageDataset({
    images,
    labels: new Uint8Array([2, 0, 1]),
    imageShape: [1, 2, 2],
    name: 'tiny',
  });
}

test('ImageDataset scales uint8 pixels by 1/255 and infers the class count', () => {
  const ds = tiny();
  assert.equal(ds.length, 3);
  assert.equal(ds.numClasses, 3);
  assert.equal(ds.imageSize, 4);
  assert.ok(ds.labels instanceof Int32Array);
  const s = ds.get(2);
  assert.equal(s.label, 1);
  assert.deepEqual(
    [...s.image],
    [20, 21, 22, 23].map((v) => Math.fround(v / 255)),
  );
  assert.throws(() => ds.get(3), /^RangeError: tiny: index 3 out of range \[0, 3\)$/);
});

test('subset copies the chosen examples in order', () => {
  const sub = tiny().subset([2, 0]);
  assert.deepEqual([...sub.labels], [1, 2]);
  assert.deepEqual([...sub.images], [20, 21, 22, 23, 0, 1, 2, 3]);
  assert.equal(sub.numClasses, 3);
});

test('ImageDataset rejects inconsistent inputs with one-line errors', () => {
  assert.throws(
    () =>
      new ImageDataset({
        images: new Uint8Array(7),
        labels: new Int32Array(2),
        imageShape: [1, 2, 2],
        name: 'd',
      }),
    /^Error: d: 2 labels need 8 image values of \[1, 2, 2\], got 7$/,
  );
  assert.throws(
    () =>
      new ImageDataset({
        images: new Float32Array(4),
        labels: new Int32Array([0, 10]),
        imageShape: [1, 1, 2],
        numClasses: 10,
        name: 'd',
      }),
    /^Error: d: label 10 is out of range for 10 classes$/,
  );
  assert.throws(
    () =>
      new ImageDataset({
        images: new Float32Array(2),
        labels: new Int32Array([-1]),
        imageShape: [1, 1, 2],
        name: 'd',
      }),
    /label -1 at index 0 is negative/,
  );
  const f = new ImageDataset({
    images: new Float32Array([0.5, 1]),
    labels: new Int32Array([0]),
    imageShape: [1, 1, 2],
    numClasses: 10,
    classNames: FASHION_MNIST_CLASSES,
  });
  assert.equal(f.pixelScale, 1);
  assert.equal(f.classNames![9], 'Ankle boot');
});

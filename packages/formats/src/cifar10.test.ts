import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CIFAR10_IMAGE_BYTES,
  CIFAR10_RECORD_BYTES,
  Cifar10FormatError,
  parseCifar10,
  writeCifar10,
} from './cifar10.js';

/** Two hand-laid records: label, then R, G, B planes with a value that names plane and pixel. */
function handBytes(): Uint8Array {
  const out = new Uint8Array(2 * CIFAR10_RECORD_BYTES);
  const labels = [7, 0];
  for (let r = 0; r < 2; r++) {
    const o = r * CIFAR10_RECORD_BYTES;
    out[o] = labels[r];
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) out[o + 1 + c * 1024 + p] = (r * 100 + c * 50 + p) % 256;
    }
  }
  return out;
}

test('parses hand-laid records into [N, 3, 32, 32] images and labels', () => {
  const b = parseCifar10(handBytes(), 'hand.bin');
  assert.equal(b.count, 2);
  assert.deepEqual([...b.labels], [7, 0]);
  assert.equal(b.images.length, 2 * 3 * 32 * 32);
  // image 1, channel G (1), row 2, column 5 → pixel index 2·32 + 5 = 69
  const idx = 1 * CIFAR10_IMAGE_BYTES + 1 * 1024 + 69;
  assert.equal(b.images[idx], (100 + 50 + 69) % 256);
  // image 0, channel B (2), last pixel
  assert.equal(b.images[2 * 1024 + 1023], (100 + 1023) % 256);
  // the images do not alias the input bytes (the file buffer may be reused)
  const bytes = handBytes();
  const c = parseCifar10(bytes);
  bytes[1] = 255;
  assert.equal(c.images[0], 0);
});

test('writeCifar10 round-trips and lays records out as the format says', () => {
  const images = new Uint8Array(3 * CIFAR10_IMAGE_BYTES).map((_, i) => (i * 7) % 251);
  const labels = [9, 3, 0];
  const bytes = writeCifar10({ images, labels });
  assert.equal(bytes.length, 3 * 3073);
  assert.equal(bytes[3073], 3);
  assert.equal(bytes[3074], images[3072]);
  const back = parseCifar10(bytes);
  assert.deepEqual([...back.labels], labels);
  assert.deepEqual(back.images, images);
  assert.throws(() => writeCifar10({ images, labels: [1, 2] }), /2 labels need 6144 image bytes/);
  assert.throws(() => writeCifar10({ images, labels: [1, 2, 10] }), /label 10 at index 2/);
});

test('corrupt files give one line naming the file and the defect', () => {
  const good = handBytes();
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(0), /^CIFAR-10 f\.bin: empty file/],
    [
      good.subarray(0, good.length - 1),
      /6145 bytes is not a whole number of 3073-byte records \(1 records and 3072 bytes left over/,
    ],
    [new Uint8Array(100), /100 bytes is not a whole number/],
    [new Uint8Array(2 * 3074), /CIFAR-100 binary/],
  ];
  const badLabel = handBytes();
  badLabel[CIFAR10_RECORD_BYTES] = 10;
  cases.push([badLabel, /record 1 \(byte offset 3073\) has label 10, expected 0\.\.9/]);
  for (const [bytes, re] of cases) {
    assert.throws(
      () => parseCifar10(bytes, 'f.bin'),
      (e: unknown) =>
        e instanceof Cifar10FormatError && re.test(e.message) && !e.message.includes('\n'),
    );
  }
});

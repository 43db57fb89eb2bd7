/**
 * The CIFAR-10 binary format (https://www.cs.toronto.edu/~kriz/cifar.html, "Binary version":
 * data_batch_1.bin … data_batch_5.bin, test_batch.bin). A file is a sequence of 3073-byte
 * records and nothing else (no header):
 *
 *   byte 0        label, 0..9
 *   bytes 1..3072 the 32×32 colour image: 1024 red, then 1024 green, then 1024 blue values,
 *                 each plane row-major — i.e. already [C=3, H=32, W=32]
 *
 * Bytes in, bytes out. The record count comes from the file length, never from a header.
 */

import { InputError } from './input-error.js';

/** Image side (pixels) and channels of a CIFAR-10 image. */
export const CIFAR10_SIDE = 32;
export const CIFAR10_CHANNELS = 3;
/** Values per image (3·32·32). */
export const CIFAR10_IMAGE_BYTES = CIFAR10_CHANNELS * CIFAR10_SIDE * CIFAR10_SIDE;
/** Bytes per record: the label byte and the image. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_IMAGE_BYTES;
/** Number of classes (labels 0..9). */
export const CIFAR10_CLASSES = 10;

/** The class names of batches.meta.txt, index = label. */
export const CIFAR10_CLASS_NAMES: readonly string[] = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** Decoded records: images [count, 3, 32, 32] uint8 (row-major) and labels [count]. */
export interface Cifar10Batch {
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
}

/** Thrown for a malformed CIFAR-10 file; the message is one line naming the file and the defect. */
export class Cifar10FormatError extends InputError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`CIFAR-10 ${file}: ${reason}`);
    this.name = 'Cifar10FormatError';
  }
}

/**
 * Parses one CIFAR-10 binary batch file. `file` names it in errors. Throws Cifar10FormatError
 * for an empty file, a length that is not a whole number of 3073-byte records (CIFAR-100's
 * 3074-byte records are named as such), or a label outside 0..9.
 */
export function parseCifar10(bytes: Uint8Array, file = '<bytes>'): Cifar10Batch {
  const fail = (reason: string): never => {
    throw new Cifar10FormatError(file, reason);
  };
  const n = bytes.length;
  if (n === 0) fail('empty file (expected 3073-byte records: a label byte and a 3×32×32 image)');
  if (n % CIFAR10_RECORD_BYTES !== 0) {
    const hint =
      n % (CIFAR10_RECORD_BYTES + 1) === 0
        ? ' (it divides into 3074-byte records: CIFAR-100 binary, which has two label bytes)'
        : '';
    fail(
      `${n} bytes is not a whole number of 3073-byte records (${Math.floor(n / CIFAR10_RECORD_BYTES)} records and ${n % CIFAR10_RECORD_BYTES} bytes left over: truncated or not CIFAR-10)${hint}`,
    );
  }
  const count = n / CIFAR10_RECORD_BYTES;
  const images = new Uint8Array(count * CIFAR10_IMAGE_BYTES);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * CIFAR10_RECORD_BYTES;
    const label = bytes[o];
    if (label >= CIFAR10_CLASSES) {
      fail(`record ${i} (byte offset ${o}) has label ${label}, expected 0..9`);
    }
    labels[i] = label;
    images.set(bytes.subarray(o + 1, o + CIFAR10_RECORD_BYTES), i * CIFAR10_IMAGE_BYTES);
  }
  return { count, images, labels };
}

/**
 * Encodes images [count, 3, 32, 32] uint8 and labels [count] (0..9) as a CIFAR-10 binary file.
 * Throws a one-line Error when the sizes disagree or a label is out of range.
 */
export function writeCifar10(batch: { images: Uint8Array; labels: ArrayLike<number> }): Uint8Array {
  const count = batch.labels.length;
  if (batch.images.length !== count * CIFAR10_IMAGE_BYTES) {
    throw new Error(
      `writeCifar10: ${count} labels need ${count * CIFAR10_IMAGE_BYTES} image bytes (3×32×32 each), got ${batch.images.length}`,
    );
  }
  const out = new Uint8Array(count * CIFAR10_RECORD_BYTES);
  for (let i = 0; i < count; i++) {
    const label = batch.labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= CIFAR10_CLASSES) {
      throw new Error(`writeCifar10: label ${label} at index ${i} is not in 0..9`);
    }
    const o = i * CIFAR10_RECORD_BYTES;
    out[o] = label;
    out.set(batch.images.subarray(i * CIFAR10_IMAGE_BYTES, (i + 1) * CIFAR10_IMAGE_BYTES), o + 1);
  }
  return out;
}

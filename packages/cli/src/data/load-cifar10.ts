/**
 * Node-side loading of the CIFAR-10 binary version from a folder: the training split is every
 * data_batch_<n>.bin (in n order), the test split test_batch.bin; the folder may also be the
 * parent of the tarball's cifar-10-batches-bin/. Images are [N, 3, 32, 32] uint8.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CIFAR10_CHANNELS,
  CIFAR10_CLASSES,
  CIFAR10_CLASS_NAMES,
  CIFAR10_IMAGE_BYTES,
  CIFAR10_SIDE,
  Cifar10FormatError,
  parseCifar10,
  type Cifar10Batch,
} from '@smd/formats';
import { ImageDataset } from '@smd/engine';
import { DatasetError, type DatasetSplit } from './load-idx-dataset.js';

const TRAIN_FILE = /^data_batch_(\d+)\.bin$/;
const TEST_FILE = 'test_batch.bin';
const SUBDIR = 'cifar-10-batches-bin';

/** The folder holding the .bin files: `dir` itself or its cifar-10-batches-bin/; null if neither. */
export function cifar10Folder(dir: string): string | null {
  for (const d of [resolve(dir), join(resolve(dir), SUBDIR)]) {
    if (!existsSync(d) || !statSync(d).isDirectory()) continue;
    if (readdirSync(d).some((f) => TRAIN_FILE.test(f) || f === TEST_FILE)) return d;
  }
  return null;
}

/** Paths of a split's batch files in `folder` (train: data_batch_<n>.bin sorted by n). */
export function cifar10Files(folder: string, split: DatasetSplit): string[] {
  if (split === 'test') {
    const p = join(folder, TEST_FILE);
    if (!existsSync(p))
      throw new DatasetError(`${folder} has no ${TEST_FILE} (CIFAR-10 test split)`);
    return [p];
  }
  const files = readdirSync(folder)
    .map((f) => ({ f, m: TRAIN_FILE.exec(f) }))
    .filter((e) => e.m !== null)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]))
    .map((e) => join(folder, e.f));
  if (files.length === 0) {
    throw new DatasetError(`${folder} has no data_batch_<n>.bin (CIFAR-10 training split)`);
  }
  return files;
}

function readBatch(path: string): Cifar10Batch {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DatasetError(`cannot read ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return parseCifar10(bytes, path);
  } catch (e) {
    if (e instanceof Cifar10FormatError) throw new DatasetError(e.message);
    throw e;
  }
}

/**
 * Loads a split of CIFAR-10 from `dir` (the batches folder or its parent) as an ImageDataset of
 * uint8 [N, 3, 32, 32] images. Every failure is a one-line DatasetError naming the file.
 */
export function loadCifar10Dataset(dir: string, split: DatasetSplit): ImageDataset {
  const folder = cifar10Folder(dir);
  if (folder === null) {
    throw new DatasetError(
      `${resolve(dir)} holds no CIFAR-10 binary files (data_batch_<n>.bin, test_batch.bin)`,
    );
  }
  const batches = cifar10Files(folder, split).map(readBatch);
  const count = batches.reduce((s, b) => s + b.count, 0);
  const images = new Uint8Array(count * CIFAR10_IMAGE_BYTES);
  const labels = new Int32Array(count);
  let at = 0;
  for (const b of batches) {
    images.set(b.images, at * CIFAR10_IMAGE_BYTES);
    labels.set(b.labels, at);
    at += b.count;
  }
  return new ImageDataset({
    images,
    labels,
    imageShape: [CIFAR10_CHANNELS, CIFAR10_SIDE, CIFAR10_SIDE],
    numClasses: CIFAR10_CLASSES,
    classNames: CIFAR10_CLASS_NAMES,
    name: `cifar-10 ${folder}/${split}`,
  });
}

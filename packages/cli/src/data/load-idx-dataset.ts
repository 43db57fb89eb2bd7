/**
 * Node-side loading of MNIST-family IDX datasets from disk (Fashion-MNIST by default, from
 * Debian's dataset-fashion-mnist), gzipped or not, into an in-memory ImageDataset.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isGzip, parseIdx, IdxFormatError, type IdxArray } from '@smd/formats';
import { ImageDataset, FASHION_MNIST_CLASSES } from '@smd/engine';
import { UsageError } from '../usage-error.js';

/** Where Debian's dataset-fashion-mnist installs the four gzipped IDX files. */
export const DEFAULT_DATA_DIR = '/usr/share/datasets/fashion-mnist';

/** Which half of the dataset. */
export type DatasetSplit = 'train' | 'test';

const INSTALL_HINT =
  "install it with 'sudo apt-get install dataset-fashion-mnist' or pass --data DIR (a folder with train-images-idx3-ubyte[.gz] and the other three IDX files, or CIFAR-10's data_batch_<n>.bin and test_batch.bin)";

/** A dataset file that is missing or unreadable; exit code 1, printed as one line. */
export class DatasetError extends UsageError {
  constructor(message: string) {
    super(message, 1);
    this.name = 'DatasetError';
  }
}

/** File-name stems per split: torchvision/LeCun names, and the dotted variant some mirrors use. */
function candidates(split: DatasetSplit, kind: 'images' | 'labels'): string[] {
  const prefix = split === 'train' ? 'train' : 't10k';
  const rank = kind === 'images' ? 'idx3' : 'idx1';
  const stems = [`${prefix}-${kind}-${rank}-ubyte`, `${prefix}-${kind}.${rank}-ubyte`];
  return stems.flatMap((s) => [s, `${s}.gz`]);
}

/**
 * Paths of a split's image and label files in `dir` (plain or .gz). Throws DatasetError with
 * an install hint if the folder or a file is missing.
 */
export function findIdxFiles(dir: string, split: DatasetSplit): { images: string; labels: string } {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new DatasetError(`dataset folder ${abs} not found; ${INSTALL_HINT}`);
  }
  const find = (kind: 'images' | 'labels'): string => {
    const names = candidates(split, kind);
    for (const name of names) {
      const p = join(abs, name);
      if (existsSync(p)) return p;
    }
    throw new DatasetError(`${abs} has no ${names[0]}[.gz] (${split} ${kind}); ${INSTALL_HINT}`);
  };
  return { images: find('images'), labels: find('labels') };
}

/**
 * Read one IDX file (gunzipping if it starts with the gzip magic). Throws DatasetError with a
 * one-line message naming the file for unreadable, corrupt-gzip or malformed IDX data.
 */
export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DatasetError(`cannot read ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DatasetError(`${path}: corrupt or truncated gzip data (${(e as Error).message})`);
    }
  }
  try {
    return parseIdx(bytes, path);
  } catch (e) {
    if (e instanceof IdxFormatError) throw new DatasetError(e.message);
    throw e;
  }
}

/** Options for loadIdxDataset. */
export interface LoadIdxOptions {
  /** Default 10 (MNIST and Fashion-MNIST). */
  numClasses?: number;
  /** Default: Fashion-MNIST's names when reading DEFAULT_DATA_DIR, none otherwise. */
  classNames?: readonly string[];
}

/**
 * Load a split of an MNIST-family dataset from `dir` (default DEFAULT_DATA_DIR) as an
 * ImageDataset with uint8 images [N, 1, H, W] (pixelScale 1/255) and Int32 labels. Checks
 * that images are uint8 N×H×W, labels uint8 N and in [0, numClasses); every failure is a
 * one-line DatasetError naming the file.
 */
export function loadIdxDataset(
  dir: string = DEFAULT_DATA_DIR,
  split: DatasetSplit = 'train',
  options: LoadIdxOptions = {},
): ImageDataset {
  const files = findIdxFiles(dir, split);
  const images = readIdxFile(files.images);
  const labels = readIdxFile(files.labels);
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new DatasetError(
      `${files.images}: expected uint8 images of shape N×H×W, got ${images.dtype} ${images.shape.join('x')}`,
    );
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new DatasetError(
      `${files.labels}: expected uint8 labels of shape N, got ${labels.dtype} ${labels.shape.join('x')}`,
    );
  }
  const [n, h, w] = images.shape;
  if (labels.shape[0] !== n) {
    throw new DatasetError(
      `${files.labels}: ${labels.shape[0]} labels but ${files.images} has ${n} images`,
    );
  }
  const numClasses = options.numClasses ?? 10;
  const labelData = labels.data as Uint8Array;
  for (let i = 0; i < n; i++) {
    if (labelData[i] >= numClasses) {
      throw new DatasetError(
        `${files.labels}: label ${labelData[i]} at index ${i} is not in [0, ${numClasses})`,
      );
    }
  }
  const isDefault = resolve(dir) === DEFAULT_DATA_DIR;
  const classNames = options.classNames ?? (isDefault ? FASHION_MNIST_CLASSES : undefined);
  return new ImageDataset({
    images: images.data as Uint8Array,
    labels: Int32Array.from(labelData),
    imageShape: [1, h, w],
    numClasses,
    classNames,
    name: `${isDefault ? 'fashion-mnist' : resolve(dir)}/${split}`,
  });
}

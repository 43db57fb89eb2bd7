/**
 * The Fashion-MNIST subset `smd explore` ships inside the page: the first LIVE_IMAGES training
 * images of Debian's dataset-fashion-mnist (or --data DIR), packed, gzipped and base64-encoded.
 */
import { gzipSync } from 'node:zlib';
import { FASHION_MNIST_NOTICE, LIVE_IMAGES, packLiveData, type ShippedDataJson } from '@smd/web';
import { DEFAULT_DATA_DIR, findIdxFiles, readIdxFile } from '../data/index.js';
import { DatasetError } from '../data/load-idx-dataset.js';

/** Reads `count` training images from `dir` and packs them for the page. */
export function shippedFashionMnist(dir = DEFAULT_DATA_DIR, count = LIVE_IMAGES): ShippedDataJson {
  const files = findIdxFiles(dir, 'train');
  const images = readIdxFile(files.images);
  const labels = readIdxFile(files.labels);
  if (images.dtype !== 'uint8' || images.shape.join('x') !== `${images.shape[0]}x28x28`)
    throw new DatasetError(
      `${files.images}: expected uint8 28×28 images, got ${images.dtype} ${images.shape.join('x')}`,
    );
  if (images.shape[0] < count || labels.shape[0] < count)
    throw new DatasetError(
      `${files.images}: has ${images.shape[0]} images, the page ships ${count}`,
    );
  const packed = packLiveData(images.data as Uint8Array, labels.data as Uint8Array, count);
  return {
    count,
    gzBase64: gzipSync(packed, { level: 9 }).toString('base64'),
    notice: FASHION_MNIST_NOTICE,
  };
}

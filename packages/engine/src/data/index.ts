/** Datasets, normalization, augmentation and the resumable DataLoader (browser-safe). */
export {
  type Dataset,
  type ImageSample,
  type ImageDatasetInit,
  ImageDataset,
  FASHION_MNIST_CLASSES,
} from './dataset.js';
export {
  type Normalization,
  FASHION_MNIST_NORMALIZATION,
  MNIST_NORMALIZATION,
  computeNormalization,
  normalizationAffine,
} from './normalize.js';
export { type AugmentOptions, type AugmentDraw, drawAugment, writeExample } from './augment.js';
export {
  type DataLoaderOptions,
  type DataLoaderState,
  type Batch,
  DataLoader,
} from './data-loader.js';
export { type SyntheticImageOptions, makeSyntheticImageDataset } from './synthetic.js';

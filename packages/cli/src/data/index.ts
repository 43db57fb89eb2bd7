/** Node-side dataset loading (IDX and CIFAR-10 binary files from disk). */
export {
  DEFAULT_DATA_DIR,
  type DatasetSplit,
  type LoadIdxOptions,
  DatasetError,
  findIdxFiles,
  readIdxFile,
  loadIdxDataset,
} from './load-idx-dataset.js';
export { cifar10Files, cifar10Folder, loadCifar10Dataset } from './load-cifar10.js';

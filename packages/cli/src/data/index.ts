/** Node-side dataset loading (IDX files from disk). */
export {
  DEFAULT_DATA_DIR,
  type DatasetSplit,
  type LoadIdxOptions,
  DatasetError,
  findIdxFiles,
  readIdxFile,
  loadIdxDataset,
} from './load-idx-dataset.js';

/**
 * @smd/formats: IDX, CIFAR-10 binary, safetensors and PyTorch checkpoint readers (browser-safe, bytes in).
 * PyTorch: `readTorchCheckpoint(bytes, file)` → { root, storages } with tensors as TorchTensor
 * (decode with `torchTensorData` / `torchTensorFloats`); a restricted unpickler that never runs
 * code. Every malformed input throws a one-line InputError subclass naming the file.
 */
export const FORMATS_PACKAGE = '@smd/formats';

export {
  type IdxDtype,
  type IdxData,
  type IdxArray,
  IdxFormatError,
  idxDtypeSize,
  parseIdx,
  writeIdx,
} from './idx.js';
export { InputError } from './input-error.js';
export { isGzip, gunzip } from './gzip.js';
export {
  float16BitsToNumber,
  bfloat16BitsToNumber,
  numberToFloat16Bits,
  numberToBfloat16Bits,
} from './half.js';
export {
  type SafetensorsDtype,
  type SafetensorsTensor,
  type SafetensorsFile,
  type SafetensorsArray,
  SAFETENSORS_MAX_HEADER_BYTES,
  SafetensorsFormatError,
  safetensorsDtypeSize,
  parseSafetensors,
  decodeSafetensor,
  safetensorToFloat32,
  safetensorToFloat64,
} from './safetensors.js';
export {
  type SafetensorsWritable,
  type SafetensorsWritableData,
  writeSafetensors,
} from './safetensors-write.js';
export {
  type ZipArchive,
  type ZipEntry,
  ZipFormatError,
  isZip,
  readZip,
  zipEntryData,
} from './zip.js';
export {
  type PyDict,
  type PyExtension,
  type PyValue,
  type UnpickleHooks,
  PICKLE_MAX_LONG_BYTES,
  PickleFormatError,
  PyGlobal,
  PyObject,
  unpickle,
} from './pickle.js';
export {
  type TorchArray,
  type TorchDtype,
  type TorchStorage,
  type TorchTensor,
  TORCH_DTYPE_SIZE,
  TorchFormatError,
  isContiguous,
  isTorchTensor,
  numelOf,
  torchTensorData,
  torchTensorFloats,
} from './torch-tensor.js';
export { type TorchCheckpoint, readTorchCheckpoint } from './torch-checkpoint.js';
export {
  type Cifar10Batch,
  CIFAR10_CHANNELS,
  CIFAR10_CLASSES,
  CIFAR10_CLASS_NAMES,
  CIFAR10_IMAGE_BYTES,
  CIFAR10_RECORD_BYTES,
  CIFAR10_SIDE,
  Cifar10FormatError,
  parseCifar10,
  writeCifar10,
} from './cifar10.js';
export {
  type OptimizerState,
  type ParamGroup,
  type ParamState,
  isOptimizerStateDict,
  matchOptimizerState,
} from './optimizer-state.js';
export {
  type CheckpointLayout,
  type LogRow,
  type TrainingCheckpoint,
  readTrainingCheckpoint,
} from './training-checkpoint.js';

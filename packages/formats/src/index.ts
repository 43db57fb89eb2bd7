/** @smd/formats: IDX, safetensors, PyTorch .pt (safe subset) readers and writers; metric exports. */
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

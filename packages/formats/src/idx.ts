/**
 * IDX files (the MNIST family's format, http://yann.lecun.com/exdb/mnist/ "FILE FORMATS"):
 *
 *   bytes 0-1  0x00 0x00
 *   byte  2    dtype code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
 *   byte  3    number of dimensions d (>= 1)
 *   4 … 4+4d   d big-endian uint32 sizes
 *   then       prod(sizes) elements, big-endian, row-major (last index fastest)
 *
 * Bytes in, bytes out: gzip is not handled here (see gzip.ts; Node callers use node:zlib).
 */
import { InputError } from './input-error.js';

/** Element types IDX can hold. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array that holds each IdxDtype (native byte order). */
export type IdxData =
  Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: row-major data of `shape`, in native byte order. */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: IdxData;
}

const CODE_TO_DTYPE: Record<number, IdxDtype> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const DTYPE_TO_CODE: Record<IdxDtype, number> = {
  uint8: 0x08,
  int8: 0x09,
  int16: 0x0b,
  int32: 0x0c,
  float32: 0x0d,
  float64: 0x0e,
};

const DTYPE_SIZE: Record<IdxDtype, number> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  float32: 4,
  float64: 8,
};

/** Bytes per element of an IDX dtype. */
export function idxDtypeSize(dtype: IdxDtype): number {
  return DTYPE_SIZE[dtype];
}

/** Thrown for a malformed IDX file; the message is one line naming the file and the defect. */
export class IdxFormatError extends InputError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`IDX ${file}: ${reason}`);
    this.name = 'IdxFormatError';
  }
}

function hex2(v: number): string {
  return '0x' + v.toString(16).padStart(2, '0');
}

/**
 * Parse an (already decompressed) IDX file. `file` names it in errors. uint8/int8 data is a
 * zero-copy view into `bytes`; wider types are decoded from big-endian into new arrays.
 * Throws IdxFormatError for: wrong magic, unsupported dtype, zero dimensions, truncated header,
 * truncated data, or trailing bytes after the data (size mismatch).
 */
export function parseIdx(bytes: Uint8Array, file = '<bytes>'): IdxArray {
  const fail = (reason: string): never => {
    throw new IdxFormatError(file, reason);
  };
  if (bytes.length < 4) fail(`truncated: ${bytes.length} bytes, the header needs at least 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (gzip data: decompress it first)' : '';
    fail(
      `wrong magic: first two bytes are ${hex2(bytes[0])} ${hex2(bytes[1])}, expected 0x00 0x00${gz}`,
    );
  }
  const dtype = CODE_TO_DTYPE[bytes[2]];
  if (dtype === undefined) {
    fail(
      `unsupported dtype code ${hex2(bytes[2])} (expected 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32 or 0x0e float64)`,
    );
  }
  const ndim = bytes[3];
  if (ndim === 0) fail('zero dimensions (byte 3 must be >= 1)');
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    fail(
      `truncated header: ${ndim} dimensions need ${headerBytes} header bytes, file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const itemSize = DTYPE_SIZE[dtype];
  const dataBytes = count * itemSize;
  if (!Number.isSafeInteger(dataBytes)) fail(`dimensions ${shape.join('x')} are too large`);
  const have = bytes.length - headerBytes;
  if (have < dataBytes) {
    fail(
      `truncated: dimensions ${shape.join('x')} of ${dtype} need ${dataBytes} data bytes, file has ${have}`,
    );
  }
  if (have > dataBytes) {
    fail(
      `size mismatch: dimensions ${shape.join('x')} of ${dtype} need ${dataBytes} data bytes, file has ${have} (${have - dataBytes} trailing)`,
    );
  }
  return { dtype, shape, data: decodeBigEndian(view, headerBytes, count, dtype, bytes) };
}

function decodeBigEndian(
  view: DataView,
  offset: number,
  count: number,
  dtype: IdxDtype,
  bytes: Uint8Array,
): IdxData {
  switch (dtype) {
    case 'uint8':
      return bytes.subarray(offset, offset + count);
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset + offset, count);
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

function dtypeOfData(data: IdxData): IdxDtype {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

/**
 * Encode an array as an IDX file (big-endian). The dtype is taken from `data`'s type unless
 * given (it must match). Throws a one-line Error if shape and data length disagree.
 */
export function writeIdx(array: { shape: number[]; data: IdxData; dtype?: IdxDtype }): Uint8Array {
  const dtype = dtypeOfData(array.data);
  if (array.dtype !== undefined && array.dtype !== dtype) {
    throw new Error(`writeIdx: dtype ${array.dtype} does not match data of type ${dtype}`);
  }
  const { shape, data } = array;
  if (shape.length < 1 || shape.length > 255) {
    throw new Error(`writeIdx: shape must have 1..255 dimensions, got ${shape.length}`);
  }
  let count = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new Error(`writeIdx: shape [${shape.join(', ')}] has an invalid dimension ${d}`);
    }
    count *= d;
  }
  if (count !== data.length) {
    throw new Error(
      `writeIdx: shape [${shape.join(', ')}] holds ${count} elements, data has ${data.length}`,
    );
  }
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + count * DTYPE_SIZE[dtype]);
  const view = new DataView(out.buffer);
  out[2] = DTYPE_TO_CODE[dtype];
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const o = headerBytes;
  switch (dtype) {
    case 'uint8':
      out.set(data as Uint8Array, o);
      break;
    case 'int8':
      out.set(new Uint8Array(data.buffer, data.byteOffset, count), o);
      break;
    case 'int16':
      for (let i = 0; i < count; i++) view.setInt16(o + 2 * i, data[i], false);
      break;
    case 'int32':
      for (let i = 0; i < count; i++) view.setInt32(o + 4 * i, data[i], false);
      break;
    case 'float32':
      for (let i = 0; i < count; i++) view.setFloat32(o + 4 * i, data[i], false);
      break;
    case 'float64':
      for (let i = 0; i < count; i++) view.setFloat64(o + 8 * i, data[i], false);
      break;
  }
  return out;
}

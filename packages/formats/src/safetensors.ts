/**
 * safetensors (https://github.com/huggingface/safetensors, "Format"):
 *
 *   8 bytes      N, the header length, uint64 little-endian
 *   N bytes      UTF-8 JSON object: { "__metadata__"?: {str: str},
 *                  name: { "dtype": "F32", "shape": [d0, …], "data_offsets": [begin, end] }, … }
 *                (the reference writer pads it with spaces to a multiple of 8)
 *   rest         the data buffer; offsets are relative to its start; little-endian, row-major
 *
 * The reader validates strictly (known dtype, byte count = numel × itemsize, offsets contiguous
 * from 0 with no gap or overlap and covering the buffer exactly, header size sane) and throws
 * a one-line SafetensorsFormatError naming the file and the defect.
 */
import { InputError } from './input-error.js';
import { float16BitsToNumber, bfloat16BitsToNumber } from './half.js';

/** Element types this module reads and writes (F16/BF16 are read-decodable and raw-writable). */
export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

const DTYPE_SIZE: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/** Upper bound on the JSON header, as in the reference implementation (100 MB). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** Bytes per element of a safetensors dtype. */
export function safetensorsDtypeSize(dtype: SafetensorsDtype): number {
  return DTYPE_SIZE[dtype];
}

/** One tensor of a parsed file; `bytes` is a view of its little-endian data in the input. */
export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** [begin, end) within the data buffer. */
  dataOffsets: [number, number];
  bytes: Uint8Array;
}

/** A parsed file: tensors in header order and the optional string metadata. */
export interface SafetensorsFile {
  metadata: Record<string, string> | null;
  tensors: Map<string, SafetensorsTensor>;
}

/** Thrown for a malformed safetensors file; the message is one line. */
export class SafetensorsFormatError extends InputError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`safetensors ${file}: ${reason}`);
    this.name = 'SafetensorsFormatError';
  }
}

function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZE, s);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Parse and validate a safetensors file. Tensor `bytes` are views into `bytes` (no copy). */
export function parseSafetensors(bytes: Uint8Array, file = '<bytes>'): SafetensorsFile {
  const fail = (reason: string): never => {
    throw new SafetensorsFormatError(file, reason);
  };
  if (bytes.length < 8) {
    fail(`truncated: ${bytes.length} bytes, need at least 8 for the header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (hi !== 0 || n > SAFETENSORS_MAX_HEADER_BYTES) {
    fail(`header size ${n} exceeds the limit of ${SAFETENSORS_MAX_HEADER_BYTES} bytes`);
  }
  if (n < 2) fail(`header size ${n} is too small for a JSON object`);
  if (8 + n > bytes.length) {
    fail(`truncated: header size is ${n} bytes but only ${bytes.length - 8} follow the prefix`);
  }
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('header is not valid UTF-8');
  }
  if (text[0] !== '{') fail(`header must start with '{', found ${JSON.stringify(text[0])}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${e instanceof Error ? e.message.split('\n')[0] : e})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail('header must be a JSON object');
  }
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> | null = null;
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(value, fail);
      continue;
    }
    const where = `tensor ${JSON.stringify(name)}`;
    if (name.length === 0) fail('a tensor has an empty name');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail(`${where}: entry must be an object with dtype, shape and data_offsets`);
    }
    const entry = value as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') {
        fail(`${where}: unknown field ${JSON.stringify(key)}`);
      }
    }
    const { dtype, shape, data_offsets: offsets } = entry;
    if (!isDtype(dtype)) {
      fail(
        `${where}: unsupported dtype ${JSON.stringify(dtype)} (expected one of ${Object.keys(DTYPE_SIZE).join(', ')})`,
      );
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      fail(
        `${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      fail(`${where}: data_offsets must be [begin, end] non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
    let numel = 1;
    for (const d of shape as number[]) numel *= d;
    const need = numel * DTYPE_SIZE[dtype as SafetensorsDtype];
    if (!Number.isSafeInteger(need)) fail(`${where}: shape ${JSON.stringify(shape)} is too large`);
    if (end - begin !== need) {
      fail(
        `${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape ${JSON.stringify(shape)} of ${dtype} needs ${need}`,
      );
    }
    if (end > dataLength) {
      fail(`${where}: truncated: data ends at ${end} but the data buffer has ${dataLength} bytes`);
    }
    tensors.set(name, {
      name,
      dtype: dtype as SafetensorsDtype,
      shape: (shape as number[]).slice(),
      dataOffsets: [begin, end],
      bytes: bytes.subarray(dataStart + begin, dataStart + end),
    });
  }
  checkLayout([...tensors.values()], dataLength, fail);
  return { metadata, tensors };
}

function parseMetadata(value: unknown, fail: (r: string) => never): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('__metadata__ must be an object of string values');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') {
      fail(`__metadata__ value for ${JSON.stringify(k)} must be a string, got ${typeof v}`);
    }
    out[k] = v as string;
  }
  return out;
}

/** Offsets must tile [0, dataLength) exactly: contiguous, no overlap, no gap, no trailing bytes. */
function checkLayout(
  list: SafetensorsTensor[],
  dataLength: number,
  fail: (r: string) => never,
): void {
  const sorted = list.slice().sort((a, b) => {
    const d = a.dataOffsets[0] - b.dataOffsets[0];
    return d !== 0 ? d : a.dataOffsets[1] - b.dataOffsets[1];
  });
  let expected = 0;
  let prev: SafetensorsTensor | null = null;
  for (const t of sorted) {
    const [begin, end] = t.dataOffsets;
    if (begin < expected) {
      fail(
        `tensor ${JSON.stringify(t.name)} at [${begin}, ${end}] overlaps tensor ${JSON.stringify(prev!.name)} at [${prev!.dataOffsets[0]}, ${prev!.dataOffsets[1]}]`,
      );
    }
    if (begin > expected) {
      fail(`gap: bytes [${expected}, ${begin}) before tensor ${JSON.stringify(t.name)} are unused`);
    }
    expected = end;
    prev = t;
  }
  if (expected !== dataLength) {
    fail(
      `size mismatch: tensors cover ${expected} data bytes but the data buffer has ${dataLength}`,
    );
  }
}

/** Typed array returned for each dtype by decodeSafetensor. */
export type SafetensorsArray =
  | Float64Array
  | Float32Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | BigUint64Array
  | Uint32Array
  | Uint16Array
  | Uint8Array;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copy little-endian bytes into a fresh, aligned buffer in host byte order. */
function hostCopy(bytes: Uint8Array, itemSize: number): ArrayBuffer {
  const copy = bytes.slice();
  if (!LITTLE_ENDIAN_HOST && itemSize > 1) {
    for (let i = 0; i < copy.length; i += itemSize) {
      for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
        const t = copy[a];
        copy[a] = copy[b];
        copy[b] = t;
      }
    }
  }
  return copy.buffer;
}

/**
 * Decode a tensor into a fresh typed array of its own type (F16/BF16 become Float32Array,
 * BOOL a Uint8Array of 0/1). The result never aliases the file's bytes.
 */
export function decodeSafetensor(t: SafetensorsTensor): SafetensorsArray {
  const buf = hostCopy(t.bytes, DTYPE_SIZE[t.dtype]);
  switch (t.dtype) {
    case 'F64':
      return new Float64Array(buf);
    case 'F32':
      return new Float32Array(buf);
    case 'F16': {
      const bits = new Uint16Array(buf);
      const out = new Float32Array(bits.length);
      for (let i = 0; i < bits.length; i++) out[i] = float16BitsToNumber(bits[i]);
      return out;
    }
    case 'BF16': {
      const bits = new Uint16Array(buf);
      const out = new Float32Array(bits.length);
      for (let i = 0; i < bits.length; i++) out[i] = bfloat16BitsToNumber(bits[i]);
      return out;
    }
    case 'I64':
      return new BigInt64Array(buf);
    case 'I32':
      return new Int32Array(buf);
    case 'I16':
      return new Int16Array(buf);
    case 'I8':
      return new Int8Array(buf);
    case 'U64':
      return new BigUint64Array(buf);
    case 'U32':
      return new Uint32Array(buf);
    case 'U16':
      return new Uint16Array(buf);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buf);
  }
}

/** Decode any tensor to float32 (integers converted by value; I64/U64 beyond 2^53 lose bits). */
export function safetensorToFloat32(t: SafetensorsTensor): Float32Array {
  const a = decodeSafetensor(t);
  if (a instanceof Float32Array) return a;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number(a[i]);
  return out;
}

/** Decode any tensor to float64 (F16/BF16/F32 are exact in float64). */
export function safetensorToFloat64(t: SafetensorsTensor): Float64Array {
  const a = decodeSafetensor(t);
  if (a instanceof Float64Array) return a;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number(a[i]);
  return out;
}

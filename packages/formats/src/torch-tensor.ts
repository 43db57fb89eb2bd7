/**
 * Tensors of a PyTorch checkpoint: dtypes, storages, and decoding a (possibly strided, offset,
 * shared-storage) tensor into a dense row-major typed array — a zero-copy view of the file's
 * bytes when the tensor is contiguous and its data is aligned, else one copy.
 */
import { InputError } from './input-error.js';
import type { PyExtension } from './pickle.js';
import { float16BitsToNumber, bfloat16BitsToNumber } from './half.js';

/** Thrown for a malformed or unsupported checkpoint; the message is one line naming the file. */
export class TorchFormatError extends InputError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`torch checkpoint ${file}: ${reason}`);
    this.name = 'TorchFormatError';
  }
}

/** Element types of torch storages this reader decodes. */
export type TorchDtype =
  | 'float64'
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool'
  | 'complex64'
  | 'complex128';

/** Bytes per element. */
export const TORCH_DTYPE_SIZE: Record<TorchDtype, number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
  complex64: 8,
  complex128: 16,
};

/** The storage class named in a persistent id → its dtype (torch 1.6 … 2.x spellings). */
export const TORCH_STORAGE_DTYPES: Record<string, TorchDtype> = {
  'torch.DoubleStorage': 'float64',
  'torch.FloatStorage': 'float32',
  'torch.HalfStorage': 'float16',
  'torch.BFloat16Storage': 'bfloat16',
  'torch.LongStorage': 'int64',
  'torch.IntStorage': 'int32',
  'torch.ShortStorage': 'int16',
  'torch.CharStorage': 'int8',
  'torch.ByteStorage': 'uint8',
  'torch.BoolStorage': 'bool',
  'torch.ComplexFloatStorage': 'complex64',
  'torch.ComplexDoubleStorage': 'complex128',
  'torch.UntypedStorage': 'uint8',
  'torch.storage.UntypedStorage': 'uint8',
};

/** One storage (`<archive>/data/<key>`): little-endian bytes, a view into the file. */
export interface TorchStorage extends PyExtension {
  readonly pyKind: 'storage';
  /** The checkpoint file, for errors. */
  file: string;
  key: string;
  dtype: TorchDtype;
  /** Elements (bytes.length / itemsize). */
  numel: number;
  /** Device it was saved from ('cpu', 'cuda:0', …); data is read the same either way. */
  location: string;
  bytes: Uint8Array;
}

/** A tensor: a strided view of a storage (several tensors may share one storage). */
export interface TorchTensor extends PyExtension {
  readonly pyKind: 'tensor';
  dtype: TorchDtype;
  shape: number[];
  stride: number[];
  /** In elements. */
  storageOffset: number;
  storage: TorchStorage;
  requiresGrad: boolean;
  /** Saved as an nn.Parameter. */
  parameter: boolean;
}

/** True for a tensor the checkpoint reader built. */
export function isTorchTensor(v: unknown): v is TorchTensor {
  return typeof v === 'object' && v !== null && (v as PyExtension).pyKind === 'tensor';
}

/** Number of elements of a shape. */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** True when the strides are the row-major ones of the shape (size-1 dims may have any stride). */
export function isContiguous(t: Pick<TorchTensor, 'shape' | 'stride'>): boolean {
  let expect = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expect) return false;
    expect *= t.shape[i];
  }
  return true;
}

/** Typed array a tensor decodes to (float16/bfloat16 → Float32Array; bool → Uint8Array). */
export type TorchArray =
  Float64Array | Float32Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Ctor = { new (b: ArrayBuffer, o: number, n: number): TorchArray; BYTES_PER_ELEMENT: number };
const CTOR: Partial<Record<TorchDtype, Ctor>> = {
  float64: Float64Array,
  float32: Float32Array,
  int64: BigInt64Array as unknown as Ctor,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

/** The storage's elements [from, from + n) as a typed array: a view when aligned, else a copy. */
function storageRange(s: TorchStorage, from: number, n: number): TorchArray {
  const size = TORCH_DTYPE_SIZE[s.dtype];
  const bytes = s.bytes.subarray(from * size, (from + n) * size);
  if (s.dtype === 'float16' || s.dtype === 'bfloat16') {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const decode = s.dtype === 'float16' ? float16BitsToNumber : bfloat16BitsToNumber;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = decode(dv.getUint16(2 * i, true));
    return out;
  }
  const C = CTOR[s.dtype];
  if (!C || !LITTLE_ENDIAN_HOST) {
    throw new TorchFormatError(
      s.file,
      `storage ${s.key}: ${s.dtype} cannot be decoded to real numbers${LITTLE_ENDIAN_HOST ? '' : ' on a big-endian host'}`,
    );
  }
  if (bytes.byteOffset % size === 0) return new C(bytes.buffer as ArrayBuffer, bytes.byteOffset, n);
  const copy = bytes.slice();
  return new C(copy.buffer, 0, n);
}

/**
 * The tensor's elements in row-major order, in its own type (see {@link TorchArray}). A view of
 * the checkpoint's bytes when it is contiguous and aligned (do not write to it), else a copy.
 */
export function torchTensorData(t: TorchTensor): TorchArray {
  const n = numelOf(t.shape);
  if (isContiguous(t)) return storageRange(t.storage, t.storageOffset, n);
  // Strided: gather from the smallest storage range that holds every element.
  let span = 1;
  for (let i = 0; i < t.shape.length; i++)
    if (t.shape[i] > 0) span += (t.shape[i] - 1) * t.stride[i];
  const src = storageRange(t.storage, t.storageOffset, n === 0 ? 0 : span);
  const out = new (src.constructor as { new (n: number): TorchArray })(n);
  const idx = new Array<number>(t.shape.length).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    (out as Float64Array)[i] = (src as Float64Array)[off];
    for (let d = t.shape.length - 1; d >= 0; d--) {
      idx[d]++;
      off += t.stride[d];
      if (idx[d] < t.shape[d]) break;
      off -= idx[d] * t.stride[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Floating-point elements: float64 stays Float64Array, every other real dtype Float32Array. */
export function torchTensorFloats(t: TorchTensor): Float32Array | Float64Array {
  const a = torchTensorData(t);
  if (a instanceof Float32Array || a instanceof Float64Array) return a;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = Number(a[i]);
  return out;
}

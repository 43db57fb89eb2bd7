/**
 * PyTorch checkpoints (`torch.save`, zip format of torch ≥ 1.6; .pt/.pth/.bin/.ckpt):
 *
 *   <archive>/data.pkl     the pickled object; tensors are rebuilt from
 *                          torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)
 *                          with storages as persistent ids
 *                          ('storage', torch.<Type>Storage, key, location, numel)
 *   <archive>/data/<key>   each storage's little-endian bytes (64-byte aligned by torch)
 *   <archive>/version, <archive>/byteorder (newer torch), .data/serialization_id (2.x)
 *
 * The pickle is read by the restricted unpickler (pickle.ts): this module only interprets the
 * handful of torch globals that rebuild tensors and parameters, from data; any other tensor
 * builder (quantized, sparse, nested, …) is a one-line error naming it.
 */
import { type PyValue, PyGlobal, PyObject, unpickle } from './pickle.js';
import {
  TORCH_DTYPE_SIZE,
  TORCH_STORAGE_DTYPES,
  TorchFormatError,
  type TorchStorage,
  type TorchTensor,
  isTorchTensor,
} from './torch-tensor.js';
import { isZip, readZip, zipEntryData, type ZipArchive } from './zip.js';

/** A read checkpoint: the unpickled object with tensors as {@link TorchTensor}. */
export interface TorchCheckpoint {
  file: string;
  /** The archive folder inside the zip (torch names it after the saved file). */
  archive: string;
  root: PyValue;
  /** Every storage by key (tensors that share one point at the same object). */
  storages: Map<string, TorchStorage>;
}

const REBUILD = new Set([
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._tensor._rebuild_from_type_v2',
]);

/** How to turn a legacy file into one this reader takes (said in the error). */
const RESAVE =
  "re-save it with PyTorch ≥ 1.6: torch.save(torch.load(path, weights_only=True), 'new.pt')";

/**
 * Read a torch.save zip checkpoint. Storages are views of `bytes` (keep it alive and unchanged).
 * @throws TorchFormatError | ZipFormatError | PickleFormatError, each one line naming `file`
 */
export function readTorchCheckpoint(bytes: Uint8Array, file = '<bytes>'): TorchCheckpoint {
  const fail = (reason: string): never => {
    throw new TorchFormatError(file, reason);
  };
  if (!isZip(bytes)) {
    if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) {
      fail(`legacy (pre-1.6, non-zip) torch.save format, which is not read; ${RESAVE}`);
    }
    if (bytes.length > 262 && latin(bytes.subarray(257, 262)) === 'ustar') {
      fail(`legacy tar-based torch.save format (PyTorch ≤ 0.3); ${RESAVE}`);
    }
    fail('not a PyTorch checkpoint (expected a zip file written by torch.save)');
  }
  const zip = readZip(bytes, file);
  const pkls = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1) {
    const scripted = [...zip.entries.keys()].some((n) => /^[^/]+\/constants\.pkl$/.test(n));
    if (scripted) fail('a TorchScript archive (torch.jit.save), not a torch.save checkpoint');
    fail(`expected one <archive>/data.pkl entry, found ${pkls.length}`);
  }
  const archive = pkls[0].slice(0, -'/data.pkl'.length);
  const order = zip.entries.get(`${archive}/byteorder`);
  if (order) {
    const text = latin(zipEntryData(zip, `${archive}/byteorder`)).trim();
    if (text !== 'little') fail(`byteorder is ${JSON.stringify(text)}; only 'little' is read`);
  }
  const storages = new Map<string, TorchStorage>();
  const pklName = `${file}:${pkls[0]}`;
  const root = unpickle(zipEntryData(zip, pkls[0]), pklName, {
    persistentLoad: (pid) => loadStorage(pid, zip, archive, storages, fail),
    reduce: (fn, args) => rebuild(fn, args, fail),
  });
  return { file, archive, root, storages };
}

function latin(b: Uint8Array): string {
  return String.fromCharCode(...b.subarray(0, 64));
}

function loadStorage(
  pid: PyValue,
  zip: ZipArchive,
  archive: string,
  cache: Map<string, TorchStorage>,
  fail: (r: string) => never,
): TorchStorage {
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
    fail("a persistent id is not ('storage', type, key, location, numel)");
  }
  const [, type, key, location, numel] = pid as readonly PyValue[];
  if (!(type instanceof PyGlobal)) fail('a persistent id has no storage type');
  const t = type as PyGlobal;
  const dtype = TORCH_STORAGE_DTYPES[t.qualname];
  if (!Object.hasOwn(TORCH_STORAGE_DTYPES, t.qualname)) {
    fail(`storage type ${t.qualname} is not supported (quantized or unknown storage)`);
  }
  if (typeof key !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(key)) {
    fail(`storage key ${JSON.stringify(key)} is not a plain name`);
  }
  if (typeof location !== 'string') fail(`storage ${key as string}: location is not a string`);
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    fail(`storage ${key as string}: element count ${String(numel)} is not a count`);
  }
  const k = key as string;
  const seen = cache.get(k);
  if (seen) {
    if (seen.dtype !== dtype) fail(`storage ${k} is used as both ${seen.dtype} and ${dtype}`);
    return seen;
  }
  const name = `${archive}/data/${k}`;
  if (!zip.entries.has(name)) fail(`storage ${k}: missing entry ${name}`);
  const bytes = zipEntryData(zip, name);
  const need = (numel as number) * TORCH_DTYPE_SIZE[dtype];
  if (bytes.length !== need) {
    fail(
      `storage ${k}: ${numel as number} ${dtype} elements need ${need} bytes, the entry has ${bytes.length}`,
    );
  }
  const s: TorchStorage = {
    pyKind: 'storage',
    file: zip.file,
    key: k,
    dtype,
    numel: numel as number,
    location: location as string,
    bytes,
  };
  cache.set(k, s);
  return s;
}

/** A tuple of non-negative safe integers, or null. */
function counts(v: PyValue): number[] | null {
  if (!Array.isArray(v)) return null;
  const out: number[] = [];
  for (const x of v as readonly PyValue[]) {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) return null;
    out.push(x);
  }
  return out;
}

/** Interpret a call of a torch global; undefined leaves a placeholder (numpy scalars decode). */
function rebuild(
  fn: PyGlobal,
  args: readonly PyValue[],
  fail: (r: string) => never,
): PyValue | undefined {
  const q = fn.qualname;
  if (q === 'torch._utils._rebuild_tensor_v2' || q === 'torch._utils._rebuild_tensor') {
    return tensorFrom(args, fail);
  }
  if (
    q === 'torch._utils._rebuild_parameter' ||
    q === 'torch._utils._rebuild_parameter_with_state'
  ) {
    const data = args[0];
    if (!isTorchTensor(data)) fail(`${q} expects a tensor as its first argument`);
    const t: TorchTensor = {
      ...(data as TorchTensor),
      requiresGrad: args[1] === true,
      parameter: true,
    };
    return t;
  }
  if (q === 'torch._tensor._rebuild_from_type_v2') {
    // (func, new_type, args, state): func is one of the rebuilders above, applied to args.
    const [inner, newType, innerArgs] = args;
    if (!(inner instanceof PyGlobal) || !REBUILD.has(inner.qualname) || !Array.isArray(innerArgs)) {
      fail(
        `${q} wraps ${inner instanceof PyGlobal ? inner.qualname : 'a non-global'}, which is not a tensor rebuilder this reader knows`,
      );
    }
    const t = rebuild(inner as PyGlobal, innerArgs as readonly PyValue[], fail);
    if (!isTorchTensor(t)) fail(`${q}: the wrapped call did not give a tensor`);
    const param =
      newType instanceof PyGlobal && newType.qualname === 'torch.nn.parameter.Parameter';
    const out: TorchTensor = {
      ...(t as TorchTensor),
      parameter: param || (t as TorchTensor).parameter,
    };
    return out;
  }
  if (/^torch\.(_utils|_tensor)\._rebuild_/.test(q) || Object.hasOwn(TORCH_STORAGE_DTYPES, q)) {
    fail(
      `${q} builds a kind of tensor this reader does not support (quantized, sparse, nested, meta or a bare storage)`,
    );
  }
  if (q === 'numpy.core.multiarray.scalar' || q === 'numpy._core.multiarray.scalar') {
    return numpyScalar(args);
  }
  return undefined;
}

function tensorFrom(args: readonly PyValue[], fail: (r: string) => never): TorchTensor {
  const [storage, offset, size, stride, requiresGrad] = args;
  if (
    typeof storage !== 'object' ||
    storage === null ||
    (storage as TorchStorage).pyKind !== 'storage'
  ) {
    fail('_rebuild_tensor_v2: the first argument is not a storage');
  }
  const s = storage as TorchStorage;
  const shape = counts(size);
  const strides = counts(stride);
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    fail(`tensor on storage ${s.key}: storage offset ${String(offset)} is not a count`);
  }
  if (!shape || !strides || shape.length !== strides.length) {
    fail(`tensor on storage ${s.key}: size and stride must be tuples of counts of one length`);
  }
  let last = offset as number;
  let empty = false;
  for (let i = 0; i < shape!.length; i++) {
    if (shape![i] === 0) empty = true;
    else last += (shape![i] - 1) * strides![i];
  }
  if (!Number.isSafeInteger(last) || (!empty && last >= s.numel)) {
    fail(
      `tensor on storage ${s.key}: size ${JSON.stringify(shape)} stride ${JSON.stringify(strides)} offset ${offset as number} reaches element ${last}, the storage has ${s.numel}`,
    );
  }
  return {
    pyKind: 'tensor',
    dtype: s.dtype,
    shape: shape!,
    stride: strides!,
    storageOffset: offset as number,
    storage: s,
    requiresGrad: requiresGrad === true,
    parameter: false,
  };
}

const NUMPY_KINDS: Record<string, [number, (v: DataView) => number | boolean]> = {
  f8: [8, (v) => v.getFloat64(0, true)],
  f4: [4, (v) => v.getFloat32(0, true)],
  i8: [8, (v) => Number(v.getBigInt64(0, true))],
  i4: [4, (v) => v.getInt32(0, true)],
  i2: [2, (v) => v.getInt16(0, true)],
  i1: [1, (v) => v.getInt8(0)],
  u8: [8, (v) => Number(v.getBigUint64(0, true))],
  u4: [4, (v) => v.getUint32(0, true)],
  u2: [2, (v) => v.getUint16(0, true)],
  u1: [1, (v) => v.getUint8(0)],
  b1: [1, (v) => v.getUint8(0) !== 0],
};

/** numpy.core.multiarray.scalar(dtype, bytes) for little-endian numeric dtypes, else undefined. */
function numpyScalar(args: readonly PyValue[]): PyValue | undefined {
  const [dtype, raw] = args;
  if (!(dtype instanceof PyObject) || !(raw instanceof Uint8Array)) return undefined;
  const kind = dtype.args[0];
  const state = dtype.state;
  const order = Array.isArray(state) ? (state as readonly PyValue[])[1] : '<';
  if (typeof kind !== 'string' || !Object.hasOwn(NUMPY_KINDS, kind) || order === '>')
    return undefined;
  const [size, read] = NUMPY_KINDS[kind];
  if (raw.length !== size) return undefined;
  return read(new DataView(raw.buffer, raw.byteOffset, size));
}

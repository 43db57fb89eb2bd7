/**
 * safetensors writer. Layout follows the reference implementation: tensors ordered by element
 * size (largest first) then name, so every tensor starts at a multiple of its element size;
 * the JSON header is padded with spaces to a multiple of 8 bytes; "__metadata__" comes first.
 */
import { type SafetensorsDtype, safetensorsDtypeSize } from './safetensors.js';

/** Typed arrays the writer accepts; F16/BF16/U16 take raw bits in a Uint16Array. */
export type SafetensorsWritableData =
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

/** One tensor to write: row-major `data` of `shape`; `dtype` defaults from the array type. */
export interface SafetensorsWritable {
  shape: readonly number[];
  data: SafetensorsWritableData;
  dtype?: SafetensorsDtype;
}

function defaultDtype(data: SafetensorsWritableData): SafetensorsDtype {
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof BigUint64Array) return 'U64';
  if (data instanceof Uint32Array) return 'U32';
  if (data instanceof Uint16Array) return 'U16';
  return 'U8';
}

/** Which dtypes each array type may be written as (same width, same bit meaning). */
function compatible(dtype: SafetensorsDtype, data: SafetensorsWritableData): boolean {
  const d = defaultDtype(data);
  if (d === 'U16') return dtype === 'U16' || dtype === 'F16' || dtype === 'BF16';
  if (d === 'U8') return dtype === 'U8' || dtype === 'BOOL';
  return d === dtype;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encode tensors (a record or Map of name → tensor; names must be non-empty and not
 * "__metadata__") and optional string metadata as a safetensors file. Throws a one-line Error
 * naming the tensor for a shape/data mismatch, an incompatible dtype or a BOOL value not 0/1.
 */
export function writeSafetensors(
  tensors: Record<string, SafetensorsWritable> | Map<string, SafetensorsWritable>,
  metadata?: Record<string, string> | null,
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const items = entries.map(([name, t]) => {
    const where = `writeSafetensors: tensor ${JSON.stringify(name)}`;
    if (name.length === 0 || name === '__metadata__') {
      throw new Error(`writeSafetensors: invalid tensor name ${JSON.stringify(name)}`);
    }
    const dtype = t.dtype ?? defaultDtype(t.data);
    if (!compatible(dtype, t.data)) {
      throw new Error(
        `${where}: dtype ${dtype} cannot be written from a ${t.data.constructor.name}`,
      );
    }
    let numel = 1;
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0) {
        throw new Error(`${where}: shape [${t.shape.join(', ')}] has an invalid dimension ${d}`);
      }
      numel *= d;
    }
    if (numel !== t.data.length) {
      throw new Error(
        `${where}: shape [${t.shape.join(', ')}] holds ${numel} elements, data has ${t.data.length}`,
      );
    }
    if (dtype === 'BOOL') {
      for (let i = 0; i < t.data.length; i++) {
        if (t.data[i] !== 0 && t.data[i] !== 1) {
          throw new Error(`${where}: BOOL data must be 0 or 1, found ${t.data[i]} at ${i}`);
        }
      }
    }
    return { name, dtype, shape: [...t.shape], data: t.data, size: safetensorsDtypeSize(dtype) };
  });
  items.sort((a, b) => b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new Error(`writeSafetensors: metadata ${JSON.stringify(k)} must be a string`);
      }
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const it of items) {
    const nbytes = it.data.byteLength;
    header[it.name] = { dtype: it.dtype, shape: it.shape, data_offsets: [offset, offset + nbytes] };
    offset += nbytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded % 2 ** 32, true);
  view.setUint32(4, Math.floor(padded / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let o = 8 + padded;
  for (const it of items) {
    const raw = new Uint8Array(it.data.buffer, it.data.byteOffset, it.data.byteLength);
    out.set(raw, o);
    if (!LITTLE_ENDIAN_HOST && it.size > 1) {
      for (let i = o; i < o + raw.length; i += it.size) out.subarray(i, i + it.size).reverse();
    }
    o += raw.length;
  }
  return out;
}

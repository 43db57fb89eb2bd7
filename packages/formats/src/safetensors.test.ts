import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  parseSafetensors,
  decodeSafetensor,
  safetensorToFloat64,
  SafetensorsFormatError,
  safetensorsDtypeSize,
} from './safetensors.js';
import { writeSafetensors } from './safetensors-write.js';
import { numberToBfloat16Bits, numberToFloat16Bits } from './half.js';

// Made by fixtures/make-safetensors-reference.py (PyTorch 1.13 tensor bytes, spec layout).
const REFERENCE = new Uint8Array(
  readFileSync(new URL('../src/fixtures/reference.safetensors', import.meta.url)),
);

function values(file: ReturnType<typeof parseSafetensors>, name: string): unknown[] {
  const t = file.tensors.get(name);
  assert.ok(t, `tensor ${name} present`);
  return [...decodeSafetensor(t)];
}

test('reads the PyTorch-made reference file: every dtype, metadata, empty tensor', () => {
  const f = parseSafetensors(REFERENCE, 'reference.safetensors');
  assert.deepEqual(f.metadata, { format: 'pt', made_by: 'make-safetensors-reference.py' });
  assert.deepEqual(
    [...f.tensors.keys()],
    ['bn.running_var', 'step', 'conv.weight', 'empty', 'labels', 'bf', 'half', 'mask', 'pixels'],
  );
  const conv = f.tensors.get('conv.weight')!;
  assert.equal(conv.dtype, 'F32');
  assert.deepEqual(conv.shape, [2, 3, 2, 2]);
  assert.deepEqual(
    values(f, 'conv.weight'),
    Array.from({ length: 24 }, (_, i) => i / 8 - 1.5),
  );
  assert.deepEqual(values(f, 'bn.running_var'), [0.5, 2.0, 1e-5]);
  // torch's float16 → float values, printed by the fixture script.
  assert.deepEqual(
    values(f, 'half'),
    [1.0, -2.5, 65504.0, 6.097555160522461e-5, 1.1920928955078125e-7, 0.0999755859375],
  );
  assert.deepEqual(values(f, 'bf'), [1.0, -3.140625, 1.0002555517425873e30, 0.10009765625]);
  assert.deepEqual(values(f, 'step'), [123456789012n]);
  assert.deepEqual(values(f, 'labels'), [9, 0, -3, 7]);
  assert.deepEqual(values(f, 'pixels'), [0, 128, 255]);
  assert.deepEqual(values(f, 'mask'), [1, 0, 1, 1]);
  assert.deepEqual(f.tensors.get('empty')!.shape, [0, 3]);
  assert.equal(values(f, 'empty').length, 0);
});

test('writing the same tensors reproduces the reference file byte for byte', () => {
  const bf = [1.0, -3.140625, 1e30, 0.1].map(numberToBfloat16Bits);
  const half = [1.0, -2.5, 65504.0, 6.1e-5, 1e-7, 0.1].map(numberToFloat16Bits);
  // torch's own roundings of these values (bits printed by the fixture script for 0.1).
  assert.equal(half[5], 11878);
  assert.equal(bf[3], 15821);
  const bytes = writeSafetensors(
    {
      'conv.weight': {
        shape: [2, 3, 2, 2],
        data: Float32Array.from({ length: 24 }, (_, i) => i / 8 - 1.5),
      },
      'bn.running_var': { shape: [3], data: new Float64Array([0.5, 2.0, 1e-5]) },
      half: { shape: [6], data: new Uint16Array(half), dtype: 'F16' },
      bf: { shape: [4], data: new Uint16Array(bf), dtype: 'BF16' },
      step: { shape: [1], data: new BigInt64Array([123456789012n]) },
      labels: { shape: [2, 2], data: new Int32Array([9, 0, -3, 7]) },
      pixels: { shape: [3], data: new Uint8Array([0, 128, 255]) },
      mask: { shape: [4], data: new Uint8Array([1, 0, 1, 1]), dtype: 'BOOL' },
      empty: { shape: [0, 3], data: new Float32Array(0) },
    },
    { format: 'pt', made_by: 'make-safetensors-reference.py' },
  );
  assert.deepEqual(bytes, REFERENCE);
});

test('round trip keeps names, shapes, dtypes and values; tensors are aligned', () => {
  const w = new Float32Array([0.1, -2, 3.25, 1e-30, -0, Infinity]);
  const bytes = writeSafetensors(
    new Map([
      ['w', { shape: [2, 3], data: w }],
      ['b', { shape: [2], data: new Float64Array([Math.PI, -Math.E]) }],
      ['i', { shape: [1], data: new Int8Array([-7]) }],
      ['n', { shape: [2], data: new Int32Array([2147483647, -2147483648]) }],
    ]),
  );
  assert.equal((bytes[0] | (bytes[1] << 8)) % 8, 0, 'header padded to 8 bytes');
  const f = parseSafetensors(bytes);
  assert.equal(f.metadata, null);
  assert.deepEqual(values(f, 'w'), [...w]);
  assert.deepEqual(values(f, 'b'), [Math.PI, -Math.E]);
  assert.deepEqual(values(f, 'i'), [-7]);
  assert.deepEqual(values(f, 'n'), [2147483647, -2147483648]);
  for (const t of f.tensors.values()) {
    assert.equal(t.dataOffsets[0] % safetensorsDtypeSize(t.dtype), 0, `${t.name} aligned`);
  }
  assert.deepEqual([...safetensorToFloat64(f.tensors.get('i')!)], [-7]);
});

/** A file with a hand-written header over `data` bytes. */
function craft(header: string, dataBytes = 0, pad = true): Uint8Array {
  let h = new TextEncoder().encode(header);
  if (pad && h.length % 8) {
    const p = new Uint8Array(Math.ceil(h.length / 8) * 8).fill(0x20);
    p.set(h);
    h = p;
  }
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  return out;
}

function errorOf(bytes: Uint8Array): string {
  try {
    parseSafetensors(bytes, 'x.safetensors');
  } catch (e) {
    assert.ok(e instanceof SafetensorsFormatError);
    assert.ok(!e.message.includes('\n'));
    return e.message.replace(/^safetensors x\.safetensors: /, '');
  }
  assert.fail('expected a SafetensorsFormatError');
}

test('rejects malformed files with exact one-line messages', () => {
  const t = (name: string, dtype: string, shape: number[], off: [number, number]): string =>
    `${JSON.stringify(name)}:{"dtype":"${dtype}","shape":${JSON.stringify(shape)},"data_offsets":${JSON.stringify(off)}}`;
  assert.equal(
    errorOf(new Uint8Array(5)),
    'truncated: 5 bytes, need at least 8 for the header length',
  );
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setUint32(4, 1, true);
  assert.equal(errorOf(huge), 'header size 4294967296 exceeds the limit of 100000000 bytes');
  assert.equal(
    errorOf(craft('{}').subarray(0, 12)),
    'truncated: header size is 8 bytes but only 4 follow the prefix',
  );
  assert.equal(errorOf(craft('[1,2]')), 'header must start with \'{\', found "["');
  assert.match(errorOf(craft('{"a":')), /^header is not valid JSON \(/);
  assert.equal(
    errorOf(craft(`{${t('a', 'F8_E4M3', [1], [0, 1])}}`, 1)),
    'tensor "a": unsupported dtype "F8_E4M3" (expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL)',
  );
  assert.equal(
    errorOf(craft(`{${t('a', 'F32', [2, 3], [0, 20])}}`, 20)),
    'tensor "a": data_offsets [0, 20] span 20 bytes but shape [2,3] of F32 needs 24',
  );
  assert.equal(
    errorOf(craft(`{${t('a', 'F32', [2], [0, 8])}}`, 4)),
    'tensor "a": truncated: data ends at 8 but the data buffer has 4 bytes',
  );
  assert.equal(
    errorOf(craft(`{${t('a', 'F32', [2], [0, 8])},${t('b', 'F32', [1], [4, 8])}}`, 8)),
    'tensor "b" at [4, 8] overlaps tensor "a" at [0, 8]',
  );
  assert.equal(
    errorOf(craft(`{${t('a', 'F32', [1], [4, 8])}}`, 8)),
    'gap: bytes [0, 4) before tensor "a" are unused',
  );
  assert.equal(
    errorOf(craft(`{${t('a', 'U8', [2], [0, 2])}}`, 3)),
    'size mismatch: tensors cover 2 data bytes but the data buffer has 3',
  );
  assert.equal(
    errorOf(craft('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}')),
    'tensor "a": shape must be an array of non-negative integers, got [-1]',
  );
  assert.equal(
    errorOf(craft('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}', 4)),
    'tensor "a": data_offsets [4, 0] end before they begin',
  );
  assert.equal(
    errorOf(craft('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":1}}', 1)),
    'tensor "a": unknown field "extra"',
  );
  assert.equal(
    errorOf(craft('{"__metadata__":{"epoch":3}}')),
    '__metadata__ value for "epoch" must be a string, got number',
  );
  assert.equal(
    errorOf(craft('{"a":[1]}')),
    'tensor "a": entry must be an object with dtype, shape and data_offsets',
  );
});

test('writer rejects mismatched shapes, wrong dtypes and non-0/1 BOOL', () => {
  assert.throws(
    () => writeSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } }),
    /^Error: writeSafetensors: tensor "w": shape \[2, 2\] holds 4 elements, data has 3$/,
  );
  assert.throws(
    () => writeSafetensors({ w: { shape: [1], data: new Float32Array(1), dtype: 'F64' } }),
    /tensor "w": dtype F64 cannot be written from a Float32Array/,
  );
  assert.throws(
    () => writeSafetensors({ m: { shape: [1], data: new Uint8Array([2]), dtype: 'BOOL' } }),
    /BOOL data must be 0 or 1, found 2 at 0/,
  );
  assert.throws(
    () => writeSafetensors({ '': { shape: [0], data: new Uint8Array(0) } }),
    /invalid tensor name ""/,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIdx, writeIdx, IdxFormatError } from './idx.js';

// A hand-made 2×3 uint8 file: magic 00 00 08 02, dims 2 and 3 big-endian, then 6 bytes.
const HAND = new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 250, 251, 255]);

test('parses a hand-built uint8 IDX file', () => {
  const a = parseIdx(HAND, 'hand');
  assert.equal(a.dtype, 'uint8');
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual([...a.data], [1, 2, 3, 250, 251, 255]);
});

test('decodes big-endian int16/int32/float32/float64 written by hand', () => {
  // int32 [-2, 258]: 0xfffffffe, 0x00000102
  const i32 = new Uint8Array([0, 0, 0x0c, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 2]);
  assert.deepEqual([...parseIdx(i32).data], [-2, 258]);
  // float32 [1.5]: 0x3fc00000
  const f32 = new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]);
  assert.deepEqual([...parseIdx(f32).data], [1.5]);
  // float64 [-0.25]: 0xbfd0000000000000
  const f64 = new Uint8Array([0, 0, 0x0e, 1, 0, 0, 0, 1, 0xbf, 0xd0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...parseIdx(f64).data], [-0.25]);
  // int16 [-1, 256]
  const i16 = new Uint8Array([0, 0, 0x0b, 1, 0, 0, 0, 2, 0xff, 0xff, 1, 0]);
  assert.deepEqual([...parseIdx(i16).data], [-1, 256]);
  // int8 [-128, 127]
  const i8 = new Uint8Array([0, 0, 0x09, 1, 0, 0, 0, 2, 0x80, 0x7f]);
  assert.deepEqual([...parseIdx(i8).data], [-128, 127]);
});

test('writeIdx round-trips every dtype and matches the hand-built bytes', () => {
  assert.deepEqual(
    writeIdx({ shape: [2, 3], data: new Uint8Array([1, 2, 3, 250, 251, 255]) }),
    HAND,
  );
  const cases = [
    new Int8Array([-128, 0, 127, 5]),
    new Int16Array([-32768, 1, 32767, -2]),
    new Int32Array([-(2 ** 31), 7, 2 ** 31 - 1, 0]),
    new Float32Array([0.1, -3.5, 1e30, -0]),
    new Float64Array([0.1, -3.5, 1e300, Math.PI]),
  ];
  for (const data of cases) {
    const back = parseIdx(writeIdx({ shape: [2, 2], data }));
    assert.deepEqual(back.shape, [2, 2]);
    assert.equal(back.data.constructor, data.constructor);
    assert.deepEqual([...back.data], [...data]);
  }
});

test('writeIdx rejects a shape that does not match the data', () => {
  assert.throws(
    () => writeIdx({ shape: [2, 2], data: new Uint8Array(5) }),
    /^Error: writeIdx: shape \[2, 2\] holds 4 elements, data has 5$/,
  );
  assert.throws(
    () => writeIdx({ shape: [2], data: new Uint8Array(2), dtype: 'int8' }),
    /dtype int8/,
  );
});

function errorOf(bytes: Uint8Array, file = 'f.idx'): string {
  try {
    parseIdx(bytes, file);
  } catch (e) {
    assert.ok(e instanceof IdxFormatError);
    assert.ok(!e.message.includes('\n'), 'one line');
    return e.message;
  }
  assert.fail('expected an IdxFormatError');
}

test('rejects corrupt files with exact one-line messages', () => {
  assert.equal(
    errorOf(HAND.subarray(0, 17)),
    'IDX f.idx: truncated: dimensions 2x3 of uint8 need 6 data bytes, file has 5',
  );
  assert.equal(
    errorOf(new Uint8Array([...HAND, 0, 0])),
    'IDX f.idx: size mismatch: dimensions 2x3 of uint8 need 6 data bytes, file has 8 (2 trailing)',
  );
  assert.equal(
    errorOf(HAND.subarray(0, 9)),
    'IDX f.idx: truncated header: 2 dimensions need 12 header bytes, file has 9',
  );
  assert.equal(
    errorOf(HAND.subarray(0, 3)),
    'IDX f.idx: truncated: 3 bytes, the header needs at least 4',
  );
  assert.equal(
    errorOf(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0])),
    'IDX f.idx: wrong magic: first two bytes are 0x1f 0x8b, expected 0x00 0x00 (gzip data: decompress it first)',
  );
  assert.equal(
    errorOf(new Uint8Array([0, 1, 8, 1, 0, 0, 0, 0])),
    'IDX f.idx: wrong magic: first two bytes are 0x00 0x01, expected 0x00 0x00',
  );
  assert.match(
    errorOf(new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0])),
    /^IDX f\.idx: unsupported dtype code 0x0a \(expected 0x08 uint8/,
  );
  assert.equal(
    errorOf(new Uint8Array([0, 0, 8, 0])),
    'IDX f.idx: zero dimensions (byte 3 must be >= 1)',
  );
  // Wrong dims: the header claims 3×3 but the data holds 2×3.
  const wrongDims = HAND.slice();
  wrongDims[7] = 3;
  assert.equal(
    errorOf(wrongDims),
    'IDX f.idx: truncated: dimensions 3x3 of uint8 need 9 data bytes, file has 6',
  );
});

test('uint8 data is a zero-copy view of the input', () => {
  const a = parseIdx(HAND);
  assert.equal(a.data.buffer, HAND.buffer);
  assert.equal(a.data.byteOffset, 12);
});

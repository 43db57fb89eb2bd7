import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  numberToFloat16Bits,
  numberToBfloat16Bits,
  float16BitsToNumber,
  bfloat16BitsToNumber,
} from './half.js';

// Values chosen for rounding edges (ties, subnormals, overflow); expected bits are what
// PyTorch 1.13 gives for torch.tensor(values, dtype=float32).half() / .bfloat16().
const VALUES = [
  0,
  -0,
  1,
  65504,
  65519,
  65520,
  1e6,
  -1e6,
  2 ** -24,
  2 ** -25,
  3 * 2 ** -25,
  2 ** -14,
  6.1005353927612305e-5,
  1 / 3,
  -2 / 3,
  0.1,
  1 + 2 ** -11,
  1 + 3 * 2 ** -11,
  Infinity,
  -Infinity,
  3.4e38,
  1e-45,
  1.00390625,
  1.01171875,
];
const TORCH_F16 = [
  0, 32768, 15360, 31743, 31743, 31744, 31744, 64512, 1, 0, 2, 1024, 1024, 13653, 47445, 11878,
  15360, 15362, 31744, 64512, 31744, 0, 15364, 15372,
];
const TORCH_BF16 = [
  0, 32768, 16256, 18304, 18304, 18304, 18804, 51572, 13184, 13056, 13248, 14464, 14464, 16043,
  48939, 15821, 16256, 16256, 32640, 65408, 32640, 0, 16256, 16258,
];

test('float16 encoding matches torch bit for bit on rounding edges', () => {
  assert.deepEqual(VALUES.map(numberToFloat16Bits), TORCH_F16);
});

test('bfloat16 encoding matches torch bit for bit on rounding edges', () => {
  assert.deepEqual(VALUES.map(numberToBfloat16Bits), TORCH_BF16);
});

test('decoders invert the encoders on every finite float16 / bfloat16 pattern', () => {
  for (let h = 0; h < 0x10000; h++) {
    const x = float16BitsToNumber(h);
    if (Number.isNaN(x)) {
      assert.equal((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0, true);
      continue;
    }
    assert.equal(numberToFloat16Bits(x), h, `f16 ${h}`);
    const b = bfloat16BitsToNumber(h);
    if (!Number.isNaN(b)) assert.equal(numberToBfloat16Bits(b), h, `bf16 ${h}`);
  }
  assert.equal(float16BitsToNumber(0x3c00), 1);
  assert.equal(float16BitsToNumber(0x0001), 2 ** -24);
  assert.equal(bfloat16BitsToNumber(0x3f80), 1);
  assert.ok(Number.isNaN(float16BitsToNumber(numberToFloat16Bits(NaN))));
  assert.ok(Number.isNaN(bfloat16BitsToNumber(numberToBfloat16Bits(NaN))));
});

/**
 * IEEE 754 binary16 (F16) and bfloat16 (BF16) bit conversions, for safetensors checkpoints.
 * Encoders round to nearest, ties to even, as torch's .half() / .bfloat16() do.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The value of an IEEE binary16 bit pattern (exact in float64). */
export function float16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero or subnormal
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** The value of a bfloat16 bit pattern (the top 16 bits of a float32). */
export function bfloat16BitsToNumber(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** Nearest bfloat16 bit pattern to `x` (as float32 first), ties to even; NaN stays NaN. */
export function numberToBfloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) {
    return ((bits >>> 16) | 0x40) & 0xffff; // quiet NaN
  }
  const rounding = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + rounding) >>> 16) & 0xffff;
}

/** Nearest IEEE binary16 bit pattern to `x`, ties to even; overflow gives ±Infinity. */
export function numberToFloat16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  let a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  // Round to float32 first, as a torch float32 tensor would be.
  f32[0] = a;
  a = f32[0];
  if (a < 2 ** -14) {
    // Subnormal range: units of 2^-24, ties to even.
    const q = a * 2 ** 24;
    let m = Math.round(q);
    if (Math.abs(q - Math.trunc(q) - 0.5) === 0 && m % 2 === 1) m -= 1;
    return sign | m; // m may reach 0x400, which is the smallest normal: still correct
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  if (2 ** (e + 1) <= a) e += 1;
  const q = (a / 2 ** e - 1) * 1024;
  let m = Math.round(q);
  if (q - Math.floor(q) === 0.5 && m % 2 === 1) m -= 1;
  if (m === 1024) {
    m = 0;
    e += 1;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

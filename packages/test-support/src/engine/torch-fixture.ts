/**
 * Helpers for PyTorch golden fixtures (packages/engine/fixtures/torch, made by
 * make_fixtures.py): JSON tensors are `{ shape, data }` with data flattened in logical
 * row-major order (NCHW, OIHW). Browser-safe: callers read and parse the JSON themselves.
 */
import { Tensor, type DType } from '@smd/engine';

/** A tensor as stored in a fixture file. */
export interface FixtureTensor {
  shape: number[];
  data: number[];
}

/**
 * A fixture tensor as an engine Tensor (contiguous, float32 unless `dtype` says otherwise).
 * Fixture values are float32 printed with 9 digits, so they are rounded to float32 first: a
 * float64 tensor then holds exactly torch's float32 values (as `tensor.double()` would).
 */
export function fromFixture(
  t: FixtureTensor,
  dtype: DType = 'float32',
  requiresGrad = false,
): Tensor {
  return Tensor.from(t.data.map(Math.fround), t.shape, { dtype, requiresGrad });
}

/** Integer labels of a fixture tensor. */
export function labelsFromFixture(t: FixtureTensor): Int32Array {
  return Int32Array.from(t.data);
}

/** Result of comparing an array with its reference. */
export interface Comparison {
  /** max over elements of |a − e| / max(|e|, floor) */
  maxRel: number;
  /** max |a − e| */
  maxAbs: number;
  /** the floor used */
  floor: number;
}

/**
 * Compare `actual` (logical order) with `expected`. The relative error of each element is taken
 * against max(|e|, floor) with floor = max(absFloor, floorFrac·max|e|): elements far smaller than
 * the tensor's largest (cancellation noise in sums) are judged on the tensor's scale.
 */
export function compareArrays(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  absFloor = 1e-6,
  floorFrac = 1e-2,
): Comparison {
  if (actual.length !== expected.length) {
    throw new Error(`compareArrays: ${actual.length} values vs ${expected.length} expected`);
  }
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  const floor = Math.max(absFloor, floorFrac * scale);
  let maxRel = 0;
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= Number.MAX_VALUE)) return { maxRel: Infinity, maxAbs: Infinity, floor };
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, d / Math.max(Math.abs(expected[i]), floor));
  }
  return { maxRel, maxAbs, floor };
}

/** Compare a tensor (any layout) with a fixture tensor; shapes must match. */
export function compareTensor(
  actual: Tensor,
  expected: FixtureTensor,
  absFloor = 1e-6,
): Comparison {
  const shapeOk =
    actual.shape.length === expected.shape.length &&
    actual.shape.every((d, i) => d === expected.shape[i]);
  if (!shapeOk) {
    throw new Error(`compareTensor: shape [${actual.shape}] vs expected [${expected.shape}]`);
  }
  return compareArrays(actual.toArray(), expected.data, absFloor);
}

/**
 * Element types. float32 is the default storage; float64 exists so gradient checks run the very
 * same ops and kernels with finite differences that are accurate enough to compare against.
 */
export type DType = 'float32' | 'float64';

/** Tensor storage: a JS-owned typed array (native code fills it, never allocates it). */
export type Data = Float32Array | Float64Array;

/** Allocate a zero-filled buffer of `n` elements of `dtype`. */
export function allocData(dtype: DType, n: number): Data {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** The dtype of a storage buffer. */
export function dtypeOf(data: Data): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}

/** Result dtype of combining two tensors: float64 wins (like torch type promotion). */
export function promote(a: DType, b: DType): DType {
  return a === 'float64' || b === 'float64' ? 'float64' : 'float32';
}

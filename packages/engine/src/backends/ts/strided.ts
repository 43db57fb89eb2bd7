/**
 * Strided iteration helpers for the TS backend: axes are reordered to follow the first operand's
 * storage order and adjacent axes merged when every operand allows, so inner loops run long.
 */

/** Axes sorted by descending |stride| of `lead`, then merged where all operands are dense. */
export function coalesce(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const r = shape.length;
  const order: number[] = [];
  for (let i = 0; i < r; i++) if (shape[i] !== 1) order.push(i);
  const lead = strides[0];
  order.sort((a, b) => lead[b] - lead[a] || a - b);
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (const ax of order) {
    const last = outShape.length - 1;
    let merge = last >= 0;
    if (merge) {
      for (let k = 0; k < strides.length; k++) {
        if (outStrides[k][last] !== strides[k][ax] * shape[ax]) merge = false;
      }
    }
    if (merge) {
      outShape[last] *= shape[ax];
      for (let k = 0; k < strides.length; k++) outStrides[k][last] = strides[k][ax];
    } else {
      outShape.push(shape[ax]);
      for (let k = 0; k < strides.length; k++) outStrides[k].push(strides[k][ax]);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (const s of outStrides) s.push(0);
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Call `inner(offsets, n, innerStrides)` for every outer index of a coalesced iteration space;
 * offsets[k] is operand k's start offset and the inner run has n elements.
 */
export function forEachRun(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  inner: (offsets: number[], n: number) => void,
): void {
  const r = shape.length;
  const nOps = strides.length;
  const n = shape[r - 1];
  const idx = new Array<number>(r).fill(0);
  const off = new Array<number>(nOps).fill(0);
  let outer = 1;
  for (let i = 0; i < r - 1; i++) outer *= shape[i];
  for (let o = 0; o < outer; o++) {
    inner(off, n);
    // increment the multi-index over axes 0..r-2
    for (let ax = r - 2; ax >= 0; ax--) {
      idx[ax]++;
      for (let k = 0; k < nOps; k++) off[k] += strides[k][ax];
      if (idx[ax] < shape[ax]) break;
      for (let k = 0; k < nOps; k++) off[k] -= strides[k][ax] * shape[ax];
      idx[ax] = 0;
    }
  }
}

/** Shape and stride helpers. Shapes are logical (PyTorch order: NCHW for images). */

/** Number of elements of a shape (1 for a scalar `[]`). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major element strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Strides, in logical [N,C,H,W] axis order, of a 4-D tensor stored NHWC. */
export function channelsLastStrides(shape: readonly number[]): number[] {
  const [, c, h, w] = shape;
  return [h * w * c, 1, w * c, c];
}

/** Element-wise equality of two shapes. */
export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy/PyTorch broadcasting of two shapes; throws a one-line error when incompatible. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`broadcast: shapes [${a}] and [${b}] are not compatible`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalize a possibly negative axis into [0, rank); throws if out of range. */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= Math.max(rank, 1)) {
    throw new Error(`axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

/** Format a shape for error messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

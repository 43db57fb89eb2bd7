/** Shape ops: reshape/view, flatten, squeeze/unsqueeze, permute, transpose. */
import { record } from '../autograd.js';
import { fmtShape, normalizeAxis, numel } from '../shape.js';
import { Tensor } from '../tensor.js';
import { gatherInto } from './util.js';

function inferShape(shape: readonly number[], size: number, from: readonly number[]): number[] {
  const out = [...shape];
  const free = out.indexOf(-1);
  if (free >= 0) {
    const rest = numel(out.filter((_, i) => i !== free));
    out[free] = rest === 0 ? 0 : size / rest;
  }
  if (numel(out) !== size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: cannot reshape ${fmtShape(from)} to ${fmtShape(shape)}`);
  }
  return out;
}

/** Same values (logical row-major order) with a new shape; one axis may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(shape, x.size, x.shape);
  const src = x.contiguous();
  const out = new Tensor(src.data, target);
  return record({ kind: 'reshape' }, out, [src], (g) => [reshape(g, src.shape)]);
}

/** Alias of reshape (storage is always shareable after `.contiguous()`). */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  return reshape(x, shape);
}

/** Merge axes startDim..endDim (PyTorch flatten; channelsLast input gives NCHW order). */
export function flatten(x: Tensor, startDim = 1, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeAxis(startDim, x.ndim);
  const e = normalizeAxis(endDim, x.ndim);
  if (e < s) throw new Error(`flatten: endDim ${endDim} is before startDim ${startDim}`);
  const shape = [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Insert a size-1 axis at `dim`. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeAxis(dim, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/** Remove size-1 axes (all, or only `dim`). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const d = normalizeAxis(dim, x.ndim);
  if (x.shape[d] !== 1) return x;
  return reshape(
    x,
    x.shape.filter((_, i) => i !== d),
  );
}

/** Reorder axes: out.shape[i] = x.shape[perm[i]] (a contiguous copy). */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const p = perm.map((a) => normalizeAxis(a, x.ndim));
  if (p.length !== x.ndim || new Set(p).size !== p.length) {
    throw new Error(`permute: ${fmtShape(perm)} is not a permutation of ${x.ndim} axes`);
  }
  if (x.layout === 'channelsBlocked16') return permute(x.toChannelsLast(), perm);
  const st = x.strides;
  const shape = p.map((a) => x.shape[a]);
  const out = new Tensor(
    gatherInto(
      shape,
      'contiguous',
      x.data,
      p.map((a) => st[a]),
    ),
    shape,
  );
  const inv = new Array<number>(p.length);
  for (let i = 0; i < p.length; i++) inv[p[i]] = i;
  return record({ kind: 'permute', perm: p }, out, [x], (g) => [permute(g, inv)]);
}

/** Swap two axes. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const p = Array.from({ length: x.ndim }, (_, i) => i);
  const a = normalizeAxis(dim0, x.ndim);
  const b = normalizeAxis(dim1, x.ndim);
  p[a] = b;
  p[b] = a;
  return permute(x, p);
}

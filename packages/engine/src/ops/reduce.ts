/** Reductions: sum, mean, norm; broadcasting helpers expand and sumTo. */
import { record } from '../autograd.js';
import type { Data } from '../dtype.js';
import { acquireBuffer } from '../buffer-pool.js';
import { fmtShape, normalizeAxis, numel, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastStrides, gatherInto, kern, storagePerm } from './util.js';
import { mul, sqrt } from './elementwise.js';
import { reshape } from './shape-ops.js';

function normAxes(axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = [...new Set(list.map((a) => normalizeAxis(a, rank)))];
  return out.sort((a, b) => a - b);
}

/** Sum over storage-order groups; returns the reduced buffer (kept axes in storage order). */
function reduceStorage(x: Tensor, reduce: ReadonlySet<number>): Data {
  const perm = storagePerm(x.layout, x.ndim);
  // Groups of consecutive storage axes with the same reduce flag (size-1 axes dropped).
  const sizes: number[] = [];
  const flags: boolean[] = [];
  for (const ax of perm) {
    const d = x.shape[ax];
    if (d === 1) continue;
    const f = reduce.has(ax);
    if (flags.length > 0 && flags[flags.length - 1] === f) sizes[sizes.length - 1] *= d;
    else {
      sizes.push(d);
      flags.push(f);
    }
  }
  let data: Data = x.data;
  let copied = false;
  for (;;) {
    const gi = flags.indexOf(true);
    if (gi < 0) break;
    let outer = 1;
    for (let i = 0; i < gi; i++) outer *= sizes[i];
    let inner = 1;
    for (let i = gi + 1; i < sizes.length; i++) inner *= sizes[i];
    const out = acquireBuffer(x.dtype, outer * inner);
    kern(x).sumAxis({ out, x: data, outer, mid: sizes[gi], inner });
    data = out;
    copied = true;
    sizes.splice(gi, 1);
    flags.splice(gi, 1);
  }
  return copied ? data : data.slice();
}

/** Sum over `axes` (all when omitted); keepdim keeps reduced axes as size 1. */
export function sum(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  const ax = normAxes(axes, x.ndim);
  const red = new Set(ax);
  const keptShape = x.shape.map((d, i) => (red.has(i) ? 1 : d));
  const outShape = keepdim ? keptShape : x.shape.filter((_, i) => !red.has(i));
  if (x.layout === 'channelsBlocked16') return sum(x.toChannelsLast(), axes, keepdim);
  if (x.layout === 'channelsLast' && !keepdim) {
    // Kept axes must stay in logical order in storage, else reduce a contiguous copy.
    const kept = storagePerm('channelsLast', 4).filter((i) => !red.has(i) && x.shape[i] !== 1);
    for (let i = 1; i < kept.length; i++)
      if (kept[i] < kept[i - 1]) return sum(x.contiguous(), axes, keepdim);
  }
  const data = reduceStorage(x, red);
  const layout = keepdim && x.layout === 'channelsLast' ? 'channelsLast' : 'contiguous';
  const out = new Tensor(data, outShape, { layout });
  const axesSorted = [...red].sort((a, b) => a - b);
  return record({ kind: 'sum', axes: axesSorted, keepdim }, out, [x], (g) => [
    expand(reshape(g.contiguous(), keptShape), x.shape),
  ]);
}

/** Mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  const ax = normAxes(axes, x.ndim);
  let count = 1;
  for (const a of ax) count *= x.shape[a];
  return mul(sum(x, ax, keepdim), 1 / count);
}

/** Euclidean norm over `axes` (all when omitted): sqrt(Σ x²). */
export function norm(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  return sqrt(sum(mul(x, x), axes, keepdim));
}

/** Broadcast `x` to `shape` (a materialized copy, like torch expand + contiguous). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  if (x.layout === 'channelsBlocked16') return expand(x.toChannelsLast(), shape);
  if (shape.length < x.ndim)
    throw new Error(`expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  const lead = shape.length - x.ndim;
  for (let i = 0; i < x.ndim; i++) {
    if (x.shape[i] !== 1 && x.shape[i] !== shape[lead + i]) {
      throw new Error(`expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
    }
  }
  const data = gatherInto(shape, 'contiguous', x.data, broadcastStrides(x, shape));
  const out = new Tensor(data, shape);
  return record({ kind: 'expand' }, out, [x], (g) => [sumTo(g, x.shape)]);
}

/** Sum `g` down to `shape` (the adjoint of broadcasting). Differentiable. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = sum(g, axes, true);
  if (numel(s.shape) !== numel(shape)) {
    throw new Error(`sumTo: cannot reduce ${fmtShape(g.shape)} to ${fmtShape(shape)}`);
  }
  return shapesEqual(s.shape, shape) ? s : reshape(s, shape);
}

/** Internal helpers shared by ops (not exported from the ops index). */
import { kernelsFor } from '../backend.js';
import { acquireBuffer, acquireZeroed } from '../buffer-pool.js';
import type { Data, DType } from '../dtype.js';
import type { ChannelOrder, Kernels } from '../kernels.js';
import { numel } from '../shape.js';
import { Tensor, type Layout } from '../tensor.js';
import { channelOrderOf, gatherCopy } from '../storage-order.js';

/** Kernels for this tensor's dtype (float64 → TS). */
export function kern(t: Tensor): Kernels {
  return kernelsFor(t.data);
}

/** A zero tensor (fresh buffer) of a shape, dtype and layout. */
export function zeros(
  shape: readonly number[],
  dtype: DType,
  layout: Layout = 'contiguous',
): Tensor {
  return new Tensor(acquireZeroed(dtype, numel(shape)), shape, {
    layout: shape.length === 4 ? layout : 'contiguous',
  });
}

/** A tensor with arbitrary contents (pooled), for outputs a kernel fully overwrites. */
export function empty(
  shape: readonly number[],
  dtype: DType,
  layout: Layout = 'contiguous',
): Tensor {
  return new Tensor(acquireBuffer(dtype, numel(shape)), shape, {
    layout: shape.length === 4 ? layout : 'contiguous',
  });
}

/** A zero tensor like `t` (same shape, dtype, layout). */
export function zerosLike(t: Tensor): Tensor {
  return zeros(t.shape, t.dtype, t.layout);
}

/** Storage axis order of a layout for a tensor of rank r (not defined for blocked storage). */
export function storagePerm(layout: Layout, rank: number): number[] {
  if (layout === 'channelsBlocked16')
    throw new Error('storagePerm: blocked storage has no axis order');
  if (layout === 'channelsLast' && rank === 4) return [0, 2, 3, 1];
  return Array.from({ length: rank }, (_, i) => i);
}

/**
 * A new buffer in `layout` storage order holding the logical tensor of `shape` read from `src`
 * through per-logical-axis `srcStrides` (0 strides broadcast).
 */
export function gatherInto(
  shape: readonly number[],
  layout: Layout,
  src: Data,
  srcStrides: readonly number[],
): Data {
  const out = acquireBuffer(src instanceof Float64Array ? 'float64' : 'float32', numel(shape));
  const copy =
    shape.length === 4
      ? gatherCopy(shape, layout, srcStrides)
      : { shape: [...shape], xStrides: [...srcStrides] };
  kernelsFor(src).copyStrided({ out, x: src, ...copy });
  return out;
}

/** Strides of `t` viewed at a broadcast `shape` (rank ≥ t.ndim): 0 on broadcast axes. */
export function broadcastStrides(t: Tensor, shape: readonly number[]): number[] {
  const r = shape.length;
  const own = t.strides;
  const out = new Array<number>(r).fill(0);
  const lead = r - t.ndim;
  for (let i = 0; i < t.ndim; i++) {
    out[lead + i] = t.shape[i] === 1 && shape[lead + i] !== 1 ? 0 : own[i];
  }
  return out;
}

/** Parse an int or [h, w] pair option. */
export function pair(v: number | readonly [number, number], name: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!Number.isInteger(p[0]) || !Number.isInteger(p[1]) || p[0] < 0 || p[1] < 0) {
    throw new Error(`${name}: expected a non-negative integer or [h, w] pair, got ${String(v)}`);
  }
  return p;
}

/** Throw unless `t` is 4-D. */
export function need4d(t: Tensor, op: string): void {
  if (t.ndim !== 4) throw new Error(`${op}: expected a 4-D [N,C,H,W] input, got [${t.shape}]`);
}

/**
 * The gradient buffer a backward closure accumulates into for an input: the partial gradient
 * autograd already holds (`partial`, accumulated in place and returned as is) when it has the
 * wanted storage order, else a fresh zeroed tensor.
 */
export function gradTarget(
  partial: Tensor | null | undefined,
  shape: readonly number[],
  dtype: DType,
  layout: Layout = 'contiguous',
): Tensor {
  const want = shape.length === 4 ? layout : 'contiguous';
  if (partial && partial.dtype === dtype && partial.size === numel(shape)) {
    if (shape.length !== 4 || partial.layout === want) return partial;
  }
  return zeros(shape, dtype, want);
}

/**
 * The storage a batch-norm-like op works in: a 4-D input keeps blocked storage and otherwise
 * goes NHWC; other ranks go row-major. Returns the tensor and the kernels' order/hw fields.
 */
export function normInput(x: Tensor): {
  X: Tensor;
  order: ChannelOrder;
  hw: number;
} {
  if (x.ndim !== 4) return { X: x.contiguous(), order: 'nhwc', hw: 1 };
  const X = x.layout === 'channelsBlocked16' ? x : x.toChannelsLast();
  return { X, order: channelOrderOf(X.layout), hw: x.shape[2] * x.shape[3] };
}

/**
 * Like gradTarget for a kernel that can overwrite: the partial gradient when usable (the kernel
 * accumulates into it), else an uninitialised pooled buffer with `overwrite` true (the kernel
 * writes it; no zero fill, no read of the old contents).
 */
export function gradOutput(
  partial: Tensor | null | undefined,
  shape: readonly number[],
  dtype: DType,
  layout: Layout = 'contiguous',
): { t: Tensor; overwrite: boolean } {
  const want = shape.length === 4 ? layout : 'contiguous';
  if (partial && partial.dtype === dtype && partial.size === numel(shape)) {
    if (shape.length !== 4 || partial.layout === want) return { t: partial, overwrite: false };
  }
  return { t: empty(shape, dtype, want), overwrite: true };
}

/**
 * Tensor: a JS-owned typed array plus a logical shape (PyTorch order, NCHW for images), a
 * layout, and autograd state.
 *
 * Layout (see ../LAYOUT.md): `shape` is always logical. A 4-D tensor may be stored
 * 'channelsLast' (NHWC: element (n,c,h,w) at ((n*H+h)*W+w)*C+c), like torch.channels_last, or
 * 'channelsBlocked16' (oneDNN's nChw16c, C a multiple of 16; what the native backend's conv2d
 * outputs). conv2d outputs the backend's preferred layout; batch norm, relu, same-layout element-wise
 * ops and pooling keep it; every other op first converts (`.contiguous()` / `.toChannelsLast()`).
 */
import { allocData, type Data, type DType } from './dtype.js';
import { channelsLastStrides, contiguousStrides, fmtShape, numel, shapesEqual } from './shape.js';
import { runBackward, setGradHooks, type GradFn } from './autograd.js';
import { toLayout } from './ops/layout.js';
import type { Rng } from './rng.js';
import { acquireBuffer, releaseBuffer } from './buffer-pool.js';
import { kernelsFor } from './backend.js';
import {
  layoutFits,
  relayoutCopy,
  storageOffset,
  CHANNEL_BLOCK,
  type Layout,
} from './storage-order.js';

export type { Layout } from './storage-order.js';

/** Options for tensor factories. */
export interface TensorOptions {
  /** default 'float32' */
  dtype?: DType;
  /** default false */
  requiresGrad?: boolean;
  /** default 'contiguous' */
  layout?: Layout;
}

let nextId = 0;

/** An n-dimensional array with eager autograd. */
export class Tensor {
  /** storage, in `layout` order */
  readonly data: Data;
  /** logical shape (NCHW for 4-D images) */
  readonly shape: readonly number[];
  /** storage order */
  readonly layout: Layout;
  /** whether gradients flow to / through this tensor */
  requiresGrad: boolean;
  /** accumulated gradient (leaf tensors), same shape and layout as this tensor */
  grad: Tensor | null = null;
  /** the op that produced this tensor, or null for leaves */
  gradFn: GradFn | null = null;
  /** unique id (creation order) */
  readonly id: number = nextId++;

  /** Wrap `data` (not copied) with a logical `shape`. */
  constructor(
    data: Data,
    shape: readonly number[],
    opts: { requiresGrad?: boolean; layout?: Layout } = {},
  ) {
    const layout = opts.layout ?? 'contiguous';
    if (data.length !== numel(shape)) {
      throw new Error(`Tensor: data has ${data.length} elements but shape ${fmtShape(shape)}`);
    }
    if (!layoutFits(layout, shape)) {
      throw new Error(
        `Tensor: layout ${layout} needs a 4-D shape` +
          (layout === 'channelsBlocked16' ? ` with C a multiple of ${CHANNEL_BLOCK}` : '') +
          `, got ${fmtShape(shape)}`,
      );
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.layout = layout;
    this.requiresGrad = opts.requiresGrad ?? false;
  }

  /** 'float32' or 'float64'. */
  get dtype(): DType {
    return this.data instanceof Float64Array ? 'float64' : 'float32';
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Rank. */
  get ndim(): number {
    return this.shape.length;
  }

  /**
   * Element strides of the storage, per logical axis. A 'channelsBlocked16' tensor has none
   * (convert it first); asking throws rather than returning wrong numbers.
   */
  get strides(): number[] {
    if (this.layout === 'channelsBlocked16') {
      throw new Error('strides: a channelsBlocked16 tensor has no per-axis strides; convert it');
    }
    return this.layout === 'channelsLast'
      ? channelsLastStrides(this.shape)
      : contiguousStrides(this.shape);
  }

  /** Zeros. */
  static zeros(shape: readonly number[], opts: TensorOptions = {}): Tensor {
    return new Tensor(allocData(opts.dtype ?? 'float32', numel(shape)), shape, opts);
  }

  /** Ones. */
  static ones(shape: readonly number[], opts: TensorOptions = {}): Tensor {
    return Tensor.full(shape, 1, opts);
  }

  /** Filled with `value`. */
  static full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
    const t = Tensor.zeros(shape, opts);
    t.data.fill(value);
    return t;
  }

  /** From values in logical row-major order (converted to `opts.layout` storage). */
  static from(
    values: ArrayLike<number>,
    shape: readonly number[],
    opts: TensorOptions = {},
  ): Tensor {
    if (values.length !== numel(shape)) {
      throw new Error(`Tensor.from: ${values.length} values for shape ${fmtShape(shape)}`);
    }
    const data = allocData(opts.dtype ?? 'float32', values.length);
    for (let i = 0; i < values.length; i++) data[i] = values[i];
    const t = new Tensor(data, shape, { requiresGrad: opts.requiresGrad });
    const layout = opts.layout ?? 'contiguous';
    if (layout === 'contiguous') return t;
    if (!layoutFits(layout, shape)) return new Tensor(data, shape, opts); // throws the usual error
    return new Tensor(permuteData(t, layout), shape, { requiresGrad: opts.requiresGrad, layout });
  }

  /** A 0-d tensor. */
  static scalar(value: number, opts: TensorOptions = {}): Tensor {
    return Tensor.full([], value, opts);
  }

  /** Standard normal entries from `rng`, drawn in logical order. */
  static randn(shape: readonly number[], rng: Rng, opts: TensorOptions = {}): Tensor {
    const v = new Float64Array(numel(shape));
    for (let i = 0; i < v.length; i++) v[i] = rng.normal();
    return Tensor.from(v, shape, opts);
  }

  /** Uniform entries in [low, high) from `rng`, drawn in logical order. */
  static uniform(
    shape: readonly number[],
    low: number,
    high: number,
    rng: Rng,
    opts: TensorOptions = {},
  ): Tensor {
    const v = new Float64Array(numel(shape));
    for (let i = 0; i < v.length; i++) v[i] = rng.uniform(low, high);
    return Tensor.from(v, shape, opts);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item(): tensor has ${this.size} elements, expected 1`);
    return this.data[0];
  }

  /** Values in logical row-major order (NCHW for 4-D tensors of any layout). */
  toArray(): number[] {
    const d = this.layout === 'contiguous' ? this.data : permuteData(this, 'contiguous');
    return Array.from(d);
  }

  /** Element at a logical index. */
  get(...index: number[]): number {
    if (this.ndim === 4) return this.data[storageOffset(this.shape, this.layout, index)];
    const s = this.strides;
    let off = 0;
    for (let i = 0; i < index.length; i++) off += index[i] * s[i];
    return this.data[off];
  }

  /**
   * Backpropagate from this tensor. `grad` defaults to 1 for one-element tensors.
   * Leaf gradients accumulate into `.grad`.
   */
  backward(grad?: Tensor): void {
    let seed = grad;
    if (seed === undefined) {
      if (this.size !== 1)
        throw new Error('backward(): implicit gradient needs a 1-element tensor');
      seed = Tensor.full(this.shape, 1, { dtype: this.dtype, layout: this.layout });
    } else if (!shapesEqual(seed.shape, this.shape)) {
      throw new Error(`backward(): grad shape ${fmtShape(seed.shape)} != ${fmtShape(this.shape)}`);
    }
    runBackward(this, seed);
  }

  /** Same storage, cut from the graph, requiresGrad false. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, { layout: this.layout });
  }

  /** A detached copy of the values (same shape, layout and dtype). */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape, { layout: this.layout });
  }

  /** Copy of this tensor's values converted to `dtype` (detached). */
  to(dtype: DType): Tensor {
    const d = allocData(dtype, this.size);
    d.set(this.data);
    return new Tensor(d, this.shape, { layout: this.layout });
  }

  /** This tensor stored row-major (differentiable; returns `this` if already contiguous). */
  contiguous(): Tensor {
    return toLayout(this, 'contiguous');
  }

  /** This 4-D tensor stored NHWC (differentiable; returns `this` if already). */
  toChannelsLast(): Tensor {
    return toLayout(this, 'channelsLast');
  }

  /** This tensor stored in `layout` (differentiable; returns `this` if already). */
  toLayout(layout: Layout): Tensor {
    return toLayout(this, layout);
  }

  /** Overwrite every element with `value` (in place, not recorded). */
  fill(value: number): this {
    this.data.fill(value);
    return this;
  }

  /** Copy values from `src` (same logical shape, any layout) in place, not recorded. */
  copyFrom(src: Tensor): this {
    if (!shapesEqual(src.shape, this.shape)) {
      throw new Error(`copyFrom: shape ${fmtShape(src.shape)} != ${fmtShape(this.shape)}`);
    }
    this.data.set(src.layout === this.layout ? src.data : permuteData(src, this.layout));
    return this;
  }

  /** Set `.grad` to zeros in place (or leave it null). */
  zeroGrad(): void {
    if (this.grad !== null) this.grad.data.fill(0);
  }

  /** Debug string. */
  toString(): string {
    return `Tensor(${fmtShape(this.shape)}, ${this.dtype}, ${this.layout})`;
  }
}

/**
 * Storage of `t` re-ordered into `layout` (not recorded; the op-level conversion with autograd is
 * ops/layout.ts). Returns a new buffer.
 */
export function permuteData(t: Tensor, layout: Layout): Data {
  const out = allocData(t.dtype, t.size);
  if (layout === t.layout || t.shape.length !== 4) {
    out.set(t.data);
    return out;
  }
  const { shape, xStrides } = relayoutCopy(t.shape, t.layout, layout);
  kernelsFor(out).copyStrided({ out, x: t.data, shape, xStrides });
  return out;
}

/** A pooled copy of `src`'s storage in `dtype` (same order), copied by the active kernels. */
function copyStorage(src: Data, dtype: DType): Data {
  const out = acquireBuffer(dtype, src.length);
  if (src.constructor === out.constructor) {
    kernelsFor(out).copyStrided({ out, x: src, shape: [src.length], xStrides: [1] });
  } else out.set(src);
  return out;
}

setGradHooks({
  accumulateInto(dst: Tensor, src: Tensor): void {
    const n = dst.size;
    const s = src.layout === dst.layout || src.ndim !== 4 ? src.data : permuteData(src, dst.layout);
    if (s.constructor === dst.data.constructor) {
      // dst += src through the active backend (threaded natively).
      kernelsFor(dst.data).binary({
        op: 'add',
        out: dst.data,
        a: dst.data,
        b: s,
        shape: [n],
        outStrides: [1],
        aStrides: [1],
        bStrides: [1],
      });
    } else {
      const d = dst.data;
      for (let i = 0; i < n; i++) d[i] += s[i];
    }
  },
  cloneAs(src: Tensor, like: Tensor): Tensor {
    const layout = like.ndim === 4 ? like.layout : 'contiguous';
    const d =
      src.layout === layout || src.ndim !== 4
        ? copyStorage(src.data, like.dtype)
        : copyStorage(permuteData(src, layout), like.dtype);
    return new Tensor(d, like.shape, { layout });
  },
  adoptAs(src: Tensor, like: Tensor): Tensor {
    return new Tensor(src.data, like.shape, {
      layout: like.ndim === 4 ? like.layout : 'contiguous',
    });
  },
  release: releaseBuffer,
});

/**
 * Storage orders of 4-D tensors as strided views, so that every conversion between layouts is
 * one `copyStrided` call. A blocked layout cannot be written as one stride per logical axis, so
 * all three layouts are described over the split logical index (n, c1, c2, h, w) with
 * c = c1·C2 + c2 (C2 = 16 when either side is blocked, else 1):
 *
 * | layout | storage axes | offset |
 * |---|---|---|
 * | contiguous | n c1 c2 h w | ((n·C + c)·H + h)·W + w |
 * | channelsLast | n h w c1 c2 | ((n·H + h)·W + w)·C + c |
 * | channelsBlocked16 | n c1 h w c2 | (((n·C/16 + c1)·H + h)·W + w)·16 + c2 |
 */

/** Storage order of a tensor; the last two are valid for 4-D tensors only (see ../LAYOUT.md). */
export type Layout = 'contiguous' | 'channelsLast' | 'channelsBlocked16';

/** Channels per block of the 'channelsBlocked16' layout (oneDNN's nChw16c). */
export const CHANNEL_BLOCK = 16;

/** Axis positions in the split index (n, c1, c2, h, w), listed in each layout's storage order. */
const ORDER: Record<Layout, readonly number[]> = {
  contiguous: [0, 1, 2, 3, 4],
  channelsLast: [0, 3, 4, 1, 2],
  channelsBlocked16: [0, 1, 3, 4, 2],
};

/** Element strides of the split index (n, c1, c2, h, w) in `layout` storage. */
function splitStrides(layout: Layout, shape: readonly number[], c2: number): number[] {
  const [, c, h, w] = shape;
  switch (layout) {
    case 'contiguous':
      return [c * h * w, c2 * h * w, h * w, w, 1];
    case 'channelsLast':
      return [h * w * c, c2, 1, w * c, c];
    case 'channelsBlocked16':
      return [c * h * w, h * w * CHANNEL_BLOCK, 1, w * CHANNEL_BLOCK, CHANNEL_BLOCK];
  }
}

/** A strided read: output (row-major over `shape`) = source read through `xStrides`. */
export interface StridedCopy {
  shape: number[];
  xStrides: number[];
}

/** The strided copy that turns `from` storage of a 4-D `shape` into `to` storage. */
export function relayoutCopy(shape: readonly number[], from: Layout, to: Layout): StridedCopy {
  const c2 = from === 'channelsBlocked16' || to === 'channelsBlocked16' ? CHANNEL_BLOCK : 1;
  const [n, c, h, w] = shape;
  const dims = [n, c / c2, c2, h, w];
  const src = splitStrides(from, shape, c2);
  const order = ORDER[to];
  return { shape: order.map((i) => dims[i]), xStrides: order.map((i) => src[i]) };
}

/**
 * The strided copy that writes `to` storage of a 4-D `shape` from a source addressed by one
 * stride per logical axis (`srcStrides`, 0 on broadcast axes).
 */
export function gatherCopy(
  shape: readonly number[],
  to: Layout,
  srcStrides: readonly number[],
): StridedCopy {
  const c2 = to === 'channelsBlocked16' ? CHANNEL_BLOCK : 1;
  const [n, c, h, w] = shape;
  const [sn, sc, sh, sw] = srcStrides;
  const dims = [n, c / c2, c2, h, w];
  const src = [sn, sc * c2, sc, sh, sw];
  const order = ORDER[to];
  return { shape: order.map((i) => dims[i]), xStrides: order.map((i) => src[i]) };
}

/** Storage offset of logical element (n, c, h, w) of a 4-D `shape` stored in `layout`. */
export function storageOffset(
  shape: readonly number[],
  layout: Layout,
  idx: readonly number[],
): number {
  const [, c, h, w] = shape;
  const [ni, ci, hi, wi] = idx;
  switch (layout) {
    case 'contiguous':
      return ((ni * c + ci) * h + hi) * w + wi;
    case 'channelsLast':
      return ((ni * h + hi) * w + wi) * c + ci;
    case 'channelsBlocked16': {
      const c1 = Math.floor(ci / CHANNEL_BLOCK);
      return (
        (((ni * (c / CHANNEL_BLOCK) + c1) * h + hi) * w + wi) * CHANNEL_BLOCK + (ci % CHANNEL_BLOCK)
      );
    }
  }
}

/** True when `layout` can hold a tensor of `shape` (blocked needs 4-D with C a multiple of 16). */
export function layoutFits(layout: Layout, shape: readonly number[]): boolean {
  if (layout === 'contiguous') return true;
  if (shape.length !== 4) return false;
  return layout === 'channelsLast' || shape[1] % CHANNEL_BLOCK === 0;
}

/** Channel order the kernels see for a 4-D activation in `layout`. */
export function channelOrderOf(layout: Layout): 'nhwc' | 'nChw16c' {
  return layout === 'channelsBlocked16' ? 'nChw16c' : 'nhwc';
}

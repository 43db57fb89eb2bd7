/** Layout conversion (contiguous ⇄ channelsLast ⇄ channelsBlocked16) as a differentiable op. */
import { record } from '../autograd.js';
import { acquireBuffer } from '../buffer-pool.js';
import { relayoutCopy } from '../storage-order.js';
import { Tensor, type Layout } from '../tensor.js';
import { kern } from './util.js';

/**
 * `x` stored in `layout`. Returns `x` itself when already there; shares storage when the two
 * orders coincide (C = 1 or H·W = 1).
 */
export function toLayout(x: Tensor, layout: Layout): Tensor {
  if (x.layout === layout) return x;
  if (x.ndim !== 4) {
    if (layout === 'contiguous') return x;
    throw new Error(`toLayout(${layout}): expected a 4-D tensor, got [${x.shape}]`);
  }
  const [, c, h, w] = x.shape;
  // Orders coincide when H·W = 1 (all three) or C = 1 (contiguous and channelsLast).
  const same = h * w === 1 || (c === 1 && x.layout !== 'channelsBlocked16');
  let data = x.data;
  if (!same) {
    data = acquireBuffer(x.dtype, x.size);
    kern(x).copyStrided({ out: data, x: x.data, ...relayoutCopy(x.shape, x.layout, layout) });
  }
  const out = new Tensor(data, x.shape, { layout });
  const from = x.layout;
  return record({ kind: 'toLayout' }, out, [x], (g) => [toLayout(g, from)]);
}

/** Row-major copy of `x` (identity on values; differentiable). */
export function contiguous(x: Tensor): Tensor {
  return toLayout(x, 'contiguous');
}

/** NHWC-stored copy of a 4-D `x` (identity on values; differentiable). */
export function toChannelsLast(x: Tensor): Tensor {
  return toLayout(x, 'channelsLast');
}

/** Layout conversion (contiguous ⇄ channelsLast) as a differentiable op. */
import { record } from '../autograd.js';
import { Tensor, type Layout } from '../tensor.js';
import { gatherInto } from './util.js';

/**
 * `x` stored in `layout`. Returns `x` itself when already there; shares storage when the two
 * orders coincide (C = 1 or H·W = 1).
 */
export function toLayout(x: Tensor, layout: Layout): Tensor {
  if (x.layout === layout) return x;
  if (x.ndim !== 4) {
    if (layout === 'contiguous') return x;
    throw new Error(`toChannelsLast: expected a 4-D tensor, got [${x.shape}]`);
  }
  const [, c, h, w] = x.shape;
  const data = c === 1 || h * w === 1 ? x.data : gatherInto(x.shape, layout, x.data, x.strides);
  const out = new Tensor(data, x.shape, { layout });
  const from = x.layout;
  return record('toLayout', out, [x], (g) => [toLayout(g, from)]);
}

/** Row-major copy of `x` (identity on values; differentiable). */
export function contiguous(x: Tensor): Tensor {
  return toLayout(x, 'contiguous');
}

/** NHWC-stored copy of a 4-D `x` (identity on values; differentiable). */
export function toChannelsLast(x: Tensor): Tensor {
  return toLayout(x, 'channelsLast');
}

/** Pooling: maxPool2d, avgPool2d (NHWC), adaptiveAvgPool2d (NHWC or blocked, kept). */
import { record } from '../autograd.js';
import type { Pool2dGeometry } from '../kernels.js';
import type { Tensor } from '../tensor.js';
import { channelOrderOf } from '../storage-order.js';
import { empty, kern, need4d, pair, zeros } from './util.js';

/** Options of maxPool2d / avgPool2d (floor mode; avg counts padding like torch's default). */
export interface Pool2dOptions {
  kernelSize: number | [number, number];
  /** default kernelSize */
  stride?: number | [number, number];
  /** default 0 */
  padding?: number | [number, number];
}

function poolGeometry(x: Tensor, opts: Pool2dOptions, op: string): Pool2dGeometry {
  need4d(x, op);
  const [n, c, h, w] = x.shape;
  const [kH, kW] = pair(opts.kernelSize, `${op} kernelSize`);
  const [strideH, strideW] = pair(opts.stride ?? opts.kernelSize, `${op} stride`);
  const [padH, padW] = pair(opts.padding ?? 0, `${op} padding`);
  if (kH < 1 || kW < 1 || strideH < 1 || strideW < 1 || 2 * padH > kH || 2 * padW > kW) {
    throw new Error(`${op}: need kernel, stride >= 1 and padding <= kernel/2`);
  }
  const outH = Math.floor((h + 2 * padH - kH) / strideH) + 1;
  const outW = Math.floor((w + 2 * padW - kW) / strideW) + 1;
  if (outH < 1 || outW < 1) throw new Error(`${op}: input [${x.shape}] is smaller than the window`);
  return { n, c, h, w, outH, outW, kH, kW, strideH, strideW, padH, padW };
}

/** Max pooling over H, W. */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const geom = poolGeometry(x, opts, 'maxPool2d');
  const X = x.toChannelsLast();
  const y = empty([geom.n, geom.c, geom.outH, geom.outW], X.dtype, 'channelsLast');
  const argmax = new Int32Array(y.size);
  const kk = kern(X);
  kk.maxPool2dForward({ y: y.data, argmax, x: X.data, geom });
  return record({ kind: 'maxPool2d' }, y, [X], (g) => {
    const dx = zeros(X.shape, X.dtype, 'channelsLast');
    kk.maxPool2dBackward({ dx: dx.data, dy: g.toChannelsLast().data, argmax, geom });
    return [dx];
  });
}

/** Average pooling over H, W (count_include_pad=True, floor mode). */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const geom = poolGeometry(x, opts, 'avgPool2d');
  const X = x.toChannelsLast();
  const y = empty([geom.n, geom.c, geom.outH, geom.outW], X.dtype, 'channelsLast');
  const kk = kern(X);
  kk.avgPool2dForward({ y: y.data, x: X.data, geom });
  return record({ kind: 'avgPool2d' }, y, [X], (g) => {
    const dx = zeros(X.shape, X.dtype, 'channelsLast');
    kk.avgPool2dBackward({ dx: dx.data, dy: g.toChannelsLast().data, geom });
    return [dx];
  });
}

/** Adaptive average pooling to outputSize (torch window rule); [1,1] is global average pooling. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | [number, number]): Tensor {
  need4d(x, 'adaptiveAvgPool2d');
  const [outH, outW] = pair(outputSize, 'adaptiveAvgPool2d outputSize');
  const [n, c, h, w] = x.shape;
  if (outH < 1 || outW < 1) throw new Error('adaptiveAvgPool2d: outputSize must be >= 1');
  // Blocked input stays blocked; a 1×1 output has the same bytes in every order and is
  // labelled channelsLast so that flatten and friends need no conversion.
  const X = x.layout === 'channelsBlocked16' ? x : x.toChannelsLast();
  const order = channelOrderOf(X.layout);
  const yLayout = order === 'nChw16c' && outH * outW > 1 ? 'channelsBlocked16' : 'channelsLast';
  const y = empty([n, c, outH, outW], X.dtype, yLayout);
  const kk = kern(X);
  kk.adaptiveAvgPool2dForward({ out: y.data, x: X.data, n, c, h, w, outH, outW, order });
  return record({ kind: 'adaptiveAvgPool2d' }, y, [X], (g) => {
    const dx = zeros(X.shape, X.dtype, X.layout);
    kk.adaptiveAvgPool2dBackward({
      out: dx.data,
      x: g.toLayout(yLayout).data,
      n,
      c,
      h,
      w,
      outH,
      outW,
      order,
    });
    return [dx];
  });
}

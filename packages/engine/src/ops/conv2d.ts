/**
 * 2-D convolution (PyTorch F.conv2d semantics). Weight OIHW; activations NHWC or blocked: the
 * output takes the active backend's `activationLayout` (blocked only when Cout is a multiple of 16
 * and the data float32), so a chain of convolutions and batch norms never changes storage order.
 */
import { getBackend } from '../backend.js';
import { record } from '../autograd.js';
import { CHANNEL_BLOCK, channelOrderOf, type Layout } from '../storage-order.js';
import type { Conv2dGeometry } from '../kernels.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { empty, gradOutput, gradTarget, kern, need4d, pair } from './util.js';

/** Options of conv2d (ints or [h, w] pairs). */
export interface Conv2dOptions {
  /** default 1 */
  stride?: number | [number, number];
  /** zero padding, default 0 */
  padding?: number | [number, number];
  /** default 1 */
  dilation?: number | [number, number];
  /** default 1 */
  groups?: number;
}

/** Geometry of conv2d(x [N,Cin,H,W], weight [Cout,Cin/g,kH,kW]); throws on mismatch. */
export function conv2dGeometry(
  xShape: readonly number[],
  wShape: readonly number[],
  opts: Conv2dOptions = {},
): Conv2dGeometry {
  const [n, cIn, h, w] = xShape;
  const [cOut, cg, kH, kW] = wShape;
  const [strideH, strideW] = pair(opts.stride ?? 1, 'conv2d stride');
  const [padH, padW] = pair(opts.padding ?? 0, 'conv2d padding');
  const [dilationH, dilationW] = pair(opts.dilation ?? 1, 'conv2d dilation');
  const groups = opts.groups ?? 1;
  if (wShape.length !== 4 || cIn !== cg * groups || cOut % groups !== 0) {
    throw new Error(
      `conv2d: weight ${fmtShape(wShape)} does not fit input ${fmtShape(xShape)} with groups=${groups}`,
    );
  }
  if (strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1) {
    throw new Error('conv2d: stride and dilation must be >= 1');
  }
  const outH = Math.floor((h + 2 * padH - dilationH * (kH - 1) - 1) / strideH) + 1;
  const outW = Math.floor((w + 2 * padW - dilationW * (kW - 1) - 1) / strideW) + 1;
  if (outH < 1 || outW < 1)
    throw new Error(`conv2d: input ${fmtShape(xShape)} is smaller than the kernel`);
  return {
    n,
    cIn,
    h,
    w,
    cOut,
    kH,
    kW,
    outH,
    outW,
    strideH,
    strideW,
    padH,
    padW,
    dilationH,
    dilationW,
    groups,
  };
}

/** conv2d(x [N,Cin,H,W], weight [Cout,Cin/groups,kH,kW], bias [Cout]?) → [N,Cout,outH,outW]. */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: Conv2dOptions = {},
): Tensor {
  need4d(x, 'conv2d');
  const geom = conv2dGeometry(x.shape, weight.shape, opts);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== geom.cOut)) {
    throw new Error(`conv2d: bias must be [${geom.cOut}], got ${fmtShape(bias.shape)}`);
  }
  const yLayout = outputLayout(x, geom.cOut);
  // Blocked output: a blocked-capable input goes blocked too; C = 1 input is NHWC = NCHW.
  const X = x.toLayout(
    yLayout === 'channelsBlocked16' && geom.cIn % CHANNEL_BLOCK === 0
      ? 'channelsBlocked16'
      : 'channelsLast',
  );
  const W = weight.contiguous();
  const y = empty([geom.n, geom.cOut, geom.outH, geom.outW], X.dtype, yLayout);
  const orders = { xOrder: channelOrderOf(X.layout), yOrder: channelOrderOf(yLayout) };
  const kk = kern(X);
  const b = bias ? bias.data : null;
  kk.conv2dForward({ y: y.data, x: X.data, weight: W.data, bias: b, geom, ...orders });
  const inputs: Tensor[] = bias ? [X, W, bias] : [X, W];
  return record({ kind: 'conv2d', hasBias: inputs.length > 2 }, y, inputs, (g0, needs, partial) => {
    const g = g0.toLayout(yLayout);
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      const out = gradOutput(partial[0], X.shape, X.dtype, X.layout);
      dx = out.t;
      kk.conv2dBackwardInput({
        dx: dx.data,
        dy: g.data,
        weight: W.data,
        geom,
        ...orders,
        overwriteDx: out.overwrite,
      });
    }
    if (needs[1] || needs[2]) {
      // W is the weight itself when contiguous (then its .grad may be the target).
      dw = gradTarget(needs[1] ? partial[1] : null, W.shape, W.dtype);
      db = needs[2] ? gradTarget(partial[2], [geom.cOut], W.dtype) : null;
      kk.conv2dBackwardWeight({
        dweight: dw.data,
        dbias: db ? db.data : null,
        dy: g.data,
        x: X.data,
        geom,
        ...orders,
      });
    }
    return [dx, needs[1] ? dw : null, db];
  });
}

/** Storage of conv2d's output: the backend's choice when the channels and dtype allow it. */
function outputLayout(x: Tensor, cOut: number): Layout {
  const pref = getBackend().activationLayout;
  const blocked =
    pref === 'channelsBlocked16' && cOut % CHANNEL_BLOCK === 0 && x.dtype === 'float32';
  return blocked ? 'channelsBlocked16' : 'channelsLast';
}

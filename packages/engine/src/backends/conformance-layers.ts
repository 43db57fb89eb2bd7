/** Conformance cases of the layer kernels: convolution, batch norm, pooling, softmax, optimizers. */
import type { ChannelOrder, Conv2dGeometry, Pool2dGeometry } from '../kernels.js';
import type { Rng } from '../rng.js';
import type { Case, Params } from './conformance-cases.js';

/** n uniform float32 values in [lo, hi). */
export const f32 = (r: Rng, n: number, lo = -1, hi = 1): Float32Array =>
  Float32Array.from({ length: n }, () => r.uniform(lo, hi));

/** A conv geometry (square kernel; dilation 1 and one group unless given). */
export function convGeom(
  n: number,
  cIn: number,
  h: number,
  w: number,
  cOut: number,
  k: number,
  stride: number,
  pad: number,
  dilation = 1,
  groups = 1,
): Conv2dGeometry {
  const outH = Math.floor((h + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
  const outW = Math.floor((w + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
  return {
    n,
    cIn,
    h,
    w,
    cOut,
    kH: k,
    kW: k,
    outH,
    outW,
    strideH: stride,
    strideW: stride,
    padH: pad,
    padW: pad,
    dilationH: dilation,
    dilationW: dilation,
    groups,
  };
}

/** A pooling geometry (square window). */
export function poolGeom(
  n: number,
  c: number,
  h: number,
  w: number,
  k: number,
  s: number,
  pad: number,
): Pool2dGeometry {
  const outH = Math.floor((h + 2 * pad - k) / s) + 1;
  const outW = Math.floor((w + 2 * pad - k) / s) + 1;
  return { n, c, h, w, outH, outW, kH: k, kW: k, strideH: s, strideW: s, padH: pad, padW: pad };
}

/** Cases of the layer kernels. */
export function layerCases(): Case[] {
  const out: Case[] = [];
  // Blocked (nChw16c) variants run the native backend's Winograd path for 3×3 stride 1, whose
  // float32 transforms round a little more (measured 1.9e-6 scaled): tolerance 2e-5 there.
  const geoms: [Conv2dGeometry, ChannelOrder, ChannelOrder, number, boolean?][] = [
    [convGeom(4, 16, 14, 14, 32, 3, 1, 1), 'nhwc', 'nhwc', 1e-4],
    [convGeom(4, 16, 14, 14, 32, 3, 2, 1), 'nhwc', 'nhwc', 1e-4],
    [convGeom(4, 16, 14, 14, 32, 1, 2, 0), 'nhwc', 'nhwc', 1e-4],
    [convGeom(4, 1, 12, 12, 8, 3, 1, 1), 'nhwc', 'nhwc', 1e-4],
    [convGeom(8, 64, 28, 28, 64, 3, 1, 1), 'nChw16c', 'nChw16c', 2e-5], // Winograd fwd, bwd-data
    [convGeom(32, 128, 7, 7, 128, 3, 1, 1), 'nChw16c', 'nChw16c', 2e-5], // Winograd bwd-weights
    // C → C for C ∈ {16, 32, 64}, no bias: the native backend's own Winograd F(4×4,3×3)
    // (measured 4–8e-6 scaled), with partial tiles (10 = 4 + 4 + 2) and odd sizes
    [convGeom(4, 32, 10, 10, 32, 3, 1, 1), 'nChw16c', 'nChw16c', 5e-5, true],
    [convGeom(3, 32, 7, 7, 32, 3, 1, 1), 'nChw16c', 'nChw16c', 5e-5, true],
    [convGeom(3, 16, 9, 11, 16, 3, 1, 1), 'nChw16c', 'nChw16c', 5e-5, true],
    [convGeom(2, 64, 7, 7, 64, 3, 1, 1), 'nChw16c', 'nChw16c', 5e-5, true],
    // ≥ 6272 pixels: its backward-weights too
    [convGeom(32, 32, 14, 14, 32, 3, 1, 1), 'nChw16c', 'nChw16c', 5e-5, true],
    [convGeom(8, 16, 28, 28, 16, 3, 1, 1), 'nChw16c', 'nChw16c', 5e-5, true],
    [convGeom(8, 64, 28, 28, 64, 3, 1, 1), 'nChw16c', 'nChw16c', 5e-5, true],
    [convGeom(4, 16, 14, 14, 32, 3, 2, 1), 'nChw16c', 'nChw16c', 1e-4],
    [convGeom(4, 1, 12, 12, 16, 3, 1, 1), 'nhwc', 'nChw16c', 1e-4],
  ];
  for (const [g, xOrder, yOrder, tol, noBias] of geoms) {
    const xs = g.n * g.h * g.w * g.cIn;
    const ys = g.n * g.outH * g.outW * g.cOut;
    const ws = g.cOut * g.cIn * g.kH * g.kW;
    const label =
      `${g.n}x${g.cIn}x${g.h}x${g.w}->${g.cOut} k${g.kH} s${g.strideH} p${g.padH}` +
      (xOrder === 'nhwc' && yOrder === 'nhwc' ? '' : ` ${xOrder}->${yOrder}`) +
      (noBias ? ' no bias' : '');
    const orders = { xOrder, yOrder };
    out.push({
      kernel: 'conv2dForward',
      label,
      tol,
      outputs: ['y'],
      make: (r) => ({
        y: f32(r, ys),
        x: f32(r, xs),
        weight: f32(r, ws),
        bias: noBias ? null : f32(r, g.cOut),
        geom: g,
        ...orders,
      }),
    });
    out.push({
      kernel: 'conv2dBackwardInput',
      label,
      tol,
      outputs: ['dx'],
      make: (r) => ({ dx: f32(r, xs), dy: f32(r, ys), weight: f32(r, ws), geom: g, ...orders }),
    });
    out.push({
      kernel: 'conv2dBackwardWeight',
      label,
      tol,
      outputs: ['dweight', 'dbias'],
      make: (r) => ({
        dweight: f32(r, ws),
        dbias: noBias ? null : f32(r, g.cOut),
        dy: f32(r, ys),
        x: f32(r, xs),
        geom: g,
        ...orders,
      }),
    });
  }
  for (const [m, c, hw] of [
    [2 * 14 * 14, 32, 0],
    [3000, 5, 0],
    [3 * 7 * 7, 32, 49],
  ]) {
    // hw > 0: the buffers are nChw16c with hw pixels per image.
    const blocked: Params = hw > 0 ? { order: 'nChw16c', hw } : {};
    const label = `M=${m} C=${c}` + (hw > 0 ? ` nChw16c hw=${hw}` : '');
    const bnIn = (r: Rng): Params => ({
      x: f32(r, m * c, -2, 3),
      gamma: f32(r, c, 0.5, 1.5),
      beta: f32(r, c),
      m,
      c,
      eps: 1e-5,
      ...blocked,
    });
    out.push({
      kernel: 'batchNormForwardTrain',
      label,
      tol: 1e-5,
      outputs: ['y', 'mean', 'varBiased', 'invStd'],
      make: (r) => ({
        y: f32(r, m * c),
        mean: f32(r, c),
        varBiased: f32(r, c),
        invStd: f32(r, c),
        ...bnIn(r),
      }),
    });
    out.push({
      kernel: 'batchNormForwardEval',
      label,
      tol: 1e-5,
      outputs: ['y'],
      make: (r) => ({ y: f32(r, m * c), mean: f32(r, c), variance: f32(r, c, 0.5, 2), ...bnIn(r) }),
    });
    const bwd = (r: Rng): Params => ({
      dx: f32(r, m * c),
      dgamma: f32(r, c),
      dbeta: f32(r, c),
      dy: f32(r, m * c),
      x: f32(r, m * c),
      mean: f32(r, c),
      invStd: f32(r, c, 0.5, 2),
      gamma: f32(r, c, 0.5, 1.5),
      m,
      c,
      ...blocked,
    });
    out.push({
      kernel: 'batchNormBackward',
      label,
      tol: 1e-4,
      outputs: ['dx', 'dgamma', 'dbeta'],
      make: bwd,
    });
    // Blocked cases also write / read the 1-bit ReLU mask (compared exactly).
    const words = Math.ceil((m * c) / 32);
    const maskOut = hw > 0 ? ['reluMask'] : [];
    out.push({
      kernel: 'batchNormActForwardTrain',
      label: `${label} +res relu`,
      tol: 1e-5,
      outputs: ['y', 'mean', 'varBiased', 'invStd', ...maskOut],
      make: (r) => ({
        y: f32(r, m * c),
        mean: f32(r, c),
        varBiased: f32(r, c),
        invStd: f32(r, c),
        ...bnIn(r),
        residual: f32(r, m * c),
        relu: true,
        reluMask: hw > 0 ? new Uint32Array(words).fill(0xdeadbeef) : null,
      }),
    });
    out.push({
      kernel: 'batchNormActBackward',
      label: `${label} +res relu` + (hw > 0 ? ' bit mask' : ''),
      tol: 1e-4,
      outputs: ['dx', 'dgamma', 'dbeta', 'dresidual'],
      make: (r) => ({
        ...bwd(r),
        dresidual: f32(r, m * c),
        y: hw > 0 ? null : f32(r, m * c),
        reluMask:
          hw > 0
            ? Uint32Array.from({ length: words }, () => r.int(0x10000) * 0x10000 + r.int(0x10000))
            : null,
      }),
    });
  }
  for (const g of [poolGeom(4, 16, 14, 14, 2, 2, 0), poolGeom(2, 8, 9, 9, 3, 2, 1)]) {
    const xs = g.n * g.h * g.w * g.c;
    const ys = g.n * g.outH * g.outW * g.c;
    const label = `${g.n}x${g.c}x${g.h}x${g.w} k${g.kH} s${g.strideH} p${g.padH}`;
    out.push({
      kernel: 'maxPool2dForward',
      label,
      tol: 0,
      outputs: ['y', 'argmax'],
      make: (r) => ({ y: f32(r, ys), argmax: new Int32Array(ys), x: f32(r, xs), geom: g }),
    });
    out.push({
      kernel: 'maxPool2dBackward',
      label,
      tol: 1e-6,
      outputs: ['dx'],
      make: (r) => ({
        dx: f32(r, xs),
        dy: f32(r, ys),
        argmax: Int32Array.from({ length: ys }, () => r.int(g.h * g.w)),
        geom: g,
      }),
    });
    out.push({
      kernel: 'avgPool2dForward',
      label,
      tol: 1e-6,
      outputs: ['y'],
      make: (r) => ({ y: f32(r, ys), x: f32(r, xs), geom: g }),
    });
    out.push({
      kernel: 'avgPool2dBackward',
      label,
      tol: 1e-6,
      outputs: ['dx'],
      make: (r) => ({ dx: f32(r, xs), dy: f32(r, ys), geom: g }),
    });
  }
  for (const [oh, ow, order] of [
    [1, 1, 'nhwc'],
    [3, 2, 'nhwc'],
    [3, 2, 'nChw16c'],
  ] as const) {
    const dims = { n: 3, c: 16, h: 7, w: 7, outH: oh, outW: ow, order };
    out.push({
      kernel: 'adaptiveAvgPool2dForward',
      label: `7x7->${oh}x${ow} ${order}`,
      tol: 1e-6,
      outputs: ['out'],
      make: (r) => ({ out: f32(r, 3 * 16 * oh * ow), x: f32(r, 3 * 16 * 49), ...dims }),
    });
    out.push({
      kernel: 'adaptiveAvgPool2dBackward',
      label: `7x7->${oh}x${ow} ${order}`,
      tol: 1e-6,
      outputs: ['out'],
      make: (r) => ({ out: f32(r, 3 * 16 * 49), x: f32(r, 3 * 16 * oh * ow), ...dims }),
    });
  }
  const rows = 64;
  const cols = 10;
  const labels = (r: Rng): Int32Array => Int32Array.from({ length: rows }, () => r.int(cols));
  out.push({
    kernel: 'logSoftmaxForward',
    label: `${rows}x${cols}`,
    tol: 1e-5,
    outputs: ['y'],
    make: (r) => ({ y: f32(r, rows * cols), x: f32(r, rows * cols, -5, 5), rows, cols }),
  });
  out.push({
    kernel: 'logSoftmaxBackward',
    label: `${rows}x${cols}`,
    tol: 1e-5,
    outputs: ['dx'],
    make: (r) => ({
      dx: f32(r, rows * cols),
      dy: f32(r, rows * cols),
      y: f32(r, rows * cols, -4, -0.1),
      rows,
      cols,
    }),
  });
  for (const ls of [0, 0.1]) {
    out.push({
      kernel: 'crossEntropyForward',
      label: `${rows}x${cols} ls=${ls}`,
      tol: 1e-5,
      outputs: ['losses', 'logProb'],
      make: (r) => ({
        losses: f32(r, rows),
        logProb: f32(r, rows * cols),
        logits: f32(r, rows * cols, -5, 5),
        labels: labels(r),
        rows,
        cols,
        labelSmoothing: ls,
      }),
    });
    out.push({
      kernel: 'crossEntropyBackward',
      label: `${rows}x${cols} ls=${ls}`,
      tol: 1e-5,
      outputs: ['dlogits'],
      make: (r) => ({
        dlogits: f32(r, rows * cols),
        logProb: f32(r, rows * cols, -4, -0.1),
        labels: labels(r),
        rows,
        cols,
        labelSmoothing: ls,
        scale: 1 / rows,
      }),
    });
  }
  for (const [nesterov, first] of [
    [false, true],
    [false, false],
    [true, false],
  ]) {
    out.push({
      kernel: 'sgdStep',
      label: `nesterov=${nesterov} first=${first}`,
      tol: 1e-6,
      outputs: ['param', 'momentumBuf'],
      make: (r) => ({
        param: f32(r, 5000),
        momentumBuf: f32(r, 5000),
        grad: f32(r, 5000),
        n: 5000,
        lr: 0.1,
        momentum: 0.9,
        dampening: nesterov ? 0 : 0.1,
        weightDecay: 5e-4,
        nesterov,
        firstStep: first,
      }),
    });
  }
  for (const decoupled of [false, true]) {
    out.push({
      kernel: 'adamStep',
      label: `decoupled=${decoupled}`,
      tol: 1e-5,
      outputs: ['param', 'expAvg', 'expAvgSq'],
      make: (r) => ({
        param: f32(r, 5000),
        expAvg: f32(r, 5000, -0.1, 0.1),
        expAvgSq: f32(r, 5000, 0, 0.01),
        grad: f32(r, 5000),
        n: 5000,
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0.01,
        decoupled,
        step: 7,
      }),
    });
  }
  return out;
}

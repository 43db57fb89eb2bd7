/**
 * Random- and edge-shape conformance cases of the element-wise, strided, reduction, pooling, loss
 * and optimizer kernels (see conformance-shapes.ts). Tolerance 0 where one correctly rounded op
 * (or float64 libm then one rounding, an exact selection or a single add) must match TS exactly;
 * 1e-6 for float64 sums and row math stored in float32.
 */
import type { Rng } from '@smd/engine';
import { f32, poolGeom, type Case } from '@smd/engine/conformance';

const rowMajor = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, acc = 1; i >= 0; acc *= shape[i], i--) s[i] = acc;
  return s;
};

export function elementwiseShapeCases(out: Case[]): void {
  const [N, C, H, W] = [4, 24, 9, 11];
  const shape = [N, C, H, W];
  const n = N * C * H * W;
  const rm = rowMajor(shape);
  const cl = [H * W * C, 1, W * C, C]; // NHWC strides in NCHW axis order
  const strided: [string, number[], number[], number[], number, number][] = [
    ['row-major', rm, rm, rm, n, n],
    ['channels-last', cl, cl, cl, n, n],
    ['per-channel b', cl, [0, 1, 0, 0], cl, n, C],
    ['per-channel a', [0, 1, 0, 0], cl, cl, C, n],
    ['mixed layouts', rm, cl, cl, n, n],
    ['two broadcasts', [W, 0, 0, 1], [0, H * W, W, 1], rm, N * W, C * H * W],
  ];
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    for (const [label, aStrides, bStrides, outStrides, an, bn] of strided) {
      out.push({
        kernel: 'binary',
        label: `${op} ${label}`,
        tol: 0,
        outputs: ['out'],
        make: (r) => ({
          op,
          out: f32(r, n),
          a: f32(r, an),
          b: f32(r, bn, 0.5, 2),
          shape,
          aStrides,
          bStrides,
          outStrides,
        }),
      });
    }
  }
  const big = 50_001;
  for (const op of ['neg', 'exp', 'log', 'sqrt', 'abs', 'relu'] as const) {
    const positive = op === 'log' || op === 'sqrt';
    out.push({
      kernel: 'unary',
      label: `${op} n=${big}`,
      tol: 0,
      outputs: ['out'],
      make: (r) => ({
        op,
        out: f32(r, big),
        x: f32(r, big, positive ? 0.01 : -2, positive ? 3 : 2),
        n: big,
      }),
    });
  }
  for (const op of ['add', 'mul', 'pow', 'rsub', 'rdiv'] as const) {
    for (const s of op === 'pow' ? [2, 0.5, 3] : [0.1, -3.7]) {
      const positive = op === 'pow' || op === 'rdiv';
      out.push({
        kernel: 'scalar',
        label: `${op} ${s} n=${big}`,
        tol: 0,
        outputs: ['out'],
        make: (r) => ({
          op,
          out: f32(r, big),
          x: f32(r, big, positive ? 0.01 : -2, positive ? 3 : 2),
          s,
          n: big,
        }),
      });
    }
  }
  out.push({
    kernel: 'reluBackward',
    label: `n=${big}`,
    tol: 0,
    outputs: ['dx'],
    make: (r) => ({ dx: f32(r, big), dy: f32(r, big), y: f32(r, big, -2, 2), n: big }),
  });
  for (const [outer, mid, inner] of [
    [5, 300, 1],
    [3, 200, 70],
    [1, 5000, 40],
    [1, 7, 3],
  ]) {
    out.push({
      kernel: 'sumAxis',
      label: `${outer}x${mid}x${inner}`,
      tol: 1e-6,
      outputs: ['out'],
      make: (r) => ({
        out: f32(r, outer * inner),
        x: f32(r, outer * mid * inner),
        outer,
        mid,
        inner,
      }),
    });
  }
  const [n2, c2, h2, w2] = [3, 20, 13, 17];
  for (const [label, sh, xStrides] of [
    ['NCHW -> NHWC gather', [n2, h2, w2, c2], [c2 * h2 * w2, w2, 1, h2 * w2]],
    ['transpose', [c2 * h2, n2 * w2], [1, c2 * h2]],
    ['broadcast read', [n2, c2, h2, w2], [c2 * h2 * w2, h2 * w2, 0, 1]],
  ] as const) {
    const size = sh.reduce((a, b) => a * b, 1);
    out.push({
      kernel: 'copyStrided',
      label,
      tol: 0,
      outputs: ['out'],
      make: (r) => ({ out: f32(r, size), x: f32(r, n2 * c2 * h2 * w2), shape: sh, xStrides }),
    });
  }
}

export function poolLossOptimShapeCases(out: Case[]): void {
  for (const geom of [
    poolGeom(3, 16, 12, 12, 2, 2, 0),
    poolGeom(4, 8, 11, 9, 3, 2, 1),
    poolGeom(2, 5, 7, 7, 3, 1, 1),
  ]) {
    const xs = geom.n * geom.h * geom.w * geom.c;
    const ys = geom.n * geom.outH * geom.outW * geom.c;
    const label = `${JSON.stringify(geom)}`;
    // quantized values make ties, which must resolve to the first index like TS
    const ties = (r: Rng) => f32(r, xs).map((v) => Math.round(v * 4) / 4);
    out.push({
      kernel: 'maxPool2dForward',
      label: `${label} ties`,
      tol: 0,
      outputs: ['y', 'argmax'],
      make: (r) => ({ y: f32(r, ys), argmax: new Int32Array(ys), x: ties(r), geom }),
    });
    out.push({
      kernel: 'avgPool2dForward',
      label,
      tol: 1e-6,
      outputs: ['y'],
      make: (r) => ({ y: f32(r, ys), x: f32(r, xs), geom }),
    });
    out.push({
      kernel: 'avgPool2dBackward',
      label,
      tol: 1e-6,
      outputs: ['dx'],
      make: (r) => ({ dx: f32(r, xs), dy: f32(r, ys), geom }),
    });
  }
  for (const [n, c, h, w, outH, outW] of [
    [128, 64, 7, 7, 1, 1],
    [2, 6, 10, 7, 3, 4],
    [3, 4, 5, 5, 5, 5],
  ]) {
    const dims = { n, c, h, w, outH, outW };
    const [big, small] = [n * h * w * c, n * outH * outW * c];
    const label = `${n},${c},${h},${w}->${outH},${outW}`;
    out.push({
      kernel: 'adaptiveAvgPool2dForward',
      label,
      tol: 1e-6,
      outputs: ['out'],
      make: (r) => ({ out: f32(r, small), x: f32(r, big), ...dims }),
    });
    out.push({
      kernel: 'adaptiveAvgPool2dBackward',
      label,
      tol: 1e-6,
      outputs: ['out'],
      make: (r) => ({ out: f32(r, big), x: f32(r, small), ...dims }),
    });
  }
  for (const [rows, cols, labelSmoothing] of [
    [128, 10, 0],
    [37, 100, 0.1],
    [3000, 17, 0.2],
  ]) {
    const size = rows * cols;
    const label = `${rows}x${cols} smoothing ${labelSmoothing}`;
    const labels = (r: Rng) => Int32Array.from({ length: rows }, () => r.int(cols));
    out.push({
      kernel: 'logSoftmaxForward',
      label,
      tol: 1e-6,
      outputs: ['y'],
      make: (r) => ({ y: f32(r, size), x: f32(r, size, -8, 8), rows, cols }),
    });
    out.push({
      kernel: 'logSoftmaxBackward',
      label,
      tol: 1e-6,
      outputs: ['dx'],
      make: (r) => ({ dx: f32(r, size), dy: f32(r, size), y: f32(r, size, -8, 0), rows, cols }),
    });
    out.push({
      kernel: 'crossEntropyForward',
      label,
      tol: 1e-6,
      outputs: ['losses', 'logProb'],
      make: (r) => ({
        losses: f32(r, rows),
        logProb: f32(r, size),
        logits: f32(r, size, -8, 8),
        labels: labels(r),
        rows,
        cols,
        labelSmoothing,
      }),
    });
    out.push({
      kernel: 'crossEntropyBackward',
      label,
      tol: 1e-6,
      outputs: ['dlogits'],
      make: (r) => ({
        dlogits: f32(r, size),
        logProb: f32(r, size, -8, 0),
        labels: labels(r),
        rows,
        cols,
        labelSmoothing,
        scale: 1 / rows,
      }),
    });
  }
  const n = 40_000;
  for (const [momentum, dampening, nesterov, firstStep, buf] of [
    [0.9, 0, false, true, true],
    [0.9, 0, false, false, true],
    [0.9, 0, true, false, true],
    [0.5, 0.3, false, false, true],
    [0, 0, false, false, false],
    [0.9, 0, false, false, false],
  ] as const) {
    out.push({
      kernel: 'sgdStep',
      label: JSON.stringify({ momentum, dampening, nesterov, firstStep, buf }),
      tol: 1e-6,
      outputs: ['param', 'momentumBuf'],
      make: (r) => ({
        param: f32(r, n),
        momentumBuf: buf ? f32(r, n) : null,
        grad: f32(r, n),
        n,
        lr: 0.1,
        momentum,
        dampening,
        weightDecay: 5e-4,
        nesterov,
        firstStep,
      }),
    });
  }
  for (const decoupled of [false, true]) {
    out.push({
      kernel: 'adamStep',
      label: `decoupled=${decoupled} step 3`,
      tol: 1e-6,
      outputs: ['param', 'expAvg', 'expAvgSq'],
      make: (r) => ({
        param: f32(r, n),
        expAvg: f32(r, n, -0.1, 0.1),
        expAvgSq: f32(r, n, 0, 0.01),
        grad: f32(r, n),
        n,
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0.01,
        decoupled,
        step: 3,
      }),
    });
  }
}

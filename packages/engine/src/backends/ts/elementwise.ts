/** TS reference kernels: element-wise binary/unary/scalar ops, ReLU backward, reductions, copies. */
import type {
  BinaryParams,
  CopyStridedParams,
  ReluBackwardParams,
  ScalarParams,
  SumAxisParams,
  UnaryParams,
} from '../../kernels.js';
import { coalesce, forEachRun } from './strided.js';

/** out = a (op) b with broadcasting through strides. */
export function binary(p: BinaryParams): void {
  const { op, out, a, b } = p;
  const it = coalesce(p.shape, [p.outStrides, p.aStrides, p.bStrides]);
  const r = it.shape.length;
  const [os, as, bs] = it.strides;
  const oi = os[r - 1];
  const ai = as[r - 1];
  const bi = bs[r - 1];
  forEachRun(it.shape, it.strides, (off, n) => {
    let o = off[0];
    let x = off[1];
    let y = off[2];
    switch (op) {
      case 'add':
        for (let i = 0; i < n; i++, o += oi, x += ai, y += bi) out[o] = a[x] + b[y];
        break;
      case 'sub':
        for (let i = 0; i < n; i++, o += oi, x += ai, y += bi) out[o] = a[x] - b[y];
        break;
      case 'mul':
        for (let i = 0; i < n; i++, o += oi, x += ai, y += bi) out[o] = a[x] * b[y];
        break;
      case 'div':
        for (let i = 0; i < n; i++, o += oi, x += ai, y += bi) out[o] = a[x] / b[y];
        break;
    }
  });
}

/** out[i] = op(x[i]). */
export function unary(p: UnaryParams): void {
  const { out, x, n } = p;
  switch (p.op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      break;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      break;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      break;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      break;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      break;
    case 'relu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 0 ? v : 0;
      }
      break;
  }
}

/** out[i] = x[i] (op) s. */
export function scalar(p: ScalarParams): void {
  const { out, x, n, s } = p;
  switch (p.op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = x[i] + s;
      break;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = x[i] * s;
      break;
    case 'pow':
      if (s === 2) for (let i = 0; i < n; i++) out[i] = x[i] * x[i];
      else for (let i = 0; i < n; i++) out[i] = Math.pow(x[i], s);
      break;
    case 'rsub':
      for (let i = 0; i < n; i++) out[i] = s - x[i];
      break;
    case 'rdiv':
      for (let i = 0; i < n; i++) out[i] = s / x[i];
      break;
  }
}

/** dx += y > 0 ? dy : 0. */
export function reluBackward(p: ReluBackwardParams): void {
  const { dx, dy, y, n } = p;
  for (let i = 0; i < n; i++) if (y[i] > 0) dx[i] += dy[i];
}

/** out[o, i] = Σ_m x[o, m, i], accumulated in float64. */
export function sumAxis(p: SumAxisParams): void {
  const { out, x, outer, mid, inner } = p;
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let s = 0;
      const base = o * mid;
      for (let m = 0; m < mid; m++) s += x[base + m];
      out[o] = s;
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let m = 0; m < mid; m++) {
      const base = (o * mid + m) * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[base + i];
    }
    const ob = o * inner;
    for (let i = 0; i < inner; i++) out[ob + i] = acc[i];
  }
}

/** out (row-major over shape) = x read through xStrides. */
export function copyStrided(p: CopyStridedParams): void {
  const { out, x, shape } = p;
  const outStrides = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    outStrides[i] = acc;
    acc *= shape[i];
  }
  const it = coalesce(shape, [outStrides, p.xStrides]);
  const r = it.shape.length;
  const oi = it.strides[0][r - 1];
  const xi = it.strides[1][r - 1];
  forEachRun(it.shape, it.strides, (off, n) => {
    let o = off[0];
    let s = off[1];
    for (let i = 0; i < n; i++, o += oi, s += xi) out[o] = x[s];
  });
}

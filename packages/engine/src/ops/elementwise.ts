/** Element-wise ops with broadcasting: add, sub, mul, div, neg, exp, log, sqrt, pow, relu. */
import { record } from '../autograd.js';
import type { BinaryOp, ScalarOp, UnaryOp } from '../kernels.js';
import { acquireBuffer, acquireZeroed } from '../buffer-pool.js';
import { broadcastShapes, numel, shapesEqual } from '../shape.js';
import { permuteData, Tensor } from '../tensor.js';
import { empty, broadcastStrides, kern } from './util.js';
import { sumTo } from './reduce.js';

/** An NHWC copy of a blocked tensor's values (not recorded: callers record the whole op). */
function unblocked(t: Tensor): Tensor {
  return new Tensor(permuteData(t, 'channelsLast'), t.shape, { layout: 'channelsLast' });
}

function binaryOp(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  if (a.dtype !== b.dtype) {
    throw new Error(
      `${op}: operands have dtypes ${a.dtype} and ${b.dtype}; convert one with .to()`,
    );
  }
  const dtype = a.dtype;
  const blockedA = a.layout === 'channelsBlocked16';
  const blockedB = b.layout === 'channelsBlocked16';
  if (blockedA && blockedB && shapesEqual(a.shape, b.shape)) {
    // Same storage order on both sides: element-wise over the flat buffers.
    const out = empty(shape, dtype, 'channelsBlocked16');
    const flat = [1];
    kern(out).binary({
      op,
      out: out.data,
      a: a.data,
      b: b.data,
      shape: [out.size],
      outStrides: flat,
      aStrides: flat,
      bStrides: flat,
    });
    return out;
  }
  // Broadcasting or mixed orders: read blocked operands through an NHWC copy.
  if (blockedA) a = unblocked(a);
  if (blockedB) b = unblocked(b);
  const cl =
    shape.length === 4 &&
    ((a.layout === 'channelsLast' && shapesEqual(a.shape, shape)) ||
      (b.layout === 'channelsLast' && shapesEqual(b.shape, shape)));
  const out = empty(shape, dtype, cl ? 'channelsLast' : 'contiguous');
  kern(out).binary({
    op,
    out: out.data,
    a: a.data,
    b: b.data,
    shape,
    outStrides: out.strides,
    aStrides: broadcastStrides(a, shape),
    bStrides: broadcastStrides(b, shape),
  });
  return out;
}

function scalarOp(op: ScalarOp, x: Tensor, s: number): Tensor {
  const out = new Tensor(acquireBuffer(x.dtype, x.size), x.shape, { layout: x.layout });
  kern(x).scalar({ op, out: out.data, x: x.data, s, n: x.size });
  return out;
}

function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  const out = new Tensor(acquireBuffer(x.dtype, x.size), x.shape, { layout: x.layout });
  kern(x).unary({ op, out: out.data, x: x.data, n: x.size });
  return out;
}

/** a + b (broadcasting; either may be a number). */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof a === 'number' && typeof b === 'number') return Tensor.scalar(a + b);
  if (typeof a === 'number') return add(b, a);
  if (typeof b === 'number')
    return record({ kind: 'addScalar', c: b }, scalarOp('add', a, b), [a], (g) => [g]);
  const ta = a;
  const tb = b;
  return record({ kind: 'add' }, binaryOp('add', ta, tb), [ta, tb], (g, needs) => [
    needs[0] ? sumTo(g, ta.shape) : null,
    needs[1] ? sumTo(g, tb.shape) : null,
  ]);
}

/** a - b (broadcasting; either may be a number). */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof a === 'number' && typeof b === 'number') return Tensor.scalar(a - b);
  if (typeof b === 'number') return add(a, -b);
  if (typeof a === 'number') {
    return record({ kind: 'rsub', s: a }, scalarOp('rsub', b, a), [b], (g) => [neg(g)]);
  }
  const ta = a;
  const tb = b;
  return record({ kind: 'sub' }, binaryOp('sub', ta, tb), [ta, tb], (g, needs) => [
    needs[0] ? sumTo(g, ta.shape) : null,
    needs[1] ? sumTo(neg(g), tb.shape) : null,
  ]);
}

/** a * b (broadcasting; either may be a number). */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof a === 'number' && typeof b === 'number') return Tensor.scalar(a * b);
  if (typeof a === 'number') return mul(b, a);
  if (typeof b === 'number') {
    const s = b;
    return record({ kind: 'mulScalar', s }, scalarOp('mul', a, s), [a], (g) => [
      scalarOp('mul', g, s),
    ]);
  }
  const ta = a;
  const tb = b;
  return record({ kind: 'mul' }, binaryOp('mul', ta, tb), [ta, tb], (g, needs) => [
    needs[0] ? sumTo(binaryOp('mul', g, tb), ta.shape) : null,
    needs[1] ? sumTo(binaryOp('mul', g, ta), tb.shape) : null,
  ]);
}

/** a / b (broadcasting; either may be a number). */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof a === 'number' && typeof b === 'number') return Tensor.scalar(a / b);
  if (typeof b === 'number') return mul(a, 1 / b);
  if (typeof a === 'number') {
    const s = a;
    const tb = b;
    // d(s/b)/db = -s/b²
    return record({ kind: 'rdiv', s }, scalarOp('rdiv', tb, s), [tb], (g) => [
      mul(div(g, mul(tb, tb)), -s),
    ]);
  }
  const ta = a;
  const tb = b;
  const out = binaryOp('div', ta, tb);
  return record({ kind: 'div' }, out, [ta, tb], (g, needs) => [
    needs[0] ? sumTo(binaryOp('div', g, tb), ta.shape) : null,
    needs[1] ? sumTo(neg(binaryOp('div', binaryOp('mul', g, out), tb)), tb.shape) : null,
  ]);
}

/** -x. */
export function neg(x: Tensor): Tensor {
  return record({ kind: 'neg' }, unaryOp('neg', x), [x], (g) => [unaryOp('neg', g)]);
}

/** e^x. */
export function exp(x: Tensor): Tensor {
  const out = unaryOp('exp', x);
  return record({ kind: 'exp' }, out, [x], (g) => [binaryOp('mul', g, out)]);
}

/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  return record({ kind: 'log' }, unaryOp('log', x), [x], (g) => [binaryOp('div', g, x)]);
}

/** Square root. */
export function sqrt(x: Tensor): Tensor {
  const out = unaryOp('sqrt', x);
  return record({ kind: 'sqrt' }, out, [x], (g) => [scalarOp('mul', binaryOp('div', g, out), 0.5)]);
}

/** x^p for a number exponent p. */
export function pow(x: Tensor, p: number): Tensor {
  return record({ kind: 'pow', p }, scalarOp('pow', x, p), [x], (g) => [
    binaryOp('mul', g, scalarOp('mul', scalarOp('pow', x, p - 1), p)),
  ]);
}

/** max(x, 0). */
export function relu(x: Tensor): Tensor {
  const out = unaryOp('relu', x);
  return record({ kind: 'relu' }, out, [x], (g) => {
    const gg = g.toLayout(out.layout);
    const dx = new Tensor(acquireZeroed(x.dtype, numel(x.shape)), x.shape, { layout: x.layout });
    kern(x).reluBackward({ dx: dx.data, dy: gg.data, y: out.data, n: x.size });
    return [dx];
  });
}

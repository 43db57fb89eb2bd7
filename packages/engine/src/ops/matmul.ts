/** Matrix products: matmul (2-D and batched 3-D) and linear (x·Wᵀ + b, W is [out, in]). */
import { record } from '../autograd.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { empty, kern, zeros } from './util.js';

/**
 * a·b. Shapes: [m,k]·[k,n] → [m,n]; [B,m,k]·[B,k,n] → [B,m,n]; [B,m,k]·[k,n] → [B,m,n].
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const A = a.contiguous();
  const Bt = b.contiguous();
  const bad = (): Error =>
    new Error(`matmul: incompatible shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (A.ndim < 2 || A.ndim > 3 || Bt.ndim < 2 || Bt.ndim > 3) throw bad();
  if (A.dtype !== Bt.dtype) throw new Error('matmul: operands must share a dtype');
  const batch = A.ndim === 3 ? A.shape[0] : 1;
  if (Bt.ndim === 3 && (A.ndim !== 3 || Bt.shape[0] !== batch)) throw bad();
  const m = A.shape[A.ndim - 2];
  const k = A.shape[A.ndim - 1];
  const n = Bt.shape[Bt.ndim - 1];
  if (Bt.shape[Bt.ndim - 2] !== k) throw bad();
  const outShape = A.ndim === 3 ? [batch, m, n] : [m, n];
  const bStride = Bt.ndim === 3 ? k * n : 0;
  const out = empty(outShape, A.dtype);
  const kk = kern(A);
  kk.matmul({
    out: out.data,
    a: A.data,
    b: Bt.data,
    batch,
    m,
    n,
    k,
    transA: false,
    transB: false,
    aBatchStride: m * k,
    bBatchStride: bStride,
    accumulate: false,
  });
  return record({ kind: 'matmul' }, out, [A, Bt], (g0, needs) => {
    const g = g0.contiguous();
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      // dA[b] = g[b] · B[b]ᵀ
      da = zeros(A.shape, A.dtype);
      kk.matmul({
        out: da.data,
        a: g.data,
        b: Bt.data,
        batch,
        m,
        n: k,
        k: n,
        transA: false,
        transB: true,
        aBatchStride: m * n,
        bBatchStride: bStride,
        accumulate: false,
      });
    }
    if (needs[1]) {
      // dB[b] = A[b]ᵀ · g[b]; a shared B sums over the batch
      db = zeros(Bt.shape, Bt.dtype);
      if (bStride === 0) {
        kk.matmul({
          out: db.data,
          a: A.data,
          b: g.data,
          batch: 1,
          m: k,
          n,
          k: batch * m,
          transA: true,
          transB: false,
          aBatchStride: 0,
          bBatchStride: 0,
          accumulate: false,
        });
      } else {
        kk.matmul({
          out: db.data,
          a: A.data,
          b: g.data,
          batch,
          m: k,
          n,
          k: m,
          transA: true,
          transB: false,
          aBatchStride: m * k,
          bBatchStride: m * n,
          accumulate: false,
        });
      }
    }
    return [da, db];
  });
}

/** Fully connected layer: x [..., in] · weightᵀ ([out, in]) + bias [out] → [..., out]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const X = x.contiguous();
  const W = weight.contiguous();
  if (W.ndim !== 2 || X.ndim < 1 || X.shape[X.ndim - 1] !== W.shape[1]) {
    throw new Error(
      `linear: input ${fmtShape(x.shape)} does not match weight ${fmtShape(weight.shape)}`,
    );
  }
  const [nOut, nIn] = W.shape;
  if (X.dtype !== W.dtype || (bias && bias.dtype !== X.dtype)) {
    throw new Error(`linear: input, weight and bias must share a dtype`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== nOut)) {
    throw new Error(`linear: bias must be [${nOut}], got ${fmtShape(bias.shape)}`);
  }
  const rows = X.size / nIn;
  const outShape = [...X.shape.slice(0, -1), nOut];
  const out = empty(outShape, X.dtype);
  const kk = kern(X);
  kk.matmul({
    out: out.data,
    a: X.data,
    b: W.data,
    batch: 1,
    m: rows,
    n: nOut,
    k: nIn,
    transA: false,
    transB: true,
    aBatchStride: 0,
    bBatchStride: 0,
    accumulate: false,
  });
  const inputs: Tensor[] = [X, W];
  if (bias) {
    const bd = bias.data;
    kk.binary({
      op: 'add',
      out: out.data,
      a: out.data,
      b: bd,
      shape: [rows, nOut],
      outStrides: [nOut, 1],
      aStrides: [nOut, 1],
      bStrides: [0, 1],
    });
    inputs.push(bias);
  }
  return record({ kind: 'linear', hasBias: inputs.length > 2 }, out, inputs, (g0, needs) => {
    const g = g0.contiguous();
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      dx = zeros(X.shape, X.dtype);
      kk.matmul({
        out: dx.data,
        a: g.data,
        b: W.data,
        batch: 1,
        m: rows,
        n: nIn,
        k: nOut,
        transA: false,
        transB: false,
        aBatchStride: 0,
        bBatchStride: 0,
        accumulate: false,
      });
    }
    if (needs[1]) {
      dw = zeros(W.shape, W.dtype);
      kk.matmul({
        out: dw.data,
        a: g.data,
        b: X.data,
        batch: 1,
        m: nOut,
        n: nIn,
        k: rows,
        transA: true,
        transB: false,
        aBatchStride: 0,
        bBatchStride: 0,
        accumulate: false,
      });
    }
    if (needs[2]) {
      db = zeros([nOut], X.dtype);
      kk.sumAxis({ out: db.data, x: g.data, outer: 1, mid: rows, inner: nOut });
    }
    return [dx, dw, db];
  });
}

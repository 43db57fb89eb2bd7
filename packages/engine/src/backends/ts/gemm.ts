/**
 * TS GEMM: both operands are packed into 4-wide panels (which also absorbs transposes and leading
 * dimensions), then a 4×4 register-blocked micro-kernel runs over K with float64 accumulators.
 */
import type { Data } from '../../dtype.js';
import type { MatmulParams } from '../../kernels.js';

/** A matrix operand: element (r, c) of the logical matrix is at data[off + r*rs + c*cs]. */
export interface MatView {
  data: Data;
  off: number;
  /** row stride */
  rs: number;
  /** column stride */
  cs: number;
}

let scratchA = new Float64Array(0);
let scratchB = new Float64Array(0);

/** Pack rows [0, rows) × cols [0, k) of `v` (rows padded to a multiple of 4) as [rows/4][k][4]. */
function packRows(dst: Float64Array, v: MatView, rows: number, k: number): void {
  const { data, off, rs, cs } = v;
  const panels = (rows + 3) >> 2;
  for (let pnl = 0; pnl < panels; pnl++) {
    const base = pnl * k * 4;
    for (let q = 0; q < 4; q++) {
      const r = pnl * 4 + q;
      if (r >= rows) {
        for (let p = 0; p < k; p++) dst[base + p * 4 + q] = 0;
        continue;
      }
      const rowOff = off + r * rs;
      if (cs === 1) for (let p = 0; p < k; p++) dst[base + p * 4 + q] = data[rowOff + p];
      else for (let p = 0; p < k; p++) dst[base + p * 4 + q] = data[rowOff + p * cs];
    }
  }
}

/**
 * C[m×n] (+)= A[m×k] · B[k×n] for arbitrary strided views; C is written at
 * c.data[c.off + i*c.rs + j*c.cs].
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  a: MatView,
  b: MatView,
  c: MatView,
  accumulate: boolean,
): void {
  const mp = (m + 3) >> 2;
  const np = (n + 3) >> 2;
  if (scratchA.length < mp * 4 * k) scratchA = new Float64Array(mp * 4 * k);
  if (scratchB.length < np * 4 * k) scratchB = new Float64Array(np * 4 * k);
  const pa = scratchA;
  const pb = scratchB;
  packRows(pa, a, m, k);
  // B's columns are rows of Bᵀ: view with swapped strides.
  packRows(pb, { data: b.data, off: b.off, rs: b.cs, cs: b.rs }, n, k);
  const cd = c.data;
  const crs = c.rs;
  const ccs = c.cs;
  // Blocks: KC of the reduction (first block honours `accumulate`, later ones add), NC columns
  // (≈ NC·KC·8 bytes of packed B stay in L2), then every 4-row panel of A against them.
  for (let k0 = 0; k0 < k; k0 += KC) {
    const k1 = Math.min(k, k0 + KC);
    const add = accumulate || k0 > 0;
    for (let jp0 = 0; jp0 < np; jp0 += NC / 4) {
      const jp1 = Math.min(np, jp0 + NC / 4);
      for (let ip = 0; ip < mp; ip++) {
        const i0 = ip * 4;
        const mi = Math.min(4, m - i0);
        for (let jp = jp0; jp < jp1; jp++) {
          const j0 = jp * 4;
          microKernel(
            pa,
            ip * k * 4 + k0 * 4,
            pb,
            jp * k * 4 + k0 * 4,
            k1 - k0,
            cd,
            c.off + i0 * crs + j0 * ccs,
            crs,
            ccs,
            mi,
            Math.min(4, n - j0),
            add,
          );
        }
      }
    }
  }
}

const KC = 256;
const NC = 128;

/** C[mi×nj tile] (+)= Σ_p a[p][0..3] ⊗ b[p][0..3] over kLen packed steps. */
function microKernel(
  pa: Float64Array,
  aBase: number,
  pb: Float64Array,
  bBase: number,
  kLen: number,
  cd: Data,
  cOff: number,
  crs: number,
  ccs: number,
  mi: number,
  nj: number,
  add: boolean,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  const end = aBase + kLen * 4;
  for (let ai = aBase, bi = bBase; ai < end; ai += 4, bi += 4) {
    const a0 = pa[ai],
      a1 = pa[ai + 1],
      a2 = pa[ai + 2],
      a3 = pa[ai + 3];
    const b0 = pb[bi],
      b1 = pb[bi + 1],
      b2 = pb[bi + 2],
      b3 = pb[bi + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  if (mi === 4 && nj === 4 && ccs === 1) {
    let o = cOff;
    if (add) {
      cd[o] += c00;
      cd[o + 1] += c01;
      cd[o + 2] += c02;
      cd[o + 3] += c03;
      o += crs;
      cd[o] += c10;
      cd[o + 1] += c11;
      cd[o + 2] += c12;
      cd[o + 3] += c13;
      o += crs;
      cd[o] += c20;
      cd[o + 1] += c21;
      cd[o + 2] += c22;
      cd[o + 3] += c23;
      o += crs;
      cd[o] += c30;
      cd[o + 1] += c31;
      cd[o + 2] += c32;
      cd[o + 3] += c33;
    } else {
      cd[o] = c00;
      cd[o + 1] = c01;
      cd[o + 2] = c02;
      cd[o + 3] = c03;
      o += crs;
      cd[o] = c10;
      cd[o + 1] = c11;
      cd[o + 2] = c12;
      cd[o + 3] = c13;
      o += crs;
      cd[o] = c20;
      cd[o + 1] = c21;
      cd[o + 2] = c22;
      cd[o + 3] = c23;
      o += crs;
      cd[o] = c30;
      cd[o + 1] = c31;
      cd[o + 2] = c32;
      cd[o + 3] = c33;
    }
    return;
  }
  const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let q = 0; q < mi; q++) {
    for (let t = 0; t < nj; t++) {
      const idx = cOff + q * crs + t * ccs;
      cd[idx] = add ? cd[idx] + acc[q * 4 + t] : acc[q * 4 + t];
    }
  }
}

/** Batched matmul kernel (see MatmulParams). */
export function matmul(p: MatmulParams): void {
  const { m, n, k } = p;
  for (let bt = 0; bt < p.batch; bt++) {
    const aOff = bt * p.aBatchStride;
    const bOff = bt * p.bBatchStride;
    const av: MatView = p.transA
      ? { data: p.a, off: aOff, rs: 1, cs: m }
      : { data: p.a, off: aOff, rs: k, cs: 1 };
    const bv: MatView = p.transB
      ? { data: p.b, off: bOff, rs: 1, cs: k }
      : { data: p.b, off: bOff, rs: n, cs: 1 };
    gemm(m, n, k, av, bv, { data: p.out, off: bt * m * n, rs: n, cs: 1 }, p.accumulate);
  }
}

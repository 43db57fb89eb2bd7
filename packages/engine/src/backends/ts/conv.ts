/**
 * TS 2-D convolution, NHWC activations, OIHW weights: im2col per chunk of images into
 * [rows = images·outH·outW, J = kH·kW·Cin/g] (patch order kh, kw, ci), then GEMM.
 */
import type { Data } from '../../dtype.js';
import type {
  Conv2dBackwardInputParams,
  Conv2dBackwardWeightParams,
  Conv2dForwardParams,
  Conv2dGeometry,
} from '../../kernels.js';
import { gemm } from './gemm.js';

/** Max im2col elements per chunk (keeps scratch ~32 MB in float64). */
const COL_BUDGET = 1 << 22;

let colScratch = new Float64Array(0);
let wScratch = new Float64Array(0);

function colBuffer(n: number): Float64Array {
  if (colScratch.length < n) colScratch = new Float64Array(n);
  return colScratch;
}

/** True when the input matrix [N·H·W, Cin] is itself the im2col matrix. */
function isPointwise(g: Conv2dGeometry): boolean {
  return (
    g.kH === 1 &&
    g.kW === 1 &&
    g.strideH === 1 &&
    g.strideW === 1 &&
    g.padH === 0 &&
    g.padW === 0 &&
    g.groups === 1
  );
}

/** Images per chunk so that the column matrix fits the budget. */
function chunkImages(g: Conv2dGeometry): number {
  const per = g.outH * g.outW * g.kH * g.kW * (g.cIn / g.groups);
  return Math.max(1, Math.min(g.n, Math.floor(COL_BUDGET / Math.max(per, 1))));
}

/** col[(b·outH·outW + p), (kh, kw, ci)] for images [b0, b0+nb) and group `grp`. */
function im2col(
  col: Float64Array,
  x: Data,
  g: Conv2dGeometry,
  b0: number,
  nb: number,
  grp: number,
): void {
  const cg = g.cIn / g.groups;
  const J = g.kH * g.kW * cg;
  const c0 = grp * cg;
  let row = 0;
  for (let b = b0; b < b0 + nb; b++) {
    const xb = b * g.h * g.w * g.cIn;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++, row++) {
        let j = row * J;
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.strideH - g.padH + kh * g.dilationH;
          for (let kw = 0; kw < g.kW; kw++, j += cg) {
            const iw = ow * g.strideW - g.padW + kw * g.dilationW;
            if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) {
              for (let ci = 0; ci < cg; ci++) col[j + ci] = 0;
            } else {
              const src = xb + (ih * g.w + iw) * g.cIn + c0;
              for (let ci = 0; ci < cg; ci++) col[j + ci] = x[src + ci];
            }
          }
        }
      }
    }
  }
}

/** dx[...] += col, the adjoint of im2col. */
function col2im(
  dx: Data,
  col: Float64Array,
  g: Conv2dGeometry,
  b0: number,
  nb: number,
  grp: number,
): void {
  const cg = g.cIn / g.groups;
  const J = g.kH * g.kW * cg;
  const c0 = grp * cg;
  let row = 0;
  for (let b = b0; b < b0 + nb; b++) {
    const xb = b * g.h * g.w * g.cIn;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++, row++) {
        let j = row * J;
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.strideH - g.padH + kh * g.dilationH;
          for (let kw = 0; kw < g.kW; kw++, j += cg) {
            const iw = ow * g.strideW - g.padW + kw * g.dilationW;
            if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
            const dst = xb + (ih * g.w + iw) * g.cIn + c0;
            for (let ci = 0; ci < cg; ci++) dx[dst + ci] += col[j + ci];
          }
        }
      }
    }
  }
}

/** Weights OIHW → wr[co, (kh, kw, ci)] (float64 scratch). */
function packWeight(w: Data, g: Conv2dGeometry): Float64Array {
  const cg = g.cIn / g.groups;
  const khw = g.kH * g.kW;
  const J = khw * cg;
  if (wScratch.length < g.cOut * J) wScratch = new Float64Array(g.cOut * J);
  const wr = wScratch;
  for (let co = 0; co < g.cOut; co++) {
    for (let ci = 0; ci < cg; ci++) {
      for (let s = 0; s < khw; s++) wr[co * J + s * cg + ci] = w[(co * cg + ci) * khw + s];
    }
  }
  return wr;
}

/** y = conv(x, w) + b. */
export function conv2dForward(p: Conv2dForwardParams): void {
  const g = p.geom;
  const { y, x, bias } = p;
  const P = g.outH * g.outW;
  const cg = g.cIn / g.groups;
  const og = g.cOut / g.groups;
  const J = g.kH * g.kW * cg;
  const wr = packWeight(p.weight, g);
  if (isPointwise(g)) {
    gemm(
      g.n * P,
      g.cOut,
      J,
      { data: x, off: 0, rs: g.cIn, cs: 1 },
      { data: wr, off: 0, rs: 1, cs: J },
      { data: y, off: 0, rs: g.cOut, cs: 1 },
      false,
    );
  } else {
    const chunk = chunkImages(g);
    const col = colBuffer(chunk * P * J);
    for (let b0 = 0; b0 < g.n; b0 += chunk) {
      const nb = Math.min(chunk, g.n - b0);
      for (let grp = 0; grp < g.groups; grp++) {
        im2col(col, x, g, b0, nb, grp);
        gemm(
          nb * P,
          og,
          J,
          { data: col, off: 0, rs: J, cs: 1 },
          { data: wr, off: grp * og * J, rs: 1, cs: J },
          { data: y, off: b0 * P * g.cOut + grp * og, rs: g.cOut, cs: 1 },
          false,
        );
      }
    }
  }
  if (bias !== null) {
    const rows = g.n * P;
    for (let r = 0; r < rows; r++) {
      const o = r * g.cOut;
      for (let co = 0; co < g.cOut; co++) y[o + co] += bias[co];
    }
  }
}

/** dx += conv_transpose(dy, w). */
export function conv2dBackwardInput(p: Conv2dBackwardInputParams): void {
  const g = p.geom;
  const { dx, dy } = p;
  const P = g.outH * g.outW;
  const cg = g.cIn / g.groups;
  const og = g.cOut / g.groups;
  const J = g.kH * g.kW * cg;
  const wr = packWeight(p.weight, g);
  if (isPointwise(g)) {
    gemm(
      g.n * P,
      g.cIn,
      g.cOut,
      { data: dy, off: 0, rs: g.cOut, cs: 1 },
      { data: wr, off: 0, rs: J, cs: 1 },
      { data: dx, off: 0, rs: g.cIn, cs: 1 },
      true,
    );
    return;
  }
  const chunk = chunkImages(g);
  const col = colBuffer(chunk * P * J);
  for (let b0 = 0; b0 < g.n; b0 += chunk) {
    const nb = Math.min(chunk, g.n - b0);
    for (let grp = 0; grp < g.groups; grp++) {
      // dcol[rows, J] = dy[rows, og] · wr[og, J]
      gemm(
        nb * P,
        J,
        og,
        { data: dy, off: b0 * P * g.cOut + grp * og, rs: g.cOut, cs: 1 },
        { data: wr, off: grp * og * J, rs: J, cs: 1 },
        { data: col, off: 0, rs: J, cs: 1 },
        false,
      );
      col2im(dx, col, g, b0, nb, grp);
    }
  }
}

/** dweight += Σ dyᵀ · col; dbias += Σ dy. */
export function conv2dBackwardWeight(p: Conv2dBackwardWeightParams): void {
  const g = p.geom;
  const { dweight, dbias, dy, x } = p;
  const P = g.outH * g.outW;
  const cg = g.cIn / g.groups;
  const og = g.cOut / g.groups;
  const khw = g.kH * g.kW;
  const J = khw * cg;
  if (wScratch.length < g.cOut * J) wScratch = new Float64Array(g.cOut * J);
  const dwr = wScratch;
  dwr.fill(0, 0, g.cOut * J);
  if (isPointwise(g)) {
    gemm(
      g.cOut,
      J,
      g.n * P,
      { data: dy, off: 0, rs: 1, cs: g.cOut },
      { data: x, off: 0, rs: g.cIn, cs: 1 },
      { data: dwr, off: 0, rs: J, cs: 1 },
      true,
    );
  } else {
    const chunk = chunkImages(g);
    const col = colBuffer(chunk * P * J);
    for (let b0 = 0; b0 < g.n; b0 += chunk) {
      const nb = Math.min(chunk, g.n - b0);
      for (let grp = 0; grp < g.groups; grp++) {
        im2col(col, x, g, b0, nb, grp);
        // dwr[og, J] += dy[rows, og]ᵀ · col[rows, J]
        gemm(
          og,
          J,
          nb * P,
          { data: dy, off: b0 * P * g.cOut + grp * og, rs: 1, cs: g.cOut },
          { data: col, off: 0, rs: J, cs: 1 },
          { data: dwr, off: grp * og * J, rs: J, cs: 1 },
          true,
        );
      }
    }
  }
  for (let co = 0; co < g.cOut; co++) {
    for (let ci = 0; ci < cg; ci++) {
      for (let s = 0; s < khw; s++) dweight[(co * cg + ci) * khw + s] += dwr[co * J + s * cg + ci];
    }
  }
  if (dbias !== null) {
    const rows = g.n * P;
    const acc = new Float64Array(g.cOut);
    for (let r = 0; r < rows; r++) {
      const o = r * g.cOut;
      for (let co = 0; co < g.cOut; co++) acc[co] += dy[o + co];
    }
    for (let co = 0; co < g.cOut; co++) dbias[co] += acc[co];
  }
}

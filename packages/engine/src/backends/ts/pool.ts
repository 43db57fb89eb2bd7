/** TS pooling kernels, NHWC. */
import type {
  AdaptiveAvgPool2dParams,
  AvgPool2dBackwardParams,
  AvgPool2dForwardParams,
  MaxPool2dBackwardParams,
  MaxPool2dForwardParams,
} from '../../kernels.js';

/** Max pooling; ties keep the first index in window order (like torch). */
export function maxPool2dForward(p: MaxPool2dForwardParams): void {
  const { y, argmax, x, geom: g } = p;
  const c = g.c;
  for (let b = 0; b < g.n; b++) {
    const xb = b * g.h * g.w * c;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const o = ((b * g.outH + oh) * g.outW + ow) * c;
        for (let ch = 0; ch < c; ch++) {
          y[o + ch] = -Infinity;
          argmax[o + ch] = -1;
        }
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.strideH - g.padH + kh;
          if (ih < 0 || ih >= g.h) continue;
          for (let kw = 0; kw < g.kW; kw++) {
            const iw = ow * g.strideW - g.padW + kw;
            if (iw < 0 || iw >= g.w) continue;
            const pos = ih * g.w + iw;
            const src = xb + pos * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[src + ch];
              if (v > y[o + ch] || Number.isNaN(v)) {
                y[o + ch] = v;
                argmax[o + ch] = pos;
              }
            }
          }
        }
      }
    }
  }
}

/** dx[argmax] += dy. */
export function maxPool2dBackward(p: MaxPool2dBackwardParams): void {
  const { dx, dy, argmax, geom: g } = p;
  const c = g.c;
  const outHW = g.outH * g.outW;
  for (let b = 0; b < g.n; b++) {
    const xb = b * g.h * g.w * c;
    for (let q = 0; q < outHW; q++) {
      const o = (b * outHW + q) * c;
      for (let ch = 0; ch < c; ch++) {
        const pos = argmax[o + ch];
        if (pos >= 0) dx[xb + pos * c + ch] += dy[o + ch];
      }
    }
  }
}

/** Average pooling (count_include_pad: divisor is kH·kW, clipped to the padded input). */
function divisor(g: AvgPool2dForwardParams['geom'], oh: number, ow: number): number {
  const h0 = oh * g.strideH - g.padH;
  const w0 = ow * g.strideW - g.padW;
  const h1 = Math.min(h0 + g.kH, g.h + g.padH);
  const w1 = Math.min(w0 + g.kW, g.w + g.padW);
  return (h1 - h0) * (w1 - w0);
}

/** Average pooling forward. */
export function avgPool2dForward(p: AvgPool2dForwardParams): void {
  const { y, x, geom: g } = p;
  const c = g.c;
  const acc = new Float64Array(c);
  for (let b = 0; b < g.n; b++) {
    const xb = b * g.h * g.w * c;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        acc.fill(0);
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.strideH - g.padH + kh;
          if (ih < 0 || ih >= g.h) continue;
          for (let kw = 0; kw < g.kW; kw++) {
            const iw = ow * g.strideW - g.padW + kw;
            if (iw < 0 || iw >= g.w) continue;
            const src = xb + (ih * g.w + iw) * c;
            for (let ch = 0; ch < c; ch++) acc[ch] += x[src + ch];
          }
        }
        const inv = 1 / divisor(g, oh, ow);
        const o = ((b * g.outH + oh) * g.outW + ow) * c;
        for (let ch = 0; ch < c; ch++) y[o + ch] = acc[ch] * inv;
      }
    }
  }
}

/** Average pooling backward. */
export function avgPool2dBackward(p: AvgPool2dBackwardParams): void {
  const { dx, dy, geom: g } = p;
  const c = g.c;
  for (let b = 0; b < g.n; b++) {
    const xb = b * g.h * g.w * c;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        const inv = 1 / divisor(g, oh, ow);
        const o = ((b * g.outH + oh) * g.outW + ow) * c;
        for (let kh = 0; kh < g.kH; kh++) {
          const ih = oh * g.strideH - g.padH + kh;
          if (ih < 0 || ih >= g.h) continue;
          for (let kw = 0; kw < g.kW; kw++) {
            const iw = ow * g.strideW - g.padW + kw;
            if (iw < 0 || iw >= g.w) continue;
            const dst = xb + (ih * g.w + iw) * c;
            for (let ch = 0; ch < c; ch++) dx[dst + ch] += dy[o + ch] * inv;
          }
        }
      }
    }
  }
}

/** Adaptive average pooling forward (torch window rule). */
export function adaptiveAvgPool2dForward(p: AdaptiveAvgPool2dParams): void {
  adaptive(p, false);
}

/** Adaptive average pooling backward: p.out is dx (accumulated), p.x is dy. */
export function adaptiveAvgPool2dBackward(p: AdaptiveAvgPool2dParams): void {
  adaptive(p, true);
}

function adaptive(p: AdaptiveAvgPool2dParams, backward: boolean): void {
  const { out, x, n, c, h, w, outH, outW } = p;
  const acc = new Float64Array(c);
  for (let b = 0; b < n; b++) {
    const xb = b * h * w * c;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = Math.floor((oh * h) / outH);
      const h1 = Math.ceil(((oh + 1) * h) / outH);
      for (let ow = 0; ow < outW; ow++) {
        const w0 = Math.floor((ow * w) / outW);
        const w1 = Math.ceil(((ow + 1) * w) / outW);
        const inv = 1 / ((h1 - h0) * (w1 - w0));
        const o = ((b * outH + oh) * outW + ow) * c;
        if (!backward) acc.fill(0);
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const s = xb + (ih * w + iw) * c;
            if (backward) for (let ch = 0; ch < c; ch++) out[s + ch] += x[o + ch] * inv;
            else for (let ch = 0; ch < c; ch++) acc[ch] += x[s + ch];
          }
        }
        if (!backward) for (let ch = 0; ch < c; ch++) out[o + ch] = acc[ch] * inv;
      }
    }
  }
}

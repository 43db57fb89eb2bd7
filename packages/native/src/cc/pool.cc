// NHWC pooling kernels (max, average; adaptive average also nChw16c), forward and backward, with OpenMP over
// images (windows of one image may overlap, so backward never splits an image across threads).
#include <omp.h>

#include <cmath>
#include <limits>
#include <vector>

#include "common.h"

namespace smd {
namespace {

struct PoolGeom {
  int64_t n, c, h, w, outH, outW, kH, kW, sh, sw, ph, pw;
};

/** Reads the pool geometry (n, c, h, w, outH, outW, kH, kW, strides, pads) of function A. */
template <class A>
PoolGeom readPool(const Napi::CallbackInfo& info) {
  int64_t v[12] = {intArg(info, A::n),       intArg(info, A::c),       intArg(info, A::h),
                   intArg(info, A::w),       intArg(info, A::outH),    intArg(info, A::outW),
                   intArg(info, A::kH),      intArg(info, A::kW),      intArg(info, A::strideH),
                   intArg(info, A::strideW), intArg(info, A::padH),    intArg(info, A::padW)};
  PoolGeom g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
  if (g.n <= 0 || g.c <= 0 || g.h <= 0 || g.w <= 0 || g.outH <= 0 || g.outW <= 0 || g.kH <= 0 ||
      g.kW <= 0 || g.sh <= 0 || g.sw <= 0 || g.ph < 0 || g.pw < 0) {
    throw Napi::RangeError::New(info.Env(), "smd-native pool: invalid geometry");
  }
  return g;
}

bool parImages(int64_t n, int64_t work) { return n > 1 && work >= (1 << 15); }

/** maxPool2dForward(y, argmax, x, geom...): ties keep the first index; NaN wins. */
Napi::Value MaxForward(const Napi::CallbackInfo& info) {
  using A = contract::MaxPool2dForward;
  PoolGeom g = readPool<A>(info);
  size_t on = size_t(g.n * g.outH * g.outW * g.c);
  F32 y = f32(info, A::y, on);
  I32 am = i32Array(info, A::argmax, on);
  F32 x = f32(info, A::x, size_t(g.n * g.h * g.w * g.c));
  const int64_t c = g.c;
#pragma omp parallel for schedule(static) if (parImages(g.n, int64_t(on) * g.kH * g.kW))
  for (int64_t b = 0; b < g.n; b++) {
    const float* xb = x.data + b * g.h * g.w * c;
    for (int64_t oh = 0; oh < g.outH; oh++)
      for (int64_t ow = 0; ow < g.outW; ow++) {
        size_t o = size_t(((b * g.outH + oh) * g.outW + ow) * c);
        float* yo = y.data + o;
        int32_t* ao = am.data + o;
        for (int64_t ch = 0; ch < c; ch++) {
          yo[ch] = -std::numeric_limits<float>::infinity();
          ao[ch] = -1;
        }
        for (int64_t kh = 0; kh < g.kH; kh++) {
          int64_t ih = oh * g.sh - g.ph + kh;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t kw = 0; kw < g.kW; kw++) {
            int64_t iw = ow * g.sw - g.pw + kw;
            if (iw < 0 || iw >= g.w) continue;
            int32_t pos = int32_t(ih * g.w + iw);
            const float* src = xb + pos * c;
            for (int64_t ch = 0; ch < c; ch++) {
              float v = src[ch];
              if (v > yo[ch] || std::isnan(v)) {
                yo[ch] = v;
                ao[ch] = pos;
              }
            }
          }
        }
      }
  }
  return info.Env().Undefined();
}

/** maxPool2dBackward(dx, dy, argmax, geom...): dx[argmax] += dy. */
Napi::Value MaxBackward(const Napi::CallbackInfo& info) {
  using A = contract::MaxPool2dBackward;
  PoolGeom g = readPool<A>(info);
  size_t on = size_t(g.n * g.outH * g.outW * g.c);
  int64_t hw = g.h * g.w;
  F32 dx = f32(info, A::dx, size_t(g.n * hw * g.c));
  F32 dy = f32(info, A::dy, on);
  I32 am = i32Array(info, A::argmax, on);
  const int64_t c = g.c, ohw = g.outH * g.outW;
#pragma omp parallel for schedule(static) if (parImages(g.n, int64_t(on)))
  for (int64_t b = 0; b < g.n; b++) {
    float* xb = dx.data + b * hw * c;
    for (int64_t q = 0; q < ohw; q++) {
      size_t o = size_t((b * ohw + q) * c);
      for (int64_t ch = 0; ch < c; ch++) {
        int32_t pos = am.data[o + ch];
        if (pos >= 0 && pos < hw) xb[pos * c + ch] += dy.data[o + ch];
      }
    }
  }
  return info.Env().Undefined();
}

/** count_include_pad divisor: window clipped to the padded input. */
inline double divisor(const PoolGeom& g, int64_t oh, int64_t ow) {
  int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
  int64_t h1 = std::min(h0 + g.kH, g.h + g.ph), w1 = std::min(w0 + g.kW, g.w + g.pw);
  return double((h1 - h0) * (w1 - w0));
}

/** avgPool2dForward(y, x, geom...) */
Napi::Value AvgForward(const Napi::CallbackInfo& info) {
  using A = contract::AvgPool2dForward;
  PoolGeom g = readPool<A>(info);
  size_t on = size_t(g.n * g.outH * g.outW * g.c);
  F32 y = f32(info, A::y, on), x = f32(info, A::x, size_t(g.n * g.h * g.w * g.c));
  const int64_t c = g.c;
#pragma omp parallel for schedule(static) if (parImages(g.n, int64_t(on) * g.kH * g.kW))
  for (int64_t b = 0; b < g.n; b++) {
    std::vector<double> acc(static_cast<size_t>(c));
    const float* xb = x.data + b * g.h * g.w * c;
    for (int64_t oh = 0; oh < g.outH; oh++)
      for (int64_t ow = 0; ow < g.outW; ow++) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t kh = 0; kh < g.kH; kh++) {
          int64_t ih = oh * g.sh - g.ph + kh;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t kw = 0; kw < g.kW; kw++) {
            int64_t iw = ow * g.sw - g.pw + kw;
            if (iw < 0 || iw >= g.w) continue;
            const float* src = xb + (ih * g.w + iw) * c;
            for (int64_t ch = 0; ch < c; ch++) acc[ch] += src[ch];
          }
        }
        double inv = 1.0 / divisor(g, oh, ow);
        float* yo = y.data + ((b * g.outH + oh) * g.outW + ow) * c;
        for (int64_t ch = 0; ch < c; ch++) yo[ch] = float(acc[ch] * inv);
      }
  }
  return info.Env().Undefined();
}

/** avgPool2dBackward(dx, dy, geom...) */
Napi::Value AvgBackward(const Napi::CallbackInfo& info) {
  using A = contract::AvgPool2dBackward;
  PoolGeom g = readPool<A>(info);
  size_t on = size_t(g.n * g.outH * g.outW * g.c);
  F32 dx = f32(info, A::dx, size_t(g.n * g.h * g.w * g.c)), dy = f32(info, A::dy, on);
  const int64_t c = g.c;
#pragma omp parallel for schedule(static) if (parImages(g.n, int64_t(on) * g.kH * g.kW))
  for (int64_t b = 0; b < g.n; b++) {
    float* xb = dx.data + b * g.h * g.w * c;
    for (int64_t oh = 0; oh < g.outH; oh++)
      for (int64_t ow = 0; ow < g.outW; ow++) {
        float inv = float(1.0 / divisor(g, oh, ow));
        const float* go = dy.data + ((b * g.outH + oh) * g.outW + ow) * c;
        for (int64_t kh = 0; kh < g.kH; kh++) {
          int64_t ih = oh * g.sh - g.ph + kh;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t kw = 0; kw < g.kW; kw++) {
            int64_t iw = ow * g.sw - g.pw + kw;
            if (iw < 0 || iw >= g.w) continue;
            float* dst = xb + (ih * g.w + iw) * c;
#pragma omp simd
            for (int64_t ch = 0; ch < c; ch++) dst[ch] += go[ch] * inv;
          }
        }
      }
  }
  return info.Env().Undefined();
}

/**
 * adaptiveAvgPool2d(backward 0|1, out, x, n, c, h, w, outH, outW[, order]). Forward: out
 * [N,C,outH,outW] overwritten from x [N,C,H,W]. Backward: out is dx [N,C,H,W] accumulated, x is
 * dy. Both buffers NHWC (order 0 or absent) or nChw16c (order 1): NHWC is one block of C channels.
 */
Napi::Value Adaptive(const Napi::CallbackInfo& info) {
  using A = contract::AdaptiveAvgPool2d;
  bool backward = intArg(info, A::backward) != 0;
  int64_t n = intArg(info, A::n), c = intArg(info, A::c), h = intArg(info, A::h),
          w = intArg(info, A::w), outH = intArg(info, A::outH), outW = intArg(info, A::outW);
  bool blocked = intArg(info, A::order) == 1;
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || outH <= 0 || outW <= 0 || (blocked && c % 16)) {
    throw Napi::RangeError::New(info.Env(), "smd-native adaptiveAvgPool2d: invalid geometry");
  }
  const int64_t cb = blocked ? 16 : c, nb = c / cb;
  size_t big = size_t(n * h * w * c), small = size_t(n * outH * outW * c);
  F32 out = f32(info, A::out, backward ? big : small);
  F32 x = f32(info, A::x, backward ? small : big);
#pragma omp parallel for schedule(static) if (parImages(n, int64_t(big)))
  for (int64_t b = 0; b < n; b++) {
    std::vector<double> acc(static_cast<size_t>(cb));
    for (int64_t blk = 0; blk < nb; blk++) {
      const int64_t seg = b * nb + blk;  // (image, channel block): an [H, W, cb] slab
      for (int64_t oh = 0; oh < outH; oh++) {
        int64_t h0 = (oh * h) / outH, h1 = ((oh + 1) * h + outH - 1) / outH;
        for (int64_t ow = 0; ow < outW; ow++) {
          int64_t w0 = (ow * w) / outW, w1 = ((ow + 1) * w + outW - 1) / outW;
          double inv = 1.0 / double((h1 - h0) * (w1 - w0));
          int64_t o = ((seg * outH + oh) * outW + ow) * cb;
          if (backward) {
            const float* go = x.data + o;
            float fi = float(inv);
            for (int64_t ih = h0; ih < h1; ih++)
              for (int64_t iw = w0; iw < w1; iw++) {
                float* dst = out.data + ((seg * h + ih) * w + iw) * cb;
#pragma omp simd
                for (int64_t ch = 0; ch < cb; ch++) dst[ch] += go[ch] * fi;
              }
          } else {
            std::fill(acc.begin(), acc.end(), 0.0);
            for (int64_t ih = h0; ih < h1; ih++)
              for (int64_t iw = w0; iw < w1; iw++) {
                const float* src = x.data + ((seg * h + ih) * w + iw) * cb;
                for (int64_t ch = 0; ch < cb; ch++) acc[ch] += src[ch];
              }
            for (int64_t ch = 0; ch < cb; ch++) out.data[o + ch] = float(acc[ch] * inv);
          }
        }
      }
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void registerPool(Napi::Env env, Napi::Object exports) {
  define<contract::MaxPool2dForward, MaxForward>(env, exports);
  define<contract::MaxPool2dBackward, MaxBackward>(env, exports);
  define<contract::AvgPool2dForward, AvgForward>(env, exports);
  define<contract::AvgPool2dBackward, AvgBackward>(env, exports);
  define<contract::AdaptiveAvgPool2d, Adaptive>(env, exports);
}

}  // namespace smd

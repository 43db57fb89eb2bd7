// Group norm over [N, C, H, W] stored NHWC or nChw16c (LayerNorm of conv nets is its one-group
// case), fused with an optional residual add and ReLU, forward and backward. Work is split by
// image: one image (C·H·W floats, 12–100 KB in the reference nets) stays in L2 between the
// statistics pass and the pass that writes, so each pass over the batch touches memory once.
// Statistics: per (image, channel) sums shifted by the channel's first value (float32 partials
// over 16-row runs folded into float64, as batch norm), combined into groups exactly (mean of
// channel means, Σ M2 + hw·Σ(channel mean − group mean)²), so groups need not align with the
// 16-channel blocks. The row kernels are batch norm's (norm-rows.h).
#include <omp.h>

#include <cmath>
#include <type_traits>
#include <vector>

#include "common.h"
#include "norm-rows.h"

namespace smd {
namespace {

/** Sizes of a call: images of `blocks()` channel blocks of `hw` rows of `cb` floats each. */
struct Geo {
  int64_t n, c, hw, groups, cb;
  int64_t blocks() const { return c / cb; }
  int64_t cg() const { return c / groups; }
  size_t image() const { return size_t(c * hw); }
  size_t size() const { return size_t(n) * image(); }
  /** offset of channel block j's first row inside an image */
  size_t block(int64_t j) const { return size_t(j * hw * cb); }
  /** threads for a pass (one for small buffers, where forking costs more) */
  int threads() const { return size() < 32768 ? 1 : omp_get_max_threads(); }
};

/** n, c, hw, groups and the order (0 NHWC, 1 nChw16c) of group-norm function A, checked. */
template <class A>
Geo readGeo(const Napi::CallbackInfo& info) {
  Geo g{intArg(info, A::n), intArg(info, A::c), intArg(info, A::hw), intArg(info, A::groups), 0};
  if (g.n <= 0 || g.c <= 0 || g.hw <= 0 || g.groups <= 0 || g.c % g.groups != 0) {
    throw Napi::RangeError::New(info.Env(),
                                "smd-native groupNorm: n, c, hw > 0 and groups dividing c");
  }
  bool blocked = intArg(info, A::order) == 1;
  if (blocked && g.c % 16 != 0)
    throw Napi::RangeError::New(info.Env(), "smd-native groupNorm: nChw16c needs c % 16 == 0");
  g.cb = blocked ? 16 : g.c;
  return g;
}

/** Images [i0, i1) of thread t of tn. */
inline void imagesOf(const Geo& g, int t, int tn, int64_t& i0, int64_t& i1) {
  i0 = g.n * t / tn;
  i1 = g.n * (t + 1) / tn;
}

/** Forward of images of one thread; K = 16 for blocked rows, 0 for NHWC. */
template <int K>
void forwardImages(const Geo& g, float* y, float* mean, float* inv, const float* x,
                   const float* gamma, const float* beta, const float* res, bool relu, double eps,
                   uint16_t* bits, int64_t i0, int64_t i1) {
  const int64_t c = g.c, cb = g.cb, hw = g.hw, cg = g.cg();
  const size_t cs = static_cast<size_t>(c), cbs = static_cast<size_t>(cb);
  std::vector<double> s1(cs), s2(cs), cm(cs);
  std::vector<float> f1(cbs), f2(cbs);
  rows::Affine af(c);
  for (int64_t i = i0; i < i1; i++) {
    const float* xi = x + size_t(i) * g.image();
    std::fill(s1.begin(), s1.end(), 0.0);
    std::fill(s2.begin(), s2.end(), 0.0);
    for (int64_t j = 0; j < g.blocks(); j++) {
      const float* xb = xi + g.block(j);  // its first row is the shift of its channels
      rows::sumsRun<K>(xb, xb, nullptr, nullptr, xb, xb, 0, hw, cb, &s1[j * cb], &s2[j * cb],
                       f1.data(), f2.data());
    }
    for (int64_t gi = 0; gi < g.groups; gi++) {
      double mu = 0, m2 = 0;
      for (int64_t ch = gi * cg; ch < (gi + 1) * cg; ch++) {
        double d1 = s1[ch] / double(hw);
        cm[ch] = double(xi[g.block(ch / cb) + ch % cb]) + d1;
        m2 += std::max(s2[ch] - s1[ch] * d1, 0.0);
        mu += cm[ch];
      }
      mu /= double(cg);
      for (int64_t ch = gi * cg; ch < (gi + 1) * cg; ch++) m2 += double(hw) * (cm[ch] - mu) * (cm[ch] - mu);
      double is = 1.0 / std::sqrt(m2 / double(cg * hw) + eps);
      mean[i * g.groups + gi] = float(mu);
      inv[i * g.groups + gi] = float(is);
      for (int64_t ch = gi * cg; ch < (gi + 1) * cg; ch++)
        af.set(ch, mu, (gamma ? gamma[ch] : 1.0) * is, beta ? beta[ch] : 0.0);
    }
    for (int64_t j = 0; j < g.blocks(); j++) {
      size_t off = size_t(i) * g.image() + g.block(j);
      rows::affineRun<K>(y + off, x + off, res ? res + off : nullptr, &af.hi[j * cb],
                         &af.lo[j * cb], &af.scale[j * cb], &af.shift[j * cb], 0, hw, cb, relu,
                         bits ? bits + off / 16 : nullptr);
    }
  }
}

/**
 * groupNormForward(y, mean, invStd, x, gamma|null, beta|null, residual|null, relu, n, c, hw,
 * groups, eps, order (0 NHWC, 1 nChw16c), reluMask|null): y = relu?(gn(x) + residual); mean and
 * invStd [N, G]; the ReLU bit mask (bit i of word i/32 iff y[i] > 0) when given.
 */
Napi::Value Forward(const Napi::CallbackInfo& info) {
  using A = contract::GroupNormForward;
  Geo g = readGeo<A>(info);
  double eps = numArg(info, A::eps);
  size_t sz = g.size(), ng = size_t(g.n * g.groups);
  F32 y = f32(info, A::y, sz), mean = f32(info, A::mean, ng), inv = f32(info, A::invStd, ng),
      x = f32(info, A::x, sz);
  F32 gamma = f32Opt(info, A::gamma, g.c), beta = f32Opt(info, A::beta, g.c),
      res = f32Opt(info, A::residual, sz);
  bool relu = boolArg(info, A::relu);
  rows::ForwardMask mask(u32Opt(info, A::reluMask, (sz + 31) / 32), relu, g.cb == 16);
  uint16_t* bits = mask.rowBits();
#pragma omp parallel num_threads(g.threads())
  {
    int64_t i0, i1;
    imagesOf(g, omp_get_thread_num(), omp_get_num_threads(), i0, i1);
    if (g.cb == 16)
      forwardImages<16>(g, y.data, mean.data, inv.data, x.data, gamma.data, beta.data, res.data,
                        relu, eps, bits, i0, i1);
    else
      forwardImages<0>(g, y.data, mean.data, inv.data, x.data, gamma.data, beta.data, res.data,
                       relu, eps, nullptr, i0, i1);
  }
  mask.finish(y.data, sz);
  return info.Env().Undefined();
}

/** The backward's inputs and outputs (buffer pointers; null when absent). */
struct Grads {
  float *dx, *dres;
  const float *dy, *x, *mask, *mean, *inv, *gamma;
  const uint16_t* bits;
};

/**
 * Backward of images [i0, i1); dγ/dβ go into this thread's float64 sums `dg`, `db` ([C]).
 * K = 16 for blocked rows; OX / OR write dx / dresidual instead of adding.
 */
template <int K, bool OX, bool OR>
void backwardImages(const Geo& g, const Grads& p, double* dg, double* db, int64_t i0, int64_t i1) {
  const int64_t c = g.c, cb = g.cb, hw = g.hw, cg = g.cg();
  const size_t cs = static_cast<size_t>(c), cbs = static_cast<size_t>(cb);
  std::vector<double> sdy(cs), sdyx(cs);
  std::vector<float> f1(cbs), f2(cbs), zeros(cs, 0.f), a(cs), b(cs), d(cs);
  rows::Affine centre(c);  // only hi/lo used: the group mean per channel
  for (int64_t i = i0; i < i1; i++) {
    size_t base = size_t(i) * g.image();
    for (int64_t ch = 0; ch < c; ch++) centre.set(ch, p.mean[i * g.groups + ch / cg], 0, 0);
    std::fill(sdy.begin(), sdy.end(), 0.0);
    std::fill(sdyx.begin(), sdyx.end(), 0.0);
    // Σ gr and Σ gr·(x − mean) per channel (gr = dy masked by the ReLU)
    for (int64_t j = 0; j < g.blocks(); j++) {
      size_t off = base + g.block(j);
      rows::sumsRun<K>(p.dy + off, p.x + off, p.mask ? p.mask + off : nullptr,
                       p.bits ? p.bits + off / 16 : nullptr, &zeros[j * cb], &centre.hi[j * cb],
                       0, hw, cb, &sdy[j * cb], &sdyx[j * cb], f1.data(), f2.data());
    }
    // dx = is·γ·gr − is/K·Σ_g γ·gr − (x − mean)·is²/K·Σ_g γ·gr·(x − mean)·is, K = cg·hw
    for (int64_t gi = 0; gi < g.groups; gi++) {
      double is = p.inv[i * g.groups + gi], s1 = 0, s2 = 0;
      for (int64_t ch = gi * cg; ch < (gi + 1) * cg; ch++) {
        double gm = p.gamma ? p.gamma[ch] : 1.0;
        s1 += gm * sdy[ch];
        s2 += gm * sdyx[ch] * is;
        db[ch] += sdy[ch];
        dg[ch] += sdyx[ch] * is;
      }
      double k = double(cg * hw);
      for (int64_t ch = gi * cg; ch < (gi + 1) * cg; ch++) {
        a[ch] = float((p.gamma ? p.gamma[ch] : 1.0) * is);
        b[ch] = float(-is * is * s2 / k);
        d[ch] = float(-is * s1 / k);
      }
    }
    for (int64_t j = 0; j < g.blocks(); j++) {
      size_t off = base + g.block(j);
      int64_t o = j * cb;
      rows::backwardRun<K, OX, OR>(p.dx + off, p.dres ? p.dres + off : nullptr, p.dy + off,
                                   p.x + off, p.mask ? p.mask + off : nullptr,
                                   p.bits ? p.bits + off / 16 : nullptr, &centre.hi[o],
                                   &centre.lo[o], &a[o], &b[o], &d[o], 0, hw, cb);
    }
  }
}

/**
 * groupNormBackward(dx, dgamma|null, dbeta|null, dresidual|null, y|null, dy, x, mean, invStd,
 * gamma|null, n, c, hw, groups, order, overwriteDx, overwriteDresidual, reluMask|null):
 * backward of y = relu?(gn(x) + residual); y null (and no mask) means no ReLU.
 */
Napi::Value Backward(const Napi::CallbackInfo& info) {
  using A = contract::GroupNormBackward;
  Geo g = readGeo<A>(info);
  size_t sz = g.size(), ng = size_t(g.n * g.groups);
  F32 dx = f32(info, A::dx, sz), dgamma = f32Opt(info, A::dgamma, g.c),
      dbeta = f32Opt(info, A::dbeta, g.c), dres = f32Opt(info, A::dresidual, sz),
      yOut = f32Opt(info, A::y, sz), dy = f32(info, A::dy, sz), x = f32(info, A::x, sz),
      mean = f32(info, A::mean, ng), inv = f32(info, A::invStd, ng),
      gamma = f32Opt(info, A::gamma, g.c);
  bool ox = boolArg(info, A::overwriteDx);
  bool orr = dres.data && boolArg(info, A::overwriteDresidual);
  rows::BackwardMask relu(yOut.data, u32Opt(info, A::reluMask, (sz + 31) / 32), g.cb == 16, sz);
  Grads p{dx.data,   dres.data,  dy.data,    x.data,     relu.mask(),
          mean.data, inv.data,   gamma.data, relu.bits()};
  int nt = g.threads();
  std::vector<double> sums(size_t(nt) * 2 * size_t(g.c), 0.0);  // per thread: dγ, dβ
  rows::withRowConstants(g.cb == 16, ox, orr, [&](auto kk, auto ovx, auto ovr) {
#pragma omp parallel num_threads(nt)
    {
      int t = omp_get_thread_num();
      int64_t i0, i1;
      imagesOf(g, t, omp_get_num_threads(), i0, i1);
      double* own = sums.data() + size_t(t) * 2 * size_t(g.c);
      backwardImages<decltype(kk)::value, decltype(ovx)::value, decltype(ovr)::value>(
          g, p, own, own + g.c, i0, i1);
    }
  });
  for (int64_t ch = 0; ch < g.c; ch++) {
    double sg = 0, sb = 0;
    for (int t = 0; t < nt; t++) {
      sg += sums[size_t(t) * 2 * size_t(g.c) + size_t(ch)];
      sb += sums[size_t(t) * 2 * size_t(g.c) + size_t(g.c + ch)];
    }
    if (dgamma.data) dgamma.data[ch] += float(sg);
    if (dbeta.data) dbeta.data[ch] += float(sb);
  }
  return info.Env().Undefined();
}

}  // namespace

void registerGroupNorm(Napi::Env env, Napi::Object exports) {
  define<contract::GroupNormForward, Forward>(env, exports);
  define<contract::GroupNormBackward, Backward>(env, exports);
}

}  // namespace smd

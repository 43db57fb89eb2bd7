// Batch norm over an [M, C] view (M = N*H*W) stored NHWC or nChw16c, forward (train/eval) and
// backward, with OpenMP over rows. Statistics accumulate in float64 per thread, then reduce. Training
// forward and backward fuse an optional residual add and ReLU: y = relu?(bn(x) + residual), saving
// whole passes over the activations (the plain kernels are the case without either).
#include <omp.h>

#include <cmath>
#include <algorithm>
#include <cstring>
#include <immintrin.h>
#include <type_traits>
#include <vector>

#include "common.h"
#include "norm-rows.h"

namespace smd {
namespace {

/**
 * The [M, C] view of a batch-norm buffer: NHWC is M rows of C channels; nChw16c is segments
 * (image, channel block) of `inner` = H·W rows of 16 channels. Either way the buffer is a run of
 * `rows()` rows of `cb` floats, and row R holds channels base(R) .. base(R) + cb.
 */
struct View {
  int64_t m, c, cb, inner;
  int64_t rows() const { return m * (c / cb); }
  int64_t base(int64_t r) const { return ((r / inner) % (c / cb)) * cb; }
  size_t size() const { return size_t(m * c); }
};

/** The view of batch-norm function A's buffers from m, c and its (order, hw) arguments. */
template <class A>
View readView(const Napi::CallbackInfo& info, int64_t m, int64_t c) {
  if (m <= 0 || c <= 0) throw Napi::RangeError::New(info.Env(), "smd-native batchNorm: m, c > 0");
  if (intArg(info, A::order) == 1) {
    int64_t hw = intArg(info, A::hw);
    if (c % 16 != 0 || hw <= 0 || m % hw != 0) {
      throw Napi::RangeError::New(info.Env(),
                                  "smd-native batchNorm: nChw16c needs c % 16 == 0 and hw | m");
    }
    return View{m, c, 16, hw};
  }
  return View{m, c, c, m};
}

/** Calls f(firstRow, rowCount, channelBase) for each stretch of rows [r0, r1) in one segment. */
template <class F>
void forRuns(const View& v, int64_t r0, int64_t r1, F f) {
  while (r0 < r1) {
    int64_t end = std::min(r1, (r0 / v.inner + 1) * v.inner);
    f(r0, end - r0, v.base(r0));
    r0 = end;
  }
}

/** Threads for a pass over `v` (one for small buffers, where forking costs more). */
int threadsFor(const View& v) { return v.m * v.c < 32768 ? 1 : omp_get_max_threads(); }

/**
 * Per-channel sums over the rows of [M, C] views, in float64, reduced across threads:
 * s1 = Σ a', s2 = Σ a'·(b - bShift) where a' = a - aShift (or a masked to 0 where mask <= 0).
 * When `b` is null, b = a and bShift = aShift (so s2 = Σ a'^2). Shifts (per channel, optional)
 * near the mean keep one-pass variance free of cancellation.
 */
template <int K>
void channelSumsT(const float* a, const float* aShift, const float* b, const float* bShift,
                  const float* mask, const uint16_t* bits, const View& v, double* s1,
                  double* s2) {
  const int64_t c = v.c, cb = K ? K : v.cb;
  std::vector<float> zeros(size_t(c), 0.f);
  if (!aShift) aShift = zeros.data();
  if (!b) {
    b = a;
    bShift = aShift;
  }
  if (!bShift) bShift = zeros.data();
  int nt = threadsFor(v);
  std::vector<double> part(size_t(nt) * 2 * size_t(c), 0.0);
  const int64_t rows = v.rows();
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num();
    int tn = omp_get_num_threads();
    // Thread-private float64 sums, copied out once at the end: folding into a shared array
    // every 16 rows made the two threads fight over the same cache lines (3× slower).
    std::vector<double> own(2 * size_t(c), 0.0);
    double* p1 = own.data();
    double* p2 = p1 + c;
    std::vector<float> f1(static_cast<size_t>(cb)), f2(static_cast<size_t>(cb));
    forRuns(v, rows * t / tn, rows * (t + 1) / tn, [&](int64_t r0, int64_t n, int64_t base) {
      rows::sumsRun<K>(a, b, mask, bits, aShift + base, bShift + base, r0, n, cb, p1 + base,
                       p2 + base, f1.data(), f2.data());
    });
    std::copy(own.begin(), own.end(), part.begin() + size_t(t) * 2 * size_t(c));
  }
  for (int64_t k = 0; k < c; k++) s1[k] = s2[k] = 0.0;
  for (int t = 0; t < nt; t++) {
    const double* p1 = part.data() + size_t(t) * 2 * size_t(c);
    for (int64_t k = 0; k < c; k++) {
      s1[k] += p1[k];
      s2[k] += p1[c + k];
    }
  }
}

/**
 * channelSumsT with the row width fixed at compile time for blocked views (16 lanes). `bits`
 * (one 16-bit ReLU-mask word per row) replaces `mask`; only for 16-channel rows.
 */
void channelSums(const float* a, const float* aShift, const float* b, const float* bShift,
                 const float* mask, const View& v, double* s1, double* s2,
                 const uint16_t* bits = nullptr) {
  if (v.cb == 16) return channelSumsT<16>(a, aShift, b, bShift, mask, bits, v, s1, s2);
  channelSumsT<0>(a, aShift, b, bShift, mask, nullptr, v, s1, s2);
}

/** y = act(bn(x) (+ residual)) row by row; K = row width when fixed at compile time, else 0. */
template <int K>
void affineRowsT(float* y, const float* x, const float* res, const rows::Affine& af, const View& v,
                 bool relu, uint16_t* bits) {
  const int64_t cb = K ? K : v.cb, rows = v.rows();
  int nt = threadsFor(v);
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num(), tn = omp_get_num_threads();
    forRuns(v, rows * t / tn, rows * (t + 1) / tn, [&](int64_t r0, int64_t n, int64_t base) {
      rows::affineRun<K>(y, x, res, af.hi.data() + base, af.lo.data() + base,
                         af.scale.data() + base, af.shift.data() + base, r0, n, cb, relu, bits);
    });
  }
}

/** affineRowsT; `bits` (16-channel rows only) receives the ReLU mask, one word per row. */
void affineRows(float* y, const float* x, const float* res, const rows::Affine& af, const View& v,
                bool relu, uint16_t* bits = nullptr) {
  if (v.cb == 16) return affineRowsT<16>(y, x, res, af, v, relu, bits);
  affineRowsT<0>(y, x, res, af, v, relu, nullptr);
}

/**
 * batchNormForwardTrain(y, mean, varBiased, invStd, x, gamma|null, beta|null, residual|null,
 * relu, m, c, eps, order (0 NHWC, 1 nChw16c), hw, reluMask|null): statistics, then
 * y = relu?(bn(x) + residual), and the ReLU bit mask when given.
 */
Napi::Value ForwardTrain(const Napi::CallbackInfo& info) {
  using A = contract::BatchNormForwardTrain;
  int64_t m = intArg(info, A::m), c = intArg(info, A::c);
  double eps = numArg(info, A::eps);
  View v = readView<A>(info, m, c);
  size_t mc = v.size();
  F32 y = f32(info, A::y, mc), mean = f32(info, A::mean, c), var = f32(info, A::varBiased, c),
      inv = f32(info, A::invStd, c), x = f32(info, A::x, mc);
  F32 gamma = f32Opt(info, A::gamma, c), beta = f32Opt(info, A::beta, c);
  F32 res = f32Opt(info, A::residual, mc);
  bool relu = boolArg(info, A::relu);
  // Shifted one-pass statistics: each channel's first value is a shift close to the mean.
  std::vector<float> first(c);
  for (int64_t k = 0; k < c; k++) first[k] = x.data[(k / v.cb) * v.inner * v.cb + k % v.cb];
  std::vector<double> s1(c), s2(c);
  channelSums(x.data, first.data(), nullptr, nullptr, nullptr, v, s1.data(), s2.data());
  rows::Affine af(c);
  for (int64_t k = 0; k < c; k++) {
    double d1 = s1[k] / double(m);
    double mu = double(first[k]) + d1;
    double v = std::max(s2[k] / double(m) - d1 * d1, 0.0);
    double is = 1.0 / std::sqrt(v + eps);
    mean.data[k] = float(mu);
    var.data[k] = float(v);
    inv.data[k] = float(is);
    double g = gamma.data ? gamma.data[k] : 1.0;
    af.set(k, mu, g * is, beta.data ? beta.data[k] : 0.0);
  }
  rows::ForwardMask mask(u32Opt(info, A::reluMask, (mc + 31) / 32), relu, v.cb == 16);
  affineRows(y.data, x.data, res.data, af, v, relu, mask.rowBits());
  mask.finish(y.data, mc);
  return info.Env().Undefined();
}

/** batchNormForwardEval(y, x, mean, variance, gamma|null, beta|null, m, c, eps[, order, hw]) */
Napi::Value ForwardEval(const Napi::CallbackInfo& info) {
  using A = contract::BatchNormForwardEval;
  int64_t m = intArg(info, A::m), c = intArg(info, A::c);
  double eps = numArg(info, A::eps);
  View v = readView<A>(info, m, c);
  size_t mc = v.size();
  F32 y = f32(info, A::y, mc), x = f32(info, A::x, mc), mean = f32(info, A::mean, c),
      var = f32(info, A::variance, c);
  F32 gamma = f32Opt(info, A::gamma, c), beta = f32Opt(info, A::beta, c);
  rows::Affine af(c);
  for (int64_t k = 0; k < c; k++) {
    double is = 1.0 / std::sqrt(double(var.data[k]) + eps);
    double g = gamma.data ? gamma.data[k] : 1.0;
    af.set(k, mean.data[k], g * is, beta.data ? beta.data[k] : 0.0);
  }
  affineRows(y.data, x.data, nullptr, af, v, false);
  return info.Env().Undefined();
}

/**
 * dx += a·g + b·(x - mean) + d per row, g = dy masked by the ReLU output (when `mask`), and
 * dresidual += g (when `drp`). K = row width when fixed at compile time, else 0. OX / OR: write
 * dx / dresidual instead of adding (their old contents are never read).
 */
template <int K, bool OX, bool OR>
void backwardRows(float* dxp, float* drp, const float* dyp, const float* xp, const float* mask,
                  const uint16_t* bits, const rows::Affine& centre, const std::vector<float>& a,
                  const std::vector<float>& b, const std::vector<float>& d, const View& v) {
  const int64_t cb = K ? K : v.cb, rows = v.rows();
  int nt = threadsFor(v);
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num(), tn = omp_get_num_threads();
    forRuns(v, rows * t / tn, rows * (t + 1) / tn, [&](int64_t r0, int64_t n, int64_t base) {
      rows::backwardRun<K, OX, OR>(dxp, drp, dyp, xp, mask, bits, centre.hi.data() + base,
                                   centre.lo.data() + base, a.data() + base, b.data() + base,
                                   d.data() + base, r0, n, cb);
    });
  }
}

/**
 * batchNormBackward(dx, dgamma|null, dbeta|null, dresidual|null, y|null, dy, x, mean, invStd,
 * gamma|null, m, c, order, hw, overwriteDx, overwriteDresidual, reluMask|null): backward of
 * y = relu?(bn(x) + residual); the incoming gradient is masked by the ReLU (reluMask, else
 * y > 0; neither means no ReLU) and also accumulated into dresidual when given.
 */
Napi::Value Backward(const Napi::CallbackInfo& info) {
  using A = contract::BatchNormBackward;
  int64_t m = intArg(info, A::m), c = intArg(info, A::c);
  View v = readView<A>(info, m, c);
  size_t mc = v.size();
  F32 dx = f32(info, A::dx, mc);
  F32 dgamma = f32Opt(info, A::dgamma, c), dbeta = f32Opt(info, A::dbeta, c);
  F32 dres = f32Opt(info, A::dresidual, mc), yOut = f32Opt(info, A::y, mc);
  F32 dy = f32(info, A::dy, mc), x = f32(info, A::x, mc), mean = f32(info, A::mean, c),
      inv = f32(info, A::invStd, c);
  F32 gamma = f32Opt(info, A::gamma, c);
  rows::BackwardMask relu(yOut.data, u32Opt(info, A::reluMask, (mc + 31) / 32), v.cb == 16, mc);
  // Σdy and Σdy·(x - mean) (dy masked by the ReLU); Σdy·xhat = invStd·Σdy·(x - mean).
  std::vector<double> sdy(c), sdyx(c);
  channelSums(dy.data, nullptr, x.data, mean.data, relu.mask(), v, sdy.data(), sdyx.data(),
              relu.bits());
  std::vector<float> a(c), b(c), d(c);
  rows::Affine centre(c);  // only hi/lo used: x - mean in two steps (see Affine)
  for (int64_t k = 0; k < c; k++) {
    double is = inv.data[k], mu = mean.data[k];
    double sdxh = is * sdyx[k];
    if (dgamma.data) dgamma.data[k] += float(sdxh);
    if (dbeta.data) dbeta.data[k] += float(sdy[k]);
    double g = gamma.data ? gamma.data[k] : 1.0;
    // dx = g·is·dy - g·is/M·Σdy - g·is/M·xhat·Σdy·xhat, xhat = (x-mu)·is
    //    = a·dy + b·(x - mu) + d  with a = g·is, b = -g·is²/M·Σdy·xhat, d = -g·is/M·Σdy.
    double aa = g * is;
    double bb = -g * is * is / double(m) * sdxh;
    a[k] = float(aa);
    b[k] = float(bb);
    d[k] = float(-aa / double(m) * sdy[k]);
    centre.set(k, mu, 0, 0);
  }
  bool ox = boolArg(info, A::overwriteDx);
  bool orr = dres.data && boolArg(info, A::overwriteDresidual);
  rows::withRowConstants(v.cb == 16, ox, orr, [&](auto k, auto ovx, auto ovr) {
    backwardRows<decltype(k)::value, decltype(ovx)::value, decltype(ovr)::value>(
        dx.data, dres.data, dy.data, x.data, relu.mask(), relu.bits(), centre, a, b, d, v);
  });
  return info.Env().Undefined();
}

}  // namespace

void registerBatchNorm(Napi::Env env, Napi::Object exports) {
  define<contract::BatchNormForwardTrain, ForwardTrain>(env, exports);
  define<contract::BatchNormForwardEval, ForwardEval>(env, exports);
  define<contract::BatchNormBackward, Backward>(env, exports);
}

}  // namespace smd

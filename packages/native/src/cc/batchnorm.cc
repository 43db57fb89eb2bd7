// Batch norm over an [M, C] view (M = N*H*W) stored NHWC or nChw16c, forward (train/eval) and
// backward, with OpenMP over rows. Statistics accumulate in float64 per thread, then reduce. The `*Act`
// variants fuse an optional residual add and ReLU: y = relu(bn(x) + residual), saving whole
// passes over the activations (the engine's Kernels has no such kernel yet; see the README).
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

/** The view from m, c and the trailing (order, hw) arguments at `io` (absent: NHWC). */
View readView(const Napi::CallbackInfo& info, int64_t m, int64_t c, size_t io) {
  if (m <= 0 || c <= 0) throw Napi::RangeError::New(info.Env(), "smd-native batchNorm: m, c > 0");
  if (info.Length() > io && intArg(info, io, "order") == 1) {
    int64_t hw = intArg(info, io + 1, "hw");
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
 * Shared body of training forward: statistics, then the (fused) normalization.
 * Args: y, mean, varBiased, invStd, x, gamma|null, beta|null, [residual|null, relu,] m, c, eps
 * [, order (0 NHWC, 1 nChw16c), hw].
 */
Napi::Value ForwardTrainImpl(const Napi::CallbackInfo& info, bool act) {
  size_t i = act ? 9 : 7;
  int64_t m = intArg(info, i, "m"), c = intArg(info, i + 1, "c");
  double eps = numArg(info, i + 2, "eps");
  View v = readView(info, m, c, i + 3);
  size_t mc = v.size();
  F32 y = f32(info, 0, "y", mc), mean = f32(info, 1, "mean", c), var = f32(info, 2, "varBiased", c),
      inv = f32(info, 3, "invStd", c), x = f32(info, 4, "x", mc);
  F32 gamma = f32Opt(info, 5, "gamma", c), beta = f32Opt(info, 6, "beta", c);
  F32 res = act ? f32Opt(info, 7, "residual", mc) : F32{};
  bool relu = act && intArg(info, 8, "relu") != 0;
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
  // Optional ReLU bit mask after (order, hw): one 16-bit word per 16-channel row.
  uint32_t* maskOut = act ? u32Opt(info, i + 5, "reluMask", (mc + 31) / 32) : nullptr;
  bool rowBits = maskOut && relu && v.cb == 16;
  affineRows(y.data, x.data, res.data, af, v, relu,
             rowBits ? reinterpret_cast<uint16_t*>(maskOut) : nullptr);
  if (maskOut && relu && !rowBits) rows::maskBitsSerial(maskOut, y.data, mc);
  if (rowBits) rows::clearMaskTail(maskOut, mc);
  return info.Env().Undefined();
}

/** batchNormForwardTrain(y, mean, varBiased, invStd, x, gamma|null, beta|null, m, c, eps) */
Napi::Value ForwardTrain(const Napi::CallbackInfo& info) { return ForwardTrainImpl(info, false); }

/**
 * batchNormForwardTrainAct(y, mean, varBiased, invStd, x, gamma|null, beta|null,
 * residual|null, relu, m, c, eps): y = relu?(bn(x) + residual).
 */
Napi::Value ForwardTrainAct(const Napi::CallbackInfo& info) { return ForwardTrainImpl(info, true); }

/** batchNormForwardEval(y, x, mean, variance, gamma|null, beta|null, m, c, eps[, order, hw]) */
Napi::Value ForwardEval(const Napi::CallbackInfo& info) {
  int64_t m = intArg(info, 6, "m"), c = intArg(info, 7, "c");
  double eps = numArg(info, 8, "eps");
  View v = readView(info, m, c, 9);
  size_t mc = v.size();
  F32 y = f32(info, 0, "y", mc), x = f32(info, 1, "x", mc), mean = f32(info, 2, "mean", c),
      var = f32(info, 3, "variance", c);
  F32 gamma = f32Opt(info, 4, "gamma", c), beta = f32Opt(info, 5, "beta", c);
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
 * Shared body of the backward. Args: dx, dgamma|null, dbeta|null, [dresidual|null, yOut|null,]
 * dy, x, mean, invStd, gamma|null, m, c[, order, hw]. With `act`, the incoming gradient is
 * masked by yOut > 0 (ReLU) and also accumulated into dresidual.
 */
Napi::Value BackwardImpl(const Napi::CallbackInfo& info, bool act) {
  size_t o = act ? 2 : 0;
  int64_t m = intArg(info, 8 + o, "m"), c = intArg(info, 9 + o, "c");
  View v = readView(info, m, c, 10 + o);
  size_t mc = v.size();
  F32 dx = f32(info, 0, "dx", mc);
  F32 dgamma = f32Opt(info, 1, "dgamma", c), dbeta = f32Opt(info, 2, "dbeta", c);
  F32 dres = act ? f32Opt(info, 3, "dresidual", mc) : F32{};
  F32 yOut = act ? f32Opt(info, 4, "y", mc) : F32{};
  F32 dy = f32(info, 3 + o, "dy", mc), x = f32(info, 4 + o, "x", mc),
      mean = f32(info, 5 + o, "mean", c), inv = f32(info, 6 + o, "invStd", c);
  F32 gamma = f32Opt(info, 7 + o, "gamma", c);
  const float* mask = yOut.data;
  // The forward's ReLU bit mask (after the overwrite flags) replaces y: one word per 16-channel
  // row; other row widths expand it into a float mask first.
  uint32_t* maskBits = act ? u32Opt(info, 16, "reluMask", (mc + 31) / 32) : nullptr;
  std::vector<float> expanded;
  const uint16_t* bits = nullptr;
  if (maskBits && v.cb == 16) {
    bits = reinterpret_cast<const uint16_t*>(maskBits);
    mask = nullptr;
  } else if (maskBits) {
    expanded.resize(mc);
    rows::expandMaskBits(expanded.data(), maskBits, mc);
    mask = expanded.data();
  }
  // Σdy and Σdy·(x - mean) (dy masked by the ReLU); Σdy·xhat = invStd·Σdy·(x - mean).
  std::vector<double> sdy(c), sdyx(c);
  channelSums(dy.data, nullptr, x.data, mean.data, mask, v, sdy.data(), sdyx.data(), bits);
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
  bool ox = act && info.Length() > 14 && intArg(info, 14, "overwriteDx") != 0;
  bool orr = act && dres.data && info.Length() > 15 && intArg(info, 15, "overwriteDresidual") != 0;
  auto run = [&](auto k, auto ovx, auto ovr) {
    backwardRows<decltype(k)::value, decltype(ovx)::value, decltype(ovr)::value>(
        dx.data, dres.data, dy.data, x.data, mask, bits, centre, a, b, d, v);
  };
  using T = std::true_type;
  using F = std::false_type;
  using K16 = std::integral_constant<int, 16>;
  using K0 = std::integral_constant<int, 0>;
  if (v.cb == 16) {
    if (ox && orr) run(K16{}, T{}, T{});
    else if (ox) run(K16{}, T{}, F{});
    else if (orr) run(K16{}, F{}, T{});
    else run(K16{}, F{}, F{});
  } else {
    if (ox && orr) run(K0{}, T{}, T{});
    else if (ox) run(K0{}, T{}, F{});
    else if (orr) run(K0{}, F{}, T{});
    else run(K0{}, F{}, F{});
  }
  return info.Env().Undefined();
}

/** batchNormBackward(dx, dgamma|null, dbeta|null, dy, x, mean, invStd, gamma|null, m, c) */
Napi::Value Backward(const Napi::CallbackInfo& info) { return BackwardImpl(info, false); }

/**
 * batchNormBackwardAct(dx, dgamma|null, dbeta|null, dresidual|null, y|null, dy, x, mean, invStd,
 * gamma|null, m, c[, order, hw, overwriteDx, overwriteDresidual]): backward of
 * y = relu?(bn(x) + residual); y null means no ReLU.
 */
Napi::Value BackwardAct(const Napi::CallbackInfo& info) { return BackwardImpl(info, true); }

}  // namespace

void registerBatchNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormForwardTrain", Napi::Function::New(env, ForwardTrain));
  exports.Set("batchNormForwardTrainAct", Napi::Function::New(env, ForwardTrainAct));
  exports.Set("batchNormForwardEval", Napi::Function::New(env, ForwardEval));
  exports.Set("batchNormBackward", Napi::Function::New(env, Backward));
  exports.Set("batchNormBackwardAct", Napi::Function::New(env, BackwardAct));
}

}  // namespace smd

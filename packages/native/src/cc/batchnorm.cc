// Batch norm over a channels-last [M, C] view (M = N*H*W), forward (train/eval) and backward,
// with OpenMP over rows. Statistics accumulate in float64 per thread, then reduce. The `*Act`
// variants fuse an optional residual add and ReLU: y = relu(bn(x) + residual), saving whole
// passes over the activations (the engine's Kernels has no such kernel yet; see the README).
#include <omp.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "common.h"

namespace smd {
namespace {

/**
 * v where mask > 0, else +0 (exactly the TS select, NaN mask gives 0), written with integer bit
 * operations so that GCC vectorizes it: the float ternary stayed a branch, and a random ReLU mask
 * made that loop 12× slower.
 */
inline float keepIfPositive(float v, float mask) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  bits &= mask > 0.f ? 0xffffffffu : 0u;
  float r;
  std::memcpy(&r, &bits, 4);
  return r;
}

/**
 * Per-channel sums over the rows of [M, C] views, in float64, reduced across threads:
 * s1 = Σ a', s2 = Σ a'·(b - bShift) where a' = a - aShift (or a masked to 0 where mask <= 0).
 * When `b` is null, b = a and bShift = aShift (so s2 = Σ a'^2). Shifts (per channel, optional)
 * near the mean keep one-pass variance free of cancellation.
 */
void channelSums(const float* a, const float* aShift, const float* b, const float* bShift,
                 const float* mask, int64_t m, int64_t c, double* s1, double* s2) {
  std::vector<float> zeros(size_t(c), 0.f);
  if (!aShift) aShift = zeros.data();
  if (!b) {
    b = a;
    bShift = aShift;
  }
  if (!bShift) bShift = zeros.data();
  int nt = omp_get_max_threads();
  if (m * c < 32768) nt = 1;
  std::vector<double> part(size_t(nt) * 2 * size_t(c), 0.0);
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num();
    int tn = omp_get_num_threads();
    double* p1 = part.data() + size_t(t) * 2 * size_t(c);
    double* p2 = p1 + c;
    int64_t r0 = m * t / tn, r1 = m * (t + 1) / tn;
    // Float partials over short row blocks keep the inner loop in single precision (16 lanes),
    // then fold into float64 so long reductions do not lose digits.
    std::vector<float> f1(static_cast<size_t>(c)), f2(static_cast<size_t>(c));
    for (int64_t rb = r0; rb < r1; rb += 16) {
      int64_t re = std::min(rb + 16, r1);
      for (int64_t k = 0; k < c; k++) f1[k] = f2[k] = 0.f;
      for (int64_t r = rb; r < re; r++) {
        const float* ar = a + r * c;
        const float* br = b + r * c;
        if (mask) {
          const float* mr = mask + r * c;
#pragma omp simd
          for (int64_t k = 0; k < c; k++) {
            float av = keepIfPositive(ar[k] - aShift[k], mr[k]);
            f1[k] += av;
            f2[k] += av * (br[k] - bShift[k]);
          }
        } else {
#pragma omp simd
          for (int64_t k = 0; k < c; k++) {
            float av = ar[k] - aShift[k];
            f1[k] += av;
            f2[k] += av * (br[k] - bShift[k]);
          }
        }
      }
      for (int64_t k = 0; k < c; k++) {
        p1[k] += f1[k];
        p2[k] += f2[k];
      }
    }
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
 * Per-channel affine of the normalization: y = ((x - meanHi) - meanLo)·scale + shift. The mean
 * is split into two floats so that offset data (|mean| >> std) loses no digits: x - meanHi is
 * exact when x is near the mean, unlike the cheaper x·scale + (beta - mean·scale).
 */
struct Affine {
  std::vector<float> hi, lo, scale, shift;
  explicit Affine(int64_t c) : hi(size_t(c)), lo(size_t(c)), scale(size_t(c)), shift(size_t(c)) {}
  void set(int64_t k, double mean, double sc, double sh) {
    hi[k] = float(mean);
    lo[k] = float(mean - double(hi[k]));
    scale[k] = float(sc);
    shift[k] = float(sh);
  }
};

/** y = act(bn(x) (+ residual)) row by row. */
void affineRows(float* y, const float* x, const float* res, const Affine& af, int64_t m, int64_t c,
                bool relu) {
  const float *hi = af.hi.data(), *lo = af.lo.data(), *scale = af.scale.data(),
              *shift = af.shift.data();
#pragma omp parallel for schedule(static) if (m * c >= 32768)
  for (int64_t r = 0; r < m; r++) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    const float* rr = res ? res + r * c : nullptr;
    if (rr && relu) {
#pragma omp simd
      for (int64_t k = 0; k < c; k++)
        yr[k] = std::max(((xr[k] - hi[k]) - lo[k]) * scale[k] + shift[k] + rr[k], 0.f);
    } else if (rr) {
#pragma omp simd
      for (int64_t k = 0; k < c; k++) yr[k] = ((xr[k] - hi[k]) - lo[k]) * scale[k] + shift[k] + rr[k];
    } else if (relu) {
#pragma omp simd
      for (int64_t k = 0; k < c; k++)
        yr[k] = std::max(((xr[k] - hi[k]) - lo[k]) * scale[k] + shift[k], 0.f);
    } else {
#pragma omp simd
      for (int64_t k = 0; k < c; k++) yr[k] = ((xr[k] - hi[k]) - lo[k]) * scale[k] + shift[k];
    }
  }
}

/**
 * Shared body of training forward: statistics, then the (fused) normalization.
 * Args: y, mean, varBiased, invStd, x, gamma|null, beta|null, [residual|null, relu,] m, c, eps.
 */
Napi::Value ForwardTrainImpl(const Napi::CallbackInfo& info, bool act) {
  size_t i = act ? 9 : 7;
  int64_t m = intArg(info, i, "m"), c = intArg(info, i + 1, "c");
  double eps = numArg(info, i + 2, "eps");
  if (m <= 0 || c <= 0) throw Napi::RangeError::New(info.Env(), "smd-native batchNorm: m, c > 0");
  size_t mc = size_t(m * c);
  F32 y = f32(info, 0, "y", mc), mean = f32(info, 1, "mean", c), var = f32(info, 2, "varBiased", c),
      inv = f32(info, 3, "invStd", c), x = f32(info, 4, "x", mc);
  F32 gamma = f32Opt(info, 5, "gamma", c), beta = f32Opt(info, 6, "beta", c);
  F32 res = act ? f32Opt(info, 7, "residual", mc) : F32{};
  bool relu = act && intArg(info, 8, "relu") != 0;
  // Shifted one-pass statistics: the first row is a per-channel shift close to the mean.
  std::vector<double> s1(c), s2(c);
  channelSums(x.data, x.data, nullptr, nullptr, nullptr, m, c, s1.data(), s2.data());
  Affine af(c);
  for (int64_t k = 0; k < c; k++) {
    double d1 = s1[k] / double(m);
    double mu = double(x.data[k]) + d1;
    double v = std::max(s2[k] / double(m) - d1 * d1, 0.0);
    double is = 1.0 / std::sqrt(v + eps);
    mean.data[k] = float(mu);
    var.data[k] = float(v);
    inv.data[k] = float(is);
    double g = gamma.data ? gamma.data[k] : 1.0;
    af.set(k, mu, g * is, beta.data ? beta.data[k] : 0.0);
  }
  affineRows(y.data, x.data, res.data, af, m, c, relu);
  return info.Env().Undefined();
}

/** batchNormForwardTrain(y, mean, varBiased, invStd, x, gamma|null, beta|null, m, c, eps) */
Napi::Value ForwardTrain(const Napi::CallbackInfo& info) { return ForwardTrainImpl(info, false); }

/**
 * batchNormForwardTrainAct(y, mean, varBiased, invStd, x, gamma|null, beta|null,
 * residual|null, relu, m, c, eps): y = relu?(bn(x) + residual).
 */
Napi::Value ForwardTrainAct(const Napi::CallbackInfo& info) { return ForwardTrainImpl(info, true); }

/** batchNormForwardEval(y, x, mean, variance, gamma|null, beta|null, m, c, eps) */
Napi::Value ForwardEval(const Napi::CallbackInfo& info) {
  int64_t m = intArg(info, 6, "m"), c = intArg(info, 7, "c");
  double eps = numArg(info, 8, "eps");
  size_t mc = size_t(m * c);
  F32 y = f32(info, 0, "y", mc), x = f32(info, 1, "x", mc), mean = f32(info, 2, "mean", c),
      var = f32(info, 3, "variance", c);
  F32 gamma = f32Opt(info, 4, "gamma", c), beta = f32Opt(info, 5, "beta", c);
  Affine af(c);
  for (int64_t k = 0; k < c; k++) {
    double is = 1.0 / std::sqrt(double(var.data[k]) + eps);
    double g = gamma.data ? gamma.data[k] : 1.0;
    af.set(k, mean.data[k], g * is, beta.data ? beta.data[k] : 0.0);
  }
  affineRows(y.data, x.data, nullptr, af, m, c, false);
  return info.Env().Undefined();
}

/**
 * Shared body of the backward. Args: dx, dgamma|null, dbeta|null, [dresidual|null, yOut|null,]
 * dy, x, mean, invStd, gamma|null, m, c. With `act`, the incoming gradient is masked by
 * yOut > 0 (ReLU) and also accumulated into dresidual.
 */
Napi::Value BackwardImpl(const Napi::CallbackInfo& info, bool act) {
  size_t o = act ? 2 : 0;
  int64_t m = intArg(info, 8 + o, "m"), c = intArg(info, 9 + o, "c");
  size_t mc = size_t(m * c);
  F32 dx = f32(info, 0, "dx", mc);
  F32 dgamma = f32Opt(info, 1, "dgamma", c), dbeta = f32Opt(info, 2, "dbeta", c);
  F32 dres = act ? f32Opt(info, 3, "dresidual", mc) : F32{};
  F32 yOut = act ? f32Opt(info, 4, "y", mc) : F32{};
  F32 dy = f32(info, 3 + o, "dy", mc), x = f32(info, 4 + o, "x", mc),
      mean = f32(info, 5 + o, "mean", c), inv = f32(info, 6 + o, "invStd", c);
  F32 gamma = f32Opt(info, 7 + o, "gamma", c);
  const float* mask = yOut.data;
  // Σdy and Σdy·(x - mean) (dy masked by the ReLU); Σdy·xhat = invStd·Σdy·(x - mean).
  std::vector<double> sdy(c), sdyx(c);
  channelSums(dy.data, nullptr, x.data, mean.data, mask, m, c, sdy.data(), sdyx.data());
  std::vector<float> a(c), b(c), d(c);
  Affine centre(c);  // only hi/lo used: x - mean in two steps (see Affine)
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
  float* dxp = dx.data;
  const float *dyp = dy.data, *xp = x.data;
  float* drp = dres.data;
  const float *hi = centre.hi.data(), *lo = centre.lo.data();
#pragma omp parallel for schedule(static) if (m * c >= 32768)
  for (int64_t r = 0; r < m; r++) {
    size_t off = size_t(r * c);
    if (mask) {
      const float* mr = mask + off;
      if (drp) {
#pragma omp simd
        for (int64_t k = 0; k < c; k++) {
          float g = keepIfPositive(dyp[off + k], mr[k]);
          drp[off + k] += g;
          dxp[off + k] += a[k] * g + b[k] * ((xp[off + k] - hi[k]) - lo[k]) + d[k];
        }
      } else {
#pragma omp simd
        for (int64_t k = 0; k < c; k++) {
          float g = keepIfPositive(dyp[off + k], mr[k]);
          dxp[off + k] += a[k] * g + b[k] * ((xp[off + k] - hi[k]) - lo[k]) + d[k];
        }
      }
    } else {
      if (drp) {
#pragma omp simd
        for (int64_t k = 0; k < c; k++) drp[off + k] += dyp[off + k];
      }
#pragma omp simd
      for (int64_t k = 0; k < c; k++) dxp[off + k] += a[k] * dyp[off + k] + b[k] * ((xp[off + k] - hi[k]) - lo[k]) + d[k];
    }
  }
  return info.Env().Undefined();
}

/** batchNormBackward(dx, dgamma|null, dbeta|null, dy, x, mean, invStd, gamma|null, m, c) */
Napi::Value Backward(const Napi::CallbackInfo& info) { return BackwardImpl(info, false); }

/**
 * batchNormBackwardAct(dx, dgamma|null, dbeta|null, dresidual|null, y|null, dy, x, mean, invStd,
 * gamma|null, m, c): backward of y = relu?(bn(x) + residual); y null means no ReLU.
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

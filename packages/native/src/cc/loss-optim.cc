// Log-softmax, cross entropy (torch label smoothing) and optimizer updates (SGD, Adam/AdamW),
// each in one pass. Row-wise math runs in float64; optimizer loops are memory-bound.
#include <omp.h>

#include <cmath>

#include "common.h"

namespace smd {
namespace {

constexpr int64_t kParallelMin = 1 << 15;

/** y[r,:] = x[r,:] - logsumexp(x[r,:]), rows independent. */
void logSoftmaxRows(float* y, const float* x, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * cols;
    double mx = -INFINITY;
    for (int64_t j = 0; j < cols; j++) mx = std::max(mx, double(xr[j]));
    double s = 0;
    for (int64_t j = 0; j < cols; j++) s += std::exp(double(xr[j]) - mx);
    double lse = mx + std::log(s);
    for (int64_t j = 0; j < cols; j++) y[r * cols + j] = float(double(xr[j]) - lse);
  }
}

/** logSoftmaxForward(y, x, rows, cols) */
Napi::Value LogSoftmaxForward(const Napi::CallbackInfo& info) {
  using A = contract::LogSoftmaxForward;
  int64_t rows = intArg(info, A::rows), cols = intArg(info, A::cols);
  F32 y = f32(info, A::y, rows * cols), x = f32(info, A::x, rows * cols);
  logSoftmaxRows(y.data, x.data, rows, cols);
  return info.Env().Undefined();
}

/** logSoftmaxBackward(dx, dy, y, rows, cols): dx += dy - exp(y)·Σ dy */
Napi::Value LogSoftmaxBackward(const Napi::CallbackInfo& info) {
  using A = contract::LogSoftmaxBackward;
  int64_t rows = intArg(info, A::rows), cols = intArg(info, A::cols);
  F32 dx = f32(info, A::dx, rows * cols), dy = f32(info, A::dy, rows * cols),
      y = f32(info, A::y, rows * cols);
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelMin)
  for (int64_t r = 0; r < rows; r++) {
    int64_t o = r * cols;
    double s = 0;
    for (int64_t j = 0; j < cols; j++) s += dy.data[o + j];
    for (int64_t j = 0; j < cols; j++)
      dx.data[o + j] += float(double(dy.data[o + j]) - std::exp(double(y.data[o + j])) * s);
  }
  return info.Env().Undefined();
}

void checkLabels(const Napi::CallbackInfo& info, const I32& labels, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++) {
    if (labels.data[r] < 0 || labels.data[r] >= cols) {
      throw Napi::RangeError::New(info.Env(), "smd-native crossEntropy: label " +
                                                  std::to_string(labels.data[r]) + " at row " +
                                                  std::to_string(r) + " is outside [0, cols)");
    }
  }
}

/** crossEntropyForward(losses, logProb, logits, labels, rows, cols, labelSmoothing) */
Napi::Value CrossEntropyForward(const Napi::CallbackInfo& info) {
  using A = contract::CrossEntropyForward;
  int64_t rows = intArg(info, A::rows), cols = intArg(info, A::cols);
  double eps = numArg(info, A::labelSmoothing);
  F32 losses = f32(info, A::losses, rows), lp = f32(info, A::logProb, rows * cols),
      logits = f32(info, A::logits, rows * cols);
  I32 labels = i32Array(info, A::labels, rows);
  checkLabels(info, labels, rows, cols);
  logSoftmaxRows(lp.data, logits.data, rows, cols);
  for (int64_t r = 0; r < rows; r++) {
    const float* l = lp.data + r * cols;
    double s = 0;
    if (eps != 0)
      for (int64_t j = 0; j < cols; j++) s += l[j];
    losses.data[r] = float(-(1 - eps) * double(l[labels.data[r]]) - eps / double(cols) * s);
  }
  return info.Env().Undefined();
}

/** crossEntropyBackward(dlogits, logProb, labels, rows, cols, labelSmoothing, scale) */
Napi::Value CrossEntropyBackward(const Napi::CallbackInfo& info) {
  using A = contract::CrossEntropyBackward;
  int64_t rows = intArg(info, A::rows), cols = intArg(info, A::cols);
  double eps = numArg(info, A::labelSmoothing), scale = numArg(info, A::scale);
  F32 dl = f32(info, A::dlogits, rows * cols), lp = f32(info, A::logProb, rows * cols);
  I32 labels = i32Array(info, A::labels, rows);
  checkLabels(info, labels, rows, cols);
  double off = eps / double(cols);
  for (int64_t r = 0; r < rows; r++) {
    int64_t o = r * cols;
    for (int64_t j = 0; j < cols; j++) {
      double t = off + (j == labels.data[r] ? 1 - eps : 0.0);
      dl.data[o + j] += float(scale * (std::exp(double(lp.data[o + j])) - t));
    }
  }
  return info.Env().Undefined();
}

/**
 * sgdStep(param, momentumBuf|null, grad, n, lr, momentum, dampening, weightDecay, nesterov,
 * firstStep): torch.optim.SGD with coupled weight decay, one pass.
 */
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  using A = contract::SgdStep;
  int64_t n = intArg(info, A::n);
  F32 p = f32(info, A::param, n), buf = f32Opt(info, A::momentumBuf, n), g = f32(info, A::grad, n);
  // float64 arithmetic per element, like the TS reference (the loop is memory-bound anyway).
  double lr = numArg(info, A::lr), mom = numArg(info, A::momentum),
         damp = numArg(info, A::dampening), wd = numArg(info, A::weightDecay);
  bool nesterov = intArg(info, A::nesterov) != 0, first = intArg(info, A::firstStep) != 0;
  float* pp = p.data;
  float* bp = buf.data;
  const float* gp = g.data;
  bool par = n >= kParallelMin;
  if (mom == 0 || !bp) {
#pragma omp parallel for simd schedule(static) if (par)
    for (int64_t i = 0; i < n; i++) pp[i] = float(pp[i] - lr * (gp[i] + wd * pp[i]));
    return info.Env().Undefined();
  }
  double keep = 1 - damp;
#pragma omp parallel for simd schedule(static) if (par)
  for (int64_t i = 0; i < n; i++) {
    double d = double(gp[i]) + wd * pp[i];
    double b = first ? d : mom * bp[i] + keep * d;
    bp[i] = float(b);
    pp[i] = float(pp[i] - lr * (nesterov ? d + mom * b : b));
  }
  return info.Env().Undefined();
}

/**
 * adamStep(param, expAvg, expAvgSq, grad, n, lr, beta1, beta2, eps, weightDecay, decoupled,
 * step): torch.optim.Adam / AdamW (amsgrad=false).
 */
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  using A = contract::AdamStep;
  int64_t n = intArg(info, A::n);
  F32 p = f32(info, A::param, n), m = f32(info, A::expAvg, n), v = f32(info, A::expAvgSq, n),
      g = f32(info, A::grad, n);
  double lr = numArg(info, A::lr), b1 = numArg(info, A::beta1), b2 = numArg(info, A::beta2),
         eps = numArg(info, A::eps), wd = numArg(info, A::weightDecay);
  bool decoupled = intArg(info, A::decoupled) != 0;
  double step = numArg(info, A::step);
  double bc1 = 1 - std::pow(b1, step), bc2 = 1 - std::pow(b2, step);
  double stepSize = lr / bc1, sq2 = std::sqrt(bc2);
  double decay = decoupled ? 1 - lr * wd : 1.0;
  float* pp = p.data;
  float *mp = m.data, *vp = v.data;
  const float* gp = g.data;
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; i++) {
    double pv = double(float(pp[i] * decay));
    double gi = decoupled ? double(gp[i]) : gp[i] + wd * pv;
    float mi = float(b1 * mp[i] + (1 - b1) * gi);
    float vi = float(b2 * vp[i] + (1 - b2) * gi * gi);
    mp[i] = mi;
    vp[i] = vi;
    pp[i] = float(pv - stepSize * mi / (std::sqrt(double(vi)) / sq2 + eps));
  }
  return info.Env().Undefined();
}

}  // namespace

void registerLossOptim(Napi::Env env, Napi::Object exports) {
  define<contract::LogSoftmaxForward, LogSoftmaxForward>(env, exports);
  define<contract::LogSoftmaxBackward, LogSoftmaxBackward>(env, exports);
  define<contract::CrossEntropyForward, CrossEntropyForward>(env, exports);
  define<contract::CrossEntropyBackward, CrossEntropyBackward>(env, exports);
  define<contract::SgdStep, SgdStep>(env, exports);
  define<contract::AdamStep, AdamStep>(env, exports);
}

}  // namespace smd

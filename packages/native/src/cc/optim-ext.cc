// Optimizer updates of issue #14 beyond SGD/Adam: Lion, SGDP and AdamP (the step loses its
// radial part on scale-invariant weights) and the rotational wrapper of RV-SGDM/AdamW/Lion. Each
// mirrors its TS rule in engine/src/optim (update-rules.ts, projection-rules.ts,
// rotational-rules.ts): values are rounded to float32 (`f`) at the same points as the rule's
// Math.fround — a product or sum of two floats computed in double and rounded once IS the
// float32 op, so those steps match the rule bit for bit — and norms, dot products and cosines
// accumulate in float64. OpenMP over elements for the element-wise passes and over rows (output
// channels) for the per-row passes, which are serial SIMD loops: an OpenMP region per row costs
// microseconds, more than a 576-float row (rotationalStep on a 64→64 3×3 conv, 1 thread, shared
// machine: 1.09 ms a call with a region per loop and row, 63 µs without; sgdpStep 442 → 137 µs).
// A tensor taken as one row (per-layer view) runs on one thread.
#include <omp.h>

#include <cmath>
#include <vector>

#include "common.h"

namespace smd {
namespace {

constexpr int64_t kParallelMin = 1 << 15;

/** Math.fround. */
inline float f(double x) { return static_cast<float>(x); }

/** Math.sign (0 for 0). */
inline double sgn(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : x); }

/** numel of a shape argument. */
int64_t numelOf(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

/** lionStep(param, expAvg, grad, n, lr, beta1, beta2, weightDecay): lionUpdate of update-rules.ts. */
Napi::Value LionStep(const Napi::CallbackInfo& info) {
  using A = contract::LionStep;
  int64_t n = intArg(info, A::n);
  F32 p = f32(info, A::param, n), m = f32(info, A::expAvg, n), g = f32(info, A::grad, n);
  double lr = numArg(info, A::lr), beta1 = numArg(info, A::beta1), beta2 = numArg(info, A::beta2),
         wd = numArg(info, A::weightDecay);
  const double b1 = f(beta1), b2 = f(beta2), c1 = f(1 - beta1), c2 = f(1 - beta2);
  const double shrink = f(1 - lr * wd), lrf = f(lr);
  const bool decay = wd != 0;
  float* pp = p.data;
  float* mp = m.data;
  const float* gp = g.data;
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; i++) {
    double gi = gp[i], mi = mp[i];
    double wi = decay ? double(f(pp[i] * shrink)) : double(pp[i]);
    double c = f(double(f(mi * b1)) + double(f(c1 * gi)));
    pp[i] = f(wi - lrf * sgn(c));
    mp[i] = f(double(f(mi * b2)) + double(f(c2 * gi)));
  }
  return info.Env().Undefined();
}

/** Σ w·w, Σ g·g, Σ g·w over one row of `cols` values (float64). */
struct RowSums {
  double ww = 0, gg = 0, gw = 0;
};

RowSums rowSums(const float* w, const float* g, int64_t cols) {
  double ww = 0, gg = 0, gw = 0;
#pragma omp simd reduction(+ : ww, gg, gw)
  for (int64_t i = 0; i < cols; i++) {
    double wi = w[i], gi = g[i];
    ww += wi * wi;
    gg += gi * gi;
    gw += gi * wi;
  }
  return {ww, gg, gw};
}

/** d ← d − ŵ⟨ŵ, d⟩ over one row, ŵ = w/(‖w‖ + ε), ‖w‖² = ww. */
void removeRadialRow(const float* w, float* d, int64_t cols, double ww, double eps) {
  const double inv = 1 / (std::sqrt(ww) + eps);
  double dot = 0;
#pragma omp simd reduction(+ : dot)
  for (int64_t i = 0; i < cols; i++) dot += w[i] * inv * d[i];
#pragma omp simd
  for (int64_t i = 0; i < cols; i++) d[i] = f(d[i] - w[i] * inv * dot);
}

/** |cos(g, w)| with torch 1.13's norms clamped at ε. */
inline double absCos(const RowSums& s, double eps) {
  return std::abs(s.gw) / (std::max(std::sqrt(s.ww), eps) * std::max(std::sqrt(s.gg), eps));
}

/**
 * projectScaleInvariant of projection-rules.ts on direction d (in place): rank ≥ 2 tensors are
 * tested per output channel (rows = shape[0]), then as one row; where every row's |cos(g, w)| is
 * below δ/√(row length), d loses its radial part row by row and the decay ratio is wdRatio.
 * Returns that ratio (1 when nothing was projected).
 */
double project(const float* w, const float* g, float* d, const std::vector<int64_t>& shape,
               int64_t n, double delta, double eps, double wdRatio) {
  if (shape.size() < 2 || n == 0) return 1;
  const int64_t rows = shape[0], cols = n / rows;
  const bool par = n >= kParallelMin;
  std::vector<RowSums> s(rows);
#pragma omp parallel for schedule(static) if (par && rows > 1)
  for (int64_t r = 0; r < rows; r++)
    s[r] = rowSums(w + r * cols, g + r * cols, cols);
  bool channels = true;
  RowSums all;
  for (int64_t r = 0; r < rows; r++) {
    if (!(absCos(s[r], eps) < delta / std::sqrt(double(cols)))) channels = false;
    all.ww += s[r].ww;
    all.gg += s[r].gg;
    all.gw += s[r].gw;
  }
  if (channels) {
#pragma omp parallel for schedule(static) if (par && rows > 1)
    for (int64_t r = 0; r < rows; r++)
      removeRadialRow(w + r * cols, d + r * cols, cols, s[r].ww, eps);
    return wdRatio;
  }
  if (absCos(all, eps) < delta / std::sqrt(double(n))) {
    removeRadialRow(w, d, n, all.ww, eps);
    return wdRatio;
  }
  return 1;
}

/** w ← w·shrink (when decaying) − stepSize·d, rounded like the TS rules' last loop. */
void applyStep(float* w, const float* d, int64_t n, double shrink, bool decay, double stepSize) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; i++) {
    double wi = decay ? double(f(w[i] * shrink)) : double(w[i]);
    w[i] = f(wi - double(f(stepSize * d[i])));
  }
}

/**
 * sgdpStep(param, momentumBuf, grad, direction, shape, lr, momentum, dampening, weightDecay,
 * nesterov, delta, eps, wdRatio): sgdpUpdate of projection-rules.ts.
 */
Napi::Value SgdpStep(const Napi::CallbackInfo& info) {
  using A = contract::SgdpStep;
  std::vector<int64_t> shape = intList(info, A::shape);
  int64_t n = numelOf(shape);
  F32 p = f32(info, A::param, n), v = f32(info, A::momentumBuf, n), g = f32(info, A::grad, n),
      d = f32(info, A::direction, n);
  double lr = numArg(info, A::lr), mom = numArg(info, A::momentum),
         damp = numArg(info, A::dampening), wd = numArg(info, A::weightDecay);
  bool nesterov = boolArg(info, A::nesterov);
  const double mu = f(mom), keep = f(1 - damp);
  float* vp = v.data;
  float* dp = d.data;
  const float* gp = g.data;
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; i++) {
    double gi = gp[i];
    double b = f(double(f(vp[i] * mu)) + double(f(keep * gi)));
    vp[i] = float(b);
    dp[i] = nesterov ? f(gi + double(f(mu * b))) : float(b);
  }
  double ratio = project(p.data, gp, dp, shape, n, numArg(info, A::delta), numArg(info, A::eps),
                         numArg(info, A::wdRatio));
  applyStep(p.data, dp, n, f(1 - lr * wd * ratio / (1 - mom)), wd != 0, f(lr));
  return info.Env().Undefined();
}

/**
 * adampStep(param, expAvg, expAvgSq, grad, direction, shape, lr, beta1, beta2, eps, weightDecay,
 * nesterov, delta, wdRatio, step): adampUpdate of projection-rules.ts.
 */
Napi::Value AdampStep(const Napi::CallbackInfo& info) {
  using A = contract::AdampStep;
  std::vector<int64_t> shape = intList(info, A::shape);
  int64_t n = numelOf(shape);
  F32 p = f32(info, A::param, n), m = f32(info, A::expAvg, n), v = f32(info, A::expAvgSq, n),
      g = f32(info, A::grad, n), d = f32(info, A::direction, n);
  double lr = numArg(info, A::lr), beta1 = numArg(info, A::beta1), beta2 = numArg(info, A::beta2),
         eps = numArg(info, A::eps), wd = numArg(info, A::weightDecay), t = numArg(info, A::step);
  bool nesterov = boolArg(info, A::nesterov);
  const double b1 = f(beta1), b2 = f(beta2), c1 = f(1 - beta1), c2 = f(1 - beta2);
  const double bc2Sqrt = std::sqrt(1 - std::pow(beta2, t));
  const double stepSize = f(lr / (1 - std::pow(beta1, t)));
  float *mp = m.data, *vp = v.data, *dp = d.data;
  const float* gp = g.data;
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; i++) {
    double gi = gp[i];
    double mi = f(double(f(mp[i] * b1)) + double(f(c1 * gi)));
    double vi = f(double(f(vp[i] * b2)) + double(f(double(f(c2 * gi)) * gi)));
    mp[i] = float(mi);
    vp[i] = float(vi);
    double denom = f(double(f(std::sqrt(vi) / bc2Sqrt)) + eps);
    double num = nesterov ? double(f(double(f(b1 * mi)) + double(f(c1 * gi)))) : mi;
    dp[i] = f(num / denom);
  }
  double ratio = project(p.data, gp, dp, shape, n, numArg(info, A::delta), eps,
                         numArg(info, A::wdRatio));
  applyStep(p.data, dp, n, f(1 - lr * wd * ratio), wd != 0, stepSize);
  return info.Env().Undefined();
}

/** The rotational update of one row (rotationalUpdate of rotational-rules.ts); ν is updated. */
void rotateRow(float* w, float* d, int64_t cols, double rho, double& nu, double etaR, double beta,
               double bc, double eps, bool zeroMean) {
  if (zeroMean) {
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < cols; i++) sum += d[i];
    const double mean = sum / double(cols);
#pragma omp simd
    for (int64_t i = 0; i < cols; i++) d[i] = f(d[i] - mean);
  }
  double dw = 0;
#pragma omp simd reduction(+ : dw)
  for (int64_t i = 0; i < cols; i++) dw += double(d[i]) * w[i];
  const double k = dw / (rho * rho);
  double dd = 0;
#pragma omp simd reduction(+ : dd)
  for (int64_t i = 0; i < cols; i++) {
    double x = f(d[i] - w[i] * k);
    d[i] = float(x);
    dd += x * x;
  }
  nu = (1 - beta) * dd + beta * nu;
  const double scale = etaR * rho / (eps + std::sqrt(nu / bc));
  double ww = 0;
#pragma omp simd reduction(+ : ww)
  for (int64_t i = 0; i < cols; i++) {
    double x = f(w[i] - scale * d[i]);
    w[i] = float(x);
    ww += x * x;
  }
  const double back = rho / std::sqrt(ww);
#pragma omp simd
  for (int64_t i = 0; i < cols; i++) w[i] = f(w[i] * back);
}

/**
 * rotationalStep(param, direction, norm, updateNorm2, n, rows, step, etaR, updateNormDecay, eps,
 * zeroMean): every row of param turns by ≈ η_r along direction (overwritten) at its norm ρ_r.
 */
Napi::Value RotationalStep(const Napi::CallbackInfo& info) {
  using A = contract::RotationalStep;
  int64_t n = intArg(info, A::n), rows = intArg(info, A::rows);
  if (rows <= 0 || n % rows != 0) {
    throw Napi::RangeError::New(info.Env(), "smd-native: rotationalStep: n = " +
                                                std::to_string(n) + " is not rows = " +
                                                std::to_string(rows) + " equal rows");
  }
  F32 p = f32(info, A::param, n), d = f32(info, A::direction, n);
  double* rho = f64(info, A::norm, rows);
  double* nu = f64(info, A::updateNorm2, rows);
  const double beta = numArg(info, A::updateNormDecay), etaR = numArg(info, A::etaR),
               eps = numArg(info, A::eps);
  const double bc = 1 - std::pow(beta, numArg(info, A::step));
  const bool zeroMean = boolArg(info, A::zeroMean), par = n >= kParallelMin;
  const int64_t cols = n / rows;
  float *pp = p.data, *dp = d.data;
#pragma omp parallel for schedule(static) if (par && rows > 1)
  for (int64_t r = 0; r < rows; r++) {
    rotateRow(pp + r * cols, dp + r * cols, cols, rho[r], nu[r], etaR, beta, bc, eps, zeroMean);
  }
  return info.Env().Undefined();
}

}  // namespace

void registerOptimExt(Napi::Env env, Napi::Object exports) {
  define<contract::LionStep, LionStep>(env, exports);
  define<contract::SgdpStep, SgdpStep>(env, exports);
  define<contract::AdampStep, AdampStep>(env, exports);
  define<contract::RotationalStep, RotationalStep>(env, exports);
}

}  // namespace smd

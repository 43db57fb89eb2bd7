// Element-wise, strided-copy and reduction kernels with OpenMP (memory-bound; small sizes run on
// one thread). Binary ops broadcast through per-operand strides, coalesced like the TS backend.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "common.h"

namespace smd {
namespace {

/** Elements below which a loop stays on the calling thread (fork/join costs ~1-5 us). */
constexpr int64_t kParallelMin = 1 << 15;

/** Iteration space after dropping size-1 axes, ordering by the lead operand, merging dense axes. */
struct Space {
  std::vector<int64_t> shape;
  std::vector<std::vector<int64_t>> strides;  // [operand][axis]
};

Space coalesce(const std::vector<int64_t>& shape, const std::vector<std::vector<int64_t>>& strides) {
  std::vector<size_t> order;
  for (size_t i = 0; i < shape.size(); i++)
    if (shape[i] != 1) order.push_back(i);
  const auto& lead = strides[0];
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return lead[a] > lead[b]; });
  Space s;
  s.strides.resize(strides.size());
  for (size_t ax : order) {
    bool merge = !s.shape.empty();
    size_t last = s.shape.size() - 1;
    if (merge)
      for (size_t k = 0; k < strides.size(); k++)
        if (s.strides[k][last] != strides[k][ax] * shape[ax]) merge = false;
    if (merge) {
      s.shape[last] *= shape[ax];
      for (size_t k = 0; k < strides.size(); k++) s.strides[k][last] = strides[k][ax];
    } else {
      s.shape.push_back(shape[ax]);
      for (size_t k = 0; k < strides.size(); k++) s.strides[k].push_back(strides[k][ax]);
    }
  }
  if (s.shape.empty()) {
    s.shape.push_back(1);
    for (auto& st : s.strides) st.push_back(0);
  }
  return s;
}

/** Offsets of operand k at flat outer index `o` (over all but the last axis). */
inline void outerOffsets(const Space& s, int64_t o, int64_t* off) {
  size_t r = s.shape.size();
  for (size_t k = 0; k < s.strides.size(); k++) off[k] = 0;
  for (size_t ax = r - 1; ax-- > 0;) {
    int64_t i = o % s.shape[ax];
    o /= s.shape[ax];
    for (size_t k = 0; k < s.strides.size(); k++) off[k] += i * s.strides[k][ax];
  }
}

template <typename F>
void runBinary(float* out, const float* a, const float* b, const Space& s, F f) {
  size_t r = s.shape.size();
  int64_t n = s.shape[r - 1];
  int64_t oi = s.strides[0][r - 1], ai = s.strides[1][r - 1], bi = s.strides[2][r - 1];
  int64_t outer = 1;
  for (size_t ax = 0; ax + 1 < r; ax++) outer *= s.shape[ax];
  bool par = outer * n >= kParallelMin;
#pragma omp parallel for schedule(static) if (par)
  for (int64_t o = 0; o < outer; o++) {
    int64_t off[3];
    outerOffsets(s, o, off);
    float* po = out + off[0];
    const float* pa = a + off[1];
    const float* pb = b + off[2];
    if (oi == 1 && ai == 1 && bi == 1) {
#pragma omp simd
      for (int64_t i = 0; i < n; i++) po[i] = f(pa[i], pb[i]);
    } else if (oi == 1 && ai == 1 && bi == 0) {
      float bv = pb[0];
#pragma omp simd
      for (int64_t i = 0; i < n; i++) po[i] = f(pa[i], bv);
    } else if (oi == 1 && ai == 0 && bi == 1) {
      float av = pa[0];
#pragma omp simd
      for (int64_t i = 0; i < n; i++) po[i] = f(av, pb[i]);
    } else {
      for (int64_t i = 0; i < n; i++) po[i * oi] = f(pa[i * ai], pb[i * bi]);
    }
  }
}

/** binary(op 0 add|1 sub|2 mul|3 div, out, a, b, shape[], outStrides[], aStrides[], bStrides[]) */
Napi::Value Binary(const Napi::CallbackInfo& info) {
  using A = contract::Binary;
  int64_t op = intArg(info, A::op);
  std::vector<int64_t> shape = intList(info, A::shape);
  std::vector<std::vector<int64_t>> st{intList(info, A::outStrides), intList(info, A::aStrides),
                                       intList(info, A::bStrides)};
  for (auto& v : st)
    if (v.size() != shape.size()) throw Napi::RangeError::New(info.Env(), "smd-native binary: stride rank");
  // Extent of each operand (max offset + 1) bounds the buffers we touch.
  size_t need[3] = {1, 1, 1};
  for (size_t k = 0; k < 3; k++) {
    int64_t e = 0;
    for (size_t ax = 0; ax < shape.size(); ax++) {
      if (shape[ax] == 0) return info.Env().Undefined();
      if (st[k][ax] < 0) throw Napi::RangeError::New(info.Env(), "smd-native binary: negative stride");
      e += (shape[ax] - 1) * st[k][ax];
    }
    need[k] = size_t(e + 1);
  }
  F32 out = f32(info, A::out, need[0]), a = f32(info, A::a, need[1]), b = f32(info, A::b, need[2]);
  Space s = coalesce(shape, st);
  switch (op) {
    case 0: runBinary(out.data, a.data, b.data, s, [](float x, float y) { return x + y; }); break;
    case 1: runBinary(out.data, a.data, b.data, s, [](float x, float y) { return x - y; }); break;
    case 2: runBinary(out.data, a.data, b.data, s, [](float x, float y) { return x * y; }); break;
    case 3: runBinary(out.data, a.data, b.data, s, [](float x, float y) { return x / y; }); break;
    default: throw Napi::RangeError::New(info.Env(), "smd-native binary: unknown op");
  }
  return info.Env().Undefined();
}

/** unary(op 0 neg|1 exp|2 log|3 sqrt|4 abs|5 relu, out, x, n) */
Napi::Value Unary(const Napi::CallbackInfo& info) {
  using A = contract::Unary;
  int64_t op = intArg(info, A::op), n = intArg(info, A::n);
  F32 out = f32(info, A::out, n), x = f32(info, A::x, n);
  float* o = out.data;
  const float* v = x.data;
  bool par = n >= kParallelMin;
  switch (op) {
    case 0:
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < n; i++) o[i] = -v[i];
      break;
    case 1:
#pragma omp parallel for schedule(static) if (par)
      for (int64_t i = 0; i < n; i++) o[i] = float(std::exp(double(v[i])));
      break;
    case 2:
#pragma omp parallel for schedule(static) if (par)
      for (int64_t i = 0; i < n; i++) o[i] = float(std::log(double(v[i])));
      break;
    case 3:
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < n; i++) o[i] = std::sqrt(v[i]);
      break;
    case 4:
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < n; i++) o[i] = std::fabs(v[i]);
      break;
    case 5:
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < n; i++) o[i] = v[i] > 0.f ? v[i] : 0.f;
      break;
    default: throw Napi::RangeError::New(info.Env(), "smd-native unary: unknown op");
  }
  return info.Env().Undefined();
}

/** scalar(op 0 add|1 mul|2 pow|3 rsub|4 rdiv, out, x, s, n) */
Napi::Value Scalar(const Napi::CallbackInfo& info) {
  using A = contract::Scalar;
  int64_t op = intArg(info, A::op), n = intArg(info, A::n);
  double sd = numArg(info, A::s);
  F32 out = f32(info, A::out, n), x = f32(info, A::x, n);
  float* o = out.data;
  const float* v = x.data;
  double s = sd;  // float64 arithmetic, rounded once, exactly like the TS reference
  bool par = n >= kParallelMin;
  switch (op) {
    case 0:
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < n; i++) o[i] = float(v[i] + s);
      break;
    case 1:
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < n; i++) o[i] = float(v[i] * s);
      break;
    case 2:
      if (sd == 2.0) {
#pragma omp parallel for simd schedule(static) if (par)
        for (int64_t i = 0; i < n; i++) o[i] = float(double(v[i]) * v[i]);
      } else {
#pragma omp parallel for schedule(static) if (par)
        for (int64_t i = 0; i < n; i++) o[i] = float(std::pow(double(v[i]), sd));
      }
      break;
    case 3:
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < n; i++) o[i] = float(s - v[i]);
      break;
    case 4:
#pragma omp parallel for simd schedule(static) if (par)
      for (int64_t i = 0; i < n; i++) o[i] = float(s / v[i]);
      break;
    default: throw Napi::RangeError::New(info.Env(), "smd-native scalar: unknown op");
  }
  return info.Env().Undefined();
}

/** reluBackward(dx, dy, y, n): dx += y > 0 ? dy : 0 */
Napi::Value ReluBackward(const Napi::CallbackInfo& info) {
  using A = contract::ReluBackward;
  int64_t n = intArg(info, A::n);
  F32 dx = f32(info, A::dx, n), dy = f32(info, A::dy, n), y = f32(info, A::y, n);
  float* d = dx.data;
  const float *g = dy.data, *v = y.data;
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; i++) d[i] += v[i] > 0.f ? g[i] : 0.f;
  return info.Env().Undefined();
}

/** sumAxis(out, x, outer, mid, inner): out[o,i] = Σ_m x[o,m,i], float64 accumulation. */
Napi::Value SumAxis(const Napi::CallbackInfo& info) {
  using A = contract::SumAxis;
  int64_t outer = intArg(info, A::outer), mid = intArg(info, A::mid),
          inner = intArg(info, A::inner);
  F32 out = f32(info, A::out, outer * inner), x = f32(info, A::x, outer * mid * inner);
  float* o = out.data;
  const float* v = x.data;
  bool par = outer * mid * inner >= kParallelMin;
  if (inner == 1) {
#pragma omp parallel for schedule(static) if (par)
    for (int64_t q = 0; q < outer; q++) {
      double s = 0;
      for (int64_t m = 0; m < mid; m++) s += v[q * mid + m];
      o[q] = float(s);
    }
    return info.Env().Undefined();
  }
  if (outer >= 2 || !par) {
#pragma omp parallel for schedule(static) if (par)
    for (int64_t q = 0; q < outer; q++) {
      std::vector<double> acc(size_t(inner), 0.0);
      for (int64_t m = 0; m < mid; m++) {
        const float* row = v + (q * mid + m) * inner;
        for (int64_t i = 0; i < inner; i++) acc[i] += row[i];
      }
      for (int64_t i = 0; i < inner; i++) o[q * inner + i] = float(acc[i]);
    }
    return info.Env().Undefined();
  }
  // outer == 1 and large: split mid across threads, then reduce the per-thread partials.
  int nt = omp_get_max_threads();
  std::vector<double> part(size_t(nt) * size_t(inner), 0.0);
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num(), tn = omp_get_num_threads();
    double* acc = part.data() + size_t(t) * size_t(inner);
    for (int64_t m = mid * t / tn; m < mid * (t + 1) / tn; m++) {
      const float* row = v + m * inner;
      for (int64_t i = 0; i < inner; i++) acc[i] += row[i];
    }
  }
  for (int64_t i = 0; i < inner; i++) {
    double s = 0;
    for (int t = 0; t < nt; t++) s += part[size_t(t) * size_t(inner) + size_t(i)];
    o[i] = float(s);
  }
  return info.Env().Undefined();
}

/** copyStrided(out, x, shape[], xStrides[]): out row-major over shape = x through xStrides. */
Napi::Value CopyStrided(const Napi::CallbackInfo& info) {
  using A = contract::CopyStrided;
  std::vector<int64_t> shape = intList(info, A::shape);
  std::vector<int64_t> xs = intList(info, A::xStrides);
  if (xs.size() != shape.size()) throw Napi::RangeError::New(info.Env(), "smd-native copyStrided: rank");
  std::vector<int64_t> os(shape.size());
  int64_t acc = 1, ext = 0;
  for (size_t i = shape.size(); i-- > 0;) {
    os[i] = acc;
    acc *= shape[i];
    if (xs[i] < 0) throw Napi::RangeError::New(info.Env(), "smd-native copyStrided: negative stride");
    ext += (shape[i] - 1) * xs[i];
  }
  if (acc == 0) return info.Env().Undefined();
  F32 out = f32(info, A::out, acc), x = f32(info, A::x, ext + 1);
  Space s = coalesce(shape, {os, xs});
  size_t r = s.shape.size();
  int64_t n = s.shape[r - 1], oi = s.strides[0][r - 1], xi = s.strides[1][r - 1];
  int64_t outer = acc / n;
  float* o = out.data;
  const float* v = x.data;
#pragma omp parallel for schedule(static) if (acc >= kParallelMin)
  for (int64_t q = 0; q < outer; q++) {
    int64_t off[2];
    outerOffsets(s, q, off);
    float* po = o + off[0];
    const float* pv = v + off[1];
    if (oi == 1 && xi == 1) {
      std::copy(pv, pv + n, po);
    } else {
      for (int64_t i = 0; i < n; i++) po[i * oi] = pv[i * xi];
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void registerElementwise(Napi::Env env, Napi::Object exports) {
  define<contract::Binary, Binary>(env, exports);
  define<contract::Unary, Unary>(env, exports);
  define<contract::Scalar, Scalar>(env, exports);
  define<contract::ReluBackward, ReluBackward>(env, exports);
  define<contract::SumAxis, SumAxis>(env, exports);
  define<contract::CopyStrided, CopyStrided>(env, exports);
}

}  // namespace smd

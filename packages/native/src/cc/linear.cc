// Batched row-major GEMM through oneDNN's sgemm (JIT AVX-512 where available, OpenMP inside).
#include "common.h"

namespace smd {
namespace {

/**
 * matmul(out, a, b, batch, m, n, k, transA, transB, aBatchStride, bBatchStride, accumulate):
 * out[bt] (+)= op(a[bt]) · op(b[bt]); out is [batch, m, n] row-major.
 */
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  using A = contract::Matmul;
  int64_t batch = intArg(info, A::batch), m = intArg(info, A::m), n = intArg(info, A::n),
          k = intArg(info, A::k);
  bool ta = intArg(info, A::transA) != 0, tb = intArg(info, A::transB) != 0;
  int64_t as = intArg(info, A::aBatchStride), bs = intArg(info, A::bBatchStride);
  bool acc = intArg(info, A::accumulate) != 0;
  if (batch < 0 || m < 0 || n < 0 || k < 0 || as < 0 || bs < 0) {
    throw Napi::RangeError::New(info.Env(), "smd-native matmul: negative size");
  }
  if (batch == 0 || m == 0 || n == 0) return info.Env().Undefined();
  F32 out = f32(info, A::out, size_t(batch * m * n));
  F32 a = f32(info, A::a, size_t((batch - 1) * as + m * k));
  F32 b = f32(info, A::b, size_t((batch - 1) * bs + k * n));
  if (k == 0) {
    if (!acc)
      for (int64_t i = 0; i < batch * m * n; i++) out.data[i] = 0.f;
    return info.Env().Undefined();
  }
  for (int64_t bt = 0; bt < batch; bt++) {
    dnnl_status_t st = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a.data + bt * as,
                                  ta ? m : k, b.data + bt * bs, tb ? k : n, acc ? 1.0f : 0.0f,
                                  out.data + bt * m * n, n);
    if (st != dnnl_success) {
      throw Napi::Error::New(info.Env(), "smd-native matmul: dnnl_sgemm failed (status " +
                                             std::to_string(int(st)) + ")");
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void registerLinear(Napi::Env env, Napi::Object exports) {
  define<contract::Matmul, Matmul>(env, exports);
}

}  // namespace smd

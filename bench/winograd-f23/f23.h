// Fused Winograd F(2×2,3×3), stride 1, pad 1, nChw16c activations (C, K in {16, 32, 64}, H and W
// even). U[p][c][k]: transformed weights, 16 positions × C × K.
#pragma once
#include <immintrin.h>
#include <omp.h>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>
#include <type_traits>

namespace wf {

/** U = G g Gᵀ for every (k, c); with `backwardData`, of the flipped, transposed kernel (dx = conv(dy, w')). */
inline void transformWeights(const float* w, int64_t K, int64_t C, bool backwardData, float* U) {
  const float G[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
  // Output channels of the convolution run: K (forward) or C (backward-data).
  int64_t KO = backwardData ? C : K, CI = backwardData ? K : C;
  for (int64_t k = 0; k < KO; k++)
    for (int64_t c = 0; c < CI; c++) {
      float g[9];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
          g[i * 3 + j] = backwardData ? w[((c * C + k) * 3 + (2 - i)) * 3 + (2 - j)]
                                      : w[((k * C + c) * 3 + i) * 3 + j];
      float t[4][3];
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
          t[i][j] = G[i][0] * g[0 * 3 + j] + G[i][1] * g[1 * 3 + j] + G[i][2] * g[2 * 3 + j];
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
          U[((i * 4 + j) * CI + c) * KO + k] = t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2];
    }
}

constexpr int T = 4;  // tiles that share each loaded row of U

template <int CB, int KB, bool ACC>
__attribute__((target("avx512f,fma"))) void images(const float* x, const float* U, float* y,
                                                  int64_t n0, int64_t n1, int64_t H, int64_t W) {
  constexpr int64_t C = CB * 16, K = KB * 16;
  // 32-bit tile arithmetic: 64-bit divisions per tile cost ~30% of the whole kernel.
  const int TW = int(W / 2), tiles = int((H / 2) * TW);
  const int64_t HW = H * W;
  // Transformed tiles live on the stack: through heap pointers the compiler would have to assume
  // they alias x, y and U, and could not keep the GEMM in registers (measured 1.5× slower).
  alignas(64) float V[T * 16 * C];
  alignas(64) float M[T * 16 * K];
  for (int64_t n = n0; n < n1; n++) {
    const float* xn = x + n * C * HW;
    float* yn = y + n * K * HW;
    for (int t0 = 0; t0 < tiles; t0 += T) {
      int nt = std::min(T, tiles - t0);
      for (int t = 0; t < nt; t++) {
        int ty = (t0 + t) / TW, tx = (t0 + t) % TW;
        for (int64_t cb = 0; cb < CB; cb++) {
          const float* xb = xn + cb * HW * 16;
          __m512 d[4][4];
          for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
              int64_t h = 2 * ty - 1 + i, w = 2 * tx - 1 + j;
              d[i][j] = (h >= 0 && h < H && w >= 0 && w < W) ? _mm512_loadu_ps(xb + (h * W + w) * 16)
                                                              : _mm512_setzero_ps();
            }
          __m512 r[4][4];
          for (int j = 0; j < 4; j++) {
            r[0][j] = _mm512_sub_ps(d[0][j], d[2][j]);
            r[1][j] = _mm512_add_ps(d[1][j], d[2][j]);
            r[2][j] = _mm512_sub_ps(d[2][j], d[1][j]);
            r[3][j] = _mm512_sub_ps(d[1][j], d[3][j]);
          }
          float* Vt = V + t * 16 * C + cb * 16;
          for (int i = 0; i < 4; i++) {
            _mm512_store_ps(Vt + (i * 4 + 0) * C, _mm512_sub_ps(r[i][0], r[i][2]));
            _mm512_store_ps(Vt + (i * 4 + 1) * C, _mm512_add_ps(r[i][1], r[i][2]));
            _mm512_store_ps(Vt + (i * 4 + 2) * C, _mm512_sub_ps(r[i][2], r[i][1]));
            _mm512_store_ps(Vt + (i * 4 + 3) * C, _mm512_sub_ps(r[i][1], r[i][3]));
          }
        }
      }
      for (int p = 0; p < 16; p++) {
        const float* Up = U + p * C * K;
        for (int64_t kb = 0; kb < KB; kb++) {
          __m512 acc[T];
          for (int t = 0; t < T; t++) acc[t] = _mm512_setzero_ps();
          for (int64_t c = 0; c < C; c++) {
            __m512 u = _mm512_load_ps(Up + c * K + kb * 16);
            for (int t = 0; t < T; t++)
              acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(V[(t * 16 + p) * C + c]), u, acc[t]);
          }
          for (int t = 0; t < T; t++) _mm512_store_ps(M + (t * 16 + p) * K + kb * 16, acc[t]);
        }
      }
      for (int t = 0; t < nt; t++) {
        int ty = (t0 + t) / TW, tx = (t0 + t) % TW;
        for (int64_t kb = 0; kb < KB; kb++) {
          const float* Mt = M + t * 16 * K + kb * 16;
          __m512 r0[4], r1[4];
          for (int j = 0; j < 4; j++) {
            __m512 m0 = _mm512_load_ps(Mt + j * K), m1 = _mm512_load_ps(Mt + (4 + j) * K),
                   m2 = _mm512_load_ps(Mt + (8 + j) * K), m3 = _mm512_load_ps(Mt + (12 + j) * K);
            r0[j] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
            r1[j] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
          }
          __m512 o[4] = {_mm512_add_ps(_mm512_add_ps(r0[0], r0[1]), r0[2]),
                         _mm512_sub_ps(_mm512_sub_ps(r0[1], r0[2]), r0[3]),
                         _mm512_add_ps(_mm512_add_ps(r1[0], r1[1]), r1[2]),
                         _mm512_sub_ps(_mm512_sub_ps(r1[1], r1[2]), r1[3])};
          float* ob = yn + kb * HW * 16 + ((2 * ty) * W + 2 * tx) * 16;
          float* dst[4] = {ob, ob + 16, ob + W * 16, ob + W * 16 + 16};
          for (int q = 0; q < 4; q++) {
            if constexpr (ACC) o[q] = _mm512_add_ps(o[q], _mm512_loadu_ps(dst[q]));
            _mm512_storeu_ps(dst[q], o[q]);
          }
        }
      }
    }
  }
}

/** y (+)= conv3x3(x, w) through U, over images split between the OpenMP threads. */
inline void run(const float* x, const float* U, float* y, int64_t N, int64_t C, int64_t K,
                int64_t H, int64_t W, bool accumulate) {
#pragma omp parallel
  {
    int t = omp_get_thread_num(), tn = omp_get_num_threads();
    int64_t a = N * t / tn, b = N * (t + 1) / tn;
    auto go = [&](auto cb, auto kb) {
      if (accumulate) images<decltype(cb)::value, decltype(kb)::value, true>(x, U, y, a, b, H, W);
      else images<decltype(cb)::value, decltype(kb)::value, false>(x, U, y, a, b, H, W);
    };
    using I1 = std::integral_constant<int, 1>;
    using I2 = std::integral_constant<int, 2>;
    using I4 = std::integral_constant<int, 4>;
    if (C == 16 && K == 16) go(I1{}, I1{});
    else if (C == 16 && K == 32) go(I1{}, I2{});
    else if (C == 32 && K == 16) go(I2{}, I1{});
    else if (C == 32 && K == 32) go(I2{}, I2{});
    else if (C == 64 && K == 64) go(I4{}, I4{});
  }
}

}  // namespace wf

// Our fused Winograd F(4×4,3×3) convolution (stride 1, pad 1) on nChw16c activations, for the
// channel counts where it beats oneDNN 2.6 (C → C, C ∈ {16, 32, 64}; bench/winograd-f23/README.md):
// per group of 4 tiles, the 6×6 input tiles are transformed in registers, multiplied by the
// pre-transformed weights U[p][c][k] (36 positions; each U row loaded once for the 4 tiles) and
// transformed back to 4×4 outputs; nothing larger than a few KB on the stack is materialized.
// Each thread takes whole images and prefetches the next one while it computes this one.
// Backward-data is the same kernel on the flipped, transposed weights. AVX-512 only (callers
// check avx512Available()).
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "winograd43.h"

namespace smd {
namespace wino43 {


/**
 * U[p][c][k] = (G g Gᵀ)[p], 36 positions; backwardData: of the flipped, transposed kernel. One
 * input channel c per iteration with k innermost, so the float64 arithmetic vectorizes and every
 * U row is written contiguously (the naive per-(k, c) order took 0.28 ms at 64 → 64, half the
 * cost of a 64-channel 7×7 convolution; now ~0.02 ms).
 */
void transformWeights(const float* w, int64_t K, int64_t C, bool backwardData, float* U) {
  const double G[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                          {-1.0 / 6, 1.0 / 6, -1.0 / 6}, {1.0 / 24, 1.0 / 12, 1.0 / 6},
                          {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};
  const int64_t KO = backwardData ? C : K, CI = backwardData ? K : C;
#pragma omp parallel
  {
    std::vector<double> g(9 * KO), t(18 * KO);  // g[ij][k], t[i][j][k]: (G g)[i][j] per k
#pragma omp for schedule(static)
    for (int64_t c = 0; c < CI; c++) {
      for (int64_t k = 0; k < KO; k++)
        for (int ij = 0; ij < 9; ij++)
          g[ij * KO + k] = backwardData ? w[(c * C + k) * 9 + (8 - ij)] : w[(k * C + c) * 9 + ij];
      for (int i = 0; i < 6; i++)
        for (int j = 0; j < 3; j++) {
          double* tr = t.data() + (i * 3 + j) * KO;
          for (int64_t k = 0; k < KO; k++)
            tr[k] = G[i][0] * g[(0 + j) * KO + k] + G[i][1] * g[(3 + j) * KO + k] +
                    G[i][2] * g[(6 + j) * KO + k];
        }
      for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
          const double* t0 = t.data() + (i * 3) * KO;
          float* u = U + ((i * 6 + j) * CI + c) * KO;
          for (int64_t k = 0; k < KO; k++)
            u[k] = float(t0[k] * G[j][0] + t0[KO + k] * G[j][1] + t0[2 * KO + k] * G[j][2]);
        }
    }
  }
}

/**
 * Prefetches part `part` of `parts` of the `lines` 64-byte lines from p: a thread spreads the
 * next image's lines over the current image's tile groups (in a network those buffers are not in
 * cache, and the tile access pattern — 6 rows of 384 bytes, a row apart — defeats the hardware
 * prefetchers; without this the kernel was 1.8× slower per image at batch 128 than at 32).
 */
template <int HINT>
inline void prefetchPart(const float* p, int64_t lines, int64_t part, int64_t parts) {
  for (int64_t l = lines * part / parts; l < lines * (part + 1) / parts; l++)
    _mm_prefetch(reinterpret_cast<const char*>(p + l * 16), static_cast<_mm_hint>(HINT));
}

constexpr int T = 4;

__attribute__((target("avx512f,fma"))) inline void inT(const __m512* d, __m512* r) {
  const __m512 c2 = _mm512_set1_ps(2), c4 = _mm512_set1_ps(4), c5 = _mm512_set1_ps(5);
  r[0] = _mm512_add_ps(_mm512_fnmadd_ps(c5, d[2], _mm512_mul_ps(c4, d[0])), d[4]);
  __m512 a = _mm512_fnmadd_ps(c4, d[2], d[4]);  // d4 - 4 d2
  __m512 b = _mm512_fnmadd_ps(c4, d[1], d[3]);  // d3 - 4 d1
  r[1] = _mm512_add_ps(a, b);
  r[2] = _mm512_sub_ps(a, b);
  __m512 e = _mm512_sub_ps(d[4], d[2]);
  __m512 f = _mm512_mul_ps(c2, _mm512_sub_ps(d[3], d[1]));
  r[3] = _mm512_add_ps(e, f);
  r[4] = _mm512_sub_ps(e, f);
  r[5] = _mm512_add_ps(_mm512_fnmadd_ps(c5, d[3], _mm512_mul_ps(c4, d[1])), d[5]);
}

__attribute__((target("avx512f,fma"))) inline void outT(const __m512* m, __m512* o) {
  const __m512 c2 = _mm512_set1_ps(2), c4 = _mm512_set1_ps(4), c8 = _mm512_set1_ps(8);
  __m512 s12 = _mm512_add_ps(m[1], m[2]), d12 = _mm512_sub_ps(m[1], m[2]);
  __m512 s34 = _mm512_add_ps(m[3], m[4]), d34 = _mm512_sub_ps(m[3], m[4]);
  o[0] = _mm512_add_ps(_mm512_add_ps(m[0], s12), s34);
  o[1] = _mm512_fmadd_ps(c2, d34, d12);
  o[2] = _mm512_fmadd_ps(c4, s34, s12);
  o[3] = _mm512_add_ps(_mm512_fmadd_ps(c8, d34, d12), m[5]);
}

/**
 * Vt[p][c] = (Bᵀ d B)[p] for the 6×6 input tile at output tile (ty, tx) of one image xn
 * ([C/16][H][W][16], zero outside), in two register passes through `tmp` (36 × 16 floats).
 */
template <int CB>
__attribute__((target("avx512f,fma"))) inline void inputTile(const float* xn, int ty, int tx, int H,
                                                            int W, float* Vt, float* tmp) {
  constexpr int C = CB * 16;
  const int64_t HW = int64_t(H) * W;
  for (int cb = 0; cb < CB; cb++) {
    const float* xb = xn + cb * HW * 16;
    for (int j = 0; j < 6; j++) {  // Bᵀ on each column
      __m512 d[6], r[6];
      int w = 4 * tx - 1 + j;
      for (int i = 0; i < 6; i++) {
        int h = 4 * ty - 1 + i;
        d[i] = (h >= 0 && h < H && w >= 0 && w < W) ? _mm512_loadu_ps(xb + (h * W + w) * 16)
                                                    : _mm512_setzero_ps();
      }
      inT(d, r);
      for (int i = 0; i < 6; i++) _mm512_store_ps(tmp + (i * 6 + j) * 16, r[i]);
    }
    for (int i = 0; i < 6; i++) {  // B on each row
      __m512 d[6], r[6];
      for (int j = 0; j < 6; j++) d[j] = _mm512_load_ps(tmp + (i * 6 + j) * 16);
      inT(d, r);
      for (int j = 0; j < 6; j++) _mm512_store_ps(Vt + cb * 16 + (i * 6 + j) * C, r[j]);
    }
  }
}

template <int CB, int KB, bool ACC>
__attribute__((target("avx512f,fma"))) void images(const float* x, const float* U, float* y,
                                                  int64_t n0, int64_t n1, int H, int W) {
  constexpr int C = CB * 16, K = KB * 16;
  const int TH = (H + 3) / 4, TW = (W + 3) / 4, tiles = TH * TW;
  const int64_t HW = int64_t(H) * W;
  alignas(64) float V[T * 36 * C];
  alignas(64) float M[T * 36 * K];
  alignas(64) float tmp[36 * 16];
  for (int64_t n = n0; n < n1; n++) {
    const float* xn = x + n * C * HW;
    float* yn = y + n * K * HW;
    const int64_t groups = (tiles + T - 1) / T;
    for (int t0 = 0; t0 < tiles; t0 += T) {
      int nt = std::min(T, tiles - t0);
      if (n + 1 < n1) {  // the next image's input (to read) and output (to write)
        prefetchPart<_MM_HINT_T0>(xn + C * HW, C * HW / 16, t0 / T, groups);
        prefetchPart<_MM_HINT_ET0>(yn + K * HW, K * HW / 16, t0 / T, groups);
      }
      for (int t = 0; t < nt; t++) {
        int ty = (t0 + t) / TW, tx = (t0 + t) % TW;
        inputTile<CB>(xn, ty, tx, H, W, V + t * 36 * C, tmp);
      }
      for (int p = 0; p < 36; p++) {
        const float* Up = U + p * C * K;
        for (int kb = 0; kb < KB; kb++) {
          __m512 acc[T];
          for (int t = 0; t < T; t++) acc[t] = _mm512_setzero_ps();
          for (int c = 0; c < C; c++) {
            __m512 u = _mm512_load_ps(Up + c * K + kb * 16);
            for (int t = 0; t < T; t++)
              acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(V[(t * 36 + p) * C + c]), u, acc[t]);
          }
          for (int t = 0; t < T; t++) _mm512_store_ps(M + (t * 36 + p) * K + kb * 16, acc[t]);
        }
      }
      for (int t = 0; t < nt; t++) {
        int ty = (t0 + t) / TW, tx = (t0 + t) % TW;
        for (int kb = 0; kb < KB; kb++) {
          const float* Mt = M + t * 36 * K + kb * 16;
          for (int j = 0; j < 6; j++) {  // Aᵀ on each column
            __m512 m[6], o[4];
            for (int i = 0; i < 6; i++) m[i] = _mm512_load_ps(Mt + (i * 6 + j) * K);
            outT(m, o);
            for (int i = 0; i < 4; i++) _mm512_store_ps(tmp + (i * 6 + j) * 16, o[i]);
          }
          float* yb = yn + kb * HW * 16;
          for (int i = 0; i < 4; i++) {  // A on each row
            int h = 4 * ty + i;
            if (h >= H) break;
            __m512 m[6], o[4];
            for (int j = 0; j < 6; j++) m[j] = _mm512_load_ps(tmp + (i * 6 + j) * 16);
            outT(m, o);
            for (int j = 0; j < 4; j++) {
              int w = 4 * tx + j;
              if (w >= W) break;
              float* dst = yb + (h * W + w) * 16;
              if constexpr (ACC) o[j] = _mm512_add_ps(o[j], _mm512_loadu_ps(dst));
              _mm512_storeu_ps(dst, o[j]);
            }
          }
        }
      }
    }
  }
}

void run(const float* x, const float* U, float* y, int64_t N, int64_t C, int64_t K,
                int64_t H, int64_t W, bool accumulate) {
#pragma omp parallel
  {
    int t = omp_get_thread_num(), tn = omp_get_num_threads();
    int64_t a = N * t / tn, b = N * (t + 1) / tn;
    auto go = [&](auto cb, auto kb) {
      if (accumulate) images<decltype(cb)::value, decltype(kb)::value, true>(x, U, y, a, b, int(H), int(W));
      else images<decltype(cb)::value, decltype(kb)::value, false>(x, U, y, a, b, int(H), int(W));
    };
    using I1 = std::integral_constant<int, 1>;
    using I2 = std::integral_constant<int, 2>;
    using I4 = std::integral_constant<int, 4>;
    if (C == 16 && K == 16) go(I1{}, I1{});
    else if (C == 32 && K == 32) go(I2{}, I2{});
    else if (C == 64 && K == 64) go(I4{}, I4{});
  }
}



/** The 6-vector A·g of a 4-vector g (A = the transpose of the output transform Aᵀ). */
__attribute__((target("avx512f,fma"))) inline void gradT(const __m512* g, __m512* r) {
  const __m512 c2 = _mm512_set1_ps(2), c4 = _mm512_set1_ps(4), c8 = _mm512_set1_ps(8);
  __m512 s02 = _mm512_add_ps(g[0], g[2]), s13 = _mm512_add_ps(g[1], g[3]);
  __m512 e = _mm512_fmadd_ps(c4, g[2], g[0]), f = _mm512_fmadd_ps(c8, g[3], _mm512_mul_ps(c2, g[1]));
  r[0] = g[0];
  r[1] = _mm512_add_ps(s02, s13);
  r[2] = _mm512_sub_ps(s02, s13);
  r[3] = _mm512_add_ps(e, f);
  r[4] = _mm512_sub_ps(e, f);
  r[5] = g[3];
}

constexpr int TW8 = 8;  // tiles per chunk of the weight-gradient kernel

/**
 * dU[p][c][k] += Σ over the tiles of images [n0, n1) of V[p][c]·G[p][k], V = Bᵀ x B (6×6 input
 * tile) and G = A dY Aᵀ (4×4 output-gradient tile): the Winograd-domain weight gradient.
 */
template <int CB, int KB>
__attribute__((target("avx512f,fma"))) void weightImages(const float* x, const float* dy,
                                                        float* dU, int64_t n0, int64_t n1, int H,
                                                        int W) {
  constexpr int C = CB * 16, K = KB * 16;
  const int TW = (W + 3) / 4, tiles = ((H + 3) / 4) * TW;
  const int64_t HW = int64_t(H) * W;
  alignas(64) float V[TW8 * 36 * C];
  alignas(64) float G[TW8 * 36 * K];
  alignas(64) float tmp[36 * 16];
  for (int64_t n = n0; n < n1; n++) {
    const float* xn = x + n * C * HW;
    const float* gn = dy + n * K * HW;
    const int64_t groups = (tiles + TW8 - 1) / TW8;
    for (int t0 = 0; t0 < tiles; t0 += TW8) {
      int nt = std::min(TW8, tiles - t0);
      if (n + 1 < n1) {  // the next image's input and output gradient
        prefetchPart<_MM_HINT_T0>(xn + C * HW, C * HW / 16, t0 / TW8, groups);
        prefetchPart<_MM_HINT_T0>(gn + K * HW, K * HW / 16, t0 / TW8, groups);
      }
      for (int t = 0; t < nt; t++) {
        int ty = (t0 + t) / TW, tx = (t0 + t) % TW;
        inputTile<CB>(xn, ty, tx, H, W, V + t * 36 * C, tmp);  // V = Bᵀ x B
        for (int kb = 0; kb < KB; kb++) {  // G = A dY Aᵀ
          const float* gb = gn + kb * HW * 16;
          for (int j = 0; j < 4; j++) {
            __m512 g[4], r[6];
            int w = 4 * tx + j;
            for (int i = 0; i < 4; i++) {
              int h = 4 * ty + i;
              g[i] = (h < H && w < W) ? _mm512_loadu_ps(gb + (h * W + w) * 16) : _mm512_setzero_ps();
            }
            gradT(g, r);
            for (int i = 0; i < 6; i++) _mm512_store_ps(tmp + (i * 6 + j) * 16, r[i]);
          }
          float* Gt = G + t * 36 * K + kb * 16;
          for (int i = 0; i < 6; i++) {
            __m512 g[4], r[6];
            for (int j = 0; j < 4; j++) g[j] = _mm512_load_ps(tmp + (i * 6 + j) * 16);
            gradT(g, r);
            for (int j = 0; j < 6; j++) _mm512_store_ps(Gt + (i * 6 + j) * K, r[j]);
          }
        }
      }
      for (int t = nt; t < TW8; t++) {  // a short last chunk contributes zeros
        std::memset(V + t * 36 * C, 0, sizeof(float) * 36 * C);
        std::memset(G + t * 36 * K, 0, sizeof(float) * 36 * K);
      }
      for (int p = 0; p < 36; p++) {
        for (int kb = 0; kb < KB; kb++) {
          __m512 g[TW8];
          for (int t = 0; t < TW8; t++) g[t] = _mm512_load_ps(G + (t * 36 + p) * K + kb * 16);
          float* Up = dU + (p * C) * K + kb * 16;
          for (int c = 0; c < C; c++) {
            __m512 acc = _mm512_load_ps(Up + c * K);
            for (int t = 0; t < TW8; t++)
              acc = _mm512_fmadd_ps(_mm512_set1_ps(V[(t * 36 + p) * C + c]), g[t], acc);
            _mm512_store_ps(Up + c * K, acc);
          }
        }
      }
    }
  }
}

void weights(const float* x, const float* dy, float* dw, int64_t N, int64_t C, int64_t K,
             int64_t H, int64_t W, bool accumulate) {
  const int64_t uLen = 36 * C * K;
  int nt = omp_get_max_threads();
  // One 64-byte aligned, zeroed dU per thread, summed afterwards (each thread takes whole images).
  std::vector<float> buf(size_t(nt) * size_t(uLen) + 16, 0.f);
  float* base =
      reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(buf.data()) + 63) & ~uintptr_t(63));
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num(), tn = omp_get_num_threads();
    int64_t a = N * t / tn, b = N * (t + 1) / tn;
    float* dU = base + size_t(t) * size_t(uLen);
    if (C == 16 && K == 16) weightImages<1, 1>(x, dy, dU, a, b, int(H), int(W));
    else if (C == 32 && K == 32) weightImages<2, 2>(x, dy, dU, a, b, int(H), int(W));
    else if (C == 64 && K == 64) weightImages<4, 4>(x, dy, dU, a, b, int(H), int(W));
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < uLen; i++)
    for (int t = 1; t < nt; t++) base[i] += base[size_t(t) * size_t(uLen) + size_t(i)];
  // dw[k][c] = Gᵀ dU[·][c][k] G (6×6 → 3×3), separably and in float64.
  const double Gm[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                           {-1.0 / 6, 1.0 / 6, -1.0 / 6}, {1.0 / 24, 1.0 / 12, 1.0 / 6},
                           {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < K; k++)
    for (int64_t c = 0; c < C; c++) {
      double t[6][3];
      for (int a = 0; a < 6; a++)
        for (int j = 0; j < 3; j++) {
          double v = 0;
          for (int b = 0; b < 6; b++) v += double(base[((a * 6 + b) * C + c) * K + k]) * Gm[b][j];
          t[a][j] = v;
        }
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
          double v = 0;
          for (int a = 0; a < 6; a++) v += Gm[a][i] * t[a][j];
          float* o = dw + ((k * C + c) * 3 + i) * 3 + j;
          *o = accumulate ? *o + float(v) : float(v);
        }
    }
}

bool avx512Available() { return __builtin_cpu_supports("avx512f"); }

}  // namespace wino43
}  // namespace smd

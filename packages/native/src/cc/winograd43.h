// Our fused Winograd F(4×4,3×3) convolution kernel (see winograd43.cc).
#pragma once
#include <cstdint>

namespace smd {
namespace wino43 {

/** Floats in U for C input and K output channels (36 positions). */
inline int64_t uLen(int64_t C, int64_t K) { return 36 * C * K; }

/**
 * U[p][c][k] = (G g Gᵀ)[p] from OIHW weights w [K][C][3][3]; with backwardData, of the flipped,
 * transposed kernel (then U is [p][k][c]: dx = conv(dy, w')).
 */
void transformWeights(const float* w, int64_t K, int64_t C, bool backwardData, float* U);

/**
 * y (+)= conv3x3(x, ·) through U (64-byte aligned), stride 1, pad 1: x [N][C/16][H][W][16],
 * y [N][K/16][H][W][16]; C = K ∈ {16, 32, 64}.
 */
void run(const float* x, const float* U, float* y, int64_t N, int64_t C, int64_t K, int64_t H,
         int64_t W, bool accumulate);

/**
 * dw (+)= the 3×3 weight gradient of that convolution, OIHW [K][C][3][3], from x [N][C/16][H][W][16]
 * and dy [N][K/16][H][W][16] (Winograd-domain accumulation per thread, then Gᵀ·G in float64).
 */
void weights(const float* x, const float* dy, float* dw, int64_t N, int64_t C, int64_t K,
             int64_t H, int64_t W, bool accumulate);

/** True when the CPU runs AVX-512F. */
bool avx512Available();

}  // namespace wino43
}  // namespace smd

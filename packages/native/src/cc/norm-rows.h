// Row kernels shared by batch norm (batchnorm.cc) and group norm (groupnorm.cc), and the ReLU
// mask handling and compile-time dispatch both drivers share. Both see their
// activations as runs of rows of `cb` floats (NHWC: rows of C channels; nChw16c: rows of 16)
// in which every row holds the same channels; the drivers split the rows into runs (per thread
// for batch norm, per image and channel block for group norm) and hand each run with its
// per-channel slices (already offset to the run's first channel). K = 16 fixes the row width at
// compile time (blocked rows, explicit 8-lane vectors); K = 0 takes `cb` at run time.
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace smd {
namespace rows {

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
 * For rows of fixed width K, a local copy of a per-channel slice: the compiler keeps it in
 * registers, while through a heap pointer it must assume the slice aliases the rows being written
 * and reloads it every row. For K = 0 (width known at run time) `of` returns the slice itself.
 */
template <int K>
struct Lanes {
  alignas(64) float v[K ? K : 1];
  const float* of(const float* p) {
    if constexpr (K == 0) return p;
    std::memcpy(v, p, sizeof(float) * size_t(K));
    return v;
  }
};

/** 8 floats in one AVX register (GCC/Clang vector extension; compiled for the build's ISA). */
using v8f = float __attribute__((vector_size(32)));
using v8i = int32_t __attribute__((vector_size(32)));
inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/** Lanes of 16 ReLU-mask bits (one row) as two all-ones/zero 8-lane masks. */
inline void bitsToLanes(uint16_t bits, v8i& k0, v8i& k1) {
  const v8i lane = {1, 2, 4, 8, 16, 32, 64, 128};
  k0 = ((v8i){} + int32_t(bits & 0xff)) & lane;
  k1 = ((v8i){} + int32_t(bits >> 8)) & lane;
  k0 = k0 != 0;
  k1 = k1 != 0;
}

/** Mask modes of the sums: none, a float mask (> 0 keeps), or one 16-bit word per row. */
enum MaskMode { NoMask, FloatMask, BitMask };

/**
 * Sums over rows [r0, r1) (at most 16) of 16-channel rows, with the partial sums held in four
 * registers, folded into p1/p2 (float64) at the end: a' = a - as (zeroed where mask <= 0, NaN
 * included), p1 += Σ a', p2 += Σ a'·(b - bs).
 */
template <MaskMode MODE>
inline void sums16(const float* a, const float* b, const float* mask, const uint16_t* bits,
                   const float* as, const float* bs, int64_t r0, int64_t r1, double* p1,
                   double* p2) {
  const v8f s0 = load8(as), s1 = load8(as + 8), t0 = load8(bs), t1 = load8(bs + 8);
  v8f f10 = {}, f11 = {}, f20 = {}, f21 = {};
  for (int64_t r = r0; r < r1; r++) {
    const float* ar = a + r * 16;
    const float* br = b + r * 16;
    v8f a0 = load8(ar) - s0, a1 = load8(ar + 8) - s1;
    if constexpr (MODE == FloatMask) {
      const float* mr = mask + r * 16;
      v8i k0 = load8(mr) > 0.f, k1 = load8(mr + 8) > 0.f;
      a0 = (v8f)((v8i)a0 & k0);
      a1 = (v8f)((v8i)a1 & k1);
    } else if constexpr (MODE == BitMask) {
      v8i k0, k1;
      bitsToLanes(bits[r], k0, k1);
      a0 = (v8f)((v8i)a0 & k0);
      a1 = (v8f)((v8i)a1 & k1);
    }
    f10 += a0;
    f11 += a1;
    f20 += a0 * (load8(br) - t0);
    f21 += a1 * (load8(br + 8) - t1);
  }
  for (int k = 0; k < 8; k++) {
    p1[k] += f10[k];
    p1[k + 8] += f11[k];
    p2[k] += f20[k];
    p2[k + 8] += f21[k];
  }
}

/**
 * Per-channel sums over the run of rows [r0, r0 + n) of width cb (K when fixed), into float64
 * p1/p2 (cb entries): p1 += Σ a', p2 += Σ a'·(b - bs) with a' = a - as, zeroed where the float
 * `mask` <= 0 or the row's `bits` are clear (bits: 16-channel rows only). Float partials over
 * 16-row blocks keep the inner loop in single precision, then fold into float64 so long
 * reductions do not lose digits. f1/f2: cb floats of scratch (K = 0 only).
 */
template <int K>
inline void sumsRun(const float* a, const float* b, const float* mask, const uint16_t* bits,
                    const float* as, const float* bs, int64_t r0, int64_t n, int64_t cb,
                    double* p1, double* p2, float* f1, float* f2) {
  for (int64_t rb = r0; rb < r0 + n; rb += 16) {
    int64_t re = std::min(rb + 16, r0 + n);
    if constexpr (K == 16) {
      if (bits) sums16<BitMask>(a, b, mask, bits, as, bs, rb, re, p1, p2);
      else if (mask) sums16<FloatMask>(a, b, mask, bits, as, bs, rb, re, p1, p2);
      else sums16<NoMask>(a, b, mask, bits, as, bs, rb, re, p1, p2);
      continue;
    }
    for (int64_t k = 0; k < cb; k++) f1[k] = f2[k] = 0.f;
    for (int64_t r = rb; r < re; r++) {
      const float* ar = a + r * cb;
      const float* br = b + r * cb;
      if (mask) {
        const float* mr = mask + r * cb;
#pragma omp simd
        for (int64_t k = 0; k < cb; k++) {
          float av = keepIfPositive(ar[k] - as[k], mr[k]);
          f1[k] += av;
          f2[k] += av * (br[k] - bs[k]);
        }
      } else {
#pragma omp simd
        for (int64_t k = 0; k < cb; k++) {
          float av = ar[k] - as[k];
          f1[k] += av;
          f2[k] += av * (br[k] - bs[k]);
        }
      }
    }
    for (int64_t k = 0; k < cb; k++) {
      p1[k] += f1[k];
      p2[k] += f2[k];
    }
  }
}

/**
 * y = act(((x - hi) - lo)·scale + shift (+ res)) over the run [r0, r0 + n) of rows of width cb
 * (K when fixed). The mean split into hi + lo floats keeps offset data (|mean| >> std) exact.
 * With relu and K = 16, `bits` (if given) receives the ReLU mask, one 16-bit word per row.
 */
template <int K>
inline void affineRun(float* y, const float* x, const float* res, const float* hi,
                      const float* lo, const float* scale, const float* shift, int64_t r0,
                      int64_t n, int64_t cb, bool relu, uint16_t* bits) {
  if constexpr (K) cb = K;
  Lanes<K> lh, ll, lsc, lsh;
  hi = lh.of(hi);
  lo = ll.of(lo);
  scale = lsc.of(scale);
  shift = lsh.of(shift);
  if constexpr (K == 16) {
    if (relu) {  // the hot case, explicitly in registers; the ReLU mask falls out of it
      const v8f h0 = load8(hi), h1 = load8(hi + 8), l0 = load8(lo), l1 = load8(lo + 8);
      const v8f s0 = load8(scale), s1 = load8(scale + 8), t0 = load8(shift),
                t1 = load8(shift + 8), zero = {};
      for (int64_t r = r0; r < r0 + n; r++) {
        const float* xr = x + r * 16;
        v8f y0 = ((load8(xr) - h0) - l0) * s0 + t0, y1 = ((load8(xr + 8) - h1) - l1) * s1 + t1;
        if (res) {
          y0 += load8(res + r * 16);
          y1 += load8(res + r * 16 + 8);
        }
        v8i k0 = y0 > zero, k1 = y1 > zero;  // NaN and -0 become +0, as in the TS kernel
        y0 = (v8f)((v8i)y0 & k0);
        y1 = (v8f)((v8i)y1 & k1);
        std::memcpy(y + r * 16, &y0, 32);
        std::memcpy(y + r * 16 + 8, &y1, 32);
        if (bits)
          bits[r] =
              uint16_t(_mm256_movemask_ps((__m256)k0) | (_mm256_movemask_ps((__m256)k1) << 8));
      }
      return;
    }
  }
  for (int64_t r = r0; r < r0 + n; r++) {
    const float* xr = x + r * cb;
    float* yr = y + r * cb;
    const float* rr = res ? res + r * cb : nullptr;
    if (rr && relu) {
#pragma omp simd
      for (int64_t k = 0; k < cb; k++)
        yr[k] = std::max(((xr[k] - hi[k]) - lo[k]) * scale[k] + shift[k] + rr[k], 0.f);
    } else if (rr) {
#pragma omp simd
      for (int64_t k = 0; k < cb; k++)
        yr[k] = ((xr[k] - hi[k]) - lo[k]) * scale[k] + shift[k] + rr[k];
    } else if (relu) {
#pragma omp simd
      for (int64_t k = 0; k < cb; k++)
        yr[k] = std::max(((xr[k] - hi[k]) - lo[k]) * scale[k] + shift[k], 0.f);
    } else {
#pragma omp simd
      for (int64_t k = 0; k < cb; k++) yr[k] = ((xr[k] - hi[k]) - lo[k]) * scale[k] + shift[k];
    }
  }
}

/**
 * dx += a·g + b·((x - hi) - lo) + d over the run [r0, r0 + n) of rows of width cb (K when
 * fixed), g = dy masked by the ReLU (float `mask` > 0, or the row's `bits`, K = 16 only), and
 * dresidual += g (when `drp`). OX / OR: write dx / dresidual instead of adding (their old
 * contents are never read).
 */
template <int K, bool OX, bool OR>
inline void backwardRun(float* dxp, float* drp, const float* dyp, const float* xp,
                        const float* mask, const uint16_t* bits, const float* hi, const float* lo,
                        const float* ab, const float* bb, const float* db, int64_t r0, int64_t n,
                        int64_t cb) {
  if constexpr (K) cb = K;
  Lanes<K> lh, ll, la, lb, ld;
  hi = lh.of(hi);
  lo = ll.of(lo);
  ab = la.of(ab);
  bb = lb.of(bb);
  db = ld.of(db);
  for (int64_t r = r0; r < r0 + n; r++) {
    size_t off = size_t(r * cb);
    const float* dyr = dyp + off;
    alignas(32) float gm[16];
    if constexpr (K == 16) {
      if (bits) {  // dy masked by the row's ReLU bits, then the unmasked path below
        v8i k0, k1;
        bitsToLanes(bits[r], k0, k1);
        v8f g0 = (v8f)((v8i)load8(dyr) & k0), g1 = (v8f)((v8i)load8(dyr + 8) & k1);
        std::memcpy(gm, &g0, 32);
        std::memcpy(gm + 8, &g1, 32);
        dyr = gm;
      }
    }
    if (mask) {
      const float* mr = mask + off;
      if (drp) {
#pragma omp simd
        for (int64_t k = 0; k < cb; k++) {
          float g = keepIfPositive(dyp[off + k], mr[k]);
          drp[off + k] = (OR ? 0.f : drp[off + k]) + g;
          dxp[off + k] = (OX ? 0.f : dxp[off + k]) + ab[k] * g +
                         bb[k] * ((xp[off + k] - hi[k]) - lo[k]) + db[k];
        }
      } else {
#pragma omp simd
        for (int64_t k = 0; k < cb; k++) {
          float g = keepIfPositive(dyp[off + k], mr[k]);
          dxp[off + k] = (OX ? 0.f : dxp[off + k]) + ab[k] * g +
                         bb[k] * ((xp[off + k] - hi[k]) - lo[k]) + db[k];
        }
      }
    } else {
      if (drp) {
#pragma omp simd
        for (int64_t k = 0; k < cb; k++) drp[off + k] = (OR ? 0.f : drp[off + k]) + dyr[k];
      }
#pragma omp simd
      for (int64_t k = 0; k < cb; k++)
        dxp[off + k] = (OX ? 0.f : dxp[off + k]) + ab[k] * dyr[k] +
                       bb[k] * ((xp[off + k] - hi[k]) - lo[k]) + db[k];
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

/** The ReLU bit mask of y (bit i of word i/32 set iff y[i] > 0), serially: any row width. */
inline void maskBitsSerial(uint32_t* out, const float* y, size_t n) {
  std::fill(out, out + (n + 31) / 32, 0u);
  for (size_t i = 0; i < n; i++)
    if (y[i] > 0.f) out[i >> 5] |= 1u << (i & 31);
}

/**
 * Zeroes the bits past element n - 1 of a mask written one 16-bit word per row (its last 32-bit
 * word is half used when n % 32 == 16), so the words are exactly the ones a serial writer gives.
 */
inline void clearMaskTail(uint32_t* mask, size_t n) {
  if (n % 32 != 0) mask[n / 32] &= (1u << (n % 32)) - 1u;
}

/** A float 0/1 mask (one per element) from a ReLU bit mask, for rows other than 16 wide. */
inline void expandMaskBits(float* out, const uint32_t* bits, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = float((bits[i >> 5] >> (i & 31)) & 1u);
}

/**
 * The ReLU bit mask a fused forward writes (bit i of word i/32 iff y[i] > 0): one 16-bit word
 * per row as the rows are written when they are 16 wide, else serially from y afterwards.
 */
class ForwardMask {
 public:
  ForwardMask(uint32_t* out, bool relu, bool rows16) : out_(relu ? out : nullptr), rows16_(rows16) {}
  /** Per-row words for the row kernels (16-wide rows), else null. */
  uint16_t* rowBits() const { return out_ && rows16_ ? reinterpret_cast<uint16_t*>(out_) : nullptr; }
  /** Completes the mask once y[0, n) is written. */
  void finish(const float* y, size_t n) const {
    if (!out_) return;
    if (rows16_) clearMaskTail(out_, n);
    else maskBitsSerial(out_, y, n);
  }

 private:
  uint32_t* out_;
  bool rows16_;
};

/**
 * How a fused backward masks the incoming gradient by the ReLU: the forward's bit mask (16-bit
 * words per 16-wide row, or expanded to floats for other widths), else y (> 0 keeps), else none.
 */
class BackwardMask {
 public:
  BackwardMask(const float* y, const uint32_t* bits, bool rows16, size_t n) : mask_(y) {
    if (bits && rows16) {
      bits_ = reinterpret_cast<const uint16_t*>(bits);
      mask_ = nullptr;
    } else if (bits) {
      expanded_.resize(n);
      expandMaskBits(expanded_.data(), bits, n);
      mask_ = expanded_.data();
    }
  }
  BackwardMask(const BackwardMask&) = delete;
  BackwardMask& operator=(const BackwardMask&) = delete;
  const float* mask() const { return mask_; }
  const uint16_t* bits() const { return bits_; }

 private:
  const float* mask_;
  const uint16_t* bits_ = nullptr;
  std::vector<float> expanded_;
};

/**
 * Calls f(K, OX, OR) with the row width (16, or 0 for a run-time width) and the two overwrite
 * flags of a backward (write dx / dresidual instead of adding) as compile-time constants.
 */
template <class F>
void withRowConstants(bool rows16, bool ox, bool orr, F&& f) {
  using T = std::true_type;
  using N = std::false_type;
  auto flags = [&](auto k) {
    if (ox && orr) f(k, T{}, T{});
    else if (ox) f(k, T{}, N{});
    else if (orr) f(k, N{}, T{});
    else f(k, N{}, N{});
  };
  if (rows16) flags(std::integral_constant<int, 16>{});
  else flags(std::integral_constant<int, 0>{});
}

}  // namespace rows
}  // namespace smd

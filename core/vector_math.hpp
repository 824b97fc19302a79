#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace adsim::core {

// Dot product of two float vectors. The simd reduction lets the compiler vectorize the sum, which
// strict floating-point rules would otherwise forbid; the result is still deterministic for a build.
inline float dot(const float* a, const float* b, std::size_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// Integer dot products for quantized embeddings (int16 user side, int8 item side).
template <std::size_t N>
inline std::int32_t dot_i8(const std::int16_t* a, const std::int8_t* b) {
  std::int32_t s = 0;
#pragma omp simd reduction(+ : s)
  for (std::size_t i = 0; i < N; ++i) s += a[i] * b[i];
  return s;
}
inline std::int32_t dot_i8(const std::int16_t* a, const std::int8_t* b, std::size_t n) {
  std::int32_t s = 0;
#pragma omp simd reduction(+ : s)
  for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// The light ranking model's dot product at dimension 16, the reference world's. With SSE2 (every
// x86-64) the 8-bit side is widened in registers and multiplied by pmaddwd, which the compiler's
// own vectorization of the loop above does not find without SSE4.1; exact either way (integers).
inline std::int32_t dot_i8x16(const std::int16_t* a, const std::int8_t* b) {
#if defined(__SSE2__)
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
  // Each byte into the high half of a 16-bit lane, then an arithmetic shift: sign extension.
  const __m128i lo = _mm_srai_epi16(_mm_unpacklo_epi8(_mm_setzero_si128(), bytes), 8);
  const __m128i hi = _mm_srai_epi16(_mm_unpackhi_epi8(_mm_setzero_si128(), bytes), 8);
  __m128i s = _mm_add_epi32(_mm_madd_epi16(lo, _mm_loadu_si128(reinterpret_cast<const __m128i*>(a))),
                            _mm_madd_epi16(hi, _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + 8))));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
#else
  return dot_i8<16>(a, b);
#endif
}

// Optimism bonus (UCB-style) for cold start: an ad seen n times gets + c · sqrt(p (1 − p) / (n + 1)),
// about c standard errors of its estimated CTR, so new ads get shown until the platform knows better.
inline double optimism_bonus(double p, double n, double c) {
  const double v = p * (1.0 - p);
  return v > 0.0 ? c * std::sqrt(v / (n + 1.0)) : 0.0;
}

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double logit(double p) { return std::log(p / (1.0 - p)); }

}  // namespace adsim::core

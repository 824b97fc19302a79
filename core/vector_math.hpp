#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

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

// Optimism bonus (UCB-style) for cold start: an ad seen n times gets + c · sqrt(p (1 − p) / (n + 1)),
// about c standard errors of its estimated CTR, so new ads get shown until the platform knows better.
inline double optimism_bonus(double p, double n, double c) {
  const double v = p * (1.0 - p);
  return v > 0.0 ? c * std::sqrt(v / (n + 1.0)) : 0.0;
}

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double logit(double p) { return std::log(p / (1.0 - p)); }

}  // namespace adsim::core

#pragma once
#include <cmath>
#include <cstddef>

namespace adsim::core {

// Dot product of two float vectors. The simd reduction lets the compiler vectorize the sum, which
// strict floating-point rules would otherwise forbid; the result is still deterministic for a build.
inline float dot(const float* a, const float* b, std::size_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

template <std::size_t N>
inline float dot_fixed(const float* a, const float* b) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (std::size_t i = 0; i < N; ++i) s += a[i] * b[i];
  return s;
}

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double logit(double p) { return std::log(p / (1.0 - p)); }

}  // namespace adsim::core

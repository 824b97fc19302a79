#pragma once
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "core/huge_pages.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#define ADSIM_FTRL_AVX2 1
#else
#define ADSIM_FTRL_AVX2 0
#endif

namespace adsim::models {

// Hyper-parameters of FTRL-Proximal (McMahan et al., "Ad Click Prediction: a View from the
// Trenches", KDD 2013, Algorithm 1). alpha and beta set the per-coordinate learning rate
// eta_i = alpha / (beta + sqrt(n_i)); l1 makes weights exactly zero; l2 shrinks them.
struct FtrlParams {
  double alpha = 0.05;
  double beta = 1.0;
  double l1 = 1.0;
  double l2 = 1.0;
};

// Numerically safe logistic function; |z| is capped at 35, where σ is 1 − 6e-16.
inline double sigmoid(double z) {
  z = z > 35.0 ? 35.0 : (z < -35.0 ? -35.0 : z);
  return 1.0 / (1.0 + std::exp(-z));
}
inline float sigmoid(float z) {
  z = z > 35.0f ? 35.0f : (z < -35.0f ? -35.0f : z);
  return 1.0f / (1.0f + std::exp(-z));
}

// Logistic regression over binary hashed features, learnt online by FTRL-Proximal. An example is a
// list of active coordinates (indices into 2^bits buckets), each with value 1.
//
// State is two flat arrays: the learning state (z_i, sqrt(n_i)) in double, interleaved so an update
// touches one cache line per coordinate, and the weights w in float, dense for prediction. Keeping
// sqrt(n_i) instead of n_i saves a square root per coordinate: the update needs sqrt(n_i) before and
// after, and the weight sqrt(n_i) after. The paper computes w_i lazily from (z_i, n_i) when
// coordinate i is next used;
// w_i changes only when (z_i, n_i) do, so we compute it right after each update of that coordinate
// and store it: the same numbers (up to rounding w to float), and prediction becomes a sum of float
// lookups in a table of 4 · 2^bits bytes, which is what makes scoring fast.
class Ftrl {
 public:
  // 2^bits coordinates, plus `extra` beyond them for features that are not hashed (the ad rows).
  Ftrl(int bits, FtrlParams params, std::size_t extra = 0);

  int bits() const { return bits_; }
  std::size_t size() const { return w_.size(); }
  const FtrlParams& params() const { return params_; }

  // Σ w_i over the given coordinates: the logit, or a part of it that several predictions share.
  // Four partial sums: a single chain of dependent float adds would dominate a training step.
  float partial_logit(std::span<const std::uint32_t> index) const {
    const float* w = w_.data();
    const std::uint32_t* x = index.data();
    const std::size_t n = index.size();
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    std::size_t j = 0;
    for (; j + 4 <= n; j += 4) {
      s0 += w[x[j]];
      s1 += w[x[j + 1]];
      s2 += w[x[j + 2]];
      s3 += w[x[j + 3]];
    }
    for (; j < n; ++j) s0 += w[x[j]];
    return (s0 + s1) + (s2 + s3);
  }
  double predict(std::span<const std::uint32_t> index) const { return sigmoid(static_cast<double>(partial_logit(index))); }

  // Batch scoring for candidates that share part of their features: logit_k = shared +
  // Σ_j w[index[k·stride + j]] for j < count[k]. Writes logits (not probabilities).
  void add_logits(float shared, std::span<const std::uint32_t> index, std::size_t stride,
                  std::span<const std::uint8_t> count, std::span<float> logit) const;

  // One FTRL-Proximal step on example (index, label). Returns the prediction made before the
  // update (progressive validation gets it for free). `logit_offset` is added to the logit before
  // the sigmoid, for features kept outside this model (0 normally).
  double update(std::span<const std::uint32_t> index, bool label, double logit_offset = 0.0);
  // Starts loading the learning state of these coordinates (call before computing their logit).
  void prefetch(std::span<const std::uint32_t> index) const {
    for (std::uint32_t i : index) __builtin_prefetch(&state_[i], 1);
  }
  // Starts loading the weights of these coordinates (call well before summing them).
  void prefetch_weights(std::span<const std::uint32_t> index) const {
    for (std::uint32_t i : index) __builtin_prefetch(&w_[i]);
  }
  // The update for a prediction p already computed from the current weights (g = p − y).
  void apply_gradient(std::span<const std::uint32_t> index, double g);

  // For tests: the SSE2/scalar update even where AVX2 is available (same results, bit for bit).
  void use_avx2(bool on) { avx2_ = on && avx2_supported(); }

  // Read access for tests and diagnostics.
  float weight(std::uint32_t i) const { return w_[i]; }
  double z(std::uint32_t i) const { return state_[i].z; }
  double n(std::uint32_t i) const { return state_[i].sqrt_n * state_[i].sqrt_n; }
  const float* weights() const { return w_.data(); }
  std::size_t nonzero_weights() const;

 private:
  struct alignas(16) State {
    double z = 0.0;
    double sqrt_n = 0.0;
  };

  static bool avx2_supported();

  int bits_;
  FtrlParams params_;
  bool avx2_ = avx2_supported();
  std::vector<State, core::PageAlignedAllocator<State>> state_;
  std::vector<float, core::PageAlignedAllocator<float>> w_;  // the ad rows start on cache lines
};

}  // namespace adsim::models

#pragma once
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

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
// State is three flat arrays (structure of arrays): z and n in double, as in the paper, and the
// weight w in float. The paper computes w_i lazily from (z_i, n_i) when coordinate i is next used;
// w_i changes only when (z_i, n_i) do, so we compute it right after each update of that coordinate
// and store it: the same numbers (up to rounding w to float), and prediction becomes a sum of float
// lookups in a table of 4 · 2^bits bytes, which is what makes scoring fast.
class Ftrl {
 public:
  Ftrl(int bits, FtrlParams params);

  int bits() const { return bits_; }
  std::size_t size() const { return w_.size(); }
  const FtrlParams& params() const { return params_; }

  // Σ w_i over the given coordinates: the logit, or a part of it that several predictions share.
  float partial_logit(std::span<const std::uint32_t> index) const {
    float s = 0.0f;
    for (std::uint32_t i : index) s += w_[i];
    return s;
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
  // The update for a prediction p already computed from the current weights (g = p − y).
  void apply_gradient(std::span<const std::uint32_t> index, double g);

  // Read access for tests and diagnostics.
  float weight(std::uint32_t i) const { return w_[i]; }
  double z(std::uint32_t i) const { return z_[i]; }
  double n(std::uint32_t i) const { return n_[i]; }
  const float* weights() const { return w_.data(); }
  std::size_t nonzero_weights() const;

 private:
  float weight_from(double z, double n) const {
    if (std::abs(z) <= params_.l1) return 0.0f;
    const double sign = z < 0.0 ? -1.0 : 1.0;
    return static_cast<float>(-(z - sign * params_.l1) / ((params_.beta + std::sqrt(n)) / params_.alpha + params_.l2));
  }

  int bits_;
  FtrlParams params_;
  std::vector<double> z_;
  std::vector<double> n_;
  std::vector<float> w_;
};

}  // namespace adsim::models

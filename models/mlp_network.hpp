#pragma once
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "core/random_streams.hpp"

namespace adsim::models {

// Adam (Kingma & Ba 2015) with bias correction; one step per minibatch.
struct AdamParams {
  float learning_rate = 0.0003f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
};

// The dense part of the neural ranker: ReLU hidden layers and one linear output (a logit), trained
// on minibatches held as columns (inputs x batch). Single-threaded and deterministic: the same
// initialization stream and the same batches give the same weights, bit for bit, on one build.
//
// Initialization: hidden layers He-uniform (±sqrt(6 / fan_in)), biases 0; the output layer all 0,
// so an untrained network's logit is exactly 0 (the model's prior offset then alone sets what it
// predicts) and the first steps move the output weights before anything else.
class DenseMlp {
 public:
  using Matrix = Eigen::MatrixXf;
  using Vector = Eigen::VectorXf;
  using Row = Eigen::RowVectorXf;

  DenseMlp() = default;
  DenseMlp(int inputs, const std::vector<int>& hidden, core::Rng& init);

  int inputs() const { return inputs_; }
  int layers() const { return static_cast<int>(weight_.size()); }  // hidden layers + the output
  const Matrix& weight(int layer) const { return weight_[static_cast<std::size_t>(layer)]; }
  const Vector& bias(int layer) const { return bias_[static_cast<std::size_t>(layer)]; }

  // Logits of a batch x (inputs x B) into `logit` (B); keeps the activations for backward().
  void forward(const Eigen::Ref<const Matrix>& x, Row& logit);
  // Gradients of the mean loss given d loss / d logit per example (already divided by B): weight
  // and bias gradients are stored for adam_step(), d loss / d x is written to dx (inputs x B).
  void backward(const Eigen::Ref<const Matrix>& x, const Row& dlogit, Matrix& dx);
  void adam_step(const AdamParams& adam);
  // The logit of one input, without touching the stored activations.
  float logit(const Eigen::Ref<const Vector>& x) const;
  std::uint64_t steps() const { return steps_; }

 private:
  int inputs_ = 0;
  std::vector<Matrix> weight_, grad_w_, m_w_, v_w_;
  std::vector<Vector> bias_, grad_b_, m_b_, v_b_;
  std::vector<Matrix> pre_, act_;  // per layer: pre-activation and activation of the last forward
  Matrix delta_;
  std::uint64_t steps_ = 0;
};

// An embedding table (dim x rows: one column per row, contiguous) trained by lazy Adam: a step
// moves only the rows the minibatch touched (with their own moments and the global step count for
// the bias correction), so a step costs the batch's rows, not the table's.
class EmbeddingTable {
 public:
  EmbeddingTable() = default;
  // Entries uniform in ±scale (0: all zero, drawing nothing).
  EmbeddingTable(int dim, std::uint32_t rows, float scale, core::Rng& init);

  int dim() const { return static_cast<int>(table_.rows()); }
  std::uint32_t rows() const { return static_cast<std::uint32_t>(table_.cols()); }
  const Eigen::MatrixXf& table() const { return table_; }
  auto row(std::uint32_t r) const { return table_.col(static_cast<Eigen::Index>(r)); }

  // Adds g (dim) to the gradient of row r.
  template <typename G>
  void accumulate(std::uint32_t r, const G& g) {
    const auto c = static_cast<Eigen::Index>(r);
    if (!touched_flag_[r]) {
      touched_flag_[r] = 1;
      touched_.push_back(r);
      grad_.col(c).setZero();
    }
    grad_.col(c) += g;
  }
  // One Adam step for the touched rows (global step `step`, counted from 1); clears the touches.
  void adam_step(const AdamParams& adam, std::uint64_t step);

 private:
  Eigen::MatrixXf table_, grad_, m_, v_;
  std::vector<std::uint8_t> touched_flag_;
  std::vector<std::uint32_t> touched_;
};

}  // namespace adsim::models

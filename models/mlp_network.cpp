#include "models/mlp_network.hpp"

#include <cmath>
#include <stdexcept>

#include <boost/random/uniform_01.hpp>

namespace adsim::models {
namespace {

// Uniform in ±scale from the stream: Boost's uniform_01 is the same on every platform.
void fill_uniform(Eigen::MatrixXf& m, float scale, core::Rng& rng) {
  boost::random::uniform_01<double> u;
  for (Eigen::Index c = 0; c < m.cols(); ++c)
    for (Eigen::Index r = 0; r < m.rows(); ++r) m(r, c) = static_cast<float>((2.0 * u(rng) - 1.0) * scale);
}

struct BiasCorrection {
  float c1, c2;
  BiasCorrection(const AdamParams& a, std::uint64_t step)
      : c1(static_cast<float>(1.0 - std::pow(static_cast<double>(a.beta1), static_cast<double>(step)))),
        c2(static_cast<float>(1.0 - std::pow(static_cast<double>(a.beta2), static_cast<double>(step)))) {}
};

template <typename P, typename G, typename M>
void adam_update(P&& param, const G& grad, M&& m, M&& v, const AdamParams& a, BiasCorrection bc) {
  m = a.beta1 * m + (1.0f - a.beta1) * grad;
  v = a.beta2 * v + (1.0f - a.beta2) * grad.cwiseProduct(grad);
  param.array() -= a.learning_rate * (m.array() / bc.c1) / ((v.array() / bc.c2).sqrt() + a.epsilon);
}

}  // namespace

DenseMlp::DenseMlp(int inputs, const std::vector<int>& hidden, core::Rng& init) : inputs_(inputs) {
  if (inputs < 1) throw std::invalid_argument("mlp: needs at least one input");
  int fan_in = inputs;
  for (std::size_t l = 0; l <= hidden.size(); ++l) {
    const int out = l < hidden.size() ? hidden[l] : 1;
    if (out < 1) throw std::invalid_argument("mlp: every hidden layer needs at least one unit");
    Matrix w = Matrix::Zero(out, fan_in);
    if (l < hidden.size()) fill_uniform(w, static_cast<float>(std::sqrt(6.0 / fan_in)), init);
    weight_.push_back(w);
    bias_.push_back(Vector::Zero(out));
    grad_w_.push_back(Matrix::Zero(out, fan_in));
    m_w_.push_back(Matrix::Zero(out, fan_in));
    v_w_.push_back(Matrix::Zero(out, fan_in));
    grad_b_.push_back(Vector::Zero(out));
    m_b_.push_back(Vector::Zero(out));
    v_b_.push_back(Vector::Zero(out));
    fan_in = out;
  }
  pre_.resize(weight_.size());
  act_.resize(weight_.size());
}

void DenseMlp::forward(const Eigen::Ref<const Matrix>& x, Row& logit) {
  if (x.rows() != inputs_) throw std::invalid_argument("mlp: input has the wrong number of rows");
  const auto n = static_cast<std::size_t>(layers());
  for (std::size_t l = 0; l < n; ++l) {
    if (l == 0) pre_[l].noalias() = weight_[l] * x;
    else pre_[l].noalias() = weight_[l] * act_[l - 1];
    pre_[l].colwise() += bias_[l];
    if (l + 1 < n) act_[l] = pre_[l].cwiseMax(0.0f);
  }
  logit = pre_[n - 1].row(0);
}

void DenseMlp::backward(const Eigen::Ref<const Matrix>& x, const Row& dlogit, Matrix& dx) {
  delta_ = dlogit;
  for (std::size_t l = static_cast<std::size_t>(layers()); l-- > 0;) {
    if (l == 0) grad_w_[l].noalias() = delta_ * x.transpose();
    else grad_w_[l].noalias() = delta_ * act_[l - 1].transpose();
    grad_b_[l] = delta_.rowwise().sum();
    Matrix back = weight_[l].transpose() * delta_;
    if (l == 0) {
      dx = std::move(back);
    } else {
      delta_ = back.cwiseProduct((pre_[l - 1].array() > 0.0f).cast<float>().matrix());
    }
  }
}

float DenseMlp::logit(const Eigen::Ref<const Vector>& x) const {
  Vector a = x;
  for (std::size_t l = 0; l < weight_.size(); ++l) {
    Vector z = weight_[l] * a + bias_[l];
    a = l + 1 < weight_.size() ? Vector(z.cwiseMax(0.0f)) : z;
  }
  return a(0);
}

void DenseMlp::adam_step(const AdamParams& adam) {
  ++steps_;
  const BiasCorrection bc(adam, steps_);
  for (std::size_t l = 0; l < weight_.size(); ++l) {
    adam_update(weight_[l], grad_w_[l], m_w_[l], v_w_[l], adam, bc);
    adam_update(bias_[l], grad_b_[l], m_b_[l], v_b_[l], adam, bc);
  }
}

EmbeddingTable::EmbeddingTable(int dim, std::uint32_t rows, float scale, core::Rng& init)
    : table_(dim, static_cast<Eigen::Index>(rows)),
      grad_(Eigen::MatrixXf::Zero(dim, static_cast<Eigen::Index>(rows))),
      m_(Eigen::MatrixXf::Zero(dim, static_cast<Eigen::Index>(rows))),
      v_(Eigen::MatrixXf::Zero(dim, static_cast<Eigen::Index>(rows))),
      touched_flag_(rows, 0) {
  if (dim < 1 || rows < 1) throw std::invalid_argument("mlp: an embedding table needs a dimension and rows");
  if (scale > 0.0f) fill_uniform(table_, scale, init);
  else table_.setZero();
  touched_.reserve(rows);
}

void EmbeddingTable::adam_step(const AdamParams& adam, std::uint64_t step) {
  const BiasCorrection bc(adam, step);
  for (const std::uint32_t r : touched_) {
    const auto c = static_cast<Eigen::Index>(r);
    auto m = m_.col(c);
    auto v = v_.col(c);
    adam_update(table_.col(c), grad_.col(c), m, v, adam, bc);
    touched_flag_[r] = 0;
  }
  touched_.clear();
}

}  // namespace adsim::models

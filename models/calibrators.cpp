#include "models/calibrators.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/ftrl.hpp"  // sigmoid

namespace adsim::models {
namespace {

double logit_of(double s) {
  s = std::clamp(s, 1e-7, 1.0 - 1e-7);
  return std::log(s / (1.0 - s));
}

}  // namespace

// ---------------------------------------------------------------- ScoreWindow

ScoreWindow::ScoreWindow(std::size_t capacity) : score_(capacity, 0.0f), label_(capacity, 0) {
  if (capacity == 0) throw std::invalid_argument("ScoreWindow: capacity must be > 0");
}

void ScoreWindow::push(float score, bool label) {
  if (size_ == score_.size()) {
    positives_ -= label_[next_];
  } else {
    ++size_;
  }
  score_[next_] = score;
  label_[next_] = label ? 1 : 0;
  positives_ += label ? 1 : 0;
  next_ = next_ + 1 == score_.size() ? 0 : next_ + 1;
}

// ---------------------------------------------------------------- WindowedCalibrator

WindowedCalibrator::WindowedCalibrator(CalibratorConfig config) : config_(config), window_(config.window) {
  if (config.refit_interval < 0) throw std::invalid_argument("calibrator: refit_interval must be >= 0");
  if (!(config.min_probability > 0.0f) || !(config.min_probability < 0.5f)) {
    throw std::invalid_argument("calibrator: min_probability must be in (0, 0.5)");
  }
}

float WindowedCalibrator::clamp_output(double q) const {
  const double lo = config_.min_probability;
  return static_cast<float>(std::clamp(q, lo, 1.0 - lo));
}

bool WindowedCalibrator::refit() {
  if (window_.size() < config_.min_examples || window_.positives() < config_.min_positives ||
      window_.positives() == window_.size()) {
    return false;
  }
  fit();
  fitted_ = true;
  ++fits_;
  return true;
}

void WindowedCalibrator::learn(std::span<const core::LabeledExample> examples) {
  for (const core::LabeledExample& e : examples) {
    if (config_.slot >= 0 && e.impression.slot != config_.slot) continue;
    window_.push(e.impression.raw_score, e.clicked);
    if (!scheduled_) {
      last_fit_ = e.released_at;
      scheduled_ = true;
    }
    // The schedule follows release time, so a refit sees exactly the examples released before it.
    if (config_.refit_interval > 0 && e.released_at - last_fit_ >= config_.refit_interval) {
      if (refit()) last_fit_ = e.released_at;
    }
  }
  if (config_.refit_interval == 0 && !examples.empty()) refit();
}

// ---------------------------------------------------------------- Platt

void PlattCalibrator::calibrate(std::span<float> p) const {
  if (!fitted()) return;
  for (float& x : p) x = clamp_output(sigmoid(a_ * logit_of(x) + b_));
}

void PlattCalibrator::fit() {
  // Minimise L(a, b) = Σ −[y log q + (1−y) log(1−q)] + (r/2)((a−1)² + b²), q = σ(a x + b).
  // Gradient Σ (q−y)(x, 1) + r(a−1, b); Hessian Σ q(1−q)(x², x; x, 1) + r I.
  constexpr double kRidge = 1e-3;
  const std::size_t n = window_.size();
  auto loss = [&](double a, double b) {
    double l = 0.5 * kRidge * ((a - 1.0) * (a - 1.0) + b * b);
    for (std::size_t i = 0; i < n; ++i) {
      const double z = a * logit_of(window_.score(i)) + b;
      // log(1 + e^z) − y z, computed stably.
      const double softplus = z > 0.0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
      l += softplus - (window_.label(i) ? z : 0.0);
    }
    return l;
  };
  double a = a_, b = b_;
  double current = loss(a, b);
  for (int iter = 0; iter < 50; ++iter) {
    double ga = kRidge * (a - 1.0), gb = kRidge * b;
    double haa = kRidge, hab = 0.0, hbb = kRidge;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = logit_of(window_.score(i));
      const double q = sigmoid(a * x + b);
      const double r = q - (window_.label(i) ? 1.0 : 0.0);
      const double h = q * (1.0 - q);
      ga += r * x;
      gb += r;
      haa += h * x * x;
      hab += h * x;
      hbb += h;
    }
    const double det = haa * hbb - hab * hab;
    if (!(det > 0.0)) break;
    const double da = (hbb * ga - hab * gb) / det;
    const double db = (haa * gb - hab * ga) / det;
    double step = 1.0;
    double next = loss(a - da, b - db);
    while (next > current && step > 1e-6) {
      step *= 0.5;
      next = loss(a - step * da, b - step * db);
    }
    if (next > current) break;
    a -= step * da;
    b -= step * db;
    const bool converged = current - next < 1e-10 * (1.0 + std::abs(current));
    current = next;
    if (converged) break;
  }
  a_ = a;
  b_ = b;
}

// ---------------------------------------------------------------- Isotonic

float IsotonicCalibrator::map(float s) const {
  if (knot_x_.empty()) return s;
  const double x = s;
  if (x <= knot_x_.front()) return clamp_output(knot_y_.front());
  if (x >= knot_x_.back()) return clamp_output(knot_y_.back());
  const auto it = std::upper_bound(knot_x_.begin(), knot_x_.end(), x);
  const std::size_t hi = static_cast<std::size_t>(it - knot_x_.begin());
  const std::size_t lo = hi - 1;
  const double t = (x - knot_x_[lo]) / (knot_x_[hi] - knot_x_[lo]);
  return clamp_output(knot_y_[lo] + t * (knot_y_[hi] - knot_y_[lo]));
}

void IsotonicCalibrator::calibrate(std::span<float> p) const {
  if (!fitted()) return;
  for (float& x : p) x = map(x);
}

void IsotonicCalibrator::fit() {
  const std::size_t n = window_.size();
  scratch_.resize(n);
  for (std::size_t i = 0; i < n; ++i) scratch_[i] = {window_.score(i), window_.label(i) ? 1 : 0};
  std::sort(scratch_.begin(), scratch_.end());
  // Blocks of (Σ score, Σ label, count); equal scores start in one block so that ties are never split.
  knot_x_.clear();
  knot_y_.clear();
  std::vector<double>& sx = knot_x_;  // Σ score while pooling, mean score after
  std::vector<double>& sy = knot_y_;  // Σ label while pooling, rate after
  std::vector<double>& count = count_;
  count.clear();
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    double sum_y = 0.0;
    while (j < n && scratch_[j].first == scratch_[i].first) sum_y += scratch_[j++].second;
    sx.push_back(static_cast<double>(scratch_[i].first) * static_cast<double>(j - i));
    sy.push_back(sum_y);
    count.push_back(static_cast<double>(j - i));
    i = j;
    // Pool adjacent violators: merge while the previous block's rate exceeds the last one's.
    while (sy.size() >= 2) {
      const std::size_t k = sy.size() - 1;
      if (sy[k - 1] * count[k] <= sy[k] * count[k - 1]) break;
      sx[k - 1] += sx[k];
      sy[k - 1] += sy[k];
      count[k - 1] += count[k];
      sx.pop_back();
      sy.pop_back();
      count.pop_back();
    }
  }
  for (std::size_t k = 0; k < sx.size(); ++k) {
    sx[k] /= count[k];
    sy[k] /= count[k];
  }
}

}  // namespace adsim::models

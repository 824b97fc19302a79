#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/ctr_model.hpp"
#include "core/sim_time.hpp"

namespace adsim::models {

// Calibrators map the click model's raw scores to probabilities, fitted on a recent window of
// (raw score served, label) pairs from released examples.
//
// Scores are served at the reference slot (the model predicts the top slot), but an example's
// label comes from the slot the ad was shown in. Fitting on every slot would teach the calibrator
// the average position effect and make top-slot predictions too low, so by default only examples
// logged at the reference slot are used (`slot`; -1 uses all).
struct CalibratorConfig {
  std::size_t window = 50'000;  // most recent examples kept (a ring buffer: memory is fixed)
  // Refit when an example's released_at passes the last fit by this; 0: after every learn() batch.
  core::SimTime refit_interval = 15 * core::kMinute;
  std::size_t min_examples = 1'000;  // below this (or min_positives), the map stays as it is
  std::size_t min_positives = 20;
  int slot = 0;
  float min_probability = 1e-5f;  // outputs are clamped to [min, 1 − min]
};

// A bounded, most-recent-first window of (score, label).
class ScoreWindow {
 public:
  explicit ScoreWindow(std::size_t capacity);
  void push(float score, bool label);
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return score_.size(); }
  std::size_t positives() const { return positives_; }
  // Unordered access, i < size().
  float score(std::size_t i) const { return score_[i]; }
  bool label(std::size_t i) const { return label_[i] != 0; }

 private:
  std::vector<float> score_;
  std::vector<std::uint8_t> label_;
  std::size_t next_ = 0;
  std::size_t size_ = 0;
  std::size_t positives_ = 0;
};

class IdentityCalibrator final : public core::Calibrator {
 public:
  std::string_view name() const override { return "identity"; }
  void calibrate(std::span<float> /*p*/) const override {}
  void learn(std::span<const core::LabeledExample> /*examples*/) override {}
};

// Shared windowing and refit schedule.
class WindowedCalibrator : public core::Calibrator {
 public:
  explicit WindowedCalibrator(CalibratorConfig config);
  void learn(std::span<const core::LabeledExample> examples) override;
  // Fits on the current window now; returns false (keeping the previous map) if it is too small.
  bool refit();
  bool fitted() const { return fitted_; }
  std::uint64_t fits() const { return fits_; }
  const ScoreWindow& window() const { return window_; }
  const CalibratorConfig& config() const { return config_; }

 protected:
  virtual void fit() = 0;
  float clamp_output(double q) const;

  CalibratorConfig config_;
  ScoreWindow window_;

 private:
  bool fitted_ = false;
  std::uint64_t fits_ = 0;
  core::SimTime last_fit_ = 0;
  bool scheduled_ = false;
};

// Platt scaling: q = σ(a · logit(s) + b), (a, b) minimising the window's log loss (plus a tiny
// ridge pulling towards the identity a = 1, b = 0, which keeps separable windows finite) by
// Newton's method with step halving. Identity until first fitted.
class PlattCalibrator final : public WindowedCalibrator {
 public:
  explicit PlattCalibrator(CalibratorConfig config = {}) : WindowedCalibrator(config) {}
  std::string_view name() const override { return "platt"; }
  void calibrate(std::span<float> p) const override;
  double a() const { return a_; }
  double b() const { return b_; }

 private:
  void fit() override;
  double a_ = 1.0;
  double b_ = 0.0;
};

// Isotonic regression: the non-decreasing step function of the score that minimises squared error
// on the window (pool-adjacent-violators over scores sorted ascending, equal scores pooled first),
// served by linear interpolation between the blocks' mean scores, constant beyond the ends.
// Identity until first fitted.
class IsotonicCalibrator final : public WindowedCalibrator {
 public:
  explicit IsotonicCalibrator(CalibratorConfig config = {}) : WindowedCalibrator(config) {}
  std::string_view name() const override { return "isotonic"; }
  void calibrate(std::span<float> p) const override;
  // The fitted knots (block mean score, block click rate), scores strictly increasing.
  std::span<const double> knot_scores() const { return knot_x_; }
  std::span<const double> knot_rates() const { return knot_y_; }
  float map(float s) const;

 private:
  void fit() override;
  std::vector<double> knot_x_, knot_y_;
  // Reused between fits: capacity <= window.
  std::vector<std::pair<float, std::uint8_t>> scratch_;
  std::vector<double> count_;
};

}  // namespace adsim::models

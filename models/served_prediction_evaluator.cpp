#include "models/served_prediction_evaluator.hpp"

#include <algorithm>

namespace adsim::models {

ServedPredictionEvaluator::ServedPredictionEvaluator(std::vector<double> position_factors, CalibrationBinning binning)
    : position_factors_(std::move(position_factors)), validator_(ValidatorConfig{0, binning, 4096, 12.0}, 0) {
  if (position_factors_.empty()) position_factors_ = {1.0};
}

void ServedPredictionEvaluator::observe(std::span<const core::LabeledExample> examples) {
  for (const core::LabeledExample& e : examples) {
    const auto slot = std::min<std::size_t>(e.impression.slot, position_factors_.size() - 1);
    const double p = std::clamp(static_cast<double>(e.impression.pctr) * position_factors_[slot], 1e-7, 1.0 - 1e-7);
    validator_.add(static_cast<float>(p), e.clicked);
    last_seen_ = std::max(last_seen_, e.released_at);
  }
}

core::ModelMetrics ServedPredictionEvaluator::to_core(const MetricReport& r) {
  core::ModelMetrics m;
  m.examples = r.count;
  m.clicks = r.clicks;
  m.auc = r.auc;
  m.log_loss = r.log_loss;
  m.normalized_entropy = r.normalized_entropy;
  m.calibration_ratio = r.calibration_ratio;
  m.ece = r.ece;
  for (const ReliabilityBin& b : r.reliability) m.reliability.push_back({b.lower, b.upper, b.count, b.mean_p, b.observed_rate});
  return m;
}

core::ModelMetrics ServedPredictionEvaluator::take_window() { return to_core(validator_.take_window(last_seen_).overall); }

core::ModelMetrics ServedPredictionEvaluator::total() const { return to_core(validator_.total()); }

}  // namespace adsim::models

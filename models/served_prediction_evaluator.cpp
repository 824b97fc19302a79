#include "models/served_prediction_evaluator.hpp"

#include <algorithm>

namespace adsim::models {

ServedPredictionEvaluator::ServedPredictionEvaluator(std::vector<double> position_factors, CalibrationBinning binning)
    : position_factors_(std::move(position_factors)), validator_(ValidatorConfig{static_cast<int>(core::kSurfaces), binning, 4096, 12.0}, 0) {
  if (position_factors_.empty()) position_factors_ = {1.0};
}

void ServedPredictionEvaluator::observe(std::span<const core::LabeledExample> examples) {
  for (const core::LabeledExample& e : examples) {
    const float p = core::expected_click_probability(e.impression.pctr, position_factors_, e.impression.slot);
    validator_.add(p, e.clicked, static_cast<int>(core::surface_index(e.impression.surface)));
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

core::ModelMetrics ServedPredictionEvaluator::take_window() {
  const ValidationSnapshot snap = validator_.take_window(last_seen_);
  for (std::size_t k = 0; k < core::kSurfaces; ++k) last_window_[k] = to_core(snap.segments[k]);
  return to_core(snap.overall);
}

core::ModelMetrics ServedPredictionEvaluator::total(core::Surface surface) const {
  return to_core(validator_.total_segment(static_cast<int>(core::surface_index(surface))));
}

core::ModelMetrics ServedPredictionEvaluator::total() const { return to_core(validator_.total()); }

}  // namespace adsim::models

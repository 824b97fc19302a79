#pragma once
#include <array>
#include <vector>

#include "core/ctr_model.hpp"
#include "models/offline_metrics.hpp"

namespace adsim::models {

// Progressive validation of the pCTR the platform served. The served prediction is for the top
// slot; the example's label is a click at the slot the ad was shown in, so the prediction scored is
// pCTR x the platform's position factor of that slot: the click probability the platform expected
// for that impression. Scored at serving time, so always before the model learned from the example.
// Every example also counts in the segment of the surface it was served on (feed, search).
class ServedPredictionEvaluator final : public core::PredictionEvaluator {
 public:
  ServedPredictionEvaluator(std::vector<double> position_factors, CalibrationBinning binning);

  void observe(std::span<const core::LabeledExample> examples) override;
  core::ModelMetrics take_window() override;
  core::ModelMetrics total() const override;
  core::ModelMetrics last_window(core::Surface surface) const override {
    return last_window_[core::surface_index(surface)];
  }
  core::ModelMetrics total(core::Surface surface) const override;

  static core::ModelMetrics to_core(const MetricReport& report);

 private:
  std::vector<double> position_factors_;
  ProgressiveValidator validator_;
  core::SimTime last_seen_ = 0;
  std::array<core::ModelMetrics, core::kSurfaces> last_window_;
};

}  // namespace adsim::models

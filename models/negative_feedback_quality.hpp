#pragma once
#include <vector>

#include "core/ctr_model.hpp"
#include "models/negative_feedback_model.hpp"

namespace adsim::models {

// The platform's quality score from a learned model of hides and reports:
// quality = 1 / (1 + penalty x P(hide or report)), the same form as the logged-rate score, so
// model.quality_penalty means the same for both sources. Unlike the per-ad logged rate, the model
// sees the user, so an ad can score well for one audience and poorly for another.
class NegativeFeedbackQuality final : public core::QualityModel {
 public:
  NegativeFeedbackQuality(const core::World& world, LearnerConfig config, core::Rng downsample_rng, double penalty,
                          std::size_t max_batch)
      : model_(world, config, downsample_rng), penalty_(penalty), scratch_(max_batch) {}

  void quality(const core::RequestContext& request, std::span<const core::AdId> ads, std::span<double> out) override {
    const std::span<float> p(scratch_.data(), ads.size());
    model_.predict(request, ads, p);
    for (std::size_t i = 0; i < ads.size(); ++i) out[i] = 1.0 / (1.0 + penalty_ * static_cast<double>(p[i]));
  }
  void learn(std::span<const core::LabeledExample> examples) override { model_.learn(examples); }
  NegativeFeedbackModel& model() { return model_; }

 private:
  NegativeFeedbackModel model_;
  double penalty_;
  std::vector<float> scratch_;
};

}  // namespace adsim::models

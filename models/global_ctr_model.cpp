#include "models/global_ctr_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace adsim::models {

GlobalCtrModel::GlobalCtrModel(GlobalCtrConfig config) : config_(config) {
  if (!(config.prior_rate > 0.0) || !(config.prior_rate < 1.0) || config.prior_strength < 0.0 ||
      config.half_life_hours < 0.0) {
    throw std::invalid_argument("GlobalCtrModel: prior rate must be in (0, 1), strength and half-life >= 0");
  }
}

double GlobalCtrModel::rate() const {
  const double m = config_.prior_strength;
  const double den = impressions_ + m;
  return den > 0.0 ? (clicks_ + m * config_.prior_rate) / den : config_.prior_rate;
}

void GlobalCtrModel::predict(const core::RequestContext& /*request*/, std::span<const core::AdId> /*ads*/,
                             std::span<float> pctr) {
  if (!learnt_) prior_predictions_ += pctr.size();
  std::fill(pctr.begin(), pctr.end(), static_cast<float>(rate()));
}

void GlobalCtrModel::decay_to(core::SimTime t) {
  if (config_.half_life_hours > 0.0 && t > updated_) {
    const double f = std::exp2(-core::to_hours(t - updated_) / config_.half_life_hours);
    impressions_ *= f;
    clicks_ *= f;
  }
  updated_ = std::max(updated_, t);
}

void GlobalCtrModel::learn(std::span<const core::LabeledExample> examples) {
  learnt_ = learnt_ || !examples.empty();
  for (const core::LabeledExample& e : examples) {
    decay_to(e.released_at);
    impressions_ += 1.0;
    clicks_ += e.clicked ? 1.0 : 0.0;
  }
}

}  // namespace adsim::models

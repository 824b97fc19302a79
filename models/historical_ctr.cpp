#include "models/historical_ctr.hpp"

#include <algorithm>

namespace adsim::models {

HistoricalCtrModel::HistoricalCtrModel(std::size_t num_ads, double prior_ctr, double prior_strength,
                                       std::vector<double> position_factors)
    : impressions_(num_ads, 0.0),
      clicks_(num_ads, 0.0),
      prior_ctr_(prior_ctr),
      prior_strength_(prior_strength),
      position_factors_(std::move(position_factors)) {
  if (position_factors_.empty()) position_factors_ = {1.0};
}

void HistoricalCtrModel::predict(const core::RequestContext&, std::span<const core::AdId> ads,
                                 std::span<float> pctr) {
  if (!learnt_) prior_predictions_ += ads.size();
  const double prior_clicks = prior_ctr_ * prior_strength_;
  for (std::size_t i = 0; i < ads.size(); ++i) {
    const core::AdId a = ads[i];
    pctr[i] = static_cast<float>((clicks_[a] + prior_clicks) / (impressions_[a] + prior_strength_));
  }
}

void HistoricalCtrModel::learn(std::span<const core::LabeledExample> examples) {
  learnt_ = learnt_ || !examples.empty();
  for (const core::LabeledExample& e : examples) {
    const auto slot = std::min<std::size_t>(e.impression.slot, position_factors_.size() - 1);
    impressions_[e.impression.ad] += position_factors_[slot];
    if (e.clicked) clicks_[e.impression.ad] += 1.0;
  }
}

}  // namespace adsim::models

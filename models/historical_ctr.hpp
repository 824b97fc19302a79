#pragma once
#include <cstdint>
#include <vector>

#include "core/ctr_model.hpp"
#include "models/serving_cost.hpp"

namespace adsim::models {

// The baseline click model: each ad's logged CTR, smoothed toward a Beta prior so that new ads start
// at the prior mean instead of 0 or 1: p = (clicks + m * p0) / (impressions + m).
// Impressions are normalized by the position at which they were shown (examination-adjusted
// counts), so an ad shown mostly in low slots is not mistaken for a poor one.
class HistoricalCtrModel final : public core::CtrModel {
 public:
  HistoricalCtrModel(std::size_t num_ads, double prior_ctr, double prior_strength,
                     std::vector<double> position_factors);

  std::string_view name() const override { return "historical"; }
  void predict(const core::RequestContext& request, std::span<const core::AdId> ads,
               std::span<float> pctr) override;
  void learn(std::span<const core::LabeledExample> examples) override;
  std::uint64_t prior_predictions() const override { return prior_predictions_; }
  double serving_ns_per_candidate() const override { return serving_cost::kHistoricalNs; }

  double impressions(core::AdId ad) const { return impressions_[ad]; }
  double clicks(core::AdId ad) const { return clicks_[ad]; }

 private:
  std::vector<double> impressions_;  // examination-weighted
  std::vector<double> clicks_;
  double prior_ctr_;
  double prior_strength_;
  std::vector<double> position_factors_;
  bool learnt_ = false;  // from at least one example
  std::uint64_t prior_predictions_ = 0;
};

}  // namespace adsim::models

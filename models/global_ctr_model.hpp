#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "core/ctr_model.hpp"
#include "models/serving_cost.hpp"
#include "core/sim_time.hpp"

namespace adsim::models {

// The simplest baseline: one click rate for every ad and user, (clicks + m·prior) / (impressions +
// m), optionally with exponential time decay so it follows the daily cycle.
struct GlobalCtrConfig {
  double prior_rate = 0.02;
  double prior_strength = 100.0;  // pseudo-impressions
  double half_life_hours = 0.0;   // 0: no decay
};

class GlobalCtrModel final : public core::CtrModel {
 public:
  explicit GlobalCtrModel(GlobalCtrConfig config = {});

  std::string_view name() const override { return "global"; }
  void predict(const core::RequestContext& request, std::span<const core::AdId> ads, std::span<float> pctr) override;
  void learn(std::span<const core::LabeledExample> examples) override;
  std::uint64_t prior_predictions() const override { return prior_predictions_; }
  double serving_ns_per_candidate() const override { return serving_cost::kGlobalNs; }

  double rate() const;
  double impressions() const { return impressions_; }
  double clicks() const { return clicks_; }

 private:
  void decay_to(core::SimTime t);

  GlobalCtrConfig config_;
  double impressions_ = 0.0;
  double clicks_ = 0.0;
  core::SimTime updated_ = 0;
  bool learnt_ = false;  // from at least one example
  std::uint64_t prior_predictions_ = 0;
};

}  // namespace adsim::models

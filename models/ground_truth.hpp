#pragma once
#include <cmath>
#include "core/user_response.hpp"
#include "core/world.hpp"
#include "models/ground_truth_params.hpp"

namespace adsim::models {

// The hidden truth of how users respond to ads: position-based examination times an
// attractiveness that rises with user-ad affinity and ad quality and falls with fatigue. Hides and
// reports are likelier for poor or irrelevant ads; they tire users, and tired users leave.
class GroundTruth final : public core::UserResponse {
 public:
  GroundTruth(const core::World& world, GroundTruthParams params);

  std::string_view name() const override { return "ground_truth"; }
  void true_ctr(const core::RequestContext& request, std::span<const core::AdId> ads,
                std::span<float> out) const override;
  double fatigue_at(float fatigue, core::SimTime updated, core::SimTime now) const override {
    return decayed_fatigue(fatigue, updated, now);
  }
  void respond(const core::RequestContext& request, std::span<const core::ShownAd> shown,
               std::span<core::ImpressionOutcome> outcomes, core::UserState& state,
               core::Rng& rng) const override;

  // P(click | examined) for one user-ad pair at the given fatigue; `intent`: intent_logit() of the
  // request (0 on feed).
  double click_probability(std::span<const float> user, core::AdId ad, double fatigue, double intent = 0.0) const;
  // The logit added for this request and ad: ln(search_match_odds) when the request is a search
  // whose query category is the ad's category, else 0.
  double intent_logit(const core::RequestContext& request, core::AdId ad) const {
    return request.is_search() && world_.ads.category[ad] == request.query_category ? search_match_logit_ : 0.0;
  }
  // The logit a treated user's novelty adds (GroundTruthParams::novelty_logit), 0 for the others.
  double novelty_logit(const core::RequestContext& request) const {
    if (params_.novelty_logit == 0.0 || request.arm != 1) return 0.0;
    return params_.novelty_logit * std::exp2(-static_cast<double>(request.time) / novelty_half_life_us_);
  }
  double examination(int slot) const override;
  double conversion_probability(core::AdId ad) const override;
  // Brings fatigue up to `now` by exponential decay.
  double decayed_fatigue(double fatigue, core::SimTime since, core::SimTime now) const;
  const GroundTruthParams& params() const { return params_; }

 private:
  double affinity(std::span<const float> user, core::AdId ad) const;

  const core::World& world_;
  GroundTruthParams params_;
  double decay_per_us_;  // ln 2 / half-life
  double search_match_logit_;  // ln(search_match_odds)
  double novelty_half_life_us_;
};

}  // namespace adsim::models

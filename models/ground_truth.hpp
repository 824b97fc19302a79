#pragma once
#include <cmath>
#include <cstddef>
#include <vector>
#include "core/user_response.hpp"
#include "core/world.hpp"
#include "models/ground_truth_params.hpp"

namespace adsim::models {

// The hidden truth of how users respond to ads: which slots a user examines (the click model:
// position-based or cascade, GroundTruthParams::click_model) and, in an examined slot, a click with
// the ad's attractiveness, which rises with user-ad affinity and ad quality and falls with fatigue
// (or is fixed per rank for experiments). Hides and reports are likelier for poor or irrelevant ads;
// they tire users, and tired users leave.
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
  // P(examine slot s) in the position model (truth.examination); the cascade does not use it.
  double examination(int slot) const;
  // P(examine the top slot): examination(0), or 1 in the cascade.
  double top_examination() const { return cascade_ ? 1.0 : examination(0); }
  double page_welfare(std::span<const double> value, std::span<const float> top_ctr,
                      std::span<const int> slot) const override;
  double best_page_welfare(std::span<const double> value, std::span<const float> top_ctr,
                           std::size_t slots) const override;
  double conversion_probability(core::AdId ad) const override;
  // Brings fatigue up to `now` by exponential decay.
  double decayed_fatigue(double fatigue, core::SimTime since, core::SimTime now) const;
  const GroundTruthParams& params() const { return params_; }

 private:
  // The fatigue a page accumulates and what is fixed for all its slots.
  struct Page {
    double fatigue;           // grows with the page's examined ads, hides, reports and bad clicks
    double fatigue_at_page;   // the click model reads fatigue as of the page
    double novelty;
  };
  double affinity(std::span<const float> user, core::AdId ad) const;
  // click_probability, inlined into true_ctr's loop over the candidates.
  [[gnu::always_inline]] inline double own_attractiveness(std::span<const float> user, core::AdId ad, double fatigue,
                                                          double intent) const;
  void fixed_true_ctr(std::span<float> out) const;
  template <bool kCascade>
  void respond_as(const core::RequestContext& request, std::span<const core::ShownAd> shown,
                  std::span<core::ImpressionOutcome> outcomes, Page& page, core::Rng& rng) const;
  // Samples what the user does with an ad they examine; true when they click it. Per examined slot,
  // so inlined into respond_as (as the loop body was before the cascade split it out).
  [[gnu::always_inline]] inline bool respond_to_examined(const core::RequestContext& request,
                                                         const core::ShownAd& shown, core::ImpressionOutcome& o,
                                                         Page& page, core::Rng& rng) const;
  // The fixed attractiveness of slot s (rank_attractiveness; later slots use the last entry).
  double rank_attractiveness(int slot) const;
  // Position model: the existing separable welfare (bit for bit as before the cascade existed).
  double position_best_welfare(std::span<const double> value, std::span<const float> top_ctr, std::size_t slots) const;
  double cascade_best_welfare(std::span<const double> value, std::span<const float> top_ctr, std::size_t slots) const;
  // With rank_attractiveness no ad is more attractive than another: the best page puts the highest
  // values in the slots with the most clicks (ranks 0..n-1 only: a page has no gaps).
  double fixed_rank_best_welfare(std::span<const double> value, std::size_t slots) const;

  const core::World& world_;
  GroundTruthParams params_;
  bool cascade_;
  double stop_after_click_;  // 1 - cascade_continue
  double decay_per_us_;  // ln 2 / half-life
  double search_match_logit_;  // ln(search_match_odds)
  double novelty_half_life_us_;
};

// The click-through rate by rank that fixed attractiveness (params.rank_attractiveness, a_k) gives in
// closed form, for `ranks` ranks: the position model e_k a_k (e: examination); the cascade
// a_k prod_{j<k} (1 - (1 - c) a_j), c: cascade_continue (c = 0: the classic cascade). Empty without
// rank_attractiveness.
std::vector<double> closed_form_ctr_by_rank(const GroundTruthParams& params, std::size_t ranks);

}  // namespace adsim::models

#include "auction/gsp.hpp"

#include <algorithm>
#include <array>

#include "auction/allocation.hpp"
#include "auction/candidate_view.hpp"

namespace adsim::auction {

void run_gsp(const core::AuctionCandidates& candidates, const core::AuctionRules& rules_in,
             std::span<double> rank_scores, core::AuctionResult& result) {
  const CandidateView c(candidates, rules_in.quality_exponent);
  const RulesView rules(rules_in);
  Ranking ranking;
  rank_and_allocate(c, rules, rank_scores, ranking, result);
  std::array<double, core::kMaxSlots> comp;
  for (int s = 0; s < ranking.filled; ++s) {
    const std::uint32_t i = ranking.index[s];
    if (ranking.per_slot) {
      competitor_thresholds(c, rules, rank_scores, ranking, s, s, comp);
    } else {
      // One reserve: without the winner, slot s would go to the next in rank order.
      comp[s] = s + 1 < ranking.ranked ? ranking.score[s + 1] / c.weight(i) : 0.0;
    }
    const double floor_per_click = std::max(rules.reserve(s), c.own_reserve(i));
    const double reserve_ecpm = floor_per_click * c.pctr(i);
    const double theta = rules.factor(s);
    core::SlotAward& award = result.slots[s];
    award.candidate = i;
    award.rank_score = ranking.score[s];
    award.reserve_bound = reserve_ecpm > comp[s];
    award.price = c.to_billing(i, std::max(reserve_ecpm, comp[s]), theta, floor_per_click);
    award.expected_payment = award.price * c.billing_events(i, theta);
  }
  result.filled = ranking.filled;
}

}  // namespace adsim::auction

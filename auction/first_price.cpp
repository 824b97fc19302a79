#include "auction/first_price.hpp"

#include "auction/allocation.hpp"
#include "auction/candidate_view.hpp"

namespace adsim::auction {

void run_first_price(const core::AuctionCandidates& candidates, const core::AuctionRules& rules_in,
                     std::span<double> rank_scores, core::AuctionResult& result) {
  const CandidateView c(candidates, rules_in.quality_exponent);
  const RulesView rules(rules_in);
  Ranking ranking;
  rank_and_allocate(c, rules, rank_scores, ranking, result);
  for (int s = 0; s < ranking.filled; ++s) {
    const std::uint32_t i = ranking.index[s];
    const double theta = rules.factor(s);
    core::SlotAward& award = result.slots[s];
    award.candidate = i;
    award.rank_score = ranking.score[s];
    award.reserve_bound = false;
    award.price = c.pay_your_bid(i, theta);
    award.expected_payment = award.price * c.billing_events(i, theta);
  }
  result.filled = ranking.filled;
}

}  // namespace adsim::auction

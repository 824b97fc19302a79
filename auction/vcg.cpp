#include "auction/vcg.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "auction/allocation.hpp"
#include "auction/candidate_view.hpp"

namespace adsim::auction {

void run_vcg(const core::AuctionCandidates& candidates, const core::AuctionRules& rules_in,
             std::span<double> rank_scores, core::AuctionResult& result) {
  const CandidateView c(candidates, rules_in.quality_exponent);
  const RulesView rules(rules_in);
  Ranking ranking;
  rank_and_allocate(c, rules, rank_scores, ranking, result);
  const int k = ranking.slots;
  std::array<double, core::kMaxSlots> comp;
  for (int s = 0; s < ranking.filled; ++s) {
    competitor_thresholds(c, rules, rank_scores, ranking, s, k - 1, comp);
    const std::uint32_t i = ranking.index[s];
    const double own = c.own_reserve(i);
    const double pctr = c.pctr(i);
    // tau_t = lowest eCPM that still wins slot t or better = running minimum of the per-slot
    // thresholds from s down (with per-slot reserves a lower slot can be cheaper to reach).
    double tau = std::numeric_limits<double>::infinity();
    double tau_without_reserve = std::numeric_limits<double>::infinity();
    double sum = 0.0;
    double sum_without_reserve = 0.0;
    for (int t = s; t < k; ++t) {
      const double reserve_ecpm = std::max(rules.reserve(t), own) * pctr;
      tau = std::min(tau, std::max(reserve_ecpm, comp[t]));
      tau_without_reserve = std::min(tau_without_reserve, comp[t]);
      const double d = rules.factor(t) - rules.factor_or_zero(t + 1);
      if (d != 0.0) {
        sum += d * tau;
        sum_without_reserve += d * tau_without_reserve;
      }
    }
    const double theta = rules.factor(s);
    core::SlotAward& award = result.slots[s];
    award.candidate = i;
    award.rank_score = ranking.score[s];
    award.reserve_bound = sum > sum_without_reserve;
    award.price = c.to_billing(i, sum / theta, theta, std::max(rules.global_reserve(), own));
    award.expected_payment = award.price * c.billing_events(i, theta);
  }
  result.filled = ranking.filled;
}

}  // namespace adsim::auction

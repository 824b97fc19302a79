#pragma once
#include <span>
#include <string_view>

#include "core/auction_mechanism.hpp"

namespace adsim::auction {

// Generalized second price over k slots. Candidates are ranked by bid x pCTR x quality^alpha (on
// the eCPM scale, see core/auction_mechanism.hpp); the winner of slot s pays, per click, the
// lowest bid that would still have kept slot s: max(reserve of slot s, own reserve,
// next rank score / (pCTR x quality^alpha)), never above its bid. Allocation-free.
void run_gsp(const core::AuctionCandidates& candidates, const core::AuctionRules& rules,
             std::span<double> rank_scores, core::AuctionResult& result);

class GspMechanism final : public core::AuctionMechanism {
 public:
  std::string_view name() const override { return "gsp"; }
  void run(const core::AuctionCandidates& candidates, const core::AuctionRules& rules,
           std::span<double> rank_scores, core::AuctionResult& result) const override {
    run_gsp(candidates, rules, rank_scores, result);
  }
};

}  // namespace adsim::auction

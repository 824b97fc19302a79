#pragma once
#include <span>
#include <string_view>

#include "core/auction_mechanism.hpp"

namespace adsim::auction {

// First price (pay your bid) over k slots: same allocation as GSP, and each winner pays its own
// bid per billing event (a CPM bid, being per reference impression, is scaled by the slot's
// position factor). The reserve only excludes; it never sets a price, so reserve_bound is false.
void run_first_price(const core::AuctionCandidates& candidates, const core::AuctionRules& rules,
                     std::span<double> rank_scores, core::AuctionResult& result);

class FirstPriceMechanism final : public core::AuctionMechanism {
 public:
  std::string_view name() const override { return "first_price"; }
  void run(const core::AuctionCandidates& candidates, const core::AuctionRules& rules,
           std::span<double> rank_scores, core::AuctionResult& result) const override {
    run_first_price(candidates, rules, rank_scores, result);
  }
};

}  // namespace adsim::auction

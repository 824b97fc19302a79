#pragma once
#include <span>
#include <string_view>

#include "core/auction_mechanism.hpp"

namespace adsim::auction {

// Vickrey-Clarke-Groves over k slots with position effects. Same allocation as GSP; the winner of
// slot s pays the externality it imposes on the others: with theta_t the position factors
// (theta_k = 0) and tau_t the lowest bid that would still win slot t or better,
//   price per click = sum_{t=s}^{k-1} (theta_t - theta_{t+1}) tau_t / theta_s,
// a weighted average of the GSP thresholds of the slots below, so VCG <= GSP slot by slot. With
// alpha > 0 the externality is measured in quality-weighted value (the affine-maximizer VCG),
// which keeps truthful bidding dominant. Reserves floor each tau_t (the Myerson payment of the
// same allocation). Allocation-free.
void run_vcg(const core::AuctionCandidates& candidates, const core::AuctionRules& rules,
             std::span<double> rank_scores, core::AuctionResult& result);

class VcgMechanism final : public core::AuctionMechanism {
 public:
  std::string_view name() const override { return "vcg"; }
  void run(const core::AuctionCandidates& candidates, const core::AuctionRules& rules,
           std::span<double> rank_scores, core::AuctionResult& result) const override {
    run_vcg(candidates, rules, rank_scores, result);
  }
};

}  // namespace adsim::auction

#pragma once
// A deliberately simple GSP (full sort, allocation allowed) used as a test double for the
// marketplace tests in core/, which must not depend on auction/.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "core/auction_mechanism.hpp"

namespace adsim::testing {

class ReferenceGsp final : public core::AuctionMechanism {
 public:
  std::string_view name() const override { return "reference_gsp"; }
  void run(const core::AuctionCandidates& c, const core::AuctionRules& rules, std::span<double> rank,
           core::AuctionResult& result) const override {
    result = {};
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < c.size(); ++i) {
      rank[i] = c.bid[i] * c.pctr[i] * std::pow(c.quality[i], rules.quality_exponent);
      if (c.bid[i] >= rules.reserve) order.push_back(i);
      else ++result.below_reserve;
    }
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return rank[a] > rank[b] || (rank[a] == rank[b] && a < b);
    });
    const std::size_t k = std::min<std::size_t>(order.size(), static_cast<std::size_t>(rules.slots));
    for (std::size_t s = 0; s < k; ++s) {
      const std::size_t i = order[s];
      const double weight = c.pctr[i] * std::pow(c.quality[i], rules.quality_exponent);
      double price = rules.reserve;
      bool reserve = true;
      if (s + 1 < order.size()) {
        const double competitor = rank[order[s + 1]] / weight;
        if (competitor > price) {
          price = competitor;
          reserve = false;
        }
      }
      result.slots[s] = {static_cast<std::uint32_t>(i), std::min(price, c.bid[i]), rank[i], reserve};
    }
    result.filled = static_cast<int>(k);
  }
};

}  // namespace adsim::testing

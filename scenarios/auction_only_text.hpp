#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "auction/auction_only.hpp"

// The text `adsim run` prints for an auction-only run, shared with the desktop app's classroom
// window: the metrics per auction, per slot, and each bidder's awards per slot and budget.
namespace adsim::scenarios {

// `names`: the bidders' names ([[auction_only.bidder]] name; may be empty or shorter than the bidders).
std::string auction_only_text(const std::string& name, std::uint64_t seed, const auction::AuctionOnlyResult& r,
                              double wall_seconds, const std::vector<std::string>& names = {});

// Digits grouped by commas: 1234567 -> "1,234,567".
std::string thousands(std::uint64_t v);

}  // namespace adsim::scenarios

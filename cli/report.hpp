#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "auction/auction_only.hpp"
#include "core/metrics.hpp"

namespace adsim::cli {

// The human-readable summary printed after a run: headline metrics, then the campaigns.
std::string summary_table(const core::RunSummary& summary, int top_campaigns = 10);
// The same figures as one JSON object (money in currency units, times in seconds).
nlohmann::ordered_json summary_json(const core::RunSummary& summary);
// Auction-only rounds: the metrics report with standard errors, per slot and per bidder.
std::string auction_only_table(const std::string& name, std::uint64_t seed, const auction::AuctionOnlyResult& r,
                               double wall_seconds);
nlohmann::ordered_json auction_only_json(const std::string& name, std::uint64_t seed, const auction::AuctionOnlyResult& r,
                                         double wall_seconds);
// "06:15" style clock for a simulated time (days prefixed when past the first day).
std::string clock(core::SimTime t);

}  // namespace adsim::cli

#pragma once
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auction/auction_only.hpp"
#include "core/metrics.hpp"
#include "scenarios/scenario.hpp"

namespace adsim::cli {

// The human-readable summary printed after a run: headline metrics, then the campaigns.
// `closed_form_ctr`: each slot's CTR as fixed attractiveness predicts it
// (models::closed_form_ctr_by_rank), shown under the measured CTR by slot; empty: none.
std::string summary_table(const core::RunSummary& summary, int top_campaigns = 10,
                          std::span<const double> closed_form_ctr = {});
// The same figures as one JSON object (money in currency units, times in seconds), without where
// they came from (run_json adds that).
nlohmann::ordered_json summary_json(const core::RunSummary& summary, std::span<const double> closed_form_ctr = {});
// Auction-only rounds: the metrics report with standard errors, per slot and per bidder.
// `names`: the bidders' names ([[auction_only.bidder]] name; may be empty or shorter than the bidders).
nlohmann::ordered_json auction_only_json(const auction::AuctionOnlyResult& r, const std::vector<std::string>& names = {});
// Where a run's figures came from: the top level of every `adsim run --json`, marketplace or
// auction-only alike, with the mode's figures under "summary".
struct RunProvenance {
  std::string mode;  // "marketplace" or "auction_only"
  const scenarios::Scenario* scenario = nullptr;
  std::optional<std::int64_t> run_id;  // when stored
  std::string database;                // "" when not stored
  bool interrupted = false;
  double wall_seconds = 0;
};
nlohmann::ordered_json run_json(const RunProvenance& provenance, nlohmann::ordered_json summary);

// A finite number, or null (JSON has no NaN): an undefined metric.
inline nlohmann::ordered_json number_or_null(double x) {
  return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json();
}

// The SHA-256 of `text` in lowercase hex, as `sha256sum` prints it.
std::string sha256_hex(std::string_view text);

// "06:15" style clock for a simulated time (days prefixed when past the first day).
std::string clock(core::SimTime t);

}  // namespace adsim::cli

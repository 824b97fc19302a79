#pragma once
#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "auction/allocation.hpp"
#include "core/auction_mechanism.hpp"
#include "core/metrics.hpp"

// Wiring helpers for the pipeline and the scenario layer: name -> mechanism, input validation
// with readable messages (called when a scenario is loaded, not per request), and the per-candidate
// outcome of an auction for the auction log.
namespace adsim::auction {

inline constexpr std::array<std::string_view, 3> kMechanismNames = {"gsp", "vcg", "first_price"};

// "gsp", "vcg", "first_price" (also "second_price", an alias of gsp: with one slot GSP and VCG are
// both the Vickrey auction). nullopt for anything else.
std::optional<MechanismKind> parse_mechanism(std::string_view name);
std::unique_ptr<core::AuctionMechanism> make_mechanism(MechanismKind kind);
// nullptr if the name is unknown; see parse_mechanism for the accepted names.
std::unique_ptr<core::AuctionMechanism> make_mechanism(std::string_view name);

// Empty if the rules are usable, else what is wrong ("position_factors must be non-increasing:
// slot 2 has 0.8 after 0.6").
std::string check_rules(const core::AuctionRules& rules);
// Empty if the candidate spans are consistent, else what is wrong.
std::string check_candidates(const core::AuctionCandidates& candidates);

// Everything the auction decided about one candidate (issue 3, item 5).
struct CandidateOutcome {
  double bid = 0.0;  // per billing event, as submitted
  double pctr = 0.0;
  double quality = 1.0;
  core::BillingModel billing = core::BillingModel::kCpc;
  double rank_score = 0.0;
  int slot = -1;                // -1: not shown
  double price = 0.0;           // per billing event, if shown
  double price_per_click = 0.0; // the same price as an expected price per click, if shown
  bool reserve_bound = false;   // shown, and the reserve set the price
  bool below_reserve = false;   // excluded because the bid did not meet the reserve
};

// out has candidates.size() entries, in candidate order.
void describe_outcomes(const core::AuctionCandidates& candidates, const core::AuctionRules& rules,
                       std::span<const double> rank_scores, const core::AuctionResult& result,
                       std::span<CandidateOutcome> out);

// Fills pctr, quality, rank_score, slot, price (per click) and reserve_bound of the pipeline's log
// rows (out[i] describes candidate i); ad, campaign, bid, pacing and true CTR are the caller's.
void annotate_log(const core::AuctionCandidates& candidates, const core::AuctionRules& rules,
                  std::span<const double> rank_scores, const core::AuctionResult& result,
                  std::span<core::AuctionLogCandidate> out);

}  // namespace adsim::auction

#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "auction/candidate_view.hpp"
#include "core/auction_mechanism.hpp"

// The allocation shared by every mechanism, and the per-winner thresholds the pricing rules are
// built from. docs/auctions.md states the formulas; this file is their single implementation.
namespace adsim::auction {

enum class MechanismKind : std::uint8_t { kGsp = 0, kVcg = 1, kFirstPrice = 2 };

std::string_view to_string(MechanismKind kind);

// The ranked candidates of one request, on the stack.
struct Ranking {
  int slots = 0;   // effective number of slots k
  int filled = 0;  // slots awarded
  // Uniform reserve: the top min(k+1, eligible) eligible candidates in rank order (the (k+1)-th
  // prices the last slot). Per-slot reserves: the winners in slot order.
  int ranked = 0;
  bool per_slot = false;
  // Only the first `ranked` entries are meaningful (left uninitialised: this is on every request's
  // stack).
  std::array<std::uint32_t, core::kMaxSlots + 1> index;
  std::array<double, core::kMaxSlots + 1> score;
};

// Writes every candidate's rank score, counts reserve exclusions and allocates the slots: each
// slot, top down, goes to the best-ranked remaining candidate that meets its reserve; the first
// slot nobody meets ends the block. Ties go to the lower candidate index. O(n) with a uniform
// reserve (partial selection of the top k+1, no sort), O(n k) with per-slot reserves.
void rank_and_allocate(const CandidateView& c, const RulesView& rules, std::span<double> rank_scores,
                       Ranking& ranking, core::AuctionResult& result);

// For the winner of slot s: comp[u] for u in [s, last] is the eCPM the winner must exceed to be
// ranked above the candidate that would take slot u if the winner were absent (0: nobody would,
// so the reserve alone decides; +inf: slot u could not be reached without the winner, because
// the block would end earlier). These thresholds, floored by reserves, are the prices.
void competitor_thresholds(const CandidateView& c, const RulesView& rules,
                           std::span<const double> rank_scores, const Ranking& ranking, int s, int last,
                           std::array<double, core::kMaxSlots>& comp);

// One entry point for the three mechanisms (GSP, VCG, first price); the classes in gsp.hpp,
// vcg.hpp and first_price.hpp call it.
void run_auction(MechanismKind kind, const core::AuctionCandidates& candidates, const core::AuctionRules& rules,
                 std::span<double> rank_scores, core::AuctionResult& result);

}  // namespace adsim::auction

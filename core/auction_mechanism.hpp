#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/ids.hpp"

namespace adsim::core {

// The candidates that reach the auction, as parallel arrays (structure of arrays) so mechanisms
// scan them without chasing pointers. All money is in micros (double, so prices can be computed
// exactly before rounding once at billing).
//
// Every bid is in its candidate's billing unit. The mechanisms treat all bids as values per
// expected click at the reference (top) position, so a candidate's expected value per reference
// impression ("eCPM") is bid x pCTR (CPC), bid (CPM) or bid x pCTR x pCVR (CPA); ranking and
// pricing happen on that scale and the price is converted back to the billing unit. See
// docs/auctions.md for the exact formulas.
struct AuctionCandidates {
  std::span<const double> bid;      // per billing event (click for CPC), after pacing
  std::span<const double> pctr;     // calibrated click probability at the reference (top) position;
                                    // empty: 1 for every candidate (auction-only rounds sell items)
  std::span<const double> quality;  // platform-side quality score, > 0; 1 is neutral; empty: all 1
  // Optional extensions; an empty span keeps the behaviour callers had before they existed.
  // (Default member initializers, so `{bid, pctr, quality}` still compiles warning-free.)
  std::span<const BillingModel> billing = {};  // empty: every candidate pays per click
  std::span<const double> pcvr = {};           // P(conversion | click); required if any bills per conversion
  std::span<const double> reserve = {};        // per-candidate reserve per click (e.g. a campaign's
                                               // Myerson reserve); empty: none. Combined with the
                                               // rules' reserves by max.
  std::size_t size() const { return bid.size(); }
};

struct AuctionRules {
  int slots = 4;
  // Relative click-through of each slot versus the top one (position effect), size >= slots,
  // positive and non-increasing. Empty: every slot has factor 1.
  std::span<const double> position_factors;
  double reserve = 0.0;           // minimum price per click, micros
  double quality_exponent = 1.0;  // alpha in bid x pCTR x quality^alpha
  // Optional per-slot reserve per click; slot s uses max(reserve, slot_reserves[s]). Empty, or
  // shorter than slots: the global reserve for the slots it does not cover.
  std::span<const double> slot_reserves = {};
};

struct SlotAward {
  std::uint32_t candidate = 0;  // index into AuctionCandidates
  double price = 0.0;           // per billing event, micros; never above the bid
  double rank_score = 0.0;
  bool reserve_bound = false;   // the price was set by the reserve, not by a competitor
  // Expected payment for this impression in this slot, micros: price x expected billing events
  // (pCTR x position factor for CPC, 1 for CPM, pCTR x position factor x pCVR for CPA).
  double expected_payment = 0.0;
};

struct AuctionResult {
  int filled = 0;  // slots awarded, in rank order: slots[0] is the top slot
  std::array<SlotAward, kMaxSlots> slots{};
  int below_reserve = 0;  // candidates excluded because their bid was below the reserve
  int eligible = 0;       // candidates that met the reserve with a positive rank score
};

// A mechanism maps candidates to slot awards and prices. It is called once per request (a virtual
// call per request, never per candidate) and must not allocate.
class AuctionMechanism {
 public:
  virtual ~AuctionMechanism() = default;
  virtual std::string_view name() const = 0;
  // rank_scores has candidates.size() entries and receives every candidate's rank score.
  virtual void run(const AuctionCandidates& candidates, const AuctionRules& rules,
                   std::span<double> rank_scores, AuctionResult& result) const = 0;
};

}  // namespace adsim::core

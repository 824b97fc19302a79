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
struct AuctionCandidates {
  std::span<const double> bid;      // per billing event (click for CPC), after pacing
  std::span<const double> pctr;     // calibrated click probability at the reference (top) position
  std::span<const double> quality;  // platform-side quality score, > 0; 1 is neutral
  std::size_t size() const { return bid.size(); }
};

struct AuctionRules {
  int slots = 4;
  // Relative click-through of each slot versus the top one (position effect), size >= slots.
  std::span<const double> position_factors;
  double reserve = 0.0;           // minimum price per click, micros
  double quality_exponent = 1.0;  // alpha in bid x pCTR x quality^alpha
};

struct SlotAward {
  std::uint32_t candidate = 0;  // index into AuctionCandidates
  double price = 0.0;           // per billing event, micros; never above the bid
  double rank_score = 0.0;
  bool reserve_bound = false;   // the price was set by the reserve, not by a competitor
};

struct AuctionResult {
  int filled = 0;  // slots awarded, in rank order: slots[0] is the top slot
  std::array<SlotAward, kMaxSlots> slots{};
  int below_reserve = 0;  // candidates excluded because their bid was below the reserve
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

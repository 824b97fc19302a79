#pragma once
#include <array>
#include <cstdint>
#include <span>

#include "core/auction_mechanism.hpp"
#include "core/ids.hpp"

namespace adsim::auction {

// Sums over auctions, per slot and overall. All quantities are expected values per impression:
// a winner in slot s with value v per click and pCTR p contributes value v x p x theta_s and pays
// its SlotAward::expected_payment, so Monte-Carlo noise from clicks never hides the mechanism.
struct SlotTotals {
  std::uint64_t shown = 0;
  std::uint64_t reserve_bound = 0;
  double revenue = 0.0;
  double value = 0.0;       // winners' value (welfare from this slot)
  double best_value = 0.0;  // what the welfare-maximising assignment would get from this slot
  double price_to_bid = 0.0;  // sum over awards of price / bid
};

struct SlotReport {
  double fill_rate = 0.0;  // share of auctions that filled this slot
  double revenue = 0.0;    // per auction
  double surplus = 0.0;    // per auction
  double welfare = 0.0;    // per auction
  double efficiency = 0.0; // welfare / best possible welfare of this slot
  double price_to_bid = 0.0;       // mean over awards
  double reserve_bind_rate = 0.0;  // share of this slot's awards whose price the reserve set
};

struct AuctionMetricsReport {
  std::uint64_t auctions = 0;
  int slots = 0;  // the most slots any auction offered
  // Per auction, with the standard error of that mean (sample standard deviation / sqrt(N)).
  double revenue = 0.0, revenue_se = 0.0;
  double surplus = 0.0, surplus_se = 0.0;  // advertiser surplus: value - payment
  double welfare = 0.0, welfare_se = 0.0;  // revenue + surplus = value of the ads shown
  double best_welfare = 0.0;
  double efficiency = 0.0;          // total welfare / total best possible welfare
  double price_to_bid = 0.0;        // mean price / bid over awards
  double reserve_bind_rate = 0.0;   // share of awards whose price the reserve set
  double fill_rate = 0.0;           // awarded slots / offered slots
  double request_fill_rate = 0.0;   // share of auctions that showed at least one ad
  double reserve_exclusion_rate = 0.0;  // candidates excluded by the reserve / candidates
  double no_ad_due_to_reserve_rate = 0.0;  // share of auctions that showed nothing, though
                                           // candidates bid, because none met the reserve
  std::array<SlotReport, core::kMaxSlots> per_slot{};
};

class AuctionMetrics {
 public:
  // One auction: value_per_click[i] is candidate i's true value per click (for a CPA campaign its
  // value per conversion x pCVR). No allocation.
  void add(const core::AuctionCandidates& candidates, std::span<const double> value_per_click,
           const core::AuctionRules& rules, const core::AuctionResult& result);
  AuctionMetrics& operator+=(const AuctionMetrics& other);

  std::uint64_t auctions() const { return auctions_; }
  double revenue() const { return revenue_; }
  double surplus() const { return value_ - revenue_; }
  double welfare() const { return value_; }
  double best_welfare() const { return best_value_; }
  const SlotTotals& slot(int s) const { return slot_[s]; }
  std::uint64_t filled_auctions() const { return filled_auctions_; }
  std::uint64_t no_ad_due_to_reserve() const { return no_ad_due_to_reserve_; }
  std::uint64_t candidates() const { return candidates_; }
  std::uint64_t reserve_excluded() const { return reserve_excluded_; }
  std::uint64_t slots_offered() const { return slots_offered_; }
  int max_slots() const { return max_slots_; }
  AuctionMetricsReport report() const;

 private:
  std::uint64_t auctions_ = 0;
  std::uint64_t filled_auctions_ = 0;
  std::uint64_t no_ad_due_to_reserve_ = 0;
  std::uint64_t candidates_ = 0;
  std::uint64_t reserve_excluded_ = 0;
  std::uint64_t slots_offered_ = 0;
  int max_slots_ = 0;
  double revenue_ = 0.0, revenue_sq_ = 0.0;
  double value_ = 0.0, value_sq_ = 0.0;
  double surplus_sq_ = 0.0;
  double best_value_ = 0.0;
  std::array<SlotTotals, core::kMaxSlots> slot_{};
};

}  // namespace adsim::auction

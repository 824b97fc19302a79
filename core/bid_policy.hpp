#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/sim_time.hpp"

namespace adsim::core {

// How a campaign's bid is set: a fixed bid, or auto-bidding to a target CPA or target ROAS.
enum class BiddingKind : std::uint8_t { kManual = 0, kTargetCpa = 1, kTargetRoas = 2 };

// One auto-bid campaign's realized outcome against its goal (see pacing/auto_bidder.hpp).
struct AutoBidOutcome {
  BiddingKind kind = BiddingKind::kManual;
  double target = 0.0;      // CPA in micros per conversion, or ROAS (value / spend)
  double multiplier = 1.0;  // the bidder's current multiplier m
  double realized = 0.0;    // CPA (micros) or ROAS; 0 when undefined
  double violation = 0.0;   // how far the realized figure is on the wrong side of the target, as a share of it
};

struct AutoBidTotals {
  std::uint32_t campaigns = 0;
  std::uint32_t violating = 0;
  double mean_violation = 0.0;  // spend-weighted
  double max_violation = 0.0;
};

// Auto-bidding as the ad server and the marketplace see it. The marketplace feeds it billed charges
// and attributed conversions and calls update() every interval(); the ad server asks it for the
// bids of the campaigns it manages, once per request for the whole batch.
class BidPolicy {
 public:
  virtual ~BidPolicy() = default;
  virtual std::string_view name() const = 0;
  virtual bool manages(CampaignId c) const = 0;
  // Bid per click (micros) for one managed campaign at predicted conversion probability pcvr.
  virtual double bid(CampaignId c, double pcvr) const = 0;
  // Overwrites bid[i] with the bid per click of every managed campaign in the batch; leaves the
  // others alone.
  virtual void bids(std::span<const CampaignId> campaigns, std::span<const float> pcvr, std::span<double> bid) const = 0;
  virtual SimTime interval() const = 0;
  virtual void update(SimTime now) = 0;
  virtual void on_charge(CampaignId c, Money billed) = 0;
  virtual void on_conversion(CampaignId c, double value) = 0;
  virtual AutoBidOutcome outcome(CampaignId c) const = 0;
  virtual AutoBidTotals totals() const = 0;
};

}  // namespace adsim::core

#pragma once
#include <cstdint>
#include <vector>

#include "core/bid_policy.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/sim_time.hpp"
#include "pacing/pacers.hpp"

namespace adsim::pacing {

// A campaign's auto-bidding goal. Money in micros.
struct AutoBidGoal {
  enum class Kind : std::uint8_t {
    kNone,        // not auto-bid: bid() returns 0 and the campaign keeps its own bid
    kTargetCpa,   // spend / conversions <= target
    kTargetRoas,  // conversion value / spend >= target
  };
  Kind kind = Kind::kNone;
  double target = 0.0;                // CPA in micros per conversion, or ROAS as a ratio
  double value_per_conversion = 0.0;  // tROAS: the value used when no predicted value is given
};

struct AutoBidderParams {
  core::SimTime interval = 15 * core::kMinute;  // multiplier updates; call update() this often
  double gain = 0.05;                 // eta: step in log m per unit of log(cost / allowance)
  core::SimTime half_life = 3 * core::kHour;  // H: of the exponentially weighted cost and allowance
  // Spend enters the comparison this much later, so it meets the conversions it could have produced
  // by then (conversions arrive after clicks). 0: no lag.
  core::SimTime conversion_lag = 0;
  double prior_conversions = 5.0;  // c0: pseudo-conversions at exactly the target, so early noise is damped
  double initial_multiplier = 1.0;
  double min_multiplier = 0.1;
  double max_multiplier = 10.0;
};

// The realized outcome of one campaign's goal, cumulative since the start. The violation is how far
// the realized figure is on the wrong side of the target, as a share of it (0 when met):
//   tCPA:  max(0, realized CPA / target - 1)     realized CPA = spend / conversions
//   tROAS: max(0, 1 - realized ROAS / target)    realized ROAS = value / spend
struct AutoBidStats {
  AutoBidGoal goal;
  double multiplier = 1.0;
  core::Money spend{0};
  std::uint64_t conversions = 0;
  double value = 0.0;
  double realized = 0.0;  // CPA (micros) or ROAS; 0 if undefined (no conversion / no spend)
  double violation = 0.0;
};

struct AutoBidSummary {
  std::uint32_t campaigns = 0;
  std::uint32_t violating = 0;        // campaigns with violation > 0
  double mean_violation = 0.0;        // spend-weighted
  double max_violation = 0.0;
};

// Target-CPA and target-ROAS bidding. A campaign's bid per click is
//   tCPA:  target * pCVR * m
//   tROAS: (predicted conversion value) * pCVR / target * m
// where pCVR is the predicted conversion probability per click and m a per-campaign multiplier
// adapted every interval so the realized CPA (ROAS) sits on its target. The bid then goes through
// the budget pacer, which only ever lowers it (dual, throttle, pid with max_phi <= 0): a budget that
// binds makes the goal slack, a goal that binds leaves budget unspent.
//
// Update, per campaign, every interval:
//   cost_k  = spend of the interval (x target for tROAS);  allow_k = conversions x target (tCPA)
//             or conversion value (tROAS) of the interval
//   C = d * C + cost_(k - lag),  A = d * A + allow_k,       d = 2^(-interval / H)
//   r = (C + k0) / (A + k0),    k0 = c0 x target (tCPA) or c0 x value_per_conversion (tROAS)
//   log m = clamp(log m - eta * log r, log m_min, log m_max)
// r > 1 means the recent cost per conversion is above target (or ROAS below): m comes down. While
// the budget pacer holds the campaign back, m is not raised (see update()).
class AutoBidder {
 public:
  // One goal per campaign. Throws std::invalid_argument for a malformed goal or parameters.
  AutoBidder(std::vector<AutoBidGoal> goals, AutoBidderParams params = {});

  std::size_t size() const { return goals_.size(); }
  const AutoBidGoal& goal(core::CampaignId c) const { return goals_[c]; }
  bool manages(core::CampaignId c) const { return goals_[c].kind != AutoBidGoal::Kind::kNone; }
  double multiplier(core::CampaignId c) const { return multiplier_[c]; }

  // Bid per click in micros for a request with predicted conversion probability per click `pcvr`
  // (tROAS: valued at the goal's value_per_conversion). 0 for campaigns without a goal.
  double bid(core::CampaignId c, double pcvr) const { return bid(c, pcvr, goals_[c].value_per_conversion); }
  double bid(core::CampaignId c, double pcvr, double predicted_value) const {
    switch (goals_[c].kind) {
      case AutoBidGoal::Kind::kTargetCpa: return goals_[c].target * pcvr * multiplier_[c];
      case AutoBidGoal::Kind::kTargetRoas: return predicted_value * pcvr / goals_[c].target * multiplier_[c];
      case AutoBidGoal::Kind::kNone: break;
    }
    return 0.0;
  }

  void on_charge(core::CampaignId c, core::Money billed);
  // value: the conversion's value (micros); negative means the goal's value_per_conversion.
  void on_conversion(core::CampaignId c, double value = -1.0);
  // Call every params().interval (the first call after one interval). With the budget pacer given,
  // m of a campaign the pacer is holding back (multiplier x pass-through rate < 1) may fall but not
  // rise: its budget binds, so a realized CPA below target is the pacer's doing and m must not wind
  // up against it.
  void update(core::SimTime now, const PacerBase* pacer = nullptr);

  const AutoBidderParams& params() const { return params_; }
  AutoBidStats stats(core::CampaignId c) const;
  AutoBidSummary summary() const;

 private:
  std::vector<AutoBidGoal> goals_;
  AutoBidderParams params_;
  std::size_t lag_slots_ = 0;
  double decay_ = 1.0;
  std::vector<double> multiplier_;
  std::vector<double> slice_cost_, slice_allow_;  // this interval
  std::vector<double> cost_w_, allow_w_;          // exponentially weighted
  std::vector<double> lag_ring_;                  // size() x lag_slots_: costs waiting to enter
  std::size_t lag_head_ = 0;
  std::vector<core::Money> spend_;
  std::vector<std::uint64_t> conversions_;
  std::vector<double> value_;
};

// The AutoBidder as the marketplace's bid policy (core::BidPolicy). The marketplace calls update()
// on its own event every params().interval and feeds billed charges and attributed conversions;
// the ad server asks for bids per request. With the run's pacer given (a PacerBase), a campaign the
// pacer holds back does not raise its multiplier (see AutoBidder::update).
class AutoBidPolicy final : public core::BidPolicy {
 public:
  AutoBidPolicy(AutoBidder bidder, const core::Pacer* pacer);

  std::string_view name() const override { return "auto_bidder"; }
  bool manages(core::CampaignId c) const override { return c < bidder_.size() && bidder_.manages(c); }
  double bid(core::CampaignId c, double pcvr) const override { return bidder_.bid(c, pcvr); }
  void bids(std::span<const core::CampaignId> campaigns, std::span<const float> pcvr, std::span<double> bid) const override;
  core::SimTime interval() const override { return bidder_.params().interval; }
  void update(core::SimTime now) override { bidder_.update(now, pacer_); }
  void on_charge(core::CampaignId c, core::Money billed) override {
    if (bidder_.manages(c)) bidder_.on_charge(c, billed);
  }
  void on_conversion(core::CampaignId c, double value) override {
    if (bidder_.manages(c)) bidder_.on_conversion(c, value);
  }
  core::AutoBidOutcome outcome(core::CampaignId c) const override;
  core::AutoBidTotals totals() const override;
  const AutoBidder& bidder() const { return bidder_; }

 private:
  AutoBidder bidder_;
  const PacerBase* pacer_;
};

// Goals from the campaigns' bidding kinds and targets (core::Campaign::bidding, bid_target);
// tROAS campaigns value conversions at their value_per_conversion.
std::vector<AutoBidGoal> auto_bid_goals(const std::vector<core::Campaign>& campaigns);

}  // namespace adsim::pacing

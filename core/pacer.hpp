#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "core/budget_ledger.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/random_streams.hpp"
#include "core/sim_time.hpp"

namespace adsim::core {

// Budget pacing: decides, for the campaigns whose ads reached the auction, whether each takes part
// (throttling) and by how much its bid is scaled (bid shading). One pacer object serves every
// campaign (it may apply a different strategy per campaign internally) and is called once per
// request with the whole batch.
class Pacer {
 public:
  virtual ~Pacer() = default;
  virtual std::string_view name() const = 0;
  // bid_multiplier arrives filled with 1 and participates with 1; campaigns may repeat.
  virtual void apply(SimTime now, std::span<const CampaignId> campaigns, std::span<double> bid_multiplier,
                     std::span<std::uint8_t> participates, Rng& rng) = 0;
  // Every billed charge, as it is booked.
  virtual void on_charge(CampaignId /*campaign*/, Money /*amount*/, SimTime /*now*/) {}
  // Called every control_interval() of simulated time when that is > 0.
  virtual SimTime control_interval() const { return 0; }
  virtual void on_control_tick(SimTime /*now*/, const BudgetLedger& /*budgets*/) {}
  // The planned cumulative spend of campaign c so far today at `now`, micros; negative when this
  // pacer does not plan spend. Used to measure how closely spend tracks the plan.
  virtual double target_spend(CampaignId /*campaign*/, SimTime /*now*/) const { return -1.0; }
  // After the ledger has reset daily spend.
  virtual void on_day_start(SimTime /*now*/, const BudgetLedger& /*budgets*/) {}
};

}  // namespace adsim::core

#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/budget_ledger.hpp"
#include "core/pacer.hpp"
#include "pacing/control_rules.hpp"
#include "pacing/pacer_params.hpp"
#include "pacing/spend_plan.hpp"

namespace adsim::pacing {

// The machinery every adsim pacer shares. It owns the spend plan (what each campaign should have
// spent by when), one control rule per strategy (how a campaign reacts to being ahead or behind),
// and per-campaign state in flat vectors sized at construction.
//
// Per request, apply() is one pass over the batch whatever the mix of strategies: each campaign's
// rule has already reduced its decision to a bid multiplier and a pass-through rate, so a
// candidate costs one cache line of state and, only if its campaign is throttled, one draw. A campaign that appears several times in a batch (several ads) is admitted or throttled
// once per request, with one draw. apply() never allocates.
//
// Per control tick, each rule updates its own campaigns: the pacer reads the ledger's spend today,
// the plan's target and its own spend since the previous update (summed from on_charge), and
// hands the rule a TickSignal. Campaigns whose budget is spent, or with nothing planned today, are
// not updated (their controller state is frozen, so an exhausted day does not unwind it).
class PacerBase : public core::Pacer {
 public:
  std::string_view name() const override { return name_; }
  void apply(core::SimTime now, std::span<const core::CampaignId> campaigns, std::span<double> bid_multiplier,
             std::span<std::uint8_t> participates, core::Rng& rng) override;
  void on_charge(core::CampaignId campaign, core::Money amount, core::SimTime now) override;
  core::SimTime control_interval() const override { return interval_; }
  void on_control_tick(core::SimTime now, const core::BudgetLedger& budgets) override;
  void on_day_start(core::SimTime now, const core::BudgetLedger& budgets) override;

  const SpendPlan& plan() const { return plan_; }
  double target_spend(core::CampaignId c, core::SimTime now) const override {
    return plan_.day_budget(c) > 0 ? plan_.target_spend(c, now) : -1.0;
  }
  // For the learned curve when PlanSpec::learn_from_apply is false.
  void record_requests(core::SimTime now, std::uint64_t requests = 1) { plan_.record_requests(now, requests); }

  std::size_t size() const { return hot_.size(); }
  std::size_t strategy_count() const { return rules_.size(); }
  std::uint32_t strategy_of(core::CampaignId c) const { return rule_of_[c]; }
  const ControlRule& strategy(std::size_t index) const { return *rules_[index]; }
  double multiplier(core::CampaignId c) const { return out_[c].multiplier; }
  double pass_rate(core::CampaignId c) const { return out_[c].pass_rate; }
  // Requests the campaign has reached since the pacer was built (throttled ones included), modulo
  // 2^32. Counted only by pacers that do something (not by an all-"none" pacer).
  std::uint32_t opportunities(core::CampaignId c) const { return hot_[c].opportunities; }

 protected:
  PacerBase(std::string name, SpendPlan plan, const std::vector<StrategyParams>& strategies,
            std::vector<std::uint32_t> strategy_of_campaign);

 private:
  // What apply() touches: one 32-byte record per campaign, never straddling a cache line. The
  // pass-through rate p is kept as an integer threshold, so a throttling decision is one 64-bit draw
  // and an integer compare: P(draw < threshold) = floor(p 2^64) / 2^64.
  struct alignas(32) Hot {
    double multiplier = 1.0;
    std::uint64_t threshold = 0;
    std::uint64_t stamp = 0;          // request sequence number of the last apply() that saw it
    std::uint32_t opportunities = 0;  // wraps after 4e9; ticks use differences
    std::uint8_t always = 1;          // p >= 1: no draw
    std::uint8_t admitted = 1;        // this request's throttling decision
  };
  void publish(core::CampaignId c);  // out_[c] -> hot_[c]
  void update_campaign(core::CampaignId c, core::SimTime now, const core::BudgetLedger& budgets);
  void reset_slice(core::CampaignId c, core::SimTime now);

  std::string name_;
  SpendPlan plan_;
  std::vector<std::unique_ptr<ControlRule>> rules_;
  std::vector<std::uint32_t> rule_of_;
  std::vector<std::vector<core::CampaignId>> members_;  // campaigns of each rule
  std::vector<core::SimTime> rule_next_due_;
  core::SimTime interval_ = 0;
  bool pass_through_ = true;
  bool learn_in_apply_ = false;
  std::uint64_t request_seq_ = 0;
  std::vector<Hot> hot_;
  std::vector<PacingOutput> out_;  // what the rules write
  // Per campaign, since its last update.
  std::vector<double> slice_spend_;
  std::vector<std::uint32_t> slice_charges_;
  std::vector<std::uint32_t> slice_opportunities_start_;
  std::vector<double> last_target_, last_fraction_, last_spent_;
  std::vector<core::SimTime> last_update_;
};

// none: every campaign bids its full bid until its budget is gone (the plan still exists, so
// metrics can compare its spend with a target curve).
class NoPacer final : public PacerBase {
 public:
  explicit NoPacer(SpendPlan plan);
};

class ThrottlingPacer final : public PacerBase {
 public:
  explicit ThrottlingPacer(SpendPlan plan, const ThrottlingParams& params = {});
};

class DualDescentPacer final : public PacerBase {
 public:
  explicit DualDescentPacer(SpendPlan plan, const DualDescentParams& params = {});
};

class PidPacer final : public PacerBase {
 public:
  explicit PidPacer(SpendPlan plan, const PidParams& params = {});
};

// A strategy per campaign: strategies[strategy_of_campaign[c]] paces campaign c (empty
// strategy_of_campaign: all use strategies[0]). The control interval is the gcd of the strategies'
// intervals; each strategy still updates at its own interval. Throws std::invalid_argument for a
// malformed assignment or out-of-range parameters.
class CompositePacer final : public PacerBase {
 public:
  CompositePacer(SpendPlan plan, const std::vector<StrategyParams>& strategies,
                 std::vector<std::uint32_t> strategy_of_campaign);
};

// The simplest pacer for the assignment: the single-strategy class when there is one strategy, the
// composite otherwise.
std::unique_ptr<PacerBase> make_pacer(SpendPlan plan, const std::vector<StrategyParams>& strategies,
                                      std::vector<std::uint32_t> strategy_of_campaign = {});

}  // namespace adsim::pacing

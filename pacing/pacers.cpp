#include "pacing/pacers.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/random/uniform_int_distribution.hpp>

namespace adsim::pacing {

using core::CampaignId;
using core::SimTime;

PacerBase::PacerBase(std::string name, SpendPlan plan, const std::vector<StrategyParams>& strategies,
                     std::vector<std::uint32_t> strategy_of_campaign)
    : name_(std::move(name)), plan_(std::move(plan)), rule_of_(std::move(strategy_of_campaign)) {
  const std::size_t n = plan_.size();
  if (strategies.empty()) throw std::invalid_argument("pacer '" + name_ + "': at least one strategy is required");
  for (const auto& s : strategies) rules_.push_back(make_rule(s, n));
  if (rule_of_.empty()) rule_of_.assign(n, 0);
  if (rule_of_.size() != n)
    throw std::invalid_argument("pacer '" + name_ + "': strategy assignment has " + std::to_string(rule_of_.size()) +
                                " entries for " + std::to_string(n) + " campaigns");
  members_.resize(rules_.size());
  for (std::size_t c = 0; c < n; ++c) {
    if (rule_of_[c] >= rules_.size())
      throw std::invalid_argument("pacer '" + name_ + "': campaign " + std::to_string(c) + " is assigned strategy " +
                                  std::to_string(rule_of_[c]) + " of " + std::to_string(rules_.size()));
    members_[rule_of_[c]].push_back(static_cast<CampaignId>(c));
  }
  rule_next_due_.assign(rules_.size(), 0);
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    const SimTime iv = rules_[r]->interval();
    if (iv > 0 && !members_[r].empty()) {
      interval_ = std::gcd(interval_, iv);
      rule_next_due_[r] = iv;
    }
    if (!rules_[r]->pass_through() && !members_[r].empty()) pass_through_ = false;
  }
  learn_in_apply_ = plan_.learns_from_apply();

  hot_.assign(n, Hot{});
  out_.assign(n, PacingOutput{});
  slice_spend_.assign(n, 0.0);
  slice_charges_.assign(n, 0);
  slice_opportunities_start_.assign(n, 0);
  last_target_.assign(n, 0.0);
  last_fraction_.assign(n, 0.0);
  last_spent_.assign(n, 0.0);
  last_update_.assign(n, 0);
  for (std::size_t c = 0; c < n; ++c) {
    const auto id = static_cast<CampaignId>(c);
    rules_[rule_of_[c]]->start_day(id, out_[c]);
    publish(id);
    reset_slice(id, 0);
  }
}

void PacerBase::apply(SimTime now, std::span<const CampaignId> campaigns, std::span<double> bid_multiplier,
                      std::span<std::uint8_t> participates, core::Rng& rng) {
  if (learn_in_apply_) plan_.record_requests(now);
  if (pass_through_) return;
  const std::uint64_t seq = ++request_seq_;
  const std::size_t n = campaigns.size();
  // Full 64-bit range: Boost returns the engine's output as is (no rejection, no float conversion).
  boost::random::uniform_int_distribution<std::uint64_t> draw;
  for (std::size_t i = 0; i < n; ++i) {
    Hot& h = hot_[campaigns[i]];
    if (h.stamp != seq) {
      h.stamp = seq;
      ++h.opportunities;
      h.admitted = h.always || draw(rng) < h.threshold ? 1 : 0;
    }
    bid_multiplier[i] *= h.multiplier;
    participates[i] = static_cast<std::uint8_t>(participates[i] & h.admitted);
  }
}

void PacerBase::publish(CampaignId c) {
  const PacingOutput& o = out_[c];
  Hot& h = hot_[c];
  h.multiplier = o.multiplier;
  h.always = o.pass_rate >= 1.0 ? 1 : 0;
  // For p < 1, p 2^64 <= 2^64 - 2^11: exact in a double and below the uint64 limit.
  h.threshold = o.pass_rate >= 1.0 ? ~std::uint64_t{0}
                : o.pass_rate > 0.0 ? static_cast<std::uint64_t>(std::ldexp(o.pass_rate, 64))
                                    : 0;
}

void PacerBase::on_charge(CampaignId campaign, core::Money amount, SimTime) {
  slice_spend_[campaign] += amount.as_double_micros();
  ++slice_charges_[campaign];
}

void PacerBase::reset_slice(CampaignId c, SimTime now) {
  slice_spend_[c] = 0.0;
  slice_charges_[c] = 0;
  slice_opportunities_start_[c] = hot_[c].opportunities;
  last_fraction_[c] = plan_.target_fraction(c, now);
  last_target_[c] = plan_.day_budget(c) * last_fraction_[c];
  last_update_[c] = now;
}

void PacerBase::update_campaign(CampaignId c, SimTime now, const core::BudgetLedger& budgets) {
  const double budget = plan_.day_budget(c);
  const SimTime elapsed = now - last_update_[c];
  if (budget > 0.0 && elapsed > 0 && budgets.has_budget(c)) {
    TickSignal s;
    s.now = now;
    s.elapsed = elapsed;
    s.budget = budget;
    const double fraction = plan_.target_fraction(c, now);
    s.target = budget * fraction;
    s.spent = budgets.spent_today(c).as_double_micros();
    s.slice_target = s.target - last_target_[c];
    const double open = 1.0 - last_fraction_[c];
    const double unspent = std::max(0.0, budget - last_spent_[c]);
    s.slice_replanned = open > 1e-9 ? unspent * (fraction - last_fraction_[c]) / open : unspent;
    s.slice_spend = slice_spend_[c];
    s.unit = budget * static_cast<double>(elapsed) / static_cast<double>(core::kDay);
    s.opportunities = static_cast<std::uint32_t>(hot_[c].opportunities - slice_opportunities_start_[c]);
    s.charges = slice_charges_[c];
    rules_[rule_of_[c]]->update(c, s, out_[c]);
    publish(c);
  }
  last_spent_[c] = budgets.spent_today(c).as_double_micros();
  reset_slice(c, now);
}

void PacerBase::on_control_tick(SimTime now, const core::BudgetLedger& budgets) {
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    const SimTime iv = rules_[r]->interval();
    if (iv <= 0 || members_[r].empty() || now < rule_next_due_[r]) continue;
    rule_next_due_[r] = (now / iv + 1) * iv;
    for (CampaignId c : members_[r]) update_campaign(c, now, budgets);
  }
}

void PacerBase::on_day_start(SimTime now, const core::BudgetLedger& budgets) {
  plan_.start_day(now, budgets);
  for (std::size_t c = 0; c < hot_.size(); ++c) {
    const auto id = static_cast<CampaignId>(c);
    rules_[rule_of_[c]]->start_day(id, out_[c]);
    publish(id);
    last_spent_[c] = budgets.spent_today(id).as_double_micros();
    reset_slice(id, now);
  }
}

NoPacer::NoPacer(SpendPlan plan) : PacerBase("none", std::move(plan), {NoPacingParams{}}, {}) {}

ThrottlingPacer::ThrottlingPacer(SpendPlan plan, const ThrottlingParams& params)
    : PacerBase("throttle", std::move(plan), {params}, {}) {}

DualDescentPacer::DualDescentPacer(SpendPlan plan, const DualDescentParams& params)
    : PacerBase("dual", std::move(plan), {params}, {}) {}

PidPacer::PidPacer(SpendPlan plan, const PidParams& params) : PacerBase("pid", std::move(plan), {params}, {}) {}

CompositePacer::CompositePacer(SpendPlan plan, const std::vector<StrategyParams>& strategies,
                               std::vector<std::uint32_t> strategy_of_campaign)
    : PacerBase("composite", std::move(plan), strategies, std::move(strategy_of_campaign)) {}

std::unique_ptr<PacerBase> make_pacer(SpendPlan plan, const std::vector<StrategyParams>& strategies,
                                      std::vector<std::uint32_t> strategy_of_campaign) {
  if (strategies.size() == 1) {
    struct Make {
      SpendPlan& plan;
      std::unique_ptr<PacerBase> operator()(const NoPacingParams&) const {
        return std::make_unique<NoPacer>(std::move(plan));
      }
      std::unique_ptr<PacerBase> operator()(const ThrottlingParams& p) const {
        return std::make_unique<ThrottlingPacer>(std::move(plan), p);
      }
      std::unique_ptr<PacerBase> operator()(const DualDescentParams& p) const {
        return std::make_unique<DualDescentPacer>(std::move(plan), p);
      }
      std::unique_ptr<PacerBase> operator()(const PidParams& p) const {
        return std::make_unique<PidPacer>(std::move(plan), p);
      }
    };
    return std::visit(Make{plan}, strategies.front());
  }
  return std::make_unique<CompositePacer>(std::move(plan), strategies, std::move(strategy_of_campaign));
}

}  // namespace adsim::pacing

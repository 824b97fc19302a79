#include "pacing/auto_bidder.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace adsim::pacing {

using core::CampaignId;

AutoBidder::AutoBidder(std::vector<AutoBidGoal> goals, AutoBidderParams params)
    : goals_(std::move(goals)), params_(params) {
  const auto& p = params_;
  if (p.interval <= 0) throw std::invalid_argument("auto-bidder: interval must be > 0");
  if (!(p.gain > 0.0 && std::isfinite(p.gain))) throw std::invalid_argument("auto-bidder: gain must be > 0");
  if (p.half_life <= 0) throw std::invalid_argument("auto-bidder: half_life must be > 0");
  if (p.conversion_lag < 0) throw std::invalid_argument("auto-bidder: conversion_lag must be >= 0");
  if (!(p.prior_conversions >= 0.0)) throw std::invalid_argument("auto-bidder: prior_conversions must be >= 0");
  if (!(p.min_multiplier > 0.0 && p.min_multiplier <= p.initial_multiplier && p.initial_multiplier <= p.max_multiplier &&
        std::isfinite(p.max_multiplier)))
    throw std::invalid_argument("auto-bidder: multipliers must satisfy 0 < min <= initial <= max < inf");
  for (std::size_t c = 0; c < goals_.size(); ++c) {
    const AutoBidGoal& g = goals_[c];
    if (g.kind == AutoBidGoal::Kind::kNone) continue;
    if (!(g.target > 0.0 && std::isfinite(g.target)))
      throw std::invalid_argument("auto-bidder: campaign " + std::to_string(c) + " needs a target > 0");
    if (g.kind == AutoBidGoal::Kind::kTargetRoas && !(g.value_per_conversion > 0.0))
      throw std::invalid_argument("auto-bidder: tROAS campaign " + std::to_string(c) +
                                  " needs value_per_conversion > 0");
  }
  const std::size_t n = goals_.size();
  lag_slots_ = static_cast<std::size_t>((p.conversion_lag + p.interval - 1) / p.interval);
  decay_ = std::exp2(-static_cast<double>(p.interval) / static_cast<double>(p.half_life));
  multiplier_.assign(n, p.initial_multiplier);
  slice_cost_.assign(n, 0.0);
  slice_allow_.assign(n, 0.0);
  cost_w_.assign(n, 0.0);
  allow_w_.assign(n, 0.0);
  lag_ring_.assign(n * lag_slots_, 0.0);
  spend_.assign(n, core::Money{0});
  conversions_.assign(n, 0);
  value_.assign(n, 0.0);
}

void AutoBidder::on_charge(CampaignId c, core::Money billed) {
  spend_[c] += billed;
  const AutoBidGoal& g = goals_[c];
  if (g.kind == AutoBidGoal::Kind::kTargetCpa) slice_cost_[c] += billed.as_double_micros();
  else if (g.kind == AutoBidGoal::Kind::kTargetRoas) slice_cost_[c] += billed.as_double_micros() * g.target;
}

void AutoBidder::on_conversion(CampaignId c, double value) {
  const AutoBidGoal& g = goals_[c];
  if (value < 0.0) value = g.value_per_conversion;
  ++conversions_[c];
  value_[c] += value;
  if (g.kind == AutoBidGoal::Kind::kTargetCpa) slice_allow_[c] += g.target;
  else if (g.kind == AutoBidGoal::Kind::kTargetRoas) slice_allow_[c] += value;
}

void AutoBidder::update(core::SimTime, const PacerBase* pacer) {
  const double lo = std::log(params_.min_multiplier), hi = std::log(params_.max_multiplier);
  for (std::size_t c = 0; c < goals_.size(); ++c) {
    const AutoBidGoal& g = goals_[c];
    if (g.kind == AutoBidGoal::Kind::kNone) continue;
    double cost = slice_cost_[c];
    if (lag_slots_ > 0) {
      // The ring holds the last lag_slots_ intervals' costs; the oldest enters now.
      double& slot = lag_ring_[c * lag_slots_ + lag_head_];
      std::swap(cost, slot);
    }
    cost_w_[c] = decay_ * cost_w_[c] + cost;
    allow_w_[c] = decay_ * allow_w_[c] + slice_allow_[c];
    slice_cost_[c] = 0.0;
    slice_allow_[c] = 0.0;
    const double k0 = params_.prior_conversions *
                      (g.kind == AutoBidGoal::Kind::kTargetCpa ? g.target : g.value_per_conversion);
    const double ratio = (cost_w_[c] + k0) / (allow_w_[c] + k0);
    if (!(ratio > 0.0) || !std::isfinite(ratio)) continue;  // nothing seen yet and no prior
    const double step = -params_.gain * std::log(ratio);
    const auto id = static_cast<CampaignId>(c);
    if (step > 0.0 && pacer && id < pacer->size() && pacer->multiplier(id) * pacer->pass_rate(id) < 1.0 - 1e-9)
      continue;
    multiplier_[c] = std::exp(std::clamp(std::log(multiplier_[c]) + step, lo, hi));
  }
  if (lag_slots_ > 0) lag_head_ = (lag_head_ + 1) % lag_slots_;
}

AutoBidStats AutoBidder::stats(CampaignId c) const {
  AutoBidStats s;
  s.goal = goals_[c];
  s.multiplier = multiplier_[c];
  s.spend = spend_[c];
  s.conversions = conversions_[c];
  s.value = value_[c];
  const double spend = spend_[c].as_double_micros();
  if (goals_[c].kind == AutoBidGoal::Kind::kTargetCpa) {
    if (conversions_[c] > 0) {
      s.realized = spend / static_cast<double>(conversions_[c]);
      s.violation = std::max(0.0, s.realized / goals_[c].target - 1.0);
    } else if (spend > 0) {
      s.violation = 1.0;  // money spent, nothing bought: count it as a full violation
    }
  } else if (goals_[c].kind == AutoBidGoal::Kind::kTargetRoas && spend > 0) {
    s.realized = value_[c] / spend;
    s.violation = std::max(0.0, 1.0 - s.realized / goals_[c].target);
  }
  return s;
}

AutoBidSummary AutoBidder::summary() const {
  AutoBidSummary s;
  double weighted = 0.0, total_spend = 0.0;
  for (std::size_t i = 0; i < goals_.size(); ++i) {
    const auto c = static_cast<CampaignId>(i);
    if (!manages(c)) continue;
    const AutoBidStats st = stats(c);
    ++s.campaigns;
    if (st.violation > 0) ++s.violating;
    s.max_violation = std::max(s.max_violation, st.violation);
    weighted += st.violation * st.spend.as_double_micros();
    total_spend += st.spend.as_double_micros();
  }
  s.mean_violation = total_spend > 0 ? weighted / total_spend : 0.0;
  return s;
}

AutoBidPolicy::AutoBidPolicy(AutoBidder bidder, const core::Pacer* pacer)
    : bidder_(std::move(bidder)), pacer_(dynamic_cast<const PacerBase*>(pacer)) {}

void AutoBidPolicy::bids(std::span<const CampaignId> campaigns, std::span<const float> pcvr, std::span<double> bid) const {
  for (std::size_t i = 0; i < campaigns.size(); ++i) {
    const CampaignId c = campaigns[i];
    if (bidder_.manages(c)) bid[i] = bidder_.bid(c, pcvr[i]);
  }
}

core::AutoBidOutcome AutoBidPolicy::outcome(CampaignId c) const {
  core::AutoBidOutcome o;
  if (!bidder_.manages(c)) return o;
  const AutoBidStats s = bidder_.stats(c);
  o.kind = s.goal.kind == AutoBidGoal::Kind::kTargetCpa ? core::BiddingKind::kTargetCpa : core::BiddingKind::kTargetRoas;
  o.target = s.goal.target;
  o.multiplier = s.multiplier;
  o.realized = s.realized;
  o.violation = s.violation;
  return o;
}

core::AutoBidTotals AutoBidPolicy::totals() const {
  const AutoBidSummary s = bidder_.summary();
  return {s.campaigns, s.violating, s.mean_violation, s.max_violation};
}

std::vector<AutoBidGoal> auto_bid_goals(const std::vector<core::Campaign>& campaigns) {
  std::vector<AutoBidGoal> goals(campaigns.size());
  for (std::size_t c = 0; c < campaigns.size(); ++c) {
    const core::Campaign& k = campaigns[c];
    if (k.bidding == core::BiddingKind::kTargetCpa) goals[c] = {AutoBidGoal::Kind::kTargetCpa, k.bid_target, k.value_per_conversion};
    else if (k.bidding == core::BiddingKind::kTargetRoas) goals[c] = {AutoBidGoal::Kind::kTargetRoas, k.bid_target, k.value_per_conversion};
  }
  return goals;
}

}  // namespace adsim::pacing

#include "pacing/spend_plan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace adsim::pacing {

using core::kDay;
using core::SimTime;

SpendPlan::SpendPlan(std::span<const core::Campaign> campaigns, PlanSpec spec) : spec_(std::move(spec)) {
  const std::size_t n = campaigns.size();
  if (spec_.curves.empty()) throw std::invalid_argument("spend plan: at least one curve is required");
  if (!spec_.curve_of_campaign.empty() && spec_.curve_of_campaign.size() != n)
    throw std::invalid_argument("spend plan: curve_of_campaign has " + std::to_string(spec_.curve_of_campaign.size()) +
                                " entries for " + std::to_string(n) + " campaigns");
  for (std::size_t c = 0; c < spec_.curve_of_campaign.size(); ++c)
    if (spec_.curve_of_campaign[c] >= spec_.curves.size())
      throw std::invalid_argument("spend plan: campaign " + std::to_string(c) + " uses curve " +
                                  std::to_string(spec_.curve_of_campaign[c]) + " of " +
                                  std::to_string(spec_.curves.size()));
  if (spec_.horizon_end <= 0) throw std::invalid_argument("spend plan: horizon_end must be > 0");
  // Validates the profile once, with its own message.
  const SpendCurve traffic = SpendCurve::traffic_proportional(spec_.traffic_profile);
  for (const CurveSpec& cs : spec_.curves) {
    learns_ = learns_ || cs.shape == CurveSpec::Shape::kLearned;
    const SpendCurve base = cs.shape == CurveSpec::Shape::kUniform ? SpendCurve::uniform() : traffic;
    (void)base.finishing_at(cs.finish_hour);  // throws for a bad hour
  }
  learner_ = TrafficLearner(traffic, spec_.learned_memory);

  curve_of_ = spec_.curve_of_campaign.empty() ? std::vector<std::uint32_t>(n, 0) : spec_.curve_of_campaign;
  daily_cap_.resize(n);
  total_cap_.resize(n);
  flight_start_.resize(n);
  flight_end_.resize(n);
  for (std::size_t c = 0; c < n; ++c) {
    const core::Campaign& k = campaigns[c];
    daily_cap_[c] = std::max(0.0, k.daily_budget.as_double_micros());
    total_cap_[c] = std::max(0.0, k.total_budget.as_double_micros());
    flight_start_[c] = k.flight_start;
    flight_end_[c] = k.flight_end > k.flight_start ? k.flight_end : std::numeric_limits<SimTime>::max();
  }
  day_budget_.assign(n, 0.0);
  window_lo_.assign(n, 0.0);
  window_span_.assign(n, 1.0);
  rebuild_curves();
  plan_day(0, [this](std::size_t c) { return total_cap_[c]; });
}

void SpendPlan::rebuild_curves() {
  curves_.clear();
  const SpendCurve traffic = SpendCurve::traffic_proportional(spec_.traffic_profile);
  for (const CurveSpec& cs : spec_.curves) {
    const SpendCurve& base = cs.shape == CurveSpec::Shape::kUniform  ? SpendCurve::uniform()
                             : cs.shape == CurveSpec::Shape::kTraffic ? traffic
                                                                      : learner_.curve();
    curves_.push_back(base.finishing_at(cs.finish_hour));
  }
}

template <class RemainingTotal>
void SpendPlan::plan_day(SimTime day_start, RemainingTotal remaining_total) {
  day_start_ = day_start;
  const SimTime day_end = day_start + kDay;
  for (std::size_t c = 0; c < day_budget_.size(); ++c) {
    double budget = 0.0;
    if (flight_start_[c] < day_end && flight_end_[c] > day_start) {
      if (total_cap_[c] > 0.0) {
        const SimTime end = flight_end_[c] == std::numeric_limits<SimTime>::max() ? spec_.horizon_end : flight_end_[c];
        const SimTime left = end - day_start;
        const double days_left = std::max(1.0, std::ceil(static_cast<double>(left) / static_cast<double>(kDay)));
        budget = remaining_total(c) / days_left;
        if (daily_cap_[c] > 0.0) budget = std::min(budget, daily_cap_[c]);
      } else {
        budget = daily_cap_[c];
      }
    }
    const SpendCurve& f = curves_[curve_of_[c]];
    const double lo = f.at(std::clamp<SimTime>(flight_start_[c] - day_start, 0, kDay));
    const double hi = f.at(std::clamp<SimTime>(flight_end_[c] - day_start, 0, kDay));
    // A flight that ends before its curve plans any spend (hi == lo) cannot follow the curve; it is
    // left unpaced rather than dividing by zero.
    if (!(hi - lo > 1e-12)) budget = 0.0;
    day_budget_[c] = std::max(0.0, budget);
    window_lo_[c] = lo;
    window_span_[c] = hi - lo > 1e-12 ? hi - lo : 1.0;
  }
}

void SpendPlan::start_day(SimTime now, const core::BudgetLedger& ledger) {
  if (learns_) {
    learner_.end_day();
    rebuild_curves();
  }
  plan_day(now, [&ledger](std::size_t c) {
    return ledger.remaining_total(static_cast<core::CampaignId>(c)).as_double_micros();
  });
}

double SpendPlan::target_fraction(core::CampaignId c, SimTime now) const {
  const SimTime t = std::clamp<SimTime>(now - day_start_, 0, kDay);
  const double f = curves_[curve_of_[c]].at(t);
  return std::clamp((f - window_lo_[c]) / window_span_[c], 0.0, 1.0);
}

}  // namespace adsim::pacing

#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "core/budget_ledger.hpp"
#include "core/ids.hpp"
#include "core/sim_time.hpp"
#include "core/world.hpp"
#include "pacing/spend_curve.hpp"

namespace adsim::pacing {

// Which target curve a campaign follows.
struct CurveSpec {
  enum class Shape : std::uint8_t {
    kUniform,  // f(t) = t / 24h
    kTraffic,  // proportional to the scenario's hourly traffic profile
    kLearned,  // proportional to the traffic observed on the previous simulated day
  };
  Shape shape = Shape::kUniform;
  double finish_hour = 24.0;  // early finish: the plan is complete at this hour, in (0, 24]
};

struct PlanSpec {
  std::vector<CurveSpec> curves = {CurveSpec{}};
  std::vector<std::uint32_t> curve_of_campaign;  // index into `curves`; empty: all use curves[0]
  // The scenario's relative hourly traffic (TrafficSpec::hourly_profile): the kTraffic curve, and
  // the kLearned curve until a day has been observed.
  std::vector<double> traffic_profile = std::vector<double>(kHoursPerDay, 1.0);
  // End of the run: a lifetime budget whose flight has no end date (flight_end <= flight_start) is
  // spread over the days up to here.
  core::SimTime horizon_end = core::kDay;
  double learned_memory = 0.0;  // TrafficLearner memory for kLearned
  // The pacer counts each batch it paces as one request for the learned curve. Set false to feed
  // SpendPlan::record_requests() from outside instead (e.g. every request, with or without ads).
  bool learn_from_apply = true;
};

// What each campaign plans to spend today and when: its day budget B and its target cumulative
// spend T(t) = B * F_c(t), where F_c is its curve restricted to the part of the day inside its flight
// and renormalized to run from 0 to 1 over that window:
//   F_c(t) = clamp((f(t) - f(s)) / (f(e) - f(s)), 0, 1),  s, e = flight start and end within the day.
// Day budget B, set at each day start from the ledger:
//   daily budget only:    B = daily budget
//   lifetime budget:      B = remaining lifetime budget / days left in the flight (today included),
//                         capped by the daily budget if there is one
//   neither, or no flight today: B = 0 (the campaign is not paced).
class SpendPlan {
 public:
  // Plans day 0 (nothing spent yet). Throws std::invalid_argument for a malformed spec.
  SpendPlan(std::span<const core::Campaign> campaigns, PlanSpec spec);

  std::size_t size() const { return day_budget_.size(); }
  const PlanSpec& spec() const { return spec_; }

  // Re-plans every campaign for the day starting at `now`, after the ledger's reset; a learned curve
  // first absorbs the traffic recorded since the previous day start.
  void start_day(core::SimTime now, const core::BudgetLedger& ledger);
  void record_requests(core::SimTime now, std::uint64_t requests = 1) {
    if (learns_) learner_.record(now, requests);
  }
  bool learns() const { return learns_; }
  bool learns_from_apply() const { return learns_ && spec_.learn_from_apply; }

  core::SimTime day_start() const { return day_start_; }
  double day_budget(core::CampaignId c) const { return day_budget_[c]; }  // micros; 0: not paced
  // F_c(now) for the current day (times past the day's end give 1).
  double target_fraction(core::CampaignId c, core::SimTime now) const;
  double target_spend(core::CampaignId c, core::SimTime now) const {
    return day_budget_[c] * target_fraction(c, now);
  }
  std::uint32_t curve_index(core::CampaignId c) const { return curve_of_[c]; }
  const SpendCurve& curve(std::uint32_t index) const { return curves_[index]; }
  const TrafficLearner& learner() const { return learner_; }

 private:
  void rebuild_curves();
  template <class RemainingTotal>
  void plan_day(core::SimTime day_start, RemainingTotal remaining_total);

  PlanSpec spec_;
  bool learns_ = false;
  TrafficLearner learner_;
  std::vector<SpendCurve> curves_;
  std::vector<std::uint32_t> curve_of_;
  std::vector<double> daily_cap_, total_cap_;  // micros, 0: none
  std::vector<core::SimTime> flight_start_, flight_end_;
  core::SimTime day_start_ = 0;
  std::vector<double> day_budget_, window_lo_, window_span_;
};

}  // namespace adsim::pacing

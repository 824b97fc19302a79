#pragma once
#include <cstdint>
#include <span>

namespace adsim::core {

// Smart Pacing's pacing error (Xu et al., "Smart Pacing for Effective Online Ad Campaign
// Optimization", KDD 2015) of one campaign. Over the K intervals in which the campaign had a spend
// plan, with s_k its billed spend and b_k its planned spend in interval k,
//
//     E = sqrt( (1/K) sum_k (s_k - b_k)^2 ) / ( (1/K) sum_k b_k )
//
// the root mean square of the per-interval error over the mean plan per interval (B / K for one
// day with day budget B). 0: every interval spent exactly its plan; 1: an interval typically misses
// its plan by a whole interval's worth. A campaign that spends a day's budget in the first of K
// intervals of a uniform plan scores sqrt(K - 1). Dimensionless, so campaigns of any budget compare.
//
// Intervals are the run's snapshot intervals. An interval counts when the campaign had a plan for
// the day (day budget B > 0) at its end, or when it closed a day that had one. The interval that
// contains a day boundary plans the old day's remainder (B - T(t_prev)) plus the new day's plan so
// far. Spend is billed spend, whatever the billing model. Undefined (NaN) without a counted
// interval or with nothing planned.
class IntervalPacingError {
 public:
  // A day ends: `planned_at_end` is the day's planned cumulative spend at its end (its day budget;
  // negative when it had no plan). Call before the plan moves to the next day.
  void close_day(double planned_at_end);
  // An interval ends: `spent_total` is the campaign's billed spend since the start of the run,
  // `planned_today` its planned cumulative spend so far today (negative: no plan today). Money in
  // any unit, the same for every call (the marketplace uses micros).
  void end_interval(double spent_total, double planned_today);

  std::uint64_t intervals() const { return intervals_; }
  double sum_squared_error() const { return sum_sq_; }
  double sum_planned() const { return sum_plan_; }
  double value() const;

 private:
  double last_spent_ = 0.0;    // spent_total at the previous interval's end
  double last_planned_ = 0.0;  // today's planned cumulative spend then (0 after a day closed)
  double carried_plan_ = 0.0;  // the plan of a day that closed inside the current interval
  bool carried_ = false;
  double sum_sq_ = 0.0, sum_plan_ = 0.0;
  std::uint64_t intervals_ = 0;
};

// The run's overall figure: the mean of the campaigns' errors, each campaign counting once whatever
// its budget (Smart Pacing's "average pacing error"); campaigns with an undefined error are left
// out. NaN when none has one.
double mean_pacing_error(std::span<const double> campaign_errors);

}  // namespace adsim::core

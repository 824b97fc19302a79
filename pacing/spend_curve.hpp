#pragma once
#include <array>
#include <cstdint>
#include <span>

#include "core/sim_time.hpp"

namespace adsim::pacing {

inline constexpr int kHoursPerDay = 24;

// A target cumulative-spend curve over one day: f(t) in [0, 1], the share of the day's budget a
// campaign plans to have spent by time of day t, with f(0) = 0 and f(24h) = 1. It is piecewise
// linear between hourly knots, so a traffic profile that is constant within each hour (as the
// marketplace's is) maps to a curve whose slope is exactly proportional to the traffic rate.
//
// A curve is a small value type (about 220 bytes); pacers evaluate it at control ticks, not per
// request.
class SpendCurve {
 public:
  // f(t) = t / 24h.
  static SpendCurve uniform();
  // f(t) = (traffic up to t) / (traffic over the day) for a 24-entry hourly profile of relative
  // rates (each finite and >= 0, positive sum). Throws std::invalid_argument otherwise.
  static SpendCurve traffic_proportional(std::span<const double> hourly_profile);

  // Early finish: the same plan, done by `hour` (0 < hour <= 24):
  //   f'(t) = min(1, f(t) / f(hour)).
  // The curve is truncated and renormalized rather than squeezed in time, so a traffic-shaped plan
  // still spends in proportion to the traffic it meets until it is done. Throws
  // std::invalid_argument if the hour is out of range or f(hour) == 0 (nothing to spend by then).
  SpendCurve finishing_at(double hour) const;

  // f at a time of day; times < 0 give 0 and times >= the finish (at most 24h) give 1.
  double at(core::SimTime time_of_day) const;
  double at_hour(double hour) const;
  // Planned share of the day's budget in hour h (0-23): f(h+1) - f(h).
  double hour_share(int hour) const;
  double finish_hour() const { return core::to_hours(finish_); }
  // The cumulative fractions at hours 0..24 of the curve before any early finish.
  const std::array<double, kHoursPerDay + 1>& base_knots() const { return cum_; }

 private:
  double base_at(core::SimTime time_of_day) const;

  std::array<double, kHoursPerDay + 1> cum_{};
  core::SimTime finish_ = core::kDay;
  double scale_ = 1.0;  // 1 / base f(finish)
};

// Learns a traffic-proportional curve from the previous simulated day: record() counts requests by
// hour of day, end_day() turns that day's counts into the curve for the next day. With memory m in
// [0, 1) the next curve's hourly shares are
//   share'(h) = (1 - m) * counts(h) / sum(counts) + m * share(h)
// (m = 0: exactly the last day's traffic). A day with no recorded traffic leaves the curve as it was.
class TrafficLearner {
 public:
  explicit TrafficLearner(SpendCurve initial = SpendCurve::uniform(), double memory = 0.0);

  void record(core::SimTime now, std::uint64_t requests = 1) {
    counts_[static_cast<std::size_t>(core::time_of_day(now) / core::kHour)] += requests;
  }
  // Closes the observed day: updates the curve from the counts and clears them.
  const SpendCurve& end_day();
  const SpendCurve& curve() const { return curve_; }
  const std::array<std::uint64_t, kHoursPerDay>& counts() const { return counts_; }
  double memory() const { return memory_; }

 private:
  SpendCurve curve_;
  double memory_;
  std::array<std::uint64_t, kHoursPerDay> counts_{};
};

}  // namespace adsim::pacing

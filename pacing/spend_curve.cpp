#include "pacing/spend_curve.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace adsim::pacing {

using core::kHour;
using core::SimTime;

SpendCurve SpendCurve::uniform() {
  SpendCurve c;
  for (int h = 0; h <= kHoursPerDay; ++h) c.cum_[static_cast<std::size_t>(h)] = h / static_cast<double>(kHoursPerDay);
  return c;
}

SpendCurve SpendCurve::traffic_proportional(std::span<const double> hourly_profile) {
  if (hourly_profile.size() != static_cast<std::size_t>(kHoursPerDay))
    throw std::invalid_argument("traffic profile must have 24 hourly entries, got " +
                                std::to_string(hourly_profile.size()));
  double total = 0.0;
  for (std::size_t h = 0; h < hourly_profile.size(); ++h) {
    const double w = hourly_profile[h];
    if (!std::isfinite(w) || w < 0.0)
      throw std::invalid_argument("traffic profile entry for hour " + std::to_string(h) +
                                  " must be finite and >= 0, got " + std::to_string(w));
    total += w;
  }
  if (!(total > 0.0)) throw std::invalid_argument("traffic profile must have a positive sum");
  SpendCurve c;
  double run = 0.0;
  for (std::size_t h = 0; h < hourly_profile.size(); ++h) {
    run += hourly_profile[h];
    c.cum_[h + 1] = run / total;
  }
  c.cum_[kHoursPerDay] = 1.0;  // exact, whatever the rounding of the running sum
  return c;
}

SpendCurve SpendCurve::finishing_at(double hour) const {
  if (!(hour > 0.0 && hour <= kHoursPerDay))
    throw std::invalid_argument("early finish hour must be in (0, 24], got " + std::to_string(hour));
  SpendCurve c = *this;
  c.finish_ = std::min(core::kDay, static_cast<SimTime>(std::llround(hour * static_cast<double>(kHour))));
  const double at_finish = base_at(c.finish_);
  if (!(at_finish > 0.0))
    throw std::invalid_argument("early finish at hour " + std::to_string(hour) +
                                ": the curve plans no spend before then");
  c.scale_ = 1.0 / at_finish;
  return c;
}

double SpendCurve::base_at(SimTime t) const {
  if (t <= 0) return 0.0;
  if (t >= core::kDay) return 1.0;
  const auto h = static_cast<std::size_t>(t / kHour);
  const double frac = static_cast<double>(t - static_cast<SimTime>(h) * kHour) / static_cast<double>(kHour);
  return cum_[h] + (cum_[h + 1] - cum_[h]) * frac;
}

double SpendCurve::at(SimTime time_of_day) const {
  if (time_of_day >= finish_) return 1.0;
  return std::min(1.0, base_at(time_of_day) * scale_);
}

double SpendCurve::at_hour(double hour) const {
  return at(static_cast<SimTime>(std::llround(hour * static_cast<double>(kHour))));
}

double SpendCurve::hour_share(int hour) const {
  return at(static_cast<SimTime>(hour + 1) * kHour) - at(static_cast<SimTime>(hour) * kHour);
}

TrafficLearner::TrafficLearner(SpendCurve initial, double memory) : curve_(initial), memory_(memory) {
  if (!(memory >= 0.0 && memory < 1.0))
    throw std::invalid_argument("learned curve memory must be in [0, 1), got " + std::to_string(memory));
}

const SpendCurve& TrafficLearner::end_day() {
  std::uint64_t total = 0;
  for (auto n : counts_) total += n;
  if (total > 0) {
    // Shares of the base curve: an early finish is the plan's business, applied on top.
    const auto& knots = curve_.base_knots();
    std::vector<double> profile(kHoursPerDay);
    for (std::size_t h = 0; h < profile.size(); ++h) {
      const double observed = static_cast<double>(counts_[h]) / static_cast<double>(total);
      profile[h] = (1.0 - memory_) * observed + memory_ * (knots[h + 1] - knots[h]);
    }
    curve_ = SpendCurve::traffic_proportional(profile);
  }
  counts_.fill(0);
  return curve_;
}

}  // namespace adsim::pacing

#include "core/pacing_error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace adsim::core {

void IntervalPacingError::close_day(double planned_at_end) {
  if (planned_at_end >= 0.0) {
    carried_plan_ += planned_at_end - last_planned_;
    carried_ = true;
  }
  last_planned_ = 0.0;  // the next day's plan starts from nothing
}

void IntervalPacingError::end_interval(double spent_total, double planned_today) {
  const double planned_so_far = std::max(0.0, planned_today);
  const double spend = spent_total - last_spent_;
  const double plan = carried_plan_ + planned_so_far - last_planned_;
  if (planned_today >= 0.0 || carried_) {
    sum_sq_ += (spend - plan) * (spend - plan);
    sum_plan_ += plan;
    ++intervals_;
  }
  last_spent_ = spent_total;
  last_planned_ = planned_so_far;
  carried_plan_ = 0.0;
  carried_ = false;
}

double IntervalPacingError::value() const {
  if (intervals_ == 0 || !(sum_plan_ > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  const double k = static_cast<double>(intervals_);
  return std::sqrt(sum_sq_ / k) / (sum_plan_ / k);
}

double mean_pacing_error(std::span<const double> campaign_errors) {
  double sum = 0.0;
  std::size_t n = 0;
  for (const double e : campaign_errors) {
    if (std::isnan(e)) continue;
    sum += e;
    ++n;
  }
  return n > 0 ? sum / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace adsim::core

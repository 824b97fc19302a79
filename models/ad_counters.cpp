#include "models/ad_counters.hpp"

#include <cmath>
#include <stdexcept>

namespace adsim::models {

AdCounters::AdCounters(std::size_t ads, AdCounterConfig config) : config_(config), ads_(ads) {
  if (!(config.short_half_life_hours > 0.0) || !(config.long_half_life_hours > 0.0)) {
    throw std::invalid_argument("AdCounters: half-lives must be > 0");
  }
}

double AdCounters::decay(double half_life_hours, core::SimTime dt) const {
  if (dt <= 0) return 1.0;
  return std::exp2(-core::to_hours(dt) / half_life_hours);
}

void AdCounters::add(core::AdId ad, core::SimTime t, bool positive) {
  Ad& a = ads_[ad];
  const core::SimTime dt = t - a.updated;
  if (dt > 0) {
    const double ds = decay(config_.short_half_life_hours, dt);
    const double dl = decay(config_.long_half_life_hours, dt);
    a.short_impressions *= ds;
    a.short_positives *= ds;
    a.long_impressions *= dl;
    a.long_positives *= dl;
    a.updated = t;
  }
  const double y = positive ? 1.0 : 0.0;
  a.short_impressions += 1.0;
  a.short_positives += y;
  a.long_impressions += 1.0;
  a.long_positives += y;
  ++a.total_impressions;
  a.total_positives += positive ? 1 : 0;
}

AdCounterView AdCounters::view(core::AdId ad, core::SimTime t) const {
  const Ad& a = ads_[ad];
  const core::SimTime dt = t - a.updated;
  const double ds = decay(config_.short_half_life_hours, dt);
  const double dl = decay(config_.long_half_life_hours, dt);
  return {a.short_impressions * ds, a.short_positives * ds, a.long_impressions * dl, a.long_positives * dl,
          a.total_impressions, a.total_positives};
}

}  // namespace adsim::models

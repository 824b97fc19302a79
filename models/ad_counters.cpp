#include "models/ad_counters.hpp"

#include <cmath>
#include <stdexcept>

namespace adsim::models {

AdCounters::AdCounters(std::size_t ads, AdCounterConfig config)
    : config_(config),
      updated_(ads, 0),
      short_imp_(ads, 0.0),
      short_pos_(ads, 0.0),
      long_imp_(ads, 0.0),
      long_pos_(ads, 0.0),
      total_impressions_(ads, 0),
      total_positives_(ads, 0) {
  if (!(config.short_half_life_hours > 0.0) || !(config.long_half_life_hours > 0.0)) {
    throw std::invalid_argument("AdCounters: half-lives must be > 0");
  }
}

double AdCounters::decay(double half_life_hours, core::SimTime dt) const {
  if (dt <= 0) return 1.0;
  return std::exp2(-core::to_hours(dt) / half_life_hours);
}

void AdCounters::add(core::AdId ad, core::SimTime t, bool positive) {
  const core::SimTime dt = t - updated_[ad];
  if (dt > 0) {
    const double ds = decay(config_.short_half_life_hours, dt);
    const double dl = decay(config_.long_half_life_hours, dt);
    short_imp_[ad] *= ds;
    short_pos_[ad] *= ds;
    long_imp_[ad] *= dl;
    long_pos_[ad] *= dl;
    updated_[ad] = t;
  }
  const double y = positive ? 1.0 : 0.0;
  short_imp_[ad] += 1.0;
  short_pos_[ad] += y;
  long_imp_[ad] += 1.0;
  long_pos_[ad] += y;
  ++total_impressions_[ad];
  total_positives_[ad] += positive ? 1 : 0;
}

AdCounterView AdCounters::view(core::AdId ad, core::SimTime t) const {
  const core::SimTime dt = t - updated_[ad];
  const double ds = decay(config_.short_half_life_hours, dt);
  const double dl = decay(config_.long_half_life_hours, dt);
  return {short_imp_[ad] * ds, short_pos_[ad] * ds, long_imp_[ad] * dl, long_pos_[ad] * dl,
          total_impressions_[ad], total_positives_[ad]};
}

}  // namespace adsim::models

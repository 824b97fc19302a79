#pragma once
#include <cstdint>
#include <vector>

#include "core/ids.hpp"
#include "core/sim_time.hpp"

namespace adsim::models {

// Per-ad impression and positive-event counts (clicks, or hides/reports) with exponential time
// decay at two half-lives, plus plain lifetime totals. They are what the platform knows of an ad's
// history from its own joined logs, and become features (bucketized) and the n of an exploration
// bonus. One cache line per ad of the catalog.
struct AdCounterConfig {
  double short_half_life_hours = 1.0;
  double long_half_life_hours = 24.0;
};

struct AdCounterView {
  double short_impressions = 0.0;
  double short_positives = 0.0;
  double long_impressions = 0.0;
  double long_positives = 0.0;
  std::uint64_t total_impressions = 0;
  std::uint64_t total_positives = 0;
};

class AdCounters {
 public:
  AdCounters(std::size_t ads, AdCounterConfig config = {});

  std::size_t size() const { return ads_.size(); }
  const AdCounterConfig& config() const { return config_; }

  // Counts one impression of `ad` learnt at time t. Times should not go backwards per ad; if they
  // do, the older event is added without decay.
  void add(core::AdId ad, core::SimTime t, bool positive);
  // Counts decayed to time t (never decayed backwards).
  AdCounterView view(core::AdId ad, core::SimTime t) const;
  std::uint64_t impressions(core::AdId ad) const { return ads_[ad].total_impressions; }
  // Starts loading the ad's counters (a learner calls it a few examples ahead).
  void prefetch(core::AdId ad) const { __builtin_prefetch(&ads_[ad], 1); }

 private:
  double decay(double half_life_hours, core::SimTime dt) const;

  // One ad's counters in one cache line: an update reads and writes them all, at random over the
  // catalog, so one line per ad instead of one per field.
  struct alignas(64) Ad {
    core::SimTime updated = 0;
    double short_impressions = 0.0, short_positives = 0.0, long_impressions = 0.0, long_positives = 0.0;
    std::uint64_t total_impressions = 0, total_positives = 0;
  };

  AdCounterConfig config_;
  std::vector<Ad> ads_;
};

}  // namespace adsim::models

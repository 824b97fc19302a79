// The feed and search metrics of a study: computed from the run's per-surface counters, and NaN
// (left out of the tables) for a run without search traffic.
#include <gtest/gtest.h>

#include <cmath>

#include "experiments/metrics.hpp"

namespace adsim::experiments {
namespace {

double value_of(const char* name, const store::RunRow& run) {
  const MetricDef* m = find_metric(name);
  EXPECT_NE(m, nullptr) << name;
  return m ? m->value(RunFacts{run, {}, nullptr}) : std::nan("");
}

TEST(SurfaceMetrics, SplitTheRunBySurface) {
  store::RunRow run;
  auto& feed = run.totals.surface[static_cast<std::size_t>(core::Surface::kFeed)];
  auto& search = run.totals.surface[static_cast<std::size_t>(core::Surface::kSearch)];
  feed.requests = 2000;
  feed.filled_requests = 2000;
  feed.impressions = 8000;
  feed.clicks = 240;
  feed.revenue = core::Money{120'000'000};
  search.requests = 1000;
  search.filled_requests = 900;
  search.impressions = 2000;
  search.clicks = 160;
  search.reserve_bound = 300;
  search.revenue = core::Money{150'000'000};
  run.surface_model[static_cast<std::size_t>(core::Surface::kSearch)].clicks = 160;
  run.surface_model[static_cast<std::size_t>(core::Surface::kSearch)].calibration_ratio = 0.37;
  EXPECT_DOUBLE_EQ(value_of("feed_ctr", run), 0.03);
  EXPECT_DOUBLE_EQ(value_of("search_ctr", run), 0.08);
  EXPECT_DOUBLE_EQ(value_of("feed_rpm", run), 60.0);  // 120 units over 2,000 requests
  EXPECT_DOUBLE_EQ(value_of("search_rpm", run), 150.0);
  EXPECT_DOUBLE_EQ(value_of("search_fill_rate", run), 0.9);
  EXPECT_DOUBLE_EQ(value_of("search_reserve_bind_rate", run), 0.15);
  EXPECT_DOUBLE_EQ(value_of("search_model_calibration", run), 0.37);
  EXPECT_EQ(find_metric("search_model_calibration")->better, Better::kTowardOne);

  search = {};
  for (const char* name : {"feed_ctr", "search_ctr", "feed_rpm", "search_fill_rate", "search_model_calibration"})
    EXPECT_TRUE(std::isnan(value_of(name, run))) << name << ": no search traffic, nothing to split";
}

}  // namespace
}  // namespace adsim::experiments

// The plot-ready example of docs/pacing.md: one day of the synthetic market with peaked traffic,
// cumulative spend (% of the daily budget) at each hour for each pacer, next to its target curve.
// Print it with
//   ADSIM_PACING_PLOT=1 build/<dir>/tests/adsim_pacing_tests --gtest_filter=PlotExample.*
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/pacing/synthetic_market.hpp"

namespace adsim::pacing::testing {
namespace {

constexpr std::array<double, 24> kProfile = {0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 1, 1, 1, 1, 1,
                                             1,   1,   1,   1,   1,   1,   3,   3, 3, 3, 3, 1};

// Cumulative spend in % of budget at hours 0..24, from the metrics trace (15-minute samples).
std::vector<double> hourly_cumulative(const MarketRun& run) {
  std::vector<double> out(25, 0.0);
  for (const TracePoint& t : run.trace)
    if (t.time % kHour == 0) out[static_cast<std::size_t>(t.time / kHour)] = 100.0 * t.spent / t.budget;
  return out;
}

TEST(PlotExample, PeakedDayTable) {
  MarketSpec spec;
  spec.hourly_rate = shaped_rate(54'000, kProfile);
  spec.metrics.keep_trace = true;
  std::vector<MarketCampaign> cs(1);
  cs[0].bid = 1.0;
  cs[0].daily_budget = 10'000;
  cs[0].value_per_click = 1.25;
  PlanSpec traffic;
  traffic.traffic_profile.assign(kProfile.begin(), kProfile.end());
  traffic.curves = {CurveSpec{CurveSpec::Shape::kTraffic, 24.0}};
  PlanSpec uniform = traffic;
  uniform.curves = {CurveSpec{CurveSpec::Shape::kUniform, 24.0}};

  struct Column {
    std::string name;
    StrategyParams params;
    PlanSpec plan;
  };
  const std::vector<Column> columns = {{"none", NoPacingParams{}, traffic},
                                       {"throttle", ThrottlingParams{}, traffic},
                                       {"dual", DualDescentParams{}, traffic},
                                       {"pid", PidParams{}, traffic},
                                       {"throttle_uniform_plan", ThrottlingParams{}, uniform}};
  std::vector<std::vector<double>> actual;
  std::vector<MarketRun> runs;
  for (const Column& c : columns) {
    auto pacer = make_pacer(SpendPlan(to_core(cs), c.plan), {c.params});
    runs.push_back(run_market(spec, cs, *pacer));
    actual.push_back(hourly_cumulative(runs.back()));
  }
  const SpendCurve traffic_curve = SpendCurve::traffic_proportional(traffic.traffic_profile);

  // The shape the docs describe: unpaced spend is gone by the evening peak, paced spend ends on budget.
  EXPECT_GE(actual[0][18], 99.0);
  for (std::size_t k = 1; k < columns.size(); ++k) EXPECT_GE(actual[k][24], 99.0);
  EXPECT_NEAR(actual[1][12], 100.0 * traffic_curve.at(12 * kHour), 3.0);

  if (std::getenv("ADSIM_PACING_PLOT") == nullptr) return;
  std::printf("hour,traffic_share,target_traffic,target_uniform");
  for (const Column& c : columns) std::printf(",%s", c.name.c_str());
  std::printf("\n");
  for (int h = 0; h <= 24; ++h) {
    const double share = h < 24 ? 100.0 * traffic_curve.hour_share(h) : 0.0;
    std::printf("%d,%.1f,%.1f,%.1f", h, share, 100.0 * traffic_curve.at(h * kHour), 100.0 * h / 24.0);
    for (const auto& a : actual) std::printf(",%.1f", a[static_cast<std::size_t>(h)]);
    std::printf("\n");
  }
  std::printf("\npacer,exhausted_hour,utilization,mean_dev,max_dev,rms_slot,avg_price,clicks_per_unit,surplus,"
              "evening_density\n");
  for (std::size_t k = 0; k < columns.size(); ++k) {
    const CampaignPacingStats& s = runs[k].stats[0];
    // Candidates the pacer let into the auction per request, 18:00-23:00.
    double req = 0, part = 0;
    for (std::size_t h = 18; h < 23; ++h) {
      req += static_cast<double>(runs[k].summary.requests_by_hour[h]);
      part += static_cast<double>(runs[k].summary.participants_by_hour[h]);
    }
    std::printf("%s,%.2f,%.4f,%.4f,%.4f,%.4f,%.3f,%.3f,%.0f,%.3f\n", columns[k].name.c_str(), s.mean_exhaustion_hour,
                s.utilization, s.mean_abs_deviation, s.max_abs_deviation, s.rms_slot_error, s.avg_cpc / 1e6,
                s.clicks_per_unit, s.surplus / 1e6, part / req);
  }
}

}  // namespace
}  // namespace adsim::pacing::testing

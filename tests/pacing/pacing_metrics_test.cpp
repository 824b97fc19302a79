// Metric definitions on hand-made spend paths whose answers can be worked out on paper.
#include "pacing/pacing_metrics.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "core/budget_ledger.hpp"

namespace adsim::pacing {
namespace {

using core::kDay;
using core::kHour;
using core::Money;

struct Fixture {
  std::vector<core::Campaign> cs;
  core::BudgetLedger ledger;
  SpendPlan plan;
  PacingMetrics metrics;
  explicit Fixture(std::vector<core::Campaign> campaigns, MetricsConfig config, PlanSpec spec = {})
      : cs(std::move(campaigns)), ledger(cs), plan(cs, std::move(spec)), metrics(ledger, plan, config) {}
  void charge(core::CampaignId c, double units, core::SimTime t) {
    metrics.on_charge(c, ledger.charge(c, Money::from_units(units), t), t);
  }
};

std::vector<core::Campaign> one(double daily) {
  std::vector<core::Campaign> cs(1);
  cs[0].daily_budget = Money::from_units(daily);
  return cs;
}

TEST(PacingMetrics, DeviationAndSlotErrorAgainstTheCurve) {
  // B = 240, uniform plan: 60 per 6-hour sample slot. Spend 90, 30, 60, 60 in the four slots.
  MetricsConfig config;
  config.sample_interval = 6 * kHour;
  Fixture f(one(240), config);
  const double spend[4] = {90, 30, 60, 60};
  for (int k = 0; k < 4; ++k) {
    f.charge(0, spend[k], k * 6 * kHour + kHour);
    if (k < 3) f.metrics.sample((k + 1) * 6 * kHour);
  }
  f.metrics.finish(kDay);
  const CampaignPacingStats s = f.metrics.campaign(0);
  // Cumulative 90, 120, 180, 240 vs 60, 120, 180, 240: deviations 30, 0, 0, 0 of 240.
  EXPECT_EQ(s.samples, 4u);
  EXPECT_NEAR(s.mean_abs_deviation, (30.0 / 240.0) / 4.0, 1e-12);
  EXPECT_NEAR(s.max_abs_deviation, 30.0 / 240.0, 1e-12);
  // Slot errors 30, -30, 0, 0 of 240.
  EXPECT_NEAR(s.rms_slot_error, std::sqrt((2.0 * (30.0 / 240.0) * (30.0 / 240.0)) / 4.0), 1e-12);
  EXPECT_NEAR(s.utilization, 1.0, 1e-12);
  EXPECT_NEAR(s.underdelivery, 0.0, 1e-12);
  EXPECT_EQ(s.days, 1u);
  EXPECT_EQ(s.days_exhausted, 1u);
  EXPECT_NEAR(s.mean_exhaustion_hour, 19.0, 1e-12);
  EXPECT_EQ(s.first_exhausted_at, 19 * kHour);
}

TEST(PacingMetrics, WarmupSamplesAreLeftOut) {
  MetricsConfig config;
  config.sample_interval = 6 * kHour;
  config.warmup = 7 * kHour;
  Fixture f(one(240), config);
  f.charge(0, 90, kHour);  // 30 ahead at 06:00, on plan afterwards
  f.charge(0, 30, 7 * kHour);
  f.charge(0, 60, 13 * kHour);
  for (int k = 1; k < 4; ++k) f.metrics.sample(k * 6 * kHour);
  f.metrics.start_day(kDay);
  const CampaignPacingStats s = f.metrics.campaign(0);
  EXPECT_EQ(s.samples, 3u);                      // 12:00, 18:00 and the day's close
  EXPECT_NEAR(s.max_abs_deviation, 60.0 / 240.0, 1e-12);  // the close: 180 of 240
  EXPECT_NEAR(s.underdelivery, 60.0 / 240.0, 1e-12);
  EXPECT_NEAR(s.utilization, 180.0 / 240.0, 1e-12);
  EXPECT_EQ(s.days_exhausted, 0u);
  EXPECT_DOUBLE_EQ(s.mean_exhaustion_hour, -1.0);
}

TEST(PacingMetrics, OverspendForgoneAndOutcomes) {
  MetricsConfig config;
  Fixture f(one(10), config);
  f.charge(0, 6, kHour);
  f.metrics.on_click(0, 20e6);
  f.charge(0, 6, 2 * kHour);  // crosses the budget: 2 of it is overspend
  f.metrics.on_click(0, 20e6);
  f.charge(0, 6, 3 * kHour);  // after exhaustion: forgone
  f.metrics.on_click(0, 20e6);
  f.metrics.on_conversion(0, 5e6);
  f.metrics.finish(kDay);
  const CampaignPacingStats s = f.metrics.campaign(0);
  EXPECT_EQ(s.spend, Money::from_units(12));
  EXPECT_EQ(s.overspend, Money::from_units(2));
  EXPECT_EQ(s.forgone, Money::from_units(6));
  EXPECT_EQ(s.overspend, f.ledger.overspend_total(0));
  EXPECT_EQ(s.charges, 2u);
  EXPECT_EQ(s.clicks, 3u);
  EXPECT_EQ(s.conversions, 1u);
  EXPECT_NEAR(s.value, 65e6, 1e-6);
  EXPECT_NEAR(s.surplus, 53e6, 1e-6);
  EXPECT_NEAR(s.avg_cpc, 4e6, 1e-6);
  EXPECT_NEAR(s.clicks_per_unit, 3.0 / 12.0, 1e-12);
  EXPECT_NEAR(s.conversions_per_unit, 1.0 / 12.0, 1e-12);
  EXPECT_NEAR(s.utilization, 1.2, 1e-12);
  EXPECT_NEAR(s.mean_exhaustion_hour, 2.0, 1e-12);
}

TEST(PacingMetrics, SummaryWeightsByBudgetAndShowsThePlatformSide) {
  std::vector<core::Campaign> cs(3);
  cs[0].daily_budget = Money::from_units(100);
  cs[1].daily_budget = Money::from_units(300);
  // cs[2]: no budget, not paced, but its revenue counts.
  MetricsConfig config;
  config.sample_interval = 12 * kHour;
  Fixture f(cs, config);
  f.charge(0, 100, 1 * kHour);  // all at once
  f.charge(1, 150, 3 * kHour);
  f.metrics.on_request(1 * kHour, 2);
  f.metrics.on_request(1 * kHour, 4);
  f.metrics.sample(12 * kHour);
  f.charge(1, 150, 15 * kHour);
  f.charge(2, 50, 15 * kHour);
  f.metrics.on_request(15 * kHour, 1);
  f.metrics.finish(kDay);
  const PacingSummary s = f.metrics.summary();
  EXPECT_EQ(s.campaigns, 2u);
  // Campaign 0: deviations 50 and 0 of 100 (mean 0.25); campaign 1: 0 and 0.
  EXPECT_NEAR(f.metrics.campaign(0).mean_abs_deviation, 0.25, 1e-12);
  EXPECT_NEAR(s.mean_abs_deviation, (100 * 0.25 + 300 * 0.0) / 400.0, 1e-12);
  EXPECT_NEAR(s.max_abs_deviation, 0.5, 1e-12);
  EXPECT_NEAR(s.utilization, 1.0, 1e-12);  // of the paced campaigns
  EXPECT_NEAR(s.exhausted_share, 1.0, 1e-12);
  EXPECT_EQ(s.revenue, Money::from_units(450));
  EXPECT_NEAR(s.avg_price, 450e6 / 4.0, 1e-6);
  EXPECT_EQ(s.requests_by_hour[1], 2u);
  EXPECT_NEAR(s.density_by_hour[1], 3.0, 1e-12);
  EXPECT_NEAR(s.density_by_hour[15], 1.0, 1e-12);
  EXPECT_NEAR(s.revenue_by_hour[15], 200e6, 1e-6);
  EXPECT_NEAR(s.avg_price_by_hour[15], 100e6, 1e-6);
}

TEST(PacingMetrics, MultiDayAndTrace) {
  MetricsConfig config;
  config.sample_interval = 6 * kHour;
  config.keep_trace = true;
  Fixture f(one(100), config);
  f.charge(0, 100, kHour);
  f.ledger.start_day();
  f.plan.start_day(kDay, f.ledger);
  f.metrics.start_day(kDay);
  f.charge(0, 50, kDay + kHour);
  f.metrics.finish(kDay + 12 * kHour);  // the run stops at noon: judged against half a day
  const CampaignPacingStats s = f.metrics.campaign(0);
  EXPECT_EQ(s.days, 2u);
  EXPECT_NEAR(s.planned, 150e6, 1e-6);
  EXPECT_EQ(s.spend, Money::from_units(150));
  EXPECT_EQ(s.days_exhausted, 1u);
  ASSERT_EQ(f.metrics.trace().size(), 2u);
  EXPECT_EQ(f.metrics.trace()[1].time, kDay + 12 * kHour);
  EXPECT_NEAR(f.metrics.trace()[1].target, 50e6, 1e-6);
}

}  // namespace
}  // namespace adsim::pacing

// Study metrics computed from a run's totals and its campaigns, on hand-made runs whose answers are
// worked out in the comments: exploration's cost, the new ads', and the auto-bidders'.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "experiments/metrics.hpp"

namespace adsim::experiments {
namespace {

double value_of(const char* name, const store::RunRow& run, std::span<const store::CampaignTotalsRow> campaigns = {}) {
  const MetricDef* m = find_metric(name);
  EXPECT_NE(m, nullptr) << name;
  return m ? m->value(RunFacts{run, campaigns, nullptr}) : std::nan("");
}

TEST(MarketMetrics, ExplorationCostIsWhatTheExploringRequestsForwent) {
  store::RunRow run;
  run.totals.requests = 1000;
  run.totals.explore_requests = 100;
  run.totals.revenue = core::Money{91'000'000};          // 91 units
  run.totals.explore_revenue = core::Money{1'000'000};   // the exploring 100 requests earned 1
  // The other 900 earned 90, 0.1 a request: the 100 would have earned 10, so 9 was forgone, 9 / 91.
  EXPECT_DOUBLE_EQ(value_of("explore_cost", run), 9.0 / 91.0);
  run.totals.explore_requests = 0;
  run.totals.explore_revenue = {};
  run.totals.revenue = core::Money{90'000'000};
  EXPECT_DOUBLE_EQ(value_of("explore_cost", run), 0.0);
}

TEST(MarketMetrics, RevenueOfTheFirstAndLastDay) {
  store::RunRow run;
  run.simulated_us = 3 * core::kDay;
  std::vector<store::IntervalRow> intervals(6);  // every 12 hours, revenue 1, 2, ..., 6 units
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    intervals[i].metrics.start = static_cast<core::SimTime>(i) * 12 * core::kHour;
    intervals[i].metrics.end = intervals[i].metrics.start + 12 * core::kHour;
    intervals[i].metrics.counts.revenue = core::Money{static_cast<std::int64_t>(i + 1) * 1'000'000};
  }
  auto value = [&](const char* name) {
    return find_metric(name)->value(RunFacts{run, {}, nullptr, intervals});
  };
  EXPECT_DOUBLE_EQ(value("revenue_first_day"), 1.0 + 2.0);
  EXPECT_DOUBLE_EQ(value("revenue_last_day"), 5.0 + 6.0);
  run.simulated_us = core::kDay + 12 * core::kHour;  // shorter than two days: the days would overlap
  EXPECT_TRUE(std::isnan(value("revenue_last_day")));
}

TEST(MarketMetrics, LateShares) {
  store::RunRow run;
  run.totals.clicks = 400;
  run.totals.late_clicks = 100;
  run.totals.conversions = 50;
  run.totals.late_conversions = 5;
  EXPECT_DOUBLE_EQ(value_of("late_click_share", run), 0.25);
  EXPECT_DOUBLE_EQ(value_of("late_conversion_share", run), 0.1);
  run.totals = {};
  EXPECT_TRUE(std::isnan(value_of("late_click_share", run)));
}

TEST(MarketMetrics, NewAdsShareAndReach) {
  store::RunRow run;
  run.totals.impressions = 4000;
  run.totals.revenue = core::Money{200'000'000};
  run.new_ads.ads = 40;
  run.new_ads.impressions = 1000;
  run.new_ads.revenue = core::Money{30'000'000};
  run.new_ads.clicked = 10;
  run.new_ads.median_hours_to_first_click = 2.5;
  run.new_ads.ctr_rank_correlation = 0.4;
  run.new_ads.ctr_error = 0.25;
  EXPECT_DOUBLE_EQ(value_of("new_ad_impression_share", run), 0.25);
  EXPECT_DOUBLE_EQ(value_of("new_ad_revenue_share", run), 0.15);
  EXPECT_DOUBLE_EQ(value_of("new_ads_clicked", run), 0.25);
  EXPECT_DOUBLE_EQ(value_of("new_ad_first_click_hours", run), 2.5);
  EXPECT_DOUBLE_EQ(value_of("new_ad_ctr_rank_correlation", run), 0.4);
  EXPECT_DOUBLE_EQ(value_of("new_ad_ctr_error", run), 0.25);
  run.new_ads = {};
  for (const char* name : {"new_ad_impression_share", "new_ads_clicked", "new_ad_ctr_rank_correlation"})
    EXPECT_TRUE(std::isnan(value_of(name, run))) << name << ": no new ads";
}

store::CampaignTotalsRow campaign(core::BiddingKind kind, double spend_units, std::uint64_t conversions,
                                  double value_per_conversion_units, double target, double surplus_units) {
  store::CampaignTotalsRow row;
  row.totals.bidding = kind;
  row.totals.spend = core::Money{static_cast<std::int64_t>(spend_units * 1e6)};
  row.totals.attributed_conversions = conversions;
  row.totals.value_per_conversion = value_per_conversion_units * 1e6;
  row.totals.auto_bid_target = target;  // CPA in micros, or ROAS
  row.totals.surplus = surplus_units * 1e6;
  return row;
}

TEST(MarketMetrics, AutoBidCostRatioPoolsCostAgainstWhatTheTargetsAllow) {
  store::RunRow run;
  const std::vector<store::CampaignTotalsRow> campaigns = {
      // tCPA: spent 80 for 10 conversions at a target of 10: cost 80, allowed 100.
      campaign(core::BiddingKind::kTargetCpa, 80, 10, 12, 10e6, 40),
      // tROAS 2: spent 30 for 5 conversions worth 10 each: cost 2 x 30 = 60, allowed 50.
      campaign(core::BiddingKind::kTargetRoas, 30, 5, 10, 2.0, 20),
      // Manual: not in the ratio.
      campaign(core::BiddingKind::kManual, 500, 1, 1000, 0.0, -7),
  };
  EXPECT_DOUBLE_EQ(value_of("auto_bid_cost_ratio", run, campaigns), (80.0 + 60.0) / (100.0 + 50.0));
  EXPECT_DOUBLE_EQ(value_of("surplus_tcpa", run, campaigns), 40.0);
  EXPECT_DOUBLE_EQ(value_of("surplus_troas", run, campaigns), 20.0);
  EXPECT_DOUBLE_EQ(value_of("surplus_manual", run, campaigns), -7.0);
  const std::vector<store::CampaignTotalsRow> manual_only = {campaigns[2]};
  EXPECT_TRUE(std::isnan(value_of("auto_bid_cost_ratio", run, manual_only)));
  EXPECT_TRUE(std::isnan(value_of("surplus_tcpa", run, manual_only)));
}

}  // namespace
}  // namespace adsim::experiments

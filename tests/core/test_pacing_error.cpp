// Smart Pacing's pacing error (core/pacing_error.hpp) on spending patterns worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/pacing_error.hpp"

namespace adsim::core {
namespace {

// Two days of four 6-hour intervals, a day budget of 100 on a uniform plan (25 an interval). Day 1
// spends 40, 40, 20, 0 (exhausted at 18:00); day 2 is cut at noon after spending 30 and 20.
//   interval   spend  plan  spend - plan
//   d1 06:00    40     25      15
//   d1 12:00    40     25      15
//   d1 18:00    20     25      -5
//   d2 00:00     0     25     -25     (the day closes inside this interval: 100 - 75 of day 1)
//   d2 06:00    30     25       5
//   d2 12:00    20     25      -5
// K = 6, sum of squares 1150, plan 150: E = sqrt(1150 / 6) / (150 / 6) = 0.553775...
TEST(IntervalPacingError, HandWorkedTwoDaysWithABoundaryAndAPartialDay) {
  IntervalPacingError e;
  e.end_interval(40, 25);
  e.end_interval(80, 50);
  e.end_interval(100, 75);
  e.close_day(100);          // the day's plan at its end: the day budget
  e.end_interval(100, 0);    // the snapshot right after the boundary sees day 2's plan at 0
  e.end_interval(130, 25);
  e.end_interval(150, 50);
  EXPECT_EQ(e.intervals(), 6u);
  EXPECT_DOUBLE_EQ(e.sum_squared_error(), 1150.0);
  EXPECT_DOUBLE_EQ(e.sum_planned(), 150.0);
  EXPECT_DOUBLE_EQ(e.value(), std::sqrt(1150.0 / 6.0) / 25.0);
}

// A snapshot interval that does not divide the day: the interval across midnight plans the rest of
// day 1 and the start of day 2.
TEST(IntervalPacingError, IntervalAcrossMidnightPlansBothDays) {
  IntervalPacingError e;
  e.end_interval(70, 80);  // day 1 plan so far 80 (budget 100)
  e.close_day(100);        // 20 left of day 1
  e.end_interval(90, 10);  // day 2 plan so far 10: this interval planned 30, spent 20
  EXPECT_EQ(e.intervals(), 2u);
  EXPECT_DOUBLE_EQ(e.sum_planned(), 110.0);
  EXPECT_DOUBLE_EQ(e.sum_squared_error(), 10.0 * 10.0 + 10.0 * 10.0);
  EXPECT_DOUBLE_EQ(e.value(), std::sqrt(200.0 / 2.0) / 55.0);
}

// A campaign that spends its whole day budget in the first of K intervals of a uniform plan:
// errors B - B/K once and -B/K K - 1 times, so E = sqrt(((K-1)^2 + K - 1) / K) = sqrt(K - 1).
TEST(IntervalPacingError, SpendingTheDayInTheFirstIntervalScoresRootKMinusOne) {
  for (const int k : {4, 24, 96}) {
    IntervalPacingError e;
    const double budget = 15e6;
    for (int i = 1; i <= k; ++i) e.end_interval(budget, budget * i / k);
    EXPECT_NEAR(e.value(), std::sqrt(k - 1.0), 1e-9 * std::sqrt(k)) << k;
  }
}

TEST(IntervalPacingError, SpendingExactlyThePlanScoresZero) {
  IntervalPacingError e;
  for (int i = 1; i <= 96; ++i) e.end_interval(1000.0 * i * i, 1000.0 * i * i);  // any plan shape
  EXPECT_EQ(e.value(), 0.0);
}

// Days without a plan (no budget, no flight) neither count nor leak their spend into the next
// planned interval; with no planned interval at all the error is undefined.
TEST(IntervalPacingError, UnplannedIntervalsAreLeftOut) {
  IntervalPacingError e;
  e.end_interval(500, -1);  // spent 500 with no plan
  EXPECT_TRUE(std::isnan(e.value()));
  e.close_day(-1);
  e.end_interval(530, 40);  // planned 40, spent 30
  EXPECT_EQ(e.intervals(), 1u);
  EXPECT_DOUBLE_EQ(e.value(), 10.0 / 40.0);
}

TEST(MeanPacingError, AveragesCampaignsThatHaveOne) {
  const double nan = std::nan("");
  EXPECT_DOUBLE_EQ(mean_pacing_error(std::vector<double>{0.5, nan, 1.5, 0.25}), 0.75);
  EXPECT_TRUE(std::isnan(mean_pacing_error(std::vector<double>{nan, nan})));
  EXPECT_TRUE(std::isnan(mean_pacing_error(std::vector<double>{})));
}

}  // namespace
}  // namespace adsim::core

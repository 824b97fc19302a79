#include "pacing/spend_curve.hpp"

#include <array>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace adsim::pacing {
namespace {

using core::kHour;
using core::kMinute;

TEST(SpendCurve, UniformIsLinearInTime) {
  const SpendCurve f = SpendCurve::uniform();
  EXPECT_DOUBLE_EQ(f.at(0), 0.0);
  EXPECT_DOUBLE_EQ(f.at(6 * kHour), 0.25);
  EXPECT_NEAR(f.at(6 * kHour + 30 * kMinute), 6.5 / 24.0, 1e-12);
  EXPECT_DOUBLE_EQ(f.at(core::kDay), 1.0);
  EXPECT_DOUBLE_EQ(f.at(-5), 0.0);
  EXPECT_DOUBLE_EQ(f.at(2 * core::kDay), 1.0);
  for (int h = 0; h < 24; ++h) EXPECT_NEAR(f.hour_share(h), 1.0 / 24.0, 1e-12);
}

TEST(SpendCurve, TrafficProportionalFollowsTheProfile) {
  std::vector<double> profile(24, 1.0);
  profile[18] = 5.0;  // total 28
  const SpendCurve f = SpendCurve::traffic_proportional(profile);
  EXPECT_NEAR(f.at(18 * kHour), 18.0 / 28.0, 1e-12);
  EXPECT_NEAR(f.at(19 * kHour), 23.0 / 28.0, 1e-12);
  EXPECT_NEAR(f.hour_share(18), 5.0 / 28.0, 1e-12);
  // Linear within the hour: half the hour's traffic by half past.
  EXPECT_NEAR(f.at(18 * kHour + 30 * kMinute), 20.5 / 28.0, 1e-12);
  EXPECT_DOUBLE_EQ(f.at(core::kDay), 1.0);
}

TEST(SpendCurve, ZeroTrafficHoursPlanNoSpend) {
  std::vector<double> profile(24, 0.0);
  profile[10] = 1.0;
  const SpendCurve f = SpendCurve::traffic_proportional(profile);
  EXPECT_DOUBLE_EQ(f.at(10 * kHour), 0.0);
  EXPECT_DOUBLE_EQ(f.at(11 * kHour), 1.0);
}

TEST(SpendCurve, RejectsMalformedProfiles) {
  EXPECT_THROW(SpendCurve::traffic_proportional(std::vector<double>(23, 1.0)), std::invalid_argument);
  EXPECT_THROW(SpendCurve::traffic_proportional(std::vector<double>(24, 0.0)), std::invalid_argument);
  std::vector<double> negative(24, 1.0);
  negative[3] = -1.0;
  EXPECT_THROW(SpendCurve::traffic_proportional(negative), std::invalid_argument);
  std::vector<double> nan(24, 1.0);
  nan[3] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(SpendCurve::traffic_proportional(nan), std::invalid_argument);
}

TEST(SpendCurve, EarlyFinishTruncatesAndRenormalizes) {
  const SpendCurve f = SpendCurve::uniform().finishing_at(12.0);
  EXPECT_DOUBLE_EQ(f.finish_hour(), 12.0);
  EXPECT_NEAR(f.at(6 * kHour), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(f.at(12 * kHour), 1.0);
  EXPECT_DOUBLE_EQ(f.at(20 * kHour), 1.0);

  // A traffic-shaped plan keeps its shape: hourly shares stay proportional to the traffic.
  std::vector<double> profile(24, 1.0);
  profile[2] = 3.0;
  const SpendCurve g = SpendCurve::traffic_proportional(profile).finishing_at(20.0);
  // Traffic up to 20:00 is 22 units; hour 2 carries 3 of them.
  EXPECT_NEAR(g.hour_share(2), 3.0 / 22.0, 1e-12);
  EXPECT_NEAR(g.hour_share(3), 1.0 / 22.0, 1e-12);
  EXPECT_DOUBLE_EQ(g.hour_share(21), 0.0);

  EXPECT_THROW((void)SpendCurve::uniform().finishing_at(0.0), std::invalid_argument);
  EXPECT_THROW((void)SpendCurve::uniform().finishing_at(25.0), std::invalid_argument);
  std::vector<double> late(24, 0.0);
  late[22] = 1.0;
  EXPECT_THROW((void)SpendCurve::traffic_proportional(late).finishing_at(20.0), std::invalid_argument);
}

TEST(TrafficLearner, NextDayFollowsTheObservedTraffic) {
  TrafficLearner learner;  // uniform until a day is seen
  EXPECT_NEAR(learner.curve().hour_share(5), 1.0 / 24.0, 1e-12);
  learner.record(5 * kHour + 10 * kMinute, 30);
  learner.record(core::kDay + 17 * kHour, 10);  // hour of day, not absolute hour
  learner.record(17 * kHour);
  EXPECT_EQ(learner.counts()[5], 30u);
  EXPECT_EQ(learner.counts()[17], 11u);
  const SpendCurve& next = learner.end_day();
  EXPECT_NEAR(next.hour_share(5), 30.0 / 41.0, 1e-12);
  EXPECT_NEAR(next.hour_share(17), 11.0 / 41.0, 1e-12);
  EXPECT_DOUBLE_EQ(next.hour_share(0), 0.0);
  EXPECT_EQ(learner.counts()[5], 0u);

  // A day without traffic keeps the curve.
  learner.end_day();
  EXPECT_NEAR(learner.curve().hour_share(5), 30.0 / 41.0, 1e-12);
}

TEST(TrafficLearner, MemoryBlendsWithThePreviousCurve) {
  TrafficLearner learner(SpendCurve::uniform(), 0.25);
  learner.record(3 * kHour, 100);
  learner.end_day();
  EXPECT_NEAR(learner.curve().hour_share(3), 0.75 * 1.0 + 0.25 / 24.0, 1e-12);
  EXPECT_NEAR(learner.curve().hour_share(4), 0.25 / 24.0, 1e-12);
  EXPECT_THROW(TrafficLearner(SpendCurve::uniform(), 1.0), std::invalid_argument);
}

}  // namespace
}  // namespace adsim::pacing

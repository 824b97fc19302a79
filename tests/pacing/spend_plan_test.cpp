#include "pacing/spend_plan.hpp"

#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "core/budget_ledger.hpp"

namespace adsim::pacing {
namespace {

using core::kDay;
using core::kHour;
using core::Money;

core::Campaign campaign(double daily, double total, core::SimTime start = 0, core::SimTime end = 0) {
  core::Campaign c;
  c.daily_budget = Money::from_units(daily);
  c.total_budget = Money::from_units(total);
  c.flight_start = start;
  c.flight_end = end;
  return c;
}

TEST(SpendPlan, DailyBudgetFollowsItsCurve) {
  const std::vector<core::Campaign> cs = {campaign(100, 0), campaign(0, 0)};
  const SpendPlan plan(cs, {});
  EXPECT_DOUBLE_EQ(plan.day_budget(0), 100e6);
  EXPECT_DOUBLE_EQ(plan.target_spend(0, 6 * kHour), 25e6);
  EXPECT_DOUBLE_EQ(plan.target_fraction(0, 2 * kDay), 1.0);
  EXPECT_DOUBLE_EQ(plan.day_budget(1), 0.0);  // no budget: nothing to pace
}

TEST(SpendPlan, LifetimeBudgetIsSpreadOverTheDaysLeft) {
  // 300 over a 3-day flight, no daily cap; then with a daily cap below the even share.
  const std::vector<core::Campaign> cs = {campaign(0, 300, 0, 3 * kDay), campaign(80, 300, 0, 3 * kDay)};
  PlanSpec spec;
  spec.horizon_end = 3 * kDay;
  SpendPlan plan(cs, spec);
  EXPECT_DOUBLE_EQ(plan.day_budget(0), 100e6);
  EXPECT_DOUBLE_EQ(plan.day_budget(1), 80e6);

  core::BudgetLedger ledger(cs);
  ledger.charge(0, Money::from_units(40), kHour);  // underspent day 1: 260 left for 2 days
  ledger.charge(1, Money::from_units(80), kHour);
  ledger.start_day();
  plan.start_day(kDay, ledger);
  EXPECT_DOUBLE_EQ(plan.day_budget(0), 130e6);
  EXPECT_DOUBLE_EQ(plan.day_budget(1), 80e6);
  EXPECT_DOUBLE_EQ(plan.target_spend(0, kDay + 12 * kHour), 65e6);
}

TEST(SpendPlan, OpenEndedLifetimeBudgetUsesTheHorizon) {
  const std::vector<core::Campaign> cs = {campaign(0, 500)};
  PlanSpec spec;
  spec.horizon_end = 5 * kDay;
  const SpendPlan plan(cs, spec);
  EXPECT_DOUBLE_EQ(plan.day_budget(0), 100e6);
}

TEST(SpendPlan, FlightStartingMidDayPlansOnlyItsWindow) {
  // Flight 12:00 - 18:00 on a uniform curve: the target runs from 0 at noon to B at 18:00.
  const std::vector<core::Campaign> cs = {campaign(60, 0, 12 * kHour, 18 * kHour)};
  const SpendPlan plan(cs, {});
  EXPECT_DOUBLE_EQ(plan.target_fraction(0, 11 * kHour), 0.0);
  EXPECT_NEAR(plan.target_fraction(0, 15 * kHour), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(plan.target_fraction(0, 20 * kHour), 1.0);
}

TEST(SpendPlan, CampaignsOutOfFlightTodayAreNotPaced) {
  const std::vector<core::Campaign> cs = {campaign(60, 0, 2 * kDay, 3 * kDay)};
  SpendPlan plan(cs, {});
  EXPECT_DOUBLE_EQ(plan.day_budget(0), 0.0);
  const core::BudgetLedger ledger(cs);
  plan.start_day(2 * kDay, ledger);
  EXPECT_DOUBLE_EQ(plan.day_budget(0), 60e6);
}

TEST(SpendPlan, CurvesArePerCampaign) {
  std::vector<double> profile(24, 1.0);
  profile[20] = 25.0;  // total 48
  PlanSpec spec;
  spec.traffic_profile = profile;
  spec.curves = {CurveSpec{CurveSpec::Shape::kUniform, 24.0}, CurveSpec{CurveSpec::Shape::kTraffic, 24.0},
                 CurveSpec{CurveSpec::Shape::kUniform, 12.0}};
  spec.curve_of_campaign = {0, 1, 2};
  const std::vector<core::Campaign> cs = {campaign(48, 0), campaign(48, 0), campaign(48, 0)};
  const SpendPlan plan(cs, spec);
  EXPECT_DOUBLE_EQ(plan.target_spend(0, 20 * kHour), 40e6);
  EXPECT_NEAR(plan.target_spend(1, 20 * kHour), 20e6, 1e-3);
  EXPECT_NEAR(plan.target_spend(1, 21 * kHour), 45e6, 1e-3);
  EXPECT_NEAR(plan.target_spend(2, 6 * kHour), 24e6, 1e-3);
  EXPECT_DOUBLE_EQ(plan.target_spend(2, 13 * kHour), 48e6);
}

TEST(SpendPlan, LearnedCurveAbsorbsTheRecordedDay) {
  PlanSpec spec;
  spec.curves = {CurveSpec{CurveSpec::Shape::kLearned, 24.0}};
  spec.horizon_end = 2 * kDay;
  const std::vector<core::Campaign> cs = {campaign(100, 0)};
  SpendPlan plan(cs, spec);
  ASSERT_TRUE(plan.learns());
  EXPECT_NEAR(plan.target_fraction(0, 12 * kHour), 0.5, 1e-12);  // the (flat) profile until then
  plan.record_requests(9 * kHour, 300);
  plan.record_requests(21 * kHour, 100);
  const core::BudgetLedger ledger(cs);
  plan.start_day(kDay, ledger);
  EXPECT_NEAR(plan.target_fraction(0, kDay + 10 * kHour), 0.75, 1e-12);
  EXPECT_NEAR(plan.target_fraction(0, kDay + 21 * kHour), 0.75, 1e-12);
  EXPECT_NEAR(plan.target_fraction(0, kDay + 22 * kHour), 1.0, 1e-12);
}

TEST(SpendPlan, RejectsMalformedSpecs) {
  const std::vector<core::Campaign> cs = {campaign(10, 0), campaign(10, 0)};
  PlanSpec wrong_size;
  wrong_size.curve_of_campaign = {0};
  EXPECT_THROW(SpendPlan(cs, wrong_size), std::invalid_argument);
  PlanSpec bad_index;
  bad_index.curve_of_campaign = {0, 1};
  EXPECT_THROW(SpendPlan(cs, bad_index), std::invalid_argument);
  PlanSpec bad_hour;
  bad_hour.curves = {CurveSpec{CurveSpec::Shape::kUniform, 30.0}};
  EXPECT_THROW(SpendPlan(cs, bad_hour), std::invalid_argument);
  PlanSpec bad_profile;
  bad_profile.traffic_profile = {1.0, 2.0};
  EXPECT_THROW(SpendPlan(cs, bad_profile), std::invalid_argument);
  PlanSpec no_curves;
  no_curves.curves.clear();
  EXPECT_THROW(SpendPlan(cs, no_curves), std::invalid_argument);
}

}  // namespace
}  // namespace adsim::pacing

#include "pacing/auto_bidder.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "tests/pacing/synthetic_market.hpp"

namespace adsim::pacing {
namespace {

using core::kDay;
using core::kMinute;
using core::Money;
using Kind = AutoBidGoal::Kind;

TEST(AutoBidder, BidIsTargetTimesPredictedRateTimesMultiplier) {
  AutoBidderParams p;
  p.initial_multiplier = 2.0;
  const AutoBidder bidder({AutoBidGoal{Kind::kTargetCpa, 20e6, 0.0}, AutoBidGoal{Kind::kTargetRoas, 4.0, 80e6}, AutoBidGoal{}},
                          p);
  EXPECT_NEAR(bidder.bid(0, 0.05), 20e6 * 0.05 * 2.0, 1e-6);
  EXPECT_NEAR(bidder.bid(1, 0.05), 80e6 * 0.05 / 4.0 * 2.0, 1e-6);
  EXPECT_NEAR(bidder.bid(1, 0.05, 160e6), 160e6 * 0.05 / 4.0 * 2.0, 1e-6);
  EXPECT_EQ(bidder.bid(2, 0.05), 0.0);
  EXPECT_FALSE(bidder.manages(2));
}

TEST(AutoBidder, MultiplierFollowsTheRealizedRatio) {
  AutoBidderParams p;
  p.gain = 0.5;
  p.prior_conversions = 0.0;
  p.half_life = 1000 * kDay;  // effectively no decay: exact arithmetic below
  AutoBidder bidder({AutoBidGoal{Kind::kTargetCpa, 10e6, 0.0}}, p);
  // 40 spent for 2 conversions: CPA 20, twice the target: log m = -0.5 * log 2.
  bidder.on_charge(0, Money::from_units(40));
  bidder.on_conversion(0);
  bidder.on_conversion(0);
  bidder.update(p.interval);
  EXPECT_NEAR(bidder.multiplier(0), std::pow(2.0, -0.5), 1e-9);
  // Then 8 conversions for nothing: cumulative ratio 40 / 100: m rises.
  for (int i = 0; i < 8; ++i) bidder.on_conversion(0);
  bidder.update(2 * p.interval);
  EXPECT_NEAR(bidder.multiplier(0), std::pow(2.0, -0.5) * std::pow(0.4, -0.5), 1e-5);  // decay ~1 - 7e-6
  const AutoBidStats s = bidder.stats(0);
  EXPECT_NEAR(s.realized, 4e6, 1e-6);
  EXPECT_EQ(s.violation, 0.0);
}

TEST(AutoBidder, ClampsAndConversionLag) {
  AutoBidderParams p;
  p.gain = 10.0;
  p.max_multiplier = 3.0;
  p.conversion_lag = 2 * p.interval;  // spend counts two intervals late
  p.prior_conversions = 1.0;
  AutoBidder bidder({AutoBidGoal{Kind::kTargetCpa, 10e6, 0.0}}, p);
  bidder.on_charge(0, Money::from_units(1000));
  bidder.update(p.interval);  // the spend has not entered yet, the prior alone: no change
  EXPECT_DOUBLE_EQ(bidder.multiplier(0), 1.0);
  bidder.update(2 * p.interval);
  EXPECT_DOUBLE_EQ(bidder.multiplier(0), 1.0);
  bidder.update(3 * p.interval);  // now it has: far above target, m at its floor
  EXPECT_DOUBLE_EQ(bidder.multiplier(0), p.min_multiplier);
  for (int i = 0; i < 1000; ++i) bidder.on_conversion(0);
  bidder.update(4 * p.interval);
  EXPECT_DOUBLE_EQ(bidder.multiplier(0), 3.0);
}

TEST(AutoBidder, DoesNotWindUpAgainstTheBudgetPacer) {
  std::vector<core::Campaign> cs(1);
  cs[0].daily_budget = Money::from_units(100);
  ThrottlingParams throttle;
  throttle.initial_rate = 0.5;  // the pacer is holding the campaign back
  ThrottlingPacer pacer(SpendPlan(cs, {}), throttle);
  AutoBidder bidder({AutoBidGoal{Kind::kTargetCpa, 10e6, 0.0}});
  for (int i = 0; i < 50; ++i) bidder.on_conversion(0);  // CPA far below target
  bidder.update(15 * kMinute, &pacer);
  EXPECT_DOUBLE_EQ(bidder.multiplier(0), 1.0);
  bidder.update(30 * kMinute);  // without the pacer it would rise
  EXPECT_GT(bidder.multiplier(0), 1.0);
}

TEST(AutoBidder, MeasuresTheConstraintViolation) {
  AutoBidder bidder({AutoBidGoal{Kind::kTargetCpa, 10e6, 0.0}, AutoBidGoal{Kind::kTargetRoas, 2.0, 30e6},
                     AutoBidGoal{Kind::kTargetCpa, 10e6, 0.0}});
  bidder.on_charge(0, Money::from_units(30));
  bidder.on_conversion(0);
  bidder.on_conversion(0);  // CPA 15 vs 10: 50% over
  bidder.on_charge(1, Money::from_units(20));
  bidder.on_conversion(1);  // ROAS 30/20 = 1.5 vs 2: 25% short
  bidder.on_charge(2, Money::from_units(10));  // spent, nothing bought
  EXPECT_NEAR(bidder.stats(0).violation, 0.5, 1e-12);
  EXPECT_NEAR(bidder.stats(1).realized, 1.5, 1e-12);
  EXPECT_NEAR(bidder.stats(1).violation, 0.25, 1e-12);
  EXPECT_EQ(bidder.stats(2).violation, 1.0);
  const AutoBidSummary s = bidder.summary();
  EXPECT_EQ(s.campaigns, 3u);
  EXPECT_EQ(s.violating, 3u);
  EXPECT_NEAR(s.mean_violation, (30 * 0.5 + 20 * 0.25 + 10 * 1.0) / 60.0, 1e-12);
  EXPECT_EQ(s.max_violation, 1.0);
}

TEST(AutoBidder, RejectsMalformedGoals) {
  EXPECT_THROW(AutoBidder({AutoBidGoal{Kind::kTargetCpa, 0.0, 0.0}}), std::invalid_argument);
  EXPECT_THROW(AutoBidder({AutoBidGoal{Kind::kTargetRoas, 2.0, 0.0}}), std::invalid_argument);
  AutoBidderParams p;
  p.min_multiplier = 2.0;
  EXPECT_THROW(AutoBidder({}, p), std::invalid_argument);
}

// In the synthetic market: a target-CPA campaign against competition expensive enough that the
// target binds (winning everything would cost E[X] / cvr = 27.5 per conversion > 20). Conversions
// are Poisson-like: the realized CPA of C conversions has relative sd ~ 1 / sqrt(C), so the tolerance
// on days 2-4 (after the multiplier has settled from m = 1) is 5 / sqrt(C).
namespace t = testing;

t::MarketSpec cpa_market(core::SimTime conversion_delay) {
  t::MarketSpec spec;
  spec.hourly_rate = t::flat_rate(50'000);
  spec.competitor_median = 1.0;
  spec.competitor_sigma = 0.8;
  spec.days = 4.0;
  spec.conversion_delay_mean = conversion_delay;
  return spec;
}

std::vector<t::MarketCampaign> cpa_campaign(double daily_budget) {
  std::vector<t::MarketCampaign> cs(1);
  cs[0].cvr = 0.05;
  cs[0].cvr_sigma = 0.5;
  cs[0].daily_budget = daily_budget;
  return cs;
}

TEST(AutoBidderInMarket, TargetCpaHoldsWhenTheBudgetDoesNotBind) {
  for (core::SimTime delay : {core::SimTime{0}, 30 * kMinute}) {
    SCOPED_TRACE(delay);
    const auto spec = cpa_market(delay);
    const auto cs = cpa_campaign(1e7);
    PlanSpec plan;
    plan.horizon_end = 4 * kDay;
    DualDescentPacer pacer(SpendPlan(t::to_core(cs), plan), {});
    AutoBidderParams p;
    p.conversion_lag = delay;
    AutoBidder bidder({AutoBidGoal{Kind::kTargetCpa, 20e6, 0.0}}, p);
    const t::MarketRun run = t::run_market(spec, cs, pacer, &bidder);
    double spend = 0.0, conversions = 0.0;
    for (std::size_t d = 1; d < 4; ++d) {
      spend += run.daily_spend[0][d];
      conversions += run.daily_conversions[0][d];
    }
    ASSERT_GT(conversions, 1000.0);
    EXPECT_NEAR(spend / conversions / 20.0, 1.0, 5.0 / std::sqrt(conversions));
    EXPECT_GT(bidder.multiplier(0), 1.5);  // second price: truthful bids leave CPA below target
    EXPECT_LT(run.stats[0].utilization, 0.1);
  }
}

TEST(AutoBidderInMarket, WithATightBudgetThePacerBindsAndTheGoalHolds) {
  const auto spec = cpa_market(0);
  const auto cs = cpa_campaign(5000);
  PlanSpec plan;
  plan.horizon_end = 4 * kDay;
  for (const StrategyParams& strategy : {StrategyParams{DualDescentParams{}}, StrategyParams{ThrottlingParams{}}}) {
    auto pacer = make_pacer(SpendPlan(t::to_core(cs), plan), {strategy});
    SCOPED_TRACE(pacer->name());
    AutoBidder bidder({AutoBidGoal{Kind::kTargetCpa, 20e6, 0.0}});
    const t::MarketRun run = t::run_market(spec, cs, *pacer, &bidder);
    EXPECT_GE(run.stats[0].utilization, 0.99);
    const AutoBidStats s = bidder.stats(0);
    EXPECT_EQ(s.violation, 0.0);
    EXPECT_LT(s.realized, 0.75 * 20e6);  // the budget binds, so the goal is slack
  }
}

TEST(AutoBidderInMarket, TargetRoasHolds) {
  const auto spec = cpa_market(0);
  const auto cs = cpa_campaign(1e7);
  PlanSpec plan;
  plan.horizon_end = 4 * kDay;
  PidPacer pacer(SpendPlan(t::to_core(cs), plan), {});
  // Value 40 per conversion at ROAS 2: the same economics as a CPA of 20.
  AutoBidder bidder({AutoBidGoal{Kind::kTargetRoas, 2.0, 40e6}});
  const t::MarketRun run = t::run_market(spec, cs, pacer, &bidder);
  double spend = 0.0, conversions = 0.0;
  for (std::size_t d = 1; d < 4; ++d) {
    spend += run.daily_spend[0][d];
    conversions += run.daily_conversions[0][d];
  }
  EXPECT_NEAR(40.0 * conversions / spend / 2.0, 1.0, 5.0 / std::sqrt(conversions));
  EXPECT_LE(bidder.stats(0).violation, 5.0 / std::sqrt(static_cast<double>(bidder.stats(0).conversions)));
}

}  // namespace
}  // namespace adsim::pacing

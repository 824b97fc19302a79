// The Pacer interface contract of every adsim pacer: what apply() does per request, how state moves
// at control ticks and day starts, and the per-campaign strategy assignment of the composite.
#include "pacing/pacers.hpp"

#include <cstdint>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "core/budget_ledger.hpp"
#include "core/random_streams.hpp"

namespace adsim::pacing {
namespace {

using core::CampaignId;
using core::kDay;
using core::kHour;
using core::kMinute;
using core::Money;

std::vector<core::Campaign> campaigns(std::size_t n, double daily = 1440.0) {
  std::vector<core::Campaign> cs(n);
  for (auto& c : cs) c.daily_budget = Money::from_units(daily);
  return cs;
}

struct Batch {
  std::vector<CampaignId> campaigns;
  std::vector<double> multiplier;
  std::vector<std::uint8_t> participates;
  explicit Batch(std::vector<CampaignId> ids)
      : campaigns(std::move(ids)), multiplier(campaigns.size(), 1.0), participates(campaigns.size(), 1) {}
  void run(core::Pacer& pacer, core::Rng& rng, core::SimTime now = kHour) {
    std::fill(multiplier.begin(), multiplier.end(), 1.0);
    std::fill(participates.begin(), participates.end(), std::uint8_t{1});
    pacer.apply(now, campaigns, multiplier, participates, rng);
  }
};

TEST(NoPacer, PassesEverythingThrough) {
  const auto cs = campaigns(3);
  NoPacer pacer{SpendPlan(cs, {})};
  EXPECT_EQ(pacer.name(), "none");
  EXPECT_EQ(pacer.control_interval(), 0);
  core::Rng rng(1);
  const core::Rng before = rng;
  Batch b({0, 1, 2, 1});
  b.run(pacer, rng);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(b.multiplier[i], 1.0);
    EXPECT_EQ(b.participates[i], 1);
  }
  EXPECT_EQ(rng, before);  // no draw
}

TEST(DualDescentPacer, ShadesByItsMultiplierAndSpendMovesIt) {
  const auto cs = campaigns(2);  // B = 1440 units: u = 1 unit per minute
  DualDescentParams p;
  p.step_size = 0.5;
  DualDescentPacer pacer(SpendPlan(cs, {}), p);
  EXPECT_EQ(pacer.control_interval(), kMinute);
  core::BudgetLedger ledger(cs);
  // Campaign 0 spends 3 units in the first minute against a plan of 1: mu = 0.5 * (3 - 1) / 1 = 1.
  for (int i = 0; i < 3; ++i) {
    ledger.charge(0, Money::from_units(1), 30 * core::kSecond);
    pacer.on_charge(0, Money::from_units(1), 30 * core::kSecond);
  }
  pacer.on_control_tick(kMinute, ledger);
  EXPECT_NEAR(pacer.multiplier(0), 0.5, 1e-9);
  EXPECT_DOUBLE_EQ(pacer.multiplier(1), 1.0);  // no spend: mu stays at its floor
  core::Rng rng(1);
  Batch b({1, 0, 0});
  b.run(pacer, rng);
  EXPECT_DOUBLE_EQ(b.multiplier[0], 1.0);
  EXPECT_NEAR(b.multiplier[1], 0.5, 1e-9);
  EXPECT_NEAR(b.multiplier[2], 0.5, 1e-9);
  EXPECT_EQ(b.participates[1], 1);
}

TEST(ThrottlingPacer, OneDecisionPerCampaignPerRequest) {
  const auto cs = campaigns(2);
  ThrottlingParams p;
  p.initial_rate = 0.5;
  ThrottlingPacer pacer(SpendPlan(cs, {}), p);
  core::Rng rng(7);
  Batch b({0, 0, 1, 0, 1});  // several ads of the same campaigns
  int admitted0 = 0;
  constexpr int kRequests = 20000;
  for (int r = 0; r < kRequests; ++r) {
    b.run(pacer, rng);
    EXPECT_EQ(b.participates[0], b.participates[1]);
    EXPECT_EQ(b.participates[0], b.participates[3]);
    EXPECT_EQ(b.participates[2], b.participates[4]);
    admitted0 += b.participates[0];
    EXPECT_EQ(b.multiplier[0], 1.0);
  }
  // Binomial(20000, 0.5): sd 71; 5 sd.
  EXPECT_NEAR(admitted0, kRequests / 2, 5 * 71);
  EXPECT_EQ(pacer.opportunities(0), static_cast<std::uint32_t>(kRequests));
}

TEST(ThrottlingPacer, SameSeedSameDecisions) {
  const auto cs = campaigns(3);
  ThrottlingPacer a(SpendPlan(cs, {}), {});
  ThrottlingPacer b(SpendPlan(cs, {}), {});
  core::Rng ra(42), rb(42);
  Batch ba({0, 1, 2}), bb({0, 1, 2});
  for (int r = 0; r < 1000; ++r) {
    ba.run(a, ra);
    bb.run(b, rb);
    ASSERT_EQ(ba.participates, bb.participates);
  }
}

TEST(PacerBase, KeepsParticipationAlreadyRefused) {
  const auto cs = campaigns(1);
  DualDescentPacer pacer(SpendPlan(cs, {}), {});
  core::Rng rng(1);
  std::vector<CampaignId> ids = {0};
  std::vector<double> mult = {2.0};
  std::vector<std::uint8_t> part = {0};
  pacer.apply(kHour, ids, mult, part, rng);
  EXPECT_EQ(part[0], 0);
  EXPECT_DOUBLE_EQ(mult[0], 2.0);  // multiplies, never overwrites
}

TEST(PacerBase, ExhaustedCampaignsAreFrozen) {
  const auto cs = campaigns(1, 10.0);
  PidPacer pacer(SpendPlan(cs, {}), {});
  core::BudgetLedger ledger(cs);
  ledger.charge(0, Money::from_units(10), kMinute / 2);
  pacer.on_charge(0, Money::from_units(10), kMinute / 2);
  ASSERT_FALSE(ledger.has_budget(0));
  const double before = pacer.multiplier(0);
  for (int i = 1; i <= 60; ++i) pacer.on_control_tick(i * kMinute, ledger);
  EXPECT_EQ(pacer.multiplier(0), before);
}

TEST(PacerBase, DayStartReplansAndResetsTheSlice) {
  const auto cs = campaigns(1);
  ThrottlingParams p;
  p.initial_rate = 0.2;
  ThrottlingPacer pacer(SpendPlan(cs, {}), p);
  core::BudgetLedger ledger(cs);
  // Far behind plan all day: the rate climbs to 1.
  for (int i = 1; i < 24 * 60; ++i) pacer.on_control_tick(i * kMinute, ledger);
  EXPECT_DOUBLE_EQ(pacer.pass_rate(0), 1.0);
  ledger.start_day();
  pacer.on_day_start(kDay, ledger);
  EXPECT_EQ(pacer.plan().day_start(), kDay);
  EXPECT_DOUBLE_EQ(pacer.pass_rate(0), 0.2);  // slow start
  // The first tick of the new day sees only the new day's plan: one minute behind, so it rises.
  pacer.on_control_tick(kDay + kMinute, ledger);
  EXPECT_NEAR(pacer.pass_rate(0), 0.2 * 1.1, 1e-12);
}

TEST(CompositePacer, EachCampaignFollowsItsOwnStrategy) {
  const auto cs = campaigns(4);
  ThrottlingParams throttle;
  throttle.initial_rate = 0.25;
  throttle.interval = 2 * kMinute;
  DualDescentParams dual;
  dual.step_size = 0.5;
  dual.interval = 3 * kMinute;
  PidParams pid;
  pid.interval = 5 * kMinute;
  CompositePacer pacer(SpendPlan(cs, {}), {NoPacingParams{}, throttle, dual, pid}, {1, 2, 0, 3});
  EXPECT_EQ(pacer.name(), "composite");
  EXPECT_EQ(pacer.strategy_count(), 4u);
  EXPECT_EQ(pacer.strategy(pacer.strategy_of(0)).name(), "throttle");
  EXPECT_EQ(pacer.strategy(pacer.strategy_of(2)).name(), "none");
  EXPECT_EQ(pacer.control_interval(), kMinute);  // gcd(2, 3, 5) minutes
  EXPECT_DOUBLE_EQ(pacer.pass_rate(0), 0.25);
  EXPECT_DOUBLE_EQ(pacer.pass_rate(1), 1.0);
  EXPECT_DOUBLE_EQ(pacer.pass_rate(2), 1.0);

  // Every campaign overspends: each strategy reacts at its own interval only.
  core::BudgetLedger ledger(cs);
  auto spend = [&](core::SimTime t) {
    for (CampaignId c = 0; c < 4; ++c) {
      ledger.charge(c, Money::from_units(10), t);
      pacer.on_charge(c, Money::from_units(10), t);
    }
  };
  spend(30 * core::kSecond);
  pacer.on_control_tick(kMinute, ledger);
  EXPECT_DOUBLE_EQ(pacer.pass_rate(0), 0.25);  // throttle: due at 2 min
  EXPECT_DOUBLE_EQ(pacer.multiplier(1), 1.0);  // dual: due at 3 min
  pacer.on_control_tick(2 * kMinute, ledger);
  EXPECT_LT(pacer.pass_rate(0), 0.25);
  EXPECT_DOUBLE_EQ(pacer.multiplier(1), 1.0);
  pacer.on_control_tick(3 * kMinute, ledger);
  EXPECT_LT(pacer.multiplier(1), 1.0);
  EXPECT_DOUBLE_EQ(pacer.multiplier(3), 1.0);
  pacer.on_control_tick(4 * kMinute, ledger);
  pacer.on_control_tick(5 * kMinute, ledger);
  EXPECT_LT(pacer.multiplier(3), 1.0);
  EXPECT_DOUBLE_EQ(pacer.multiplier(2), 1.0);  // none
  EXPECT_DOUBLE_EQ(pacer.pass_rate(2), 1.0);

  // One pass over a mixed batch applies each campaign's own output.
  core::Rng rng(3);
  Batch b({3, 2, 1, 0});
  b.run(pacer, rng);
  EXPECT_DOUBLE_EQ(b.multiplier[0], pacer.multiplier(3));
  EXPECT_DOUBLE_EQ(b.multiplier[1], 1.0);
  EXPECT_DOUBLE_EQ(b.multiplier[2], pacer.multiplier(1));
  EXPECT_DOUBLE_EQ(b.multiplier[3], 1.0);
  EXPECT_EQ(b.participates[1], 1);
}

TEST(CompositePacer, RejectsMalformedAssignments) {
  const auto cs = campaigns(3);
  EXPECT_THROW(CompositePacer(SpendPlan(cs, {}), {}, {}), std::invalid_argument);
  EXPECT_THROW(CompositePacer(SpendPlan(cs, {}), {DualDescentParams{}}, {0, 0}), std::invalid_argument);
  EXPECT_THROW(CompositePacer(SpendPlan(cs, {}), {DualDescentParams{}}, {0, 1, 0}), std::invalid_argument);
  DualDescentParams bad;
  bad.max_mu = -1.0;
  EXPECT_THROW(CompositePacer(SpendPlan(cs, {}), {bad}, {}), std::invalid_argument);
}

TEST(MakePacer, PicksTheSimplestClass) {
  const auto cs = campaigns(2);
  EXPECT_EQ(make_pacer(SpendPlan(cs, {}), {NoPacingParams{}})->name(), "none");
  EXPECT_EQ(make_pacer(SpendPlan(cs, {}), {ThrottlingParams{}})->name(), "throttle");
  EXPECT_EQ(make_pacer(SpendPlan(cs, {}), {DualDescentParams{}})->name(), "dual");
  EXPECT_EQ(make_pacer(SpendPlan(cs, {}), {PidParams{}})->name(), "pid");
  EXPECT_EQ(make_pacer(SpendPlan(cs, {}), {PidParams{}, NoPacingParams{}}, {1, 0})->name(), "composite");
}

TEST(PacerBase, LearnsTrafficFromTheBatchesItPaces) {
  const auto cs = campaigns(1);
  PlanSpec spec;
  spec.curves = {CurveSpec{CurveSpec::Shape::kLearned, 24.0}};
  NoPacer pacer{SpendPlan(cs, spec)};
  core::Rng rng(1);
  Batch b({0});
  for (int i = 0; i < 30; ++i) b.run(pacer, rng, 6 * kHour + i * kMinute);
  for (int i = 0; i < 10; ++i) b.run(pacer, rng, 20 * kHour + i * kMinute);
  const core::BudgetLedger ledger(cs);
  pacer.on_day_start(kDay, ledger);
  EXPECT_NEAR(pacer.plan().target_fraction(0, kDay + 7 * kHour), 0.75, 1e-12);
}

}  // namespace
}  // namespace adsim::pacing

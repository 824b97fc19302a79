// The exact update rules of each strategy, one step at a time (docs/pacing.md states the same rules).
#include "pacing/control_rules.hpp"

#include <cmath>
#include <stdexcept>

#include <gtest/gtest.h>

namespace adsim::pacing {
namespace {

// A tick where the plan wanted `g` this interval and `target` so far; spend was `s` and `spent`.
TickSignal signal(double target, double spent, double g, double s, double unit = 10.0) {
  TickSignal t;
  t.now = core::kHour;
  t.elapsed = core::kMinute;
  t.budget = 1440.0 * unit;
  t.target = target;
  t.spent = spent;
  t.slice_target = g;
  t.slice_replanned = g;
  t.slice_spend = s;
  t.unit = unit;
  return t;
}

TEST(ThrottlingRule, SlowStartThenFixedMultiplicativeSteps) {
  ThrottlingParams p;
  p.initial_rate = 0.1;
  p.step = 0.5;
  p.lookahead = 2.0;
  ThrottlingRule rule(p, 1);
  PacingOutput out;
  rule.start_day(0, out);
  EXPECT_DOUBLE_EQ(out.pass_rate, 0.1);
  EXPECT_DOUBLE_EQ(out.multiplier, 1.0);
  // Behind: gap = (100 - 90) + 2 * (10 - 8) = 14 > 0.
  rule.update(0, signal(100, 90, 10, 8), out);
  EXPECT_DOUBLE_EQ(out.pass_rate, 0.15);
  // Behind in total but spending fast enough to overtake within the lookahead: gap = 5 + 2 * (10 - 15) < 0.
  rule.update(0, signal(100, 95, 10, 15), out);
  EXPECT_DOUBLE_EQ(out.pass_rate, 0.1);
  // Clamped at max_rate.
  for (int i = 0; i < 20; ++i) rule.update(0, signal(100, 0, 10, 0), out);
  EXPECT_DOUBLE_EQ(out.pass_rate, 1.0);
  // Slow start again the next day.
  rule.start_day(0, out);
  EXPECT_DOUBLE_EQ(out.pass_rate, 0.1);
}

TEST(ThrottlingRule, AdditiveStepsDeadbandAndCarryOver) {
  ThrottlingParams p;
  p.initial_rate = 0.5;
  p.min_rate = 0.05;
  p.step = 0.2;
  p.multiplicative = false;
  p.lookahead = 0.0;
  p.deadband = 1.0;  // one unit u = 10
  p.slow_start_each_day = false;
  ThrottlingRule rule(p, 1);
  PacingOutput out;
  rule.start_day(0, out);
  rule.update(0, signal(100, 95, 10, 10), out);  // gap 5 within the band
  EXPECT_DOUBLE_EQ(out.pass_rate, 0.5);
  rule.update(0, signal(100, 120, 10, 10), out);  // ahead by 20
  EXPECT_DOUBLE_EQ(out.pass_rate, 0.3);
  rule.update(0, signal(100, 120, 10, 10), out);
  rule.update(0, signal(100, 120, 10, 10), out);
  EXPECT_DOUBLE_EQ(out.pass_rate, 0.05);  // min_rate
  rule.start_day(0, out);
  EXPECT_DOUBLE_EQ(out.pass_rate, 0.05);  // no slow start: yesterday's rate
}

TEST(ThrottlingRule, RejectsBadParameters) {
  ThrottlingParams p;
  p.min_rate = 0.0;
  EXPECT_THROW(ThrottlingRule(p, 1), std::invalid_argument);
  p = {};
  p.initial_rate = 2.0;
  EXPECT_THROW(ThrottlingRule(p, 1), std::invalid_argument);
  p = {};
  p.step = 0.0;
  EXPECT_THROW(ThrottlingRule(p, 1), std::invalid_argument);
  p = {};
  p.interval = 0;
  EXPECT_THROW(ThrottlingRule(p, 1), std::invalid_argument);
}

TEST(DualDescentRule, ProjectedStepOnTargetMinusActual) {
  DualDescentParams p;
  p.step_size = 0.1;
  p.max_mu = 3.0;
  DualDescentRule rule(p, 2);
  PacingOutput out;
  rule.start_day(0, out);
  EXPECT_DOUBLE_EQ(out.multiplier, 1.0);
  // Spent 30 where 10 was planned (u = 10): mu = 0 - 0.1 * (10 - 30) / 10 = 0.2.
  rule.update(0, signal(0, 0, 10, 30), out);
  EXPECT_NEAR(rule.mu(0), 0.2, 1e-12);
  EXPECT_NEAR(out.multiplier, 1.0 / 1.2, 1e-12);
  EXPECT_DOUBLE_EQ(out.pass_rate, 1.0);
  // Underspending lowers mu, projected at 0.
  rule.update(0, signal(0, 0, 10, 0), out);
  EXPECT_NEAR(rule.mu(0), 0.1, 1e-12);
  rule.update(0, signal(0, 0, 50, 0), out);
  EXPECT_DOUBLE_EQ(rule.mu(0), 0.0);
  // ... and at max_mu.
  rule.update(0, signal(0, 0, 0, 1000), out);
  EXPECT_DOUBLE_EQ(rule.mu(0), 3.0);
  EXPECT_DOUBLE_EQ(out.multiplier, 0.25);
  // Campaigns have separate state; mu carries over to the next day by default.
  EXPECT_DOUBLE_EQ(rule.mu(1), 0.0);
  rule.start_day(0, out);
  EXPECT_DOUBLE_EQ(out.multiplier, 0.25);
}

TEST(DualDescentRule, ResetEachDay) {
  DualDescentParams p;
  p.initial_mu = 0.5;
  p.reset_each_day = true;
  DualDescentRule rule(p, 1);
  PacingOutput out;
  rule.start_day(0, out);
  EXPECT_NEAR(out.multiplier, 1.0 / 1.5, 1e-12);
  rule.update(0, signal(0, 0, 0, 100), out);
  rule.start_day(0, out);
  EXPECT_DOUBLE_EQ(rule.mu(0), 0.5);
  p.initial_mu = 30.0;
  EXPECT_THROW(DualDescentRule(p, 1), std::invalid_argument);
}

// A PID tick `elapsed` after the previous one, with `target` planned and `spent` billed so far today.
// The budget is 14,400, so one hour of a uniform plan is 600 and e = (target - spent) / 600.
TickSignal pid_signal(double target, double spent, core::SimTime elapsed = core::kHour) {
  TickSignal t = signal(target, spent, 0, 0);
  t.elapsed = elapsed;
  return t;
}

TEST(PidRule, ProportionalIntegralDerivativeTerms) {
  PidParams p;
  p.kp = 0.5;
  p.ki = 0.1;
  p.kd = 0.2;
  p.min_phi = -2.0;
  p.max_phi = 1.0;
  PidRule rule(p, 1);
  PacingOutput out;
  rule.start_day(0, out);
  EXPECT_DOUBLE_EQ(out.multiplier, 1.0);
  // e = (600 - 900) / 600 = -0.5 (half an hour of plan ahead); I = -0.5 x 0.5 h = -0.25;
  // phi = 0.5 x -0.5 + 0.1 x -0.25 + 0.2 x (-0.5 - 0) = -0.375.
  rule.update(0, pid_signal(600, 900, 30 * core::kMinute), out);
  EXPECT_NEAR(rule.integral(0), -0.25, 1e-12);
  EXPECT_NEAR(rule.phi(0), -0.375, 1e-12);
  EXPECT_NEAR(out.multiplier, std::exp(-0.375), 1e-12);
  // e = (1200 - 1080) / 600 = 0.2; I = -0.25 + 0.2 x 0.5 = -0.15; phi = 0.1 - 0.015 + 0.2 x 0.7 = 0.225.
  rule.update(0, pid_signal(1200, 1080, 30 * core::kMinute), out);
  EXPECT_NEAR(rule.integral(0), -0.15, 1e-12);
  EXPECT_NEAR(rule.phi(0), 0.225, 1e-12);
}

TEST(PidRule, ALumpyChargeHoldsTheBidDownUntilThePlanCatchesUp) {
  // The marketplace's case: one click costs many minutes of plan. Budget 14,400 planned uniformly
  // (10 a minute); at 1:00 a charge of 300 puts spend 30 minutes ahead of plan, then nothing is
  // billed. The bid must stay shaded until the plan has caught up (about 30 minutes), rising as
  // it does. (An error on each minute's spend alone, e = (g - s) / u, sees -30 for one minute and
  // +1 after it, so it forgot the charge one tick later.)
  PidRule rule(PidParams{}, 1);
  PacingOutput out;
  rule.start_day(0, out);
  rule.update(0, pid_signal(600, 900, core::kMinute), out);
  double previous = rule.phi(0);
  EXPECT_LT(previous, -1.0);  // kp x e = 3 x -0.5
  for (int j = 1; j < 30; ++j) {
    rule.update(0, pid_signal(600 + 10.0 * j, 900, core::kMinute), out);
    EXPECT_LT(rule.phi(0), 0.0) << "minute " << j;
    EXPECT_GT(rule.phi(0), previous) << "minute " << j;
    previous = rule.phi(0);
  }
  // Once spend is behind plan again the bid is back at the campaign's own (max_phi = 0).
  for (int j = 30; j < 60; ++j) rule.update(0, pid_signal(600 + 10.0 * j, 900, core::kMinute), out);
  EXPECT_DOUBLE_EQ(out.multiplier, 1.0);
}

TEST(PidRule, BoundedPhiWithAntiWindup) {
  PidParams p;
  p.kp = 0.0;
  p.ki = 1.0;
  p.kd = 0.0;
  p.min_phi = -1.0;
  p.max_phi = 0.0;
  PidRule rule(p, 1);
  PacingOutput out;
  rule.start_day(0, out);
  // Far behind plan (e = +1) for a long time: phi pinned at max_phi, the integral does not wind up.
  for (int i = 0; i < 50; ++i) rule.update(0, pid_signal(600, 0), out);
  EXPECT_DOUBLE_EQ(rule.phi(0), 0.0);
  EXPECT_DOUBLE_EQ(rule.integral(0), 0.0);
  // So the first interval ahead of plan (e = -0.5 for an hour) shades the bid at once.
  rule.update(0, pid_signal(600, 900), out);
  EXPECT_NEAR(rule.phi(0), -0.5, 1e-12);
  // Pinned at min_phi the other way.
  for (int i = 0; i < 50; ++i) rule.update(0, pid_signal(600, 1200), out);
  EXPECT_DOUBLE_EQ(rule.phi(0), -1.0);
  EXPECT_NEAR(rule.integral(0), -0.5, 1e-12);
}

TEST(PidRule, WinRateSignal) {
  PidParams p;
  p.signal = PidParams::Signal::kWinRate;
  p.target_win_rate = 0.2;
  p.kp = 0.0;
  p.ki = 0.5;
  PidRule rule(p, 1);
  PacingOutput out;
  rule.start_day(0, out);
  TickSignal t = pid_signal(0, 0);
  t.opportunities = 100;
  t.charges = 30;  // w = 0.3: e = (0.2 - 0.3) / 0.2 = -0.5 for an hour: I = -0.5
  rule.update(0, t, out);
  EXPECT_NEAR(rule.phi(0), -0.25, 1e-12);
  t.opportunities = 0;  // no opportunity: no error
  rule.update(0, t, out);
  EXPECT_NEAR(rule.phi(0), -0.25, 1e-12);
  p.target_win_rate = 0.0;
  EXPECT_THROW(PidRule(p, 1), std::invalid_argument);
}

TEST(MakeRule, BuildsEachStrategy) {
  EXPECT_EQ(make_rule(NoPacingParams{}, 3)->name(), "none");
  EXPECT_TRUE(make_rule(NoPacingParams{}, 3)->pass_through());
  EXPECT_EQ(make_rule(ThrottlingParams{}, 3)->name(), "throttle");
  EXPECT_EQ(make_rule(DualDescentParams{}, 3)->name(), "dual");
  EXPECT_EQ(make_rule(PidParams{}, 3)->name(), "pid");
  EXPECT_EQ(make_rule(PidParams{}, 3)->interval(), core::kMinute);
}

}  // namespace
}  // namespace adsim::pacing

// The behaviour tests, on the synthetic market (synthetic_market.hpp): each pacer runs
// through simulated days and its cumulative spend is compared with its plan.
//
// Where the tolerances come from (the traffic's variance, not reruns)
// --------------------------------------------------------------------
// While a pacer holds spend on plan, spend over a stretch of time is a compound Poisson process:
// charges Y arrive at rate (planned spend rate) / E[Y], so over a window whose planned spend is P,
//     Var(spend) = P * E[Y^2] / E[Y].
// A charge is a competing bid X that lost to the paced bid, which is never above the campaign's bid b
// (throttling and dual descent never raise a bid; PID does not with max_phi = 0), so
//     E[Y^2] / E[Y] <= kappa(b) = E[X^2; X < b] / E[X; X < b],
// computed exactly for the log-normal competition (lognormal_partial_moment). The controllers here
// correct a deviation within minutes (throttling changes its rate by 10% a minute; dual descent moves
// the multiplier by eta per interval's worth of error; PID's bid factor follows the deviation itself,
// kp = 3 per hour of plan), so noise cannot pile up
// for longer than about an hour before it is worked off: the noise of the deviation is at most
//     sd = sqrt(P_1h * kappa),  P_1h = planned spend in the busiest hour,
// and the largest of the ~100 samples a day stays within z = 5 sd (a Gaussian exceeds 5 sd with
// probability 6e-7 per sample, 6e-5 per day). On top of noise, each controller has a deterministic
// start-up transient, bounded by a control allowance of 1% of B: throttling's slow start ramps from
// 10% to its needed rate p* = 0.4 in ln(4)/ln(1.1) = 15 intervals (at most 15 minutes of plan, 1% of
// B, and the 1-hour warm-up leaves it out); dual descent overshoots by (mu* - mu0) u / eta = mu* / (0.2
// x 1440) = 0.35% of B for mu* ~ 1; PID's proportional term needs a deviation of |phi*| / (kp x 24)
// of B to reach phi* (the integral then takes it over within hours): phi* = ln 0.51 here (the
// multiplier that brings the full-rate spend of 2.5 B down to B), 0.94% of B.
//     tolerance = 1% + 5 sqrt(P_1h kappa) / B
// With the stationary market below (B = 10,000 units, kappa = 0.58 units) this is 1.78% of B.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "tests/pacing/synthetic_market.hpp"

namespace adsim::pacing::testing {
namespace {

constexpr double kBudget = 10'000.0;   // units per day
constexpr double kBid = 1.0;           // units
constexpr double kOpportunities = 54'000.0;  // per day: full-rate spend ~2.5 x the budget
constexpr double kControlAllowance = 0.01;
constexpr double kZ = 5.0;
constexpr SimTime kWarmup = kHour;

double kappa(const MarketSpec& spec, double bid) {
  return lognormal_partial_moment(2, bid, spec.competitor_median, spec.competitor_sigma) /
         lognormal_partial_moment(1, bid, spec.competitor_median, spec.competitor_sigma);
}

// Noise sd of cumulative spend as a share of B, with `hour_share` of B planned in the busiest hour.
double noise_share(double budget, double hour_share, double kappa_units) {
  return std::sqrt(budget * hour_share * kappa_units) / budget;
}

double tolerance(const MarketSpec& spec, double budget, double bid, double busiest_hour_share) {
  return kControlAllowance + kZ * noise_share(budget, busiest_hour_share, kappa(spec, bid));
}

MarketSpec stationary_market() {
  MarketSpec spec;
  spec.hourly_rate = flat_rate(kOpportunities);
  spec.metrics.warmup = kWarmup;
  spec.metrics.sample_interval = 15 * kMinute;
  return spec;
}

std::vector<MarketCampaign> one_campaign(double budget = kBudget, double bid = kBid) {
  std::vector<MarketCampaign> cs(1);
  cs[0].bid = bid;
  cs[0].daily_budget = budget;
  return cs;
}

// The default ("tuned") parameters of each strategy, by name.
struct Named {
  const char* name;
  StrategyParams params;
};
std::vector<Named> tuned_pacers() {
  return {{"throttle", ThrottlingParams{}}, {"dual", DualDescentParams{}}, {"pid", PidParams{}}};
}

std::unique_ptr<PacerBase> pacer_for(const std::vector<MarketCampaign>& cs, const StrategyParams& params,
                                     PlanSpec plan = {}) {
  return make_pacer(SpendPlan(to_core(cs), std::move(plan)), {params});
}

TEST(PacingBehaviour, ToleranceIsAFewPercent) {
  const MarketSpec spec = stationary_market();
  EXPECT_NEAR(kappa(spec, kBid), 0.58, 0.01);
  const double tol = tolerance(spec, kBudget, kBid, 1.0 / 24.0);
  EXPECT_LT(tol, 0.03);
  EXPECT_GT(tol, 0.01);
}

TEST(PacingBehaviour, StationaryTrafficTracksTheUniformPlanAndSpendsTheBudget) {
  const MarketSpec spec = stationary_market();
  const auto cs = one_campaign();
  const double tol = tolerance(spec, kBudget, kBid, 1.0 / 24.0);
  for (const Named& p : tuned_pacers()) {
    auto pacer = pacer_for(cs, p.params);
    const MarketRun run = run_market(spec, cs, *pacer);
    const CampaignPacingStats& s = run.stats[0];
    SCOPED_TRACE(p.name);
    EXPECT_LE(s.max_abs_deviation, tol);
    EXPECT_LE(s.mean_abs_deviation, tol / 2);
    EXPECT_GE(run.ledger_spend[0], 0.99 * kBudget);
    EXPECT_GE(s.utilization, 0.99);
  }
}

TEST(PacingBehaviour, HighBidsWithoutPacingExhaustEarlyAndWithPacingDoNot) {
  const MarketSpec spec = stationary_market();
  const auto cs = one_campaign();
  // Unpaced, spend runs at the full rate R: the budget is gone at t* = 24h x B / R, with a spread of
  // sd(S) / R = sqrt(B kappa) / R (the same compound-Poisson variance at the full rate).
  auto none = pacer_for(cs, NoPacingParams{});
  const MarketRun unpaced = run_market(spec, cs, *none);
  const double full_rate = unpaced.full_rate_day_spend[0];  // units per day
  ASSERT_GT(full_rate, 2.0 * kBudget);
  const double t_star = 24.0 * kBudget / full_rate;
  const double sd_hours = 24.0 * std::sqrt(kBudget * kappa(spec, kBid)) / full_rate;
  EXPECT_NEAR(unpaced.stats[0].mean_exhaustion_hour, t_star, kZ * sd_hours);
  EXPECT_LT(unpaced.stats[0].mean_exhaustion_hour, 12.0);

  // Paced, spend stays within tol of B t / 24h, so the budget cannot be gone before 24h x (1 - tol).
  const double tol = tolerance(spec, kBudget, kBid, 1.0 / 24.0);
  for (const Named& p : tuned_pacers()) {
    auto pacer = pacer_for(cs, p.params);
    const MarketRun run = run_market(spec, cs, *pacer);
    SCOPED_TRACE(p.name);
    const double hour = run.stats[0].mean_exhaustion_hour;
    EXPECT_TRUE(hour < 0 || hour >= 24.0 * (1.0 - tol)) << hour;
  }
}

// Quiet nights, a busy day, a three-times-busier evening.
constexpr std::array<double, 24> kPeakedProfile = {0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 1, 1, 1, 1, 1,
                                                   1,   1,   1,   1,   1,   1,   3,   3, 3, 3, 3, 1};

TEST(PacingBehaviour, PeakedTrafficIsTrackedByTheTrafficCurveAndNotByTheUniformOne) {
  MarketSpec spec = stationary_market();
  spec.hourly_rate = shaped_rate(kOpportunities, kPeakedProfile);
  const auto cs = one_campaign();
  PlanSpec traffic;
  traffic.traffic_profile.assign(kPeakedProfile.begin(), kPeakedProfile.end());
  traffic.curves = {CurveSpec{CurveSpec::Shape::kTraffic, 24.0}};
  PlanSpec uniform = traffic;
  uniform.curves = {CurveSpec{CurveSpec::Shape::kUniform, 24.0}};

  const SpendCurve curve = SpendCurve::traffic_proportional(traffic.traffic_profile);
  double busiest = 0.0;
  for (int h = 0; h < 24; ++h) busiest = std::max(busiest, curve.hour_share(h));
  const double tol = tolerance(spec, kBudget, kBid, busiest);

  // Under the uniform plan, by 07:00 the plan wants 7/24 of B, but no pacer here can spend more than
  // the full-rate spend of the seven quiet hours: a shortfall D that is no accident of noise.
  const double full_rate_per_opportunity =
      lognormal_partial_moment(1, kBid, spec.competitor_median, spec.competitor_sigma);
  double night_full_spend = 0.0;
  for (int h = 0; h < 7; ++h) night_full_spend += spec.hourly_rate[static_cast<std::size_t>(h)] * full_rate_per_opportunity;
  const double shortfall = 7.0 / 24.0 - night_full_spend / kBudget;
  ASSERT_GT(shortfall, 0.15);
  const double night_noise = noise_share(kBudget, night_full_spend / kBudget, kappa(spec, kBid));

  for (const Named& p : tuned_pacers()) {
    SCOPED_TRACE(p.name);
    auto follows_traffic = pacer_for(cs, p.params, traffic);
    const MarketRun tracked = run_market(spec, cs, *follows_traffic);
    EXPECT_LE(tracked.stats[0].max_abs_deviation, tol);
    EXPECT_GE(tracked.ledger_spend[0], 0.99 * kBudget);

    auto follows_uniform = pacer_for(cs, p.params, uniform);
    const MarketRun untracked = run_market(spec, cs, *follows_uniform);
    EXPECT_GE(untracked.stats[0].max_abs_deviation, shortfall - kZ * night_noise);
    EXPECT_GT(untracked.stats[0].max_abs_deviation, 3.0 * tol);
  }
}

TEST(PacingBehaviour, LearnedCurveTracksPeakedTrafficFromTheSecondDay) {
  MarketSpec spec = stationary_market();
  spec.hourly_rate = shaped_rate(kOpportunities, kPeakedProfile);
  spec.days = 2.0;
  spec.metrics.keep_trace = true;
  const auto cs = one_campaign();
  PlanSpec learned;  // flat prior: day 1 plans uniformly, day 2 follows day 1's traffic
  learned.curves = {CurveSpec{CurveSpec::Shape::kLearned, 24.0}};
  learned.horizon_end = 2 * kDay;
  const SpendCurve curve = SpendCurve::traffic_proportional(std::vector<double>(kPeakedProfile.begin(), kPeakedProfile.end()));
  double busiest = 0.0;
  for (int h = 0; h < 24; ++h) busiest = std::max(busiest, curve.hour_share(h));
  const double tol = tolerance(spec, kBudget, kBid, busiest);
  for (const Named& p : tuned_pacers()) {
    SCOPED_TRACE(p.name);
    auto pacer = pacer_for(cs, p.params, learned);
    const MarketRun run = run_market(spec, cs, *pacer);
    double day1 = 0.0, day2 = 0.0;
    for (const TracePoint& t : run.trace) {
      const SimTime tod = core::time_of_day(t.time);
      if (tod != 0 && tod < kWarmup) continue;
      const double dev = std::abs(t.spent - t.target) / t.budget;
      (t.time <= kDay ? day1 : day2) = std::max(t.time <= kDay ? day1 : day2, dev);
    }
    EXPECT_GT(day1, 3.0 * tol);
    EXPECT_LE(day2, tol);
    EXPECT_GE(run.daily_spend[0][1], 0.99 * kBudget);
  }
}

TEST(PacingBehaviour, EarlyFinishSpendsTheBudgetByItsHour) {
  MarketSpec spec = stationary_market();
  spec.hourly_rate = shaped_rate(kOpportunities, kPeakedProfile);
  spec.metrics.keep_trace = true;
  const auto cs = one_campaign();
  PlanSpec plan;
  plan.traffic_profile.assign(kPeakedProfile.begin(), kPeakedProfile.end());
  plan.curves = {CurveSpec{CurveSpec::Shape::kTraffic, 20.0}};
  const SpendCurve curve = SpendCurve::traffic_proportional(plan.traffic_profile).finishing_at(20.0);
  double busiest = 0.0;
  for (int h = 0; h < 24; ++h) busiest = std::max(busiest, curve.hour_share(h));
  const double tol = tolerance(spec, kBudget, kBid, busiest);
  for (const Named& p : tuned_pacers()) {
    SCOPED_TRACE(p.name);
    auto pacer = pacer_for(cs, p.params, plan);
    const MarketRun run = run_market(spec, cs, *pacer);
    EXPECT_LE(run.stats[0].max_abs_deviation, tol);
    for (const TracePoint& t : run.trace)
      if (t.time == 20 * kHour) {
        EXPECT_GE(t.spent, (1.0 - tol) * t.budget);
      }
    EXPECT_NEAR(run.stats[0].mean_exhaustion_hour, 20.0, 24.0 * tol);
    double after = 0.0;
    for (int h = 21; h < 24; ++h) after += run.hourly_spend[0][static_cast<std::size_t>(h)];
    EXPECT_LE(after, tol * kBudget);
  }
}

TEST(PacingBehaviour, LifetimeBudgetIsSpreadOverTheFlight) {
  MarketSpec spec = stationary_market();
  spec.days = 3.0;
  std::vector<MarketCampaign> cs = one_campaign(0.0);
  cs[0].total_budget = 3 * kBudget;
  cs[0].flight_end = 3 * kDay;
  PlanSpec plan;
  plan.horizon_end = 3 * kDay;
  const double tol = tolerance(spec, kBudget, kBid, 1.0 / 24.0);
  for (const Named& p : tuned_pacers()) {
    SCOPED_TRACE(p.name);
    auto pacer = pacer_for(cs, p.params, plan);
    const MarketRun run = run_market(spec, cs, *pacer);
    for (double day : run.daily_spend[0]) EXPECT_NEAR(day, kBudget, tol * kBudget);
    EXPECT_LE(run.stats[0].max_abs_deviation, tol);
    EXPECT_GE(run.ledger_spend[0], 0.99 * 3 * kBudget);
  }
}

TEST(PacingBehaviour, OverspendNeverExceedsTheChargesInFlight) {
  // Clicks are charged 30 minutes (mean) after the auction: when the budget runs out, the clicks
  // still on their way are billed until one crosses it; that one's excess is the overspend.
  MarketSpec spec = stationary_market();
  spec.hourly_rate = flat_rate(kOpportunities * 20.0);
  spec.click_delay_mean = 30 * kMinute;
  spec.days = 2.0;
  std::vector<MarketCampaign> cs = one_campaign();
  cs[0].ctr = 0.05;
  std::vector<Named> all = tuned_pacers();
  all.push_back({"none", NoPacingParams{}});
  PlanSpec plan;
  plan.horizon_end = 2 * kDay;
  for (const Named& p : all) {
    SCOPED_TRACE(p.name);
    auto pacer = pacer_for(cs, p.params, plan);
    const MarketRun run = run_market(spec, cs, *pacer);
    const CampaignPacingStats& s = run.stats[0];
    const double days = static_cast<double>(s.days_exhausted);
    EXPECT_LE(run.ledger_overspend[0], days * run.inflight_at_exhaustion[0] + 1e-6);
    EXPECT_LE(run.ledger_overspend[0], days * run.max_charge[0] + 1e-6);
    EXPECT_NEAR(s.overspend.units(), run.ledger_overspend[0], 1e-9);
    if (days == 0) {
      EXPECT_EQ(run.ledger_overspend[0], 0.0);
    }
    for (double day : run.daily_spend[0]) EXPECT_LE(day, kBudget + run.max_charge[0]);
  }
}

TEST(PacingBehaviour, CompositePacesEachCampaignWithItsOwnStrategy) {
  MarketSpec spec = stationary_market();
  // Four campaigns with different bids, budgets and reach; one pacer object, one strategy each.
  std::vector<MarketCampaign> cs(4);
  const double budgets[4] = {4000, 10000, 6000, 8000};
  const double bids[4] = {1.0, 1.0, 1.5, 0.8};
  const double reach[4] = {0.5, 1.0, 0.6, 0.9};
  for (std::size_t c = 0; c < 4; ++c) {
    cs[c].daily_budget = budgets[c];
    cs[c].bid = bids[c];
    cs[c].eligibility = reach[c];
  }
  CompositePacer pacer(SpendPlan(to_core(cs), {}),
                       {NoPacingParams{}, ThrottlingParams{}, DualDescentParams{}, PidParams{}}, {0, 1, 2, 3});
  const MarketRun run = run_market(spec, cs, pacer);
  for (std::size_t c = 0; c < 4; ++c) ASSERT_GT(run.full_rate_day_spend[c], 1.5 * budgets[c]);
  EXPECT_LT(run.stats[0].mean_exhaustion_hour, 18.0);  // unpaced
  for (std::size_t c = 1; c < 4; ++c) {
    SCOPED_TRACE(c);
    const double tol = tolerance(spec, budgets[c], bids[c], 1.0 / 24.0);
    EXPECT_LE(run.stats[c].max_abs_deviation, tol);
    EXPECT_GE(run.ledger_spend[c], 0.99 * budgets[c]);
  }
}

TEST(PacingBehaviour, PidOnTheWinRateHoldsItsTarget) {
  const MarketSpec spec = stationary_market();
  std::vector<MarketCampaign> cs = one_campaign(1e9);  // budget never binds: only the win rate is controlled
  PidParams pid;
  pid.signal = PidParams::Signal::kWinRate;
  pid.target_win_rate = 0.4;
  // Gains for the win-rate error (the defaults are tuned for the spend signal): the integral moves
  // phi by 0.2 per minute's worth of error (12 per hour), as fast as dual descent's step.
  pid.kp = 0.05;
  pid.ki = 12.0;
  auto pacer = pacer_for(cs, pid);
  const MarketRun run = run_market(spec, cs, *pacer);
  const double opportunities = static_cast<double>(pacer->opportunities(0));
  const double w = static_cast<double>(run.stats[0].charges) / opportunities;
  // Binomial noise of the day's win rate, plus the start-up transient: from phi = 0 (win rate 0.92)
  // to phi* within ~5 intervals, at most 5 minutes of the day at a win rate off by <= 0.6.
  const double noise = std::sqrt(0.4 * 0.6 / opportunities);
  EXPECT_NEAR(w, 0.4, kZ * noise + 0.6 * 5.0 / 1440.0);
}

}  // namespace
}  // namespace adsim::pacing::testing

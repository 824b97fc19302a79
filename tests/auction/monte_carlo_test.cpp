// Monte-Carlo checks of textbook auction theory, run through the auction-only runner.
//
// Tolerances come from the estimator, not from trial and error: each estimate is a mean over N
// independent auctions, its standard error is SE = s / sqrt(N) with s the sample standard deviation
// (AuctionMetricsReport::*_se), and each check allows |estimate - theory| <= 4 SE (two-sided
// false-alarm probability 6e-5 if the code is right). Differences of two independent estimates use
// SE = sqrt(SE1^2 + SE2^2); proportions use the binomial SE sqrt(p (1 - p) / N). Sample sizes are
// chosen so that 4 SE is well under 1% of the quantity, so a 1% bias fails the check; the seeds
// are fixed, so the outcome is reproducible.
#include <cmath>
#include <string>

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <gtest/gtest.h>

#include "auction/auction_only.hpp"
#include "auction/reserve.hpp"

namespace adsim::auction {
namespace {

constexpr double kZ = 4.0;
constexpr std::uint64_t kAuctions = 500'000;

// P(second highest of n i.i.d. values <= x) = F^n + n F^(n-1) (1 - F).
double second_highest_cdf(const ValueDistribution& d, int n, double x) {
  const double f = d.cdf(x);
  return std::pow(f, n) + n * std::pow(f, n - 1) * (1.0 - f);
}

// Expected revenue of a second-price auction among n i.i.d. bidders with reserve r:
//   r P(highest >= r > second) + E[second; second >= r]
//   = r n F(r)^(n-1) (1 - F(r)) + r (1 - G(r)) + integral_r^inf (1 - G(x)) dx,  G = cdf of second.
// Computed by Gauss-Kronrod quadrature: an independent path from the simulation.
double expected_second_price_revenue(const ValueDistribution& d, int n, double r) {
  const double fr = d.cdf(r);
  const double sold_at_reserve = n == 1 ? (1.0 - fr) : n * std::pow(fr, n - 1) * (1.0 - fr);
  const double hi = std::isfinite(d.upper()) ? d.upper() : d.quantile(1.0 - 1e-15);
  const double lo = std::max(r, d.lower());
  double tail = 0.0;
  if (n >= 2 && hi > lo) {
    tail = boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
        [&](double x) { return 1.0 - second_highest_cdf(d, n, x); }, lo, hi, 15, 1e-12);
  }
  const double above = n >= 2 ? r * (1.0 - second_highest_cdf(d, n, r)) : 0.0;
  // Below the support's lower end the second value is at least L > r: the integral from r to L
  // of (1 - G) = L - r is the part of the price above r that the "above" term does not count.
  const double gap = n >= 2 && d.lower() > r ? d.lower() - r : 0.0;
  return r * sold_at_reserve + above + tail + gap;
}

AuctionOnlyResult run(AuctionOnlyConfig c) {
  c.rounds = c.rounds ? c.rounds : kAuctions;
  return run_auction_only(c);
}

AuctionOnlyConfig single_item(const ValueDistribution& d, int n, MechanismKind m, StrategyKind s, double reserve,
                              std::uint64_t seed) {
  AuctionOnlyConfig c;
  c.bidders = n;
  c.slots = 1;
  c.mechanism = m;
  c.values = d;
  c.strategy.kind = s;
  c.reserve = reserve;
  c.rounds = kAuctions;
  c.seed = seed;
  return c;
}

#define EXPECT_WITHIN_Z(estimate, se, theory)                                                       \
  do {                                                                                               \
    const double est_ = (estimate), se_ = (se), th_ = (theory);                                      \
    EXPECT_GT(se_, 0.0);                                                                             \
    EXPECT_LE(std::abs(est_ - th_), kZ * se_) << "estimate " << est_ << " theory " << th_ << " SE " << se_ \
                                               << " (" << (est_ - th_) / se_ << " SE)";              \
    EXPECT_LT(kZ * se_, 0.01 * std::abs(th_)) << "sample too small to detect a 1% bias";            \
  } while (0)

TEST(MonteCarlo, TheoryHelperMatchesUniformClosedForm) {
  // Uniform[0,1]: E[revenue] = (n-1)/(n+1) - 2n r^(n+1)/(n+1) + r^n.
  const auto u = ValueDistribution::uniform(0.0, 1.0);
  for (int n : {1, 2, 3, 5}) {
    for (double r : {0.0, 0.3, 0.5, 0.7}) {
      const double closed = (n - 1.0) / (n + 1.0) - 2.0 * n * std::pow(r, n + 1) / (n + 1.0) + std::pow(r, n);
      EXPECT_NEAR(expected_second_price_revenue(u, n, r), closed, 1e-10) << "n=" << n << " r=" << r;
    }
  }
}

TEST(MonteCarlo, SecondPriceRevenueIidUniformWithoutReserve) {
  const auto u = ValueDistribution::uniform(0.0, 1.0);
  for (int n : {2, 3, 5}) {
    const auto r = run(single_item(u, n, MechanismKind::kGsp, StrategyKind::kTruthful, 0.0, 100 + n));
    EXPECT_WITHIN_Z(r.metrics.revenue, r.metrics.revenue_se, (n - 1.0) / (n + 1.0));
    EXPECT_NEAR(r.metrics.efficiency, 1.0, 1e-12);  // truthful second price allocates efficiently
  }
}

TEST(MonteCarlo, SecondPriceRevenueIidUniformWithReserve) {
  const auto u = ValueDistribution::uniform(0.0, 1.0);
  for (int n : {1, 2, 3}) {
    for (double reserve : {0.3, 0.5, 0.7}) {
      const auto r = run(single_item(u, n, MechanismKind::kVcg, StrategyKind::kTruthful, reserve, 200 + n));
      const double theory = (n - 1.0) / (n + 1.0) - 2.0 * n * std::pow(reserve, n + 1) / (n + 1.0) + std::pow(reserve, n);
      EXPECT_WITHIN_Z(r.metrics.revenue, r.metrics.revenue_se, theory);
      // No ad is shown exactly when every value is below the reserve: probability r^n.
      const double p_none = std::pow(reserve, n);
      EXPECT_NEAR(r.metrics.no_ad_due_to_reserve_rate, p_none, kZ * std::sqrt(p_none * (1 - p_none) / kAuctions));
      // The reserve sets the price when the highest value is above it and the second below:
      // n r^(n-1) (1 - r), as a share of the auctions that sold, 1 - r^n.
      const double p_bind = n * std::pow(reserve, n - 1) * (1 - reserve) / (1 - p_none);
      const double shown = kAuctions * (1 - p_none);
      EXPECT_NEAR(r.metrics.reserve_bind_rate, p_bind, kZ * std::sqrt(p_bind * (1 - p_bind) / shown) + 1e-12);
    }
  }
}

TEST(MonteCarlo, MyersonReserveRevenueAndWelfare) {
  // Two bidders, U[0,1]: r* = 1/2, revenue 5/12 (up from 1/3), welfare E[V1; V1 >= 1/2] =
  // (2/3)(1 - 1/8) = 7/12, surplus 7/12 - 5/12 = 1/6, efficiency 7/8.
  AuctionOnlyConfig c = single_item(ValueDistribution::uniform(0.0, 1.0), 2, MechanismKind::kGsp, StrategyKind::kTruthful, 0.0, 300);
  c.reserve_rule = ReserveRule::kMyerson;
  const auto r = run(c);
  EXPECT_DOUBLE_EQ(r.reserve, 0.5);
  EXPECT_WITHIN_Z(r.metrics.revenue, r.metrics.revenue_se, 5.0 / 12.0);
  EXPECT_WITHIN_Z(r.metrics.welfare, r.metrics.welfare_se, 7.0 / 12.0);
  EXPECT_WITHIN_Z(r.metrics.surplus, r.metrics.surplus_se, 1.0 / 6.0);
  EXPECT_NEAR(r.metrics.welfare + 0.0, r.metrics.revenue + r.metrics.surplus, 1e-12);
}

TEST(MonteCarlo, SecondPriceRevenueExponentialAndLognormal) {
  // Exponential(mean 1), n = 3: E[second highest] = H_3 - 1 = 5/6.
  const auto e = ValueDistribution::exponential(1.0);
  const auto re = run(single_item(e, 3, MechanismKind::kGsp, StrategyKind::kTruthful, 0.0, 400));
  EXPECT_WITHIN_Z(re.metrics.revenue, re.metrics.revenue_se, 5.0 / 6.0);
  EXPECT_NEAR(expected_second_price_revenue(e, 3, 0.0), 5.0 / 6.0, 1e-9);
  // Lognormal with its Myerson reserve, against quadrature.
  const auto ln = ValueDistribution::lognormal(0.0, 0.5);
  AuctionOnlyConfig c = single_item(ln, 4, MechanismKind::kGsp, StrategyKind::kTruthful, 0.0, 401);
  c.reserve_rule = ReserveRule::kMyerson;
  const auto rl = run(c);
  EXPECT_WITHIN_Z(rl.metrics.revenue, rl.metrics.revenue_se, expected_second_price_revenue(ln, 4, rl.reserve));
}

// Revenue equivalence: with i.i.d. values, first price at the symmetric equilibrium and second
// price with truthful bids earn the same expected revenue (with or without a common reserve).
void check_revenue_equivalence(const ValueDistribution& d, int n, double reserve, std::uint64_t seed) {
  SCOPED_TRACE(d.describe() + " n=" + std::to_string(n) + " reserve=" + std::to_string(reserve));
  const auto fp = run(single_item(d, n, MechanismKind::kFirstPrice, StrategyKind::kFirstPriceEquilibrium, reserve, seed));
  const auto sp = run(single_item(d, n, MechanismKind::kGsp, StrategyKind::kTruthful, reserve, seed + 1));
  const double theory = expected_second_price_revenue(d, n, reserve);
  EXPECT_WITHIN_Z(fp.metrics.revenue, fp.metrics.revenue_se, theory);
  EXPECT_WITHIN_Z(sp.metrics.revenue, sp.metrics.revenue_se, theory);
  const double se_diff = std::hypot(fp.metrics.revenue_se, sp.metrics.revenue_se);
  EXPECT_LE(std::abs(fp.metrics.revenue - sp.metrics.revenue), kZ * se_diff);
  // Both allocate to the highest value, so welfare agrees too; first price has the lower variance.
  EXPECT_LT(fp.metrics.revenue_se, sp.metrics.revenue_se);
}

TEST(MonteCarlo, RevenueEquivalenceUniformClosedForm) {
  check_revenue_equivalence(ValueDistribution::uniform(0.0, 1.0), 2, 0.0, 500);
  check_revenue_equivalence(ValueDistribution::uniform(0.0, 1.0), 4, 0.0, 502);
  check_revenue_equivalence(ValueDistribution::uniform(0.0, 1.0), 3, 0.3, 504);
  check_revenue_equivalence(ValueDistribution::uniform(1.0, 3.0), 3, 0.0, 506);
}

TEST(MonteCarlo, RevenueEquivalenceNumericEquilibrium) {
  check_revenue_equivalence(ValueDistribution::exponential(1.0), 3, 0.0, 510);
  check_revenue_equivalence(ValueDistribution::lognormal(0.0, 0.5), 4, 0.0, 512);
  const auto ln = ValueDistribution::lognormal(0.0, 0.5);
  check_revenue_equivalence(ln, 3, myerson_reserve(ln), 514);
  check_revenue_equivalence(ValueDistribution::empirical({0.1, 0.4, 0.5, 0.9, 1.3, 2.0, 2.1}), 3, 0.0, 516);
}

TEST(MonteCarlo, MultiSlotVcgAndGspRevenue) {
  // n = 4 i.i.d. U[0,1], two slots with factors (1, 0.5), truthful bids. With v(j) the j-th
  // highest value, E[v(j)] = (n + 1 - j) / (n + 1):
  //   GSP: sum_s theta_s v(s+2)                        -> 1 x 3/5 + 0.5 x 2/5 = 0.8
  //   VCG: sum_t (theta_t - theta_{t+1}) (t+1) v(t+2)  -> 0.5 x 1 x 3/5 + 0.5 x 2 x 2/5 = 0.7
  AuctionOnlyConfig c;
  c.bidders = 4;
  c.slots = 2;
  c.position_factors = {1.0, 0.5};
  c.values = ValueDistribution::uniform(0.0, 1.0);
  c.rounds = kAuctions;
  c.seed = 600;
  c.mechanism = MechanismKind::kGsp;
  const auto gsp = run(c);
  EXPECT_WITHIN_Z(gsp.metrics.revenue, gsp.metrics.revenue_se, 0.8);
  c.mechanism = MechanismKind::kVcg;
  c.seed = 601;
  const auto vcg = run(c);
  EXPECT_WITHIN_Z(vcg.metrics.revenue, vcg.metrics.revenue_se, 0.7);
  // Per slot: the top slot pays E[v(2)] under GSP, and the welfare is efficient in both.
  EXPECT_NEAR(gsp.metrics.efficiency, 1.0, 1e-12);
  EXPECT_NEAR(vcg.metrics.efficiency, 1.0, 1e-12);
  EXPECT_NEAR(gsp.metrics.per_slot[0].fill_rate, 1.0, 0.0);
  // Slot 2's welfare is 0.5 v(2), v(2) ~ Beta(3, 2) with variance 0.04: SE = 0.5 x 0.2 / sqrt(N).
  EXPECT_LE(std::abs(gsp.metrics.per_slot[1].welfare - 0.5 * 0.6), kZ * 0.5 * std::sqrt(0.04 / kAuctions));
}

}  // namespace
}  // namespace adsim::auction

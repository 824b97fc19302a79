#include <cmath>

#include <boost/math/tools/minima.hpp>
#include <gtest/gtest.h>

#include "auction/reserve.hpp"

namespace adsim::auction {
namespace {

TEST(MyersonReserve, ClosedForms) {
  EXPECT_DOUBLE_EQ(myerson_reserve(ValueDistribution::uniform(0.0, 10.0)), 5.0);
  EXPECT_DOUBLE_EQ(myerson_reserve(ValueDistribution::uniform(2.0, 10.0)), 5.0);
  EXPECT_DOUBLE_EQ(myerson_reserve(ValueDistribution::uniform(6.0, 10.0)), 6.0);  // phi(low) > 0
  EXPECT_DOUBLE_EQ(myerson_reserve(ValueDistribution::exponential(2.0)), 2.0);
  // Evenly spaced points make the piecewise-linear CDF exactly U[0, 1]: r* = 1/2.
  std::vector<double> grid;
  for (int i = 0; i <= 1000; ++i) grid.push_back(i / 1000.0);
  EXPECT_NEAR(myerson_reserve(ValueDistribution::empirical(grid)), 0.5, 1e-12);
}

// Independent check: maximise r (1 - F(r)) with Brent's method and compare.
double brute_force_monopoly_price(const ValueDistribution& d) {
  const auto res = boost::math::tools::brent_find_minima(
      [&](double r) { return -r * (1.0 - d.cdf(r)); }, d.quantile(1e-9), d.quantile(1 - 1e-9), 50);
  return res.first;
}

TEST(MyersonReserve, LognormalDocExample) {
  // docs/auctions.md quotes lognormal(0, 0.5): r* = 0.771857.
  EXPECT_NEAR(myerson_reserve(ValueDistribution::lognormal(0.0, 0.5)), 0.771857, 5e-7);
}

TEST(MyersonReserve, LognormalSolvesTheFirstOrderCondition) {
  for (double sigma : {0.2, 0.5, 1.0, 1.5}) {
    for (double mu : {-1.0, 0.0, 2.0}) {
      const auto d = ValueDistribution::lognormal(mu, sigma);
      const double r = myerson_reserve(d);
      // r = (1 - F(r)) / f(r), i.e. phi(r) = 0.
      EXPECT_NEAR(virtual_value(d, r), 0.0, 1e-9 * r) << d.describe();
      EXPECT_NEAR(r, brute_force_monopoly_price(d), 1e-6 * r) << d.describe();
    }
  }
}

TEST(MyersonReserve, EmpiricalIsTheBestPostedPrice) {
  const auto d = ValueDistribution::empirical({1.0, 2.0, 2.0, 2.0, 5.0, 9.0, 10.0});
  const double r = myerson_reserve(d);
  const double best = r * (1.0 - d.cdf(r - 1e-12));
  for (double x = 0.0; x <= 10.0; x += 0.001) {
    EXPECT_LE(x * (1.0 - d.cdf(x)), best + 1e-9) << "price " << x;
  }
}

TEST(ReservePolicy, SegmentLookupOrder) {
  ReservePolicy p(100.0);
  p.set_segment({3, 7}, 400.0).set_segment({3, Segment::kAny}, 300.0).set_segment({Segment::kAny, 7}, 200.0);
  EXPECT_EQ(p.reserve_for({3, 7}), 400.0);  // exact rule
  EXPECT_EQ(p.reserve_for({3, 1}), 300.0);  // category rule
  EXPECT_EQ(p.reserve_for({4, 7}), 200.0);  // region rule
  EXPECT_EQ(p.reserve_for({4, 1}), 100.0);  // global
  p.set_segment({3, 7}, 450.0);              // replaces
  EXPECT_EQ(p.reserve_for({3, 7}), 450.0);
}

TEST(ReservePolicy, AppliesToRules) {
  ReservePolicy p(100.0);
  p.set_slot_reserves({500.0, 250.0}).set_segment({1, Segment::kAny}, 120.0);
  core::AuctionRules rules;
  p.apply({1, 9}, rules);
  EXPECT_EQ(rules.reserve, 120.0);
  ASSERT_EQ(rules.slot_reserves.size(), 2u);
  EXPECT_EQ(rules.slot_reserves[0], 500.0);
  EXPECT_EQ(p.check(), "");
  p.set_segment({2, 2}, -1.0);
  EXPECT_EQ(p.check(), "segment reserve (category 2, region 2) must be a non-negative number, got -1");
}

}  // namespace
}  // namespace adsim::auction

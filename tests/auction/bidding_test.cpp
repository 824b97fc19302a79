#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "auction/auction_only.hpp"
#include "auction/bidding.hpp"

namespace adsim::auction {
namespace {

TEST(FirstPriceEquilibrium, UniformClosedForm) {
  const auto u = ValueDistribution::uniform(0.0, 1.0);
  const FirstPriceEquilibrium two(u, 2), four(u, 4);
  EXPECT_TRUE(two.closed_form());
  for (double v = 0.0; v <= 1.0; v += 0.05) {
    EXPECT_NEAR(two.bid(v), v / 2, 1e-15);         // (n-1)/n v
    EXPECT_NEAR(four.bid(v), 3 * v / 4, 1e-15);
  }
  // With a reserve r: b(v) = v - (v^n - r^n) / (n v^(n-1)) for v >= r.
  const FirstPriceEquilibrium reserved(u, 3, 0.4);
  EXPECT_EQ(reserved.bid(0.3), 0.3);  // cannot win; bids its value
  EXPECT_DOUBLE_EQ(reserved.bid(0.4), 0.4);
  EXPECT_NEAR(reserved.bid(0.8), 0.8 - (0.512 - 0.064) / (3 * 0.64), 1e-15);
  // A lone bidder bids the reserve.
  EXPECT_DOUBLE_EQ(FirstPriceEquilibrium(u, 1, 0.25).bid(0.9), 0.25);
}

TEST(FirstPriceEquilibrium, NumericTableMatchesClosedForms) {
  // Exponential(mean 1), n = 2: integral_0^v (1 - e^-x) dx = v - (1 - e^-v), so
  // b(v) = v - (v - 1 + e^-v) / (1 - e^-v).
  const FirstPriceEquilibrium eq(ValueDistribution::exponential(1.0), 2);
  EXPECT_FALSE(eq.closed_form());
  for (double v : {0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0}) {
    const double f = 1 - std::exp(-v);
    EXPECT_NEAR(eq.bid(v), v - (v - f) / f, 2e-6 * v) << "v=" << v;
  }
  // Evenly spaced empirical points are U[0, 1]: the table must reproduce (n-1)/n v.
  std::vector<double> grid;
  for (int i = 0; i <= 1000; ++i) grid.push_back(i / 1000.0);
  const FirstPriceEquilibrium emp(ValueDistribution::empirical(grid), 3);
  for (double v = 0.05; v <= 1.0; v += 0.05) EXPECT_NEAR(emp.bid(v), 2 * v / 3, 1e-6) << "v=" << v;
}

// The tabulated equilibrium is a best response: against n-1 opponents using it, no bid on a fine
// grid earns more than b(v). Opponent bid CDF: P(b(V) < x) = F(b^-1(x)), with b^-1 by bisection.
TEST(FirstPriceEquilibrium, NumericEquilibriumIsABestResponse) {
  for (const auto& d : {ValueDistribution::lognormal(0.0, 0.5), ValueDistribution::lognormal(0.0, 1.5),
                        ValueDistribution::exponential(2.0)}) {
    const int n = 3;
    const FirstPriceEquilibrium eq(d, n);
    const double hi = d.quantile(1 - 1e-10);
    auto inverse = [&](double x) {
      double lo = 0.0, up = hi;
      if (x >= eq.bid(up)) return up;
      for (int it = 0; it < 200; ++it) {
        const double mid = 0.5 * (lo + up);
        (eq.bid(mid) < x ? lo : up) = mid;
      }
      return 0.5 * (lo + up);
    };
    for (double p : {0.1, 0.3, 0.5, 0.7, 0.9, 0.99}) {
      const double v = d.quantile(p);
      auto payoff = [&](double b) { return (v - b) * std::pow(d.cdf(inverse(b)), n - 1); };
      const double at_eq = payoff(eq.bid(v));
      double best = 0.0;
      for (double b = 0.0; b <= v; b += v / 2000) best = std::max(best, payoff(b));
      EXPECT_GE(at_eq, best - 1e-6 * v) << d.describe() << " v=" << v;
      EXPECT_LE(eq.bid(v), v);
    }
    for (double p = 0.001; p < 0.999; p += 0.001) EXPECT_LE(eq.bid(d.quantile(p)), eq.bid(d.quantile(p + 0.001)));
  }
}

// A learning shader in a first-price auction against one opponent playing the equilibrium
// b(v) = v/2, values U[0,1]. With shading s its expected surplus is (1-s) v P(v'/2 < s v):
//   s = 0.25: 1/8, 0.5: 1/6, 0.75: 0.1065, 1.0: 0 (integrals of (1-s) v min(1, 2sv) dv),
// so the best response is s = 1/2 (the equilibrium itself). Sample size: with epsilon-greedy at
// epsilon = 0.1 each arm is pulled >= 200k x 0.1 / 4 = 5,000 times, a per-pull reward SD <= 0.5
// gives SE <= 0.007 per arm mean, and the smallest gap (1/6 - 1/8 = 0.042) is > 4 SE of the
// difference (0.01), so the learner must end up preferring s = 1/2.
TEST(BanditShader, LearnsTheBestResponseInFirstPrice) {
  for (auto algorithm : {BanditConfig::Algorithm::kEpsilonGreedy, BanditConfig::Algorithm::kExp3}) {
    AuctionOnlyConfig c;
    c.bidders = 2;
    c.mechanism = MechanismKind::kFirstPrice;
    c.values = ValueDistribution::uniform(0.0, 1.0);
    StrategySpec learner;
    learner.kind = StrategyKind::kBanditShader;
    learner.bandit.algorithm = algorithm;
    learner.bandit.factors = {0.25, 0.5, 0.75, 1.0};
    learner.bandit.exploration = 0.1;
    StrategySpec eq;
    eq.kind = StrategyKind::kFirstPriceEquilibrium;
    c.bidder_strategies = {learner, eq};
    c.rounds = 200'000;
    c.seed = 7;
    AuctionOnlyRunner runner(c);
    runner.run(c.rounds);
    const auto r = runner.result();
    EXPECT_DOUBLE_EQ(r.bidders[0].preferred_shading, 0.5) << static_cast<int>(algorithm);
    // Its realised surplus per auction is close to the best arm's 1/6 (minus exploration cost):
    // the exploration share 0.1 spreads over arms worth at least 0 -> at least 0.9/6 - SE.
    const double per_auction = r.bidders[0].surplus / static_cast<double>(c.rounds);
    EXPECT_GT(per_auction, 0.9 / 6 - 0.005);
    EXPECT_LT(per_auction, 1.0 / 6 + 0.005);
  }
}

TEST(BanditShader, ChoosesAndRewardsTheSameArm) {
  BanditConfig cfg;
  cfg.algorithm = BanditConfig::Algorithm::kEpsilonGreedy;
  cfg.factors = {0.2, 0.4};
  cfg.reward_scale = 2.0;
  BanditShader b(cfg);
  core::Rng rng = core::RandomStreams(1).stream("t");
  EXPECT_EQ(b.choose(rng), 0.2);  // untried arms first
  b.reward(1.0);                   // 0.5 after scaling
  EXPECT_EQ(b.choose(rng), 0.4);
  b.reward(5.0);                   // clipped to 1
  EXPECT_EQ(b.pulls(0), 1u);
  EXPECT_DOUBLE_EQ(b.mean_reward(0), 0.5);
  EXPECT_DOUBLE_EQ(b.mean_reward(1), 1.0);
  EXPECT_EQ(b.preferred_arm(), 1);
}

TEST(Strategies, BidsFromValues) {
  core::Rng rng = core::RandomStreams(1).stream("t");
  auto truthful = BiddingStrategy::truthful();
  auto shaded = BiddingStrategy::shaded(0.7);
  EXPECT_EQ(truthful.bid(2.0, rng), 2.0);
  EXPECT_DOUBLE_EQ(shaded.bid(2.0, rng), 1.4);
  StrategySpec bad;
  bad.kind = StrategyKind::kShaded;
  bad.shading = -1;
  EXPECT_EQ(check_strategy(bad), "shading factor must be a non-negative number, got -1");
  bad.kind = StrategyKind::kBanditShader;
  bad.bandit.exploration = 0;
  EXPECT_EQ(check_strategy(bad), "bandit exploration must be in (0, 1], got 0");
}

}  // namespace
}  // namespace adsim::auction

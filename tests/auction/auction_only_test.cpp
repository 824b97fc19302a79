#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <gtest/gtest.h>

#include "auction/auction_only.hpp"
#include "auction/reserve.hpp"

namespace adsim::auction {
namespace {

std::string config_error(const AuctionOnlyConfig& c) {
  try {
    AuctionOnlyRunner runner(c);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(AuctionOnly, InvalidConfigsAreRejectedWithAReason) {
  AuctionOnlyConfig c;
  c.bidders = 0;
  EXPECT_EQ(config_error(c), "auction-only config: bidders must be at least 1, got 0");
  c = {};
  c.bidders_per_auction = 5;
  EXPECT_EQ(config_error(c), "auction-only config: bidders_per_auction must be between 0 (all) and bidders (2), got 5");
  c = {};
  c.slots = 17;
  EXPECT_EQ(config_error(c), "auction-only config: slots must be between 1 and 16, got 17");
  c = {};
  c.slots = 2;
  c.position_factors = {1.0, 1.2};
  EXPECT_EQ(config_error(c), "auction-only config: position_factors must be non-increasing: slot 1 has 1.2 after 1");
  c = {};
  c.bidder_values = {ValueDistribution::uniform(0, 1)};
  EXPECT_EQ(config_error(c), "auction-only config: bidder_values has 1 distributions for 2 bidders");
  c = {};
  c.value_model = ValueModel::kContextualItems;
  c.strategy.kind = StrategyKind::kFirstPriceEquilibrium;
  EXPECT_EQ(config_error(c),
            "auction-only config: the first-price equilibrium strategy needs values from a distribution (value_model = distribution)");
  c = {};
  c.budgets.budget = 10;
  c.budgets.ticks = 100;
  c.rounds = 50;
  EXPECT_EQ(config_error(c), "auction-only config: pacing ticks (100) cannot exceed the auctions per episode (50)");
  c = {};
  c.strategy.kind = StrategyKind::kShaded;
  c.strategy.shading = -0.5;
  EXPECT_EQ(config_error(c), "auction-only config: bidder 0: shading factor must be a non-negative number, got -0.5");
}

TEST(AuctionOnly, SameSeedSameResultsDifferentSeedDifferentResults) {
  for (AuctionOnlyConfig c : {auctiongym_sp_oracle_config(5), auctionnet_config(5)}) {
    c.rounds = 30'000;
    const auto a = run_auction_only(c);
    const auto b = run_auction_only(c);
    EXPECT_EQ(a.metrics.revenue, b.metrics.revenue);
    EXPECT_EQ(a.metrics.welfare, b.metrics.welfare);
    EXPECT_EQ(a.metrics.best_welfare, b.metrics.best_welfare);
    ASSERT_EQ(a.bidders.size(), b.bidders.size());
    for (std::size_t i = 0; i < a.bidders.size(); ++i) {
      EXPECT_EQ(a.bidders[i].payment, b.bidders[i].payment);
      EXPECT_EQ(a.bidders[i].wins, b.bidders[i].wins);
    }
    c.seed += 1;
    EXPECT_NE(run_auction_only(c).metrics.revenue, a.metrics.revenue);
  }
}

// Running in pieces is the same as running at once (the runner's state carries over).
TEST(AuctionOnly, RunningInPiecesEqualsRunningAtOnce) {
  AuctionOnlyConfig c = auctionnet_config(2);
  AuctionOnlyRunner whole(c), pieces(c);
  whole.run(10'000);
  for (int i = 0; i < 10; ++i) pieces.run(1'000);
  EXPECT_EQ(whole.result().metrics.revenue, pieces.result().metrics.revenue);
  EXPECT_EQ(whole.auctions_run(), 10'000u);
}

// Each auction draws 2 of 6 bidders uniformly: each bidder takes part in Binomial(N, 1/3)
// auctions, SD sqrt(N x 1/3 x 2/3); the check allows 4 SD.
TEST(AuctionOnly, BiddersAreDrawnUniformly) {
  AuctionOnlyConfig c;
  c.bidders = 6;
  c.bidders_per_auction = 2;
  c.rounds = 60'000;
  const auto r = run_auction_only(c);
  const double n = static_cast<double>(c.rounds);
  std::uint64_t total = 0;
  for (const auto& b : r.bidders) {
    EXPECT_NEAR(static_cast<double>(b.auctions), n / 3, 4 * std::sqrt(n * 2 / 9));
    total += b.auctions;
  }
  EXPECT_EQ(total, 2 * c.rounds);
}

TEST(AuctionOnly, RevenuePlusSurplusIsWelfare) {
  for (auto mechanism : {MechanismKind::kGsp, MechanismKind::kVcg, MechanismKind::kFirstPrice}) {
    AuctionOnlyConfig c;
    c.bidders = 5;
    c.slots = 3;
    c.position_factors = {1.0, 0.6, 0.3};
    c.mechanism = mechanism;
    c.reserve = 0.2;
    c.strategy.kind = StrategyKind::kShaded;
    c.strategy.shading = 0.8;
    c.rounds = 20'000;
    const auto r = run_auction_only(c);
    EXPECT_NEAR(r.metrics.revenue + r.metrics.surplus, r.metrics.welfare, 1e-12);
    double paid = 0.0, value = 0.0;
    for (const auto& b : r.bidders) {
      paid += b.payment;
      value += b.value;
      EXPECT_NEAR(b.surplus, b.value - b.payment, 1e-9);
    }
    EXPECT_NEAR(paid / static_cast<double>(c.rounds), r.metrics.revenue, 1e-9);
    EXPECT_NEAR(value / static_cast<double>(c.rounds), r.metrics.welfare, 1e-9);
    EXPECT_LE(r.metrics.efficiency, 1.0 + 1e-12);
  }
}

// One bidder, U[0, 10], its own Myerson reserve 5 as a per-candidate reserve: it pays 5 whenever
// its value is at least 5, so revenue = 5 x 1/2 = 2.5 per auction. Per-auction revenue is 5 or 0
// with probability 1/2: SE = 2.5 / sqrt(N); the check allows 4 SE.
TEST(AuctionOnly, PerBidderMyersonReserve) {
  AuctionOnlyConfig c;
  c.bidders = 1;
  c.bidder_values = {ValueDistribution::uniform(0, 10)};
  c.reserve_rule = ReserveRule::kMyersonPerBidder;
  c.rounds = 100'000;
  const auto r = run_auction_only(c);
  EXPECT_NEAR(r.metrics.revenue, 2.5, 4 * 2.5 / std::sqrt(100'000.0));
  EXPECT_DOUBLE_EQ(r.metrics.reserve_bind_rate, 1.0);
  EXPECT_NEAR(r.metrics.no_ad_due_to_reserve_rate, 0.5, 4 * 0.5 / std::sqrt(100'000.0));
}

// Budgets are never overspent (spend is the expected payment and a bidder only bids what its
// budget still covers), and pacing spreads the spend over the episode.
TEST(AuctionOnly, BudgetsHoldAndPacingSpreadsSpend) {
  AuctionOnlyConfig c;
  c.bidders = 8;
  c.slots = 2;
  c.position_factors = {1.0, 0.5};
  c.rounds = 20'000;
  // Unpaced, the 8 symmetric bidders pay 7/9 + 0.5 x 6/9 = 1.11 per auction between them, 0.14
  // each: 2,800 over the run, so a budget of 300 runs out within the first 2,200 auctions.
  c.budgets.budget = 300.0;
  AuctionOnlyRunner unpaced(c);
  unpaced.run(10'000);
  const auto half_unpaced = unpaced.result();
  c.budgets.ticks = 200;  // a pacing update every 100 auctions
  AuctionOnlyRunner paced(c);
  paced.run(10'000);
  const auto half_paced = paced.result();
  for (std::size_t b = 0; b < 8; ++b) {
    EXPECT_LT(half_unpaced.bidders[b].budget_left, 0.05 * 300.0) << "unpaced bidder " << b << " is out by half time";
    EXPECT_GT(half_paced.bidders[b].budget_left, 0.25 * 300.0) << "paced bidder " << b << " kept budget for later";
    EXPECT_LT(half_paced.bidders[b].multiplier, 1.0);
  }
  paced.run(10'000);
  for (const auto& b : paced.result().bidders) {
    EXPECT_GE(b.budget_left, -1e-9);
    EXPECT_LE(b.payment, 300.0 + 1e-9);
    EXPECT_GT(b.payment, 0.8 * 300.0) << "paced bidders still spend most of their budget";
  }
  EXPECT_GT(half_unpaced.budget_exclusions, 0u);
}

TEST(AuctionOnly, ShapesOfTheBenchmarks) {
  const AuctionOnlyConfig gym = auctiongym_sp_oracle_config();
  EXPECT_EQ(gym.bidders, 6);
  EXPECT_EQ(gym.bidders_per_auction, 2);
  EXPECT_EQ(gym.items.items_per_bidder, 12);
  EXPECT_EQ(gym.items.embedding_dim, 5);
  AuctionOnlyConfig g = gym;
  g.rounds = 20'000;
  const auto rg = run_auction_only(g);
  // Truthful second price with oracle item choice shows the best (value x CTR) of the two: the
  // first best for one slot.
  EXPECT_NEAR(rg.metrics.efficiency, 1.0, 1e-12);
  EXPECT_LT(rg.metrics.revenue, rg.metrics.welfare);

  const AuctionOnlyConfig net = auctionnet_config();
  EXPECT_EQ(net.bidders, 48);
  EXPECT_EQ(net.slots, 3);
  EXPECT_EQ(net.position_factors, (std::vector<double>{1.0, 0.8, 0.6}));
  EXPECT_GT(net.reserve, 0.0);
  EXPECT_GT(net.budgets.budget, 0.0);
  EXPECT_EQ(net.budgets.ticks, 48);
  AuctionOnlyRunner runner(net);
  runner.run(net.budgets.episode_rounds - 1);  // one episode, just before the budgets refill
  const auto r = runner.result();
  EXPECT_GT(r.metrics.fill_rate, 0.99);
  int paced = 0;
  for (const auto& b : r.bidders) {
    EXPECT_GE(b.budget_left, -1e-9);
    paced += b.multiplier < 1.0 ? 1 : 0;
  }
  EXPECT_GT(paced, 24) << "most bidders are budget-bound and pace";
}

// The oracle item choice with its tabulated-sigmoid prefilter picks exactly what evaluating every
// item picks, including near ties.
TEST(OracleItemChooser, MatchesBruteForce) {
  core::Rng rng = core::RandomStreams(9).stream("chooser");
  constexpr int kItems = 12, kDim = 5;
  OracleItemChooser chooser(kItems, kDim);
  boost::random::normal_distribution<double> normal(0.0, 1.0);
  boost::random::uniform_real_distribution<double> uni(0.8, 1.6);
  for (int trial = 0; trial < 20'000; ++trial) {
    std::vector<double> emb(kItems * kDim), val(kItems), ctx(kDim);
    for (double& e : emb) e = normal(rng) * (trial % 3 == 0 ? 4.0 : 1.0);
    for (double& v : val) v = uni(rng);
    if (trial % 5 == 0) {  // near ties: two items with almost the same value and logit
      for (int d = 0; d < kDim; ++d) emb[kDim + d] = emb[d] * (1 + 1e-9);
      val[1] = val[0] * (1 - 1e-12);
    }
    for (double& x : ctx) x = normal(rng);
    double vmax = 0;
    for (double v : val) vmax = std::max(vmax, v);
    const auto c = chooser.choose(emb, val, vmax, ctx);
    int best = -1;
    double best_ev = -1, best_ctr = 0;
    for (int t = 0; t < kItems; ++t) {
      double dot = 0;
      for (int d = 0; d < kDim; ++d) dot += emb[t * kDim + d] * ctx[d];
      const double ctr = 1.0 / (1.0 + std::exp(-dot));
      const double ev = val[t] * ctr;
      if (ev > best_ev) {
        best_ev = ev;
        best = t;
        best_ctr = ctr;
      }
    }
    ASSERT_EQ(c.item, best) << "trial " << trial;
    EXPECT_EQ(c.ctr, best_ctr);
    EXPECT_EQ(c.value, val[best]);
  }
}

// ---- Classroom additions: fixed values and bids, per-bidder CTR and quality, external pacers ----

// Two bidders with fixed values 1 and 0.5, one slot, second price: bidder 0 wins every auction and
// pays 0.5. Nothing is random.
AuctionOnlyConfig fixed_pair() {
  AuctionOnlyConfig c;
  c.bidders = 2;
  c.slots = 1;
  c.mechanism = MechanismKind::kGsp;
  c.bidder_values = {ValueDistribution::fixed(1.0), ValueDistribution::fixed(0.5)};
  c.rounds = 100;
  return c;
}

TEST(AuctionOnlyClassroom, AFixedValueIsAPointMassThatDrawsNothing) {
  const ValueDistribution v = ValueDistribution::fixed(2.5);
  core::Rng rng = core::RandomStreams(1).stream("x");
  const core::Rng before = rng;
  EXPECT_EQ(v.sample(rng), 2.5);
  EXPECT_TRUE(rng == before);
  EXPECT_EQ(v.cdf(2.4999), 0.0);
  EXPECT_EQ(v.cdf(2.5), 1.0);
  EXPECT_EQ(v.quantile(0.3), 2.5);
  EXPECT_EQ(v.variance(), 0.0);
  EXPECT_EQ(myerson_reserve(v), 2.5);
  EXPECT_THROW(ValueDistribution::fixed(-1.0), std::invalid_argument);
}

TEST(AuctionOnlyClassroom, FixedValuesGiveExactDeterministicRounds) {
  const AuctionOnlyResult r = run_auction_only(fixed_pair());
  EXPECT_EQ(r.bidders[0].wins, 100u);
  EXPECT_EQ(r.bidders[0].payment, 50.0);
  EXPECT_EQ(r.bidders[0].slots[0].payment, 50.0);
  EXPECT_EQ(r.metrics.revenue, 0.5);
  EXPECT_EQ(r.metrics.revenue_se, 0.0);
}

TEST(AuctionOnlyClassroom, AFixedBidIgnoresTheValue) {
  AuctionOnlyConfig c = fixed_pair();
  StrategySpec fixed;
  fixed.kind = StrategyKind::kFixedBid;
  fixed.bid = 2.0;  // bidder 1 outbids bidder 0 (value 1) and pays 1
  c.bidder_strategies = {StrategySpec{}, fixed};
  const AuctionOnlyResult r = run_auction_only(c);
  EXPECT_EQ(r.bidders[1].wins, 100u);
  EXPECT_EQ(r.bidders[1].payment, 100.0);
  EXPECT_EQ(r.bidders[1].surplus, 50.0 - 100.0);  // its value is 0.5
  fixed.bid = -1.0;
  c.bidder_strategies = {StrategySpec{}, fixed};
  EXPECT_NE(check_config(c).find("fixed bid"), std::string::npos);
}

TEST(AuctionOnlyClassroom, CtrAndQualityRankByBidTimesCtrTimesQuality) {
  AuctionOnlyConfig c = fixed_pair();
  c.bidder_ctrs = {0.2, 0.5};  // eCPM 0.2 against 0.25: bidder 1 wins
  const AuctionOnlyResult by_ctr = run_auction_only(c);
  EXPECT_EQ(by_ctr.bidders[1].wins, 100u);
  // GSP price per click = 0.2 / 0.5 = 0.4; expected payment = 0.4 x 0.5 = 0.2 per auction.
  EXPECT_NEAR(by_ctr.bidders[1].payment, 20.0, 1e-9);  // a sum of 100 products
  EXPECT_DOUBLE_EQ(by_ctr.bidders[1].slots[0].clicks, 50.0);
  c.bidder_qualities = {2.0, 1.0};  // 0.2 x 2 = 0.4 against 0.25: bidder 0 wins again
  EXPECT_EQ(run_auction_only(c).bidders[0].wins, 100u);
  c.bidder_ctrs = {0.2, 1.5};
  EXPECT_NE(check_config(c).find("not a probability"), std::string::npos);
}

TEST(AuctionOnlyClassroom, ExhaustionRoundAndSmartPacingErrorAreExact) {
  // Budget 10 at 0.5 an auction, but the budget must cover the bid (1), not the price: after 19
  // wins 0.5 is left, so auction 19 (from 0) is the first it sits out. Pacing ticks of 10 auctions
  // with no pacer (the external rule keeps 1, 1).
  struct Hold final : RoundPacer {
    void start_episode(int, std::uint64_t, PacingControl&) override {}
    void update(int, const PacingSignal&, PacingControl&) override {}
  };
  AuctionOnlyConfig c = fixed_pair();
  c.budgets.bidder_budgets = {10.0, 0.0};  // bidder 1 unlimited
  c.budgets.ticks = 10;
  c.budgets.make_pacer = [](int) { return std::make_unique<Hold>(); };
  AuctionOnlyRunner runner(c);
  runner.run(c.rounds);
  const AuctionOnlyResult r = runner.result();
  EXPECT_EQ(r.bidders[0].exhausted_round, 19);
  EXPECT_EQ(r.bidders[0].exhausted_episodes, 1u);
  EXPECT_EQ(r.bidders[1].exhausted_round, -1);
  EXPECT_TRUE(std::isnan(r.bidders[1].budget));
  EXPECT_TRUE(std::isnan(r.bidders[1].pacing_error));
  // Plan 1 per tick; spend 5, 4.5, then 0 x 8: sqrt((16 + 12.25 + 8 x 1) / 10) / 1.
  EXPECT_DOUBLE_EQ(r.bidders[0].pacing_error, std::sqrt(36.25 / 10));
  ASSERT_EQ(runner.pacing_series().size(), 10u);  // bidder 0 only, every tick
  EXPECT_EQ(runner.pacing_series()[0].spent, 5.0);
  EXPECT_EQ(runner.pacing_series()[4].planned, 5.0);
  EXPECT_EQ(runner.pacing_series()[9].budget_left, 0.5);
}

TEST(AuctionOnlyClassroom, AnExternalPacerSeesTheTicksAndItsControlsApply) {
  // A pacer that halves the bid and throttles half the auctions, and records what it saw.
  struct Halve final : RoundPacer {
    std::vector<PacingSignal>* seen;
    explicit Halve(std::vector<PacingSignal>* s) : seen(s) {}
    void start_episode(int, std::uint64_t, PacingControl& out) override { out = {0.5, 0.5, 7.0}; }
    void update(int, const PacingSignal& sig, PacingControl& out) override {
      seen->push_back(sig);
      out = {0.5, 0.5, 7.0};
    }
  };
  std::vector<PacingSignal> seen;
  AuctionOnlyConfig c = fixed_pair();
  c.rounds = 10'000;
  c.budgets.bidder_budgets = {1e9, 0.0};
  c.budgets.ticks = 4;
  c.budgets.make_pacer = [&](int) { return std::make_unique<Halve>(&seen); };
  AuctionOnlyRunner runner(c);
  runner.run(c.rounds);
  const AuctionOnlyResult r = runner.result();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[1].tick, 2);
  EXPECT_EQ(seen[1].planned, 1e9 * 2 / 4);
  EXPECT_EQ(seen[0].opportunities, 2'500u);  // every auction, before throttling
  // Bid 1 x 0.5 ties bidder 1's 0.5 when it takes part; half the auctions it sits out.
  EXPECT_EQ(r.bidders[0].throttled + r.bidders[0].auctions, 10'000u);
  EXPECT_NEAR(static_cast<double>(r.bidders[0].throttled), 5'000.0, 4 * std::sqrt(10'000 * 0.25));  // binomial, 4 sd
  EXPECT_EQ(r.bidders[0].multiplier, 0.5);
  EXPECT_EQ(runner.pacing_series().back().dual, 7.0);
}

TEST(AuctionOnlyClassroom, TheBidLogChangesNoResult) {
  AuctionOnlyConfig c = auctiongym_sp_oracle_config(2);
  c.rounds = 5'000;
  const AuctionOnlyResult plain = run_auction_only(c);
  c.log_rate = 0.3;
  AuctionOnlyRunner runner(c);
  runner.run(c.rounds);
  EXPECT_EQ(runner.result().metrics.revenue, plain.metrics.revenue);
  EXPECT_EQ(runner.result().metrics.welfare, plain.metrics.welfare);
  // About 0.3 x 5,000 auctions x 2 bids: binomial sd of the auctions sqrt(5000 x 0.21) = 32, 4 sd.
  EXPECT_NEAR(static_cast<double>(runner.bid_log().size()), 3'000.0, 2 * 4 * 32.4);
}

}  // namespace
}  // namespace adsim::auction

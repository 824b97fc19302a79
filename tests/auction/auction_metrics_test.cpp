#include <array>
#include <cmath>

#include <gtest/gtest.h>

#include "auction/auction_metrics.hpp"
#include "auction/gsp.hpp"
#include "auction/vcg.hpp"

namespace adsim::auction {
namespace {

using core::AuctionCandidates;
using core::AuctionResult;
using core::AuctionRules;

// One slot; X (bid 1.0, pCTR 0.5, quality 2) outranks Y (bid 1.5, pCTR 0.5, quality 1) because
// of its quality, though Y is worth more: welfare 0.5 of a possible 0.75.
TEST(AuctionMetrics, QualityRankingCostsEfficiency) {
  const std::array<double, 2> bid = {1.0, 1.5}, pctr = {0.5, 0.5}, quality = {2.0, 1.0}, value = {1.0, 1.5};
  AuctionRules rules;
  rules.slots = 1;
  std::array<double, 2> scores{};
  AuctionResult r;
  run_gsp({bid, pctr, quality}, rules, scores, r);
  ASSERT_EQ(r.filled, 1);
  EXPECT_EQ(r.slots[0].candidate, 0u);
  EXPECT_DOUBLE_EQ(r.slots[0].price, 0.75);  // 0.75 / (0.5 x 2)
  AuctionMetrics m;
  m.add({bid, pctr, quality}, value, rules, r);
  const auto rep = m.report();
  EXPECT_DOUBLE_EQ(rep.revenue, 0.375);
  EXPECT_DOUBLE_EQ(rep.welfare, 0.5);
  EXPECT_DOUBLE_EQ(rep.surplus, 0.125);
  EXPECT_DOUBLE_EQ(rep.best_welfare, 0.75);
  EXPECT_DOUBLE_EQ(rep.efficiency, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(rep.price_to_bid, 0.75);
  EXPECT_DOUBLE_EQ(rep.fill_rate, 1.0);
  EXPECT_DOUBLE_EQ(rep.reserve_bind_rate, 0.0);
}

// The running example of docs/auctions.md with truthful bids, then with a reserve nobody meets.
TEST(AuctionMetrics, RunningExampleAndNoFillBecauseOfTheReserve) {
  const std::array<double, 5> bid = {4'000'000, 3'000'000, 2'000'000, 800'000, 1'200'000};
  const std::array<double, 5> pctr = {0.125, 0.25, 0.125, 0.5, 0.0625};
  const std::array<double, 5> quality = {1.0, 1.0, 1.5, 1.0, 1.0};
  const std::array<double, 2> factors = {1.0, 0.5};
  AuctionRules rules;
  rules.slots = 2;
  rules.position_factors = factors;
  rules.reserve = 1'000'000;
  std::array<double, 5> scores{};
  AuctionResult r;
  AuctionCandidates c{bid, pctr, quality};
  run_gsp(c, rules, scores, r);
  AuctionMetrics m;
  m.add(c, bid, rules, r);  // values = bids
  auto rep = m.report();
  EXPECT_DOUBLE_EQ(rep.revenue, 687'500);  // 500,000 + 187,500
  EXPECT_DOUBLE_EQ(rep.welfare, 1'000'000);  // B 3,000,000 x 0.25 + A 4,000,000 x 0.125 x 0.5
  EXPECT_DOUBLE_EQ(rep.surplus, 312'500);
  EXPECT_DOUBLE_EQ(rep.best_welfare, 1'000'000);  // B then A: the same pair, efficient
  EXPECT_DOUBLE_EQ(rep.per_slot[0].price_to_bid, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(rep.per_slot[1].price_to_bid, 0.75);
  EXPECT_DOUBLE_EQ(rep.price_to_bid, (2.0 / 3.0 + 0.75) / 2);
  EXPECT_DOUBLE_EQ(rep.reserve_exclusion_rate, 0.2);

  rules.reserve = 5'000'000;  // above every bid
  run_gsp(c, rules, scores, r);
  EXPECT_EQ(r.filled, 0);
  m.add(c, bid, rules, r);
  rep = m.report();
  EXPECT_EQ(rep.auctions, 2u);
  EXPECT_DOUBLE_EQ(rep.request_fill_rate, 0.5);
  EXPECT_DOUBLE_EQ(rep.no_ad_due_to_reserve_rate, 0.5);
  EXPECT_DOUBLE_EQ(rep.fill_rate, 0.5);
  EXPECT_DOUBLE_EQ(rep.per_slot[1].fill_rate, 0.5);
  EXPECT_DOUBLE_EQ(rep.efficiency, 0.5);  // the second auction wasted its 1,000,000
  EXPECT_DOUBLE_EQ(rep.revenue, 687'500.0 / 2);
  // Sample SE of {687,500, 0}: s = 687,500 / sqrt(2), SE = s / sqrt(2) = 343,750.
  EXPECT_DOUBLE_EQ(rep.revenue_se, 343'750);
}

TEST(AuctionMetrics, MergingEqualsAddingToOne) {
  const std::array<double, 3> bid = {3.0, 2.0, 1.0}, pctr = {0.1, 0.2, 0.3}, quality = {1, 1, 1};
  const std::array<double, 2> factors = {1.0, 0.6};
  AuctionRules rules;
  rules.slots = 2;
  rules.position_factors = factors;
  rules.reserve = 1.5;
  std::array<double, 3> scores{};
  AuctionResult r;
  AuctionMetrics a, b, all;
  run_vcg({bid, pctr, quality}, rules, scores, r);
  a.add({bid, pctr, quality}, bid, rules, r);
  all.add({bid, pctr, quality}, bid, rules, r);
  rules.reserve = 0.0;
  run_vcg({bid, pctr, quality}, rules, scores, r);
  b.add({bid, pctr, quality}, bid, rules, r);
  all.add({bid, pctr, quality}, bid, rules, r);
  a += b;
  const auto x = a.report(), y = all.report();
  EXPECT_EQ(x.auctions, y.auctions);
  EXPECT_DOUBLE_EQ(x.revenue, y.revenue);
  EXPECT_DOUBLE_EQ(x.revenue_se, y.revenue_se);
  EXPECT_DOUBLE_EQ(x.efficiency, y.efficiency);
  EXPECT_DOUBLE_EQ(x.reserve_bind_rate, y.reserve_bind_rate);
  EXPECT_GT(x.reserve_bind_rate, 0.0);
}

}  // namespace
}  // namespace adsim::auction

// The worked examples of docs/auctions.md, checked to the micro. Inputs use pCTRs that are powers
// of two so the arithmetic is exact and the expected prices are the doc's numbers exactly.
#include <array>
#include <vector>

#include <gtest/gtest.h>

#include "auction/first_price.hpp"
#include "auction/gsp.hpp"
#include "auction/mechanisms.hpp"
#include "auction/vcg.hpp"

namespace adsim::auction {
namespace {

using core::AuctionCandidates;
using core::AuctionResult;
using core::AuctionRules;
using core::BillingModel;

// Example 1 (docs/auctions.md, "The running example"): five CPC candidates, two slots.
struct RunningExample {
  //                          A          B          C          D        E
  std::array<double, 5> bid = {4'000'000, 3'000'000, 2'000'000, 800'000, 1'200'000};
  std::array<double, 5> pctr = {0.125, 0.25, 0.125, 0.5, 0.0625};
  std::array<double, 5> quality = {1.0, 1.0, 1.5, 1.0, 1.0};
  std::array<double, 2> factors = {1.0, 0.5};
  std::array<double, 5> scores{};
  AuctionCandidates candidates() const { return {bid, pctr, quality}; }
  AuctionRules rules(double reserve = 1'000'000, double alpha = 1.0) const {
    AuctionRules r;
    r.slots = 2;
    r.position_factors = factors;
    r.reserve = reserve;
    r.quality_exponent = alpha;
    return r;
  }
};
constexpr std::uint32_t kA = 0, kB = 1, kC = 2, kD = 3, kE = 4;

TEST(WorkedExample, RankScores) {
  RunningExample ex;
  AuctionResult r;
  run_gsp(ex.candidates(), ex.rules(), ex.scores, r);
  EXPECT_EQ(ex.scores[kA], 500'000);
  EXPECT_EQ(ex.scores[kB], 750'000);
  EXPECT_EQ(ex.scores[kC], 375'000);
  EXPECT_EQ(ex.scores[kD], 400'000);
  EXPECT_EQ(ex.scores[kE], 75'000);
  EXPECT_EQ(r.below_reserve, 1);  // D bids 0.80 < 1.00 per click
  EXPECT_EQ(r.eligible, 4);
}

TEST(WorkedExample, Gsp) {
  RunningExample ex;
  AuctionResult r;
  run_gsp(ex.candidates(), ex.rules(), ex.scores, r);
  ASSERT_EQ(r.filled, 2);
  EXPECT_EQ(r.slots[0].candidate, kB);
  EXPECT_EQ(r.slots[0].price, 2'000'000);  // 500,000 / 0.25
  EXPECT_FALSE(r.slots[0].reserve_bound);
  EXPECT_EQ(r.slots[0].expected_payment, 500'000);  // 2,000,000 x 0.25 x 1
  EXPECT_EQ(r.slots[1].candidate, kA);
  EXPECT_EQ(r.slots[1].price, 3'000'000);  // 375,000 / 0.125
  EXPECT_EQ(r.slots[1].expected_payment, 187'500);  // 3,000,000 x 0.125 x 0.5
}

TEST(WorkedExample, GspWithoutQuality) {
  RunningExample ex;
  AuctionResult r;
  run_gsp(ex.candidates(), ex.rules(1'000'000, 0.0), ex.scores, r);
  ASSERT_EQ(r.filled, 2);
  EXPECT_EQ(r.slots[1].candidate, kA);
  EXPECT_EQ(ex.scores[kC], 250'000);
  EXPECT_EQ(r.slots[1].price, 2'000'000);  // C's score without its quality: 250,000 / 0.125
}

TEST(WorkedExample, Vcg) {
  RunningExample ex;
  AuctionResult r;
  run_vcg(ex.candidates(), ex.rules(), ex.scores, r);
  ASSERT_EQ(r.filled, 2);
  EXPECT_EQ(r.slots[0].candidate, kB);
  // ((1 - 0.5) x 500,000 + 0.5 x 375,000) / 1 = 437,500 per impression; / 0.25 per click.
  EXPECT_EQ(r.slots[0].price, 1'750'000);
  EXPECT_EQ(r.slots[1].candidate, kA);
  EXPECT_EQ(r.slots[1].price, 3'000'000);  // (0.5 - 0) x 375,000 / 0.5 / 0.125
  EXPECT_FALSE(r.slots[0].reserve_bound);
  EXPECT_FALSE(r.slots[1].reserve_bound);
}

TEST(WorkedExample, FirstPrice) {
  RunningExample ex;
  AuctionResult r;
  run_first_price(ex.candidates(), ex.rules(), ex.scores, r);
  ASSERT_EQ(r.filled, 2);
  EXPECT_EQ(r.slots[0].candidate, kB);
  EXPECT_EQ(r.slots[0].price, 3'000'000);
  EXPECT_EQ(r.slots[1].candidate, kA);
  EXPECT_EQ(r.slots[1].price, 4'000'000);
  EXPECT_EQ(r.slots[1].expected_payment, 250'000);  // 4,000,000 x 0.125 x 0.5
}

TEST(WorkedExample, ReserveBinds) {
  RunningExample ex;
  AuctionResult gsp;
  run_gsp(ex.candidates(), ex.rules(2'500'000), ex.scores, gsp);
  EXPECT_EQ(gsp.below_reserve, 3);  // C, D, E
  ASSERT_EQ(gsp.filled, 2);
  EXPECT_EQ(gsp.slots[0].candidate, kB);
  EXPECT_EQ(gsp.slots[0].price, 2'500'000);
  EXPECT_TRUE(gsp.slots[0].reserve_bound);
  EXPECT_EQ(gsp.slots[1].candidate, kA);
  EXPECT_EQ(gsp.slots[1].price, 2'500'000);
  EXPECT_TRUE(gsp.slots[1].reserve_bound);
  AuctionResult vcg;
  run_vcg(ex.candidates(), ex.rules(2'500'000), ex.scores, vcg);
  ASSERT_EQ(vcg.filled, 2);
  EXPECT_EQ(vcg.slots[0].price, 2'500'000);
  EXPECT_TRUE(vcg.slots[0].reserve_bound);
  EXPECT_EQ(vcg.slots[1].price, 2'500'000);
  EXPECT_TRUE(vcg.slots[1].reserve_bound);
}

TEST(WorkedExample, SlotReserves) {
  RunningExample ex;
  const std::array<double, 2> slot_reserves = {3'500'000, 0};
  AuctionRules rules = ex.rules();
  rules.slot_reserves = slot_reserves;
  AuctionResult gsp;
  run_gsp(ex.candidates(), rules, ex.scores, gsp);
  ASSERT_EQ(gsp.filled, 2);
  EXPECT_EQ(gsp.slots[0].candidate, kA);  // only A bids >= 3.50 per click
  EXPECT_EQ(gsp.slots[0].price, 3'500'000);
  EXPECT_TRUE(gsp.slots[0].reserve_bound);
  EXPECT_EQ(gsp.slots[1].candidate, kB);
  EXPECT_EQ(gsp.slots[1].price, 1'500'000);  // C's 375,000 / 0.25
  EXPECT_FALSE(gsp.slots[1].reserve_bound);
  AuctionResult vcg;
  run_vcg(ex.candidates(), rules, ex.scores, vcg);
  ASSERT_EQ(vcg.filled, 2);
  EXPECT_EQ(vcg.slots[0].candidate, kA);
  EXPECT_EQ(vcg.slots[0].price, 3'500'000);  // below 3.50, A gets nothing at all
  EXPECT_EQ(vcg.slots[1].candidate, kB);
  EXPECT_EQ(vcg.slots[1].price, 1'500'000);
}

// The auction log view of the running example: every candidate's inputs, score, slot, price and
// reserve status.
TEST(WorkedExample, OutcomesForTheAuctionLog) {
  RunningExample ex;
  const AuctionRules rules = ex.rules(1'000'000);
  AuctionResult r;
  run_gsp(ex.candidates(), rules, ex.scores, r);
  std::array<CandidateOutcome, 5> out;
  describe_outcomes(ex.candidates(), rules, ex.scores, r, out);
  EXPECT_EQ(out[kB].slot, 0);
  EXPECT_EQ(out[kB].price, 2'000'000);
  EXPECT_EQ(out[kB].price_per_click, 2'000'000);
  EXPECT_EQ(out[kA].slot, 1);
  EXPECT_EQ(out[kA].price, 3'000'000);
  EXPECT_EQ(out[kC].slot, -1);
  EXPECT_EQ(out[kC].rank_score, 375'000);
  EXPECT_EQ(out[kC].quality, 1.5);
  EXPECT_FALSE(out[kC].below_reserve);
  EXPECT_TRUE(out[kD].below_reserve);
  EXPECT_EQ(out[kD].bid, 800'000);
  EXPECT_EQ(out[kD].pctr, 0.5);
  EXPECT_EQ(out[kE].slot, -1);
  std::array<core::AuctionLogCandidate, 5> log;
  annotate_log(ex.candidates(), rules, ex.scores, r, log);
  EXPECT_EQ(log[kB].slot, 0);
  EXPECT_EQ(log[kB].price, 2'000'000);
  EXPECT_EQ(log[kA].rank_score, 500'000);
  EXPECT_EQ(log[kD].slot, -1);
  EXPECT_FALSE(log[kA].reserve_bound);
  run_gsp(ex.candidates(), ex.rules(2'500'000), ex.scores, r);
  annotate_log(ex.candidates(), ex.rules(2'500'000), ex.scores, r, log);
  EXPECT_TRUE(log[kA].reserve_bound);
  EXPECT_EQ(log[kA].price, 2'500'000);
}

// Example 2 (docs/auctions.md, "Billing"): CPC, CPM and CPA candidates in one GSP auction.
TEST(WorkedExample, MixedBilling) {
  //                                X (CPC)    Y (CPM)  Z (CPA)     W (CPC)
  const std::array<double, 4> bid = {2'000'000, 400'000, 10'000'000, 1'000'000};
  const std::array<double, 4> pctr = {0.25, 0.125, 0.25, 0.25};
  const std::array<double, 4> quality = {1, 1, 1, 1};
  const std::array<BillingModel, 4> billing = {BillingModel::kCpc, BillingModel::kCpm, BillingModel::kCpa, BillingModel::kCpc};
  const std::array<double, 4> pcvr = {0, 0, 0.125, 0};
  const std::array<double, 3> factors = {1.0, 0.5, 0.25};
  AuctionCandidates c{bid, pctr, quality, billing, pcvr, {}};
  AuctionRules rules;
  rules.slots = 3;
  rules.position_factors = factors;
  rules.reserve = 0;
  rules.quality_exponent = 0;
  std::array<double, 4> scores{};
  AuctionResult r;
  run_gsp(c, rules, scores, r);
  EXPECT_EQ(scores[0], 500'000);
  EXPECT_EQ(scores[1], 400'000);
  EXPECT_EQ(scores[2], 312'500);
  EXPECT_EQ(scores[3], 250'000);
  ASSERT_EQ(r.filled, 3);
  EXPECT_EQ(r.slots[0].candidate, 0u);
  EXPECT_EQ(r.slots[0].price, 1'600'000);  // per click: 400,000 / 0.25
  EXPECT_EQ(r.slots[1].candidate, 1u);
  EXPECT_EQ(r.slots[1].price, 156'250);  // per impression: 312,500 x 0.5
  EXPECT_EQ(r.slots[1].expected_payment, 156'250);
  EXPECT_EQ(r.slots[2].candidate, 2u);
  EXPECT_EQ(r.slots[2].price, 8'000'000);  // per conversion: 250,000 / (0.25 x 0.125)
  EXPECT_EQ(r.slots[2].expected_payment, 62'500);  // 8,000,000 x 0.25 x 0.25 x 0.125
}

}  // namespace
}  // namespace adsim::auction

// The classroom scenarios (scenarios/classroom_*.toml) against the closed forms and worked examples
// they cite (docs/classroom.md), run through the loader and the runner a user's `adsim run` uses.
// Exact where nothing is random; else within a tolerance derived from the variance, as each test says.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "auction/auction_only.hpp"
#include "scenarios/auction_only_run.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/scenario_schema.hpp"
#include "tests/scenarios/loader_errors.hpp"

namespace adsim::scenarios {
namespace {

using test_support::error_of;
namespace fs = std::filesystem;
const fs::path kScenarios = fs::path(ADSIM_SOURCE_DIR) / "scenarios";

AuctionOnlyRun run_file(const std::string& name, const std::vector<std::string>& overrides = {}) {
  return run_auction_only_scenario(load_scenario_file(kScenarios / (name + ".toml"), overrides));
}

// ---- Easley & Kleinberg's two-slot example: values 7, 6, 1; slot click rates 10 and 5 ----------

TEST(ClassroomGspVcg, VcgChargesEachWinnerTheHarmItDoesToTheOthers) {
  const AuctionOnlyRun run = run_file("classroom_gsp_vcg");
  const auto& b = run.result.bidders;
  ASSERT_EQ(b.size(), 3u);
  // x: (6 x 1 + 1 x 0.5) - 6 x 0.5 = 3.5 in slot 0; y: (7 + 0.5) - 7 = 0.5 in slot 1 (1 per click).
  EXPECT_EQ(b[0].slots[0].wins, 1u);
  EXPECT_DOUBLE_EQ(b[0].slots[0].payment, 3.5);
  EXPECT_EQ(b[1].slots[1].wins, 1u);
  EXPECT_DOUBLE_EQ(b[1].slots[1].payment, 0.5);
  EXPECT_DOUBLE_EQ(b[1].slots[1].payment / b[1].slots[1].clicks, 1.0);
  EXPECT_EQ(b[2].wins, 0u);
  EXPECT_DOUBLE_EQ(run.result.metrics.revenue, 4.0);
  EXPECT_DOUBLE_EQ(run.result.metrics.welfare, 10.0);
  EXPECT_DOUBLE_EQ(run.result.metrics.efficiency, 1.0);
}

TEST(ClassroomGspVcg, GspChargesTheNextBidAndItsEnvyFreeEquilibriumMatchesVcg) {
  const AuctionOnlyRun truthful = run_file("classroom_gsp_vcg", {"auction.mechanism=gsp"});
  EXPECT_DOUBLE_EQ(truthful.result.bidders[0].payment, 6.0);  // y's bid 6 per click
  EXPECT_DOUBLE_EQ(truthful.result.bidders[1].payment, 0.5);  // z's bid 1 per click x 0.5
  EXPECT_DOUBLE_EQ(truthful.result.metrics.revenue, 6.5);
  // Edelman, Ostrovsky & Schwarz: y bidding its VCG price per click gives VCG's payments.
  const AuctionOnlyRun eos = run_file("classroom_gsp_vcg", {"auction.mechanism=gsp", "auction_only.bidder[1].bid=3.5"});
  EXPECT_DOUBLE_EQ(eos.result.bidders[0].payment, 3.5);
  EXPECT_DOUBLE_EQ(eos.result.bidders[1].payment, 0.5);
  EXPECT_DOUBLE_EQ(eos.result.metrics.revenue, 4.0);
}

TEST(ClassroomGspVcg, TheBidLogHoldsEveryBidWithItsSlotAndPrice) {
  const AuctionOnlyRun run = run_file("classroom_gsp_vcg", {"auction.mechanism=gsp"});
  const auto& bids = run.record.bids;
  ASSERT_EQ(bids.size(), 3u);
  std::vector<int> slot(3, -2);
  std::vector<double> price(3, -1.0);
  for (const auction::BidRecord& r : bids) {
    EXPECT_EQ(r.round, 0u);
    EXPECT_EQ(r.bid, r.value);  // truthful
    slot[static_cast<std::size_t>(r.bidder)] = r.slot;
    price[static_cast<std::size_t>(r.bidder)] = r.price;
  }
  EXPECT_EQ(slot, (std::vector<int>{0, 1, -1}));
  EXPECT_EQ(price, (std::vector<double>{6.0, 1.0, 0.0}));
}

// ---- One budgeted bidder against U[0, 1] competing bids (Balseiro & Gur) --------------------------
// Values v ~ U[0, 1], competing bid d ~ U[0, 1], budget B = rho T with rho = 0.1, T = 100,000.
// Bidding v x m, the spend per auction is s = d 1{d < m v}: mean r(m) = m^2 / 6, second moment
// m^3 / 12. Unpaced (m = 1): r = 1/6, sd sigma = sqrt(1/12 - 1/36) = 0.2357.

constexpr double kRho = 0.1;
constexpr double kSigma = 0.23570226039551584;  // sqrt(1/18)

TEST(ClassroomBudgetPacing, WithoutPacingTheBudgetRunsOutAtSixtyPercent) {
  const AuctionOnlyRun run = run_file("classroom_budget_pacing", {"auction_only.pacer=none"});
  const auction::BidderOutcome& paced = run.result.bidders[0];
  // Spend reaches B at t = B / r = 60,000; spend after t auctions has sd sqrt(t) sigma, so the
  // crossing time has sd sqrt(t) sigma / r = 346 auctions: 4 sd.
  const double t = 10'000 / (1.0 / 6.0);
  const double sd = std::sqrt(t) * kSigma / (1.0 / 6.0);
  EXPECT_NEAR(static_cast<double>(paced.exhausted_round), t, 4 * sd);
  EXPECT_TRUE(std::isnan(run.result.bidders[1].budget));  // the market is unlimited
  // Smart Pacing's error per tick of 100 auctions (plan b = 10): 600 ticks at mean 100/6 with
  // variance 100/18, then 400 ticks of 0, so error^2 = (600 ((100/6 - 10)^2 + 100/18) + 400 x 100)
  // / 1000 / 100 = 0.6998, error 0.8365. The crossing's sd of 3.5 ticks moves it by 0.01: 4 sd.
  EXPECT_NEAR(paced.pacing_error, 0.8365, 0.04);
}

TEST(ClassroomBudgetPacing, DualDescentSettlesAtMuStarAndTracksThePlan) {
  const AuctionOnlyRun run = run_file("classroom_budget_pacing");
  const double mu_star = std::sqrt(5.0 / 3.0) - 1.0;  // r(1 / (1 + mu)) = rho
  double sum = 0.0;
  int n = 0;
  for (const auction::PacingPoint& p : run.record.pacing) {
    ASSERT_EQ(p.bidder, 0);  // only the budgeted bidder is paced
    if (p.round <= 50'000) continue;
    sum += p.dual;
    ++n;
    // After the start-up transient the spend stays within 4 sd of an uncontrolled walk over the
    // second half (sqrt(T/2) sigma = 52.7; the controller only pulls it back) of the plan.
    EXPECT_NEAR(p.spent, p.planned, 4 * std::sqrt(50'000.0) * kSigma) << "round " << p.round;
  }
  ASSERT_EQ(n, 500);
  // Holding spend within 211 of plan at both ends of the second half holds its mean rate within
  // 2 x 211 / 50,000 = 0.0084 of rho; |dr/dmu| = 1 / (3 (1 + mu*)^3) = 0.155 maps that to 0.054.
  EXPECT_NEAR(sum / n, mu_star, 0.054);
  const auction::BidderOutcome& paced = run.result.bidders[0];
  EXPECT_GT(paced.exhausted_round, 99'000);  // lasts (nearly) the whole horizon
  EXPECT_LE(paced.payment, 10'000.0);
  // Its value per auction: 1 / (3 (1 + mu*)) = 0.2582, against 0.2 unpaced. Per auction the value
  // v 1{d < m v} has sd below 0.5: 4 sd of the mean over 100,000 is 0.0063, plus the start-up.
  EXPECT_NEAR(paced.value / 100'000, 1.0 / (3.0 * (1.0 + mu_star)), 0.01);
  // A pacer cannot beat the traffic's own noise: per tick of 100 auctions at m* the spend has sd
  // 10 sqrt(m*^3 / 12 - rho^2) = 1.695, i.e. an error of at least 0.1695 (less 4 sd of its estimate
  // over 1,000 ticks, 4 x 0.1695 / sqrt(2000)), and far below the unpaced 0.84.
  EXPECT_GT(paced.pacing_error, 0.1695 * (1 - 4 / std::sqrt(2000.0)));
  EXPECT_LT(paced.pacing_error, 0.4);
}

TEST(ClassroomBudgetPacing, PidOnTheWinRateHoldsTheTargetRate) {
  const AuctionOnlyRun run = run_file(
      "classroom_budget_pacing", {"auction_only.pacer=pid", "pacing.pid_signal=win_rate", "pacing.pid_target_win_rate=0.3",
                                  "pacing.pid_kp=0.2", "pacing.pid_ki=10", "auction_only.bidder[0].budget=100000"});
  const auction::BidderOutcome& b = run.result.bidders[0];
  // P(d < m v) = m / 2: the rate 0.3 at m = 0.6. Over 100,000 auctions the binomial sd of the
  // rate is sqrt(0.21 / 1e5) = 0.0015 (4 sd: 0.006), plus the first few ticks' transient (under
  // 1 % of the auctions, off by at most 0.2: 0.002).
  EXPECT_NEAR(static_cast<double>(b.wins) / static_cast<double>(b.auctions), 0.3, 0.008);
  EXPECT_NEAR(b.multiplier, 0.6, 0.15);  // the last tick's multiplier: phi moves ~0.03 a tick
}

TEST(ClassroomBudgetPacing, ThrottlingPacesByParticipationNotByBid) {
  const AuctionOnlyRun run = run_file("classroom_budget_pacing", {"auction_only.pacer=throttling"});
  const auction::BidderOutcome& b = run.result.bidders[0];
  EXPECT_EQ(b.multiplier, 1.0);
  EXPECT_GT(b.throttled, 0u);
  // Every auction it sat out was the throttle's or its budget's (only it has one).
  EXPECT_EQ(b.auctions + b.throttled + run.result.budget_exclusions, 100'000u);
  EXPECT_GT(b.exhausted_round, 90'000);  // against 60,000 unpaced (4 sd: 1,400)
}

// ---- AuctionGym and AuctionNet shapes ------------------------------------------------------------

TEST(ClassroomAuctionGym, TheScenarioIsTheLibrarysSpOracleConfiguration) {
  const AuctionOnlyRun run = run_file("classroom_auctiongym", {"auction_only.rounds=20000"});
  auction::AuctionOnlyConfig config = auction::auctiongym_sp_oracle_config(1);
  config.rounds = 20'000;
  const auction::AuctionOnlyResult library = auction::run_auction_only(config);
  EXPECT_EQ(run.result.metrics.revenue, library.metrics.revenue);
  EXPECT_EQ(run.result.metrics.welfare, library.metrics.welfare);
  // Truthful oracle bids in a second-price auction: the higher expected value always wins.
  EXPECT_DOUBLE_EQ(run.result.metrics.efficiency, 1.0);
}

TEST(ClassroomAuctionGym, TheBidLogNamesEachBiddersChosenItem) {
  const AuctionOnlyRun run = run_file("classroom_auctiongym", {"auction_only.rounds=2000", "auction_only.log_rate=0.1"});
  ASSERT_FALSE(run.record.bids.empty());
  EXPECT_EQ(run.record.bids.size() % 2, 0u);  // two bidders per logged auction
  for (const auction::BidRecord& r : run.record.bids) {
    EXPECT_GE(r.item, 0);
    EXPECT_LT(r.item, 12);
    EXPECT_DOUBLE_EQ(r.bid, r.value);  // truthful, per click
    EXPECT_DOUBLE_EQ(r.rank_score, r.bid * r.ctr);
  }
}

TEST(ClassroomAuctionNet, PacingSpreadsTheBudgetsAndRaisesWelfare) {
  const AuctionOnlyRun paced = run_file("classroom_auctionnet");
  const AuctionOnlyRun unpaced = run_file("classroom_auctionnet", {"auction_only.pacer=none"});
  ASSERT_EQ(paced.result.bidders.size(), 48u);
  for (std::size_t i = 0; i < 48; ++i) {
    const auto& p = paced.result.bidders[i];
    const auto& u = unpaced.result.bidders[i];
    EXPECT_GE(p.budget_left, -5.0) << i;  // never overspent by more than one charge (values <= 4.8)
    // A bidder that ran out unpaced runs out later, if at all, when paced.
    if (u.exhausted_round >= 0 && p.exhausted_round >= 0) {
      EXPECT_GE(p.exhausted_round, u.exhausted_round) << i;
    }
  }
  // Welfare per auction: 4.48 against 2.93, each with a standard error near 0.003 (printed by
  // adsim run): the gap is hundreds of standard errors; require a tenth of it.
  EXPECT_GT(paced.result.metrics.welfare, unpaced.result.metrics.welfare + 0.15);
  EXPECT_FALSE(paced.record.pacing.empty());
}

// ---- The first-price bid function, read from the bid log ------------------------------------------

TEST(ClassroomBidLog, FirstPriceEquilibriumBidsAreThreeQuartersOfTheValue) {
  // Four bidders with U[0, 1] values and no reserve: b(v) = (n - 1) / n v (Riley & Samuelson).
  const AuctionOnlyRun run = run_file("lesson_auction_theory", {"auction.mechanism=first_price", "auction_only.strategy=equilibrium",
                                                                "auction_only.rounds=5000", "auction_only.log_rate=0.05"});
  ASSERT_GT(run.record.bids.size(), 400u);
  for (const auction::BidRecord& r : run.record.bids) {
    EXPECT_NEAR(r.bid, 0.75 * r.value, 1e-12);
    if (r.slot == 0) {
      EXPECT_DOUBLE_EQ(r.price, r.bid);  // first price: pay the bid
    }
  }
}

// ---- The [[auction_only.bidder]] tables ---------------------------------------------------------

const std::string kTwoBidders =
    "[auction_only]\nenabled = true\n[[auction_only.bidder]]\nvalue = 2\n[[auction_only.bidder]]\nvalue_high = 3\n";

TEST(ClassroomBidders, BiddersAreTheTablesAndTheirKeysFallBackOnTheCommonOnes) {
  const Scenario s = parse_scenario(kTwoBidders, "t.toml");
  EXPECT_EQ(s.auction_only.bidders, 2);
  const auction::AuctionOnlyConfig c = auction_only_config(s);
  ASSERT_EQ(c.bidder_values.size(), 2u);
  EXPECT_EQ(c.bidder_values[0].kind(), auction::DistributionKind::kFixed);
  EXPECT_EQ(c.bidder_values[0].mean(), 2.0);
  // value_high = 3 on the common kind (uniform) and low (0): uniform on [0, 3].
  EXPECT_EQ(c.bidder_values[1].kind(), auction::DistributionKind::kUniform);
  EXPECT_EQ(c.bidder_values[1].lower(), 0.0);
  EXPECT_EQ(c.bidder_values[1].upper(), 3.0);
  EXPECT_TRUE(c.bidder_ctrs.empty());  // all 1: left out, the fast path stays
}

TEST(ClassroomBidders, RenderedScenarioLoadsBackTheSameBidders) {
  const std::vector<std::string> overrides = {"auction_only.bidder[3].ctr=0.5"};
  const Scenario s = load_scenario_file(kScenarios / "classroom_auctionnet.toml", overrides);
  const Scenario again = parse_scenario(render_scenario_toml(s), "rendered.toml");
  ASSERT_EQ(again.auction_only.bidder_list.size(), 48u);
  EXPECT_EQ(again.auction_only.bidders, 48);
  for (std::size_t i = 0; i < 48; ++i) {
    EXPECT_EQ(again.auction_only.bidder_list[i].value_high, s.auction_only.bidder_list[i].value_high);
    EXPECT_EQ(again.auction_only.bidder_list[i].ctr, s.auction_only.bidder_list[i].ctr);
  }
  EXPECT_EQ(again.auction_only.bidder_list[3].ctr, 0.5);
}

TEST(ClassroomBidders, ContradictionsAreReportedAtTheBidder) {
  const std::string head = "[auction_only]\nenabled = true\n";
  Diagnostic d = error_of(head + "[[auction_only.bidder]]\nvalue = 2\nvalue_high = 3\n");
  EXPECT_EQ(d.line, 3);
  EXPECT_NE(d.message.find("not both"), std::string::npos) << d.message;
  d = error_of(head + "[[auction_only.bidder]]\nbid = 2\nstrategy = \"shaded\"\n");
  EXPECT_NE(d.message.find("a fixed bid or a strategy"), std::string::npos) << d.message;
  d = error_of(head + "[[auction_only.bidder]]\nbudjet = 2\n");
  EXPECT_EQ(d.key_path, "auction_only.bidder[0].budjet");
  EXPECT_NE(d.message.find("did you mean 'budget'"), std::string::npos) << d.message;
  d = error_of(head + "bidders = 3\n[[auction_only.bidder]]\nvalue = 1\n");
  EXPECT_EQ(d.key_path, "auction_only.bidders");
  d = error_of(head + "[[auction_only.bidder]]\nvalue_low = 5\n");  // uniform [5, 1]
  EXPECT_EQ(d.key_path, "auction_only.bidder[0]");
  d = error_of(head + "[[auction_only.bidder]]\nvalue = 1\n", {"auction_only.bidder[1].value=2"});
  EXPECT_NE(d.message.find("N is 0 to 0"), std::string::npos) << d.message;
  d = error_of(head + "[[auction_only.bidder]]\nctr = 1.5\n");
  EXPECT_EQ(d.key_path, "auction_only.bidder[0].ctr");
}

}  // namespace
}  // namespace adsim::scenarios

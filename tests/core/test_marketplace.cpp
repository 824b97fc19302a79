#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "core/marketplace.hpp"
#include "core/world_generator.hpp"
#include "models/ground_truth.hpp"
#include "models/historical_ctr.hpp"
#include "reference_gsp.hpp"
#include "small_run.hpp"

namespace adsim::core {
namespace {

using testing::SmallRun;

struct Checker : SimObserver {
  double reserve = 0;
  int auctions = 0;
  std::vector<IntervalMetrics> intervals;
  std::vector<std::string> violations;
  RunSummary summary;
  void on_interval(const IntervalMetrics& m) override { intervals.push_back(m); }
  void on_finish(const RunSummary& s) override { summary = s; }
  void on_auction(const AuctionLogEntry& e) override {
    ++auctions;
    double last_rank = 1e300;
    double best_loser = 0;
    int expected_slot = 0;
    for (const AuctionLogCandidate& c : e.candidates) {
      if (c.slot >= 0) {
        if (c.slot != expected_slot++) violations.push_back("slots not in order");
        const double paid_bid = c.bid * c.pacing_multiplier;
        if (c.price > paid_bid + 1e-9) violations.push_back("price above bid");
        if (c.price + 1e-9 < reserve) violations.push_back("price below reserve");
        if (c.rank_score > last_rank) violations.push_back("slots not in rank order");
        last_rank = c.rank_score;
      } else if (c.participated && c.bid * c.pacing_multiplier >= reserve) {
        best_loser = std::max(best_loser, c.rank_score);
      }
    }
    if (expected_slot > 0 && best_loser > last_rank) violations.push_back("a loser outranks a winner");
  }
};

TEST(Marketplace, AuctionAndBudgetInvariantsHoldOnEveryAuction) {
  SmallRun setup;
  auto market = setup.build();
  Checker check;
  check.reserve = setup.config.server.reserve_micros;
  market->add_observer(check);
  const RunSummary s = market->run();
  ASSERT_GT(check.auctions, 10000);
  EXPECT_TRUE(check.violations.empty()) << check.violations.size() << " violations, first: " << check.violations.front();
  EXPECT_EQ(static_cast<std::uint64_t>(check.auctions), s.totals.requests);

  // Revenue is exactly the sum of what campaigns were charged.
  Money spend{0};
  double max_bid = 0;
  for (const CampaignTotals& c : s.campaigns) spend += c.spend;
  for (const Campaign& c : market->world().campaigns) max_bid = std::max(max_bid, c.bid.as_double_micros());
  EXPECT_EQ(spend, s.totals.revenue);
  EXPECT_GT(s.totals.revenue.micros, 0);

  // No campaign is charged past its budget by more than one in-flight charge (<= its max price = bid).
  int exhausted = 0;
  for (const CampaignTotals& c : s.campaigns) {
    const Money bid = market->world().campaigns[c.campaign].bid;
    EXPECT_LE((c.spend - c.daily_budget).micros, bid.micros) << "campaign " << c.campaign;
    EXPECT_LE(c.overspend.micros, bid.micros);
    exhausted += c.first_exhausted_at >= 0;
  }
  EXPECT_GT(exhausted, 0) << "the test should exercise budget exhaustion";

  // Totals are the sum of the intervals.
  Counters sum;
  for (const auto& m : check.intervals) sum += m.counts;
  EXPECT_EQ(sum.requests, s.totals.requests);
  EXPECT_EQ(sum.clicks, s.totals.clicks);
  EXPECT_EQ(sum.revenue, s.totals.revenue);
  EXPECT_EQ(check.intervals.back().end, kDay);
  EXPECT_EQ(check.intervals.size(), 96u);
}

TEST(Marketplace, SameSeedIsIdenticalAndAnotherSeedDiffers) {
  SmallRun setup;
  setup.config.run.auction_log_rate = 0.01;
  auto a = setup.build()->run();
  auto b = setup.build()->run();
  EXPECT_EQ(a.totals.requests, b.totals.requests);
  EXPECT_EQ(a.totals.clicks, b.totals.clicks);
  EXPECT_EQ(a.totals.revenue, b.totals.revenue);
  EXPECT_EQ(a.totals.hides, b.totals.hides);
  EXPECT_EQ(a.events, b.events);
  EXPECT_DOUBLE_EQ(a.totals.sum_pctr_shown, b.totals.sum_pctr_shown);
  for (std::size_t c = 0; c < a.campaigns.size(); ++c) EXPECT_EQ(a.campaigns[c].spend, b.campaigns[c].spend);
  setup.config.run.seed = 12;
  auto c = setup.build()->run();
  EXPECT_NE(a.totals.revenue, c.totals.revenue);
}

TEST(Marketplace, AuctionLogSamplingDoesNotChangeResults) {
  SmallRun setup;
  setup.config.run.auction_log_rate = 0.0;
  auto a = setup.build()->run();
  setup.config.run.auction_log_rate = 0.5;
  auto b = setup.build()->run();
  EXPECT_EQ(a.totals.revenue, b.totals.revenue);
  EXPECT_EQ(a.totals.clicks, b.totals.clicks);
}

TEST(Marketplace, TrafficFollowsTheHourlyProfile) {
  SmallRun setup;
  setup.config.run.auction_log_rate = 0.0;
  setup.config.traffic.hourly_profile.assign(24, 0.0);
  setup.config.traffic.hourly_profile[20] = 1.0;  // all sessions start 20:00-21:00
  setup.config.traffic.seconds_between_requests = 1.0;
  Checker check;
  auto m = setup.build();
  m->add_observer(check);
  const RunSummary s = m->run();
  std::uint64_t in_window = 0;
  for (const auto& i : check.intervals)
    if (i.start >= 20 * kHour && i.end <= 21 * kHour + 15 * kMinute) in_window += i.counts.sessions;
  EXPECT_EQ(in_window, s.totals.sessions);
  // Sessions ~ Poisson(8000) (a few may be lost to users who left): 5 sd = 450.
  EXPECT_NEAR(static_cast<double>(s.totals.sessions), 8000.0, 450.0);
}

TEST(Marketplace, StopTokenInterruptsAndReportsPartialRun) {
  SmallRun setup;
  auto m = setup.build();
  std::atomic<bool> stop{false};
  m->set_stop_token(&stop);
  m->run_until(6 * kHour);
  stop = true;
  const RunSummary s = m->finish();
  EXPECT_TRUE(s.interrupted);
  EXPECT_EQ(s.simulated, 6 * kHour);
  EXPECT_GT(s.totals.requests, 0u);
}

}  // namespace
}  // namespace adsim::core

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/marketplace.hpp"
#include "core/world_generator.hpp"
#include "models/ground_truth.hpp"
#include "models/historical_ctr.hpp"
#include "models/oracle_ctr_model.hpp"
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

struct PredictionCollector : SimObserver {
  std::vector<PredictionLogEntry> entries;
  RunSummary summary;
  void on_predictions(std::span<const PredictionLogEntry> batch) override {
    entries.insert(entries.end(), batch.begin(), batch.end());
  }
  void on_finish(const RunSummary& s) override { summary = s; }
};

PredictionCollector run_with_prediction_log(const SmallRun& setup) {
  PredictionCollector c;
  auto market = setup.build();
  market->add_observer(c);
  market->run();
  return c;
}

// The log draws from a stream of its own: every figure of the run is the same with it on.
TEST(Marketplace, PredictionLogDoesNotChangeResults) {
  SmallRun setup;
  setup.config.run.auction_log_rate = 0.0;
  const PredictionCollector off = run_with_prediction_log(setup);
  EXPECT_TRUE(off.entries.empty());
  setup.config.run.prediction_log_rate = 0.3;
  const PredictionCollector on = run_with_prediction_log(setup);
  EXPECT_FALSE(on.entries.empty());
  const RunSummary& a = off.summary;
  const RunSummary& b = on.summary;
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.totals.requests, b.totals.requests);
  EXPECT_EQ(a.totals.impressions, b.totals.impressions);
  EXPECT_EQ(a.totals.clicks, b.totals.clicks);
  EXPECT_EQ(a.totals.hides, b.totals.hides);
  EXPECT_EQ(a.totals.revenue, b.totals.revenue);
  EXPECT_EQ(a.totals.sum_pctr_shown, b.totals.sum_pctr_shown);
  EXPECT_EQ(a.mean_fatigue, b.mean_fatigue);
  ASSERT_EQ(a.campaigns.size(), b.campaigns.size());
  for (std::size_t c = 0; c < a.campaigns.size(); ++c) EXPECT_EQ(a.campaigns[c].spend, b.campaigns[c].spend);
}

// At rate 1 every labelled impression is logged once, in impression order, after its attribution
// window, with the prediction progressive validation scores; at rate r a binomial share of them.
TEST(Marketplace, PredictionLogHoldsTheLabelledImpressions) {
  SmallRun setup;
  setup.config.run.auction_log_rate = 0.0;
  setup.config.run.prediction_log_rate = 1.0;
  const PredictionCollector all = run_with_prediction_log(setup);
  const auto n = static_cast<double>(all.entries.size());
  ASSERT_GT(n, 50'000);
  // Impressions of the last attribution window are never labelled during the run.
  EXPECT_LT(n, static_cast<double>(all.summary.totals.impressions));
  std::uint64_t labels = 0, clicked_late = 0;
  for (std::size_t i = 0; i < all.entries.size(); ++i) {
    const PredictionLogEntry& e = all.entries[i];
    if (i > 0) {
      ASSERT_LT(all.entries[i - 1].impression_id, e.impression_id);
    }
    EXPECT_GE(e.released_at - e.served_at, setup.config.attribution_window);
    EXPECT_EQ(e.prediction, expected_click_probability(e.pctr, setup.config.server.position_factors, e.slot));
    EXPECT_TRUE(!e.label || e.user_clicked) << "a label is a click the user made";
    labels += e.label ? 1 : 0;
    clicked_late += e.user_clicked && !e.label ? 1 : 0;
  }
  EXPECT_GT(labels, 1000u);
  // Clicks later than the attribution window are the truth's, not the label's.
  EXPECT_LE(clicked_late, all.summary.totals.late_clicks);

  setup.config.run.prediction_log_rate = 0.25;
  const PredictionCollector some = run_with_prediction_log(setup);
  // Binomial(n, 0.25): 5 standard deviations.
  EXPECT_NEAR(static_cast<double>(some.entries.size()), 0.25 * n, 5 * std::sqrt(n * 0.25 * 0.75));
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

// finish() after run_until() short of the horizon reports a partial run (the stop token's own test
// is StopTokenSetDuringTheRunStopsIt).
TEST(Marketplace, FinishBeforeTheHorizonReportsAPartialRun) {
  SmallRun setup;
  auto m = setup.build();
  m->run_until(6 * kHour);
  const RunSummary s = m->finish();
  EXPECT_TRUE(s.interrupted);
  EXPECT_EQ(s.simulated, 6 * kHour);
  EXPECT_GT(s.totals.requests, 0u);
}

// Two days with budgets that run out: each day's budget resets, so campaigns that ran out on the
// first day spend again on the second and run out again; over both days no campaign spends more
// than twice its daily budget plus one charge a day (a CPC charge is at most the bid: GSP and the
// reserve never price a click above it).
TEST(Marketplace, BudgetsResetEachDayAndEachDayStaysWithinBudgetPlusOneCharge) {
  SmallRun setup;
  setup.config.run.days = 2.0;
  setup.config.run.auction_log_rate = 0.0;
  setup.world.daily_budget_median = 5.0;
  const World world = *setup.make_world();
  const RunSummary s = setup.build()->run();
  ASSERT_EQ(s.campaigns.size(), world.campaigns.size());
  std::size_t twice = 0;
  for (const CampaignTotals& t : s.campaigns) {
    const Campaign& c = world.campaigns[t.campaign];
    ASSERT_EQ(c.billing, BillingModel::kCpc);
    EXPECT_LE(t.spend.micros, 2 * (c.daily_budget.micros + c.bid.micros)) << "campaign " << t.campaign;
    if (t.days_exhausted == 2) {
      ++twice;
      EXPECT_GT(t.spend.micros, c.daily_budget.micros) << "it spent on both days";
    }
  }
  EXPECT_GT(twice, world.campaigns.size() / 4) << "budgets that bind on both days";
}

// Users' fatigue persists between their pages: the marketplace hands the response the user's own
// state. Every examined ad adds fatigue (0.01 by default) and it halves in 6 hours, so active users
// end the day with some: if the response's writes were lost, every user's fatigue would stay 0.
TEST(Marketplace, UsersFatigueIsKeptBetweenPages) {
  SmallRun setup;
  setup.config.run.auction_log_rate = 0.0;
  Checker check;
  auto m = setup.build();
  m->add_observer(check);
  const RunSummary s = m->run();
  EXPECT_GT(s.mean_fatigue, 0.0);
  std::size_t tired = 0;
  for (const IntervalMetrics& i : check.intervals) tired += i.mean_fatigue > 0 ? 1 : 0;
  EXPECT_EQ(tired, check.intervals.size()) << "every interval after the first page";
}

// The stop token set while run() is running (from an observer, as the app's Stop button does from
// another thread): the run returns at the next event, reports itself interrupted, and has
// simulated about as far as the token was set, not the whole day.
TEST(Marketplace, StopTokenSetDuringTheRunStopsIt) {
  SmallRun setup;
  setup.config.run.auction_log_rate = 0.0;
  struct StopAt : SimObserver {
    std::atomic<bool>* stop = nullptr;
    SimTime at = 0;
    std::uint64_t intervals_after_stop = 0;
    void on_interval(const IntervalMetrics& m) override {
      if (stop->load()) ++intervals_after_stop;
      if (m.end >= at) stop->store(true);
    }
  };
  std::atomic<bool> stop{false};
  StopAt observer;
  observer.stop = &stop;
  observer.at = 6 * kHour;
  auto m = setup.build();
  m->set_stop_token(&stop);
  m->add_observer(observer);
  const RunSummary s = m->run();
  EXPECT_TRUE(s.interrupted);
  EXPECT_GE(s.simulated, 6 * kHour);
  EXPECT_LT(s.simulated, 6 * kHour + kHour) << "stopped at the next event, not at the end of the day";
  EXPECT_LE(observer.intervals_after_stop, 1u) << "at most the closing partial interval";
  const RunSummary full = setup.build()->run();
  EXPECT_FALSE(full.interrupted);
  EXPECT_LT(s.totals.requests, full.totals.requests / 2);
}

// Ads that arrive during the run: the summary's counts agree with a recount from the auction log
// (every auction logged), and the end-of-run evaluation compares like with like: with the oracle
// click model the platform's pCTR is the true CTR, so the error is 0 and the ordering perfect.
struct NewAdRecount : SimObserver {
  const std::vector<SimTime>* arrival = nullptr;
  std::uint64_t impressions = 0;
  std::uint64_t logged = 0;
  void on_auction(const AuctionLogEntry& e) override {
    ++logged;
    for (const AuctionLogCandidate& c : e.candidates)
      if (c.slot >= 0 && (*arrival)[c.ad] > 0) ++impressions;
  }
};

TEST(Marketplace, NewAdTotalsCountWhatTheNewAdsGot) {
  SmallRun setup;
  setup.world.new_ad_share = 0.4;
  const auto world = setup.make_world();
  std::vector<SimTime> arrival(world->ads.size());
  std::uint64_t expected_ads = 0;
  for (AdId a = 0; a < world->ads.size(); ++a) {
    arrival[a] = std::max(world->ads.available_from[a], world->campaigns[world->ads.campaign[a]].flight_start);
    expected_ads += (arrival[a] > 0 && arrival[a] < kDay) ? 1 : 0;
  }
  ASSERT_GT(expected_ads, 50u);
  for (const bool oracle : {false, true}) {
    SCOPED_TRACE(oracle ? "oracle" : "historical");
    auto w = setup.make_world();
    MarketplaceComponents parts = setup.components(*w);
    if (oracle) parts.ctr_model = std::make_unique<models::OracleCtrModel>(*parts.truth);
    Marketplace market(std::move(w), setup.config, std::move(parts));
    NewAdRecount recount;
    recount.arrival = &arrival;
    market.add_observer(recount);
    const RunSummary s = market.run();
    const NewAdTotals& n = s.new_ads;
    ASSERT_EQ(recount.logged, s.totals.requests) << "every auction is logged";
    EXPECT_EQ(n.ads, expected_ads);
    EXPECT_EQ(n.impressions, recount.impressions);
    EXPECT_GT(n.impressions, 0u);
    EXPECT_LT(n.impressions, s.totals.impressions);
    EXPECT_LE(n.clicked, n.ads);
    EXPECT_LE(n.clicked, n.clicks);
    EXPECT_LT(n.clicks, s.totals.clicks);
    EXPECT_GT(n.revenue.micros, 0);
    EXPECT_LT(n.revenue.micros, s.totals.revenue.micros);
    if (oracle) {
      EXPECT_NEAR(n.ctr_error, 0.0, 1e-6);
      EXPECT_DOUBLE_EQ(n.ctr_rank_correlation, 1.0);
    } else {
      EXPECT_GT(n.ctr_error, 0.0);
      EXPECT_LT(n.ctr_rank_correlation, 1.0);
    }
  }
}

// An in-simulation A/B test: the arms partition users, requests, impressions, clicks and revenue;
// drawing the arms changes nothing else (an untreated split runs exactly as no split); and the
// treatment is applied to its arm's requests only.
TEST(Marketplace, ABArmsPartitionTheRunAndOnlyTheTreatmentArmIsTreated) {
  SmallRun setup;
  setup.config.run.auction_log_rate = 0.0;
  const RunSummary plain = setup.build()->run();
  EXPECT_EQ(plain.arms[0].users + plain.arms[1].users, 0u) << "no test, no arms";
  setup.config.ab_share = 0.5;
  const RunSummary split = setup.build()->run();
  EXPECT_EQ(split.totals.requests, plain.totals.requests);
  EXPECT_EQ(split.totals.clicks, plain.totals.clicks);
  EXPECT_EQ(split.totals.revenue, plain.totals.revenue);
  auto sums_to_totals = [](const RunSummary& s) {
    const ArmTotals& c = s.arms[0];
    const ArmTotals& t = s.arms[1];
    EXPECT_EQ(c.users + t.users, s.users);
    EXPECT_EQ(c.requests + t.requests, s.totals.requests);
    EXPECT_EQ(c.impressions + t.impressions, s.totals.impressions);
    EXPECT_EQ(c.clicks + t.clicks, s.totals.clicks);
    EXPECT_EQ((c.revenue + t.revenue).micros, s.totals.revenue.micros);
    EXPECT_GT(c.users, s.users / 3);  // about half each (5,000 users: sd 35)
    EXPECT_GT(t.users, s.users / 3);
  };
  sums_to_totals(split);
  setup.config.server.position_factors = {1.0, 0.7, 0.5, 0.35, 0.25, 0.2, 0.15, 0.1};
  setup.config.server.ab_slots = 8;
  const RunSummary treated = setup.build()->run();
  sums_to_totals(treated);
  const auto per_request = [](const ArmTotals& a) {
    return static_cast<double>(a.impressions) / static_cast<double>(a.requests);
  };
  EXPECT_LE(per_request(treated.arms[0]), 4.0);
  EXPECT_GT(per_request(treated.arms[1]), 4.0) << "only the treatment arm can show more than four ads";
}

// Per interval, the arms' counters add up to the run's, and each arm's users still there only fall
// (the treatment's eight slots tire its users faster; churn is raised so that some leave).
TEST(Marketplace, ABArmsPerIntervalAddUpToTheRunAndTrackWhoStays) {
  SmallRun setup;
  setup.config.run.auction_log_rate = 0.0;
  setup.truth.churn_base_logit = -6.0;
  setup.config.ab_share = 0.5;
  setup.config.server.position_factors = {1.0, 0.7, 0.5, 0.35, 0.25, 0.2, 0.15, 0.1};
  setup.config.server.ab_slots = 8;
  Checker watch;
  auto market = setup.build();
  market->add_observer(watch);
  const RunSummary s = market->run();
  ASSERT_GT(watch.intervals.size(), 10u);
  std::array<ArmTotals, 2> sum{};
  std::array<std::uint64_t, 2> last_users = {s.arms[0].users, s.arms[1].users};
  for (const IntervalMetrics& m : watch.intervals) {
    for (std::size_t a = 0; a < 2; ++a) {
      sum[a].requests += m.arms[a].requests;
      sum[a].impressions += m.arms[a].impressions;
      sum[a].clicks += m.arms[a].clicks;
      sum[a].revenue += m.arms[a].revenue;
      EXPECT_LE(m.arms[a].users, last_users[a]);
      last_users[a] = m.arms[a].users;
    }
    EXPECT_EQ(m.arms[0].users + m.arms[1].users, m.active_users);
  }
  for (std::size_t a = 0; a < 2; ++a) {
    EXPECT_EQ(sum[a].requests, s.arms[a].requests);
    EXPECT_EQ(sum[a].impressions, s.arms[a].impressions);
    EXPECT_EQ(sum[a].clicks, s.arms[a].clicks);
    EXPECT_EQ(sum[a].revenue.micros, s.arms[a].revenue.micros);
    EXPECT_LT(last_users[a], s.arms[a].users) << "some of arm " << a << "'s users left";
  }
  EXPECT_EQ(last_users[0] + last_users[1], s.active_users);
}

// Budget-split design: each arm spends only its part of every budget (a one-day run: daily budgets),
// and a campaign whose part for an arm is spent sits out that arm's auctions rather than winning
// clicks nobody pays for. Without the split, the arm with eight slots takes more than its half.
TEST(Marketplace, BudgetSplitKeepsEachArmToItsPartOfEveryBudget) {
  SmallRun setup;
  setup.config.run.auction_log_rate = 0.0;
  setup.config.ab_share = 0.5;
  setup.config.server.position_factors = {1.0, 0.7, 0.5, 0.35, 0.25, 0.2, 0.15, 0.1};
  setup.config.server.ab_slots = 8;
  const World world = *setup.make_world();
  double daily = 0;
  for (const Campaign& c : world.campaigns) daily += c.daily_budget.as_double_micros();
  const RunSummary shared = setup.build()->run();
  setup.config.ab_budget_split = true;
  const RunSummary split = setup.build()->run();
  const double half = 0.5 * daily;
  // Each arm's revenue is within its half of the daily budgets, plus what overspend there was.
  for (std::size_t a = 0; a < 2; ++a)
    EXPECT_LE(split.arms[a].revenue.as_double_micros(), half + split.totals.overspend.as_double_micros()) << a;
  EXPECT_GT(shared.arms[1].revenue.as_double_micros(), half + shared.totals.overspend.as_double_micros())
      << "sharing budgets, the eight-slot arm spends more than its half";
  // Unbilled clicks come only from clicks in flight when a budget (here an arm's part) runs out; a
  // split doubles the exhaustions, so at most about twice the shared run's. Campaigns still in
  // auctions of an arm whose part is spent would leave every later click of theirs unbilled.
  EXPECT_LT(split.totals.forgone.as_double_micros(), 2 * shared.totals.forgone.as_double_micros());
}

// Off-policy evaluation is pure observation: it draws nothing, so the run is the same with it. Its
// estimators, checked on the logged traffic of a run whose truth the simulator knows:
// - without exploration, evaluating the auction itself is exact on-policy averaging (every
//   propensity 1, every request a match), and any other target gets weight 1 on agreement only;
// - with exploration every eligible ad has propensity >= epsilon / |E|, so IPS and DR are unbiased
//   for the target's true top-slot click rate on the same requests. The tolerance is 4 of the run's
//   own standard errors (each estimate is a mean of about 32,000 bounded, martingale-difference
//   terms, close to normal): a correct estimator fails it about once in 16,000 runs.
TEST(Marketplace, OffPolicyEstimatesAreExactOnPolicyAndUnbiasedWithExploration) {
  SmallRun setup;
  setup.config.run.auction_log_rate = 0.0;
  const RunSummary plain = setup.build()->run();
  EXPECT_EQ(plain.off_policy.requests, 0u);

  setup.config.server.ope_target = OffPolicyTarget::kAuction;
  const RunSummary on_policy = setup.build()->run();
  EXPECT_EQ(on_policy.totals.clicks, plain.totals.clicks) << "evaluating must not change the run";
  EXPECT_EQ(on_policy.totals.revenue, plain.totals.revenue);
  const OffPolicyTotals& a = on_policy.off_policy;
  EXPECT_EQ(a.requests, plain.totals.requests);
  EXPECT_EQ(a.matches, a.requests);
  EXPECT_DOUBLE_EQ(a.weight, static_cast<double>(a.requests));
  EXPECT_DOUBLE_EQ(a.ips, a.reward);
  EXPECT_NEAR(a.reward, static_cast<double>(plain.totals.slot_clicks[0]), 0.0) << "the reward is the top slot's click";

  setup.config.server.ope_target = OffPolicyTarget::kTopPctr;
  const OffPolicyTotals b = setup.build()->run().off_policy;
  EXPECT_LT(b.matches, b.requests) << "the highest pCTR is not always the auction's winner";
  EXPECT_DOUBLE_EQ(b.weight, static_cast<double>(b.matches)) << "no exploration: weight 1 where the log agrees, else 0";

  setup.config.exploration_share = 0.3;
  const OffPolicyEstimates e = setup.build()->run().off_policy.estimates();
  ASSERT_GT(e.ips_se, 0.0);
  EXPECT_NEAR(e.ips, e.truth, 4 * e.ips_se);
  EXPECT_NEAR(e.dr, e.truth, 4 * e.dr_se);
  EXPECT_GT(e.truth, 0.0);
}

// Hand-computed: three requests, w = 1{match} / propensity.
//   p0    match r  r^(a) r^(t) truth | w  w r  DR term = r^(t) + w (r - r^(a))
//   0.5   yes   1  0.2   0.2   0.3   | 2  2    0.2 + 2 x 0.8    =  1.8
//   1.0   no    0  0.1   0.4   0.5   | 0  0    0.4              =  0.4
//   0.25  yes   0  0.3   0.3   0.2   | 4  0    0.3 + 4 x (-0.3) = -0.9
TEST(OffPolicyTotals, EstimatorsMatchAHandComputedExample) {
  OffPolicyTotals t;
  t.add({0.5, true, 1.0, 0.2, 0.2, 0.3});
  t.add({1.0, false, 0.0, 0.1, 0.4, 0.5});
  t.add({0.25, true, 0.0, 0.3, 0.3, 0.2});
  EXPECT_EQ(t.requests, 3u);
  EXPECT_EQ(t.matches, 2u);
  const OffPolicyEstimates e = t.estimates();
  EXPECT_DOUBLE_EQ(e.logged, 1.0 / 3);
  EXPECT_DOUBLE_EQ(e.truth, 1.0 / 3);
  EXPECT_DOUBLE_EQ(e.ips, 2.0 / 3);
  EXPECT_DOUBLE_EQ(e.snips, 2.0 / 6);
  EXPECT_DOUBLE_EQ(e.dm, 0.9 / 3);
  EXPECT_NEAR(e.dr, 1.3 / 3, 1e-12);
  // Terms {2, 0, 0}: sample variance 4/3, so the standard error of the mean is sqrt(4/9) = 2/3.
  EXPECT_NEAR(e.ips_se, 2.0 / 3, 1e-12);
  // Terms {1.8, 0.4, -0.9}: sample variance 1.8233..., standard error 0.77960...
  EXPECT_NEAR(e.dr_se, 0.7796010375684334, 1e-12);
}

TEST(OffPolicyTotals, NothingToEstimateIsNaN) {
  const OffPolicyEstimates e = OffPolicyTotals{}.estimates();
  EXPECT_TRUE(std::isnan(e.ips) && std::isnan(e.dr) && std::isnan(e.truth) && std::isnan(e.ips_se));
  OffPolicyTotals none_matched;
  none_matched.add({1.0, false, 0.0, 0.1, 0.2, 0.3});
  EXPECT_TRUE(std::isnan(none_matched.estimates().snips));
  EXPECT_DOUBLE_EQ(none_matched.estimates().ips, 0.0);
}

TEST(RankCorrelation, SpearmanWithAverageRanksForTies) {
  const std::vector<double> x = {1, 2, 3, 4}, y = {10, 30, 20, 40};
  EXPECT_NEAR(rank_correlation(x, y), 0.8, 1e-12);  // 1 - 6 x 2 / (4 x 15)
  const std::vector<double> reversed = {4, 3, 2, 1};
  EXPECT_NEAR(rank_correlation(x, reversed), -1.0, 1e-12);
  // Ties share their mean rank: ranks (0.5, 0.5, 2) against (0, 1, 2) give 1.5 / sqrt(1.5 x 2).
  const std::vector<double> tied = {1, 1, 2}, z = {5, 6, 7};
  EXPECT_NEAR(rank_correlation(tied, z), 1.5 / std::sqrt(3.0), 1e-12);
  const std::vector<double> flat = {2, 2, 2};
  EXPECT_TRUE(std::isnan(rank_correlation(flat, z)));
  EXPECT_TRUE(std::isnan(rank_correlation(std::vector<double>{1}, std::vector<double>{1})));
}

}  // namespace
}  // namespace adsim::core

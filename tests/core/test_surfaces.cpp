// Request surfaces (feed, search): query-category retrieval, segment reserves, per-surface counters,
// and that a run without search traffic is exactly the run it was before surfaces existed.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <set>

#include "core/candidate_funnel.hpp"
#include "core/marketplace.hpp"
#include "core/world_generator.hpp"
#include "user_request.hpp"
#include "models/ground_truth.hpp"
#include "models/historical_ctr.hpp"
#include "reference_gsp.hpp"
#include "small_run.hpp"

namespace adsim::core {
namespace {

// A constant-prediction click model that keeps every impression it is taught with.
struct RecordingModel final : CtrModel {
  std::vector<LoggedImpression> seen;
  std::string_view name() const override { return "recording"; }
  void predict(const RequestContext&, std::span<const AdId>, std::span<float> p) override { std::fill(p.begin(), p.end(), 0.03f); }
  void learn(std::span<const LabeledExample> examples) override {
    for (const auto& e : examples) seen.push_back(e.impression);
  }
};

// The shared small run without the auction log (these tests do not read it).
struct SmallRun : testing::SmallRun {
  SmallRun() { config.run.auction_log_rate = 0.0; }
};

struct Intervals : SimObserver {
  std::vector<IntervalMetrics> all;
  void on_interval(const IntervalMetrics& m) override { all.push_back(m); }
};

void expect_identical(const RunSummary& a, const RunSummary& b) {
  EXPECT_EQ(a.totals.requests, b.totals.requests);
  EXPECT_EQ(a.totals.impressions, b.totals.impressions);
  EXPECT_EQ(a.totals.clicks, b.totals.clicks);
  EXPECT_EQ(a.totals.revenue, b.totals.revenue);
  EXPECT_EQ(a.totals.hides, b.totals.hides);
  EXPECT_EQ(a.totals.reserve_bound, b.totals.reserve_bound);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.totals.sum_pctr_shown, b.totals.sum_pctr_shown);
  EXPECT_EQ(a.totals.sum_true_ctr_shown, b.totals.sum_true_ctr_shown);
  for (std::size_t c = 0; c < a.campaigns.size(); ++c) EXPECT_EQ(a.campaigns[c].spend, b.campaigns[c].spend);
}

TEST(Surfaces, NoSearchShareLeavesTheRunIdenticalWhateverTheSearchKnobs) {
  SmallRun base;
  const RunSummary a = base.build()->run();
  // Every search knob changed, but no search traffic: the run must not move by one bit.
  SmallRun knobs;
  knobs.config.traffic.search_query_from_interests = 0.1;
  knobs.truth.search_match_odds = 7.0;
  knobs.config.server.surface_reserves_micros = {0.0, 900'000.0};
  knobs.config.server.query_category_reserves_micros.assign(20, 800'000.0);
  const RunSummary b = knobs.build()->run();
  expect_identical(a, b);
  EXPECT_EQ(b.totals.surface[surface_index(Surface::kSearch)].requests, 0u);
  EXPECT_EQ(b.totals.surface[surface_index(Surface::kFeed)].requests, b.totals.requests);
}

TEST(Surfaces, PerSurfaceCountersSumToTheTotalsExactly) {
  SmallRun setup;
  setup.config.traffic.search_share = 0.4;
  Intervals obs;
  auto m = setup.build();
  m->add_observer(obs);
  const RunSummary s = m->run();
  auto check = [](const Counters& c) {
    SurfaceCounters sum;
    for (const auto& x : c.surface) sum += x;
    EXPECT_EQ(sum.requests, c.requests);
    EXPECT_EQ(sum.filled_requests, c.filled_requests);
    EXPECT_EQ(sum.impressions, c.impressions);
    EXPECT_EQ(sum.clicks, c.clicks);
    EXPECT_EQ(sum.revenue, c.revenue);
    EXPECT_EQ(sum.reserve_bound, c.reserve_bound);
    EXPECT_EQ(sum.reserve_excluded, c.reserve_excluded);
  };
  check(s.totals);
  for (const auto& i : obs.all) check(i.counts);
  // Search share ~ Binomial(requests, 0.4): 5 standard deviations.
  const double n = static_cast<double>(s.totals.requests);
  const double search = static_cast<double>(s.totals.surface[surface_index(Surface::kSearch)].requests);
  EXPECT_NEAR(search / n, 0.4, 5 * std::sqrt(0.4 * 0.6 / n));
  EXPECT_GT(s.totals.surface[surface_index(Surface::kSearch)].clicks, 0u);
}

TEST(Surfaces, SearchShowsOnlyAdsOfTheQueryCategoryAndLogsWhatWasServed) {
  SmallRun setup;
  setup.config.traffic.search_share = 0.5;
  setup.config.traffic.search_query_from_interests = 1.0;
  auto recorder = std::make_unique<RecordingModel>();
  RecordingModel* rec = recorder.get();
  auto m = setup.build(std::move(recorder));
  m->run();
  const World& w = m->world();
  std::size_t search = 0, feed = 0, feed_off_interest = 0;
  for (const LoggedImpression& i : rec->seen) {
    if (i.surface == Surface::kSearch) {
      ++search;
      ASSERT_LT(i.query_category, w.num_categories);
      EXPECT_EQ(w.ads.category[i.ad], i.query_category) << "search impression of another category";
      // Queries come from the user's top interests when the probability is 1.
      EXPECT_TRUE((w.users.interests[i.user] >> i.query_category) & 1u);
    } else {
      ++feed;
      EXPECT_EQ(i.query_category, kNoQueryCategory);
      const std::uint16_t c = w.ads.category[i.ad];
      feed_off_interest += ((w.users.interests[i.user] >> c) & 1u) ? 0 : 1;
    }
  }
  EXPECT_GT(search, 1000u);
  EXPECT_GT(feed, 1000u);
  EXPECT_GT(feed_off_interest, 0u) << "feed is not restricted to one category";
}

TEST(Surfaces, AuctionLogRecordsTheSurfaceAndSearchAuctionsHoldOnlyQueryCategoryAds) {
  SmallRun setup;
  setup.config.traffic.search_share = 0.5;
  setup.config.run.auction_log_rate = 0.2;
  struct Log : SimObserver {
    std::vector<AuctionLogEntry> entries;
    void on_auction(const AuctionLogEntry& e) override { entries.push_back(e); }
  } log;
  auto m = setup.build();
  m->add_observer(log);
  m->run();
  std::size_t search = 0, feed = 0;
  for (const AuctionLogEntry& e : log.entries) {
    if (e.surface == Surface::kSearch) {
      ++search;
      for (const AuctionLogCandidate& c : e.candidates) EXPECT_EQ(m->world().ads.category[c.ad], e.query_category);
    } else {
      ++feed;
      EXPECT_EQ(e.query_category, kNoQueryCategory);
    }
  }
  EXPECT_GT(search, 500u);
  EXPECT_GT(feed, 500u);
}

TEST(Surfaces, FunnelOnSearchKeepsExactlyTheFeedCandidatesOfTheQueryCategory) {
  WorldSpec spec;
  spec.users = 500;
  spec.advertisers = 20;
  spec.campaigns = 80;
  spec.ads = 400;
  const World world = generate_world(spec, RandomStreams(3), kDay);
  FunnelSpec f;
  f.prerank_keep = 1000;  // keeps everything: the kept sets are the eligible sets
  f.rank_keep = 1000;
  CandidateFunnel funnel(world, f);
  for (AdId a = 0; a < world.ads.size(); ++a) funnel.set_ad_live(a, world.ads.available_from[a] == 0 && a % 7 != 0);
  for (UserId u = 0; u < 50; ++u) {
    RequestContext r = testing::user_request(world, u);
    funnel.run(r);
    std::set<AdId> feed(funnel.ads().begin(), funnel.ads().end());
    for (int q = 0; q < world.num_categories; ++q) {
      RequestContext s = r;
      s.surface = Surface::kSearch;
      s.query_category = static_cast<std::uint16_t>(q);
      const auto counts = funnel.run(s);
      const std::set<AdId> got(funnel.ads().begin(), funnel.ads().end());
      std::set<AdId> expected;
      for (AdId a : feed)
        if (world.ads.category[a] == q) expected.insert(a);
      EXPECT_EQ(got, expected) << "user " << u << " query " << q;
      EXPECT_EQ(counts.retrieved, expected.size());
    }
  }
}

TEST(Surfaces, SegmentReserveBindsOnlyOnItsSegment) {
  SmallRun none;
  none.config.traffic.search_share = 0.5;
  const RunSummary a = none.build()->run();
  SmallRun surface = none;
  surface.config.server.surface_reserves_micros = {0.0, 1'200'000.0};  // search only
  const RunSummary b = surface.build()->run();
  SmallRun category = none;
  category.config.server.query_category_reserves_micros.assign(20, 1'200'000.0);  // search only, every query (20 categories)
  const RunSummary c = category.build()->run();
  const auto F = surface_index(Surface::kFeed), S = surface_index(Surface::kSearch);
  auto bind_rate = [](const SurfaceCounters& x) {
    return x.impressions ? static_cast<double>(x.reserve_bound) / static_cast<double>(x.impressions) : 0.0;
  };
  auto avg_price = [](const SurfaceCounters& x) { return x.sum_price_shown / static_cast<double>(x.impressions); };
  for (const RunSummary* r : {&b, &c}) {
    // Search prices are at least the segment reserve, and the reserve sets many of them: we call 0.2
    // more of the impressions "many". Seed 11 gives 22 % of 12,803 search impressions without it and
    // 55 % of 1,287 with it; the binomial sd of the difference is sqrt(.22 x .78 / 12803 + .55 x .45 /
    // 1287) = 0.014, so a correct reserve misses the 0.2 mark only if it moved the rate 8 sd.
    EXPECT_GE(avg_price(r->totals.surface[S]), 1'200'000.0);
    EXPECT_GT(bind_rate(r->totals.surface[S]), bind_rate(a.totals.surface[S]) + 0.2);
    EXPECT_GT(r->totals.surface[S].reserve_excluded, a.totals.surface[S].reserve_excluded);
    // Feed keeps the global reserve: its prices stay below the segment reserve on average, and the
    // reserve does not bind more often there (it moves only through budgets: search spends less, so
    // feed auctions get more competitive; seed 11: 4.8 % of 51,336 -> 1.4 % of 60,895 feed
    // impressions). The slack 0.01 is 9 binomial sd of the difference (sqrt(.048 x .952 / 51336 +
    // .014 x .986 / 60895) = 0.0011): room for noise, none for a reserve that leaked into the feed.
    EXPECT_LT(avg_price(r->totals.surface[F]), 1'200'000.0);
    EXPECT_LE(bind_rate(r->totals.surface[F]), bind_rate(a.totals.surface[F]) + 0.01);
  }
  // A query-category reserve on every category is the search surface reserve.
  EXPECT_EQ(b.totals.revenue, c.totals.revenue);
  EXPECT_EQ(b.totals.surface[S].reserve_bound, c.totals.surface[S].reserve_bound);
}

TEST(Surfaces, SearchIntentRaisesSearchCtr) {
  SmallRun setup;
  setup.config.traffic.search_share = 0.5;
  setup.truth.search_match_odds = 3.0;
  const RunSummary s = setup.build()->run();
  const auto& feed = s.totals.surface[surface_index(Surface::kFeed)];
  const auto& search = s.totals.surface[surface_index(Surface::kSearch)];
  const double ctr_feed = static_cast<double>(feed.clicks) / static_cast<double>(feed.impressions);
  const double ctr_search = static_cast<double>(search.clicks) / static_cast<double>(search.impressions);
  // Odds x3 on every search impression: search CTR well above 1.5x feed CTR (thousands of clicks).
  EXPECT_GT(ctr_search, 1.5 * ctr_feed) << ctr_search << " vs " << ctr_feed;
}

}  // namespace
}  // namespace adsim::core

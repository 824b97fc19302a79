// Search features of the click model (surface, query category, query match) and the search intent
// of the hidden truth.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "core/random_streams.hpp"
#include "core/vector_math.hpp"
#include "core/world_generator.hpp"
#include "models/features.hpp"
#include "models/ground_truth.hpp"
#include "models/hashed_logistic_learner.hpp"

namespace adsim::models {
namespace {

core::World small_world(int categories = 10) {
  core::WorldSpec w;
  w.users = 2000;
  w.ads = 300;
  w.campaigns = 60;
  w.advertisers = 20;
  w.interest_categories = categories;
  return core::generate_world(w, core::RandomStreams(7), 30 * core::kDay);
}

core::RequestContext request_of(const core::World& world, core::UserId u, core::SimTime t) {
  core::RequestContext r;
  r.time = t;
  r.user = u;
  r.region = world.users.region[u];
  r.age_band = world.users.age_band[u];
  r.device = world.users.device[u];
  r.hour = static_cast<std::uint8_t>(core::time_of_day(t) / core::kHour);
  r.interests = world.users.interests[u];
  r.user_embedding = world.users.embedding_of(u);
  return r;
}

std::vector<std::uint32_t> features(const FeatureExtractor& fx, const UserContext& u, core::AdId ad) {
  std::array<std::uint32_t, kMaxFeatures> out{};
  const int n = fx.extract(u, ad, out);
  return {out.begin(), out.begin() + n};
}

TEST(SearchFeatures, TrainingSeesTheSurfaceAndQueryTheServerSaw) {
  const core::World world = small_world();
  const FeatureExtractor fx(FeatureConfig{}, FeatureContext::from(world));
  core::RequestContext search = request_of(world, 3, 5 * core::kHour);
  search.surface = core::Surface::kSearch;
  search.query_category = world.ads.category[17];
  core::RequestContext feed = search;
  feed.surface = core::Surface::kFeed;
  feed.query_category = core::kNoQueryCategory;

  // The impression logged at serving time carries the request's surface and query category, so the
  // features training extracts are exactly those serving extracted.
  core::LoggedImpression logged;
  logged.user = search.user;
  logged.ad = 17;
  logged.region = search.region;
  logged.age_band = search.age_band;
  logged.device = search.device;
  logged.hour = search.hour;
  logged.slot = 0;
  logged.surface = search.surface;
  logged.query_category = search.query_category;
  const auto served = features(fx, UserContext::of_request(search, 0), 17);
  const auto trained = features(fx, UserContext::of_impression(logged, fx.interests_of(logged.user)), 17);
  EXPECT_EQ(served, trained);

  // Feed requests have none of the search features: 3 fewer (surface, query category, match).
  const auto feed_features = features(fx, UserContext::of_request(feed, 0), 17);
  EXPECT_EQ(served.size(), feed_features.size() + 3);
  EXPECT_NE(served, feed_features);
  // The query-match feature tells a matching ad from one of another category.
  core::AdId other = 0;
  while (world.ads.category[other] == search.query_category) ++other;
  core::RequestContext search_other = search;
  search_other.query_category = world.ads.category[other];
  const auto a = features(fx, UserContext::of_request(search, 0), other);
  const auto b = features(fx, UserContext::of_request(search_other, 0), other);
  EXPECT_NE(a, b);
  // Switched off, a search request extracts the feed features.
  FeatureConfig off;
  off.query_features = false;
  const FeatureExtractor fx_off(off, FeatureContext::from(world));
  EXPECT_EQ(features(fx_off, UserContext::of_request(search, 0), 17), features(fx_off, UserContext::of_request(feed, 0), 17));
}

TEST(SearchTruth, MatchingAdsOnSearchHaveTheirClickOddsMultiplied) {
  const core::World world = small_world();
  GroundTruthParams params;
  params.search_match_odds = 3.0;
  const GroundTruth truth(world, params);
  core::RequestContext feed = request_of(world, 5, core::kHour);
  core::RequestContext search = feed;
  search.surface = core::Surface::kSearch;
  const core::AdId ad = 11;
  search.query_category = world.ads.category[ad];
  std::array<core::AdId, 1> ads{ad};
  std::array<float, 1> p_feed{}, p_search{}, p_other{};
  truth.true_ctr(feed, ads, p_feed);
  truth.true_ctr(search, ads, p_search);
  auto odds = [](double p) { return p / (1 - p); };
  EXPECT_NEAR(odds(p_search[0]) / odds(p_feed[0]), 3.0, 1e-4);  // examination(0) = 1
  search.query_category = static_cast<std::uint16_t>((world.ads.category[ad] + 1) % world.num_categories);
  truth.true_ctr(search, ads, p_other);
  EXPECT_FLOAT_EQ(p_other[0], p_feed[0]);  // a non-matching ad on search: no intent
}

// Search traffic where the ads shown are of any category (not only the query's), and matching the
// query multiplies the click odds by 4: the logistic model with the query-match feature ranks
// better than the same model without it.
TEST(SearchFeatures, QueryMatchFeatureImprovesAucOnSearchTraffic) {
  const core::World world = small_world();
  GroundTruthParams params;
  params.search_match_odds = 4.0;
  const GroundTruth truth(world, params);
  LearnerConfig with;
  with.features.hash_bits = 18;
  with.ftrl = FtrlParams{0.05, 1.0, 1.0, 1.0};
  LearnerConfig without = with;
  without.features.query_features = false;
  HashedLogisticLearner lr_with(world, with, LearnTarget::kClick, core::RandomStreams(1).stream("ds"));
  HashedLogisticLearner lr_without(world, without, LearnTarget::kClick, core::RandomStreams(1).stream("ds"));

  core::Rng rng = core::RandomStreams(9).stream("test.search");
  boost::random::uniform_int_distribution<core::UserId> user(0, static_cast<core::UserId>(world.users.size() - 1));
  boost::random::uniform_int_distribution<core::AdId> any_ad(0, static_cast<core::AdId>(world.ads.size() - 1));
  boost::random::uniform_int_distribution<int> category(0, world.num_categories - 1);
  std::vector<core::LabeledExample> batch;
  std::uint64_t id = 0;
  core::SimTime t = 0;
  std::uint64_t clicks = 0;
  for (int r = 0; r < 40'000; ++r) {
    t += core::kSecond;
    core::RequestContext req = request_of(world, user(rng), t);
    req.surface = core::Surface::kSearch;
    req.query_category = static_cast<std::uint16_t>(category(rng));
    batch.clear();
    for (int k = 0; k < 4; ++k) {
      // Half of the ads shown match the query, so both values of the feature are well represented.
      core::AdId ad = any_ad(rng);
      if (k % 2 == 0)
        for (int tries = 0; tries < 1000 && world.ads.category[ad] != req.query_category; ++tries) ad = any_ad(rng);
      std::array<core::AdId, 1> one{ad};
      std::array<float, 1> p{};
      truth.true_ctr(req, one, p);
      core::LabeledExample e;
      core::LoggedImpression& i = e.impression;
      i.impression_id = id++;
      i.served_at = t;
      i.user = req.user;
      i.ad = ad;
      i.campaign = world.ads.campaign[ad];
      i.region = req.region;
      i.age_band = req.age_band;
      i.device = req.device;
      i.hour = req.hour;
      i.surface = req.surface;
      i.query_category = req.query_category;
      e.clicked = boost::random::bernoulli_distribution<double>(p[0])(rng);
      e.released_at = t;
      clicks += e.clicked;
      batch.push_back(e);
    }
    lr_with.learn(batch);
    lr_without.learn(batch);
  }
  // 160,000 examples with ~14,000 clicks: the standard error of each AUC is about 0.003, and the
  // two are measured on the same examples, so their difference varies less. The query match moves
  // the logit by ln 4 = 1.4 between two halves of the data: seed 9 gives 0.703 with the feature
  // and 0.628 without, so a 0.02 margin is many standard errors.
  ASSERT_GT(clicks, 5000u);
  const double auc_with = lr_with.validator().total().auc, auc_without = lr_without.validator().total().auc;
  EXPECT_GT(auc_with, auc_without + 0.02) << "with " << auc_with << " without " << auc_without;
}

}  // namespace
}  // namespace adsim::models

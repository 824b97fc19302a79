// The hidden truth's clickbait knobs: a negative quality weight makes poor ads the likelier clicks,
// and a click on a poor ad leaves the user regret (fatigue), none on an ad of quality 0.5 or more.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/random_streams.hpp"
#include "core/world_generator.hpp"
#include "models/ground_truth.hpp"

namespace adsim::models {
namespace {

core::World small_world() {
  core::WorldSpec w;
  w.users = 500;
  w.ads = 200;
  w.campaigns = 40;
  w.advertisers = 10;
  return core::generate_world(w, core::RandomStreams(3), core::kDay);
}

core::RequestContext request_of(const core::World& world, core::UserId u) {
  core::RequestContext r;
  r.time = core::kHour;
  r.user = u;
  r.region = world.users.region[u];
  r.age_band = world.users.age_band[u];
  r.interests = world.users.interests[u];
  r.user_embedding = world.users.embedding_of(u);
  return r;
}

double odds(double p) { return p / (1.0 - p); }

TEST(GroundTruthClickbait, NegativeQualityWeightMultipliesTheClickOddsOfPoorAds) {
  const core::World world = small_world();
  GroundTruthParams plain, bait;
  plain.quality_weight = 0.0;
  bait.quality_weight = -3.0;
  const GroundTruth a(world, plain), b(world, bait);
  const core::RequestContext r = request_of(world, 7);
  for (core::AdId ad = 0; ad < 20; ++ad) {
    std::array<core::AdId, 1> ads{ad};
    std::array<float, 1> p_plain{}, p_bait{};
    a.true_ctr(r, ads, p_plain);
    b.true_ctr(r, ads, p_bait);
    // The logit gains -3 (q - 0.5): odds x exp(-3 (q - 0.5)), above 1 exactly for q < 0.5.
    const double q = world.ads.true_quality[ad];
    EXPECT_NEAR(odds(p_bait[0]) / odds(p_plain[0]), std::exp(-3.0 * (q - 0.5)), 1e-4) << "ad " << ad;
  }
}

TEST(GroundTruthClickbait, ConversionProbabilityScalesWithQuality) {
  // What efficiency weighs a click by: conversion_rate x 2 x quality, capped at 1.
  const core::World world = small_world();
  GroundTruthParams p;
  p.conversion_rate = 0.3;
  const GroundTruth truth(world, p);
  for (core::AdId ad = 0; ad < 50; ++ad)
    EXPECT_DOUBLE_EQ(truth.conversion_probability(ad), std::min(1.0, 0.6 * world.ads.true_quality[ad])) << ad;
  p.conversion_rate = 0.9;
  const GroundTruth capped(world, p);
  for (core::AdId ad = 0; ad < 50; ++ad) EXPECT_LE(capped.conversion_probability(ad), 1.0);
}

TEST(GroundTruthClickbait, AClickOnAPoorAdLeavesRegret) {
  const core::World world = small_world();
  GroundTruthParams p;
  p.base_logit = 30.0;  // every examined ad is clicked
  p.examination = {1.0};
  p.fatigue_per_impression = 0.0;
  p.fatigue_per_bad_click = 0.8;
  p.churn_base_logit = -30.0;
  const GroundTruth truth(world, p);
  const core::RequestContext r = request_of(world, 3);
  core::Rng rng = core::RandomStreams(5).stream("test");
  int poor = 0, good = 0;
  for (core::AdId ad = 0; ad < world.ads.size(); ++ad) {
    float fatigue = 0.0f;
    core::SimTime updated = r.time;
    core::UserState state{fatigue, updated};
    std::array<core::ShownAd, 1> shown{core::ShownAd{ad, 0}};
    std::array<core::ImpressionOutcome, 1> out{};
    truth.respond(r, shown, out, state, rng);
    ASSERT_TRUE(out[0].clicked);
    const double q = world.ads.true_quality[ad];
    EXPECT_NEAR(fatigue, 0.8 * std::max(0.0, 1.0 - 2.0 * q), 1e-6) << "ad " << ad << " quality " << q;
    (q < 0.5 ? poor : good) += 1;
  }
  EXPECT_GT(poor, 10);  // both kinds were tried
  EXPECT_GT(good, 10);
}

}  // namespace
}  // namespace adsim::models

namespace adsim::models {
namespace {

// Novelty: a treated user's click logit gains novelty_logit x 2^(-t / half-life); the control arm's
// is untouched. Checked on the click odds (examination 1): odds ratio e^(novelty at t).
TEST(GroundTruthNovelty, TreatedUsersClickMoreAtFirstAndTheEffectHalvesEachHalfLife) {
  const core::World world = small_world();
  GroundTruthParams params;
  params.novelty_logit = 0.8;
  params.novelty_half_life_days = 2.0;
  const GroundTruth plain(world, GroundTruthParams{}), novel(world, params);
  for (const core::SimTime t : {core::SimTime{0}, 2 * core::kDay, 4 * core::kDay}) {
    core::RequestContext control = request_of(world, 7);
    control.time = t;
    core::RequestContext treated = control;
    treated.arm = 1;
    const std::array<core::AdId, 2> ads = {3, 150};
    std::array<float, 2> p0{}, p_control{}, p_treated{};
    plain.true_ctr(treated, ads, p0);
    novel.true_ctr(control, ads, p_control);
    novel.true_ctr(treated, ads, p_treated);
    const double expected = 0.8 * std::exp2(-static_cast<double>(t) / static_cast<double>(2 * core::kDay));
    for (std::size_t i = 0; i < ads.size(); ++i) {
      EXPECT_EQ(p_control[i], p0[i]) << "the control arm has no novelty";
      // float outputs: the log odds ratio is good to about 1e-6.
      EXPECT_NEAR(std::log(odds(p_treated[i]) / odds(p0[i])), expected, 1e-5) << "t = " << t;
    }
  }
}

}  // namespace
}  // namespace adsim::models

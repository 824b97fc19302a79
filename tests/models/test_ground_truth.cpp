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

// Fatigue: every ad examined adds fatigue_per_impression, a hide fatigue_per_hide, a report
// fatigue_per_report (a reported ad also counts as hidden), and a click on a poor ad its regret; the
// response writes the new value into the user's state, stamped with the page's time. Checked by
// recomputing the sum from the sampled outcomes of many pages.
TEST(GroundTruthFatigue, RisesByWhatEachPageDidAndIsSavedInTheUsersState) {
  const core::World world = small_world();
  GroundTruthParams params;
  params.fatigue_per_impression = 0.05;
  params.fatigue_per_hide = 0.3;
  params.fatigue_per_report = 1.0;
  params.fatigue_per_bad_click = 0.2;
  params.hide_base_logit = -1.0;  // hides common enough to be counted
  const GroundTruth truth(world, params);
  core::Rng rng(5);
  int examined = 0, hides = 0;
  for (int page = 0; page < 200; ++page) {
    core::RequestContext r = request_of(world, static_cast<core::UserId>(page % 50));
    r.time = core::kHour;
    float fatigue = 0.0f;
    core::SimTime updated = r.time;
    core::UserState state{fatigue, updated};
    const std::array<core::ShownAd, 4> shown = {{{static_cast<core::AdId>(page % 200), 0},
                                                {static_cast<core::AdId>((page + 1) % 200), 1},
                                                {static_cast<core::AdId>((page + 2) % 200), 2},
                                                {static_cast<core::AdId>((page + 3) % 200), 3}}};
    std::array<core::ImpressionOutcome, 4> out{};
    truth.respond(r, shown, out, state, rng);
    double expected = 0.0;
    for (std::size_t i = 0; i < shown.size(); ++i) {
      const core::ImpressionOutcome& o = out[i];
      if (!o.examined) continue;
      ++examined;
      expected += params.fatigue_per_impression;
      if (o.clicked) expected += params.fatigue_per_bad_click * std::max(0.0, 1.0 - 2.0 * world.ads.true_quality[shown[i].ad]);
      if (o.reported) expected += params.fatigue_per_report;
      else if (o.hidden) expected += params.fatigue_per_hide;
      hides += o.hidden ? 1 : 0;
    }
    EXPECT_NEAR(fatigue, expected, 1e-5) << "page " << page;
    EXPECT_EQ(updated, r.time);
  }
  EXPECT_GT(examined, 300);
  EXPECT_GT(hides, 10);
}

// Fatigue decays exponentially with its half-life.
TEST(GroundTruthFatigue, DecaysWithItsHalfLife) {
  const core::World world = small_world();
  GroundTruthParams params;
  params.fatigue_half_life_hours = 6.0;
  const GroundTruth truth(world, params);
  EXPECT_NEAR(truth.decayed_fatigue(2.0, core::kHour, core::kHour + 6 * core::kHour), 1.0, 1e-12);
  EXPECT_NEAR(truth.decayed_fatigue(2.0, 0, 18 * core::kHour), 0.25, 1e-12);
  EXPECT_EQ(truth.decayed_fatigue(2.0, 5 * core::kHour, 5 * core::kHour), 2.0);
  EXPECT_NEAR(truth.fatigue_at(2.0f, 0, 6 * core::kHour), 1.0, 1e-6);
}

}  // namespace
}  // namespace adsim::models

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <numeric>
#include <vector>

#include "core/random_streams.hpp"
#include "models/exploration.hpp"
#include "models/global_ctr_model.hpp"
#include "models/historical_ctr.hpp"
#include "models/negative_feedback_model.hpp"
#include "synthetic_log.hpp"

namespace adsim::models {
namespace {

TEST(Exploration, OptimismBonusByHand) {
  // p = 0.04, n = 0, c = 1: sqrt(0.04 · 0.96 / 1) = 0.1959592
  EXPECT_NEAR(optimism_bonus(0.04, 0, 1.0), 0.1959592, 1e-7);
  // n = 99: sqrt(0.0384 / 100) = 0.0195959
  EXPECT_NEAR(optimism_bonus(0.04, 99, 1.0), 0.0195959, 1e-7);
  EXPECT_DOUBLE_EQ(optimism_bonus(0.0, 0, 1.0), 0.0);
  std::vector<float> p = {0.04f, 0.04f, 0.9f};
  const std::vector<std::uint64_t> n = {0, 99, 0};
  add_optimism_bonus(p, n, 1.0);
  EXPECT_NEAR(p[0], 0.04 + 0.1959592, 1e-6);
  EXPECT_NEAR(p[1], 0.04 + 0.0195959, 1e-6);
  EXPECT_NEAR(p[2], 0.999, 1e-6);  // 0.9 + 0.3 capped
  std::vector<float> q = {0.04f};
  const std::vector<std::uint64_t> m = {0};
  add_optimism_bonus(q, m, 0.0);
  EXPECT_EQ(q[0], 0.04f);
}

TEST(Exploration, EpsilonShareOfRequests) {
  core::Rng rng = core::RandomStreams(1).stream("exploration");
  int explored = 0;
  const int n = 100'000;
  for (int i = 0; i < n; ++i) explored += explore_request(rng, 0.1) ? 1 : 0;
  // Binomial(1e5, 0.1): sd = 95; 5 sd = 0.005 of the share.
  EXPECT_NEAR(static_cast<double>(explored) / n, 0.1, 0.005);
  // ε = 0 draws nothing.
  core::Rng a = core::RandomStreams(1).stream("exploration");
  core::Rng b = a;
  EXPECT_FALSE(explore_request(a, 0.0));
  EXPECT_EQ(a(), b());
}

TEST(Exploration, ShuffleIsAUniformPermutation) {
  core::Rng rng = core::RandomStreams(2).stream("exploration");
  std::array<int, 3> first{};
  const int n = 60'000;
  for (int i = 0; i < n; ++i) {
    std::array<std::uint32_t, 3> order = {0, 1, 2};
    shuffle(order, rng);
    std::array<std::uint32_t, 3> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(sorted, (std::array<std::uint32_t, 3>{0, 1, 2}));
    ++first[order[0]];
  }
  // Each element first 1/3 of the time: sd = 0.0019, tolerance 5 sd.
  for (int f : first) EXPECT_NEAR(static_cast<double>(f) / n, 1.0 / 3.0, 0.01);
  // Deterministic per stream.
  core::Rng a = core::RandomStreams(3).stream("x"), b = core::RandomStreams(3).stream("x");
  std::vector<std::uint32_t> u(20), v(20);
  std::iota(u.begin(), u.end(), 0u);
  std::iota(v.begin(), v.end(), 0u);
  shuffle(u, a);
  shuffle(v, b);
  EXPECT_EQ(u, v);
}

core::LabeledExample example(bool clicked, core::SimTime released) {
  core::LabeledExample e;
  e.clicked = clicked;
  e.released_at = released;
  return e;
}

TEST(GlobalCtrModel, SmoothedRateAndDecay) {
  GlobalCtrModel m(GlobalCtrConfig{0.02, 100.0, 0.0});
  EXPECT_DOUBLE_EQ(m.rate(), 0.02);
  std::vector<core::LabeledExample> ex;
  for (int i = 0; i < 900; ++i) ex.push_back(example(i < 90, 0));
  m.learn(ex);
  // (90 + 100 · 0.02) / (900 + 100) = 0.092
  EXPECT_NEAR(m.rate(), 0.092, 1e-12);
  std::vector<float> p(3);
  const std::vector<core::AdId> ads = {1, 2, 3};
  m.predict(core::RequestContext{}, ads, p);
  EXPECT_FLOAT_EQ(p[2], 0.092f);

  GlobalCtrModel d(GlobalCtrConfig{0.02, 0.0, 1.0});
  d.learn(ex);
  std::vector<core::LabeledExample> later = {example(false, core::kHour)};
  d.learn(later);
  // One half-life later: 450 impressions and 45 clicks, plus one impression.
  EXPECT_NEAR(d.impressions(), 451.0, 1e-9);
  EXPECT_NEAR(d.clicks(), 45.0, 1e-9);
}

TEST(BaselineModels, CountThePredictionsServedBeforeTheyLearnt) {
  // Both baselines serve their prior until the first example: every such prediction is counted,
  // none after (an empty batch teaches nothing, so it does not end the cold start).
  GlobalCtrModel global(GlobalCtrConfig{0.02, 100.0, 0.0});
  HistoricalCtrModel historical(10, 0.02, 200.0, {1.0});
  const std::vector<core::AdId> ads = {1, 2, 3};
  std::vector<float> p(ads.size());
  for (core::CtrModel* m : std::initializer_list<core::CtrModel*>{&global, &historical}) {
    m->predict(core::RequestContext{}, ads, p);
    EXPECT_FLOAT_EQ(p[0], 0.02f) << m->name();
    m->learn({});
    m->predict(core::RequestContext{}, ads, p);
    EXPECT_EQ(m->prior_predictions(), 6u) << m->name();
    const std::vector<core::LabeledExample> one = {example(true, 0)};
    m->learn(one);
    m->predict(core::RequestContext{}, ads, p);
    EXPECT_EQ(m->prior_predictions(), 6u) << m->name();
  }
}

TEST(NegativeFeedbackModel, LearnsWhichAdsGetHidden) {
  testing::SyntheticSpec spec;
  spec.seed = 13;
  testing::SyntheticLog log(spec);
  LearnerConfig cfg;
  cfg.features.hash_bits = 18;
  cfg.downsample_rate = 0.2;  // hides are rare: keep them all and a fifth of the rest
  NegativeFeedbackModel model(log.world(), cfg, core::RandomStreams(1).stream("negative.downsample"));
  const auto examples = log.next(60'000);
  testing::feed_in_batches(examples, [&](auto b) { model.learn(b); });

  // Rank ads by true quality; the worst fifth should get far higher predicted P(hide).
  const core::World& w = log.world();
  std::vector<core::AdId> ads(w.ads.size());
  std::iota(ads.begin(), ads.end(), 0u);
  std::sort(ads.begin(), ads.end(), [&](auto a, auto b) { return w.ads.true_quality[a] < w.ads.true_quality[b]; });
  const core::RequestContext r = log.request_for(10, log.now());
  std::vector<float> p(ads.size());
  model.predict(r, ads, p);
  const std::size_t fifth = ads.size() / 5;
  double worst = 0.0, best = 0.0, truth_worst = 0.0, truth_best = 0.0;
  for (std::size_t k = 0; k < fifth; ++k) {
    worst += p[k];
    best += p[ads.size() - 1 - k];
    truth_worst += log.true_hide_rate(ads[k], 0);
    truth_best += log.true_hide_rate(ads[ads.size() - 1 - k], 0);
  }
  ASSERT_GT(truth_worst, 5.0 * truth_best);  // the scenario: quality drives hides
  EXPECT_GT(worst, 3.0 * best);
  // And its progressive validation ranks hides well above chance.
  EXPECT_GT(model.validator().total().auc, 0.7);

  // Quality = 1 − λ·p, floored.
  EXPECT_DOUBLE_EQ(NegativeFeedbackModel::quality_of(0.01, 20.0, 0.05), 0.8);
  EXPECT_DOUBLE_EQ(NegativeFeedbackModel::quality_of(0.2, 20.0, 0.05), 0.05);
  std::vector<double> q(ads.size());
  std::vector<float> scratch(ads.size());
  model.quality(r, ads, 20.0, 0.05, scratch, q);
  EXPECT_DOUBLE_EQ(q[0], NegativeFeedbackModel::quality_of(scratch[0], 20.0, 0.05));
  EXPECT_LT(q[0], q[ads.size() - 1]);
}

}  // namespace
}  // namespace adsim::models

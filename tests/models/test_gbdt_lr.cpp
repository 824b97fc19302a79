// GBDT+LR (issue 15): XGBoost trees exported to flat arrays, their leaves fed to the online LR.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "core/random_streams.hpp"
#include "models/gbdt_lr_ctr_model.hpp"
#include "models/gbdt_trainer.hpp"
#include "models/logistic_ctr_model.hpp"
#include "synthetic_log.hpp"

namespace adsim::models {
namespace {

using testing::feed_in_batches;
using testing::SyntheticLog;
using testing::SyntheticSpec;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

core::Rng stream(const char* name) { return core::RandomStreams(42).stream(name); }

GbdtLrConfig gbdt_config() {
  GbdtLrConfig c;
  c.learner.features.hash_bits = 18;
  c.learner.ftrl = FtrlParams{0.05, 1.0, 1.0, 1.0};
  c.learner.validate = false;
  c.trees.trees = 12;
  c.trees.depth = 4;
  c.window_examples = 50'000;
  c.min_examples = 1'000;
  c.interval = 30 * core::kMinute;
  c.train_delay = 5 * core::kMinute;
  return c;
}

// Random rows with integer-valued columns (so rows hit split thresholds exactly), continuous ones,
// and three columns that are missing 30 % of the time; the label depends on whether they are
// missing, so XGBoost learns default directions both ways.
struct RandomRows {
  std::vector<float> rows, labels;
};
RandomRows random_rows(std::size_t n, int features, std::uint64_t seed) {
  core::Rng rng = core::RandomStreams(seed).stream("rows");
  boost::random::uniform_01<double> u;
  boost::random::uniform_int_distribution<int> small(0, 7);
  RandomRows r;
  for (std::size_t i = 0; i < n; ++i) {
    double z = -1.0;
    for (int f = 0; f < features; ++f) {
      float x = f % 2 == 0 ? static_cast<float>(small(rng)) : static_cast<float>(u(rng));
      if (f < 3 && u(rng) < 0.3) x = kNaN;
      if (f < 3) z += std::isnan(x) ? (f == 1 ? -1.5 : 1.5) : 0.3 * x;
      if (f == 4 || f == 5) z += (f == 4 ? (x > 3.0f) : (x > 0.5f)) ? 1.0 : -1.0;
      r.rows.push_back(x);
    }
    r.labels.push_back(u(rng) < 1.0 / (1.0 + std::exp(-z)) ? 1.0f : 0.0f);
  }
  return r;
}

void expect_same_leaves(const GbdtBooster& booster, const std::vector<float>& rows, int features) {
  const FlatForest forest = booster.forest();
  const std::vector<std::int32_t> xgb = booster.predict_leaf(rows);
  const std::size_t n = rows.size() / static_cast<std::size_t>(features);
  const auto trees = static_cast<std::size_t>(forest.trees());
  ASSERT_EQ(xgb.size(), n * trees);
  std::vector<std::int32_t> mine(trees);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < n; ++i) {
    forest.leaves(&rows[i * static_cast<std::size_t>(features)], mine);
    for (std::size_t t = 0; t < trees; ++t) differ += mine[t] != xgb[i * trees + t];
  }
  EXPECT_EQ(differ, 0u) << "of " << n * trees << " (row, tree) leaves";
}

TEST(GbdtForest, TraversalGivesXgboostsPredLeafIncludingMissingValues) {
  // Exact equality, row by row: the flat walk must reproduce XGBoost's own pred_leaf on rows it
  // was not trained on, with NaNs taking each node's learnt default direction and ties at the
  // thresholds (integer columns) going right as XGBoost's `x < cond ? left : right`.
  const RandomRows train = random_rows(5'000, 8, 1);
  const RandomRows test = random_rows(3'000, 8, 2);
  for (const int depth : {1, 3, 6}) {
    SCOPED_TRACE(depth);
    GbdtParams p;
    p.trees = 10;
    p.depth = depth;
    p.min_child_weight = 20.0;  // stops some branches early: leaves above the last level get padded
    const GbdtBooster booster = GbdtBooster::train(train.rows, train.labels, 8, p);
    expect_same_leaves(booster, test.rows, 8);
    expect_same_leaves(booster, train.rows, 8);
  }
}

TEST(GbdtForest, RejectsTreesDeeperThanConfiguredAndBadInput) {
  const RandomRows train = random_rows(2'000, 8, 3);
  GbdtParams p;
  p.depth = 5;
  const GbdtBooster booster = GbdtBooster::train(train.rows, train.labels, 8, p);
  EXPECT_THROW(FlatForest::from_xgboost_json(booster.json(), 2, 8), std::invalid_argument);
  EXPECT_THROW(FlatForest::from_xgboost_json(booster.json(), 5, 2), std::invalid_argument);  // columns beyond the rows
  EXPECT_THROW(GbdtBooster::train(train.rows, {train.labels.data(), 3}, 8, p), std::invalid_argument);
}

TEST(GbdtForest, TrainingIsDeterministic) {
  const RandomRows train = random_rows(4'000, 8, 4);
  GbdtParams p;
  p.depth = 5;
  EXPECT_EQ(GbdtBooster::train(train.rows, train.labels, 8, p).json(),
            GbdtBooster::train(train.rows, train.labels, 8, p).json());
}

// Examples whose click probability is 0.08 when both the ad's campaign is in the first half and the
// user's age band is below 3, and 0.01 otherwise: an AND, which no sum of a campaign term and an age
// term on the logit scale expresses (its four cells leave a residual of ±0.54 in logit). The hashed
// LR has no campaign × age or ad × age cross, so it fits the additive approximation; a depth-2 path
// of a tree is the interaction. (A pure XOR would not do: it has no single split that gains, so
// greedy trees never start on it.)
std::vector<core::LabeledExample> and_examples(SyntheticLog& log, std::size_t requests, core::Rng& rng) {
  auto examples = log.next(requests);
  const auto half = static_cast<core::CampaignId>(log.world().campaigns.size() / 2);
  for (auto& e : examples) {
    const bool x = e.impression.campaign < half && e.impression.age_band < 3;
    e.clicked = boost::random::bernoulli_distribution<double>(x ? 0.08 : 0.01)(rng);
  }
  return examples;
}

double log_loss_of(float p, bool y) { return -std::log(y ? static_cast<double>(p) : 1.0 - static_cast<double>(p)); }

template <typename Model>
float predict_one(Model& model, const SyntheticLog& log, const core::LabeledExample& e) {
  const core::RequestContext r = log.request_for(e.impression.user, e.impression.served_at);
  float p = 0.0f;
  model.predict(r, {&e.impression.ad, 1}, {&p, 1});
  return p;
}

TEST(GbdtLrCtrModel, TreesFindAnInteractionTheHashedLrCannotExpress) {
  SyntheticSpec spec;
  spec.top_slot_only = true;
  spec.seed = 5;
  SyntheticLog log(spec);
  core::Rng labels = core::RandomStreams(5).stream("and.labels");
  const auto train = and_examples(log, 40'000, labels);  // ~2.2 simulated hours
  const auto held_out = and_examples(log, 10'000, labels);
  LogisticCtrModel lr(log.world(), gbdt_config().learner, stream("downsample"));
  GbdtLrCtrModel gbdt(log.world(), gbdt_config(), stream("downsample"));
  feed_in_batches(train, [&](auto b) { lr.learn(b); });
  feed_in_batches(train, [&](auto b) { gbdt.learn(b); });
  // Paired per-example log-loss differences on the held-out examples (both models frozen): the
  // margin is 3 standard errors of their mean, estimated from the differences themselves (a
  // one-sided test at about 0.1 %), not a number chosen to pass.
  double sum = 0.0, sum_sq = 0.0;
  for (const auto& e : held_out) {
    const double d = log_loss_of(predict_one(lr, log, e), e.clicked) - log_loss_of(predict_one(gbdt, log, e), e.clicked);
    sum += d;
    sum_sq += d * d;
  }
  ASSERT_GE(gbdt.generation(), 1u) << "trees must be serving";
  const auto n = static_cast<double>(held_out.size());
  const double mean = sum / n, se = std::sqrt((sum_sq / n - mean * mean) / n);
  EXPECT_GT(mean, 3.0 * se) << "log-loss gain " << mean << " per example, standard error " << se;
}

TEST(GbdtLrCtrModel, LeavesAndPredictionsAreDeterministicForASeed) {
  SyntheticLog log(SyntheticSpec{});
  const auto examples = log.next(30'000);
  GbdtLrCtrModel a(log.world(), gbdt_config(), stream("downsample"));
  GbdtLrCtrModel b(log.world(), gbdt_config(), stream("downsample"));
  feed_in_batches(examples, [&](auto x) { a.learn(x); });
  feed_in_batches(examples, [&](auto x) { b.learn(x); });
  ASSERT_GE(a.generation(), 2u);
  ASSERT_EQ(a.generation(), b.generation());
  const core::RequestContext r = log.request_for(3, log.now() + core::kHour);
  std::vector<core::AdId> ads(log.world().ads.size());
  for (std::size_t i = 0; i < ads.size(); ++i) ads[i] = static_cast<core::AdId>(i);
  std::vector<float> pa(ads.size()), pb(ads.size());
  a.predict(r, ads, pa);
  b.predict(r, ads, pb);
  EXPECT_EQ(pa, pb);
  // The leaves themselves: the same trees put the same rows in the same leaves.
  std::array<float, kTreeFeatures> row{};
  std::vector<std::int32_t> la(static_cast<std::size_t>(a.forest().trees())), lb(la.size());
  for (const core::AdId ad : ads) {
    a.tree_row(UserContext::of_request(r, 0), r.time, ad, row);
    a.forest().leaves(row.data(), la);
    b.forest().leaves(row.data(), lb);
    ASSERT_EQ(la, lb);
  }
}

TEST(GbdtLrCtrModel, ServedTreesGiveXgboostsLeavesOnTheModelsOwnRows) {
  // The production columns (17, the query ones missing on feed) through XGBoost and the flat walk.
  SyntheticLog log(SyntheticSpec{});
  GbdtLrCtrModel model(log.world(), gbdt_config(), stream("downsample"));
  feed_in_batches(log.next(5'000), [&](auto x) { model.learn(x); });
  std::vector<float> rows, labels;
  model.window(rows, labels);
  ASSERT_GE(labels.size(), 3'000u);
  GbdtParams p = gbdt_config().trees;
  expect_same_leaves(GbdtBooster::train(rows, labels, kTreeFeatures, p), rows, kTreeFeatures);
}

TEST(GbdtLrCtrModel, RecalibrationRestoresTheMeanAfterDownsampling) {
  // Trained on 10 % of the non-clicks. Scored progressively (each batch predicted, then learnt) over
  // 80k examples: with recalibration the mean served pCTR must match the observed CTR within 4
  // standard errors of the click count, sqrt(Σ p(1 − p)) for independent Bernoulli labels with
  // the served probabilities; without it, the downsampled scale is several times too high.
  SyntheticSpec spec;
  spec.seed = 3;
  spec.top_slot_only = true;  // served at the reference slot, as the examples were shown
  SyntheticLog log(spec);
  const auto warmup = log.next(40'000);
  const auto measured = log.next(20'000);
  for (const bool recalibrate : {true, false}) {
    SCOPED_TRACE(recalibrate);
    GbdtLrConfig c = gbdt_config();
    c.learner.downsample_rate = 0.1;
    c.learner.recalibrate = recalibrate;
    c.learner.prior_rate = 0.02;
    GbdtLrCtrModel model(log.world(), c, stream("downsample"));
    feed_in_batches(warmup, [&](auto b) { model.learn(b); });
    ASSERT_GE(model.generation(), 1u);
    double sum_p = 0.0, var = 0.0, clicks = 0.0;
    feed_in_batches(measured, [&](std::span<const core::LabeledExample> b) {
      for (const auto& e : b) {
        const double p = predict_one(model, log, e);
        sum_p += p;
        var += p * (1.0 - p);
        clicks += e.clicked ? 1.0 : 0.0;
      }
      model.learn(b);
    });
    ASSERT_GT(clicks, 1'000.0);
    if (recalibrate) EXPECT_NEAR(clicks, sum_p, 4.0 * std::sqrt(var));
    else EXPECT_GT(sum_p, 3.0 * clicks);
  }
}

TEST(GbdtLrCtrModel, ColdItServesThePriorAndBeforeTreesItIsTheHashedLr) {
  SyntheticLog log(SyntheticSpec{});
  GbdtLrConfig c = gbdt_config();
  c.learner.prior_rate = 0.02;
  GbdtLrCtrModel gbdt(log.world(), c, stream("downsample"));
  LogisticCtrModel lr(log.world(), c.learner, stream("downsample"));
  const core::RequestContext r = log.request_for(7, 0);
  std::vector<core::AdId> ads = {0, 1, 2, 3, 4};
  std::vector<float> p(ads.size()), q(ads.size());
  gbdt.predict(r, ads, p);
  // Float rounding of the offset and of the logistic: 2e-6 of the prior (as the LR's own test).
  for (const float x : p) EXPECT_NEAR(x, 0.02, 2e-6 * 0.02);
  EXPECT_EQ(gbdt.prior_predictions(), ads.size());
  // 20 simulated minutes of examples, less than the training interval: no trees yet, and the model
  // is the hashed LR bit for bit (the leaves add an exact 0 to every logit).
  const auto examples = log.next(1'500);
  feed_in_batches(examples, [&](auto b) { gbdt.learn(b); });
  feed_in_batches(examples, [&](auto b) { lr.learn(b); });
  ASSERT_EQ(gbdt.generation(), 0u);
  const core::RequestContext later = log.request_for(7, log.now());
  gbdt.predict(later, ads, p);
  lr.predict(later, ads, q);
  EXPECT_EQ(p, q);
  EXPECT_EQ(gbdt.prior_predictions(), ads.size()) << "learnt predictions are not the prior";
  EXPECT_EQ(gbdt.training_stats().retrains, 0u);
}

TEST(GbdtLrCtrModel, TreesServeOnlyAfterTheTrainingDelay) {
  SyntheticLog log(SyntheticSpec{});
  GbdtLrConfig c = gbdt_config();
  c.interval = 45 * core::kMinute;
  c.train_delay = 15 * core::kMinute;
  GbdtLrCtrModel model(log.world(), c, stream("downsample"));
  // Examples released from 30 to ~53 minutes: the first training, at the first batch released at
  // or after 45 minutes, serves from about 60 minutes.
  const auto examples = log.next(7'000);  // ~23 minutes served, released 30 minutes later
  feed_in_batches(examples, [&](auto b) { model.learn(b); });
  const core::SimTime last = examples.back().released_at;
  ASSERT_EQ(model.generation(), 0u);
  std::vector<core::AdId> ads = {0, 1};
  std::vector<float> p(2);
  model.predict(log.request_for(1, last), ads, p);
  EXPECT_EQ(model.generation(), 0u) << "trained at most a few minutes ago: still in training";
  model.predict(log.request_for(1, last + 15 * core::kMinute), ads, p);
  EXPECT_EQ(model.generation(), 1u);
  const core::ModelTrainingStats s = model.training_stats();
  EXPECT_EQ(s.retrains, 1u);
  EXPECT_GE(s.last_window_examples, c.min_examples);
  EXPECT_GT(s.train_wall_seconds, 0.0);
  EXPECT_GE(s.mean_staleness_seconds, 15.0 * 60.0);  // served at least the delay after its newest example
}

TEST(GbdtLrCtrModel, PeriodicRefreshHoldsWhatWasLearntUntilRefresh) {
  // model.refresh_minutes > 0: learn() only buffers; refresh(now) learns the buffer (and may train).
  SyntheticLog log(SyntheticSpec{});
  GbdtLrConfig c = gbdt_config();
  c.learner.prior_rate = 0.02;
  c.learner.refresh_interval = 10 * core::kMinute;
  GbdtLrCtrModel model(log.world(), c, stream("downsample"));
  EXPECT_EQ(model.refresh_interval(), 10 * core::kMinute);
  const auto examples = log.next(3'000);
  feed_in_batches(examples, [&](auto b) { model.learn(b); });
  const core::RequestContext r = log.request_for(7, examples.back().released_at);
  std::vector<core::AdId> ads = {0, 1, 2};
  std::vector<float> before(ads.size()), after(ads.size());
  model.predict(r, ads, before);
  for (const float p : before) EXPECT_NEAR(p, 0.02, 2e-6 * 0.02) << "nothing applied before the refresh";
  EXPECT_EQ(model.learner().examples_seen(), 0u);
  model.refresh(r.time);
  EXPECT_EQ(model.learner().examples_seen(), examples.size());
  model.predict(r, ads, after);
  EXPECT_NE(before, after);
}

TEST(GbdtLrCtrModel, RejectsBadConfiguration) {
  SyntheticLog log(SyntheticSpec{});
  GbdtLrConfig c = gbdt_config();
  c.min_examples = c.window_examples + 1;
  EXPECT_THROW(GbdtLrCtrModel(log.world(), c, stream("d")), std::invalid_argument);
  c = gbdt_config();
  c.interval = 0;
  EXPECT_THROW(GbdtLrCtrModel(log.world(), c, stream("d")), std::invalid_argument);
  c = gbdt_config();
  c.trees.depth = 13;
  EXPECT_THROW(GbdtLrCtrModel(log.world(), c, stream("d")), std::invalid_argument);
}

}  // namespace
}  // namespace adsim::models

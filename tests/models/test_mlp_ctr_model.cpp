// The neural ranker (model.ctr_model = "mlp"): what it learns that an additive model cannot, its
// recalibration after downsampling, its cold start, its training delay and its determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "core/random_streams.hpp"
#include "models/mlp_ctr_model.hpp"
#include "synthetic_log.hpp"

namespace adsim::models {
namespace {

using testing::SyntheticLog;
using testing::SyntheticSpec;

// `seed` draws the downsampling; `train_seed` (default: the same) the initial weights and batch order.
std::unique_ptr<MlpCtrModel> make_model(const core::World& world, MlpConfig c, std::uint64_t seed = 42,
                                        std::uint64_t train_seed = 0) {
  const core::RandomStreams s(seed), t(train_seed == 0 ? seed : train_seed);
  return std::make_unique<MlpCtrModel>(world, c, s.stream("ctr_model.downsample"), t.stream("ctr_model.mlp_init"),
                                       t.stream("ctr_model.mlp_shuffle"));
}

MlpConfig test_config() {
  MlpConfig c;
  c.epochs = 3;
  c.train_delay = 0;
  c.window_examples = 1'000'000;
  return c;
}

double entropy(double p) { return -(p * std::log(p) + (1.0 - p) * std::log(1.0 - p)); }
double log_loss(double p, bool y) { return -std::log(y ? p : 1.0 - p); }

// Examples whose click probability depends on two binary features of opposite sides: a = the
// region's parity (user side), b = the ad category's parity (ad side), each uniform and independent
// of each other and of every other feature. P(click) = p_high when a XOR b, p_low otherwise.
struct XorData {
  static constexpr double kLow = 0.02, kHigh = 0.2;
  explicit XorData(const core::World& w) : world(w), rng(core::RandomStreams(7).stream("xor")) {
    for (core::AdId a = 0; a < w.ads.size(); ++a) by_parity[w.ads.category[a] % 2].push_back(a);
  }
  static double truth(bool a, bool b) { return a != b ? kHigh : kLow; }

  core::LabeledExample next() {
    const core::World& w = world;
    boost::random::uniform_int_distribution<int> region(0, (w.num_regions / 2) * 2 - 1);
    boost::random::uniform_int_distribution<int> parity(0, 1);
    boost::random::uniform_int_distribution<core::UserId> user(0, static_cast<core::UserId>(w.users.size() - 1));
    boost::random::uniform_int_distribution<int> device(0, w.num_devices - 1), hour(0, 23);
    core::LabeledExample e;
    core::LoggedImpression& i = e.impression;
    i.user = user(rng);
    i.region = static_cast<std::uint8_t>(region(rng));
    i.age_band = w.users.age_band[i.user];
    i.device = static_cast<std::uint8_t>(device(rng));
    i.hour = static_cast<std::uint8_t>(hour(rng));
    const auto& ads = by_parity[static_cast<std::size_t>(parity(rng))];
    i.ad = ads[boost::random::uniform_int_distribution<std::size_t>(0, ads.size() - 1)(rng)];
    i.campaign = w.ads.campaign[i.ad];
    i.slot = 0;
    i.served_at = now;
    e.released_at = now;
    now += core::kSecond;
    e.clicked = boost::random::bernoulli_distribution<double>(truth(i.region % 2, w.ads.category[i.ad] % 2))(rng);
    return e;
  }
  core::RequestContext request_of(const core::LoggedImpression& i) const {
    core::RequestContext r;
    r.time = now;
    r.user = i.user;
    r.region = i.region;
    r.age_band = i.age_band;
    r.device = i.device;
    r.hour = i.hour;
    r.interests = world.users.interests[i.user];
    return r;
  }

  const core::World& world;
  core::Rng rng;
  std::vector<core::AdId> by_parity[2];
  core::SimTime now = 0;
};

TEST(MlpCtrModel, LearnsAnInteractionNoAdditiveModelCan) {
  SyntheticLog log(SyntheticSpec{});
  XorData data(log.world());
  ASSERT_GE(log.world().num_regions, 2);
  ASSERT_FALSE(data.by_parity[0].empty());
  ASSERT_FALSE(data.by_parity[1].empty());
  // What the architecture can learn, at the step of 0.003 (3 epochs, ~1,800 steps): the scenario's
  // 0.0003, chosen on the reference marketplace where warm-started retrains add up to ~35,000
  // steps a day, needs 10 epochs here (measured: 98 % of the gap), 3x the time of a test that the
  // sanitizer build already runs for minutes.
  MlpConfig c = test_config();
  c.adam.learning_rate = 0.003f;
  auto model = make_model(log.world(), c);
  std::vector<core::LabeledExample> train;
  for (int k = 0; k < 150'000; ++k) train.push_back(data.next());
  model->learn(train);
  model->refresh(data.now);
  ASSERT_TRUE(model->serving_trained());

  // The best additive model: with a and b uniform and independent, every (a, b) cell equally likely,
  // a logit c + α a + β b has the same loss after (a, b) → (1 − a, 1 − b), which keeps a XOR b and
  // maps (α, β) to (−α, −β); the loss is strictly convex in (c, α, β), so its optimum is α = β = 0
  // and the constant p̄ = (p_low + p_high) / 2, with expected loss H(p̄) (binary entropy; every other
  // feature is independent of the label and adds nothing; a term per region or per ad reduces to one
  // per a or b, since regions, and ads, of one parity are exchangeable). The Bayes predictor's loss is the mean of
  // H(p_low) and H(p_high); the gap between them (Jensen, 0.047 nats here) is what the interaction
  // is worth.
  const double mean_rate = (XorData::kLow + XorData::kHigh) / 2.0;
  const double gain = entropy(mean_rate) - (entropy(XorData::kLow) + entropy(XorData::kHigh)) / 2.0;
  // Held-out examples, paired: d = loss(additive optimum) − loss(mlp) per example; its mean's
  // standard error from the sample variance of d.
  const int n = 60'000;
  double sum = 0, sum2 = 0, bayes = 0;
  std::vector<float> p(1);
  for (int k = 0; k < n; ++k) {
    const core::LabeledExample e = data.next();
    const core::AdId ad = e.impression.ad;
    model->predict(data.request_of(e.impression), {&ad, 1}, p);
    const double d = log_loss(mean_rate, e.clicked) - log_loss(p[0], e.clicked);
    sum += d;
    sum2 += d * d;
    bayes += log_loss(XorData::truth(e.impression.region % 2, log.world().ads.category[ad] % 2), e.clicked);
  }
  const double mean = sum / n;
  const double se = std::sqrt((sum2 / n - mean * mean) / (n - 1));
  RecordProperty("gain_over_additive_nats", std::to_string(mean));
  RecordProperty("standard_error_nats", std::to_string(se));
  RecordProperty("bayes_gain_nats", std::to_string(gain));
  // The claim: the MLP recovers more than half of what the interaction is worth, with 4 standard
  // errors to spare (a false pass or fail by sampling noise alone: < 1e-4).
  EXPECT_GT(mean - 4.0 * se, gain / 2.0) << "gain over additive " << mean << " ± " << se << " of " << gain
                                          << " possible; Bayes loss " << bayes / n;
}

TEST(MlpCtrModel, RecalibrationRestoresTheMeanAfterDownsampling) {
  // Every example clicks with probability p = 0.05 whatever its features; negatives are kept with
  // w = 0.1, so the training data's rate is p' = p / (p + (1 − p) w) ≈ 0.345. The prior (0.02) is
  // far from p: the data, not the prior, must set the mean.
  constexpr double p = 0.05, w = 0.1;
  SyntheticLog log(SyntheticSpec{});
  XorData data(log.world());
  core::Rng rng = core::RandomStreams(9).stream("clicks");
  std::vector<core::LabeledExample> train;
  constexpr int kExamples = 100'000;
  for (int k = 0; k < kExamples; ++k) {
    core::LabeledExample e = data.next();
    e.clicked = boost::random::bernoulli_distribution<double>(p)(rng);
    train.push_back(e);
  }
  std::vector<core::LabeledExample> held_out;
  for (int k = 0; k < 5'000; ++k) held_out.push_back(data.next());
  // The served mean's error has two parts. The labels: the model's mean logit is estimated from
  // `kept` Bernoulli(p') labels, standard error 1 / sqrt(kept p' (1 − p')) ≈ 0.017, which moves the
  // recalibrated mean q by (1 − q) times that, relatively. The optimizer: minibatch Adam with a
  // constant step ends wherever its last steps left it, a noise the labels' variance does not
  // capture; it is measured here as the spread of the mean over K trainings on the same kept data
  // that differ only in their initial weights and batch order, and their average divides it by √K.
  constexpr int kRuns = 8;
  const double kept = kExamples * (p + (1 - p) * w);
  const double p_kept = p / (p + (1 - p) * w);
  const double se_labels = (1 - p) / std::sqrt(kept * p_kept * (1 - p_kept));
  std::vector<double> ratio_on, ratio_off;
  for (int run = 1; run <= kRuns; ++run) {
    // Without recalibration once: the contrast, several times the real rate.
    for (bool recalibrate : {true, false}) {
      if (!recalibrate && run > 1) continue;
      // 3 epochs (test_config): one pass, 113 steps of 0.0003, leaves the model most of the way
      // from its prior (0.02) to the data's rate (served mean 0.69 p).
      MlpConfig c = test_config();
      c.downsample_rate = w;
      c.recalibrate = recalibrate;
      c.prior_rate = 0.02;
      auto model = make_model(log.world(), c, 42, 100 + static_cast<std::uint64_t>(run));
      model->learn(train);
      model->refresh(data.now);
      double sum = 0;
      std::vector<float> q(1);
      for (const auto& e : held_out) {
        model->predict(data.request_of(e.impression), {&e.impression.ad, 1}, q);
        sum += q[0];
      }
      const double mean = sum / static_cast<double>(held_out.size());
      // Without recalibration, the downsampled scale: about 1/w too high.
      (recalibrate ? ratio_on : ratio_off).push_back(mean / (recalibrate ? p : p_kept));
    }
  }
  auto mean_sd = [](const std::vector<double>& x) {
    double m = 0, v = 0;
    for (double r : x) m += r;
    m /= static_cast<double>(x.size());
    for (double r : x) v += (r - m) * (r - m);
    return std::pair{m, std::sqrt(v / static_cast<double>(x.size() - 1))};
  };
  const auto [on, sd_on] = mean_sd(ratio_on);
  // 4 standard errors of the average of K runs.
  EXPECT_NEAR(on, 1.0, 4.0 * std::sqrt(se_labels * se_labels + sd_on * sd_on / kRuns)) << "sd over runs " << sd_on;
  // One run: its own spread is that of a single training.
  EXPECT_NEAR(ratio_off.front(), 1.0, 4.0 * std::sqrt(se_labels * se_labels + sd_on * sd_on))
      << "without recalibration the downsampled scale, p / p' = " << p / p_kept << " of it";
  RecordProperty("recalibrated_mean_over_p", std::to_string(on));
  RecordProperty("optimizer_sd", std::to_string(sd_on));
}

TEST(MlpCtrModel, AColdModelServesThePriorUntilItsFirstModelIsDue) {
  SyntheticLog log(SyntheticSpec{});
  std::vector<core::AdId> ads;
  for (core::AdId a = 0; a < log.world().ads.size(); ++a) ads.push_back(a);
  std::vector<float> out(ads.size());
  for (double w : {1.0, 0.1}) {
    for (bool recalibrate : {true, false}) {
      MlpConfig c;
      c.prior_rate = 0.02;
      c.downsample_rate = w;
      c.recalibrate = recalibrate;
      c.train_delay = 10 * core::kMinute;
      auto model = make_model(log.world(), c);
      // As the logistic model: the prior itself, or on the downsampled scale without recalibration.
      const double expected = recalibrate ? 0.02 : 0.02 / (0.02 + 0.98 * w);
      model->predict(log.request_for(5, 0), ads, out);
      for (float x : out) EXPECT_NEAR(x, expected, 2e-6 * expected);
      EXPECT_EQ(model->prior_predictions(), ads.size());

      const auto examples = log.next(3'000);
      model->learn(examples);
      const core::SimTime t = examples.back().released_at;  // released in order: the newest
      model->refresh(t);  // trains now; the model serves from t + 10 minutes
      EXPECT_FALSE(model->serving_trained());
      model->predict(log.request_for(5, t + c.train_delay - 1), ads, out);
      for (float x : out) EXPECT_NEAR(x, expected, 2e-6 * expected);
      EXPECT_EQ(model->prior_predictions(), 2 * ads.size()) << "the delay's predictions are the prior's";
      EXPECT_EQ(model->training_stats().retrains, 0u);

      model->predict(log.request_for(5, t + c.train_delay), ads, out);
      EXPECT_TRUE(model->serving_trained());
      EXPECT_NE(out[0], out[1]) << "a trained model tells ads apart";
      EXPECT_EQ(model->prior_predictions(), 2 * ads.size());
      const core::ModelTrainingStats s = model->training_stats();
      EXPECT_EQ(s.retrains, 1u);
      EXPECT_EQ(s.last_window_examples, model->window_size());
      EXPECT_GT(s.train_wall_seconds, 0.0);
      // Served at t + delay by a model whose newest example was released at most at t.
      EXPECT_GE(s.mean_staleness_seconds, core::to_seconds(c.train_delay));
    }
  }
}

TEST(MlpCtrModel, ServingEqualsTheNetworkAtTheReferenceSlot) {
  // Serving precomputes the first layer per user-side row and per ad; the training path runs the
  // whole network on the gathered input. Same weights, another order of float sums: the logits agree
  // to a few float ulps of their ~100-term sums (1e-5 of the logit), so p to 1e-5 relative.
  SyntheticSpec spec;
  SyntheticLog log(spec);
  MlpConfig c = test_config();
  c.prior_rate = 0.03;
  auto model = make_model(log.world(), c);
  model->learn(log.next(5'000));
  model->refresh(log.now());
  std::vector<core::AdId> ads;
  for (core::AdId a = 0; a < log.world().ads.size(); ++a) ads.push_back(a);
  std::vector<float> out(ads.size());
  for (core::UserId u : {1u, 17u, 301u}) {
    const core::RequestContext r = log.request_for(u, log.now());
    model->predict(r, ads, out);
    for (std::size_t k = 0; k < ads.size(); ++k) {
      core::LoggedImpression i;
      i.user = u;
      i.region = r.region;
      i.age_band = r.age_band;
      i.device = r.device;
      i.hour = r.hour;
      i.ad = ads[k];
      i.slot = 0;  // the reference slot
      EXPECT_NEAR(model->predict_logged(i), out[k], 1e-5 * out[k]) << "ad " << k;
    }
  }
}

TEST(MlpCtrModel, ServingAtTheReferenceSlotRemovesPositionBias) {
  // The synthetic log shows 4 ads per request in slots 0-3, examined with probability 1, 0.6, 0.4,
  // 0.3. With the slot as an input and serving at slot 0, Σ predictions / Σ clicks over top-slot
  // impressions has expectation 1; a naive model learns the slots' average, 0.575 of the top slot's
  // rate. The threshold is the midpoint, 0.79: each expectation is more than 4 standard errors from
  // it (Poisson noise of ~1,000 clicks: 3 %; the spread between trainings the recalibration test
  // measures: 2 %). (With half the training requests the ratios were 1.09 and 0.65: the fit, not
  // the noise, then dominates; 60,000 give 0.97 and 0.55.)
  SyntheticSpec spec;
  spec.seed = 9;
  SyntheticLog log(spec);
  const auto train = log.next(60'000);
  const auto test = log.next(20'000);
  for (PositionMode mode : {PositionMode::kFeature, PositionMode::kNaive}) {
    MlpConfig c = test_config();
    c.position = mode;
    auto model = make_model(log.world(), c);
    model->learn(train);
    model->refresh(train.back().released_at);
    double sum_p = 0, clicks = 0;
    std::vector<float> p(1);
    for (const auto& e : test) {
      if (e.impression.slot != 0) continue;
      model->predict(log.request_for(e.impression.user, e.impression.served_at), {&e.impression.ad, 1}, p);
      sum_p += p[0];
      clicks += e.clicked ? 1.0 : 0.0;
    }
    ASSERT_GT(clicks, 500.0);
    if (mode == PositionMode::kFeature) EXPECT_GT(sum_p / clicks, 0.79) << "at the top slot";
    else EXPECT_LT(sum_p / clicks, 0.79) << "the slots' average";
    RecordProperty(mode == PositionMode::kFeature ? "ratio_feature" : "ratio_naive", std::to_string(sum_p / clicks));
  }
}

TEST(MlpCtrModel, TheSameSeedTrainsTheSameModel) {
  SyntheticLog log(SyntheticSpec{});
  const auto examples = log.next(8'000);
  MlpConfig c = test_config();
  c.downsample_rate = 0.3;
  auto a = make_model(log.world(), c);
  auto b = make_model(log.world(), c);
  auto other = make_model(log.world(), c, 43);
  for (auto* m : {a.get(), b.get(), other.get()}) {
    testing::feed_in_batches(examples, [&](auto batch) { m->learn(batch); });
    m->refresh(log.now());
  }
  std::vector<core::AdId> ads;
  for (core::AdId ad = 0; ad < log.world().ads.size(); ++ad) ads.push_back(ad);
  std::vector<float> pa(ads.size()), pb(ads.size()), po(ads.size());
  const core::RequestContext r = log.request_for(3, log.now());
  a->predict(r, ads, pa);
  b->predict(r, ads, pb);
  other->predict(r, ads, po);
  EXPECT_EQ(pa, pb) << "bit for bit";
  EXPECT_NE(pa, po) << "another seed draws other initial weights, downsampling and batches";
  EXPECT_EQ(a->last_train_loss(), b->last_train_loss());
}

TEST(MlpCtrModel, RejectsBadConfigurationAndAdsOutsideTheCatalog) {
  SyntheticLog log(SyntheticSpec{});
  auto bad = [&](auto change) {
    MlpConfig c;
    change(c);
    EXPECT_THROW(make_model(log.world(), c), std::invalid_argument);
  };
  bad([](MlpConfig& c) { c.hidden = {}; });
  bad([](MlpConfig& c) { c.hidden = {32, 0}; });
  bad([](MlpConfig& c) { c.embedding_dim = 0; });
  bad([](MlpConfig& c) { c.batch = 0; });
  bad([](MlpConfig& c) { c.interval = 0; });
  bad([](MlpConfig& c) { c.downsample_rate = 0.0; });
  bad([](MlpConfig& c) { c.prior_rate = 1.0; });
  auto model = make_model(log.world(), MlpConfig{});
  std::vector<core::LabeledExample> examples = log.next(2);
  examples.back().impression.ad = static_cast<core::AdId>(log.world().ads.size());
  EXPECT_THROW(model->learn(examples), std::out_of_range);
  EXPECT_EQ(model->examples_seen(), 0u) << "refused whole";
}

}  // namespace
}  // namespace adsim::models

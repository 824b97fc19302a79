#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/uniform_01.hpp>

#include "core/random_streams.hpp"
#include "models/calibrators.hpp"
#include "models/ftrl.hpp"

namespace adsim::models {
namespace {

// Examples whose raw score is s and whose click probability is truth(s), one per second.
template <typename Truth>
std::vector<core::LabeledExample> scored(std::size_t n, std::uint64_t seed, Truth truth, core::SimTime start = 0,
                                         int slot = 0) {
  core::Rng rng(seed);
  boost::random::uniform_01<double> u;
  std::vector<core::LabeledExample> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    // Scores log-uniform in [0.005, 0.5]: the range click models live in.
    const double s = 0.005 * std::pow(100.0, u(rng));
    out[i].impression.raw_score = static_cast<float>(s);
    out[i].impression.slot = static_cast<std::uint8_t>(slot);
    out[i].clicked = boost::random::bernoulli_distribution<double>(truth(s))(rng);
    out[i].released_at = start + static_cast<core::SimTime>(i) * core::kSecond;
  }
  return out;
}

double logit(double p) { return std::log(p / (1.0 - p)); }

TEST(ScoreWindow, IsBoundedAndCountsPositives) {
  ScoreWindow w(100);
  for (int i = 0; i < 350; ++i) w.push(static_cast<float>(i), i % 4 == 0);
  EXPECT_EQ(w.size(), 100u);
  EXPECT_EQ(w.capacity(), 100u);
  // The window holds 250..349; multiples of 4 among them: 252, 256, ..., 348 = 25.
  EXPECT_EQ(w.positives(), 25u);
  float lo = 1e9f;
  for (std::size_t i = 0; i < w.size(); ++i) lo = std::min(lo, w.score(i));
  EXPECT_EQ(lo, 250.0f);
}

TEST(IdentityCalibrator, LeavesScoresAlone) {
  IdentityCalibrator c;
  std::vector<float> p = {0.1f, 0.5f};
  c.calibrate(p);
  EXPECT_EQ(p, (std::vector<float>{0.1f, 0.5f}));
}

TEST(PlattCalibrator, RecoversAKnownDistortion) {
  // True p = σ(2·logit(s) − 1). 50k examples: the MLE's standard errors are ~0.02 for a and
  // ~0.05 for b, so ±0.1 / ±0.2 are 5 and 4 sd.
  CalibratorConfig cfg;
  cfg.window = 50'000;
  cfg.refit_interval = 0;  // refit manually below
  PlattCalibrator c(cfg);
  std::vector<float> p = {0.05f};
  c.calibrate(p);
  EXPECT_EQ(p[0], 0.05f);  // identity until fitted
  auto truth = [](double s) { return sigmoid(2.0 * logit(s) - 1.0); };
  const auto ex = scored(50'000, 1, truth);
  CalibratorConfig manual = cfg;
  manual.refit_interval = 100 * core::kDay;
  PlattCalibrator d(manual);
  d.learn(ex);
  EXPECT_FALSE(d.fitted());
  ASSERT_TRUE(d.refit());
  EXPECT_NEAR(d.a(), 2.0, 0.1);
  EXPECT_NEAR(d.b(), -1.0, 0.2);
  std::vector<float> q = {0.05f, 0.2f};
  d.calibrate(q);
  EXPECT_NEAR(q[0], truth(0.05), 0.003);
  EXPECT_NEAR(q[1], truth(0.2), 0.02);
}

TEST(IsotonicCalibrator, FitsAMonotoneMapAndInterpolates) {
  CalibratorConfig cfg;
  cfg.window = 40'000;
  cfg.refit_interval = 100 * core::kDay;
  IsotonicCalibrator c(cfg);
  auto truth = [](double s) { return std::min(1.0, 1.5 * s * s + 0.2 * s); };  // convex: not a Platt shape
  c.learn(scored(40'000, 2, truth));
  ASSERT_TRUE(c.refit());
  const auto x = c.knot_scores();
  const auto y = c.knot_rates();
  ASSERT_GT(x.size(), 5u);
  for (std::size_t k = 1; k < x.size(); ++k) {
    EXPECT_LT(x[k - 1], x[k]);
    EXPECT_LE(y[k - 1], y[k]);
  }
  // Serving is non-decreasing and close to the truth where data are dense (a block's mean rate is
  // an average over its score range, so allow a few points of error).
  float prev = 0.0f;
  for (float s = 0.005f; s < 0.5f; s *= 1.1f) {
    const float q = c.map(s);
    EXPECT_GE(q, prev);
    prev = q;
  }
  EXPECT_NEAR(c.map(0.3f), truth(0.3), 0.03);
  EXPECT_NEAR(c.map(0.1f), truth(0.1), 0.01);
  // Beyond the data: constant at the end blocks, clamped away from 0 and 1.
  EXPECT_GE(c.map(0.0f), cfg.min_probability);
  EXPECT_EQ(c.map(0.99f), c.map(0.9f));
}

TEST(IsotonicCalibrator, PoolsAdjacentViolatorsByHand) {
  // Scores 1..6 with labels 1 0 0 1 0 1: PAV pools (1,2,3) → mean score 2, rate 1/3 and (4,5) →
  // 4.5, 1/2, keeps 6 → 1. Scores here are only labels for order, not probabilities.
  CalibratorConfig cfg;
  cfg.window = 16;
  cfg.min_examples = 1;
  cfg.min_positives = 1;
  cfg.refit_interval = 100 * core::kDay;
  IsotonicCalibrator c(cfg);
  std::vector<core::LabeledExample> ex(6);
  const bool labels[] = {true, false, false, true, false, true};
  for (int i = 0; i < 6; ++i) {
    ex[static_cast<std::size_t>(i)].impression.raw_score = static_cast<float>(i + 1) / 10.0f;
    ex[static_cast<std::size_t>(i)].clicked = labels[i];
  }
  c.learn(ex);
  ASSERT_TRUE(c.refit());
  ASSERT_EQ(c.knot_scores().size(), 3u);
  EXPECT_NEAR(c.knot_scores()[0], 0.2, 1e-6);
  EXPECT_NEAR(c.knot_rates()[0], 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(c.knot_scores()[1], 0.45, 1e-6);
  EXPECT_NEAR(c.knot_rates()[1], 0.5, 1e-12);
  EXPECT_NEAR(c.knot_rates()[2], 1.0, 1e-12);
  // Linear between knots: halfway from 0.2 to 0.45 → (1/3 + 1/2) / 2.
  EXPECT_NEAR(c.map(0.325f), (1.0 / 3.0 + 0.5) / 2.0, 1e-6);
}

TEST(WindowedCalibrator, RefitsOnScheduleFromTheRecentWindowOnly) {
  CalibratorConfig cfg;
  cfg.window = 10'000;
  cfg.refit_interval = core::kHour;
  PlattCalibrator c(cfg);
  // Six hours at one example per second where scores are 2× too high, then six hours where they
  // are 2× too low. Refits happen once per hour of release time.
  c.learn(scored(6 * 3600, 3, [](double s) { return s / 2.0; }));
  EXPECT_EQ(c.fits(), 5u);  // at 1h, 2h, ..., 5h (the last example is released just before 6h)
  std::vector<float> q = {0.1f};
  c.calibrate(q);
  EXPECT_NEAR(q[0], 0.05, 0.01);
  c.learn(scored(6 * 3600, 4, [](double s) { return std::min(1.0, 2.0 * s); }, 6 * core::kHour));
  q = {0.1f};
  c.calibrate(q);
  // The window (the last 10k examples ≈ 2.8 h) holds only the new regime.
  EXPECT_NEAR(q[0], 0.2, 0.03);
  EXPECT_EQ(c.window().size(), 10'000u);
}

TEST(WindowedCalibrator, UsesOnlyTheReferenceSlotByDefault) {
  CalibratorConfig cfg;
  cfg.refit_interval = 0;
  PlattCalibrator c(cfg);
  c.learn(scored(5'000, 5, [](double s) { return s; }, 0, /*slot=*/2));
  EXPECT_EQ(c.window().size(), 0u);
  EXPECT_FALSE(c.fitted());
  cfg.slot = -1;
  PlattCalibrator all(cfg);
  all.learn(scored(5'000, 5, [](double s) { return s; }, 0, 2));
  EXPECT_EQ(all.window().size(), 5'000u);
  EXPECT_TRUE(all.fitted());
}

}  // namespace
}  // namespace adsim::models

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/uniform_01.hpp>

#include "core/random_streams.hpp"
#include "models/offline_metrics.hpp"

namespace adsim::models {
namespace {

using Labels = std::vector<std::uint8_t>;

TEST(OfflineMetrics, AucWithTiesByHand) {
  // Positives 0.35, 0.8, 0.4; negatives 0.1, 0.4. Pairs (pos, neg):
  //   (0.35,0.1)=1 (0.35,0.4)=0 (0.8,0.1)=1 (0.8,0.4)=1 (0.4,0.1)=1 (0.4,0.4)=tie=1/2  -> 4.5/6
  // Midranks: 0.1→1, 0.35→2, 0.4,0.4→3.5, 0.8→5; U = (2+3.5+5) − 3·4/2 = 4.5.
  const std::vector<float> p = {0.1f, 0.4f, 0.35f, 0.8f, 0.4f};
  const Labels y = {0, 0, 1, 1, 1};
  EXPECT_DOUBLE_EQ(auc_exact(p, y), 0.75);
}

TEST(OfflineMetrics, WeightedAucAndRatesByHand) {
  // p = 0.1 (neg, w 1), 0.4 (pos, w 2), 0.4 (neg, w 1), 0.8 (pos, w 1). Weighted pairs:
  //   pos 0.4 (2) beats neg 0.1 (1): 2; ties neg 0.4 (1): 2 x 1/2 = 1; pos 0.8 (1) beats both: 2.
  //   AUC = 5 / (3 x 2). Base rate (2 + 1) / 5; calibration (0.1 + 0.8 + 0.4 + 0.8) / 3.
  const std::vector<float> p = {0.1f, 0.4f, 0.4f, 0.8f};
  const Labels y = {0, 1, 0, 1};
  const std::vector<double> w = {1, 2, 1, 1};
  EXPECT_DOUBLE_EQ(auc_weighted(p, y, w), 5.0 / 6.0);
  const MetricReport r = evaluate_weighted(p, y, w);
  EXPECT_DOUBLE_EQ(r.auc, 5.0 / 6.0);
  EXPECT_EQ(r.count, 4u);
  EXPECT_EQ(r.clicks, 2u);
  EXPECT_DOUBLE_EQ(r.weight, 5.0);
  EXPECT_DOUBLE_EQ(r.base_rate, 3.0 / 5.0);
  const double sum_p = static_cast<double>(0.1f) + 2 * static_cast<double>(0.4f) + static_cast<double>(0.4f) +
                       static_cast<double>(0.8f);
  EXPECT_NEAR(r.calibration_ratio, sum_p / 3.0, 1e-12);
  const double ll = (-std::log1p(-static_cast<double>(0.1f)) - 2 * std::log(static_cast<double>(0.4f)) -
                     std::log1p(-static_cast<double>(0.4f)) - std::log(static_cast<double>(0.8f))) / 5.0;
  EXPECT_NEAR(r.log_loss, ll, 1e-12);
  EXPECT_NEAR(r.normalized_entropy, ll / bernoulli_entropy(0.6), 1e-12);
  // Without weights: the unweighted figures, midrank AUC included (3.5 / 4).
  EXPECT_DOUBLE_EQ(evaluate_weighted(p, y, {}).auc, 0.875);
  EXPECT_THROW(evaluate_weighted(p, y, std::vector<double>{1, 2}), std::invalid_argument);
}

// An integer weight k is k copies of the example, for every metric and every bin.
TEST(OfflineMetrics, IntegerWeightsEqualRepeatedExamples) {
  core::Rng rng = core::RandomStreams(11).stream("weights");
  boost::random::uniform_01<double> u;
  std::vector<float> p, p_rep;
  Labels y, y_rep;
  std::vector<double> w;
  for (int i = 0; i < 2000; ++i) {
    const float q = static_cast<float>(std::round(u(rng) * 50) / 100);  // 51 values: many ties
    const std::uint8_t label = u(rng) < q ? 1 : 0;
    const int k = static_cast<int>(u(rng) * 4);  // 0 to 3 copies
    p.push_back(q);
    y.push_back(label);
    w.push_back(k);
    for (int c = 0; c < k; ++c) {
      p_rep.push_back(q);
      y_rep.push_back(label);
    }
  }
  const CalibrationBinning bins{10, 0.5};
  const MetricReport a = evaluate_weighted(p, y, w, bins);
  const MetricReport b = evaluate(p_rep, y_rep, bins);
  // Same sums in another order: equal to rounding (1e-12 relative on sums of a few thousand terms).
  EXPECT_NEAR(a.auc, b.auc, 1e-12);
  EXPECT_NEAR(a.log_loss, b.log_loss, 1e-12);
  EXPECT_NEAR(a.normalized_entropy, b.normalized_entropy, 1e-12);
  EXPECT_NEAR(a.calibration_ratio, b.calibration_ratio, 1e-12);
  EXPECT_NEAR(a.ece, b.ece, 1e-12);
  EXPECT_DOUBLE_EQ(a.weight, static_cast<double>(b.count));
  for (std::size_t i = 0; i < a.reliability.size(); ++i) {
    EXPECT_DOUBLE_EQ(a.reliability[i].weight, static_cast<double>(b.reliability[i].count));
    if (b.reliability[i].count > 0) {
      EXPECT_NEAR(a.reliability[i].observed_rate, b.reliability[i].observed_rate, 1e-12);
    }
  }
}

TEST(OfflineMetrics, AucExtremes) {
  const std::vector<float> p = {0.2f, 0.2f, 0.2f, 0.2f};
  EXPECT_DOUBLE_EQ(auc_exact(p, Labels{1, 0, 1, 0}), 0.5);  // all tied
  const std::vector<float> q = {0.1f, 0.2f, 0.3f, 0.4f};
  EXPECT_DOUBLE_EQ(auc_exact(q, Labels{0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(auc_exact(q, Labels{1, 1, 0, 0}), 0.0);
  EXPECT_TRUE(std::isnan(auc_exact(q, Labels{1, 1, 1, 1})));  // one class only
  EXPECT_THROW(auc_exact(q, Labels{1, 0}), std::invalid_argument);
}

TEST(OfflineMetrics, LogLossNormalizedEntropyCalibrationByHand) {
  const std::vector<float> p = {0.5f, 0.25f, 0.8f};
  const Labels y = {1, 0, 1};
  // −(ln 0.5 + ln 0.75 + ln 0.8)/3 = (0.6931472 + 0.2876821 + 0.2231436)/3 = 0.4013243
  EXPECT_NEAR(log_loss(p, y), 0.4013242681, 1e-8);
  // Base rate 2/3: H = −(2/3 ln 2/3 + 1/3 ln 1/3) = 0.6365142; NE = 0.4013243 / 0.6365142
  EXPECT_NEAR(bernoulli_entropy(2.0 / 3.0), 0.6365141683, 1e-9);
  EXPECT_NEAR(normalized_entropy(p, y), 0.6305032757, 1e-8);
  // (0.5 + 0.25 + 0.8) / 2 clicks
  EXPECT_NEAR(calibration_ratio(p, y), 0.775, 1e-7);
  // Predicting the base rate everywhere gives NE = 1 exactly.
  const std::vector<float> base(3, 2.0f / 3.0f);
  EXPECT_NEAR(normalized_entropy(base, y), 1.0, 1e-7);
}

TEST(OfflineMetrics, LogLossClipsCertainMistakes) {
  const std::vector<float> p = {0.0f, 1.0f};
  const Labels y = {1, 0};
  // Both clipped to eps = 1e-7 away from the wrong certainty: −ln(1e-7) = 16.1181
  EXPECT_NEAR(log_loss(p, y), -std::log(1e-7), 1e-6);
  EXPECT_TRUE(std::isfinite(log_loss(p, y)));
}

TEST(OfflineMetrics, EceAndReliabilityBinsByHand) {
  const std::vector<float> p = {0.5f, 0.25f, 0.8f};
  const Labels y = {1, 0, 1};
  // Two bins [0, .5) and [.5, 1]: bin 0 = {0.25 → 0}: |0.25 − 0|; bin 1 = {0.5 → 1, 0.8 → 1}:
  // |0.65 − 1| = 0.35. ECE = (1 · 0.25 + 2 · 0.35) / 3 = 0.3166667
  const CalibrationBinning two{2, 1.0};
  EXPECT_NEAR(expected_calibration_error(p, y, two), 0.95 / 3.0, 1e-7);
  const auto bins = reliability_bins(p, y, two);
  ASSERT_EQ(bins.size(), 2u);
  EXPECT_EQ(bins[0].count, 1u);
  EXPECT_NEAR(bins[0].mean_p, 0.25, 1e-7);
  EXPECT_DOUBLE_EQ(bins[0].observed_rate, 0.0);
  EXPECT_DOUBLE_EQ(bins[0].upper, 0.5);
  EXPECT_EQ(bins[1].count, 2u);
  EXPECT_NEAR(bins[1].mean_p, 0.65, 1e-7);
  EXPECT_DOUBLE_EQ(bins[1].observed_rate, 1.0);
  // A restricted range: over [0, 0.4] in 4 bins, 0.25 is in bin 2 and the rest in the last bin.
  const auto narrow = reliability_bins(p, y, CalibrationBinning{4, 0.4});
  EXPECT_EQ(narrow[2].count, 1u);
  EXPECT_EQ(narrow[3].count, 2u);
  EXPECT_TRUE(std::isnan(narrow[0].mean_p));
}

TEST(OfflineMetrics, PerfectCalibrationHasZeroEce) {
  // Each bin's mean prediction equals its observed rate.
  const std::vector<float> p = {0.25f, 0.25f, 0.25f, 0.25f, 0.75f, 0.75f, 0.75f, 0.75f};
  const Labels y = {1, 0, 0, 0, 1, 1, 1, 0};
  EXPECT_NEAR(expected_calibration_error(p, y, {10, 1.0}), 0.0, 1e-9);
  EXPECT_NEAR(calibration_ratio(p, y), 1.0, 1e-7);
}

struct Stream {
  std::vector<float> p;
  Labels y;
  std::vector<int> segment;
};

// Predictions spread over many decades (logit-uniform) with labels drawn from them.
Stream random_stream(std::size_t n, std::uint64_t seed) {
  core::Rng rng(seed);
  boost::random::uniform_01<double> u;
  Stream s;
  for (std::size_t i = 0; i < n; ++i) {
    const double z = -7.0 + 8.0 * u(rng);
    const double p = 1.0 / (1.0 + std::exp(-z));
    s.p.push_back(static_cast<float>(p));
    s.y.push_back(boost::random::bernoulli_distribution<double>(p)(rng) ? 1 : 0);
    s.segment.push_back(static_cast<int>(i % 3));
  }
  return s;
}

TEST(ProgressiveValidator, MatchesExactMetricsAndAucWithinItsBound) {
  const Stream s = random_stream(20'000, 7);
  ValidatorConfig cfg;
  cfg.calibration = {20, 0.5};
  ProgressiveValidator v(cfg);
  for (std::size_t i = 0; i < s.p.size(); ++i) v.add(s.p[i], s.y[i] != 0);
  const MetricReport streamed = v.total();
  const MetricReport exact = evaluate(s.p, s.y, cfg.calibration);
  EXPECT_EQ(streamed.count, exact.count);
  EXPECT_EQ(streamed.clicks, exact.clicks);
  // Sums: exact up to summation rounding.
  EXPECT_NEAR(streamed.log_loss, exact.log_loss, 1e-9);
  EXPECT_NEAR(streamed.normalized_entropy, exact.normalized_entropy, 1e-9);
  EXPECT_NEAR(streamed.calibration_ratio, exact.calibration_ratio, 1e-9);
  EXPECT_NEAR(streamed.ece, exact.ece, 1e-9);
  for (std::size_t b = 0; b < exact.reliability.size(); ++b) {
    EXPECT_EQ(streamed.reliability[b].count, exact.reliability[b].count);
  }
  // AUC: the derived bound holds, and is small. Scores span 8 logit units ≈ 1365 of the 4096
  // bins, ~15 examples per bin: Σ pos_b·neg_b / (2PN) ≈ 1/(2 · 1365) ≈ 4e-4.
  EXPECT_LE(std::abs(streamed.auc - exact.auc), streamed.auc_error_bound + 1e-12);
  EXPECT_GT(streamed.auc_error_bound, 0.0);
  EXPECT_LT(streamed.auc_error_bound, 1e-3);
  EXPECT_GT(exact.auc, 0.7);  // labels follow the scores: well above chance
}

TEST(ProgressiveValidator, HistogramAucIsExactWhenSameBinPairsAreTrueTies) {
  // Five distinct scores far apart: every same-bin pair is a real tie, counted 1/2 by both.
  const std::vector<float> levels = {0.01f, 0.05f, 0.2f, 0.5f, 0.9f};
  Stream s;
  for (int i = 0; i < 500; ++i) {
    s.p.push_back(levels[static_cast<std::size_t>(i % 5)]);
    s.y.push_back(static_cast<std::uint8_t>((i * 7 + i / 5) % 3 == 0));
  }
  ProgressiveValidator v;
  for (std::size_t i = 0; i < s.p.size(); ++i) v.add(s.p[i], s.y[i] != 0);
  EXPECT_NEAR(v.total().auc, auc_exact(s.p, s.y), 1e-12);
}

TEST(ProgressiveValidator, SegmentsAndWindows) {
  const Stream s = random_stream(9'000, 11);
  ValidatorConfig cfg;
  cfg.segments = 3;
  ProgressiveValidator v(cfg, 0);
  const std::size_t half = s.p.size() / 2;
  for (std::size_t i = 0; i < half; ++i) v.add(s.p[i], s.y[i] != 0, s.segment[i]);
  const ValidationSnapshot first = v.take_window(100);
  EXPECT_EQ(first.start, 0);
  EXPECT_EQ(first.end, 100);
  EXPECT_EQ(first.overall.count, half);
  ASSERT_EQ(first.segments.size(), 3u);
  EXPECT_EQ(first.segments[0].count + first.segments[1].count + first.segments[2].count, half);
  EXPECT_EQ(v.window_count(), 0u);
  for (std::size_t i = half; i < s.p.size(); ++i) v.add(s.p[i], s.y[i] != 0, s.segment[i]);
  v.add(0.5f, true, 7);  // unknown segment: overall only
  const ValidationSnapshot second = v.take_window(200);
  EXPECT_EQ(second.start, 100);
  EXPECT_EQ(second.overall.count, s.p.size() - half + 1);
  EXPECT_EQ(v.total().count, s.p.size() + 1);

  // A segment's total report equals the exact metrics over that segment's examples.
  std::vector<float> p1;
  Labels y1;
  for (std::size_t i = 0; i < s.p.size(); ++i) {
    if (s.segment[i] == 1) {
      p1.push_back(s.p[i]);
      y1.push_back(s.y[i]);
    }
  }
  const MetricReport seg = v.total_segment(1);
  EXPECT_EQ(seg.count, p1.size());
  EXPECT_NEAR(seg.log_loss, log_loss(p1, y1), 1e-9);
  EXPECT_LE(std::abs(seg.auc - auc_exact(p1, y1)), seg.auc_error_bound + 1e-12);
  EXPECT_THROW(v.total_segment(3), std::out_of_range);

  v.reset(300);
  EXPECT_EQ(v.count(), 0u);
  EXPECT_TRUE(std::isnan(v.total().auc));
}

TEST(ProgressiveValidator, RejectsBadConfiguration) {
  ValidatorConfig cfg;
  cfg.auc_bins = 1;
  EXPECT_THROW(ProgressiveValidator{cfg}, std::invalid_argument);
}

}  // namespace
}  // namespace adsim::models

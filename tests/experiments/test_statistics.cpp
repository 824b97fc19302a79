// experiments/statistics: every expected number here was computed by hand or taken from a published
// t table, and cross-checked independently of Boost with Python's standard library (the t density
// integrated by Simpson's rule with 200,000 intervals, quantiles by bisection; for 4 df also the
// closed-form cdf). The derivations are in the comments next to each example.
#include "experiments/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace adsim::experiments {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// --- RunningStats ----------------------------------------------------------------------------

TEST(RunningStats, EmptyAndSingleValueHaveNoVariance) {
  RunningStats s;
  EXPECT_EQ(s.count(), 0u);
  EXPECT_TRUE(std::isnan(s.mean()));
  EXPECT_TRUE(std::isnan(s.variance()));
  s.add(3.5);
  EXPECT_EQ(s.count(), 1u);
  EXPECT_DOUBLE_EQ(s.mean(), 3.5);
  EXPECT_TRUE(std::isnan(s.variance()));
  EXPECT_TRUE(std::isnan(s.stddev()));
}

TEST(RunningStats, SampleVarianceUsesNMinusOne) {
  // {2,4,4,4,5,5,7,9}: mean 40/8 = 5; squared deviations 9+1+1+1+0+0+4+16 = 32;
  // sample variance 32/7 = 4.571429 (the population variance would be 32/8 = 4).
  RunningStats s;
  for (double x : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) s.add(x);
  EXPECT_EQ(s.count(), 8u);
  EXPECT_DOUBLE_EQ(s.mean(), 5.0);
  EXPECT_DOUBLE_EQ(s.variance(), 32.0 / 7.0);
  EXPECT_NEAR(s.stddev(), 2.138090, 1e-6);
}

TEST(RunningStats, LargeOffsetKeepsAllDigits) {
  // 1e9 + {4,7,13,16}: mean 1e9 + 10, deviations -6,-3,3,6, squares sum to 90, variance 90/3 = 30.
  const std::vector<double> xs{1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
  // The textbook formula (sum x^2 - n xbar^2) / (n-1) loses every digit here (sum x^2 ~ 4e18, whose
  // spacing is 512), which is what this test guards against.
  double sum = 0.0;
  double sum_sq = 0.0;
  for (double x : xs) {
    sum += x;
    sum_sq += x * x;
  }
  const double naive = (sum_sq - 4.0 * (sum / 4.0) * (sum / 4.0)) / 3.0;
  ASSERT_GT(std::abs(naive - 30.0), 1.0);

  RunningStats s;
  for (double x : xs) s.add(x);
  EXPECT_DOUBLE_EQ(s.mean(), 1e9 + 10);
  EXPECT_DOUBLE_EQ(s.variance(), 30.0);
}

// --- student_t_quantile ----------------------------------------------------------------------

TEST(StudentTQuantile, MatchesPublishedTable) {
  // Two-sided 95% critical values from standard t tables.
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.7062, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 4), 2.7764, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 7), 2.3646, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.975, 19), 2.0930, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.995, 4), 4.6041, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.95, 7), 1.8946, 1e-4);
  // Lower tail by symmetry.
  EXPECT_NEAR(student_t_quantile(0.025, 4), -2.7764, 1e-4);
  EXPECT_DOUBLE_EQ(student_t_quantile(0.5, 4), 0.0);
}

TEST(StudentTQuantile, LargeDegreesOfFreedomTendToNormal) {
  // z_{0.975} = 1.959964.
  EXPECT_NEAR(student_t_quantile(0.975, 1e7), 1.95996, 1e-4);
  EXPECT_NEAR(student_t_quantile(0.975, kInf), 1.959964, 1e-6);
}

TEST(StudentTQuantile, RejectsBadArguments) {
  EXPECT_THROW(student_t_quantile(0.975, 0.0), std::domain_error);
  EXPECT_THROW(student_t_quantile(0.975, -3.0), std::domain_error);
  EXPECT_THROW(student_t_quantile(0.975, kNaN), std::domain_error);
  EXPECT_THROW(student_t_quantile(0.0, 4.0), std::domain_error);
  EXPECT_THROW(student_t_quantile(1.0, 4.0), std::domain_error);
  EXPECT_THROW(student_t_quantile(-0.1, 4.0), std::domain_error);
  EXPECT_THROW(student_t_quantile(1.1, 4.0), std::domain_error);
  EXPECT_THROW(student_t_quantile(kNaN, 4.0), std::domain_error);
}

// --- summarize -------------------------------------------------------------------------------

TEST(Summarize, HandExample) {
  // {2,4,4,4,5,5,7,9}: mean 5, sd sqrt(32/7) = 2.138090, se = sd/sqrt(8) = 0.755929,
  // t_{0.975,7} = 2.364624, half width 2.364624 * 0.755929 = 1.787488, CI [3.212512, 6.787488].
  const std::vector<double> xs{2, 4, 4, 4, 5, 5, 7, 9};
  const Summary s = summarize(xs);
  EXPECT_EQ(s.n, 8u);
  EXPECT_EQ(s.skipped, 0u);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_NEAR(s.sd, 2.138090, 1e-6);
  EXPECT_NEAR(s.ci_low, 3.212512, 1e-6);
  EXPECT_NEAR(s.ci_high, 6.787488, 1e-6);
  EXPECT_NEAR(s.half_width(), 1.787488, 1e-6);
}

TEST(Summarize, ConfidenceLevelIsUsed) {
  // 90%: t_{0.95,7} = 1.894579, half width 1.894579 * 0.755929 = 1.432167.
  const std::vector<double> xs{2, 4, 4, 4, 5, 5, 7, 9};
  const Summary s = summarize(xs, 0.90);
  EXPECT_NEAR(s.ci_low, 3.567833, 1e-6);
  EXPECT_NEAR(s.ci_high, 6.432167, 1e-6);
}

TEST(Summarize, NonFiniteValuesAreSkippedAndCounted) {
  const std::vector<double> xs{2, kNaN, 4, 4, kInf, 4, 5, 5, -kInf, 7, 9};
  const Summary s = summarize(xs);
  EXPECT_EQ(s.n, 8u);
  EXPECT_EQ(s.skipped, 3u);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_NEAR(s.ci_low, 3.212512, 1e-6);
  EXPECT_NEAR(s.ci_high, 6.787488, 1e-6);
}

TEST(Summarize, FewerThanTwoValuesHaveNoSpread) {
  const Summary none = summarize(std::vector<double>{});
  EXPECT_EQ(none.n, 0u);
  EXPECT_TRUE(std::isnan(none.mean));
  EXPECT_TRUE(std::isnan(none.sd));
  EXPECT_TRUE(std::isnan(none.half_width()));

  const Summary only_nan = summarize(std::vector<double>{kNaN, kNaN});
  EXPECT_EQ(only_nan.n, 0u);
  EXPECT_EQ(only_nan.skipped, 2u);
  EXPECT_TRUE(std::isnan(only_nan.mean));

  const Summary one = summarize(std::vector<double>{3.0, kNaN});
  EXPECT_EQ(one.n, 1u);
  EXPECT_DOUBLE_EQ(one.mean, 3.0);
  EXPECT_TRUE(std::isnan(one.sd));
  EXPECT_TRUE(std::isnan(one.ci_low));
  EXPECT_TRUE(std::isnan(one.ci_high));
  EXPECT_TRUE(std::isnan(one.half_width()));
}

TEST(Summarize, ConstantValuesHaveAZeroWidthInterval) {
  const Summary s = summarize(std::vector<double>{4.0, 4.0, 4.0});
  EXPECT_EQ(s.n, 3u);
  EXPECT_DOUBLE_EQ(s.sd, 0.0);
  EXPECT_DOUBLE_EQ(s.ci_low, 4.0);
  EXPECT_DOUBLE_EQ(s.ci_high, 4.0);
}

TEST(Summarize, LargeOffsetKeepsAllDigits) {
  // Variance exactly 30 (see RunningStats.LargeOffsetKeepsAllDigits).
  const Summary s = summarize(std::vector<double>{1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16});
  EXPECT_DOUBLE_EQ(s.mean, 1e9 + 10);
  EXPECT_DOUBLE_EQ(s.sd, std::sqrt(30.0));
}

TEST(Summarize, RejectsConfidenceOutsideZeroOne) {
  const std::vector<double> xs{1, 2, 3};
  EXPECT_THROW(summarize(xs, 0.0), std::invalid_argument);
  EXPECT_THROW(summarize(xs, 1.0), std::invalid_argument);
  EXPECT_THROW(summarize(xs, 95.0), std::invalid_argument);
  EXPECT_THROW(summarize(xs, kNaN), std::invalid_argument);
}

// --- paired_compare --------------------------------------------------------------------------

// baseline {10,12,9,11,13} (mean 55/5 = 11), variant {11,14,10,11,15} (mean 61/5 = 12.2).
// Differences d = {1,2,1,0,2}: mean 6/5 = 1.2; deviations -0.2,0.8,-0.2,-1.2,0.8, squares
// 0.04+0.64+0.04+1.44+0.64 = 2.8; variance 2.8/4 = 0.7; sd_diff = sqrt(0.7) = 0.836660;
// se = sqrt(0.7/5) = sqrt(0.14) = 0.374166; t = 1.2 / 0.374166 = 3.207135 with 4 df.
// Two-sided p = 2 * (1 - F_4(3.207135)); the closed form for 4 df,
// F_4(t) = 1/2 + (3/8) u (1 - t^2 / (12 (1 + t^2/4))) with u = t / sqrt(1 + t^2/4),
// gives u = 1.697056, F_4 = 0.983661, p = 0.0326779 (Simpson integration agrees to 7 digits).
// 95% CI: 1.2 +- t_{0.975,4} * se = 1.2 +- 2.776445 * 0.374166 = [0.161149, 2.238851].
// relative_change = 1.2 / 11 = 0.109091.
const std::vector<double> kBaseline{10, 12, 9, 11, 13};
const std::vector<double> kVariant{11, 14, 10, 11, 15};

TEST(PairedCompare, HandExample) {
  const PairedComparison c = paired_compare(kBaseline, kVariant);
  EXPECT_EQ(c.n, 5u);
  EXPECT_DOUBLE_EQ(c.baseline_mean, 11.0);
  EXPECT_DOUBLE_EQ(c.variant_mean, 12.2);
  EXPECT_DOUBLE_EQ(c.mean_diff, 1.2);
  EXPECT_NEAR(c.sd_diff, 0.836660, 1e-6);
  EXPECT_NEAR(c.ci_low, 0.161149, 1e-6);
  EXPECT_NEAR(c.ci_high, 2.238851, 1e-6);
  EXPECT_NEAR(c.relative_change, 0.109091, 1e-6);
  EXPECT_NEAR(c.t_statistic, 3.207135, 1e-6);
  EXPECT_NEAR(c.p_value, 0.0326779, 1e-6);
}

TEST(PairedCompare, ConfidenceLevelIsUsed) {
  // 99%: t_{0.995,4} = 4.604095, half width 4.604095 * 0.374166 = 1.722695: the interval now
  // contains 0, consistent with p = 0.033 > 0.01.
  const PairedComparison c = paired_compare(kBaseline, kVariant, 0.99);
  EXPECT_NEAR(c.ci_low, -0.522695, 1e-5);
  EXPECT_NEAR(c.ci_high, 2.922695, 1e-5);
  EXPECT_NEAR(c.p_value, 0.0326779, 1e-6);  // the test does not depend on the confidence
}

TEST(PairedCompare, PairsWithANonFiniteValueAreLeftOut) {
  std::vector<double> b = kBaseline;
  std::vector<double> v = kVariant;
  b.insert(b.begin() + 2, kNaN);
  v.insert(v.begin() + 2, 3.0);
  b.push_back(8.0);
  v.push_back(kInf);
  b.insert(b.begin(), -kInf);
  v.insert(v.begin(), kNaN);
  const PairedComparison c = paired_compare(b, v);
  EXPECT_EQ(c.n, 5u);
  EXPECT_DOUBLE_EQ(c.baseline_mean, 11.0);
  EXPECT_DOUBLE_EQ(c.variant_mean, 12.2);
  EXPECT_NEAR(c.t_statistic, 3.207135, 1e-6);
  EXPECT_NEAR(c.p_value, 0.0326779, 1e-6);
}

TEST(PairedCompare, IdenticalVariantHasPOneAndZeroInterval) {
  const std::vector<double> b{3.5, 7.25, 1.0, 9.0};
  const PairedComparison c = paired_compare(b, b);
  EXPECT_EQ(c.n, 4u);
  EXPECT_DOUBLE_EQ(c.mean_diff, 0.0);
  EXPECT_DOUBLE_EQ(c.sd_diff, 0.0);
  EXPECT_DOUBLE_EQ(c.ci_low, 0.0);
  EXPECT_DOUBLE_EQ(c.ci_high, 0.0);
  EXPECT_DOUBLE_EQ(c.relative_change, 0.0);
  EXPECT_TRUE(std::isnan(c.t_statistic));
  EXPECT_EQ(c.p_value, 1.0);
}

TEST(PairedCompare, ConstantNonzeroShiftIsExact) {
  const std::vector<double> b{10, 12, 9, 11};
  const std::vector<double> up{12, 14, 11, 13};
  const PairedComparison c = paired_compare(b, up);
  EXPECT_DOUBLE_EQ(c.mean_diff, 2.0);
  EXPECT_DOUBLE_EQ(c.sd_diff, 0.0);
  EXPECT_DOUBLE_EQ(c.ci_low, 2.0);
  EXPECT_DOUBLE_EQ(c.ci_high, 2.0);
  EXPECT_EQ(c.t_statistic, kInf);
  EXPECT_EQ(c.p_value, 0.0);

  const std::vector<double> down{9, 11, 8, 10};
  const PairedComparison d = paired_compare(b, down);
  EXPECT_DOUBLE_EQ(d.ci_low, -1.0);
  EXPECT_DOUBLE_EQ(d.ci_high, -1.0);
  EXPECT_EQ(d.t_statistic, -kInf);
  EXPECT_EQ(d.p_value, 0.0);
}

TEST(PairedCompare, FewerThanTwoPairsHaveNoTest) {
  const PairedComparison none = paired_compare(std::vector<double>{kNaN}, std::vector<double>{1.0});
  EXPECT_EQ(none.n, 0u);
  EXPECT_TRUE(std::isnan(none.baseline_mean));
  EXPECT_TRUE(std::isnan(none.mean_diff));
  EXPECT_TRUE(std::isnan(none.relative_change));
  EXPECT_TRUE(std::isnan(none.p_value));

  // One pair: the difference is known (7 - 5 = 2, relative 2/5), its noise is not.
  const PairedComparison one = paired_compare(std::vector<double>{5.0}, std::vector<double>{7.0});
  EXPECT_EQ(one.n, 1u);
  EXPECT_DOUBLE_EQ(one.mean_diff, 2.0);
  EXPECT_DOUBLE_EQ(one.relative_change, 0.4);
  EXPECT_TRUE(std::isnan(one.sd_diff));
  EXPECT_TRUE(std::isnan(one.ci_low));
  EXPECT_TRUE(std::isnan(one.ci_high));
  EXPECT_TRUE(std::isnan(one.t_statistic));
  EXPECT_TRUE(std::isnan(one.p_value));
}

TEST(PairedCompare, RelativeChangeIsSignedByTheDifference) {
  // Baseline mean -11, differences {1, 2} with mean 1.5: relative +1.5/11 = +0.136364 (an
  // increase), not 1.5/-11.
  const PairedComparison neg =
      paired_compare(std::vector<double>{-10, -12}, std::vector<double>{-9, -10});
  EXPECT_NEAR(neg.relative_change, 0.136364, 1e-6);

  // Baseline mean (-1 + 1)/2 = 0: no relative change, the absolute one is still there.
  const PairedComparison zero =
      paired_compare(std::vector<double>{-1, 1}, std::vector<double>{0, 3});
  EXPECT_DOUBLE_EQ(zero.mean_diff, 1.5);
  EXPECT_TRUE(std::isnan(zero.relative_change));
}

TEST(PairedCompare, RejectsMismatchedSizesAndBadConfidence) {
  EXPECT_THROW(paired_compare(std::vector<double>{1, 2, 3}, std::vector<double>{1, 2}),
               std::invalid_argument);
  EXPECT_THROW(paired_compare(kBaseline, kVariant, 1.0), std::invalid_argument);
  EXPECT_THROW(paired_compare(kBaseline, kVariant, 0.0), std::invalid_argument);
}

// --- holm_adjust -----------------------------------------------------------------------------

void expect_p_values(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(actual[i])) << "index " << i;
    } else {
      EXPECT_NEAR(actual[i], expected[i], 1e-12) << "index " << i;
    }
  }
}

TEST(HolmAdjust, HandExample) {
  // Sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> max(0.06, 0.04) = 0.06.
  expect_p_values(holm_adjust(std::vector<double>{0.01, 0.04, 0.03, 0.005}),
                  {0.03, 0.06, 0.06, 0.02});
}

TEST(HolmAdjust, StepDownIsMadeMonotone) {
  // 0.01*3 = 0.03, 0.011*2 = 0.022, 0.02*1 = 0.02: without the running maximum the larger raw
  // p-values would get smaller adjusted ones.
  expect_p_values(holm_adjust(std::vector<double>{0.01, 0.011, 0.02}), {0.03, 0.03, 0.03});
  // Ties get equal adjustments: 0.02*3 = 0.06, 0.02*2 = 0.04 -> 0.06, 0.5*1 = 0.5.
  expect_p_values(holm_adjust(std::vector<double>{0.02, 0.5, 0.02}), {0.06, 0.5, 0.06});

  const std::vector<double> raw{0.2, 0.001, 0.04, 0.3, 0.01, 0.049, 0.8, 0.03};
  const std::vector<double> adj = holm_adjust(raw);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    EXPECT_GE(adj[i], raw[i]);
    EXPECT_LE(adj[i], 1.0);
    for (std::size_t j = 0; j < raw.size(); ++j) {
      if (raw[i] < raw[j]) {
        EXPECT_LE(adj[i], adj[j]) << i << " vs " << j;
      }
    }
  }
}

TEST(HolmAdjust, CappedAtOne) {
  expect_p_values(holm_adjust(std::vector<double>{0.7, 0.8, 0.9}), {1.0, 1.0, 1.0});
  // 0.001*2 = 0.002, 0.6*1 = 0.6.
  expect_p_values(holm_adjust(std::vector<double>{0.6, 0.001}), {0.6, 0.002});
  // 0.4*2 = 0.8, then max(0.8, 0.9*1) = 0.9.
  expect_p_values(holm_adjust(std::vector<double>{0.9, 0.4}), {0.9, 0.8});
  // 0.55*2 = 1.1 -> 1, then max(1, 0.56) = 1.
  expect_p_values(holm_adjust(std::vector<double>{0.55, 0.56}), {1.0, 1.0});
}

TEST(HolmAdjust, NaNStaysNaNAndIsNotCounted) {
  // m = 2, not 3: 0.01*2 = 0.02, 0.04*1 = 0.04.
  expect_p_values(holm_adjust(std::vector<double>{0.01, kNaN, 0.04}), {0.02, kNaN, 0.04});
  expect_p_values(holm_adjust(std::vector<double>{kNaN, kNaN}), {kNaN, kNaN});
  expect_p_values(holm_adjust(std::vector<double>{0.03}), {0.03});
  EXPECT_TRUE(holm_adjust(std::vector<double>{}).empty());
}

TEST(HolmAdjust, RejectsValuesOutsideZeroOne) {
  EXPECT_THROW(holm_adjust(std::vector<double>{0.01, -0.1}), std::invalid_argument);
  EXPECT_THROW(holm_adjust(std::vector<double>{1.5}), std::invalid_argument);
  EXPECT_THROW(holm_adjust(std::vector<double>{kInf}), std::invalid_argument);
}

}  // namespace
}  // namespace adsim::experiments

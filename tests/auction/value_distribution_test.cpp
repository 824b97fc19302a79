#include <cmath>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "auction/value_distribution.hpp"
#include "core/random_streams.hpp"

namespace adsim::auction {
namespace {

std::vector<ValueDistribution> all_kinds() {
  return {ValueDistribution::uniform(2.0, 5.0), ValueDistribution::exponential(1.5),
          ValueDistribution::lognormal(0.3, 0.6), ValueDistribution::empirical({0.5, 0.2, 1.0, 1.0, 3.0, 0.7})};
}

TEST(ValueDistribution, QuantileInvertsCdf) {
  for (const auto& d : all_kinds()) {
    for (double p = 0.01; p < 1.0; p += 0.01) {
      const double x = d.quantile(p);
      if (d.kind() == DistributionKind::kEmpirical && x == 1.0) {
        // The repeated point 1.0 is an atom holding F from 0.6 to 0.8: the CDF jumps over p.
        EXPECT_GE(d.cdf(x), p);
        EXPECT_DOUBLE_EQ(d.cdf(x), 0.8);
        continue;
      }
      EXPECT_NEAR(d.cdf(x), p, 1e-12) << d.describe() << " p=" << p;
    }
    EXPECT_EQ(d.cdf(d.lower() - 1.0), 0.0);
    EXPECT_EQ(d.quantile(0.0), d.lower());
  }
}

TEST(ValueDistribution, PdfIsTheDerivativeOfTheCdf) {
  for (const auto& d : all_kinds()) {
    for (double p = 0.05; p < 0.96; p += 0.05) {
      const double x = d.quantile(p);
      const double h = 1e-6 * std::max(1.0, x);
      const double slope = (d.cdf(x + h) - d.cdf(x - h)) / (2 * h);
      // The empirical pdf jumps at the knots; compare only inside a segment.
      if (d.kind() == DistributionKind::kEmpirical && std::abs(d.pdf(x + h) - d.pdf(x - h)) > 0) continue;
      EXPECT_NEAR(d.pdf(x), slope, 1e-5 * std::max(1.0, d.pdf(x))) << d.describe() << " x=" << x;
    }
  }
}

// Sample mean and variance against the closed forms: the mean of N draws has SE sqrt(Var / N);
// the check allows 4 SE. The variance is checked at 4 SE of the sample variance, estimated
// from the fourth central moment: SE(s^2) ~ sqrt((m4 - s^4) / N).
TEST(ValueDistribution, SamplesMatchMeanAndVariance) {
  core::RandomStreams streams(42);
  for (const auto& d : all_kinds()) {
    core::Rng rng = streams.stream("values", static_cast<std::uint64_t>(d.kind()));
    constexpr int kN = 400'000;
    std::vector<double> x(kN);
    double sum = 0.0;
    for (double& v : x) {
      v = d.sample(rng);
      sum += v;
      ASSERT_GE(v, d.lower());
      ASSERT_LE(v, d.upper());
    }
    const double mean = sum / kN;
    double m2 = 0.0, m4 = 0.0;
    for (double v : x) {
      const double c = (v - mean) * (v - mean);
      m2 += c;
      m4 += c * c;
    }
    m2 /= kN - 1;
    m4 /= kN;
    EXPECT_NEAR(mean, d.mean(), 4.0 * std::sqrt(d.variance() / kN)) << d.describe();
    EXPECT_NEAR(m2, d.variance(), 4.0 * std::sqrt((m4 - m2 * m2) / kN)) << d.describe();
    // And the share of draws below the quartiles, binomial SE sqrt(F (1 - F) / N).
    for (double p : {0.25, 0.5, 0.75}) {
      const double q = d.quantile(p);
      const double f = d.cdf(q);  // p, except on an atom
      double below = 0;
      for (double v : x) below += v <= q ? 1 : 0;
      EXPECT_NEAR(below / kN, f, 4.0 * std::sqrt(f * (1 - f) / kN)) << d.describe() << " p=" << p;
    }
  }
}

TEST(ValueDistribution, EmpiricalInterpolatesTheSortedSample) {
  const auto d = ValueDistribution::empirical({3.0, 1.0, 2.0});
  EXPECT_EQ(d.cdf(1.0), 0.0);
  EXPECT_DOUBLE_EQ(d.cdf(1.5), 0.25);
  EXPECT_DOUBLE_EQ(d.cdf(2.0), 0.5);
  EXPECT_DOUBLE_EQ(d.quantile(0.75), 2.5);
  EXPECT_DOUBLE_EQ(d.pdf(2.5), 0.5);
  EXPECT_DOUBLE_EQ(d.mean(), 2.0);
  EXPECT_DOUBLE_EQ(d.variance(), 1.0 / 3.0);  // uniform on [1, 3]: 2^2 / 12
  // A repeated point is an atom: the CDF jumps across it.
  const auto atom = ValueDistribution::empirical({0.0, 1.0, 1.0, 2.0});
  EXPECT_DOUBLE_EQ(atom.cdf(1.0), 2.0 / 3.0);
  EXPECT_NEAR(atom.cdf(1.0 - 1e-9), (1.0 - 1e-9) / 3.0, 1e-15);
  EXPECT_DOUBLE_EQ(atom.quantile(0.5), 1.0);
}

TEST(ValueDistribution, BadParametersAreRejectedWithAReason) {
  auto message = [](auto f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([] { ValueDistribution::uniform(3, 1); }), "uniform value distribution needs 0 <= low < high, got low=3 high=1");
  EXPECT_EQ(message([] { ValueDistribution::exponential(0); }), "exponential value distribution needs a positive mean, got 0");
  EXPECT_EQ(message([] { ValueDistribution::lognormal(0, -1); }),
            "lognormal value distribution needs a finite mu and a positive sigma, got mu=0 sigma=-1");
  EXPECT_EQ(message([] { ValueDistribution::empirical({1.0}); }), "empirical value distribution needs at least 2 points");
  EXPECT_EQ(message([] { ValueDistribution::empirical({1.0, 1.0}); }), "empirical value distribution needs at least two distinct points");
}

}  // namespace
}  // namespace adsim::auction

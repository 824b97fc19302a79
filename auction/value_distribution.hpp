#pragma once
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/random/exponential_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <boost/random/lognormal_distribution.hpp>

#include "core/random_streams.hpp"

namespace adsim::auction {

// A uniform draw on [0, 1) with 53 random bits: Boost's uniform_int_distribution over [0, 2^53)
// scaled by 2^-53. The same law as boost::random::uniform_01, without its conversion of an
// unsigned 64-bit integer to double, whose sign test mispredicts on half the draws (that made
// uniform values cost 3x a raw engine call on the auction-only hot path).
inline double uniform_unit(core::Rng& rng) {
  constexpr std::uint64_t kTop = (std::uint64_t{1} << 53) - 1;
  const std::uint64_t bits = boost::random::uniform_int_distribution<std::uint64_t>(0, kTop)(rng);
  return static_cast<double>(static_cast<std::int64_t>(bits)) * 0x1.0p-53;
}

// kFixed: every draw is the same value (a classroom bidder with a given value); draws consume no
// randomness, so rounds among fixed-value bidders are deterministic.
enum class DistributionKind : std::uint8_t { kUniform, kExponential, kLognormal, kEmpirical, kFixed };

// A bidder's private value distribution: what values are drawn from, and what the Myerson reserve
// and the first-price equilibrium are computed from. A small value type (copies share the
// empirical sample). Sampling uses Boost.Random, cdf/pdf/quantile Boost.Math, so results are the
// same on every platform.
//
// The empirical distribution is the continuous one whose CDF interpolates the sorted sample
// linearly: F(x_(j)) = (j-1)/(m-1) for the j-th of m points. Sampling, cdf, pdf and quantile all
// describe that same distribution, so theory computed from it matches what is drawn.
class ValueDistribution {
 public:
  ValueDistribution() = default;  // uniform(0, 1)

  // The factories throw std::invalid_argument on bad parameters.
  static ValueDistribution uniform(double low, double high);
  static ValueDistribution exponential(double mean);
  // log(value) ~ Normal(mu, sigma).
  static ValueDistribution lognormal(double mu, double sigma);
  // At least 2 finite, non-negative points, not all equal.
  static ValueDistribution empirical(std::vector<double> points);
  // A point mass at `value` (finite, >= 0). It has no density: the first-price equilibrium table
  // is not defined for it, and its Myerson reserve is the value itself.
  static ValueDistribution fixed(double value);

  DistributionKind kind() const { return kind_; }
  double param1() const { return a_; }  // low, mean, mu, the fixed value
  double param2() const { return b_; }  // high, -, sigma, the fixed value
  // The sorted sample of an empirical distribution; empty for the others.
  std::span<const double> points() const {
    return points_ ? std::span<const double>(*points_) : std::span<const double>();
  }

  double sample(core::Rng& rng) const {
    switch (kind_) {
      case DistributionKind::kUniform: return a_ + (b_ - a_) * uniform_unit(rng);
      case DistributionKind::kExponential: return boost::random::exponential_distribution<double>(1.0 / a_)(rng);
      case DistributionKind::kLognormal: return boost::random::lognormal_distribution<double>(a_, b_)(rng);
      case DistributionKind::kEmpirical: return quantile(uniform_unit(rng));
      case DistributionKind::kFixed: return a_;
    }
    return 0.0;
  }
  double cdf(double x) const;
  double pdf(double x) const;
  double quantile(double p) const;
  double mean() const;
  double variance() const;
  double lower() const;  // infimum of the support
  double upper() const;  // supremum of the support (infinity if unbounded)
  std::string describe() const;

 private:
  DistributionKind kind_ = DistributionKind::kUniform;
  double a_ = 0.0;
  double b_ = 1.0;
  std::shared_ptr<const std::vector<double>> points_;  // sorted, empirical only
};

}  // namespace adsim::auction

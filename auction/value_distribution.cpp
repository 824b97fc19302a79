#include "auction/value_distribution.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <boost/math/distributions/exponential.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/uniform.hpp>

namespace adsim::auction {

namespace {

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument(what); }

}  // namespace

ValueDistribution ValueDistribution::uniform(double low, double high) {
  if (!(std::isfinite(low) && std::isfinite(high) && low >= 0.0 && high > low)) {
    std::ostringstream m;
    m << "uniform value distribution needs 0 <= low < high, got low=" << low << " high=" << high;
    bad(m.str());
  }
  ValueDistribution d;
  d.kind_ = DistributionKind::kUniform;
  d.a_ = low;
  d.b_ = high;
  return d;
}

ValueDistribution ValueDistribution::exponential(double mean) {
  if (!(std::isfinite(mean) && mean > 0.0)) {
    std::ostringstream m;
    m << "exponential value distribution needs a positive mean, got " << mean;
    bad(m.str());
  }
  ValueDistribution d;
  d.kind_ = DistributionKind::kExponential;
  d.a_ = mean;
  d.b_ = 0.0;
  return d;
}

ValueDistribution ValueDistribution::lognormal(double mu, double sigma) {
  if (!(std::isfinite(mu) && std::isfinite(sigma) && sigma > 0.0)) {
    std::ostringstream m;
    m << "lognormal value distribution needs a finite mu and a positive sigma, got mu=" << mu << " sigma=" << sigma;
    bad(m.str());
  }
  ValueDistribution d;
  d.kind_ = DistributionKind::kLognormal;
  d.a_ = mu;
  d.b_ = sigma;
  return d;
}

ValueDistribution ValueDistribution::empirical(std::vector<double> points) {
  if (points.size() < 2) bad("empirical value distribution needs at least 2 points");
  for (double x : points) {
    if (!(std::isfinite(x) && x >= 0.0)) {
      std::ostringstream m;
      m << "empirical value distribution needs finite non-negative points, got " << x;
      bad(m.str());
    }
  }
  std::sort(points.begin(), points.end());
  if (points.front() == points.back()) bad("empirical value distribution needs at least two distinct points");
  ValueDistribution d;
  d.kind_ = DistributionKind::kEmpirical;
  d.a_ = points.front();
  d.b_ = points.back();
  d.points_ = std::make_shared<const std::vector<double>>(std::move(points));
  return d;
}

ValueDistribution ValueDistribution::fixed(double value) {
  if (!(std::isfinite(value) && value >= 0.0)) {
    std::ostringstream m;
    m << "a fixed value must be a finite number >= 0, got " << value;
    bad(m.str());
  }
  ValueDistribution d;
  d.kind_ = DistributionKind::kFixed;
  d.a_ = value;
  d.b_ = value;
  return d;
}

double ValueDistribution::cdf(double x) const {
  switch (kind_) {
    case DistributionKind::kUniform:
      return boost::math::cdf(boost::math::uniform_distribution<double>(a_, b_), std::clamp(x, a_, b_));
    case DistributionKind::kExponential:
      return x <= 0.0 ? 0.0 : boost::math::cdf(boost::math::exponential_distribution<double>(1.0 / a_), x);
    case DistributionKind::kLognormal:
      return x <= 0.0 ? 0.0 : boost::math::cdf(boost::math::lognormal_distribution<double>(a_, b_), x);
    case DistributionKind::kEmpirical: {
      const auto& p = *points_;
      if (x <= p.front()) return 0.0;
      if (x >= p.back()) return 1.0;
      // Last point <= x; on a run of equal points the CDF jumps, and the top of the run counts.
      const auto it = std::upper_bound(p.begin(), p.end(), x);
      const auto j = static_cast<std::size_t>(it - p.begin()) - 1;  // p[j] <= x < p[j+1]
      const double m1 = static_cast<double>(p.size() - 1);
      return (static_cast<double>(j) + (x - p[j]) / (p[j + 1] - p[j])) / m1;
    }
    case DistributionKind::kFixed: return x < a_ ? 0.0 : 1.0;
  }
  return 0.0;
}

double ValueDistribution::pdf(double x) const {
  switch (kind_) {
    case DistributionKind::kUniform: return x < a_ || x > b_ ? 0.0 : 1.0 / (b_ - a_);
    case DistributionKind::kExponential:
      return x < 0.0 ? 0.0 : boost::math::pdf(boost::math::exponential_distribution<double>(1.0 / a_), x);
    case DistributionKind::kLognormal:
      return x <= 0.0 ? 0.0 : boost::math::pdf(boost::math::lognormal_distribution<double>(a_, b_), x);
    case DistributionKind::kEmpirical: {
      const auto& p = *points_;
      if (x < p.front() || x >= p.back()) return 0.0;
      const auto it = std::upper_bound(p.begin(), p.end(), x);
      const auto j = static_cast<std::size_t>(it - p.begin()) - 1;
      return 1.0 / (static_cast<double>(p.size() - 1) * (p[j + 1] - p[j]));
    }
    case DistributionKind::kFixed: return 0.0;  // a point mass has no density
  }
  return 0.0;
}

double ValueDistribution::quantile(double q) const {
  q = std::clamp(q, 0.0, 1.0);
  switch (kind_) {
    case DistributionKind::kUniform: return a_ + q * (b_ - a_);
    case DistributionKind::kExponential:
      if (q >= 1.0) return std::numeric_limits<double>::infinity();
      return boost::math::quantile(boost::math::exponential_distribution<double>(1.0 / a_), q);
    case DistributionKind::kLognormal:
      if (q <= 0.0) return 0.0;
      if (q >= 1.0) return std::numeric_limits<double>::infinity();
      return boost::math::quantile(boost::math::lognormal_distribution<double>(a_, b_), q);
    case DistributionKind::kEmpirical: {
      const auto& p = *points_;
      const double pos = q * static_cast<double>(p.size() - 1);
      const auto j = std::min(static_cast<std::size_t>(pos), p.size() - 2);
      return p[j] + (pos - static_cast<double>(j)) * (p[j + 1] - p[j]);
    }
    case DistributionKind::kFixed: return a_;
  }
  return 0.0;
}

double ValueDistribution::mean() const {
  switch (kind_) {
    case DistributionKind::kUniform: return 0.5 * (a_ + b_);
    case DistributionKind::kExponential: return a_;
    case DistributionKind::kLognormal: return std::exp(a_ + 0.5 * b_ * b_);
    case DistributionKind::kEmpirical: {
      // Mean of the piecewise-uniform distribution: each gap carries mass 1/(m-1) at its midpoint.
      const auto& p = *points_;
      double s = 0.0;
      for (std::size_t j = 0; j + 1 < p.size(); ++j) s += 0.5 * (p[j] + p[j + 1]);
      return s / static_cast<double>(p.size() - 1);
    }
    case DistributionKind::kFixed: return a_;
  }
  return 0.0;
}

double ValueDistribution::variance() const {
  switch (kind_) {
    case DistributionKind::kUniform: return (b_ - a_) * (b_ - a_) / 12.0;
    case DistributionKind::kExponential: return a_ * a_;
    case DistributionKind::kLognormal: return (std::exp(b_ * b_) - 1.0) * std::exp(2.0 * a_ + b_ * b_);
    case DistributionKind::kEmpirical: {
      // A mixture of uniforms on the gaps, each with weight 1/(m-1): within-gap variance
      // (width^2 / 12) plus the spread of the gap midpoints around the mean (no cancellation).
      const auto& p = *points_;
      const double m = mean();
      double s = 0.0;
      for (std::size_t j = 0; j + 1 < p.size(); ++j) {
        const double width = p[j + 1] - p[j];
        const double mid = 0.5 * (p[j] + p[j + 1]) - m;
        s += width * width / 12.0 + mid * mid;
      }
      return s / static_cast<double>(p.size() - 1);
    }
    case DistributionKind::kFixed: return 0.0;
  }
  return 0.0;
}

double ValueDistribution::lower() const {
  switch (kind_) {
    case DistributionKind::kUniform: return a_;
    case DistributionKind::kExponential: return 0.0;
    case DistributionKind::kLognormal: return 0.0;
    case DistributionKind::kEmpirical: return points_->front();
    case DistributionKind::kFixed: return a_;
  }
  return 0.0;
}

double ValueDistribution::upper() const {
  switch (kind_) {
    case DistributionKind::kUniform: return b_;
    case DistributionKind::kExponential:
    case DistributionKind::kLognormal: return std::numeric_limits<double>::infinity();
    case DistributionKind::kEmpirical: return points_->back();
    case DistributionKind::kFixed: return a_;
  }
  return 0.0;
}

std::string ValueDistribution::describe() const {
  std::ostringstream s;
  switch (kind_) {
    case DistributionKind::kUniform: s << "uniform(" << a_ << ", " << b_ << ")"; break;
    case DistributionKind::kExponential: s << "exponential(mean " << a_ << ")"; break;
    case DistributionKind::kLognormal: s << "lognormal(mu " << a_ << ", sigma " << b_ << ")"; break;
    case DistributionKind::kEmpirical: s << "empirical(" << points_->size() << " points)"; break;
    case DistributionKind::kFixed: s << "fixed(" << a_ << ")"; break;
  }
  return s.str();
}

}  // namespace adsim::auction

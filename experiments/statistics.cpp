#include "experiments/statistics.hpp"

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace adsim::experiments {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

void require_confidence(double confidence) {
  // Written so that NaN fails too.
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw std::invalid_argument("confidence must be in (0, 1)");
  }
}

// t_{1-(1-c)/2, df}. Taken as the upper-tail quantile of alpha/2 = (1-c)/2 rather than the quantile
// of 1 - alpha/2, which would round away digits of alpha/2 for confidences close to 1.
double two_sided_critical_t(double confidence, double degrees_of_freedom) {
  const boost::math::students_t dist(degrees_of_freedom);
  return boost::math::quantile(boost::math::complement(dist, (1.0 - confidence) / 2.0));
}

}  // namespace

void RunningStats::add(double x) {
  ++n_;
  const double delta = x - mean_;
  mean_ += delta / static_cast<double>(n_);
  // delta * (x - new mean) rather than delta^2 * (n-1)/n: the same in exact arithmetic, and the
  // form Welford showed stays accurate.
  m2_ += delta * (x - mean_);
}

std::size_t RunningStats::count() const { return n_; }

double RunningStats::mean() const { return n_ == 0 ? kNaN : mean_; }

double RunningStats::variance() const {
  return n_ < 2 ? kNaN : m2_ / static_cast<double>(n_ - 1);
}

double RunningStats::stddev() const { return std::sqrt(variance()); }

double student_t_quantile(double p, double degrees_of_freedom) {
  // Checked here rather than left to Boost: Boost reports p == 0 or 1 as an overflow (the quantile
  // is infinite) instead of a domain error, and this function promises one kind of error.
  if (!(p > 0.0 && p < 1.0)) throw std::domain_error("student_t_quantile: p must be in (0, 1)");
  if (!(degrees_of_freedom > 0.0)) {
    throw std::domain_error("student_t_quantile: degrees of freedom must be > 0");
  }
  const boost::math::students_t dist(degrees_of_freedom);
  return boost::math::quantile(dist, p);
}

double Summary::half_width() const { return (ci_high - ci_low) / 2.0; }

Summary summarize(std::span<const double> values, double confidence) {
  require_confidence(confidence);
  Summary s;
  RunningStats stats;
  for (const double v : values) {
    if (std::isfinite(v)) {
      stats.add(v);
    } else {
      ++s.skipped;
    }
  }
  s.n = stats.count();
  s.mean = stats.mean();
  if (s.n < 2) return s;
  s.sd = stats.stddev();
  const double half =
      two_sided_critical_t(confidence, static_cast<double>(s.n - 1)) * s.sd /
      std::sqrt(static_cast<double>(s.n));
  s.ci_low = s.mean - half;
  s.ci_high = s.mean + half;
  return s;
}

PairedComparison paired_compare(std::span<const double> baseline, std::span<const double> variant,
                                double confidence) {
  if (baseline.size() != variant.size()) {
    throw std::invalid_argument("paired_compare: baseline and variant differ in length");
  }
  require_confidence(confidence);

  RunningStats base_stats;
  RunningStats variant_stats;
  RunningStats diff_stats;
  for (std::size_t i = 0; i < baseline.size(); ++i) {
    if (!std::isfinite(baseline[i]) || !std::isfinite(variant[i])) continue;
    base_stats.add(baseline[i]);
    variant_stats.add(variant[i]);
    diff_stats.add(variant[i] - baseline[i]);
  }

  PairedComparison c;
  c.n = diff_stats.count();
  if (c.n == 0) return c;
  c.baseline_mean = base_stats.mean();
  c.variant_mean = variant_stats.mean();
  // The mean of the differences, not variant_mean - baseline_mean: the same in exact arithmetic,
  // and the one consistent with sd_diff.
  c.mean_diff = diff_stats.mean();
  c.relative_change = c.baseline_mean == 0.0 ? kNaN : c.mean_diff / std::abs(c.baseline_mean);
  if (c.n < 2) return c;

  c.sd_diff = diff_stats.stddev();
  const double df = static_cast<double>(c.n - 1);
  if (c.sd_diff == 0.0) {
    // Every difference is the same: there is no noise to test against. No difference at all is
    // p = 1 (t = 0/0 stays NaN); a constant nonzero one is exact, p = 0.
    c.ci_low = c.mean_diff;
    c.ci_high = c.mean_diff;
    if (c.mean_diff == 0.0) {
      c.p_value = 1.0;
    } else {
      c.t_statistic = std::copysign(kInf, c.mean_diff);
      c.p_value = 0.0;
    }
    return c;
  }

  const double se = c.sd_diff / std::sqrt(static_cast<double>(c.n));
  const double half = two_sided_critical_t(confidence, df) * se;
  c.ci_low = c.mean_diff - half;
  c.ci_high = c.mean_diff + half;
  c.t_statistic = c.mean_diff / se;
  const boost::math::students_t dist(df);
  // The complement keeps small p-values accurate (1 - cdf would round them to 0). |t| can still be
  // infinite when se underflows; the upper tail of +inf is 0.
  c.p_value = std::min(
      1.0, 2.0 * boost::math::cdf(boost::math::complement(dist, std::abs(c.t_statistic))));
  return c;
}

std::vector<double> holm_adjust(std::span<const double> p_values) {
  std::vector<double> adjusted(p_values.size(), kNaN);
  std::vector<std::size_t> order;
  order.reserve(p_values.size());
  for (std::size_t i = 0; i < p_values.size(); ++i) {
    const double p = p_values[i];
    if (std::isnan(p)) continue;
    if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument("holm_adjust: p-value outside [0, 1]");
    order.push_back(i);
  }
  // Ties may come in either order: equal raw values get equal adjusted values either way.
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });

  const std::size_t m = order.size();
  double running_max = 0.0;  // enforces monotonicity: a smaller p never gets a larger adjustment
  for (std::size_t j = 0; j < m; ++j) {
    const double scaled = static_cast<double>(m - j) * p_values[order[j]];
    running_max = std::max(running_max, std::min(1.0, scaled));
    adjusted[order[j]] = running_max;
  }
  return adjusted;
}

}  // namespace adsim::experiments

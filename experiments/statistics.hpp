#pragma once
// Statistics for turning replications of a study (one value per seed and variant) into
// conclusions: per-variant summaries with Student t confidence intervals, paired variant-vs-baseline
// comparisons (the replications share seeds, so pairing by seed removes the seed-to-seed noise the
// variants have in common), and Holm's correction when many metrics or variants are tested at once.
// The exact formulas and every edge case are in docs/experiments.md (The statistics, exactly).
//
// Non-finite values (NaN, +-inf) mark a metric a run could not produce (e.g. a ratio with a zero
// denominator); they are skipped and counted, never averaged in. Results that cannot be computed
// are NaN rather than exceptions, so one degenerate metric does not stop a whole report; wrong
// arguments (a confidence outside (0, 1), spans of different lengths) throw.
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace adsim::experiments {

// Welford's one-pass mean and variance (not sum x^2 - n xbar^2, which cancels catastrophically when
// the values are large next to their spread: 1e9 + {4, 7, 13, 16} gives a negative variance that
// way). add() takes every value as it is; callers filter out non-finite values (summarize() does).
class RunningStats {
 public:
  void add(double x);
  std::size_t count() const;
  double mean() const;      // NaN when count() == 0
  double variance() const;  // sample variance (divisor n - 1); NaN when count() < 2
  double stddev() const;    // sqrt(variance()); NaN when count() < 2

 private:
  std::size_t n_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;  // sum of squared deviations from the running mean
};

// The p-quantile of Student's t distribution with `degrees_of_freedom` (> 0; +inf gives the normal
// quantile), from boost::math::students_t. Throws std::domain_error for degrees_of_freedom <= 0 or
// NaN, or p outside the open interval (0, 1) (including NaN).
double student_t_quantile(double p, double degrees_of_freedom);

// One variant's values of one metric, one per replication.
struct Summary {
  std::size_t n = 0;        // finite values used
  std::size_t skipped = 0;  // NaN / +-inf values left out
  // mean: NaN when n == 0. sd: sample standard deviation, NaN when n < 2.
  // CI: mean +- t_{1-(1-c)/2, n-1} * sd / sqrt(n); NaN when n < 2; [mean, mean] when sd == 0.
  double mean = std::numeric_limits<double>::quiet_NaN();
  double sd = std::numeric_limits<double>::quiet_NaN();
  double ci_low = std::numeric_limits<double>::quiet_NaN();
  double ci_high = std::numeric_limits<double>::quiet_NaN();
  double half_width() const;  // (ci_high - ci_low) / 2; NaN when the CI is
};

// Throws std::invalid_argument unless 0 < confidence < 1.
Summary summarize(std::span<const double> values, double confidence = 0.95);

// Variant minus baseline, paired by index (the replication's seed).
struct PairedComparison {
  std::size_t n = 0;  // pairs where both values are finite; the other pairs are left out
  // Over those n pairs; NaN when n == 0.
  double baseline_mean = std::numeric_limits<double>::quiet_NaN();
  double variant_mean = std::numeric_limits<double>::quiet_NaN();
  // d_i = variant_i - baseline_i, accumulated with Welford. mean_diff: NaN when n == 0.
  // sd_diff and the CI (Student t, n - 1 df): NaN when n < 2.
  double mean_diff = std::numeric_limits<double>::quiet_NaN();
  double sd_diff = std::numeric_limits<double>::quiet_NaN();
  double ci_low = std::numeric_limits<double>::quiet_NaN();
  double ci_high = std::numeric_limits<double>::quiet_NaN();
  // mean_diff / |baseline_mean|, so its sign is the direction of the change even for a negative
  // baseline; NaN when baseline_mean == 0 or n == 0.
  double relative_change = std::numeric_limits<double>::quiet_NaN();
  // t = mean_diff / (sd_diff / sqrt(n)); p = 2 * P(T_{n-1} > |t|), the two-sided paired t-test.
  // Both NaN when n < 2 (one pair says nothing about the noise). When sd_diff == 0 (every
  // difference identical, which the simulator produces exactly for a variant equal to the
  // baseline) the t formula is 0/0 or d/0, decided as:
  //   mean_diff == 0: t = NaN, p = 1, CI [0, 0]  (no difference at all);
  //   mean_diff != 0: t = +-inf, p = 0, CI [d, d] (the difference is exact, not noisy).
  // sd_diff == 0 means exactly zero: differences equal up to rounding go through the formulas.
  double t_statistic = std::numeric_limits<double>::quiet_NaN();
  double p_value = std::numeric_limits<double>::quiet_NaN();
};

// Throws std::invalid_argument if the spans differ in length or unless 0 < confidence < 1.
PairedComparison paired_compare(std::span<const double> baseline, std::span<const double> variant,
                                double confidence = 0.95);

// Holm–Bonferroni step-down adjusted p-values, in the input's order: with the m non-NaN p-values
// sorted ascending p_(1) <= ... <= p_(m), adj_(i) = min(1, max_{j<=i} (m - j + 1) * p_(j)), so
// adjusted values are monotone in the raw ones and capped at 1. Rejecting where adj <= alpha
// controls the family-wise error rate at alpha. NaN inputs (a comparison that had no p-value) stay
// NaN and do not count in m. Throws std::invalid_argument for a value outside [0, 1] (other than
// NaN), which can only be a bug upstream.
std::vector<double> holm_adjust(std::span<const double> p_values);

}  // namespace adsim::experiments

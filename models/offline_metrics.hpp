#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "core/sim_time.hpp"

namespace adsim::models {

// Offline metrics of a click model: how well it ranks (AUC), how good its probabilities are
// (log loss, normalized entropy) and whether they are calibrated (Σp / Σclicks, ECE, reliability
// bins). Labels are 0/1 bytes so callers can keep them in plain arrays.
//
// Undefined values are NaN: AUC without both classes, NE when the base rate is 0 or 1, the
// calibration ratio without clicks, everything on an empty set.

inline constexpr double kLogLossEpsilon = 1e-7;  // predictions are clipped to [eps, 1 - eps]

// Exact area under the ROC curve: the probability that a random positive scores above a random
// negative, ties counting one half. Computed from midranks (Mann-Whitney U) in O(n log n).
double auc_exact(std::span<const float> p, std::span<const std::uint8_t> labels);

// Mean binary cross-entropy, with p clipped to [eps, 1 - eps].
double log_loss(std::span<const float> p, std::span<const std::uint8_t> labels, double eps = kLogLossEpsilon);

// Entropy (nats) of a Bernoulli with the given rate: the log loss of always predicting that rate.
double bernoulli_entropy(double rate);

// Log loss divided by the entropy of the empirical base rate: < 1 means better than predicting the
// average, and the number is comparable across datasets with different base rates.
double normalized_entropy(std::span<const float> p, std::span<const std::uint8_t> labels,
                          double eps = kLogLossEpsilon);

// Σp / Σclicks: 1 is calibrated on average, > 1 over-predicts.
double calibration_ratio(std::span<const float> p, std::span<const std::uint8_t> labels);

struct ReliabilityBin {
  double lower = 0.0;  // bin edges in p
  double upper = 0.0;
  std::uint64_t count = 0;
  double weight = 0.0;         // Σ weights of its examples (= count unweighted)
  double mean_p = 0.0;         // NaN if empty
  double observed_rate = 0.0;  // NaN if empty
};

// Equal-width bins over [0, range_max]; predictions above range_max fall in the last bin. Click
// probabilities are small, so a diagram over [0, 0.1] often says more than one over [0, 1]; the
// default is the textbook [0, 1].
struct CalibrationBinning {
  int bins = 10;
  double range_max = 1.0;
  int bin_of(double p) const;
};

std::vector<ReliabilityBin> reliability_bins(std::span<const float> p, std::span<const std::uint8_t> labels,
                                             CalibrationBinning binning = {});

// Expected calibration error: Σ_b (n_b / N) · |mean p_b − observed rate_b| over the bins above.
double expected_calibration_error(std::span<const float> p, std::span<const std::uint8_t> labels,
                                  CalibrationBinning binning = {});

// Everything above for one set of examples.
struct MetricReport {
  std::uint64_t count = 0;
  std::uint64_t clicks = 0;
  double weight = 0.0;         // Σ w (= count unweighted); every rate below is weighted
  double click_weight = 0.0;   // Σ w over the positives (= clicks unweighted)
  double mean_p = 0.0;
  double base_rate = 0.0;
  double auc = 0.0;
  // Streaming reports only: a bound on |auc − exact AUC| from the histogram approximation (0 for
  // exact reports). See ProgressiveValidator.
  double auc_error_bound = 0.0;
  double log_loss = 0.0;
  double normalized_entropy = 0.0;
  double calibration_ratio = 0.0;
  double ece = 0.0;
  std::vector<ReliabilityBin> reliability;
};

// All metrics computed exactly (sorting for AUC).
MetricReport evaluate(std::span<const float> p, std::span<const std::uint8_t> labels, CalibrationBinning binning = {});

// The same with a weight per example (an importance or downsampling weight, >= 0): every sum above
// becomes a weighted sum (log loss Σ w·ℓ / Σ w, base rate Σ w·y / Σ w, calibration Σ w·p / Σ w·y,
// ECE and the bins by weight), and AUC counts each (positive, negative) pair with the product of
// their weights, ties one half. An integer weight k is exactly k copies of the example. Empty
// `weights`: every example weighs 1, the same arithmetic as evaluate(). `adsim eval` uses it.
MetricReport evaluate_weighted(std::span<const float> p, std::span<const std::uint8_t> labels,
                               std::span<const double> weights, CalibrationBinning binning = {});

// Weighted AUC as above (NaN without positive and negative weight).
double auc_weighted(std::span<const float> p, std::span<const std::uint8_t> labels, std::span<const double> weights);

struct ValidatorConfig {
  int segments = 0;                // per-segment reports for segment ids 0 .. segments-1
  CalibrationBinning calibration;  // reliability bins and ECE
  int auc_bins = 4096;             // histogram resolution for streaming AUC
  double logit_range = 12.0;       // histogram covers logit(p) in [-range, range]; outside is clamped
};

// One interval of a time series: what the examples added since the previous snapshot scored.
struct ValidationSnapshot {
  core::SimTime start = 0;
  core::SimTime end = 0;
  MetricReport overall;
  std::vector<MetricReport> segments;  // one per segment id
};

// Progressive validation: each example is scored by the model *before* the model learns from it,
// and the (prediction, label) pair is added here. Over a stream this measures generalisation
// without a held-out set, and over time it shows how the model learns.
//
// Memory is fixed at construction: running sums plus, per accumulator, two histograms of
// auc_bins counts (positives, negatives) over logit(p). Log loss, calibration ratio, ECE and the
// reliability bins are exact (they are sums). AUC is computed from the histograms, treating two
// predictions in the same bin as tied: pairs in different bins are ordered exactly, so the only
// error is from positive/negative pairs sharing a bin, each of which is off by at most 1/2:
//     |AUC_hist − AUC_exact| ≤ Σ_b pos_b · neg_b / (2 · P · N)
// reported as auc_error_bound. With 4096 bins over logit ∈ [−12, 12] a bin is 0.006 wide in
// logit, i.e. p and p·(1 ± 0.006) share a bin, far below any difference that matters.
//
// Each accumulator exists twice: the running total since construction and the current window,
// which take_window() reports and resets (a time series of intervals).
class ProgressiveValidator {
 public:
  explicit ProgressiveValidator(ValidatorConfig config = {}, core::SimTime window_start = 0);

  // segment < 0 or >= config.segments counts in the overall figures only.
  // The example's terms (log loss, bins) are computed once and added to every accumulator it
  // counts in: the logarithms dominate the cost, and a segment then costs only the additions.
  void add(float p, bool label, int segment = -1) {
    const Point x = point(p, label, config_);
    total_.add(x);
    window_.add(x);
    if (segment >= 0 && segment < config_.segments) {
      total_segments_[static_cast<std::size_t>(segment)].add(x);
      window_segments_[static_cast<std::size_t>(segment)].add(x);
    }
  }

  std::uint64_t count() const { return total_.count; }
  std::uint64_t window_count() const { return window_.count; }
  const ValidatorConfig& config() const { return config_; }

  MetricReport total() const { return total_.report(config_); }
  MetricReport total_segment(int segment) const;
  // The current window so far, without resetting it.
  MetricReport window() const { return window_.report(config_); }
  // Reports the window [window start, now) and starts a new one at `now`.
  ValidationSnapshot take_window(core::SimTime now);
  // Forgets everything (e.g. after a warm-up period).
  void reset(core::SimTime now);

 private:
  // One example's contribution to an accumulator.
  struct Point {
    double p;  // clamped to [0, 1]
    bool label;
    double log_loss;
    std::size_t calibration_bin, auc_bin;
  };
  static Point point(float p, bool label, const ValidatorConfig& c);

  struct Accumulator {
    std::uint64_t count = 0;
    std::uint64_t clicks = 0;
    double sum_p = 0.0;
    double sum_log_loss = 0.0;
    std::vector<std::uint64_t> pos_hist, neg_hist;     // auc_bins each
    std::vector<std::uint64_t> cal_count, cal_clicks;  // calibration bins
    std::vector<double> cal_sum_p;

    void init(const ValidatorConfig& c);
    void clear();
    void add(const Point& x);
    MetricReport report(const ValidatorConfig& c) const;
  };

  ValidatorConfig config_;
  Accumulator total_, window_;
  std::vector<Accumulator> total_segments_, window_segments_;
  core::SimTime window_start_ = 0;
};

}  // namespace adsim::models

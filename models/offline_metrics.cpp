#include "models/offline_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace adsim::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_sizes(std::span<const float> p, std::span<const std::uint8_t> labels) {
  if (p.size() != labels.size()) throw std::invalid_argument("metrics: predictions and labels differ in size");
}

double clipped_log_loss(double p, bool label, double eps) {
  p = std::clamp(p, eps, 1.0 - eps);
  return label ? -std::log(p) : -std::log1p(-p);
}

// Fills ECE and reliability bins of `r` from per-bin sums: rows, their weight (the rows themselves
// when unweighted), the positives' weight and the weighted sum of p.
template <class Weight>
void fill_calibration(MetricReport& r, const CalibrationBinning& binning, std::span<const std::uint64_t> rows,
                      std::span<const Weight> weight, std::span<const Weight> clicks, std::span<const double> sum_p) {
  const double width = binning.range_max / binning.bins;
  r.reliability.resize(static_cast<std::size_t>(binning.bins));
  double ece = 0.0;
  Weight total = 0;
  for (std::size_t b = 0; b < r.reliability.size(); ++b) {
    ReliabilityBin& bin = r.reliability[b];
    bin.lower = width * static_cast<double>(b);
    bin.upper = b + 1 == r.reliability.size() ? std::max(1.0, binning.range_max) : width * static_cast<double>(b + 1);
    bin.count = rows[b];
    bin.weight = static_cast<double>(weight[b]);
    total += weight[b];
    if (!(weight[b] > 0)) {
      bin.mean_p = kNaN;
      bin.observed_rate = kNaN;
      continue;
    }
    const double n = static_cast<double>(weight[b]);
    bin.mean_p = sum_p[b] / n;
    bin.observed_rate = static_cast<double>(clicks[b]) / n;
    ece += n * std::abs(bin.mean_p - bin.observed_rate);
  }
  r.ece = total > 0 ? ece / static_cast<double>(total) : kNaN;
}

// From r.weight and r.click_weight and the weighted sums of p and of the log loss.
void fill_ratios(MetricReport& r, double sum_p, double sum_log_loss) {
  if (!(r.weight > 0.0)) {
    r.mean_p = r.base_rate = r.log_loss = r.normalized_entropy = r.calibration_ratio = r.auc = kNaN;
    return;
  }
  const double n = r.weight;
  r.mean_p = sum_p / n;
  r.base_rate = r.click_weight / n;
  r.log_loss = sum_log_loss / n;
  const double h = bernoulli_entropy(r.base_rate);
  r.normalized_entropy = h > 0.0 ? r.log_loss / h : kNaN;
  r.calibration_ratio = r.click_weight > 0.0 ? sum_p / r.click_weight : kNaN;
}

}  // namespace

int CalibrationBinning::bin_of(double p) const {
  if (!(p > 0.0)) return 0;
  const double b = std::floor(p / range_max * bins);
  return b >= bins ? bins - 1 : static_cast<int>(b);
}

double auc_exact(std::span<const float> p, std::span<const std::uint8_t> labels) {
  check_sizes(p, labels);
  const std::size_t n = p.size();
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return p[a] < p[b]; });
  // Midranks: a tie group occupying ranks i+1 .. j gets (i+1+j)/2 each.
  double positive_rank_sum = 0.0;
  std::uint64_t positives = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    std::uint64_t group_pos = 0;
    while (j < n && p[order[j]] == p[order[i]]) group_pos += labels[order[j++]] ? 1 : 0;
    const double midrank = 0.5 * static_cast<double>(i + 1 + j);
    positive_rank_sum += midrank * static_cast<double>(group_pos);
    positives += group_pos;
    i = j;
  }
  const std::uint64_t negatives = n - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  const double pp = static_cast<double>(positives);
  const double u = positive_rank_sum - pp * (pp + 1.0) / 2.0;
  return u / (pp * static_cast<double>(negatives));
}

double log_loss(std::span<const float> p, std::span<const std::uint8_t> labels, double eps) {
  check_sizes(p, labels);
  if (p.empty()) return kNaN;
  double sum = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) sum += clipped_log_loss(p[i], labels[i] != 0, eps);
  return sum / static_cast<double>(p.size());
}

double bernoulli_entropy(double rate) {
  if (!(rate > 0.0) || !(rate < 1.0)) return 0.0;
  return -(rate * std::log(rate) + (1.0 - rate) * std::log1p(-rate));
}

double normalized_entropy(std::span<const float> p, std::span<const std::uint8_t> labels, double eps) {
  check_sizes(p, labels);
  if (p.empty()) return kNaN;
  const double clicks = static_cast<double>(std::count_if(labels.begin(), labels.end(), [](auto l) { return l != 0; }));
  const double h = bernoulli_entropy(clicks / static_cast<double>(p.size()));
  return h > 0.0 ? log_loss(p, labels, eps) / h : kNaN;
}

double calibration_ratio(std::span<const float> p, std::span<const std::uint8_t> labels) {
  check_sizes(p, labels);
  double sum_p = 0.0, clicks = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    sum_p += p[i];
    clicks += labels[i] ? 1.0 : 0.0;
  }
  return clicks > 0.0 ? sum_p / clicks : kNaN;
}

std::vector<ReliabilityBin> reliability_bins(std::span<const float> p, std::span<const std::uint8_t> labels,
                                             CalibrationBinning binning) {
  return evaluate(p, labels, binning).reliability;
}

double expected_calibration_error(std::span<const float> p, std::span<const std::uint8_t> labels,
                                  CalibrationBinning binning) {
  return evaluate(p, labels, binning).ece;
}

MetricReport evaluate(std::span<const float> p, std::span<const std::uint8_t> labels, CalibrationBinning binning) {
  return evaluate_weighted(p, labels, {}, binning);
}

double auc_weighted(std::span<const float> p, std::span<const std::uint8_t> labels, std::span<const double> weights) {
  check_sizes(p, labels);
  if (weights.size() != p.size()) throw std::invalid_argument("metrics: predictions and weights differ in size");
  const std::size_t n = p.size();
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return p[a] < p[b]; });
  // Over groups of equal p in increasing order: a positive wins against the negative weight below
  // its group and ties with its own group's negatives.
  double won = 0.0, negative_below = 0.0, positive_total = 0.0;
  for (std::size_t i = 0; i < n;) {
    double group_pos = 0.0, group_neg = 0.0;
    std::size_t j = i;
    for (; j < n && p[order[j]] == p[order[i]]; ++j) (labels[order[j]] ? group_pos : group_neg) += weights[order[j]];
    won += group_pos * (negative_below + 0.5 * group_neg);
    negative_below += group_neg;
    positive_total += group_pos;
    i = j;
  }
  if (!(positive_total > 0.0) || !(negative_below > 0.0)) return kNaN;
  return won / (positive_total * negative_below);
}

MetricReport evaluate_weighted(std::span<const float> p, std::span<const std::uint8_t> labels,
                               std::span<const double> weights, CalibrationBinning binning) {
  check_sizes(p, labels);
  if (!weights.empty() && weights.size() != p.size())
    throw std::invalid_argument("metrics: predictions and weights differ in size");
  if (binning.bins < 1 || !(binning.range_max > 0.0)) throw std::invalid_argument("metrics: bad calibration binning");
  MetricReport r;
  const auto nb = static_cast<std::size_t>(binning.bins);
  std::vector<std::uint64_t> rows(nb);
  std::vector<double> weight(nb), clicks(nb), sum_p(nb);
  double total_p = 0.0, total_ll = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const bool y = labels[i] != 0;
    const double w = weights.empty() ? 1.0 : weights[i];
    const auto b = static_cast<std::size_t>(binning.bin_of(p[i]));
    ++rows[b];
    weight[b] += w;
    clicks[b] += y ? w : 0.0;
    sum_p[b] += w * p[i];
    total_p += w * p[i];
    total_ll += w * clipped_log_loss(p[i], y, kLogLossEpsilon);
    r.clicks += y ? 1 : 0;
    r.weight += w;
    r.click_weight += y ? w : 0.0;
  }
  r.count = p.size();
  fill_ratios(r, total_p, total_ll);
  if (r.weight > 0.0) r.auc = weights.empty() ? auc_exact(p, labels) : auc_weighted(p, labels, weights);
  fill_calibration<double>(r, binning, rows, weight, clicks, sum_p);
  return r;
}

// ---------------------------------------------------------------- ProgressiveValidator

void ProgressiveValidator::Accumulator::init(const ValidatorConfig& c) {
  pos_hist.assign(static_cast<std::size_t>(c.auc_bins), 0);
  neg_hist.assign(static_cast<std::size_t>(c.auc_bins), 0);
  cal_count.assign(static_cast<std::size_t>(c.calibration.bins), 0);
  cal_clicks.assign(static_cast<std::size_t>(c.calibration.bins), 0);
  cal_sum_p.assign(static_cast<std::size_t>(c.calibration.bins), 0.0);
  count = clicks = 0;
  sum_p = sum_log_loss = 0.0;
}

void ProgressiveValidator::Accumulator::clear() {
  std::fill(pos_hist.begin(), pos_hist.end(), 0);
  std::fill(neg_hist.begin(), neg_hist.end(), 0);
  std::fill(cal_count.begin(), cal_count.end(), 0);
  std::fill(cal_clicks.begin(), cal_clicks.end(), 0);
  std::fill(cal_sum_p.begin(), cal_sum_p.end(), 0.0);
  count = clicks = 0;
  sum_p = sum_log_loss = 0.0;
}

ProgressiveValidator::Point ProgressiveValidator::point(float p, bool label, const ValidatorConfig& c) {
  Point x;
  x.p = std::clamp(static_cast<double>(p), 0.0, 1.0);
  x.label = label;
  x.log_loss = clipped_log_loss(x.p, label, kLogLossEpsilon);
  x.calibration_bin = static_cast<std::size_t>(c.calibration.bin_of(x.p));
  // logit(p) with the clipping of the log loss, so p = 0 and p = 1 land in the end bins.
  const double q = std::clamp(x.p, kLogLossEpsilon, 1.0 - kLogLossEpsilon);
  const double z = std::clamp(std::log(q / (1.0 - q)), -c.logit_range, c.logit_range);
  const double pos = (z + c.logit_range) / (2.0 * c.logit_range) * c.auc_bins;
  x.auc_bin = static_cast<std::size_t>(std::min(static_cast<double>(c.auc_bins - 1), std::max(0.0, std::floor(pos))));
  return x;
}

void ProgressiveValidator::Accumulator::add(const Point& x) {
  ++count;
  clicks += x.label ? 1 : 0;
  sum_p += x.p;
  sum_log_loss += x.log_loss;
  ++cal_count[x.calibration_bin];
  cal_clicks[x.calibration_bin] += x.label ? 1 : 0;
  cal_sum_p[x.calibration_bin] += x.p;
  (x.label ? pos_hist : neg_hist)[x.auc_bin] += 1;
}

MetricReport ProgressiveValidator::Accumulator::report(const ValidatorConfig& c) const {
  MetricReport r;
  r.count = count;
  r.clicks = clicks;
  r.weight = static_cast<double>(count);
  r.click_weight = static_cast<double>(clicks);
  fill_ratios(r, sum_p, sum_log_loss);
  fill_calibration<std::uint64_t>(r, c.calibration, cal_count, cal_count, cal_clicks, cal_sum_p);
  const std::uint64_t negatives = count - clicks;
  if (clicks == 0 || negatives == 0) {
    r.auc = kNaN;
    r.auc_error_bound = kNaN;
    return r;
  }
  // Pairs (positive in bin b, negative in a lower bin) are won; same-bin pairs count one half.
  double won = 0.0, same_bin = 0.0, neg_below = 0.0;
  for (std::size_t b = 0; b < pos_hist.size(); ++b) {
    const auto pb = static_cast<double>(pos_hist[b]);
    const auto nb = static_cast<double>(neg_hist[b]);
    won += pb * (neg_below + 0.5 * nb);
    same_bin += pb * nb;
    neg_below += nb;
  }
  const double pairs = static_cast<double>(clicks) * static_cast<double>(negatives);
  r.auc = won / pairs;
  r.auc_error_bound = 0.5 * same_bin / pairs;
  return r;
}

ProgressiveValidator::ProgressiveValidator(ValidatorConfig config, core::SimTime window_start)
    : config_(config), window_start_(window_start) {
  if (config_.segments < 0 || config_.auc_bins < 2 || !(config_.logit_range > 0.0) || config_.calibration.bins < 1 ||
      !(config_.calibration.range_max > 0.0)) {
    throw std::invalid_argument("ProgressiveValidator: bad configuration");
  }
  total_.init(config_);
  window_.init(config_);
  total_segments_.resize(static_cast<std::size_t>(config_.segments));
  window_segments_.resize(static_cast<std::size_t>(config_.segments));
  for (auto& a : total_segments_) a.init(config_);
  for (auto& a : window_segments_) a.init(config_);
}

MetricReport ProgressiveValidator::total_segment(int segment) const {
  if (segment < 0 || segment >= config_.segments) throw std::out_of_range("ProgressiveValidator: no such segment");
  return total_segments_[static_cast<std::size_t>(segment)].report(config_);
}

ValidationSnapshot ProgressiveValidator::take_window(core::SimTime now) {
  ValidationSnapshot s;
  s.start = window_start_;
  s.end = now;
  s.overall = window_.report(config_);
  s.segments.reserve(window_segments_.size());
  for (auto& a : window_segments_) {
    s.segments.push_back(a.report(config_));
    a.clear();
  }
  window_.clear();
  window_start_ = now;
  return s;
}

void ProgressiveValidator::reset(core::SimTime now) {
  total_.clear();
  window_.clear();
  for (auto& a : total_segments_) a.clear();
  for (auto& a : window_segments_) a.clear();
  window_start_ = now;
}

}  // namespace adsim::models

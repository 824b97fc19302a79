// The prediction log (run.prediction_log_rate, table prediction_log) recomputes the click-model
// metrics a run reports: what issue 14 asks of it. A bundled scenario with feed and search traffic
// is recorded through the store, its log read back, and the metrics recomputed with the code that
// scores adsim's models (models/offline_metrics).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/offline_metrics.hpp"
#include "scenarios/factory.hpp"
#include "scenarios/scenario_loader.hpp"
#include "store/result_store.hpp"

namespace adsim {
namespace {

using store::PredictionLogRow;
using store::ResultStore;

struct RecordedRun {
  scenarios::Scenario scenario;
  core::RunSummary summary;
  std::vector<PredictionLogRow> log;
  store::RunRow row;
};

// lesson_search_vs_feed for a quarter day (about 30,000 labelled impressions, both surfaces).
RecordedRun record(double rate) {
  RecordedRun r;
  const std::vector<std::string> overrides = {"run.days=0.25", "run.prediction_log_rate=" + std::to_string(rate)};
  r.scenario =
      scenarios::load_scenario_file(std::string(ADSIM_SOURCE_DIR) + "/scenarios/lesson_search_vs_feed.toml", overrides);
  auto results = ResultStore::open_in_memory();
  auto market = scenarios::build_marketplace(r.scenario);
  auto recorder = results.begin_run(r.scenario, r.scenario.run.seed);
  market->add_observer(*recorder);
  r.summary = market->run();
  recorder->finish(r.summary);
  r.log = results.read_prediction_log(recorder->run_id());
  r.row = *results.read_run(recorder->run_id());
  return r;
}

struct Examples {
  std::vector<float> p;
  std::vector<std::uint8_t> y;
};

// The logged (prediction, label) pairs, all or of one surface, in the log's order.
Examples examples(const std::vector<PredictionLogRow>& log, int surface = -1) {
  Examples e;
  for (const PredictionLogRow& r : log) {
    if (surface >= 0 && core::surface_index(r.entry.surface) != static_cast<std::size_t>(surface)) continue;
    e.p.push_back(r.entry.prediction);
    e.y.push_back(r.entry.label ? 1 : 0);
  }
  return e;
}

models::CalibrationBinning binning_of(const scenarios::Scenario& s) {
  return {s.model.reliability_bins, s.model.reliability_max};
}

// The same set of examples in the same order, through the streaming validator the run used (same
// configuration as models::ServedPredictionEvaluator): every figure identical, bit for bit.
TEST(PredictionLog, AtRateOneReproducesTheReportedMetricsExactly) {
  const RecordedRun run = record(1.0);
  const core::ModelMetrics& reported = run.summary.model;
  ASSERT_GT(reported.examples, 20'000u);
  ASSERT_EQ(run.log.size(), reported.examples);
  EXPECT_EQ(run.row.prediction_samples, reported.examples);
  models::ProgressiveValidator again({static_cast<int>(core::kSurfaces), binning_of(run.scenario), 4096, 12.0});
  for (const PredictionLogRow& r : run.log)
    again.add(r.entry.prediction, r.entry.label, static_cast<int>(core::surface_index(r.entry.surface)));
  const models::MetricReport total = again.total();
  EXPECT_EQ(total.count, reported.examples);
  EXPECT_EQ(total.clicks, reported.clicks);
  EXPECT_EQ(total.auc, reported.auc);
  EXPECT_EQ(total.log_loss, reported.log_loss);
  EXPECT_EQ(total.normalized_entropy, reported.normalized_entropy);
  EXPECT_EQ(total.calibration_ratio, reported.calibration_ratio);
  EXPECT_EQ(total.ece, reported.ece);
  ASSERT_EQ(total.reliability.size(), reported.reliability.size());
  for (std::size_t b = 0; b < total.reliability.size(); ++b) EXPECT_EQ(total.reliability[b].count, reported.reliability[b].count);
  for (std::size_t k = 0; k < core::kSurfaces; ++k) {
    SCOPED_TRACE(k);
    const models::MetricReport seg = again.total_segment(static_cast<int>(k));
    const core::ModelMetrics& rep = run.summary.surface_model[k];
    ASSERT_GT(rep.examples, 1000u) << "the scenario should serve both surfaces";
    EXPECT_EQ(seg.count, rep.examples);
    EXPECT_EQ(seg.auc, rep.auc);
    EXPECT_EQ(seg.log_loss, rep.log_loss);
    EXPECT_EQ(seg.calibration_ratio, rep.calibration_ratio);
  }
}

// What `adsim eval` computes from the exported CSV: the exact metrics of models::evaluate. They are
// sums in the same order, so log loss, NE, calibration and ECE are the reported ones exactly; the
// run's AUC is from 4096 logit bins, within the bound the validator reports of the exact AUC (pairs
// sharing a bin are counted as ties: a deterministic bound, not a statistical one).
TEST(PredictionLog, ExactOfflineMetricsMatchTheReportedOnes) {
  const RecordedRun run = record(1.0);
  const core::ModelMetrics& reported = run.summary.model;
  const Examples e = examples(run.log);
  const models::MetricReport exact = models::evaluate(e.p, e.y, binning_of(run.scenario));
  EXPECT_EQ(exact.count, reported.examples);
  EXPECT_EQ(exact.clicks, reported.clicks);
  EXPECT_EQ(exact.log_loss, reported.log_loss);
  EXPECT_EQ(exact.normalized_entropy, reported.normalized_entropy);
  EXPECT_EQ(exact.calibration_ratio, reported.calibration_ratio);
  EXPECT_EQ(exact.ece, reported.ece);
  models::ProgressiveValidator streamed({0, binning_of(run.scenario), 4096, 12.0});
  for (std::size_t i = 0; i < e.p.size(); ++i) streamed.add(e.p[i], e.y[i] != 0);
  const double bound = streamed.total().auc_error_bound;
  EXPECT_LT(bound, 0.01);
  EXPECT_LE(std::abs(exact.auc - reported.auc), bound);
  // Per surface, the same.
  for (std::size_t k = 0; k < core::kSurfaces; ++k) {
    const Examples s = examples(run.log, static_cast<int>(k));
    EXPECT_EQ(models::log_loss(s.p, s.y), run.summary.surface_model[k].log_loss) << k;
  }
}

// A sampled log estimates the reported figures. Sampling draws on its own stream, so the run at rate
// 0.3 is the run at rate 1 (same figures), and its log is a Bernoulli(f) sample of the N examples
// of the full log: the population is known. The sample mean of a figure x_i (the log loss of an
// example) has variance (1 - f) S^2 / (f N), S^2 the population variance; the calibration ratio
// sum p / sum y is a ratio estimator, variance (1 - f) / f * sum (p_i - R y_i)^2 / (sum y)^2 to
// first order. Each estimate must fall within 5 standard errors.
TEST(PredictionLog, ASampledLogEstimatesTheReportedMetricsWithinItsSamplingError) {
  const RecordedRun full = record(1.0);
  const RecordedRun sampled = record(0.3);
  EXPECT_EQ(sampled.summary.model.log_loss, full.summary.model.log_loss);
  EXPECT_EQ(sampled.summary.totals.revenue, full.summary.totals.revenue);
  const double f = 0.3;
  const auto n = static_cast<double>(full.log.size());
  EXPECT_NEAR(static_cast<double>(sampled.log.size()), f * n, 5 * std::sqrt(n * f * (1 - f)));

  const Examples all = examples(full.log);
  double mean_ll = full.summary.model.log_loss, s2 = 0.0, clicks = 0.0, resid2 = 0.0;
  const double ratio = full.summary.model.calibration_ratio;
  for (std::size_t i = 0; i < all.p.size(); ++i) {
    const double ll = models::log_loss(std::span<const float>(&all.p[i], 1), std::span<const std::uint8_t>(&all.y[i], 1));
    s2 += (ll - mean_ll) * (ll - mean_ll) / (n - 1);
    clicks += all.y[i];
    resid2 += (all.p[i] - ratio * all.y[i]) * (all.p[i] - ratio * all.y[i]);
  }
  const Examples part = examples(sampled.log);
  const double se_ll = std::sqrt((1 - f) * s2 / (f * n));
  EXPECT_NEAR(models::log_loss(part.p, part.y), mean_ll, 5 * se_ll);
  const double se_ratio = std::sqrt((1 - f) / f * resid2) / clicks;
  EXPECT_NEAR(models::calibration_ratio(part.p, part.y), ratio, 5 * se_ratio);
  EXPECT_GT(std::abs(models::log_loss(part.p, part.y) - mean_ll), 0.0) << "a sample, not the whole log";
}

}  // namespace
}  // namespace adsim

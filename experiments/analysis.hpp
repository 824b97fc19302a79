#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "experiments/metrics.hpp"
#include "experiments/statistics.hpp"
#include "store/result_store.hpp"

// A study's conclusions, computed from the metrics its completed runs left in the results file:
// per variant and metric the mean, standard deviation and 95 % interval; against the baseline, the
// difference paired by seed with its interval, p-value and Holm-adjusted p-value, and a verdict
// that knows which direction is good for the metric. docs/experiments.md has the formulas.
namespace adsim::experiments {

inline constexpr double kConfidence = 0.95;
inline constexpr double kSignificance = 0.05;  // a difference counts when its Holm-adjusted p is below

struct VariantSummary {
  Summary stats;
  std::string mark;  // "best", "worst" or ""
};

struct Comparison {
  std::size_t variant = 0;  // index into StudyResults::variants
  PairedComparison paired;
  double p_holm = 0.0;
  std::string verdict;  // "better", "worse" (metrics with a good direction), "higher", "lower", "inconclusive"
};

struct MetricResults {
  const MetricDef* metric = nullptr;
  std::vector<VariantSummary> variants;  // index = variant position
  std::vector<Comparison> comparisons;   // every variant but the baseline, when there is one
};

struct StudyResults {
  store::ExperimentRow experiment;
  std::vector<store::VariantRow> variants;
  int baseline = -1;  // index into variants
  std::vector<std::uint64_t> seeds;
  std::size_t runs_used = 0;   // completed runs of these variants and seeds
  std::size_t runs_missing = 0;  // cells without a completed run
  std::vector<MetricResults> metrics;  // in study_metrics() order, those the runs have
};

// The statistics of `experiment_id` over `seeds` (the replications of the latest invocation by
// default: experiments.seeds).
StudyResults analyze(const store::ResultStore& results, std::int64_t experiment_id);
StudyResults analyze(const store::ResultStore& results, std::int64_t experiment_id, const std::vector<std::uint64_t>& seeds);

// The rows experiment_summary and experiment_comparisons store.
std::vector<store::ExperimentSummaryRow> summary_rows(const StudyResults& r);
std::vector<store::ExperimentComparisonRow> comparison_rows(const StudyResults& r);

}  // namespace adsim::experiments

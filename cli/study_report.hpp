#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiments/analysis.hpp"
#include "experiments/runner.hpp"

// How a study's results are shown: tables for people, JSON and CSV for programs.
namespace adsim::cli {

// Which metrics to show: all that the runs have, or those named.
struct MetricFilter {
  std::vector<std::string> names;  // empty: all
  bool accepts(const std::string& name) const;
};

// The heading, the per-variant table (mean, sd, 95 % interval, best and worst marked) and, when
// the study has a baseline, the paired comparison table.
std::string study_table(const experiments::StudyResults& results, const MetricFilter& filter);
// One line about how the invocation went: runs done, skipped, failed; wall time; throughput.
std::string study_run_line(const experiments::StudyRun& run);

nlohmann::ordered_json study_json(const experiments::StudyResults& results, const MetricFilter& filter);

// One progress line: "[adsim] 12/60 runs (3 already done), 1 failed, 24.0 runs/min, ETA 2m00s".
std::string progress_line(const experiments::StudyProgress& p);

// CSV of a study (RFC 4180 quoting; NaN as an empty field): one row per run with its variant's
// parameters and every metric as columns; or the stored summary or comparisons.
std::string runs_csv(const store::ResultStore& results, std::int64_t experiment_id);
std::string summary_csv(const experiments::StudyResults& results);
std::string comparisons_csv(const experiments::StudyResults& results);

}  // namespace adsim::cli

#pragma once
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/result_store.hpp"

// The headline metrics of a run that a study compares, each with its unit and the direction that
// is good for the marketplace, so that outputs mark improvements and regressions correctly (and
// the app's Compare colours them the same way). Each is computed from what the results database
// holds for the run, so the figures of a study can be recomputed from the file.
namespace adsim::experiments {

enum class Better {
  kHigher,     // revenue, efficiency, AUC, ...
  kLower,      // hides, users who left, log loss, pacing error, ...
  kTowardOne,  // calibration ratios: 1 is calibrated, away from 1 in either direction is worse
  kNeither,    // a description, not a goal (prices, price-to-bid, reserve-bind rate, volumes)
};
const char* better_name(Better better);  // "higher", "lower", "toward 1", "neither"

// What a metric is computed from: the run's row, its campaigns, and for auction-only runs the
// auction_only_runs row.
struct RunFacts {
  const store::RunRow& run;
  std::span<const store::CampaignTotalsRow> campaigns;
  const store::AuctionOnlyRunRow* auction_only = nullptr;  // set for auction-only runs
  std::span<const store::IntervalRow> intervals = {};      // the time series (per-day metrics)
};

struct MetricDef {
  std::string name;   // stable id: run_metrics.metric, --metrics, JSON keys
  std::string label;  // for tables
  std::string unit;   // "currency units", "share", "per 1000 requests", ...
  Better better = Better::kNeither;
  int digits = 3;     // decimals shown in tables
  bool marketplace = true;    // defined for marketplace runs
  bool auction_only = false;  // defined for auction-only runs
  // NaN where the run cannot define it (no clicks, no model, no pacer).
  std::function<double(const RunFacts&)> value;
};

// Every study metric, in the order tables show them.
const std::vector<MetricDef>& study_metrics();
const MetricDef* find_metric(std::string_view name);

// The metrics of one run (those defined for its kind), for run_metrics.
std::vector<store::RunMetricRow> metrics_of(const RunFacts& facts);

// Is `a` better than `b` for this metric? (false for kNeither and for NaN.)
bool is_better(Better better, double a, double b);

}  // namespace adsim::experiments

#include "experiments/analysis.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "scenarios/experiment_spec.hpp"

namespace adsim::experiments {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// "better" / "worse" for metrics with a good direction, "higher" / "lower" for the others, when
// the Holm-adjusted p-value is below the significance level.
std::string verdict(const MetricDef& metric, const PairedComparison& c, double p_holm) {
  if (std::isnan(p_holm) || p_holm >= kSignificance || std::isnan(c.mean_diff) || c.mean_diff == 0.0)
    return "inconclusive";
  if (metric.better == Better::kNeither) return c.mean_diff > 0 ? "higher" : "lower";
  if (metric.better == Better::kTowardOne) {
    if (is_better(metric.better, c.variant_mean, c.baseline_mean)) return "better";
    if (is_better(metric.better, c.baseline_mean, c.variant_mean)) return "worse";
    return "inconclusive";  // as far from 1 on the other side
  }
  return is_better(metric.better, c.variant_mean, c.baseline_mean) ? "better" : "worse";
}

// Best and worst variant by the metric's direction (none for kNeither, or with fewer than two
// variants that have a mean).
void mark(const MetricDef& metric, std::vector<VariantSummary>& variants) {
  if (metric.better == Better::kNeither) return;
  int best = -1, worst = -1, with_mean = 0;
  for (int i = 0; i < static_cast<int>(variants.size()); ++i) {
    const double m = variants[static_cast<std::size_t>(i)].stats.mean;
    if (std::isnan(m)) continue;
    ++with_mean;
    if (best < 0 || is_better(metric.better, m, variants[static_cast<std::size_t>(best)].stats.mean)) best = i;
    if (worst < 0 || is_better(metric.better, variants[static_cast<std::size_t>(worst)].stats.mean, m)) worst = i;
  }
  if (with_mean < 2 || best == worst) return;
  variants[static_cast<std::size_t>(best)].mark = "best";
  variants[static_cast<std::size_t>(worst)].mark = "worst";
}

}  // namespace

StudyResults analyze(const store::ResultStore& results, std::int64_t experiment_id) {
  const auto experiment = results.read_experiment(experiment_id);
  if (!experiment) throw std::invalid_argument("no experiment " + std::to_string(experiment_id));
  return analyze(results, experiment_id, scenarios::parse_seed_spec(experiment->seeds));
}

StudyResults analyze(const store::ResultStore& results, std::int64_t experiment_id,
                     const std::vector<std::uint64_t>& seeds) {
  StudyResults out;
  const auto experiment = results.read_experiment(experiment_id);
  if (!experiment) throw std::invalid_argument("no experiment " + std::to_string(experiment_id));
  out.experiment = *experiment;
  out.variants = results.read_variants(experiment_id);
  out.seeds = seeds;
  std::map<std::int64_t, std::size_t> variant_index;
  for (std::size_t v = 0; v < out.variants.size(); ++v) {
    variant_index[out.variants[v].variant_id] = v;
    if (out.variants[v].variant_id == experiment->baseline_variant_id) out.baseline = static_cast<int>(v);
  }
  std::map<std::uint64_t, std::size_t> seed_index;
  for (std::size_t r = 0; r < seeds.size(); ++r) seed_index[seeds[r]] = r;

  // Which (variant, replication) each completed run is.
  std::map<std::int64_t, std::pair<std::size_t, std::size_t>> cell_of_run;
  for (const auto& run : results.read_experiment_runs(experiment_id)) {
    if (run.status != store::RunStatus::kCompleted) continue;
    const auto v = variant_index.find(run.variant_id);
    const auto r = seed_index.find(run.seed);
    if (v == variant_index.end() || r == seed_index.end()) continue;  // a seed of another invocation
    cell_of_run[run.run_id] = {v->second, r->second};
  }
  out.runs_used = cell_of_run.size();
  out.runs_missing = out.variants.size() * seeds.size() - out.runs_used;

  // values[metric][variant][replication], NaN where the run is missing or the metric undefined.
  std::map<std::string, std::vector<std::vector<double>>> values;
  for (const auto& m : results.read_run_metrics_of_experiment(experiment_id)) {
    const auto cell = cell_of_run.find(m.run_id);
    if (cell == cell_of_run.end()) continue;
    auto& table = values[m.metric];
    if (table.empty()) table.assign(out.variants.size(), std::vector<double>(seeds.size(), kNaN));
    table[cell->second.first][cell->second.second] = m.value;
  }

  for (const MetricDef& def : study_metrics()) {
    const auto it = values.find(def.name);
    if (it == values.end()) continue;
    const auto& table = it->second;
    bool defined = false;  // in some run: metrics a scenario cannot have (no pacer, no model) are left out
    for (const auto& per_seed : table)
      for (double x : per_seed) defined = defined || std::isfinite(x);
    if (!defined) continue;
    MetricResults mr;
    mr.metric = &def;
    for (const auto& per_seed : table) mr.variants.push_back({summarize(per_seed, kConfidence), ""});
    mark(def, mr.variants);
    if (out.baseline >= 0) {
      std::vector<double> p_values;
      for (std::size_t v = 0; v < out.variants.size(); ++v) {
        if (static_cast<int>(v) == out.baseline) continue;
        Comparison c;
        c.variant = v;
        c.paired = paired_compare(table[static_cast<std::size_t>(out.baseline)], table[v], kConfidence);
        p_values.push_back(c.paired.p_value);
        mr.comparisons.push_back(c);
      }
      const std::vector<double> adjusted = holm_adjust(p_values);
      for (std::size_t i = 0; i < mr.comparisons.size(); ++i) {
        mr.comparisons[i].p_holm = adjusted[i];
        mr.comparisons[i].verdict = verdict(def, mr.comparisons[i].paired, adjusted[i]);
      }
    }
    out.metrics.push_back(std::move(mr));
  }
  return out;
}

std::vector<store::ExperimentSummaryRow> summary_rows(const StudyResults& r) {
  std::vector<store::ExperimentSummaryRow> out;
  for (const auto& m : r.metrics)
    for (std::size_t v = 0; v < m.variants.size(); ++v) {
      const Summary& s = m.variants[v].stats;
      out.push_back({r.experiment.experiment_id, r.variants[v].variant_id, m.metric->name,
                     static_cast<std::int64_t>(s.n), s.mean, s.sd, s.ci_low, s.ci_high, m.variants[v].mark});
    }
  return out;
}

std::vector<store::ExperimentComparisonRow> comparison_rows(const StudyResults& r) {
  std::vector<store::ExperimentComparisonRow> out;
  for (const auto& m : r.metrics)
    for (const auto& c : m.comparisons) {
      const PairedComparison& p = c.paired;
      out.push_back({r.experiment.experiment_id, r.variants[c.variant].variant_id, m.metric->name,
                     static_cast<std::int64_t>(p.n), p.baseline_mean, p.variant_mean, p.mean_diff, p.ci_low,
                     p.ci_high, p.relative_change, p.p_value, c.p_holm, c.verdict});
    }
  return out;
}

}  // namespace adsim::experiments

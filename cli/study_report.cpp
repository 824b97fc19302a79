#include "cli/study_report.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

namespace adsim::cli {

using experiments::Better;
using experiments::MetricResults;
using experiments::StudyResults;

namespace {

std::string number(double x, int digits) {
  if (std::isnan(x)) return "-";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return fmt::format("{:.{}f}", x, digits);
}

std::string interval(double low, double high, int digits) {
  if (std::isnan(low) || std::isnan(high)) return "-";
  return "[" + number(low, digits) + ", " + number(high, digits) + "]";
}

std::string p_value(double p) {
  if (std::isnan(p)) return "-";
  if (p < 0.001) return "<0.001";
  return fmt::format("{:.3f}", p);
}

std::string percent(double x) {
  if (std::isnan(x) || std::isinf(x)) return "-";
  return fmt::format("{:+.1f}%", 100.0 * x);
}

std::string duration(double seconds) {
  if (seconds < 0) return "-";
  const auto s = static_cast<long long>(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

// The seeds as a person reads them: "1-20" for a run of consecutive seeds, else a list.
std::string seeds_shown(const std::vector<std::uint64_t>& seeds) {
  if (seeds.empty()) return "none";
  bool consecutive = true;
  for (std::size_t i = 1; i < seeds.size(); ++i) consecutive = consecutive && seeds[i] == seeds[i - 1] + 1;
  if (consecutive && seeds.size() > 2) return fmt::format("{}-{}", seeds.front(), seeds.back());
  std::string out;
  for (auto s : seeds) out += (out.empty() ? "" : ",") + std::to_string(s);
  return out;
}

nlohmann::ordered_json json_number(double x) {
  return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(nullptr);
}

std::size_t name_width(const StudyResults& r) {
  std::size_t w = 7;
  for (const auto& v : r.variants) w = std::max(w, v.name.size());
  return std::min<std::size_t>(w, 40);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_number(double x) {
  if (!std::isfinite(x)) return "";
  return fmt::format("{}", x);  // shortest text that reads back as the same double
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
  return out + "\n";
}

}  // namespace

bool MetricFilter::accepts(const std::string& name) const {
  return names.empty() || std::find(names.begin(), names.end(), name) != names.end();
}

std::string progress_line(const experiments::StudyProgress& p) {
  const std::size_t to_run = p.total - std::min(p.total, p.already);
  std::string line = fmt::format("[adsim] {}/{} runs", p.done, to_run);
  if (p.already > 0) line += fmt::format(" ({} already done)", p.already);
  if (p.failed > 0) line += fmt::format(", {} failed", p.failed);
  if (p.interrupted > 0) line += fmt::format(", {} interrupted", p.interrupted);
  line += fmt::format(", {} running on {}, {:.1f} runs/min, elapsed {}", p.in_flight, p.executor, p.runs_per_minute,
                      duration(p.elapsed_seconds));
  if (p.eta_seconds >= 0 && p.done < to_run) line += ", ETA " + duration(p.eta_seconds);
  return line;
}

std::string study_run_line(const experiments::StudyRun& run) {
  const auto& p = run.progress;
  std::string line = fmt::format("ran {} run{} in {} on {} ({:.1f} runs/min)", p.done, p.done == 1 ? "" : "s",
                                 duration(run.wall_seconds), p.executor, p.runs_per_minute);
  if (p.already > 0) line += fmt::format("; {} already done before", p.already);
  if (p.failed > 0) line += fmt::format("; {} FAILED", p.failed);
  if (p.interrupted > 0) line += fmt::format("; {} interrupted", p.interrupted);
  if (run.stopped) line += "; stopped before the end: run the same command again to resume";
  return line + "\n";
}

std::string study_table(const StudyResults& r, const MetricFilter& filter) {
  std::string out;
  const auto& e = r.experiment;
  out += fmt::format("Study '{}' ({} of {}, experiment {}): {} variant{} x {} seed{} ({})\n", e.name, e.kind,
                     e.scenario_name, e.experiment_id, r.variants.size(), r.variants.size() == 1 ? "" : "s",
                     r.seeds.size(), r.seeds.size() == 1 ? "" : "s", seeds_shown(r.seeds));
  for (const auto& v : r.variants) {
    std::string settings;
    for (const auto& p : v.parameters) settings += (settings.empty() ? "" : ", ") + p.key + "=" + p.value;
    out += fmt::format("  {:<{}}  {}\n", v.name, name_width(r), settings.empty() ? "(the scenario as written)" : settings);
  }
  if (r.runs_missing > 0)
    out += fmt::format("  {} of {} runs are missing (failed, interrupted or not run): their variants have smaller n\n",
                       r.runs_missing, r.runs_missing + r.runs_used);
  const std::size_t w = name_width(r);
  // The first column names the metric on its first line and its unit on the second.
  const auto first_column = [](const MetricResults& m, std::size_t line) -> std::string {
    if (line == 0) return m.metric->label;
    if (line == 1) return "(" + m.metric->unit + ")";
    return "";
  };
  const auto better = [](const MetricResults& m) -> std::string {
    return m.metric->better == Better::kNeither ? "-" : experiments::better_name(m.metric->better);
  };
  out += "\nPer variant: mean, standard deviation and 95% confidence interval over the seeds (Student t)\n";
  out += fmt::format("  {:<24} {:<8} {:<{}} {:>4} {:>13} {:>11} {:>29}  {}\n", "metric (unit)", "better", "variant", w, "n",
                     "mean", "sd", "95% CI", "");
  for (const MetricResults& m : r.metrics) {
    if (!filter.accepts(m.metric->name)) continue;
    const int d = m.metric->digits;
    const std::size_t lines = std::max<std::size_t>(2, m.variants.size());
    for (std::size_t v = 0; v < lines; ++v) {
      if (v >= m.variants.size()) {  // one variant: the unit still gets its line
        out += fmt::format("  {}\n", first_column(m, v));
        continue;
      }
      const auto& s = m.variants[v].stats;
      out += fmt::format("  {:<24} {:<8} {:<{}} {:>4} {:>13} {:>11} {:>29}  {}\n", first_column(m, v),
                         v == 0 ? better(m) : "", r.variants[v].name, w, s.n, number(s.mean, d), number(s.sd, d),
                         interval(s.ci_low, s.ci_high, d), m.variants[v].mark);
    }
  }
  if (r.baseline >= 0 && r.variants.size() > 1) {
    out += fmt::format(
        "\nAgainst the baseline '{}': difference (variant - baseline) paired by seed with its 95% CI, relative change,\n"
        "paired t-test p and Holm-adjusted p over the {} variant{} compared; better/worse (or higher/lower) when p(Holm) < 0.05\n",
        r.variants[static_cast<std::size_t>(r.baseline)].name, r.variants.size() - 1, r.variants.size() == 2 ? "" : "s");
    out += fmt::format("  {:<24} {:<{}} {:>4} {:>13} {:>29} {:>8} {:>7} {:>7}  {}\n", "metric", "variant", w, "n",
                       "difference", "95% CI", "change", "p", "p(Holm)", "verdict");
    for (const MetricResults& m : r.metrics) {
      if (!filter.accepts(m.metric->name)) continue;
      const int d = m.metric->digits;
      std::size_t line = 0;
      for (const auto& c : m.comparisons) {
        const auto& p = c.paired;
        out += fmt::format("  {:<24} {:<{}} {:>4} {:>13} {:>29} {:>8} {:>7} {:>7}  {}\n", line++ == 0 ? m.metric->label : "",
                           r.variants[c.variant].name, w, p.n, number(p.mean_diff, d), interval(p.ci_low, p.ci_high, d),
                           percent(p.relative_change), p_value(p.p_value), p_value(c.p_holm), c.verdict);
      }
    }
  }
  return out;
}

nlohmann::ordered_json study_json(const StudyResults& r, const MetricFilter& filter) {
  nlohmann::ordered_json j;
  j["adsim_version"] = ADSIM_VERSION;
  const auto& e = r.experiment;
  j["experiment"] = {{"id", e.experiment_id},
                     {"name", e.name},
                     {"kind", e.kind},
                     {"scenario", e.scenario_name},
                     {"base_overrides", e.base_overrides},
                     {"seeds", r.seeds},
                     {"baseline", r.baseline >= 0 ? nlohmann::ordered_json(r.variants[static_cast<std::size_t>(r.baseline)].name)
                                                  : nlohmann::ordered_json(nullptr)},
                     {"runs_used", r.runs_used},
                     {"runs_missing", r.runs_missing}};
  auto variants = nlohmann::ordered_json::array();
  for (const auto& v : r.variants) {
    auto params = nlohmann::ordered_json::object();
    for (const auto& p : v.parameters) params[p.key] = p.value;
    variants.push_back({{"id", v.variant_id}, {"name", v.name}, {"parameters", std::move(params)}});
  }
  j["variants"] = std::move(variants);
  auto metrics = nlohmann::ordered_json::array();
  for (const MetricResults& m : r.metrics) {
    if (!filter.accepts(m.metric->name)) continue;
    nlohmann::ordered_json mj;
    mj["name"] = m.metric->name;
    mj["label"] = m.metric->label;
    mj["unit"] = m.metric->unit;
    mj["better"] = experiments::better_name(m.metric->better);
    auto per_variant = nlohmann::ordered_json::array();
    for (std::size_t v = 0; v < m.variants.size(); ++v) {
      const auto& s = m.variants[v].stats;
      per_variant.push_back({{"variant", r.variants[v].name},
                             {"n", s.n},
                             {"mean", json_number(s.mean)},
                             {"sd", json_number(s.sd)},
                             {"ci_low", json_number(s.ci_low)},
                             {"ci_high", json_number(s.ci_high)},
                             {"mark", m.variants[v].mark.empty() ? nlohmann::ordered_json(nullptr)
                                                                 : nlohmann::ordered_json(m.variants[v].mark)}});
    }
    mj["variants"] = std::move(per_variant);
    auto comparisons = nlohmann::ordered_json::array();
    for (const auto& c : m.comparisons) {
      const auto& p = c.paired;
      comparisons.push_back({{"variant", r.variants[c.variant].name},
                             {"n", p.n},
                             {"baseline_mean", json_number(p.baseline_mean)},
                             {"variant_mean", json_number(p.variant_mean)},
                             {"mean_diff", json_number(p.mean_diff)},
                             {"ci_low", json_number(p.ci_low)},
                             {"ci_high", json_number(p.ci_high)},
                             {"relative_change", json_number(p.relative_change)},
                             {"p_value", json_number(p.p_value)},
                             {"p_holm", json_number(c.p_holm)},
                             {"verdict", c.verdict}});
    }
    mj["comparisons"] = std::move(comparisons);
    metrics.push_back(std::move(mj));
  }
  j["metrics"] = std::move(metrics);
  return j;
}

std::string runs_csv(const store::ResultStore& results, std::int64_t experiment_id) {
  const auto variants = results.read_variants(experiment_id);
  std::map<std::int64_t, const store::VariantRow*> variant_of;
  std::vector<std::string> keys;  // every parameter key, in first-seen order
  for (const auto& v : variants) {
    variant_of[v.variant_id] = &v;
    for (const auto& p : v.parameters)
      if (std::find(keys.begin(), keys.end(), p.key) == keys.end()) keys.push_back(p.key);
  }
  std::map<std::int64_t, std::map<std::string, double>> metrics;
  std::set<std::string> present;
  for (const auto& m : results.read_run_metrics_of_experiment(experiment_id)) {
    metrics[m.run_id][m.metric] = m.value;
    present.insert(m.metric);
  }
  std::vector<std::string> names;
  for (const auto& def : experiments::study_metrics())
    if (present.count(def.name)) names.push_back(def.name);
  std::vector<std::string> header = {"experiment_id", "run_id", "variant_id", "variant", "replication", "seed", "status"};
  header.insert(header.end(), keys.begin(), keys.end());
  header.insert(header.end(), names.begin(), names.end());
  std::string out = csv_line(header);
  for (const auto& run : results.read_experiment_runs(experiment_id)) {
    const auto* v = variant_of.count(run.variant_id) ? variant_of[run.variant_id] : nullptr;
    std::vector<std::string> row = {std::to_string(experiment_id), std::to_string(run.run_id),
                                    std::to_string(run.variant_id), v ? v->name : "",
                                    std::to_string(run.replication), std::to_string(run.seed),
                                    std::string(store::to_string(run.status))};
    for (const auto& k : keys) {
      std::string value;
      if (v)
        for (const auto& p : v->parameters)
          if (p.key == k) value = p.value.size() >= 2 && p.value.front() == '"' ? p.value.substr(1, p.value.size() - 2) : p.value;
      row.push_back(value);
    }
    const auto it = metrics.find(run.run_id);
    for (const auto& n : names) {
      const bool has = it != metrics.end() && it->second.count(n);
      row.push_back(has ? csv_number(it->second.at(n)) : "");
    }
    out += csv_line(row);
  }
  return out;
}

std::string summary_csv(const StudyResults& r) {
  std::string out = csv_line({"experiment_id", "variant_id", "variant", "metric", "unit", "better", "n", "mean", "sd",
                              "ci_low", "ci_high", "mark"});
  for (const MetricResults& m : r.metrics)
    for (std::size_t v = 0; v < m.variants.size(); ++v) {
      const auto& s = m.variants[v].stats;
      out += csv_line({std::to_string(r.experiment.experiment_id), std::to_string(r.variants[v].variant_id),
                       r.variants[v].name, m.metric->name, m.metric->unit, experiments::better_name(m.metric->better),
                       std::to_string(s.n), csv_number(s.mean), csv_number(s.sd), csv_number(s.ci_low),
                       csv_number(s.ci_high), m.variants[v].mark});
    }
  return out;
}

std::string comparisons_csv(const StudyResults& r) {
  std::string out = csv_line({"experiment_id", "variant_id", "variant", "baseline", "metric", "unit", "better", "n",
                              "baseline_mean", "variant_mean", "mean_diff", "ci_low", "ci_high", "relative_change",
                              "p_value", "p_holm", "verdict"});
  if (r.baseline < 0) return out;
  const std::string& baseline = r.variants[static_cast<std::size_t>(r.baseline)].name;
  for (const MetricResults& m : r.metrics)
    for (const auto& c : m.comparisons) {
      const auto& p = c.paired;
      out += csv_line({std::to_string(r.experiment.experiment_id), std::to_string(r.variants[c.variant].variant_id),
                       r.variants[c.variant].name, baseline, m.metric->name, m.metric->unit,
                       experiments::better_name(m.metric->better), std::to_string(p.n), csv_number(p.baseline_mean),
                       csv_number(p.variant_mean), csv_number(p.mean_diff), csv_number(p.ci_low), csv_number(p.ci_high),
                       csv_number(p.relative_change), csv_number(p.p_value), csv_number(c.p_holm), c.verdict});
    }
  return out;
}

}  // namespace adsim::cli

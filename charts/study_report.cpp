// The page of a study: each metric against each factor with 95 % confidence bands, the per-variant
// table, and the paired differences against the baseline with their intervals and verdicts.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "charts/report_parts.hpp"
#include "experiments/analysis.hpp"

namespace adsim::charts {
namespace {

using experiments::MetricResults;
using experiments::StudyResults;

const std::vector<std::string> kMarketplaceHeadline = {
    "revenue", "rpm", "ctr", "efficiency", "advertiser_surplus", "hide_rate", "users_left", "calibration", "auc"};
const std::vector<std::string> kAuctionOnlyHeadline = {"revenue_per_auction", "surplus_per_auction",
                                                       "welfare_per_auction", "efficiency",
                                                       "price_to_bid",        "reserve_bind_rate"};

// The value of a parameter as a label: TOML strings without their quotes.
std::string label_of(const std::string& toml) {
  if (toml.size() >= 2 && toml.front() == '"' && toml.back() == '"') return toml.substr(1, toml.size() - 2);
  return toml;
}

bool numeric(const std::string& text, double& out) {
  try {
    std::size_t used = 0;
    out = std::stod(text, &used);
    return used == text.size() && std::isfinite(out);
  } catch (...) {
    return false;
  }
}

// A key every variant sets, with at least two values among them.
struct Factor {
  std::string key;
  std::vector<std::string> values;  // per variant (TOML text)
  bool is_numeric = true;
  std::vector<double> x;                // per variant: the value, or the category index
  std::vector<std::string> categories;  // distinct labels in first-seen order (categorical factors)
};

std::vector<Factor> factors_of(const std::vector<store::VariantRow>& variants) {
  std::vector<Factor> out;
  if (variants.empty()) return out;
  for (const store::VariantParameterRow& p : variants.front().parameters) {
    Factor f;
    f.key = p.key;
    bool everywhere = true;
    for (const store::VariantRow& v : variants) {
      auto it = std::find_if(v.parameters.begin(), v.parameters.end(), [&](const auto& q) { return q.key == p.key; });
      if (it == v.parameters.end()) {
        everywhere = false;
        break;
      }
      f.values.push_back(it->value);
    }
    if (!everywhere || std::set<std::string>(f.values.begin(), f.values.end()).size() < 2) continue;
    for (const std::string& v : f.values) {
      double x = 0;
      f.is_numeric = f.is_numeric && numeric(v, x);
      f.x.push_back(x);
    }
    if (!f.is_numeric) {
      f.x.clear();
      for (const std::string& v : f.values) {
        const std::string l = label_of(v);
        auto it = std::find(f.categories.begin(), f.categories.end(), l);
        if (it == f.categories.end()) {
          f.categories.push_back(l);
          it = std::prev(f.categories.end());
        }
        f.x.push_back(static_cast<double>(it - f.categories.begin()));
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::string axis_title(const experiments::MetricDef& m) { return m.label + " (" + m.unit + ")"; }

std::string mean_ci(const experiments::Summary& s, int digits) {
  if (!std::isfinite(s.mean)) return "–";
  std::string t = format_figure(s.mean, digits);
  if (std::isfinite(s.ci_low))
    t += " [" + format_figure(s.ci_low, digits) + ", " + format_figure(s.ci_high, digits) + "]";
  return t;
}

std::string tone_of_mark(const std::string& mark) { return mark == "best" ? "good" : mark == "worst" ? "bad" : ""; }
std::string tone_of_verdict(const std::string& v) { return v == "better" ? "good" : v == "worse" ? "bad" : ""; }

Section study_section(const StudyResults& r) {
  Section s;
  s.heading = "The study";
  const store::ExperimentRow& e = r.experiment;
  std::string seeds = e.seeds;
  s.paragraphs.push_back(
      "A " + e.kind + " of scenario " + e.scenario_name + " with " + std::to_string(r.variants.size()) +
      " variants over seeds " + seeds + ": " + std::to_string(r.runs_used) + " completed runs used" +
      (r.runs_missing ? ", " + std::to_string(r.runs_missing) + " cells without a completed run" : "") +
      ". Intervals are 95 % Student t intervals over the seeds; comparisons are paired by seed, "
      "with Holm-adjusted p-values across the variants compared for each metric.");
  if (!e.base_overrides.empty()) {
    std::string o = "Settings applied to every variant:";
    for (const std::string& x : e.base_overrides) o += " " + x;
    s.paragraphs.push_back(o);
  }
  Table t;
  t.caption = "Variants";
  t.header = {"variant", "settings"};
  for (std::size_t i = 0; i < r.variants.size(); ++i) {
    std::string settings;
    for (const auto& p : r.variants[i].parameters) settings += (settings.empty() ? "" : ", ") + p.key + " = " + p.value;
    if (settings.empty()) settings = "the scenario as written";
    std::string name = r.variants[i].name;
    if (static_cast<int>(i) == r.baseline) name += " (baseline)";
    t.rows.push_back({text_cell(name), text_cell(settings)});
  }
  s.tables.push_back(std::move(t));
  return s;
}

Section summary_section(const StudyResults& r, const std::set<std::string>& chosen) {
  Section s;
  s.heading = "Results per variant";
  Table t;
  t.caption =
      "Mean [95 % interval] over the seeds; green: the best variant, red: the worst, by the metric's good direction";
  const bool wide = r.variants.size() <= 8;
  if (wide) {
    t.header = {"metric", "unit"};
    for (const auto& v : r.variants) t.header.push_back(v.name);
    for (const MetricResults& m : r.metrics) {
      std::vector<Cell> row{text_cell(m.metric->label), text_cell(m.metric->unit)};
      for (const auto& v : m.variants) row.push_back({mean_ci(v.stats, 4), tone_of_mark(v.mark), true});
      t.rows.push_back(std::move(row));
    }
  } else {
    t.header = {"variant"};
    for (const MetricResults& m : r.metrics)
      if (chosen.count(m.metric->name)) t.header.push_back(m.metric->label + " (" + m.metric->unit + ")");
    for (std::size_t v = 0; v < r.variants.size(); ++v) {
      std::vector<Cell> row{text_cell(r.variants[v].name)};
      for (const MetricResults& m : r.metrics)
        if (chosen.count(m.metric->name))
          row.push_back({mean_ci(m.variants[v].stats, 4), tone_of_mark(m.variants[v].mark), true});
      t.rows.push_back(std::move(row));
    }
  }
  s.tables.push_back(std::move(t));
  return s;
}

// One figure per chosen metric and factor: the metric's mean against the factor's values, one line
// per combination of the other factors, with its 95 % band (whiskers for categorical factors).
Section factor_section(const StudyResults& r, const std::vector<const MetricResults*>& chosen) {
  Section s;
  const std::vector<Factor> factors = factors_of(r.variants);
  if (factors.empty()) {
    s.heading = "Metrics by variant";
    for (const MetricResults* m : chosen) {
      Figure f = make_figure(
          "by_variant_" + m->metric->name, m->metric->label + " by variant",
          "Mean " + m->metric->label + " of each variant over the seeds, with its 95 % confidence interval.", "variant",
          axis_title(*m->metric));
      f.y_from_zero = false;
      Series pts{.name = "", .style = Style::kPoints};
      for (std::size_t v = 0; v < r.variants.size(); ++v) {
        f.x_categories.push_back(r.variants[v].name);
        const auto& st = m->variants[v].stats;
        pts.points.push_back({static_cast<double>(v), st.mean});
        pts.low.push_back(st.ci_low);
        pts.high.push_back(st.ci_high);
      }
      f.series.push_back(std::move(pts));
      s.figures.push_back(std::move(f));
    }
    return s;
  }
  s.heading = "Metrics against the factors";
  for (const Factor& fac : factors) {
    // The other factors' values of each variant name its line.
    std::map<std::string, std::vector<std::size_t>> lines;
    for (std::size_t v = 0; v < r.variants.size(); ++v) {
      std::string key;
      for (const Factor& o : factors)
        if (&o != &fac) key += (key.empty() ? "" : ", ") + o.key + " = " + label_of(o.values[v]);
      lines[key].push_back(v);
    }
    for (const MetricResults* m : chosen) {
      Figure f = make_figure("by_" + slug(fac.key) + "_" + m->metric->name, m->metric->label + " against " + fac.key,
                             "Mean " + m->metric->label + " over the seeds for each value of " + fac.key +
                                 (lines.size() > 1 ? ", one line per setting of the other factors" : "") +
                                 "; the shaded band (or whiskers) is the 95 % confidence interval.",
                             fac.key, axis_title(*m->metric));
      f.y_from_zero = false;
      if (!fac.is_numeric) f.x_categories = fac.categories;
      int colour = 0;
      for (auto& [name, members] : lines) {
        std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) { return fac.x[a] < fac.x[b]; });
        Series sr{.name = name, .style = fac.is_numeric ? Style::kLinePoints : Style::kPoints, .colour = colour++};
        const double offset =
            fac.is_numeric || lines.size() == 1
                ? 0.0
                : 0.25 * (static_cast<double>(colour - 1) / static_cast<double>(lines.size() - 1) - 0.5);
        for (std::size_t v : members) {
          const auto& st = m->variants[v].stats;
          sr.points.push_back({fac.x[v] + offset, st.mean});
          sr.low.push_back(st.ci_low);
          sr.high.push_back(st.ci_high);
        }
        f.series.push_back(std::move(sr));
      }
      s.figures.push_back(std::move(f));
    }
  }
  return s;
}

Section baseline_section(const StudyResults& r, const std::vector<const MetricResults*>& chosen,
                         const std::set<std::string>& chosen_names) {
  Section s;
  const std::string base = r.variants[static_cast<std::size_t>(r.baseline)].name;
  s.heading = "Against the baseline (" + base + ")";
  s.paragraphs.push_back(
      "Each variant minus the baseline, paired by seed. The interval is the 95 % interval of the mean paired "
      "difference; a verdict is given when the Holm-adjusted p-value is below 0.05 (better or worse by the "
      "metric's good direction, higher or lower where no direction is good).");
  Table t;
  t.caption = "Paired differences";
  t.header = {"metric",        "variant", "pairs", "baseline", "variant mean", "difference",
              "95 % interval", "change",  "p",     "p (Holm)", "verdict"};
  const bool all = r.variants.size() <= 4;
  for (const MetricResults& m : r.metrics) {
    if (!all && !chosen_names.count(m.metric->name)) continue;
    for (const experiments::Comparison& c : m.comparisons) {
      const auto& p = c.paired;
      const std::string tone = tone_of_verdict(c.verdict);
      Cell diff = number_cell(p.mean_diff, 4, tone);
      if (p.mean_diff > 0) diff.text = "+" + diff.text;
      const std::string ci =
          std::isfinite(p.ci_low) ? "[" + format_figure(p.ci_low, 4) + ", " + format_figure(p.ci_high, 4) + "]" : "–";
      t.rows.push_back({text_cell(m.metric->label),
                        text_cell(r.variants[c.variant].name),
                        number_cell(static_cast<double>(p.n)),
                        number_cell(p.baseline_mean, 5),
                        number_cell(p.variant_mean, 5),
                        diff,
                        {ci, tone, true},
                        {format_change(p.relative_change), tone, true},
                        number_cell(p.p_value, 2),
                        number_cell(c.p_holm, 2),
                        {c.verdict, tone, false}});
    }
  }
  if (!all) t.caption += " (the metrics of the figures; every metric is in adsim export --table comparisons)";
  s.tables.push_back(std::move(t));

  for (const MetricResults* m : chosen) {
    if (m->comparisons.empty()) continue;
    Figure f = make_figure("diff_" + m->metric->name, m->metric->label + ": difference from " + base,
                           "Mean paired difference (variant − " + base + ") of " + m->metric->label +
                               " with its 95 % interval. Green: better at Holm-adjusted p < 0.05, red: worse, grey: no "
                               "conclusion (or no good direction for this metric).",
                           "variant", "difference in " + axis_title(*m->metric));
    f.reference_y = 0.0;
    Series better{.name = "better", .style = Style::kBars, .rgb = "#2ca02c", .bar_width = 0.6};
    Series worse{.name = "worse", .style = Style::kBars, .rgb = "#d62728", .bar_width = 0.6};
    Series other{
        .name = "no conclusion / no good direction", .style = Style::kBars, .rgb = "#9a9a9a", .bar_width = 0.6};
    for (const experiments::Comparison& c : m->comparisons) {
      f.x_categories.push_back(r.variants[c.variant].name);
      Series& target = c.verdict == "better" ? better : c.verdict == "worse" ? worse : other;
      target.points.push_back({static_cast<double>(f.x_categories.size() - 1), c.paired.mean_diff});
      target.low.push_back(c.paired.ci_low);
      target.high.push_back(c.paired.ci_high);
    }
    for (Series* sr : {&better, &worse, &other})
      if (!sr->points.empty()) f.series.push_back(std::move(*sr));
    s.figures.push_back(std::move(f));
  }
  return s;
}

}  // namespace

Document study_document(const store::ResultStore& results, std::int64_t experiment_id,
                        const std::vector<std::string>& metric_names) {
  if (!results.read_experiment(experiment_id))
    throw ReportError("the database has no experiment " + std::to_string(experiment_id) +
                      " (adsim export DB --list lists the studies)");
  const StudyResults r = experiments::analyze(results, experiment_id);
  if (r.runs_used == 0) throw ReportError("experiment " + std::to_string(experiment_id) + " has no completed run yet");

  std::vector<std::string> wanted = metric_names;
  const bool auction_only = !r.metrics.empty() && r.metrics.front().metric && !r.metrics.front().metric->marketplace;
  if (wanted.empty()) wanted = auction_only ? kAuctionOnlyHeadline : kMarketplaceHeadline;
  std::vector<const MetricResults*> chosen;
  std::set<std::string> chosen_names;
  for (const std::string& name : wanted) {
    auto it = std::find_if(r.metrics.begin(), r.metrics.end(),
                           [&](const MetricResults& m) { return m.metric->name == name; });
    if (it == r.metrics.end()) {
      if (!metric_names.empty()) {
        std::string known;
        for (const MetricResults& m : r.metrics) known += (known.empty() ? "" : ", ") + m.metric->name;
        throw ReportError("--metrics: the study has no metric '" + name + "' (it has: " + known + ")");
      }
      continue;
    }
    chosen.push_back(&*it);
    chosen_names.insert(name);
  }

  Document doc;
  const store::ExperimentRow& e = r.experiment;
  doc.title = "Study " + std::to_string(experiment_id) + ": " + (e.name.empty() ? e.scenario_name : e.name);
  doc.subtitle =
      "A " + e.kind + " of " + e.scenario_name + ", created " + e.created_at + " by adsim " + e.adsim_version + ".";
  doc.sections.push_back(study_section(r));
  doc.sections.push_back(summary_section(r, chosen_names));
  doc.sections.push_back(factor_section(r, chosen));
  if (r.baseline >= 0) doc.sections.push_back(baseline_section(r, chosen, chosen_names));
  for (Section& s : doc.sections)
    for (Figure& f : s.figures) f.id = "experiment" + std::to_string(experiment_id) + "_" + f.id;
  return doc;
}

}  // namespace adsim::charts

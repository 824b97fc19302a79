// The page of two or more runs side by side: their headline metrics with the differences coloured
// by whether they are good, and their time series overlaid.
#include <algorithm>
#include <cmath>
#include <set>

#include "charts/report_parts.hpp"
#include "store/result_store.hpp"

namespace adsim::charts {
namespace {

struct Line {
  const char* id;
  const char* title;
  const char* y_title;
  double (*value)(const store::IntervalRow&);
};

const Line kLines[] = {
    {"revenue", "Revenue per interval", "revenue (currency units / interval)",
     [](const store::IntervalRow& r) { return r.metrics.counts.revenue.units(); }},
    {"rpm", "RPM", "RPM (currency units / 1,000 requests)",
     [](const store::IntervalRow& r) { return r.metrics.counts.requests ? r.rates.rpm : std::nan(""); }},
    {"ctr", "Click-through rate", "CTR (% of impressions)",
     [](const store::IntervalRow& r) { return r.metrics.counts.impressions ? 100.0 * r.rates.ctr : std::nan(""); }},
    {"hide_rate", "Hide rate", "hides per 1,000 impressions",
     [](const store::IntervalRow& r) {
       return r.metrics.counts.impressions ? 1000.0 * r.rates.hide_rate : std::nan("");
     }},
    {"active_users", "Active users", "active users (users)",
     [](const store::IntervalRow& r) { return static_cast<double>(r.metrics.active_users); }},
    {"calibration", "Calibration ratio (shown ads)", "Σ pCTR / Σ true CTR (1 = calibrated)",
     [](const store::IntervalRow& r) {
       return r.metrics.counts.sum_true_ctr_shown > 0 ? r.rates.calibration_ratio : std::nan("");
     }},
    {"fill_rate", "Fill rate", "% of requests",
     [](const store::IntervalRow& r) { return r.metrics.counts.requests ? 100.0 * r.rates.fill_rate : std::nan(""); }},
    {"reserve_bind_rate", "Reserve-bind rate", "% of shown ads",
     [](const store::IntervalRow& r) {
       return r.metrics.counts.impressions ? 100.0 * r.rates.reserve_bind_rate : std::nan("");
     }},
};

std::string run_label(const store::RunRow& r) {
  std::string label = "run " + std::to_string(r.run_id);
  if (!r.overrides.empty()) {
    label += " (";
    for (std::size_t i = 0; i < r.overrides.size() && i < 2; ++i) label += (i ? ", " : "") + r.overrides[i];
    if (r.overrides.size() > 2) label += ", …";
    label += ")";
  }
  return label;
}

}  // namespace

Document compare_document(const store::ResultStore& results, const std::vector<std::int64_t>& run_ids) {
  if (run_ids.size() < 2) throw ReportError("--compare needs two or more run ids, e.g. --compare 3,4");
  std::vector<store::RunRow> runs;
  std::vector<std::vector<MetricValue>> metrics;
  for (std::int64_t id : run_ids) {
    auto r = results.read_run(id);
    if (!r) throw ReportError("the database has no run " + std::to_string(id));
    runs.push_back(std::move(*r));
    metrics.push_back(run_metric_values(results, id));
  }
  for (const store::RunRow& r : runs)
    if (r.kind != runs.front().kind)
      throw ReportError("runs " + std::to_string(runs.front().run_id) + " and " + std::to_string(r.run_id) +
                        " are of different kinds (marketplace and auction-only) and cannot be compared");

  Document doc;
  doc.title = "Runs " + std::to_string(run_ids.front());
  for (std::size_t i = 1; i < run_ids.size(); ++i)
    doc.title += (i + 1 == run_ids.size() ? " and " : ", ") + std::to_string(run_ids[i]);
  doc.title += " compared";
  doc.subtitle = "Scenario " + runs.front().scenario_name + ". The first run is the reference of the differences.";

  Section summary;
  summary.heading = "Headline metrics";
  std::set<std::uint64_t> seeds;
  for (const store::RunRow& r : runs) seeds.insert(r.seed);
  std::string seed_text;
  for (std::uint64_t x : seeds) seed_text += (seed_text.empty() ? "" : ", ") + std::to_string(x);
  summary.paragraphs.push_back(
      (seeds.size() == 1 ? "Every run uses seed " + seed_text + ", so the runs share their random world and differ "
                           "by their settings; still, one seed is one sample: "
                         : "The runs use seeds " + seed_text + ": ") +
      std::string("a difference between single runs is often noise (revenue moves by several percent between seeds). "
                  "For a conclusion with a confidence interval, run a study (adsim compare or adsim sweep) and "
                  "report it with --experiment."));
  Table t;
  t.caption = "Green: better than the first run, red: worse, by each metric's good direction";
  t.header = {"metric", "unit"};
  for (const store::RunRow& r : runs) t.header.push_back(run_label(r));
  for (std::size_t i = 1; i < runs.size(); ++i) {
    t.header.push_back("run " + std::to_string(runs[i].run_id) + " − run " + std::to_string(runs[0].run_id));
    t.header.push_back("change");
  }
  for (std::size_t m = 0; m < metrics.front().size(); ++m) {
    const MetricValue& base = metrics.front()[m];
    if (!base.def) continue;
    std::vector<Cell> row{text_cell(base.def->label), text_cell(base.def->unit)};
    for (const auto& mv : metrics) row.push_back(number_cell(m < mv.size() ? mv[m].value : std::nan(""), 5));
    for (std::size_t i = 1; i < metrics.size(); ++i) {
      const double v = m < metrics[i].size() ? metrics[i][m].value : std::nan("");
      const std::string tone = tone_of_change(base.def->better, base.value, v);
      Cell diff = number_cell(v - base.value, 4, tone);
      if (v - base.value > 0) diff.text = "+" + diff.text;
      row.push_back(diff);
      row.push_back({base.value != 0 ? format_change((v - base.value) / std::fabs(base.value)) : "–", tone, true});
    }
    t.rows.push_back(std::move(row));
  }
  summary.tables.push_back(std::move(t));
  doc.sections.push_back(std::move(summary));

  if (runs.front().kind != "auction_only") {
    Section over;
    over.heading = "Over time";
    core::SimTime horizon = core::kHour;
    for (const store::RunRow& r : runs) horizon = std::max(horizon, r.simulated_us);
    const TimeScale ts = TimeScale::for_horizon(horizon);
    std::vector<std::vector<store::IntervalRow>> rows;
    for (const store::RunRow& r : runs) rows.push_back(results.read_intervals(r.run_id));
    for (const Line& line : kLines) {
      Figure f = make_figure(std::string("compare_") + line.id, line.title,
                             std::string(line.title) + " of each run in each snapshot interval; one colour per run.",
                             ts.title, line.y_title);
      f.x_min = 0.0;
      f.x_max = ts.end;
      if (std::string(line.id) == "calibration") {
        f.reference_y = 1.0;
        f.reference_name = "calibrated";
      }
      if (std::string(line.id) == "active_users") f.y_from_zero = false;
      for (std::size_t i = 0; i < runs.size(); ++i) {
        Series s{.name = run_label(runs[i]), .colour = static_cast<int>(i)};
        s.dash = i == 0 ? Dash::kSolid : Dash::kDash;
        for (const store::IntervalRow& r : rows[i]) s.points.push_back({ts.at(r.metrics.end), line.value(r)});
        f.series.push_back(std::move(s));
      }
      over.figures.push_back(std::move(f));
    }
    doc.sections.push_back(std::move(over));
  }
  std::string stem = "compare";
  for (std::int64_t id : run_ids) stem += "_" + std::to_string(id);
  for (Section& s : doc.sections)
    for (Figure& f : s.figures) f.id = stem + "_" + f.id;
  return doc;
}

}  // namespace adsim::charts

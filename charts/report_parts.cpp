#include "charts/report_parts.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "store/result_store.hpp"

namespace adsim::charts {

std::string format_count(std::uint64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

std::string format_figure(double value, int significant) {
  if (!std::isfinite(value)) return "–";
  if (value == 0.0) return "0";
  const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(value))));
  const int decimals = std::min(std::max(0, significant - 1 - magnitude), 9);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(value));
  std::string text = buf;
  std::string frac;
  if (const auto dot = text.find('.'); dot != std::string::npos) {
    frac = text.substr(dot);
    text.resize(dot);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    if (frac == ".") frac.clear();
  }
  for (int i = static_cast<int>(text.size()) - 3; i > 0; i -= 3) text.insert(static_cast<std::size_t>(i), ",");
  const bool negative = value < 0 && (text != "0" || !frac.empty());
  return (negative ? "-" : "") + text + frac;
}

std::string format_change(double relative) {
  if (!std::isfinite(relative)) return "–";
  return (relative > 0 ? "+" : "") + format_figure(100.0 * relative, 3) + " %";
}

Figure make_figure(std::string id, std::string title, std::string caption, std::string x_title, std::string y_title) {
  Figure f;
  f.id = std::move(id);
  f.title = std::move(title);
  f.caption = std::move(caption);
  f.x_title = std::move(x_title);
  f.y_title = std::move(y_title);
  return f;
}

Cell text_cell(std::string text) { return {std::move(text), {}, false}; }

Cell number_cell(double value, int significant, std::string tone) {
  return {format_figure(value, significant), std::move(tone), true};
}

std::string tone_of_change(experiments::Better better, double a, double b) {
  if (!std::isfinite(a) || !std::isfinite(b) || a == b) return {};
  if (better == experiments::Better::kNeither) return {};
  return experiments::is_better(better, b, a) ? "good" : (experiments::is_better(better, a, b) ? "bad" : "");
}

TimeScale TimeScale::for_horizon(core::SimTime horizon) {
  TimeScale ts{static_cast<double>(core::kHour), "simulated time (h)"};
  if (horizon > 3 * core::kDay) ts = {static_cast<double>(core::kDay), "simulated time (days)"};
  ts.end = ts.at(horizon);
  return ts;
}

std::string slug(const std::string& text) {
  std::string out;
  for (unsigned char c : text) out += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
  return out;
}

std::vector<MetricValue> run_metric_values(const store::ResultStore& results, std::int64_t run_id) {
  const auto run = results.read_run(run_id);
  if (!run) return {};
  const std::vector<store::CampaignTotalsRow> campaigns = results.read_campaign_totals(run_id);
  const auto auction_only = results.read_auction_only_run(run_id);
  const auto intervals = results.read_intervals(run_id);
  const experiments::RunFacts facts{*run, campaigns, auction_only ? &*auction_only : nullptr, intervals};
  std::vector<MetricValue> out;
  for (const store::RunMetricRow& m : experiments::metrics_of(facts))
    out.push_back({experiments::find_metric(m.metric), m.value});
  return out;
}

}  // namespace adsim::charts

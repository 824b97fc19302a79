#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "charts/report.hpp"
#include "core/sim_time.hpp"
#include "experiments/metrics.hpp"

// Pieces shared by the run, compare and study pages.
namespace adsim::charts {

// A figure with `significant` significant digits and thousands separators, without trailing zeros;
// "–" for NaN. The app's tables use it too (gui/formatting).
std::string format_figure(double value, int significant = 4);
// 1234567 -> "1,234,567".
std::string format_count(std::uint64_t n);
// "+1.2 %" style relative change.
std::string format_change(double relative);

// A figure with its id, title, caption and axis titles (each with its unit).
Figure make_figure(std::string id, std::string title, std::string caption, std::string x_title, std::string y_title);

Cell text_cell(std::string text);
Cell number_cell(double value, int significant = 4, std::string tone = {});

// "good" or "bad" for a change of `diff` in a metric whose good direction is `better` (toward 1:
// whether |b - 1| shrank, given a = baseline, b = variant); "" when neither or no change.
std::string tone_of_change(experiments::Better better, double a, double b);

// The time axis of every time-series figure: hours for runs up to three days, days beyond.
struct TimeScale {
  double divisor = 1.0;
  std::string title;
  double end = 1.0;  // the horizon in axis units: time axes run from 0 to it
  static TimeScale for_horizon(core::SimTime horizon);
  double at(core::SimTime t) const { return static_cast<double>(t) / divisor; }
};

// A file-name-safe id from any text: letters and digits kept, the rest '_'.
std::string slug(const std::string& text);

// The headline metrics of one run as data, from the same definitions a study uses.
struct MetricValue {
  const experiments::MetricDef* def = nullptr;
  double value = 0.0;
};
std::vector<MetricValue> run_metric_values(const store::ResultStore& results, std::int64_t run_id);

}  // namespace adsim::charts

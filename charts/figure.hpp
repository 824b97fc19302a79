#pragma once
#include <optional>
#include <string>
#include <vector>

// A figure as plain data: what to draw, not how. The reports build figures from a results database
// and render them (render.hpp); build_chart() turns one into the Qt chart the app would show.
namespace adsim::charts {

struct Point {
  double x = 0.0, y = 0.0;
};

enum class Style {
  kLine,         // a line through the points (a band under it when low/high are given)
  kLinePoints,   // a line with a marker at each point
  kPoints,       // markers only (with whiskers when low/high are given)
  kBars,         // a bar per point from 0 to y, centred on x (whiskers when low/high are given)
  kStep,         // a step line: y holds from x until the next point (histograms, per-hour figures)
};

enum class Dash { kSolid, kDash, kDot };

struct Series {
  std::string name;  // the legend entry; empty keeps the series out of the legend
  Style style = Style::kLine;
  std::vector<Point> points;
  // An interval per point (same length as points, or empty): a translucent band under a line, or
  // whiskers on points and bars. A 95 % confidence interval in the study reports.
  std::vector<double> low, high;
  int colour = -1;  // palette index (charts::colour); -1: the series' position among the coloured ones
  std::string rgb;    // "#1e7b34": a colour that means something (better, worse); overrides colour
  bool grey = false;  // a reference line (the diagonal of a reliability diagram, a target)
  Dash dash = Dash::kSolid;
  bool right_axis = false;
  double width = 2.0;
  double bar_width = 0.8;  // kBars: in x units
};

struct Figure {
  std::string id;       // file name stem: letters, digits, '_' and '-'
  std::string title;
  std::string caption;  // one or two sentences under the figure: what it shows and how to read it
  std::string x_title, y_title, y2_title;  // every title names its unit
  // A categorical x axis: category i is drawn at x = i (bars, variants of a study).
  std::vector<std::string> x_categories;
  std::vector<Series> series;
  std::optional<double> reference_y;  // a grey horizontal line (calibration 1, a difference of 0)
  std::string reference_name;         // its legend entry; empty: none
  bool y_from_zero = true;            // the y range includes 0
  bool y2_from_zero = true;
  std::optional<double> x_min, x_max, y_min, y_max;  // fixed ranges where the data should not decide
  bool x_percent = false;  // axes whose values are shares shown as % (the titles say so)
};

}  // namespace adsim::charts

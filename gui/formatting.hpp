#pragma once
#include <cstdint>

#include <QString>

#include "core/sim_time.hpp"

namespace adsim::gui {

// "day 1 14:30" (days counted from 0, as the simulation does).
QString sim_clock(core::SimTime t);
// "1.5 d", "6 h", "15 min": a duration in the largest unit that keeps it readable.
QString sim_duration(core::SimTime t);
// 1234567 -> "1,234,567".
QString format_count(std::uint64_t n);
// A figure with `significant` significant digits and thousands separators, without trailing zeros.
QString format_figure(double value, int significant = 4);

// The time axis of every time-series chart: hours for runs up to three days, days beyond.
struct TimeAxisScale {
  double divisor = 1.0;  // SimTime units per axis unit
  QString title;         // "simulated time (h)"
  static TimeAxisScale for_horizon(core::SimTime horizon);
  double to_axis(core::SimTime t) const { return static_cast<double>(t) / divisor; }
};

}  // namespace adsim::gui

#include "gui/formatting.hpp"

#include <cmath>

#include <QLocale>

namespace adsim::gui {

QString sim_clock(core::SimTime t) {
  const std::int64_t day = core::day_of(t);
  const core::SimTime tod = core::time_of_day(t);
  const auto minutes = static_cast<int>(tod / core::kMinute);
  return QStringLiteral("day %1 %2:%3")
      .arg(day)
      .arg(minutes / 60, 2, 10, QLatin1Char('0'))
      .arg(minutes % 60, 2, 10, QLatin1Char('0'));
}

QString sim_duration(core::SimTime t) {
  const double s = core::to_seconds(t);
  if (s >= 86400.0) return QStringLiteral("%1 d").arg(format_figure(s / 86400.0, 3));
  if (s >= 3600.0) return QStringLiteral("%1 h").arg(format_figure(s / 3600.0, 3));
  if (s >= 60.0) return QStringLiteral("%1 min").arg(format_figure(s / 60.0, 3));
  return QStringLiteral("%1 s").arg(format_figure(s, 3));
}

QString format_count(std::uint64_t n) {
  QString digits = QString::number(n);
  for (qsizetype i = digits.size() - 3; i > 0; i -= 3) digits.insert(i, QLatin1Char(','));
  return digits;
}

QString format_figure(double value, int significant) {
  if (!std::isfinite(value)) return QStringLiteral("–");
  if (value == 0.0) return QStringLiteral("0");
  const int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(value))));
  const int decimals = std::max(0, significant - 1 - magnitude);
  QLocale c(QLocale::English);
  c.setNumberOptions(QLocale::DefaultNumberOptions);
  QString text = c.toString(value, 'f', std::min(decimals, 9));
  if (text.contains(QLatin1Char('.'))) {
    while (text.endsWith(QLatin1Char('0'))) text.chop(1);
    if (text.endsWith(QLatin1Char('.'))) text.chop(1);
  }
  return text;
}

TimeAxisScale TimeAxisScale::for_horizon(core::SimTime horizon) {
  if (horizon > 3 * core::kDay) return {static_cast<double>(core::kDay), QStringLiteral("simulated time (days)")};
  return {static_cast<double>(core::kHour), QStringLiteral("simulated time (h)")};
}

}  // namespace adsim::gui

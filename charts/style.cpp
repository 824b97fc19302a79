#include "charts/style.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include <QChart>
#include <QFont>
#include <QGraphicsLayout>
#include <QLegend>
#include <QLegendMarker>
#include <QValueAxis>

namespace adsim::charts {
namespace {

const QColor kPalette[] = {
    QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c), QColor(0xd6, 0x27, 0x28),
    QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b), QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f),
    QColor(0xbc, 0xbd, 0x22), QColor(0x17, 0xbe, 0xcf),
};
static_assert(kPaletteSize == static_cast<int>(std::size(kPalette)));
const Qt::PenStyle kMetricDashes[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine};

// A marker's own visibility follows the legend's, so series kept out of the legend are marked.
const char* const kNoLegend = "adsim_no_legend";

}  // namespace

QColor colour(int i) { return kPalette[((i % kPaletteSize) + kPaletteSize) % kPaletteSize]; }

Qt::PenStyle metric_dash(int i) {
  constexpr int n = static_cast<int>(std::size(kMetricDashes));
  return kMetricDashes[((i % n) + n) % n];
}

double nice_step(double span, int ticks) {
  if (!(span > 0)) return 1.0;
  const double raw = span / ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  // The first nice step not much smaller than the raw one: between about ticks-1 and ticks+2 labels.
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= 0.8 * raw) return m * mag;
  return 10.0 * mag;
}

QString label_format(double step) {
  if (step >= 1.0 && std::fabs(step - std::round(step)) < 1e-9) return QStringLiteral("%.0f");
  const int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 1, 6);
  const double scaled = step * std::pow(10.0, decimals);
  return QStringLiteral("%.%1f").arg(decimals + (std::fabs(scaled - std::round(scaled)) > 1e-6 ? 1 : 0));
}

void set_dynamic_ticks(QValueAxis* axis, double lo, double hi, int ticks) {
  const double step = nice_step(hi - lo, ticks);
  axis->setTickType(QValueAxis::TicksDynamic);
  axis->setTickAnchor(0.0);
  axis->setTickInterval(step);
  axis->setLabelFormat(label_format(step));
  axis->setRange(lo, hi);
}

Range nice_range(double lo, double hi, bool include_zero, int ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (include_zero) {
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
  }
  if (hi - lo <= 0) {
    const double pad = lo != 0 ? std::fabs(lo) * 0.1 : 1.0;
    lo -= pad;
    hi += pad;
    if (include_zero && lo < 0 && hi > 0 && lo >= -pad) lo = std::min(0.0, lo);
  }
  const double step = nice_step(hi - lo, ticks);
  Range r{std::floor(lo / step + 1e-9) * step, std::ceil(hi / step - 1e-9) * step};
  if (r.hi - r.lo <= 0) r.hi = r.lo + step;
  return r;
}

QValueAxis* make_axis(const QString& title) {
  auto* axis = new QValueAxis;
  axis->setTitleText(title);
  QFont f = axis->titleFont();
  f.setPointSizeF(9);
  f.setBold(false);
  axis->setTitleFont(f);
  QFont lf = axis->labelsFont();
  lf.setPointSizeF(8.5);
  axis->setLabelsFont(lf);
  axis->setRange(0, 1);
  return axis;
}

QChart* make_chart(const QString& title) {
  auto* chart = new QChart;
  chart->setTitle(title);
  QFont f = chart->titleFont();
  f.setPointSizeF(10.5);
  f.setBold(true);
  chart->setTitleFont(f);
  chart->setAnimationOptions(QChart::NoAnimation);
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->legend()->setMarkerShape(QLegend::MarkerShapeFromSeries);
  QFont lf = chart->legend()->font();
  lf.setPointSizeF(8.5);
  chart->legend()->setFont(lf);
  chart->setMargins(QMargins(4, 4, 4, 4));
  chart->layout()->setContentsMargins(0, 0, 0, 0);
  chart->setBackgroundRoundness(0);
  return chart;
}

void square_area_markers(QChart* chart) {
  for (QLegendMarker* m : chart->legend()->markers())
    if (m->type() == QLegendMarker::LegendMarkerTypeArea) m->setShape(QLegend::MarkerShapeRectangle);
}

void hide_from_legend(QChart* chart, QAbstractSeries* series) {
  series->setProperty(kNoLegend, true);
  for (QLegendMarker* m : chart->legend()->markers(series)) m->setVisible(false);
}

void show_legend_if_needed(QChart* chart) {
  int named = 0;
  for (QAbstractSeries* s : chart->series())
    if (!s->property(kNoLegend).toBool()) ++named;
  chart->legend()->setVisible(named > 1);
}

}  // namespace adsim::charts

#pragma once
#include <QColor>
#include <QString>
#include <Qt>

class QAbstractSeries;
class QChart;
class QValueAxis;

// How every adsim chart looks, in the app and in the reports: one palette, one axis style, one
// title style, so a figure in a report is the chart the app shows.
namespace adsim::charts {

inline constexpr int kPaletteSize = 10;
// The i-th colour of the palette (Tableau 10, readable on white and distinct in print); wraps.
QColor colour(int i);
// The dash style of the i-th metric sharing one colour (a run's revenue solid, its RPM dashed).
Qt::PenStyle metric_dash(int i);
inline const QColor kReferenceGrey(0x88, 0x88, 0x88);

// Colours of a change: good (green), bad (red), neither (the text colour, passed as default).
inline const QColor kGood(0x1e, 0x7b, 0x34);
inline const QColor kBad(0xb0, 0x2a, 0x1c);

// A step of 1, 2, 2.5 or 5 times a power of ten giving about `ticks` intervals over `span`.
double nice_step(double span, int ticks);
// A printf format showing `step` (and its multiples) without noise digits.
QString label_format(double step);
// Ticks at multiples of a nice step over [lo, hi].
void set_dynamic_ticks(QValueAxis* axis, double lo, double hi, int ticks);
// [lo, hi] widened to nice tick multiples, with `include_zero` pulling the range to 0.
struct Range {
  double lo = 0.0, hi = 1.0;
};
Range nice_range(double lo, double hi, bool include_zero, int ticks = 5);

// A value axis with the house fonts, titled with its unit ("revenue (currency units)").
QValueAxis* make_axis(const QString& title);
// A chart with the house title font, no animation, a legend at the bottom whose markers show each
// line's colour and dash, and tight margins.
QChart* make_chart(const QString& title);
// Legend markers of areas (bars, histograms) as filled squares; call after adding series.
void square_area_markers(QChart* chart);

// Series kept out of the legend (bands, whiskers, helper lines) stay out when markers are rebuilt.
void hide_from_legend(QChart* chart, QAbstractSeries* series);
// The legend is shown only when it names more than one series.
void show_legend_if_needed(QChart* chart);

}  // namespace adsim::charts

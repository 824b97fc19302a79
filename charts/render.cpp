#include "charts/render.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <system_error>

#include <QAreaSeries>
#include <QCategoryAxis>
#include <QChart>
#include <QGraphicsScene>
#include <QCoreApplication>
#include <QFile>
#include <QImage>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QScatterSeries>
#include <QValueAxis>
#ifdef ADSIM_CHARTS_SVG
#include <QSvgGenerator>
#endif

#include "charts/style.hpp"

namespace adsim::charts {
namespace {

struct Extent {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool any() const { return lo <= hi; }
};

QString q(const std::string& s) { return QString::fromStdString(s); }

Qt::PenStyle pen_style(Dash d) {
  switch (d) {
    case Dash::kDash: return Qt::DashLine;
    case Dash::kDot: return Qt::DotLine;
    case Dash::kSolid: break;
  }
  return Qt::SolidLine;
}

// The points a step series draws: each value holds until the next point's x; the last for the
// same width as the one before it.
QList<QPointF> step_path(const std::vector<Point>& pts) {
  QList<QPointF> out;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    double next = i + 1 < pts.size() ? pts[i + 1].x : pts[i].x + (i > 0 ? pts[i].x - pts[i - 1].x : 1.0);
    out.append({pts[i].x, pts[i].y});
    out.append({next, pts[i].y});
  }
  return out;
}

// An I-beam from low to high at x, as one polyline.
QList<QPointF> whisker(double x, double low, double high, double cap) {
  return {{x - cap, low}, {x + cap, low}, {x, low}, {x, high}, {x - cap, high}, {x + cap, high}};
}

struct Axes {
  QAbstractAxis* x = nullptr;
  QValueAxis* y = nullptr;
  QValueAxis* y2 = nullptr;
};

void attach(QChart* chart, QAbstractSeries* s, const Axes& axes, bool right) {
  chart->addSeries(s);
  s->attachAxis(axes.x);
  s->attachAxis(right && axes.y2 ? axes.y2 : axes.y);
}

QLineSeries* line_of(const QList<QPointF>& pts) {
  auto* s = new QLineSeries;
  s->append(pts);
  return s;
}

void add_band(QChart* chart, const Series& s, const QColor& c, const Axes& axes) {
  auto* upper = new QLineSeries;
  auto* lower = new QLineSeries;
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    if (!std::isfinite(s.low[i]) || !std::isfinite(s.high[i])) continue;
    upper->append(s.points[i].x, s.high[i]);
    lower->append(s.points[i].x, s.low[i]);
  }
  auto* band = new QAreaSeries(upper, lower);
  upper->setParent(band);  // an area series does not own its boundary lines
  lower->setParent(band);
  QColor fill = c;
  fill.setAlpha(55);
  band->setBrush(fill);
  band->setPen(Qt::NoPen);
  attach(chart, band, axes, s.right_axis);
  hide_from_legend(chart, band);
}

void add_whiskers(QChart* chart, const Series& s, const QColor& c, const Axes& axes, double cap) {
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    if (!std::isfinite(s.low[i]) || !std::isfinite(s.high[i])) continue;
    QLineSeries* w = line_of(whisker(s.points[i].x, s.low[i], s.high[i], cap));
    w->setPen(QPen(c, 1.6));
    attach(chart, w, axes, s.right_axis);
    hide_from_legend(chart, w);
  }
}

void add_bars(QChart* chart, const Series& s, const QColor& c, const Axes& axes) {
  auto* upper = new QLineSeries;
  auto* lower = new QLineSeries;
  const double half = s.bar_width / 2;
  for (const Point& p : s.points) {
    if (!std::isfinite(p.y)) continue;
    const double x0 = p.x - half, x1 = p.x + half;
    upper->append(QList<QPointF>{{x0, 0.0}, {x0, p.y}, {x1, p.y}, {x1, 0.0}});
    lower->append(QList<QPointF>{{x0, 0.0}, {x0, 0.0}, {x1, 0.0}, {x1, 0.0}});
  }
  auto* bars = new QAreaSeries(upper, lower);
  upper->setParent(bars);
  lower->setParent(bars);
  bars->setName(q(s.name));
  bars->setBrush(c);
  bars->setPen(QPen(c.darker(130), 1.0));
  attach(chart, bars, axes, s.right_axis);
  if (s.name.empty()) hide_from_legend(chart, bars);
}

void add_series(QChart* chart, const Series& s, const QColor& c, const Axes& axes, double cap) {
  const bool intervals = !s.low.empty() && s.low.size() == s.points.size() && s.high.size() == s.points.size();
  switch (s.style) {
    case Style::kBars:
      add_bars(chart, s, c, axes);
      if (intervals) add_whiskers(chart, s, QColor(0x33, 0x33, 0x33), axes, cap);
      return;
    case Style::kPoints: {
      auto* pts = new QScatterSeries;
      pts->setName(q(s.name));
      pts->setColor(c);
      pts->setBorderColor(c.darker(130));
      pts->setMarkerSize(9);
      for (const Point& p : s.points)
        if (std::isfinite(p.y)) pts->append(p.x, p.y);
      if (intervals) add_whiskers(chart, s, c, axes, cap);
      attach(chart, pts, axes, s.right_axis);
      if (s.name.empty()) hide_from_legend(chart, pts);
      return;
    }
    case Style::kLine:
    case Style::kLinePoints:
    case Style::kStep: {
      if (intervals) add_band(chart, s, c, axes);
      auto* line = new QLineSeries;
      line->setName(q(s.name));
      QPen pen(c, s.width);
      pen.setStyle(pen_style(s.dash));
      line->setPen(pen);
      if (s.style == Style::kStep) {
        line->append(step_path(s.points));
      } else {
        for (const Point& p : s.points)
          if (std::isfinite(p.y)) line->append(p.x, p.y);
      }
      line->setPointsVisible(s.style == Style::kLinePoints);
      attach(chart, line, axes, s.right_axis);
      if (s.name.empty()) hide_from_legend(chart, line);
      return;
    }
  }
}

// The x and y extents of the data (with intervals and bar edges), per y axis.
void measure(const Figure& f, Extent& x, Extent& y, Extent& y2) {
  for (const Series& s : f.series) {
    Extent& ey = s.right_axis ? y2 : y;
    const double half = s.style == Style::kBars ? s.bar_width / 2 : 0.0;
    for (std::size_t i = 0; i < s.points.size(); ++i) {
      const Point& p = s.points[i];
      if (!std::isfinite(p.y)) continue;
      x.add(p.x - half);
      x.add(p.x + half);
      ey.add(p.y);
      if (i < s.low.size()) ey.add(s.low[i]);
      if (i < s.high.size()) ey.add(s.high[i]);
    }
    if (s.style == Style::kStep && s.points.size() >= 2) x.add(2 * s.points.back().x - s.points[s.points.size() - 2].x);
  }
  if (f.reference_y) y.add(*f.reference_y);
}

void set_range(QValueAxis* axis, Extent e, bool from_zero, std::optional<double> lo, std::optional<double> hi) {
  if (!e.any()) e = {0.0, 1.0};
  if (lo) e.lo = *lo;
  if (hi) e.hi = *hi;
  if (lo && hi) {
    set_dynamic_ticks(axis, *lo, *hi, 5);
    return;
  }
  Range r = nice_range(e.lo, e.hi, from_zero);
  if (lo) r.lo = *lo;
  if (hi) r.hi = *hi;
  set_dynamic_ticks(axis, r.lo, r.hi, 5);
}

}  // namespace

std::unique_ptr<QChart> build_chart(const Figure& f) {
  std::unique_ptr<QChart> chart(make_chart(q(f.title)));
  Extent ex, ey, ey2;
  measure(f, ex, ey, ey2);

  Axes axes;
  double cap = 0.0;
  if (!f.x_categories.empty()) {
    auto* x = new QCategoryAxis;
    x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionCenter);
    const int n = static_cast<int>(f.x_categories.size());
    x->setStartValue(-0.5);
    for (int i = 0; i < n; ++i) x->append(q(f.x_categories[static_cast<std::size_t>(i)]), i + 0.5);
    x->setRange(-0.5, n - 0.5);
    x->setTitleText(q(f.x_title));
    QFont tf = x->titleFont();
    tf.setPointSizeF(9);
    tf.setBold(false);
    x->setTitleFont(tf);
    QFont lf = x->labelsFont();
    lf.setPointSizeF(8.5);
    x->setLabelsFont(lf);
    x->setGridLineVisible(false);
    axes.x = x;
    cap = 0.08;
  } else {
    QValueAxis* x = make_axis(q(f.x_title));
    set_range(x, ex, false, f.x_min, f.x_max);
    axes.x = x;
    cap = (x->max() - x->min()) * 0.012;
  }
  chart->addAxis(axes.x, Qt::AlignBottom);
  axes.y = make_axis(q(f.y_title));
  set_range(axes.y, ey, f.y_from_zero, f.y_min, f.y_max);
  chart->addAxis(axes.y, Qt::AlignLeft);
  if (ey2.any() || !f.y2_title.empty()) {
    axes.y2 = make_axis(q(f.y2_title));
    set_range(axes.y2, ey2, f.y2_from_zero, std::nullopt, std::nullopt);
    axes.y2->setGridLineVisible(false);
    chart->addAxis(axes.y2, Qt::AlignRight);
  }

  if (f.reference_y) {
    const double lo = f.x_categories.empty() ? static_cast<QValueAxis*>(axes.x)->min() : -0.5;
    const double hi = f.x_categories.empty() ? static_cast<QValueAxis*>(axes.x)->max()
                                             : static_cast<double>(f.x_categories.size()) - 0.5;
    QLineSeries* ref = line_of({{lo, *f.reference_y}, {hi, *f.reference_y}});
    QPen pen(kReferenceGrey, 1.2);
    pen.setStyle(Qt::DashLine);
    ref->setPen(pen);
    ref->setName(q(f.reference_name));
    attach(chart.get(), ref, axes, false);
    if (f.reference_name.empty()) hide_from_legend(chart.get(), ref);
  }
  int next_colour = 0;
  for (const Series& s : f.series) {
    QColor c = s.grey ? kReferenceGrey : colour(s.colour >= 0 ? s.colour : next_colour);
    if (!s.rgb.empty()) c = QColor(QString::fromStdString(s.rgb));
    if (!s.grey && s.rgb.empty() && s.colour < 0) ++next_colour;
    add_series(chart.get(), s, c, axes, cap);
  }
  // Lines show their dash in the legend; areas (bars) a filled square.
  square_area_markers(chart.get());
  show_legend_if_needed(chart.get());
  return chart;
}

bool render(const Figure& figure, const std::filesystem::path& file, int width, int height) {
  // The chart in a scene of its own, no widget: nothing is shown, so it works without a display.
  QGraphicsScene scene;
  QChart* chart = build_chart(figure).release();
  scene.addItem(chart);  // the scene owns it now
  chart->setGeometry(0, 0, width, height);
  QCoreApplication::processEvents();  // the chart lays itself out on a posted event
  const QRectF source(0, 0, width, height);

  std::filesystem::path tmp = file;
  tmp += ".part";
  const QString tmp_name = QString::fromStdString(tmp.string());
  bool ok = false;
  if (file.extension() == ".svg") {
#ifdef ADSIM_CHARTS_SVG
    QSvgGenerator svg;
    svg.setFileName(tmp_name);
    svg.setSize(QSize(width, height));
    svg.setViewBox(QRect(0, 0, width, height));
    svg.setTitle(QString::fromStdString(figure.title));
    QPainter painter;
    ok = painter.begin(&svg);
    if (ok) {
      painter.setRenderHint(QPainter::Antialiasing);
      scene.render(&painter, source, source);
      ok = painter.end();
    }
#endif
  } else {
    QImage image(width * 2, height * 2, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    {
      QPainter painter(&image);
      painter.setRenderHint(QPainter::Antialiasing);
      scene.render(&painter, QRectF(0, 0, 2.0 * width, 2.0 * height), source);
    }
    ok = image.save(tmp_name, "PNG");
  }
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, file, ec);
  if (!ok || ec) {
    std::filesystem::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace adsim::charts

#include "charts/interaction.hpp"

#include <QAbstractBarSeries>
#include <QAreaSeries>
#include <QBarCategoryAxis>
#include <QBarSet>
#include <QBrush>
#include <QChart>
#include <QCursor>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QToolTip>
#include <QXYSeries>

namespace adsim::charts {
namespace {

const char* const kConnected = "adsim_interactive";
const char* const kNoLegend = "adsim_no_legend";  // as style.cpp marks helper series

QString csv_field(QString s) {
  if (s.contains(QLatin1Char(',')) || s.contains(QLatin1Char('"')) || s.contains(QLatin1Char('\n')))
    s = QLatin1Char('"') + s.replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
  return s;
}

QString number(double v) { return QString::number(v, 'g', 10); }

void show_marker_state(QLegendMarker* m) {
  const bool on = m->series()->isVisible();
  QBrush label = m->labelBrush();
  QColor c = label.color();
  c.setAlphaF(on ? 1.0f : 0.35f);
  label.setColor(c);
  m->setLabelBrush(label);
  QBrush brush = m->brush();
  QColor b = brush.color();
  b.setAlphaF(on ? 1.0f : 0.25f);
  brush.setColor(b);
  m->setBrush(brush);
}

}  // namespace

void make_interactive(QChart* chart) {
  for (QLegendMarker* m : chart->legend()->markers()) {
    if (m->property(kConnected).toBool() || m->series()->property(kNoLegend).toBool()) continue;
    m->setProperty(kConnected, true);
    QObject::connect(m, &QLegendMarker::clicked, m, [m] {
      m->series()->setVisible(!m->series()->isVisible());
      m->setVisible(true);  // hiding a series hides its entry: keep it, to click again
      show_marker_state(m);
    });
  }
  for (QAbstractSeries* s : chart->series()) {
    auto* xy = qobject_cast<QXYSeries*>(s);
    if (!xy || xy->property(kConnected).toBool() || xy->property(kNoLegend).toBool()) continue;
    xy->setProperty(kConnected, true);
    QObject::connect(xy, &QXYSeries::hovered, xy, [xy](const QPointF& p, bool state) {
      if (!state) {
        QToolTip::hideText();
        return;
      }
      const QString name = xy->name().isEmpty() ? QObject::tr("value") : xy->name();
      QToolTip::showText(QCursor::pos(), QStringLiteral("%1\nx = %2\ny = %3").arg(name, number(p.x()), number(p.y())));
    });
  }
}

QString chart_csv(const QChart* chart) {
  QString out;
  bool xy_header = false, bar_header = false;
  for (QAbstractSeries* s : chart->series()) {
    if (s->property(kNoLegend).toBool()) continue;
    const QString name = csv_field(s->name().isEmpty() ? chart->title() : s->name());
    if (auto* area = qobject_cast<QAreaSeries*>(s)) {
      if (!xy_header) out += QStringLiteral("series,x,y\n");
      xy_header = true;
      for (const QPointF& p : area->upperSeries()->points()) out += name + QLatin1Char(',') + number(p.x()) + QLatin1Char(',') + number(p.y()) + QLatin1Char('\n');
    } else if (auto* xy = qobject_cast<QXYSeries*>(s)) {
      if (!xy_header) out += QStringLiteral("series,x,y\n");
      xy_header = true;
      for (const QPointF& p : xy->points()) out += name + QLatin1Char(',') + number(p.x()) + QLatin1Char(',') + number(p.y()) + QLatin1Char('\n');
    } else if (auto* bars = qobject_cast<QAbstractBarSeries*>(s)) {
      QStringList categories;
      for (QAbstractAxis* a : bars->attachedAxes())
        if (auto* c = qobject_cast<QBarCategoryAxis*>(a)) categories = c->categories();
      if (!bar_header) out += QStringLiteral("set,category,value\n");
      bar_header = true;
      for (QBarSet* set : bars->barSets())
        for (int i = 0; i < set->count(); ++i)
          out += csv_field(set->label()) + QLatin1Char(',') + csv_field(categories.value(i, QString::number(i))) +
                 QLatin1Char(',') + number(set->at(i)) + QLatin1Char('\n');
    }
  }
  return out;
}

}  // namespace adsim::charts

#pragma once
#include <QString>

class QChart;

// What a person can do with a chart in the app: read a value under the mouse, hide a series by
// clicking its legend entry, and take the data away as CSV. (Zoom and pan belong to the view:
// gui/chart_panel.cpp.)
namespace adsim::charts {

// Hover read-out on every line and point series, and a click on a legend entry hides or shows its
// series (the entry stays, greyed). Call again after series are added: connects only new ones.
void make_interactive(QChart* chart);

// Every series of the chart as CSV (RFC 4180): "series,x,y" rows for lines, points and areas,
// "series,category,value" for bar sets; helper series kept out of the legend are left out.
QString chart_csv(const QChart* chart);

}  // namespace adsim::charts

#include "gui/chart_panel.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include <QAction>
#include <QAreaSeries>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QWheelEvent>
#include <QKeyEvent>
#include <QFile>
#include <QGraphicsLayout>
#include <QGridLayout>
#include <QHeaderView>
#include <QHBoxLayout>
#include <QLabel>
#include <QLayout>
#include <QLegend>
#include <QLegendMarker>
#include <QLineEdit>
#include <QLineSeries>
#include <QPixmap>
#include <QRegularExpression>
#include <QScatterSeries>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QValueAxis>
#include <QVBoxLayout>

#include "charts/interaction.hpp"
#include "charts/style.hpp"
#include "gui/strategy_table.hpp"

namespace adsim::gui {
namespace {

using charts::colour;
using charts::hide_from_legend;
using charts::label_format;
using charts::nice_step;
using charts::make_axis;
using charts::set_dynamic_ticks;
using charts::show_legend_if_needed;
constexpr int kPaletteSize = charts::kPaletteSize;

// What the "by strategy" chart can show of each group over time.
struct GroupMetric {
  const char* name;   // in the chooser
  const char* axis;   // the y axis title, with its unit (short: it runs along the chart's height)
  const char* title;  // the chart's title
  std::optional<double> (*value)(const core::StrategyGroup&);
};
const GroupMetric kGroupMetrics[] = {
    {"surplus (value − spend)", "surplus (currency units)", "Surplus by strategy, cumulative",
     [](const core::StrategyGroup& g) { return std::optional<double>(g.surplus / 1e6); }},
    {"spend", "spend (currency units)", "Spend by strategy, cumulative",
     [](const core::StrategyGroup& g) { return std::optional<double>(g.spend.units()); }},
    {"advertiser value", "value (currency units)", "Advertiser value by strategy, cumulative",
     [](const core::StrategyGroup& g) { return std::optional<double>(g.value / 1e6); }},
    {"conversions", "conversions", "Conversions by strategy, cumulative",
     [](const core::StrategyGroup& g) { return std::optional<double>(static_cast<double>(g.conversions)); }},
    {"CPA (spend / attributed conversions)", "CPA (currency units)", "CPA by strategy (per attributed conversion)",
     [](const core::StrategyGroup& g) {
       return g.attributed_conversions ? std::optional<double>(g.cpa / 1e6) : std::nullopt;
     }},
    {"CPC (spend / clicks)", "CPC (currency units)", "CPC by strategy (per click)",
     [](const core::StrategyGroup& g) { return g.clicks ? std::optional<double>(g.cpc / 1e6) : std::nullopt; }},
    {"budget utilization", "utilization (%)", "Budget utilization by strategy (spend / budget so far)",
     [](const core::StrategyGroup& g) {
       return g.budget > 0 ? std::optional<double>(100.0 * g.utilization) : std::nullopt;
     }},
    {"auto-bid violation", "violation (% of target)", "Auto-bid violation by strategy (target missed by)",
     [](const core::StrategyGroup& g) {
       return g.bidding != core::BiddingKind::kManual ? std::optional<double>(100.0 * g.auto_bid_violation)
                                                      : std::nullopt;
     }},
};
constexpr int kGroupMetricCount = static_cast<int>(std::size(kGroupMetrics));

std::tuple<std::string, int, int> group_key(const core::StrategyGroup& g) {
  return {g.pacer, static_cast<int>(g.bidding), static_cast<int>(g.billing)};
}

}  // namespace

void ChartPanel::AxisRange::add(double v) {
  if (!std::isfinite(v)) return;
  if (!any) {
    lo = hi = v;
    any = true;
  } else {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
}

const QStringList& ChartPanel::chart_ids() {
  static const QStringList ids = {
      QStringLiteral("revenue"),     QStringLiteral("ctr"),         QStringLiteral("feedback"),
      QStringLiteral("fatigue"),     QStringLiteral("users"),       QStringLiteral("budgets"),
      QStringLiteral("spend"),       QStringLiteral("prices"),      QStringLiteral("calibration"),
      QStringLiteral("reliability"), QStringLiteral("funnel_cost"), QStringLiteral("funnel_kept"),
      QStringLiteral("conversions"), QStringLiteral("value_spend"), QStringLiteral("surplus"),
      QStringLiteral("strategy_groups"), QStringLiteral("auction_rates"),
  };
  return ids;
}

ChartPanel::ChartPanel(QWidget* parent) : QWidget(parent) {
  build();
  reset({QStringLiteral("run")});
}

ChartPanel::~ChartPanel() = default;

QChartView* ChartPanel::make_view(QChart* chart, const QString& id) {
  auto* view = new QChartView(chart);
  view->setObjectName(QStringLiteral("chart_") + id);
  view->setRenderHint(QPainter::Antialiasing);
  // Small enough that three columns and two rows fit a 1280 x 720 screen beside the knobs.
  view->setMinimumSize(250, 185);
  // Zoom: drag a rectangle, or turn the wheel; pan with the arrow keys; Esc or the menu resets.
  view->setRubberBand(QChartView::RectangleRubberBand);
  view->setFocusPolicy(Qt::ClickFocus);
  view->installEventFilter(this);
  view->setToolTip(tr("Drag to zoom, wheel to zoom, arrow keys to pan, Esc to reset; click a legend entry to "
                      "hide its series; right-click to save"));
  view->setContextMenuPolicy(Qt::ActionsContextMenu);
  auto* reset_zoom = new QAction(tr("Reset zoom"), view);
  connect(reset_zoom, &QAction::triggered, view, [view] { view->chart()->zoomReset(); });
  view->addAction(reset_zoom);
  auto* save = new QAction(tr("Save chart as PNG…"), view);
  connect(save, &QAction::triggered, this, [this, id] {
    const QString file =
        QFileDialog::getSaveFileName(this, tr("Save chart as PNG"), id + QStringLiteral(".png"), tr("PNG images (*.png)"));
    if (!file.isEmpty()) export_png(id, file);
  });
  view->addAction(save);
  auto* save_csv = new QAction(tr("Save chart data as CSV…"), view);
  connect(save_csv, &QAction::triggered, this, [this, id] {
    const QString file =
        QFileDialog::getSaveFileName(this, tr("Save chart data as CSV"), id + QStringLiteral(".csv"), tr("CSV files (*.csv)"));
    if (!file.isEmpty()) export_csv(id, file);
  });
  view->addAction(save_csv);
  views_.emplace_back(id, view);
  return view;
}

ChartPanel::TimeChart& ChartPanel::add_time_chart(const QString& id, const QString& title, const QString& y_title,
                                                  const QString& y2_title, std::vector<Metric> metrics) {
  auto c = std::make_unique<TimeChart>();
  c->id = id;
  c->chart = charts::make_chart(title);
  c->x = make_axis(scale_.title);
  c->chart->addAxis(c->x, Qt::AlignBottom);
  c->y = make_axis(y_title);
  c->chart->addAxis(c->y, Qt::AlignLeft);
  if (!y2_title.isEmpty()) {
    c->y2 = make_axis(y2_title);
    c->chart->addAxis(c->y2, Qt::AlignRight);
  }
  c->metrics = std::move(metrics);
  c->view = make_view(c->chart, id);
  time_charts_.push_back(std::move(c));
  return *time_charts_.back();
}

void ChartPanel::build() {
  scale_ = TimeAxisScale::for_horizon(core::kDay);
  auto opt = [](bool ok, double v) { return ok ? std::optional<double>(v) : std::nullopt; };

  TimeChart& revenue = add_time_chart(
      QStringLiteral("revenue"), tr("Revenue and RPM"), tr("revenue (currency / interval)"),
      tr("RPM (currency / 1,000 req.)"),
      {{tr("revenue"), false, [](const IntervalPoint& p) { return std::optional<double>(p.counts.revenue.units()); }},
       {tr("RPM"), true, [opt](const IntervalPoint& p) { return opt(p.counts.requests > 0, p.rates.rpm); }}});
  TimeChart& ctr = add_time_chart(
      QStringLiteral("ctr"), tr("Click-through rate"), tr("CTR (% of impressions)"), {},
      {{tr("CTR"), false, [opt](const IntervalPoint& p) { return opt(p.counts.impressions > 0, 100.0 * p.rates.ctr); }}});
  TimeChart& feedback = add_time_chart(
      QStringLiteral("feedback"), tr("Hides and reports"), tr("hides / 1,000 impr."),
      tr("reports / 1,000 impr."),
      {{tr("hides"), false,
        [opt](const IntervalPoint& p) { return opt(p.counts.impressions > 0, 1000.0 * p.rates.hide_rate); }},
       {tr("reports"), true,
        [opt](const IntervalPoint& p) { return opt(p.counts.impressions > 0, 1000.0 * p.rates.report_rate); }}});
  TimeChart& fatigue = add_time_chart(
      QStringLiteral("fatigue"), tr("Mean user fatigue"), tr("fatigue (units, active users)"), {},
      {{tr("mean fatigue"), false, [](const IntervalPoint& p) { return std::optional<double>(p.mean_fatigue); }}});
  TimeChart& users = add_time_chart(
      QStringLiteral("users"), tr("Active users and users who left"), tr("active users (users)"),
      tr("users who left (cumulative)"),
      {{tr("active"), false,
        [](const IntervalPoint& p) { return std::optional<double>(static_cast<double>(p.active_users)); }},
       {tr("left"), true,
        [](const IntervalPoint& p) { return std::optional<double>(static_cast<double>(p.users_left_total)); }}});
  TimeChart& budgets = add_time_chart(
      QStringLiteral("budgets"), tr("Campaigns out of daily budget"), tr("% of in-flight campaigns"), {},
      {{tr("out of budget"), false,
        [](const IntervalPoint& p) { return std::optional<double>(100.0 * p.budget_exhausted_share); }}});
  budgets.min_hi = 10.0;
  TimeChart& calibration = add_time_chart(
      QStringLiteral("calibration"), tr("Calibration ratio over time (shown ads)"),
      tr("Σ pCTR / Σ true CTR"), {},
      {{tr("calibration ratio"), false,
        [opt](const IntervalPoint& p) { return opt(p.counts.sum_true_ctr_shown > 0, p.rates.calibration_ratio); }}});
  calibration.reference = 1.0;
  calibration.min_hi = 1.25;
  add_time_chart(
      QStringLiteral("auction_rates"), tr("Price, fill rate and reserve-bind rate"), tr("price (currency / click)"),
      tr("% of requests / of shown ads"),
      {{tr("price per click"), false,
        [opt](const IntervalPoint& p) {
          return opt(p.counts.impressions > 0, p.counts.sum_price_shown / 1e6 / static_cast<double>(p.counts.impressions));
        }},
       {tr("fill rate"), true, [opt](const IntervalPoint& p) { return opt(p.counts.requests > 0, 100.0 * p.rates.fill_rate); }},
       {tr("reserve-bind rate"), true,
        [opt](const IntervalPoint& p) { return opt(p.counts.impressions > 0, 100.0 * p.rates.reserve_bind_rate); }}});

  // Spend vs. target.
  spend_chart_ = charts::make_chart(tr("Spend today vs. target (dashed: daily budget × time of day)"));
  // Up to ten campaigns with their budgets: a column beside the plot keeps every entry whole,
  // where a row under it would cut them to "#62 · 90.2/...".
  spend_chart_->legend()->setAlignment(Qt::AlignRight);
  spend_x_ = make_axis(scale_.title);
  spend_y_ = make_axis(tr("spend so far today (currency units)"));
  spend_chart_->addAxis(spend_x_, Qt::AlignBottom);
  spend_chart_->addAxis(spend_y_, Qt::AlignLeft);
  QChartView* spend_view = make_view(spend_chart_, QStringLiteral("spend"));
  auto* spend_box = new QWidget;
  auto* spend_layout = new QVBoxLayout(spend_box);
  spend_layout->setContentsMargins(0, 0, 0, 0);
  auto* controls = new QHBoxLayout;
  spend_top_n_ = new QSpinBox;
  spend_top_n_->setObjectName(QStringLiteral("spendTopN"));
  spend_top_n_->setRange(1, 10);
  spend_top_n_->setValue(5);
  spend_top_n_->setToolTip(tr("Show the campaigns with the largest daily budgets"));
  spend_ids_ = new QLineEdit;
  spend_ids_->setObjectName(QStringLiteral("spendCampaignIds"));
  spend_ids_->setPlaceholderText(tr("or campaign ids, e.g. 3, 17, 42"));
  spend_ids_->setToolTip(tr("Comma-separated campaign ids to plot instead of the top N by budget"));
  controls->addWidget(new QLabel(tr("Campaigns: top")));
  controls->addWidget(spend_top_n_);
  controls->addWidget(new QLabel(tr("by daily budget")));
  controls->addWidget(spend_ids_, 1);
  spend_layout->addLayout(controls);
  spend_note_ = new QLabel;
  spend_note_->setObjectName(QStringLiteral("spendNote"));
  spend_note_->setStyleSheet(QStringLiteral("color: #b02a1c;"));
  spend_note_->setWordWrap(true);
  spend_note_->hide();
  spend_layout->addWidget(spend_note_);
  spend_layout->addWidget(spend_view, 1);
  connect(spend_top_n_, &QSpinBox::valueChanged, this, [this] { rebuild_spend(); });
  connect(spend_ids_, &QLineEdit::editingFinished, this, [this] { rebuild_spend(); });

  // Price distribution.
  price_chart_ = charts::make_chart(tr("Price distribution (winners of sampled auctions)"));
  price_x_ = make_axis(tr("price (currency units per click; the top 1 % in the last bin)"));
  price_y_ = make_axis(tr("% of winning ads"));
  price_chart_->addAxis(price_x_, Qt::AlignBottom);
  price_chart_->addAxis(price_y_, Qt::AlignLeft);
  QChartView* price_view = make_view(price_chart_, QStringLiteral("prices"));

  // Reliability diagram.
  reliability_chart_ = charts::make_chart(tr("Reliability diagram (logged ranked candidates)"));
  rel_x_ = make_axis(tr("mean predicted CTR, pCTR (%)"));
  rel_y_ = make_axis(tr("mean true CTR (%)"));
  reliability_chart_->addAxis(rel_x_, Qt::AlignBottom);
  reliability_chart_->addAxis(rel_y_, Qt::AlignLeft);
  rel_diagonal_ = new QLineSeries;
  rel_diagonal_->setName(tr("perfectly calibrated"));
  QPen diag(QColor(0x88, 0x88, 0x88));
  diag.setStyle(Qt::DashLine);
  diag.setWidthF(1.2);
  rel_diagonal_->setPen(diag);
  reliability_chart_->addSeries(rel_diagonal_);
  rel_diagonal_->attachAxis(rel_x_);
  rel_diagonal_->attachAxis(rel_y_);
  QChartView* reliability_view = make_view(reliability_chart_, QStringLiteral("reliability"));

  // Funnel.
  auto make_bars = [this](const QString& id, const QString& title, const QString& y_title, const QStringList& categories,
                          QChart*& chart, QBarSeries*& bars, QValueAxis*& y) {
    chart = charts::make_chart(title);
    bars = new QBarSeries;
    bars->setLabelsVisible(true);
    bars->setLabelsPosition(QAbstractBarSeries::LabelsOutsideEnd);
    bars->setLabelsPrecision(4);
    chart->addSeries(bars);
    auto* x = new QBarCategoryAxis;
    x->append(categories);
    QFont lf = x->labelsFont();
    lf.setPointSizeF(8.5);
    x->setLabelsFont(lf);
    chart->addAxis(x, Qt::AlignBottom);
    bars->attachAxis(x);
    y = make_axis(y_title);
    chart->addAxis(y, Qt::AlignLeft);
    bars->attachAxis(y);
    return make_view(chart, id);
  };
  QChartView* cost_view = make_bars(QStringLiteral("funnel_cost"), tr("Funnel compute cost per request, by stage"),
                                    tr("µs per request"),
                                    {tr("retrieval"), tr("pre-ranking"), tr("ranking"), tr("prediction")},
                                    funnel_cost_chart_, funnel_cost_bars_, funnel_cost_y_);
  QChartView* kept_view = make_bars(QStringLiteral("funnel_kept"), tr("Candidates at each funnel stage"),
                                    tr("candidates per request"),
                                    {tr("retrieved"), tr("pre-ranked"), tr("ranked"), tr("in auction")},
                                    funnel_kept_chart_, funnel_kept_bars_, funnel_kept_y_);

  // Advertisers: conversion economics, over the whole run and by strategy.
  TimeChart& conversions = add_time_chart(
      QStringLiteral("conversions"), tr("Conversions per interval (all = attributed + late)"),
      tr("conversions"), {},
      {{tr("all"), false,
        [](const IntervalPoint& p) { return std::optional<double>(static_cast<double>(p.counts.conversions)); }, true},
       {tr("attributed"), false,
        [](const IntervalPoint& p) { return std::optional<double>(static_cast<double>(p.counts.attributed_conversions)); }},
       {tr("late"), false,
        [](const IntervalPoint& p) { return std::optional<double>(static_cast<double>(p.counts.late_conversions)); }}});
  TimeChart& value_spend = add_time_chart(
      QStringLiteral("value_spend"), tr("Advertiser value vs. spend (cumulative)"),
      tr("currency units"), {},
      {{tr("value"), false,
        [](const IntervalPoint& p) { return std::optional<double>(p.value_total); }},
       {tr("spend (= revenue)"), false,
        [](const IntervalPoint& p) { return std::optional<double>(p.spend_total); }}});
  TimeChart& surplus = add_time_chart(
      QStringLiteral("surplus"), tr("Advertiser surplus (value − spend) and ROAS, cumulative"),
      tr("surplus (currency units)"), tr("ROAS (value / spend)"),
      {{tr("surplus"), false, [](const IntervalPoint& p) { return std::optional<double>(p.value_total - p.spend_total); }},
       {tr("ROAS"), true,
        [opt](const IntervalPoint& p) { return opt(p.spend_total > 0, p.value_total / p.spend_total); }}});
  surplus.reference = 0.0;
  surplus.reference_name = tr("break-even");

  group_chart_ = charts::make_chart(QString::fromUtf8(kGroupMetrics[0].title));
  group_chart_->legend()->setAlignment(Qt::AlignRight);
  {
    // Up to ten entries in a column beside the plot: a little smaller than the other legends.
    QFont lf = group_chart_->legend()->font();
    lf.setPointSizeF(8.0);
    group_chart_->legend()->setFont(lf);
  }
  group_x_ = make_axis(scale_.title);
  group_y_ = make_axis(QString::fromUtf8(kGroupMetrics[0].axis));
  group_chart_->addAxis(group_x_, Qt::AlignBottom);
  group_chart_->addAxis(group_y_, Qt::AlignLeft);
  QChartView* group_view = make_view(group_chart_, QStringLiteral("strategy_groups"));
  auto* group_box = new QWidget;
  auto* group_layout = new QVBoxLayout(group_box);
  group_layout->setContentsMargins(0, 0, 0, 0);
  auto* group_controls = new QHBoxLayout;
  group_metric_ = new QComboBox;
  group_metric_->setObjectName(QStringLiteral("groupMetric"));
  for (const GroupMetric& m : kGroupMetrics) group_metric_->addItem(QString::fromUtf8(m.name));
  group_metric_->setToolTip(tr("What the chart shows of each strategy group, cumulative since the start of the run"));
  group_controls->addWidget(new QLabel(tr("By strategy, show:")));
  group_controls->addWidget(group_metric_);
  group_controls->addStretch(1);
  group_layout->addLayout(group_controls);
  group_layout->addWidget(group_view, 1);
  connect(group_metric_, &QComboBox::currentIndexChanged, this, [this] { rebuild_group_chart(runs_); });

  strategy_caption_ = new QLabel;
  strategy_caption_->setObjectName(QStringLiteral("strategyCaption"));
  strategy_caption_->setWordWrap(true);
  strategy_table_ = new StrategyTable;
  auto* table_box = new QWidget;
  auto* table_layout = new QVBoxLayout(table_box);
  table_layout->setContentsMargins(2, 2, 2, 0);
  table_layout->setSpacing(2);
  table_layout->addWidget(strategy_caption_);
  table_layout->addWidget(strategy_table_, 1);
  auto* note = strategy_note_ = new QLabel(
      tr("Money in currency units. CPC = spend / clicks; CPA = spend / attributed conversions; budget util. = "
         "spend / (daily budget × days in flight); pacing dev. = mean |spend − plan| / daily budget; auto-bid "
         "viol. = how far realized CPA or ROAS misses the target (spend-weighted). Hover a header for more."));
  note->setWordWrap(true);
  note->setStyleSheet(QStringLiteral("color: palette(dark);"));
  table_layout->addWidget(note);
  auto* adv_charts = new QWidget;
  auto* adv_grid = new QGridLayout(adv_charts);
  adv_grid->setContentsMargins(2, 2, 2, 2);
  adv_grid->setSpacing(4);
  adv_grid->addWidget(conversions.view, 0, 0);
  adv_grid->addWidget(value_spend.view, 0, 1);
  adv_grid->addWidget(surplus.view, 1, 0);
  adv_grid->addWidget(group_box, 1, 1);
  auto* adv_split = adv_split_ = new QSplitter(Qt::Vertical);
  adv_split->setObjectName(QStringLiteral("advertisersPage"));
  adv_split->addWidget(table_box);
  adv_split->addWidget(adv_charts);
  adv_split->setStretchFactor(0, 0);
  adv_split->setStretchFactor(1, 1);
  adv_split->setChildrenCollapsible(false);
  adv_split->setSizes({300, 620});
  connect(adv_split, &QSplitter::splitterMoved, this, [this] { adv_split_moved_ = true; });
  adv_split->installEventFilter(this);

  // Pages.
  pages_ = new QTabWidget(this);
  pages_->setObjectName(QStringLiteral("chartPages"));
  auto grid_page = [&](const QString& name, const std::vector<QWidget*>& widgets, int columns) {
    auto* page = new QWidget;
    auto* grid = new QGridLayout(page);
    grid->setContentsMargins(2, 2, 2, 2);
    grid->setSpacing(4);
    for (std::size_t i = 0; i < widgets.size(); ++i)
      grid->addWidget(widgets[i], static_cast<int>(i) / columns, static_cast<int>(i) % columns);
    pages_->addTab(page, name);
  };
  grid_page(tr("Revenue && users"),
            {revenue.view, ctr.view, feedback.view, users.view, fatigue.view, budgets.view}, 3);
  grid_page(tr("Budgets && prices"), {spend_box, price_view, time_chart(QStringLiteral("auction_rates")).view}, 2);
  grid_page(tr("Calibration"), {calibration.view, reliability_view}, 2);
  grid_page(tr("Funnel"), {cost_view, kept_view}, 2);
  pages_->addTab(adv_split, tr("Advertisers"));
  pages_->setTabToolTip(pages_->count() - 1,
                        tr("Conversions, advertiser value, spend and surplus; campaigns grouped by pacer × bidding × billing"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(pages_);
}

void ChartPanel::style_series(QLineSeries* s, int track, int metric, int metrics, bool underlay) const {
  QPen pen;
  pen.setWidthF(2.0);
  if (tracks() > 1) {
    // Compare: one colour per variant, one line style per metric; A wider, so that where the two
    // runs agree A still shows around B.
    pen.setColor(colour(track));
    pen.setWidthF(track == 0 ? 3.2 : 1.6);
    pen.setStyle(charts::metric_dash(metric));
  } else {
    pen.setColor(colour(metrics > 1 ? metric : 0));
    pen.setStyle(Qt::SolidLine);
  }
  if (underlay && tracks() == 1) {
    // Wide and translucent under the lines of its parts, so where they coincide both show. (When
    // comparing, line styles tell the metrics apart already.)
    QColor c = pen.color();
    c.setAlpha(110);
    pen.setColor(c);
    pen.setWidthF(pen.widthF() * 2.6);
  }
  s->setPen(pen);
}

void ChartPanel::clear_time_chart(TimeChart& c) {
  for (auto& per_track : c.series)
    for (QLineSeries* s : per_track) {
      c.chart->removeSeries(s);
      delete s;
    }
  c.series.clear();
  c.range = {};
  c.range2 = {};
}

void ChartPanel::reset(const QStringList& track_labels) {
  track_labels_ = track_labels;
  runs_.assign(static_cast<std::size_t>(tracks()), nullptr);
  horizon_ = core::kDay;
  const int n = tracks();
  for (auto& c : time_charts_) {
    clear_time_chart(*c);
    c->series.resize(static_cast<std::size_t>(n));
    const int metrics = static_cast<int>(c->metrics.size());
    for (int t = 0; t < n; ++t) {
      for (int m = 0; m < metrics; ++m) {
        const Metric& metric = c->metrics[static_cast<std::size_t>(m)];
        auto* s = new QLineSeries;
        s->setName(n > 1 ? track_labels_[t] + QStringLiteral(": ") + metric.name : metric.name);
        style_series(s, t, m, metrics, metric.underlay);
        c->chart->addSeries(s);
        s->attachAxis(c->x);
        s->attachAxis(metric.right_axis && c->y2 ? c->y2 : c->y);
        c->series[static_cast<std::size_t>(t)].push_back(s);
      }
    }
    if (c->reference && !c->reference_line) {
      c->reference_line = new QLineSeries;
      c->reference_line->setName(c->reference_name.isEmpty() ? tr("calibrated (%1)").arg(*c->reference)
                                                              : c->reference_name);
      QPen pen(QColor(0x88, 0x88, 0x88));
      pen.setStyle(Qt::DashLine);
      pen.setWidthF(1.2);
      c->reference_line->setPen(pen);
      c->chart->addSeries(c->reference_line);
      c->reference_line->attachAxis(c->x);
      c->reference_line->attachAxis(c->y);
    }
    rescale(c->y, c->range, c->min_hi, true);
    if (c->y2) rescale(c->y2, c->range2, 0.0, true);
    show_legend_if_needed(c->chart);
    // Colour the right axis like its series when a single run is shown, so it is clear which is which.
    if (c->y2) {
      c->y2->setLinePenColor(n > 1 ? QColor(Qt::black) : colour(1));
      c->y->setLinePenColor(n > 1 ? QColor(Qt::black) : colour(0));
    }
  }
  // Distributions.
  price_lines_.clear();  // children of their area series
  for (QAreaSeries* a : price_areas_) {
    price_chart_->removeSeries(a);
    delete a;
  }
  price_areas_.clear();
  for (QLineSeries* s : rel_lines_) {
    reliability_chart_->removeSeries(s);
    delete s;
  }
  rel_lines_.clear();
  for (QScatterSeries* s : rel_points_) {
    reliability_chart_->removeSeries(s);
    delete s;
  }
  rel_points_.clear();
  funnel_cost_bars_->clear();
  funnel_kept_bars_->clear();
  for (int t = 0; t < n; ++t) {
    const QColor c = colour(t);
    auto* upper = new QLineSeries;
    price_lines_.push_back(upper);
    auto* area = new QAreaSeries(upper);
    upper->setParent(area);
    area->setName(n > 1 ? track_labels_[t] : tr("winners' prices"));
    QColor fill = c;
    fill.setAlpha(n > 1 ? 90 : 150);
    area->setBrush(fill);
    QPen pen(c);
    pen.setWidthF(1.5);
    area->setPen(pen);
    price_chart_->addSeries(area);
    area->attachAxis(price_x_);
    area->attachAxis(price_y_);
    price_areas_.push_back(area);
    charts::square_area_markers(price_chart_);

    auto* line = new QLineSeries;
    line->setName(n > 1 ? track_labels_[t] : tr("observed"));
    QPen lp(c);
    lp.setWidthF(2.0);
    line->setPen(lp);
    reliability_chart_->addSeries(line);
    line->attachAxis(rel_x_);
    line->attachAxis(rel_y_);
    rel_lines_.push_back(line);
    auto* points = new QScatterSeries;
    points->setColor(c);
    points->setBorderColor(c.darker(130));
    points->setMarkerSize(7.0);
    reliability_chart_->addSeries(points);
    points->attachAxis(rel_x_);
    points->attachAxis(rel_y_);
    rel_points_.push_back(points);
    hide_from_legend(reliability_chart_, points);

    for (QBarSeries* bars : {funnel_cost_bars_, funnel_kept_bars_}) {
      auto* set = new QBarSet(track_labels_[t]);
      set->setColor(c);
      set->setLabelColor(QColor(0x20, 0x20, 0x20));
      for (int i = 0; i < 4; ++i) set->append(0.0);
      bars->append(set);
    }
  }
  rel_diagonal_->clear();
  price_x_->setRange(0, 1);
  price_y_->setRange(0, 10);
  rel_x_->setRange(0, 5);
  rel_y_->setRange(0, 5);
  funnel_cost_y_->setRange(0, 1);
  funnel_kept_y_->setRange(0, 1);
  price_chart_->legend()->setVisible(n > 1);
  reliability_chart_->legend()->setVisible(true);
  funnel_cost_chart_->legend()->setVisible(n > 1);
  funnel_kept_chart_->legend()->setVisible(n > 1);
  spend_campaigns_.clear();
  rebuild_spend();
  strategy_table_->clear_groups();
  strategy_caption_->setText(tr("<b>By strategy</b> (pacer × bidding × billing): appears when the run starts, "
                                "updated every snapshot interval and final at the end."));
  rebuild_group_chart({});
  set_time_range(horizon_);
  make_interactive();
}

void ChartPanel::set_time_range(core::SimTime horizon) {
  horizon_ = horizon;
  scale_ = TimeAxisScale::for_horizon(horizon);
  const double hi = scale_.to_axis(horizon);
  auto apply = [&](QValueAxis* x) {
    x->setTitleText(scale_.title);
    const double step = scale_.divisor == static_cast<double>(core::kHour)
                            ? (hi <= 12 ? 2.0 : hi <= 24 ? 4.0 : hi <= 48 ? 8.0 : 12.0)
                            : nice_step(hi, 6);
    x->setTickType(QValueAxis::TicksDynamic);
    x->setTickAnchor(0.0);
    x->setTickInterval(step);
    x->setLabelFormat(label_format(step));
    x->setRange(0.0, hi);
  };
  for (auto& c : time_charts_) {
    apply(c->x);
    if (c->reference_line) c->reference_line->replace(QList<QPointF>{{0.0, *c->reference}, {hi, *c->reference}});
  }
  apply(spend_x_);
  apply(group_x_);
}

void ChartPanel::rescale(QValueAxis* axis, const AxisRange& range, double min_hi, bool include_zero) const {
  double lo = range.any ? range.lo : 0.0;
  double hi = range.any ? range.hi : 1.0;
  if (include_zero) lo = std::min(lo, 0.0);
  hi = std::max(hi, min_hi);
  if (hi <= lo) hi = lo + 1.0;
  const double span = hi - lo;
  hi = lo + span * 1.08;             // headroom so the line never touches the frame
  if (lo < 0) lo -= span * 0.06;     // and below negative values (surplus)
  set_dynamic_ticks(axis, lo, hi, 5);
}

void ChartPanel::update_track(int track, const RunData& run, const RunData::Delta& delta) {
  if (track < 0 || track >= tracks()) return;
  runs_[static_cast<std::size_t>(track)] = &run;
  if (delta.info && run.has_info()) {
    core::SimTime horizon = run.info().horizon;
    for (const RunData* other : runs_)
      if (other && other != &run && other->has_info()) horizon = std::max(horizon, other->info().horizon);
    set_time_range(horizon);
  }
  // The spend chart follows track 0's campaigns; rebuilding it also draws every point so far.
  const bool rebuilt = delta.info && track == 0;
  if (rebuilt) rebuild_spend();
  const auto& points = run.points();
  if (delta.first_new_interval >= points.size()) return;
  for (auto& c : time_charts_) {
    auto& series = c->series[static_cast<std::size_t>(track)];
    for (std::size_t m = 0; m < c->metrics.size(); ++m) {
      const Metric& metric = c->metrics[m];
      QList<QPointF> add;
      add.reserve(static_cast<qsizetype>(points.size() - delta.first_new_interval));
      for (std::size_t i = delta.first_new_interval; i < points.size(); ++i) {
        if (const auto v = metric.value(points[i])) {
          add.append(QPointF(scale_.to_axis(points[i].end), *v));
          (metric.right_axis && c->y2 ? c->range2 : c->range).add(*v);
        }
      }
      if (!add.isEmpty()) {
        series[m]->append(add);
        // A line needs two points: until then (the first interval of a run) show the point itself.
        series[m]->setPointsVisible(series[m]->count() < 2);
      }
    }
    if (c->chart->isZoomed()) continue;  // the axes the user zoomed to stay until they reset
    rescale(c->y, c->range, c->min_hi, true);
    if (c->y2) rescale(c->y2, c->range2, 0.0, true);
  }
  if (!rebuilt) append_spend(track, run, delta.first_new_interval);
}

std::vector<core::CampaignId> ChartPanel::chosen_campaigns(const RunData& run, QStringList* rejected) const {
  std::vector<core::CampaignId> ids;
  const QString text = spend_ids_->text().trimmed();
  if (!text.isEmpty() && run.has_info()) {
    for (const QString& part : text.split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts)) {
      bool ok = false;
      const uint id = part.toUInt(&ok);
      if (!ok || id >= run.info().daily_budgets.size()) {
        if (rejected) *rejected << part;
        continue;
      }
      if (ids.size() < 10 && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
    if (!ids.empty()) return ids;
  }
  return run.top_campaigns_by_budget(static_cast<std::size_t>(spend_top_n_->value()));
}

void ChartPanel::rebuild_spend() {
  for (auto& per_campaign : spend_series_)
    for (QLineSeries* s : per_campaign) {
      spend_chart_->removeSeries(s);
      delete s;
    }
  spend_series_.clear();
  for (QLineSeries* s : target_series_) {
    spend_chart_->removeSeries(s);
    delete s;
  }
  target_series_.clear();
  target_from_plan_ = false;
  spend_chart_->setTitle(tr("Spend today vs. target (dashed: daily budget × time of day)"));
  spend_range_ = {};
  const RunData* base = runs_.empty() ? nullptr : runs_[0];
  QStringList rejected;
  spend_campaigns_ = base && base->has_info() ? chosen_campaigns(*base, &rejected) : std::vector<core::CampaignId>{};
  // An id that names no campaign is said, not silently dropped.
  spend_note_->setVisible(!rejected.isEmpty());
  if (!rejected.isEmpty())
    spend_note_->setText(tr("No campaign %1: the ids run from 0 to %2. %3")
                             .arg(rejected.join(QStringLiteral(", ")))
                             .arg(base->info().daily_budgets.size() - 1)
                             .arg(spend_campaigns_.empty() || spend_ids_->text().trimmed().isEmpty()
                                      ? QString()
                                      : tr("Showing the valid ones, or the top campaigns by budget if none is.")));
  const int n = tracks();
  for (std::size_t i = 0; i < spend_campaigns_.size(); ++i) {
    const core::CampaignId c = spend_campaigns_[i];
    const QColor col = colour(static_cast<int>(i));
    const double budget = base->info().daily_budgets[c].units();
    std::vector<QLineSeries*> per_track;
    for (int t = 0; t < n; ++t) {
      auto* s = new QLineSeries;
      s->setName(n > 1 ? tr("%1: #%2").arg(track_labels_[t]).arg(c)
                       : tr("#%1 · %2/day").arg(c).arg(format_figure(budget, 3)));
      QPen pen(col);
      pen.setWidthF(2.0);
      pen.setStyle(t == 0 ? Qt::SolidLine : Qt::DashDotLine);
      s->setPen(pen);
      spend_chart_->addSeries(s);
      s->attachAxis(spend_x_);
      s->attachAxis(spend_y_);
      per_track.push_back(s);
    }
    spend_series_.push_back(per_track);
    // The target until the run reports its pacer's plan: a linear share of the daily budget over
    // each day (a sawtooth over several days).
    auto* target = new QLineSeries;
    target->setName(tr("target"));
    QPen pen(col.lighter(115));
    pen.setWidthF(1.3);
    pen.setStyle(Qt::DashLine);
    target->setPen(pen);
    if (budget > 0) {
      QList<QPointF> line;
      for (core::SimTime day = 0; day < horizon_; day += core::kDay) {
        const core::SimTime end = std::min(day + core::kDay, horizon_);
        line.append({scale_.to_axis(day), 0.0});
        line.append({scale_.to_axis(end), budget * static_cast<double>(end - day) / static_cast<double>(core::kDay)});
      }
      target->replace(line);
      spend_range_.add(budget);
    }
    spend_chart_->addSeries(target);
    target->attachAxis(spend_x_);
    target->attachAxis(spend_y_);
    hide_from_legend(spend_chart_, target);
    target_series_.push_back(target);
  }
  for (int t = 0; t < n; ++t)
    if (runs_.size() > static_cast<std::size_t>(t) && runs_[static_cast<std::size_t>(t)])
      append_spend(t, *runs_[static_cast<std::size_t>(t)], 0);
  rescale(spend_y_, spend_range_, 1.0, true);
  show_legend_if_needed(spend_chart_);
  make_interactive();
}

void ChartPanel::append_spend(int track, const RunData& run, std::size_t from) {
  const auto& points = run.points();
  for (std::size_t i = 0; i < spend_campaigns_.size(); ++i) {
    // The first run's pacer plan replaces the linear stand-in target as soon as it reports one, so
    // traffic-shaped and early-finish plans show as they are.
    const std::vector<float>& plan = run.target_curve(spend_campaigns_[i]);
    if (track == 0 && !plan.empty() && i < target_series_.size()) {
      QList<QPointF> line;
      line.append({scale_.to_axis(0), 0.0});
      for (std::size_t k = 0; k < std::min(points.size(), plan.size()); ++k) {
        // A plan restarts at 0 each day: step down at the boundary instead of drawing a diagonal.
        if (k > 0 && plan[k] < plan[k - 1] && points[k].start % core::kDay == 0) line.append({scale_.to_axis(points[k].start), 0.0});
        line.append({scale_.to_axis(points[k].end), static_cast<double>(plan[k])});
      }
      target_series_[i]->replace(line);
      if (!target_from_plan_) {
        target_from_plan_ = true;
        spend_chart_->setTitle(tr("Spend today vs. target (dashed: the pacer's spend plan)"));
      }
    }
    const std::vector<float>& curve = run.spend_curve(spend_campaigns_[i]);
    QList<QPointF> add;
    for (std::size_t k = from; k < std::min(points.size(), curve.size()); ++k) {
      add.append({scale_.to_axis(points[k].end), static_cast<double>(curve[k])});
      spend_range_.add(curve[k]);
    }
    if (!add.isEmpty()) spend_series_[i][static_cast<std::size_t>(track)]->append(add);
  }
  rescale(spend_y_, spend_range_, 1.0, true);
}

void ChartPanel::refresh_distributions(const std::vector<const RunData*>& runs) {
  const int n = std::min(tracks(), static_cast<int>(runs.size()));
  // Prices: one histogram over a common range, so A and B are comparable bin by bin.
  std::vector<double> all;
  for (int t = 0; t < n; ++t)
    if (runs[static_cast<std::size_t>(t)]) {
      const auto& p = runs[static_cast<std::size_t>(t)]->winner_prices();
      all.insert(all.end(), p.begin(), p.end());
    }
  if (!all.empty()) {
    std::sort(all.begin(), all.end());
    // The top 1 % is folded into the last bin so one outlier does not squash the picture.
    double hi = all[static_cast<std::size_t>(0.99 * static_cast<double>(all.size() - 1))];
    if (hi <= 0) hi = std::max(all.back(), 1e-6);
    constexpr int kBins = 30;
    const double width = hi / kBins;
    double y_max = 0;
    for (int t = 0; t < n; ++t) {
      const RunData* run = runs[static_cast<std::size_t>(t)];
      if (!run) continue;
      std::vector<double> counts(kBins, 0.0);
      for (double p : run->winner_prices()) counts[static_cast<std::size_t>(std::clamp(static_cast<int>(p / width), 0, kBins - 1))] += 1;
      const double total = static_cast<double>(run->winner_prices().size());
      QList<QPointF> steps;
      steps.append({0.0, 0.0});
      for (int b = 0; b < kBins; ++b) {
        const double share = total > 0 ? 100.0 * counts[static_cast<std::size_t>(b)] / total : 0.0;
        steps.append({b * width, share});
        steps.append({(b + 1) * width, share});
        y_max = std::max(y_max, share);
      }
      steps.append({hi, 0.0});
      price_lines_[static_cast<std::size_t>(t)]->replace(steps);
    }
    set_dynamic_ticks(price_x_, 0.0, hi, 6);
    set_dynamic_ticks(price_y_, 0.0, std::max(1.0, y_max * 1.1), 5);
  }

  // Reliability.
  double rel_max = 0;
  for (int t = 0; t < n; ++t) {
    const RunData* run = runs[static_cast<std::size_t>(t)];
    if (!run) continue;
    QList<QPointF> pts;
    for (const auto& p : run->reliability().merged()) {
      pts.append({100.0 * p.mean_pctr, 100.0 * p.mean_true});
      rel_max = std::max({rel_max, 100.0 * p.mean_pctr, 100.0 * p.mean_true});
    }
    rel_lines_[static_cast<std::size_t>(t)]->replace(pts);
    rel_points_[static_cast<std::size_t>(t)]->replace(pts);
  }
  if (rel_max > 0) {
    const double top = rel_max * 1.08;
    rel_diagonal_->replace(QList<QPointF>{{0.0, 0.0}, {top, top}});
    set_dynamic_ticks(rel_x_, 0.0, top, 5);
    set_dynamic_ticks(rel_y_, 0.0, top, 5);
  }

  // Funnel bars from the running totals.
  double cost_max = 0, kept_max = 0;
  const auto sets_cost = funnel_cost_bars_->barSets();
  const auto sets_kept = funnel_kept_bars_->barSets();
  for (int t = 0; t < n && t < sets_cost.size(); ++t) {
    const RunData* run = runs[static_cast<std::size_t>(t)];
    if (!run) continue;
    const core::Counters& c = run->outcome() ? run->outcome()->summary.totals : run->totals();
    if (c.requests == 0) continue;
    const double req = static_cast<double>(c.requests);
    for (int s = 0; s < 4; ++s) {
      const double v = c.funnel_cost_us[static_cast<std::size_t>(s)] / req;
      sets_cost[t]->replace(s, v);
      cost_max = std::max(cost_max, v);
    }
    const double kept[4] = {static_cast<double>(c.candidates_retrieved) / req, static_cast<double>(c.candidates_prerank) / req,
                            static_cast<double>(c.candidates_ranked) / req, static_cast<double>(c.candidates_auction) / req};
    for (int s = 0; s < 4; ++s) {
      sets_kept[t]->replace(s, kept[s]);
      kept_max = std::max(kept_max, kept[s]);
    }
  }
  if (cost_max > 0) set_dynamic_ticks(funnel_cost_y_, 0.0, cost_max * 1.15, 5);
  if (kept_max > 0) set_dynamic_ticks(funnel_kept_y_, 0.0, kept_max * 1.15, 5);

  refresh_advertisers(runs);
  make_interactive();
}

void ChartPanel::refresh_advertisers(const std::vector<const RunData*>& runs) {
  const int n = std::min(tracks(), static_cast<int>(runs.size()));
  std::vector<StrategyTable::Track> table;
  QStringList states;
  for (int t = 0; t < n; ++t) {
    const RunData* run = runs[static_cast<std::size_t>(t)];
    const GroupSnapshot* groups = run ? run->latest_groups() : nullptr;
    table.push_back({track_labels_[t], groups});
    if (!groups) continue;
    const QString prefix = n > 1 ? track_labels_[t] + QStringLiteral(": ") : QString();
    states << prefix + (run->outcome() ? tr("final, at the end of the run (%1 simulated)").arg(sim_duration(groups->at))
                                       : tr("live, as of simulated %1").arg(sim_clock(groups->at)));
  }
  if (!states.isEmpty()) {
    strategy_table_->show_groups(table);
    strategy_caption_->setText(tr("<b>By strategy</b> (pacer × bidding × billing, cumulative since the start) — %1")
                                   .arg(states.join(QStringLiteral("; "))));
    fit_strategy_pane();
  }
  rebuild_group_chart(runs);
}

bool ChartPanel::eventFilter(QObject* watched, QEvent* event) {
  // A page laid out while hidden gets its real height when shown: fit the table again then.
  if (watched == adv_split_ && (event->type() == QEvent::Show || event->type() == QEvent::Resize)) fit_strategy_pane();
  if (auto* view = qobject_cast<QChartView*>(watched)) {
    if (event->type() == QEvent::Wheel) {
      view->chart()->zoom(static_cast<QWheelEvent*>(event)->angleDelta().y() > 0 ? 1.25 : 0.8);
      return true;
    }
    if (event->type() == QEvent::KeyPress) {
      const int step = 30;
      switch (static_cast<QKeyEvent*>(event)->key()) {
        case Qt::Key_Left: view->chart()->scroll(-step, 0); return true;
        case Qt::Key_Right: view->chart()->scroll(step, 0); return true;
        case Qt::Key_Up: view->chart()->scroll(0, step); return true;
        case Qt::Key_Down: view->chart()->scroll(0, -step); return true;
        case Qt::Key_Escape: view->chart()->zoomReset(); return true;
        default: break;
      }
    }
  }
  return QWidget::eventFilter(watched, event);
}

ChartPanel::TimeChart& ChartPanel::time_chart(const QString& id) {
  for (auto& c : time_charts_)
    if (c->id == id) return *c;
  throw std::logic_error("no time chart " + id.toStdString());
}

void ChartPanel::make_interactive() {
  for (const auto& [id, view] : views_) charts::make_interactive(view->chart());
}

bool ChartPanel::export_csv(const QString& id, const QString& file) const {
  QChart* c = chart(id);
  if (!c) return false;
  QFile out(file);
  if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
  const QByteArray bytes = charts::chart_csv(c).toUtf8();
  return out.write(bytes) == bytes.size();
}

void ChartPanel::fit_strategy_pane() {
  // The table takes the height its rows need (up to 35 % of the page) and the charts the rest,
  // unless the user has moved the divider.
  if (adv_split_moved_ || !adv_split_->isVisible() || adv_split_->height() <= 0) return;
  const QList<int> sizes = adv_split_->sizes();
  const int total = sizes.value(0) + sizes.value(1);
  int rows = strategy_table_->horizontalHeader()->sizeHint().height() + 2 * strategy_table_->frameWidth() + 2;
  for (int r = 0; r < strategy_table_->rowCount(); ++r) rows += strategy_table_->rowHeight(r);
  const QWidget* box = strategy_table_->parentWidget();
  const int width = std::max(400, box->width());
  const QMargins m = box->layout()->contentsMargins();
  const int wanted = rows + strategy_caption_->heightForWidth(width) + strategy_note_->heightForWidth(width) +
                     2 * box->layout()->spacing() + m.top() + m.bottom();
  const int top = std::clamp(wanted, 150, total * 35 / 100);
  if (total > 0 && std::abs(top - sizes.value(0)) > 2) adv_split_->setSizes({top, total - top});
}

void ChartPanel::rebuild_group_chart(const std::vector<const RunData*>& runs) {
  for (auto& per_track : group_series_)
    for (QLineSeries* s : per_track) {
      group_chart_->removeSeries(s);
      delete s;
    }
  group_series_.clear();
  group_keys_.clear();
  const int metric_index = std::clamp(group_metric_->currentIndex(), 0, kGroupMetricCount - 1);
  const GroupMetric& metric = kGroupMetrics[metric_index];
  group_y_->setTitleText(QString::fromUtf8(metric.axis));
  const int n = std::min(tracks(), static_cast<int>(runs.size()));
  // One colour per group (in strategy_groups() order, A's groups first), one line style per run.
  std::set<std::string> pacers;
  for (int t = 0; t < n; ++t)
    if (const RunData* run = runs[static_cast<std::size_t>(t)])
      for (const GroupSnapshot& snap : run->group_history())
        for (const core::StrategyGroup& g : snap.groups) {
          pacers.insert(g.pacer);
          if (std::find(group_keys_.begin(), group_keys_.end(), group_key(g)) == group_keys_.end())
            group_keys_.push_back(group_key(g));
        }
  const bool with_pacer = pacers.size() > 1;  // one pacer for all: the legend need not repeat it
  // More groups than colours (e.g. pacing.mix × bidding × billing) would be an unreadable tangle:
  // the chart keeps the largest by latest spend, in their table order; the table lists them all.
  const std::size_t all_groups = group_keys_.size();
  if (all_groups > static_cast<std::size_t>(kPaletteSize)) {
    std::map<std::tuple<std::string, int, int>, double> spend;
    for (int t = 0; t < n; ++t)
      if (const RunData* run = runs[static_cast<std::size_t>(t)]; run && run->latest_groups())
        for (const core::StrategyGroup& g : run->latest_groups()->groups) spend[group_key(g)] += g.spend.units();
    std::vector<std::tuple<std::string, int, int>> largest = group_keys_;
    std::stable_sort(largest.begin(), largest.end(), [&](const auto& a, const auto& b) { return spend[a] > spend[b]; });
    largest.resize(static_cast<std::size_t>(kPaletteSize));
    std::erase_if(group_keys_, [&](const auto& k) { return std::find(largest.begin(), largest.end(), k) == largest.end(); });
  }
  AxisRange range;
  group_series_.resize(static_cast<std::size_t>(n));
  for (int t = 0; t < n; ++t) {
    const RunData* run = runs[static_cast<std::size_t>(t)];
    for (std::size_t k = 0; k < group_keys_.size(); ++k) {
      core::StrategyGroup key;
      key.pacer = std::get<0>(group_keys_[k]);
      key.bidding = static_cast<core::BiddingKind>(std::get<1>(group_keys_[k]));
      key.billing = static_cast<core::BillingModel>(std::get<2>(group_keys_[k]));
      auto* s = new QLineSeries;
      const QString label = StrategyTable::group_label(key, with_pacer);
      s->setName(n > 1 ? track_labels_[t] + QStringLiteral(": ") + label : label);
      QPen pen(colour(static_cast<int>(k)));
      pen.setWidthF(t == 0 ? 2.2 : 1.6);
      pen.setStyle(t == 0 ? Qt::SolidLine : Qt::DashLine);
      s->setPen(pen);
      QList<QPointF> pts;
      if (run) {
        for (const GroupSnapshot& snap : run->group_history())
          for (const core::StrategyGroup& g : snap.groups)
            if (group_key(g) == group_keys_[k])
              if (const auto v = metric.value(g)) {
                pts.append({scale_.to_axis(snap.at), *v});
                range.add(*v);
              }
      }
      s->replace(pts);
      s->setPointsVisible(pts.size() < 2);
      group_chart_->addSeries(s);
      s->attachAxis(group_x_);
      s->attachAxis(group_y_);
      // B's lines share A's colours: the legend lists the groups once, and the title says B is dashed.
      if (t > 0) hide_from_legend(group_chart_, s);
      group_series_[static_cast<std::size_t>(t)].push_back(s);
    }
  }
  QString title = QString::fromUtf8(metric.title);
  if (group_keys_.size() < all_groups)
    title += tr(" (top %1 of %2 by spend)").arg(group_keys_.size()).arg(all_groups);
  group_chart_->setTitle(n > 1 ? tr("%1 (A solid, B dashed)").arg(title)
                         : with_pacer || pacers.empty()
                             ? title
                             : tr("%1 (pacer %2)").arg(title, QString::fromStdString(*pacers.begin())));
  group_chart_->legend()->setVisible(!group_keys_.empty());
  rescale(group_y_, range, 0.0, true);
  make_interactive();
}

QXYSeries* ChartPanel::group_series(const core::StrategyGroup& group, int track) const {
  if (track < 0 || track >= static_cast<int>(group_series_.size())) return nullptr;
  const auto it = std::find(group_keys_.begin(), group_keys_.end(), group_key(group));
  if (it == group_keys_.end()) return nullptr;
  return group_series_[static_cast<std::size_t>(track)][static_cast<std::size_t>(it - group_keys_.begin())];
}

QChartView* ChartPanel::view(const QString& id) const {
  for (const auto& [name, v] : views_)
    if (name == id) return v;
  return nullptr;
}

QChart* ChartPanel::chart(const QString& id) const {
  QChartView* v = view(id);
  return v ? v->chart() : nullptr;
}

QXYSeries* ChartPanel::time_series(const QString& id, int track, int index) const {
  for (const auto& c : time_charts_) {
    if (c->id != id) continue;
    if (track < 0 || track >= static_cast<int>(c->series.size())) return nullptr;
    const auto& per_track = c->series[static_cast<std::size_t>(track)];
    if (index < 0 || index >= static_cast<int>(per_track.size())) return nullptr;
    return per_track[static_cast<std::size_t>(index)];
  }
  return nullptr;
}

QXYSeries* ChartPanel::spend_series(core::CampaignId campaign, int track) const {
  for (std::size_t i = 0; i < spend_campaigns_.size(); ++i)
    if (spend_campaigns_[i] == campaign && track >= 0 && track < static_cast<int>(spend_series_[i].size()))
      return spend_series_[i][static_cast<std::size_t>(track)];
  return nullptr;
}

QXYSeries* ChartPanel::price_series(int track) const {
  return track >= 0 && track < static_cast<int>(price_lines_.size()) ? price_lines_[static_cast<std::size_t>(track)] : nullptr;
}

QXYSeries* ChartPanel::reliability_series(int track) const {
  return track >= 0 && track < static_cast<int>(rel_lines_.size()) ? rel_lines_[static_cast<std::size_t>(track)] : nullptr;
}

QBarSet* ChartPanel::funnel_cost_set(int track) const {
  const auto sets = funnel_cost_bars_->barSets();
  return track >= 0 && track < sets.size() ? sets[track] : nullptr;
}

bool ChartPanel::export_png(const QString& id, const QString& file) const {
  QChartView* v = view(id);
  if (!v) return false;
  const QSize shown = v->size();
  if (v->isVisible() && shown.width() >= 400 && shown.height() >= 300) return v->grab().save(file, "PNG");
  // A chart on a page never shown (or squeezed small) is drawn at a readable size, then given back
  // the size its grid cell gave it, and the grid is laid out again when its page is next shown.
  v->resize(800, 500);
  const bool ok = v->grab().save(file, "PNG");
  v->resize(shown);
  if (QWidget* parent = v->parentWidget(); parent && parent->layout()) parent->layout()->invalidate();
  return ok;
}

QStringList ChartPanel::export_all(const QString& folder) const {
  QStringList written;
  QDir().mkpath(folder);
  for (const QString& id : chart_ids()) {
    const QString file = QDir(folder).filePath(id + QStringLiteral(".png"));
    if (export_png(id, file)) written << file;
    const QString csv = QDir(folder).filePath(id + QStringLiteral(".csv"));
    if (export_csv(id, csv)) written << csv;
  }
  // The per-strategy table, as it is shown (given a readable size if its page was never shown).
  if (!strategy_table_->isVisible()) {
    // Never laid out: fit the table to its contents.
    StrategyTable* t = strategy_table_;
    t->resizeColumnsToContents();
    int w = 2 * t->frameWidth(), h = 2 * t->frameWidth() + t->horizontalHeader()->sizeHint().height();
    for (int c = 0; c < t->columnCount(); ++c)
      if (!t->isColumnHidden(c)) w += t->columnWidth(c);
    for (int r = 0; r < t->rowCount(); ++r) h += t->rowHeight(r);
    t->resize(std::max(w, 600), std::max(h, 200));
  }
  const QString table_file = QDir(folder).filePath(QStringLiteral("strategy_table.png"));
  if (strategy_table_->grab().save(table_file, "PNG")) written << table_file;
  return written;
}

}  // namespace adsim::gui

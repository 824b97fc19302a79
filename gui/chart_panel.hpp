#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <QElapsedTimer>
#include <QString>
#include <QStringList>
#include <QWidget>

#include "gui/formatting.hpp"
#include "gui/run_data.hpp"

class QAbstractSeries;
class QAreaSeries;
class QBarCategoryAxis;
class QBarSeries;
class QBarSet;
class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QLineEdit;
class QLineSeries;
class QScatterSeries;
class QSpinBox;
class QSplitter;
class QTabWidget;
class QValueAxis;
class QXYSeries;

namespace adsim::gui {

class StrategyTable;

// The live charts of one run, or of two runs overlaid (compare: track 0 is A, track 1 is B).
// Time series grow incrementally from RunData deltas; distributions (prices, reliability, funnel)
// are recomputed from RunData's accumulators when refresh_distributions() is called.
class ChartPanel : public QWidget {
  Q_OBJECT
 public:
  // Ids of the charts, also the file names of exported PNGs.
  static const QStringList& chart_ids();

  explicit ChartPanel(QWidget* parent = nullptr);
  ~ChartPanel() override;

  // Clears every chart and prepares one track per label ({"quickstart"} or {"A", "B"}).
  void reset(const QStringList& track_labels);
  int tracks() const { return static_cast<int>(track_labels_.size()); }
  // Adds what `delta` says is new in `run`, the data of track `track`.
  void update_track(int track, const RunData& run, const RunData::Delta& delta);
  // Recomputes price histogram, reliability diagram and funnel bars from every track's data.
  void refresh_distributions(const std::vector<const RunData*>& runs);

  QChartView* view(const QString& id) const;
  QChart* chart(const QString& id) const;
  QTabWidget* pages() const { return pages_; }
  // The line of metric `index` of a time-series chart for `track` (tests, export).
  QXYSeries* time_series(const QString& id, int track, int index) const;
  // The spend line of a campaign for a track, and the campaigns shown.
  QXYSeries* spend_series(core::CampaignId campaign, int track) const;
  const std::vector<core::CampaignId>& spend_campaigns() const { return spend_campaigns_; }
  // The price histogram of a track: (bin centre, % of winners).
  QXYSeries* price_series(int track) const;
  QXYSeries* reliability_series(int track) const;
  QBarSet* funnel_cost_set(int track) const;
  // Advertisers page: the per-strategy table, its caption (live or final), the metric shown by the
  // "by strategy" chart, and that chart's line of one group for a track (null if not drawn).
  StrategyTable* strategy_table() const { return strategy_table_; }
  QLabel* strategy_caption() const { return strategy_caption_; }
  QComboBox* group_metric_box() const { return group_metric_; }
  QXYSeries* group_series(const core::StrategyGroup& group, int track) const;

  bool export_png(const QString& id, const QString& file) const;
  // The chart's data: "series,x,y" rows (bar charts: "set,category,value").
  bool export_csv(const QString& id, const QString& file) const;
  bool eventFilter(QObject* watched, QEvent* event) override;
  // Writes every chart as <folder>/<id>.png with its data as <folder>/<id>.csv, and the
  // per-strategy table as <folder>/strategy_table.png; returns the files written.
  QStringList export_all(const QString& folder) const;

 private:
  struct Metric {
    QString name;
    bool right_axis = false;
    std::function<std::optional<double>(const IntervalPoint&)> value;
    // A wide, translucent line drawn under the others: a total whose parts are also drawn.
    bool underlay = false;
  };
  struct AxisRange {
    double lo = 0.0, hi = 0.0;
    bool any = false;
    void add(double v);
  };
  struct TimeChart {
    QString id;
    QChart* chart = nullptr;
    QChartView* view = nullptr;
    QValueAxis* x = nullptr;
    QValueAxis* y = nullptr;
    QValueAxis* y2 = nullptr;
    std::vector<Metric> metrics;
    std::vector<std::vector<QLineSeries*>> series;  // [track][metric]
    AxisRange range, range2;
    std::optional<double> reference;  // a horizontal reference line (calibration: 1)
    QString reference_name;           // its legend entry
    double min_hi = 0.0;              // the y axis shows at least [0, min_hi]
    QLineSeries* reference_line = nullptr;
  };

  QChartView* make_view(QChart* chart, const QString& id);
  TimeChart& add_time_chart(const QString& id, const QString& title, const QString& y_title,
                            const QString& y2_title, std::vector<Metric> metrics);
  void build();
  TimeChart& time_chart(const QString& id);
  void clear_time_chart(TimeChart& c);
  void style_series(QLineSeries* s, int track, int metric, int metrics, bool underlay = false) const;
  void set_time_range(core::SimTime horizon);
  void rescale(QValueAxis* axis, const AxisRange& range, double min_hi, bool include_zero) const;
  void rebuild_spend();
  void append_spend(int track, const RunData& run, std::size_t from);
  // The campaign ids typed in, or the top N by budget; the words that name no campaign go to `rejected`.
  std::vector<core::CampaignId> chosen_campaigns(const RunData& run, QStringList* rejected = nullptr) const;
  void refresh_advertisers(const std::vector<const RunData*>& runs);
  void fit_strategy_pane();
  // Hover read-outs and legend toggles on series added since the last call.
  void make_interactive();
  void rebuild_group_chart(const std::vector<const RunData*>& runs);

  QTabWidget* pages_ = nullptr;
  std::vector<std::unique_ptr<TimeChart>> time_charts_;
  QStringList track_labels_;
  std::vector<const RunData*> runs_;  // as last given, for rebuilding the spend chart
  TimeAxisScale scale_;
  core::SimTime horizon_ = core::kDay;

  // Spend vs. target.
  QChart* spend_chart_ = nullptr;
  QValueAxis* spend_x_ = nullptr;
  QValueAxis* spend_y_ = nullptr;
  QSpinBox* spend_top_n_ = nullptr;
  QLineEdit* spend_ids_ = nullptr;
  QLabel* spend_note_ = nullptr;  // says which typed ids name no campaign
  std::vector<core::CampaignId> spend_campaigns_;
  std::vector<std::vector<QLineSeries*>> spend_series_;  // [campaign index][track]
  std::vector<QLineSeries*> target_series_;              // [campaign index]
  bool target_from_plan_ = false;  // the dashed targets come from the run's pacer plan
  AxisRange spend_range_;

  // Distributions.
  QChart* price_chart_ = nullptr;
  QValueAxis* price_x_ = nullptr;
  QValueAxis* price_y_ = nullptr;
  std::vector<QLineSeries*> price_lines_;
  std::vector<QAreaSeries*> price_areas_;
  QChart* reliability_chart_ = nullptr;
  QValueAxis* rel_x_ = nullptr;
  QValueAxis* rel_y_ = nullptr;
  QLineSeries* rel_diagonal_ = nullptr;
  std::vector<QLineSeries*> rel_lines_;
  std::vector<QScatterSeries*> rel_points_;
  QChart* funnel_cost_chart_ = nullptr;
  QBarSeries* funnel_cost_bars_ = nullptr;
  QValueAxis* funnel_cost_y_ = nullptr;
  QChart* funnel_kept_chart_ = nullptr;
  QBarSeries* funnel_kept_bars_ = nullptr;
  QValueAxis* funnel_kept_y_ = nullptr;

  // Advertisers page.
  StrategyTable* strategy_table_ = nullptr;
  QLabel* strategy_caption_ = nullptr;
  QLabel* strategy_note_ = nullptr;
  QSplitter* adv_split_ = nullptr;
  bool adv_split_moved_ = false;  // the user moved the divider: stop fitting the table
  QChart* group_chart_ = nullptr;
  QValueAxis* group_x_ = nullptr;
  QValueAxis* group_y_ = nullptr;
  QComboBox* group_metric_ = nullptr;
  std::vector<std::tuple<std::string, int, int>> group_keys_;  // pacer, bidding, billing
  std::vector<std::vector<QLineSeries*>> group_series_;          // [track][group key]

  std::vector<std::pair<QString, QChartView*>> views_;
};

}  // namespace adsim::gui

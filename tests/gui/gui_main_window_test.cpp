// The main window on the offscreen platform: scenario picker, parameter panel, Run / Pause / Step /
// Reset, live charts against the run's summary, the auction inspector, compare, export, the error
// dialog for a bad file, and a GUI run recording the same rows as the CLI.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

#include <QAction>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDialog>
#include <QElapsedTimer>
#include <QImage>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QMessageBox>
#include <QTabWidget>
#include <QSpinBox>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <map>

#include <QFile>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QStatusBar>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextTable>
#include <QToolBar>
#include <QValueAxis>
#include <QXYSeries>
#include <QtTest>

#include "cli/cli_app.hpp"
#include "gui/auction_inspector.hpp"
#include "gui/study_panel.hpp"
#include "gui/chart_panel.hpp"
#include "gui/compare_panel.hpp"
#include "gui/formatting.hpp"
#include "gui/main_window.hpp"
#include "gui/collapsible_section.hpp"
#include "gui/parameter_panel.hpp"
#include "gui/strategy_table.hpp"
#include "core/marketplace.hpp"
#include "scenarios/factory.hpp"
#include "store/result_store.hpp"
#include "scenarios/scenario_schema.hpp"

using adsim::gui::ChartPanel;
using adsim::gui::MainWindow;
using adsim::gui::RunData;
using adsim::gui::RunnerState;
namespace core = adsim::core;
namespace scenarios = adsim::scenarios;

namespace {

const QString kQuickstart = QStringLiteral(ADSIM_SOURCE_DIR "/scenarios/quickstart.toml");
const QString kAutoBidding = QStringLiteral(ADSIM_SOURCE_DIR "/scenarios/lesson_auto_bidding.toml");
const QString kOutputDir = QStringLiteral(ADSIM_GUI_TEST_OUTPUT_DIR);
constexpr int kFullSpeed = 6;  // index of "as fast as possible"

// Snapshot intervals in a run of the scenario (the last one may be short).
int intervals_of(const scenarios::Scenario& s) {
  const auto horizon = static_cast<core::SimTime>(std::llround(s.run.days * static_cast<double>(core::kDay)));
  return static_cast<int>((horizon + s.run.snapshot_interval - 1) / s.run.snapshot_interval);
}

double sum_y(const QXYSeries* s) {
  double sum = 0;
  for (const QPointF& p : s->points()) sum += p.y();
  return sum;
}

bool close(double a, double b, double rel = 1e-9) { return std::fabs(a - b) <= rel * std::max({1.0, std::fabs(a), std::fabs(b)}); }

QString table_text(QTableWidget* t, int row, int col) {
  auto* item = t->item(row, col);
  return item ? item->text() : QString();
}

int row_of(QTableWidget* t, const QString& metric) {
  for (int r = 0; r < t->rowCount(); ++r)
    if (table_text(t, r, 0) == metric) return r;
  return -1;
}

double parse_figure(QString text) {
  text.remove(QLatin1Char(',')).remove(QLatin1Char('+')).remove(QStringLiteral(" %"));
  return text.toDouble();
}

using adsim::gui::StrategyTable;

// The row of group (pacer, bidding, billing) of run `label` in the strategy table; -1 if none.
int group_row(QTableWidget* t, const core::StrategyGroup& g, const QString& label = {}) {
  for (int r = 0; r < t->rowCount(); ++r) {
    if (t->item(r, StrategyTable::kRun)->data(StrategyTable::kTotalRole).toBool()) continue;
    if (!label.isEmpty() && table_text(t, r, StrategyTable::kRun) != label) continue;
    if (table_text(t, r, StrategyTable::kPacer) == QString::fromStdString(g.pacer) &&
        table_text(t, r, StrategyTable::kBidding) == QLatin1String(core::bidding_name(g.bidding)) &&
        table_text(t, r, StrategyTable::kBilling) == QLatin1String(core::billing_name(g.billing)))
      return r;
  }
  return -1;
}

double cell_value(QTableWidget* t, int row, int col) { return t->item(row, col)->data(Qt::UserRole).toDouble(); }

// Every figure of the table's row equals the group's, exactly (display units), and the text shows
// it rounded as the CLI rounds it.
bool row_matches(QTableWidget* t, int r, const core::StrategyGroup& g) {
  bool ok = true;
  auto check = [&](int col, double expected, const char* what) {
    const double got = cell_value(t, r, col);
    if (!close(got, expected, 1e-12)) {
      qWarning("%s: table %.9g, strategy_groups() %.9g", what, got, expected);
      ok = false;
    }
  };
  check(StrategyTable::kCampaigns, g.campaigns, "campaigns");
  check(StrategyTable::kSpend, g.spend.units(), "spend");
  check(StrategyTable::kUtilization, 100.0 * g.utilization, "utilization");
  check(StrategyTable::kClicks, static_cast<double>(g.clicks), "clicks");
  check(StrategyTable::kConversions, static_cast<double>(g.conversions), "conversions");
  check(StrategyTable::kCpc, g.cpc / 1e6, "CPC");
  check(StrategyTable::kCpa, g.cpa / 1e6, "CPA");
  check(StrategyTable::kValue, g.value / 1e6, "value");
  check(StrategyTable::kSurplus, g.surplus / 1e6, "surplus");
  check(StrategyTable::kPacingDeviation, g.mean_pacing_deviation, "pacing deviation");
  check(StrategyTable::kViolation, 100.0 * g.auto_bid_violation, "violation");
  if (std::fabs(parse_figure(table_text(t, r, StrategyTable::kSpend)) - g.spend.units()) > 0.0051) {
    qWarning("spend text %s", qPrintable(table_text(t, r, StrategyTable::kSpend)));
    ok = false;
  }
  if (parse_figure(table_text(t, r, StrategyTable::kClicks)) != static_cast<double>(g.clicks)) ok = false;
  if (std::fabs(parse_figure(table_text(t, r, StrategyTable::kSurplus)) - g.surplus / 1e6) > 0.0051) ok = false;
  const QString viol = table_text(t, r, StrategyTable::kViolation);
  if ((g.bidding == core::BiddingKind::kManual) != (viol == QStringLiteral("–"))) ok = false;
  return ok;
}

bool same_groups(const std::vector<core::StrategyGroup>& a, const std::vector<core::StrategyGroup>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& x = a[i];
    const auto& y = b[i];
    if (x.pacer != y.pacer || x.bidding != y.bidding || x.billing != y.billing || x.campaigns != y.campaigns ||
        x.spend != y.spend || x.clicks != y.clicks || x.conversions != y.conversions ||
        x.attributed_conversions != y.attributed_conversions || x.value != y.value || x.surplus != y.surplus ||
        x.utilization != y.utilization || x.mean_pacing_deviation != y.mean_pacing_deviation ||
        x.auto_bid_violation != y.auto_bid_violation)
      return false;
  }
  return true;
}

std::string dump_only_run(const QString& db) {
  const auto store = adsim::store::ResultStore::open(db.toStdString(), adsim::store::ResultStore::Mode::kReadOnly);
  const auto runs = store.read_runs();
  if (runs.size() != 1) return "<" + std::to_string(runs.size()) + " runs>";
  return store.dump_run_rows(runs.front().run_id);
}

// Every run of experiment 1 as canonical rows, by variant name and seed (run ids may differ).
std::map<std::string, std::string> study_rows(const QString& db) {
  const auto store = adsim::store::ResultStore::open(db.toStdString(), adsim::store::ResultStore::Mode::kReadOnly);
  std::map<std::int64_t, std::string> names;
  for (const auto& v : store.read_variants(1)) names[v.variant_id] = v.name;
  std::map<std::string, std::string> rows;
  for (const auto& r : store.read_experiment_runs(1))
    rows[names[r.variant_id] + " seed " + std::to_string(r.seed)] = store.dump_run_rows(r.run_id);
  return rows;
}

}  // namespace

class GuiMainWindowTest : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<MainWindow> window_;

  MainWindow& fresh_window() {
    window_ = std::make_unique<MainWindow>();
    window_->resize(1600, 1000);
    window_->show();
    if (!QTest::qWaitForWindowExposed(window_.get())) qWarning("window not exposed");
    return *window_;
  }

  // quickstart over a quarter of a day with these knobs set, run at full speed to its end.
  static bool run_quickstart_quarter_day(MainWindow& w, const std::vector<std::pair<const char*, const char*>>& knobs = {}) {
    if (!w.select_bundled(QStringLiteral("quickstart"))) return false;
    if (!w.parameters()->set_value("run.days", QStringLiteral("0.25"))) return false;
    for (const auto& [key, value] : knobs)
      if (!w.parameters()->set_value(key, QString::fromUtf8(value))) return false;
    w.set_speed_index(kFullSpeed);
    w.run();
    return run_to_end(w);
  }

  static bool run_to_end(MainWindow& w, int timeout_ms = 120'000) {
    QElapsedTimer t;
    t.start();
    while (!w.all_ended()) {
      if (t.elapsed() > timeout_ms) return false;
      QTest::qWait(20);
    }
    return true;
  }

 private Q_SLOTS:
  void cleanup() { window_.reset(); }

  void lists_bundled_scenarios_and_loads_quickstart() {
    MainWindow& w = fresh_window();
    QComboBox* picker = w.scenario_picker();
    QVERIFY(picker->findText(QStringLiteral("quickstart")) >= 0);
    QVERIFY(picker->findText(QStringLiteral("marketplace")) >= 0);
    QCOMPARE(picker->currentText(), QStringLiteral("quickstart"));
    QVERIFY(w.loaded_scenario().has_value());
    QCOMPARE(w.loaded_scenario()->name, std::string("quickstart"));
    auto* text = w.findChild<QTextBrowser*>(QStringLiteral("scenarioText"));
    QVERIFY(text);
    QVERIFY(text->toPlainText().contains(QStringLiteral("A small marketplace for one simulated day")));
    QVERIFY(text->toPlainText().contains(QStringLiteral("Lesson")));
    // Picking another bundled scenario loads it (its description in the tooltip, its values in the knobs).
    QVERIFY(w.select_bundled(QStringLiteral("marketplace")));
    QCOMPARE(w.loaded_scenario()->name, std::string("marketplace"));
    auto* prerank = qobject_cast<QSpinBox*>(w.parameters()->editor("funnel.prerank_keep"));
    QVERIFY(prerank);
    QCOMPARE(prerank->value(), 1000);
    QVERIFY(!picker->itemData(picker->currentIndex(), Qt::ToolTipRole).toString().isEmpty());
  }

  void parameter_panel_has_every_schema_key_and_validates_like_the_cli() {
    MainWindow& w = fresh_window();
    adsim::gui::ParameterPanel* panel = w.parameters();
    for (const scenarios::KeySpec& spec : scenarios::scenario_schema()) {
      QWidget* editor = panel->editor(spec.path);
      QVERIFY2(editor, spec.path.c_str());
      QVERIFY2(editor->toolTip().contains(QString::fromStdString(spec.meaning).toHtmlEscaped()), spec.path.c_str());
    }
    QVERIFY(panel->overrides().empty());
    // A knob turned is an override, applied with the loader's rules.
    QVERIFY(panel->set_value("auction.reserve", QStringLiteral("0.1")));
    QVERIFY(panel->set_value("pacing.pacer", QStringLiteral("throttling")));
    const std::vector<std::string> expected = {"auction.reserve=0.1", "pacing.pacer=throttling"};
    QCOMPARE(panel->overrides(), expected);
    QVERIFY(panel->effective().has_value());
    QCOMPARE(panel->effective()->auction.reserve, 0.1);
    QCOMPARE(panel->effective()->pacing.pacer, std::string("throttling"));
    // An invalid combination: shown inline under the key, Run refuses.
    QVERIFY(panel->set_value("funnel.rank_keep", QStringLiteral("500")));
    QVERIFY(!panel->effective().has_value());
    QVERIFY(panel->problems().contains(QStringLiteral("--set")));
    QVERIFY(!panel->inline_problem("funnel.rank_keep").isEmpty() || !panel->inline_problem("funnel.prerank_keep").isEmpty());
    auto* run = w.findChild<QToolBar*>(QStringLiteral("runToolbar"))->actions().first();
    QVERIFY(!run->isEnabled());
    QVERIFY(panel->set_value("traffic.hourly_profile", QStringLiteral("[1, 2, 3]")));
    QVERIFY(!panel->inline_problem("traffic.hourly_profile").isEmpty());
    panel->revert_all();
    QVERIFY(panel->overrides().empty());
    QVERIFY(panel->effective().has_value());
    QVERIFY(run->isEnabled());
  }

  // A classroom (auction-only) scenario runs off the GUI thread and shows what `adsim run` prints,
  // recorded in the results file like a CLI run.
  void classroom_scenario_shows_its_exact_prices() {
    MainWindow& w = fresh_window();
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("classroom.db"));
    w.set_results_db(db);
    QVERIFY(w.select_bundled(QStringLiteral("classroom_gsp_vcg")));
    w.run();
    QDialog* dialog = nullptr;
    QElapsedTimer t;
    t.start();
    while (!(dialog = w.findChild<QDialog*>(QStringLiteral("classroomResult")))) {
      QVERIFY2(t.elapsed() < 30'000, "no classroom result within 30 s");
      QTest::qWait(20);
    }
    auto* text = dialog->findChild<QPlainTextEdit*>(QStringLiteral("classroomText"));
    QVERIFY(text);
    const QString shown = text->toPlainText();
    QVERIFY2(shown.contains(QStringLiteral("platform revenue           4.00000")), qPrintable(shown));
    QVERIFY(shown.contains(QStringLiteral("1 @ 3.5000")));
    QVERIFY(dialog->findChild<QLabel*>()->text().contains(QStringLiteral("(run 1)")));
    QVERIFY(dialog->grab().save(kOutputDir + QStringLiteral("/gui_classroom.png")));
    auto store = adsim::store::ResultStore::open(db.toStdString(), adsim::store::ResultStore::Mode::kReadOnly);
    QCOMPARE(store.read_auction_only_bidders(1).size(), std::size_t{3});
    QCOMPARE(store.read_auction_only_bidders(1)[0].outcome.payment, 3.5);
  }

  void run_to_the_end_charts_match_the_summary_and_screenshot() {
    MainWindow& w = fresh_window();
    QVERIFY(w.select_bundled(QStringLiteral("quickstart")));
    w.set_speed_index(kFullSpeed);
    w.run();
    QVERIFY(run_to_end(w));
    const RunData* data = w.run_data(0);
    QVERIFY(data && data->outcome());
    const core::RunSummary& summary = data->outcome()->summary;
    QVERIFY(!summary.interrupted);
    QCOMPARE(w.state(), RunnerState::kFinished);
    QVERIFY(w.status_text().contains(QStringLiteral("finished")));
    QVERIFY(w.status_text().contains(QStringLiteral("requests/s")));
    const int intervals = intervals_of(*w.loaded_scenario());
    QVERIFY(w.status_text().contains(adsim::gui::sim_clock(summary.simulated)));

    ChartPanel* charts = w.charts();
    // Revenue: one point per snapshot interval, adding up to the run's revenue.
    const QXYSeries* revenue = charts->time_series(QStringLiteral("revenue"), 0, 0);
    QVERIFY(revenue);
    QCOMPARE(revenue->count(), intervals);
    QVERIFY(close(sum_y(revenue), summary.totals.revenue.units(), 1e-9));
    QCOMPARE(revenue->points().last().x(), core::to_hours(summary.simulated));
    // RPM of the last interval, CTR and counter-metrics consistent with the per-interval counts.
    const auto& last = data->points().back();
    QVERIFY(close(charts->time_series(QStringLiteral("revenue"), 0, 1)->points().last().y(), last.rates.rpm));
    QVERIFY(close(charts->time_series(QStringLiteral("ctr"), 0, 0)->points().last().y(), 100.0 * last.rates.ctr));
    QCOMPARE(charts->time_series(QStringLiteral("users"), 0, 1)->points().last().y(),
             static_cast<double>(summary.totals.users_left));
    QCOMPARE(charts->time_series(QStringLiteral("users"), 0, 0)->points().last().y(),
             static_cast<double>(summary.active_users));
    double hides = 0;
    for (const auto& p : data->points()) hides += static_cast<double>(p.counts.hides);
    QCOMPARE(hides, static_cast<double>(summary.totals.hides));
    QVERIFY(charts->time_series(QStringLiteral("calibration"), 0, 0)->count() > intervals * 3 / 4);
    QCOMPARE(charts->time_series(QStringLiteral("fatigue"), 0, 0)->count(), intervals);
    // Axes are labelled with units and the y range holds the data.
    auto* y = qobject_cast<QValueAxis*>(charts->chart(QStringLiteral("revenue"))->axes(Qt::Vertical).first());
    QVERIFY(y->titleText().contains(QStringLiteral("currency")));
    double max_rev = 0;
    for (const QPointF& p : revenue->points()) max_rev = std::max(max_rev, p.y());
    QVERIFY(y->max() >= max_rev);
    QVERIFY(charts->chart(QStringLiteral("revenue"))->legend()->isVisible());

    // Spend curves: the campaigns with the largest budgets, last value = spend at the end of the day.
    QCOMPARE(charts->spend_campaigns().size(), std::size_t{5});
    {  // An id that names no campaign is reported, not silently dropped.
      auto* ids = charts->findChild<QLineEdit*>(QStringLiteral("spendCampaignIds"));
      auto* note = charts->findChild<QLabel*>(QStringLiteral("spendNote"));
      QVERIFY(ids && note);
      ids->setText(QStringLiteral("3, 99999"));
      Q_EMIT ids->editingFinished();
      QVERIFY(!note->isHidden());
      QVERIFY2(note->text().contains(QStringLiteral("No campaign 99999")), qPrintable(note->text()));
      QCOMPARE(charts->spend_campaigns(), (std::vector<core::CampaignId>{3}));
      ids->clear();
      Q_EMIT ids->editingFinished();
      QVERIFY(note->isHidden());
      QCOMPARE(charts->spend_campaigns().size(), std::size_t{5});
    }
    const core::CampaignId top = charts->spend_campaigns().front();
    for (std::size_t c = 0; c < data->info().daily_budgets.size(); ++c)
      QVERIFY(data->info().daily_budgets[c] <= data->info().daily_budgets[top]);
    const QXYSeries* spend = charts->spend_series(top, 0);
    QVERIFY(spend);
    QCOMPARE(spend->count(), intervals);
    QVERIFY(close(spend->points().last().y(), data->spend_curve(top).back(), 1e-6));
    // No campaign spends more than its budget plus one in-flight charge: the charge that crossed the
    // budget is the campaign's overspend (the run is one day, so the day's and the run's agree).
    const auto totals = std::find_if(summary.campaigns.begin(), summary.campaigns.end(),
                                     [top](const core::CampaignTotals& t) { return t.campaign == top; });
    QVERIFY(totals != summary.campaigns.end());
    // The chart holds single-precision points (a relative error of about 6e-8; close() above allows 1e-6).
    QVERIFY(spend->points().last().y() <=
            (data->info().daily_budgets[top].units() + totals->overspend.units()) * (1 + 1e-6));

    // Price histogram over the sampled winners: shares add up to 100 %.
    QVERIFY(!data->winner_prices().empty());
    const QXYSeries* prices = charts->price_series(0);
    double share = 0;
    for (int i = 1; i + 1 < prices->count(); i += 2) share += prices->at(i).y();
    QVERIFY(close(share, 100.0, 1e-6));
    // Reliability diagram: points from the logged candidates.
    QVERIFY(charts->reliability_series(0)->count() >= 3);
    // Funnel cost per stage = the run's cost / requests.
    const auto req = static_cast<double>(summary.totals.requests);
    for (int s = 0; s < 4; ++s)
      QVERIFY(close(charts->funnel_cost_set(0)->at(s), summary.totals.funnel_cost_us[static_cast<std::size_t>(s)] / req, 1e-9));

    // Auction inspector: the recent sampled requests; one selected shows its ranked candidates.
    adsim::gui::AuctionInspector* inspector = w.inspector();
    QCOMPARE(static_cast<std::size_t>(inspector->model()->rowCount()), data->recent_auctions().size());
    QVERIFY(inspector->model()->rowCount() > 100);
    int with_winner = -1;
    for (int r = inspector->model()->rowCount() - 1; r >= 0 && with_winner < 0; --r)
      for (const auto& c : inspector->model()->entry(r)->candidates)
        if (c.slot >= 0) with_winner = r;
    QVERIFY(with_winner >= 0);
    inspector->select_row(with_winner);
    const core::AuctionLogEntry* entry = inspector->model()->entry(with_winner);
    QCOMPARE(inspector->candidates()->rowCount(), static_cast<int>(entry->candidates.size()));
    QVERIFY(inspector->funnel()->text().contains(QString::number(entry->request_id)));
    QVERIFY(inspector->funnel()->text().contains(QStringLiteral("pre-ranking")));
    QCOMPARE(table_text(inspector->candidates(), 0, 1), QStringLiteral("1"));  // the top slot first
    // Why it won, in words: the score against the next ad's, and the second-price rule, whose
    // price is the next score divided by the winner's pCTR x quality^alpha (= score / paced bid).
    {
      int shown_row = -1;
      for (int r = inspector->model()->rowCount() - 1; r >= 0 && shown_row < 0; --r) {
        const auto& cs = inspector->model()->entry(r)->candidates;
        if (cs.size() >= 2 && cs[0].slot == 0 && !cs[0].reserve_bound && cs[1].participated) shown_row = r;
      }
      QVERIFY(shown_row >= 0);
      inspector->select_row(shown_row);
      const core::AuctionLogEntry* e = inspector->model()->entry(shown_row);
      const core::AuctionLogCandidate& winner = e->candidates[0];
      const core::AuctionLogCandidate& next = e->candidates[1];
      const QString why = inspector->funnel()->text();
      QVERIFY2(why.contains(QStringLiteral("pays %1 per click").arg(adsim::gui::format_figure(winner.price / 1e6, 3))),
               qPrintable(why));
      QVERIFY2(why.contains(QStringLiteral("keeps its score above ad %1").arg(next.ad)), qPrintable(why));
      const double paced_bid = winner.bid * winner.pacing_multiplier;
      QVERIFY(close(winner.price, next.rank_score * paced_bid / winner.rank_score, 1e-9));
      QVERIFY2(inspector->sampled()->text().contains(QStringLiteral(" %")), qPrintable(inspector->sampled()->text()));
      QVERIFY(!inspector->sampled()->text().contains(QStringLiteral("run.auction_log_rate of")));
    }

    // Summary table (single run: column A).
    QTableWidget* table = w.compare_panel()->table();
    const int rev_row = row_of(table, QStringLiteral("Revenue"));
    QVERIFY(rev_row >= 0);
    QVERIFY(close(parse_figure(table_text(table, rev_row, 2)), summary.totals.revenue.units(), 1e-4));
    const int conv_row = row_of(table, QStringLiteral("Conversions"));
    QVERIFY(conv_row >= 0);
    QCOMPARE(parse_figure(table_text(table, conv_row, 2)), static_cast<double>(summary.totals.conversions));
    QVERIFY(summary.totals.conversions > 0);
    const int surplus_row = row_of(table, QStringLiteral("Advertiser surplus"));
    QVERIFY(surplus_row >= 0);
    QVERIFY(close(parse_figure(table_text(table, surplus_row, 2)),
                  (summary.totals.advertiser_value - summary.totals.revenue.as_double_micros()) / 1e6, 1e-4));

    // Screenshots: the main window after the run, and each chart page and tab.
    QDir().mkpath(kOutputDir);
    QVERIFY(w.grab().save(kOutputDir + QStringLiteral("/gui_main_window.png")));
    const char* pages[] = {"gui_page_revenue_users.png", "gui_page_budgets_prices.png", "gui_page_calibration.png",
                           "gui_page_funnel.png", "gui_page_advertisers_quickstart.png"};
    QCOMPARE(charts->pages()->count(), static_cast<int>(std::size(pages)));
    for (int p = 0; p < charts->pages()->count(); ++p) {
      charts->pages()->setCurrentIndex(p);
      QTest::qWait(50);
      QVERIFY(w.grab().save(kOutputDir + QLatin1Char('/') + QLatin1String(pages[p])));
    }
    charts->pages()->setCurrentIndex(0);
    w.tabs()->setCurrentWidget(inspector);
    QTest::qWait(50);
    QVERIFY(w.grab().save(kOutputDir + QStringLiteral("/gui_inspector.png")));
    w.tabs()->setCurrentIndex(0);
  }

  void advertisers_page_equals_strategy_groups_live_and_final() {
    MainWindow& w = fresh_window();
    QVERIFY(w.open_scenario_file(kAutoBidding));
    adsim::gui::ParameterPanel* panel = w.parameters();
    // The conversion-economics keys sit together in their own group, opened for a scenario that
    // sets them, each with its meaning as tooltip.
    adsim::gui::CollapsibleSection* economics = panel->section(QStringLiteral("economics"));
    QVERIFY(economics);
    QVERIFY(economics->expanded());
    for (const char* key : {"world.cpm_share", "world.cpa_share", "world.typical_cvr", "world.tcpa_share", "world.troas_share",
                            "world.tcpa_target_over_value", "world.troas_target", "model.cvr_prior",
                            "model.conversion_window_hours", "pacing.auto_bid_gain", "pacing.auto_bid_minutes"}) {
      QWidget* editor = panel->editor(key);
      QVERIFY2(editor, key);
      QVERIFY2(economics->isAncestorOf(editor), key);
      QVERIFY2(!panel->section(QStringLiteral("world"))->isAncestorOf(editor), key);
      QVERIFY2(!panel->section(QStringLiteral("pacing"))->isAncestorOf(editor), key);
      QVERIFY2(editor->toolTip().contains(QString::fromStdString(scenarios::find_key_spec(key)->meaning).toHtmlEscaped()), key);
    }
    QVERIFY(!economics->isAncestorOf(panel->editor("world.users")));
    QDir().mkpath(kOutputDir);
    QTest::qWait(100);  // the group opened by loading the scenario is laid out by the event loop
    QVERIFY(economics->grab().save(kOutputDir + QStringLiteral("/gui_knobs_economics.png")));
    // The lesson has manual / tCPA / tROAS bidders, all CPC; these knobs add CPM and CPA billing.
    QVERIFY(panel->set_value("world.cpm_share", QStringLiteral("0.25")));
    QVERIFY(panel->set_value("world.cpa_share", QStringLiteral("0.25")));
    QVERIFY(panel->effective().has_value());
    const scenarios::Scenario scenario = *panel->effective();
    const core::SimTime interval = scenario.run.snapshot_interval;

    // Live: one step from idle; the table shows the groups as of the first snapshot boundary, equal
    // to a headless marketplace run to the same time.
    w.set_speed_index(kFullSpeed);
    w.step();
    QTRY_VERIFY_WITH_TIMEOUT(w.run_data(0) && w.state() == RunnerState::kPaused && w.run_data(0)->latest_groups(), 30'000);
    w.drain();
    const adsim::gui::GroupSnapshot live = *w.run_data(0)->latest_groups();
    QCOMPARE(live.at, interval);
    {
      auto market = scenarios::build_marketplace(scenario);
      market->run_until(interval);
      QVERIFY(same_groups(live.groups, market->summary().strategy_groups()));
    }
    w.charts()->pages()->setCurrentIndex(w.charts()->pages()->count() - 1);
    QTest::qWait(300);  // the table refreshes at most 4 times a second while visible
    w.drain();
    StrategyTable* table = w.charts()->strategy_table();
    QVERIFY(w.charts()->strategy_caption()->text().contains(QStringLiteral("live")));
    QCOMPARE(table->rowCount(), static_cast<int>(live.groups.size()) + 1);
    for (const core::StrategyGroup& g : live.groups) {
      const int r = group_row(table, g);
      QVERIFY(r >= 0);
      QVERIFY(row_matches(table, r, g));
    }
    QVERIFY(w.grab().save(kOutputDir + QStringLiteral("/gui_page_advertisers_live.png")));

    // Final: resume to the end; the table equals strategy_groups() of a headless run of the same
    // scenario, group by group and column by column.
    w.run();
    QVERIFY(run_to_end(w));
    const core::RunSummary headless = scenarios::build_marketplace(scenario)->run();
    const core::RunSummary& summary = w.run_data(0)->outcome()->summary;
    QCOMPARE(summary.totals.revenue.micros, headless.totals.revenue.micros);
    const std::vector<core::StrategyGroup> groups = headless.strategy_groups();
    QVERIFY(same_groups(w.run_data(0)->latest_groups()->groups, groups));
    // The lesson's mix, with the knobs above: every bidding kind and every billing model.
    std::set<core::BiddingKind> biddings;
    std::set<core::BillingModel> billings;
    for (const auto& g : groups) {
      biddings.insert(g.bidding);
      billings.insert(g.billing);
    }
    QCOMPARE(biddings.size(), std::size_t{3});
    QCOMPARE(billings.size(), std::size_t{3});
    QVERIFY(w.charts()->strategy_caption()->text().contains(QStringLiteral("final")));
    QCOMPARE(table->rowCount(), static_cast<int>(groups.size()) + 1);
    QVERIFY(table->isColumnHidden(StrategyTable::kRun));
    for (const core::StrategyGroup& g : groups) {
      const int r = group_row(table, g);
      QVERIFY2(r >= 0, qPrintable(StrategyTable::group_label(g)));
      QVERIFY2(row_matches(table, r, g), qPrintable(StrategyTable::group_label(g)));
    }
    // The total row: every campaign, the whole spend (= the platform's revenue) and value.
    const int total = table->rowCount() - 1;
    QVERIFY(table->item(total, StrategyTable::kRun)->data(StrategyTable::kTotalRole).toBool());
    QCOMPARE(cell_value(table, total, StrategyTable::kCampaigns), static_cast<double>(summary.campaigns.size()));
    QVERIFY(close(cell_value(table, total, StrategyTable::kSpend), summary.totals.revenue.units(), 1e-12));
    QVERIFY(close(cell_value(table, total, StrategyTable::kValue), summary.totals.advertiser_value / 1e6, 1e-9));
    QCOMPARE(cell_value(table, total, StrategyTable::kConversions), static_cast<double>(summary.totals.conversions));

    // Charts: per-interval conversions add up to the run's; the cumulative lines end on its totals.
    ChartPanel* charts = w.charts();
    const int intervals = intervals_of(scenario);
    const QXYSeries* all = charts->time_series(QStringLiteral("conversions"), 0, 0);
    const QXYSeries* attributed = charts->time_series(QStringLiteral("conversions"), 0, 1);
    const QXYSeries* late = charts->time_series(QStringLiteral("conversions"), 0, 2);
    QVERIFY(all && attributed && late);
    QCOMPARE(all->count(), intervals);
    QCOMPARE(sum_y(all), static_cast<double>(summary.totals.conversions));
    QCOMPARE(sum_y(attributed), static_cast<double>(summary.totals.attributed_conversions));
    QCOMPARE(sum_y(late), static_cast<double>(summary.totals.late_conversions));
    QCOMPARE(all->points().last().y(), static_cast<double>(w.run_data(0)->points().back().counts.conversions));
    QVERIFY(summary.totals.attributed_conversions > 0);
    const double value = summary.totals.advertiser_value / 1e6;
    const double spend = summary.totals.revenue.units();
    QCOMPARE(charts->time_series(QStringLiteral("value_spend"), 0, 0)->points().last().x(), core::to_hours(summary.simulated));
    QVERIFY(close(charts->time_series(QStringLiteral("value_spend"), 0, 0)->points().last().y(), value, 1e-12));
    QVERIFY(close(charts->time_series(QStringLiteral("value_spend"), 0, 1)->points().last().y(), spend, 1e-12));
    double group_spend = 0, group_surplus = 0;
    for (const auto& g : groups) {
      group_spend += g.spend.units();
      group_surplus += g.surplus / 1e6;
    }
    QVERIFY(close(spend, group_spend, 1e-9));
    QVERIFY(close(charts->time_series(QStringLiteral("surplus"), 0, 0)->points().last().y(), value - spend, 1e-9));
    QVERIFY(close(charts->time_series(QStringLiteral("surplus"), 0, 0)->points().last().y(), group_surplus, 1e-9));
    QVERIFY(close(charts->time_series(QStringLiteral("surplus"), 0, 1)->points().last().y(), value / spend, 1e-12));
    // By strategy: one line per group, a point per snapshot interval (live) ending on the final figures.
    for (const core::StrategyGroup& g : groups) {
      const QXYSeries* line = charts->group_series(g, 0);
      QVERIFY(line);
      QCOMPARE(line->count(), intervals);
      QCOMPARE(line->points().last().x(), core::to_hours(summary.simulated));
      QVERIFY(close(line->points().last().y(), g.surplus / 1e6, 1e-12));
    }
    charts->group_metric_box()->setCurrentIndex(charts->group_metric_box()->findText(QStringLiteral("CPA"), Qt::MatchStartsWith));
    for (const core::StrategyGroup& g : groups) {
      if (!g.attributed_conversions) continue;
      QVERIFY(close(charts->group_series(g, 0)->points().last().y(), g.cpa / 1e6, 1e-12));
    }
    auto* group_y = qobject_cast<QValueAxis*>(charts->chart(QStringLiteral("strategy_groups"))->axes(Qt::Vertical).first());
    QVERIFY(group_y->titleText().contains(QStringLiteral("CPA (currency units)")));
    QVERIFY(charts->chart(QStringLiteral("strategy_groups"))->title().contains(QStringLiteral("per attributed conversion")));
    charts->group_metric_box()->setCurrentIndex(0);
    // Readable: axis titles with units, legends.
    for (const char* id : {"conversions", "value_spend", "surplus", "strategy_groups"}) {
      QChart* chart = charts->chart(QString::fromLatin1(id));
      QVERIFY2(chart && chart->legend()->isVisible(), id);
      for (QAbstractAxis* axis : chart->axes()) QVERIFY2(!axis->titleText().isEmpty(), id);
    }

    // The screenshot of the page.
    QTest::qWait(100);
    QVERIFY(w.grab().save(kOutputDir + QStringLiteral("/gui_page_advertisers.png")));
  }

  void many_strategy_groups_chart_the_largest_and_list_all() {
    MainWindow& w = fresh_window();
    QVERIFY(w.open_scenario_file(kAutoBidding));
    // Four pacers x three bidding kinds x three billing models: more groups than colours.
    QVERIFY(w.parameters()->set_value("pacing.mix", QStringLiteral("[0.25, 0.25, 0.25, 0.25]")));
    QVERIFY(w.parameters()->set_value("world.cpm_share", QStringLiteral("0.3")));
    QVERIFY(w.parameters()->set_value("world.cpa_share", QStringLiteral("0.3")));
    QVERIFY(w.parameters()->set_value("run.days", QStringLiteral("0.25")));
    QVERIFY2(w.parameters()->effective().has_value(), qPrintable(w.parameters()->problems()));
    w.set_speed_index(kFullSpeed);
    w.run();
    QVERIFY(run_to_end(w));
    const std::vector<core::StrategyGroup> groups = w.run_data(0)->outcome()->summary.strategy_groups();
    QVERIFY(groups.size() > 10);
    ChartPanel* charts = w.charts();
    QCOMPARE(charts->strategy_table()->rowCount(), static_cast<int>(groups.size()) + 1);
    std::vector<double> drawn, spends;
    for (const core::StrategyGroup& g : groups) {
      spends.push_back(g.spend.units());
      if (charts->group_series(g, 0)) drawn.push_back(g.spend.units());
      // Every group is labelled with its pacer, as there are several.
      QVERIFY(!charts->group_series(g, 0) || charts->group_series(g, 0)->name().startsWith(QString::fromStdString(g.pacer)));
    }
    QCOMPARE(drawn.size(), std::size_t{10});
    // The drawn ones are the largest by spend.
    std::sort(spends.rbegin(), spends.rend());
    QVERIFY(*std::min_element(drawn.begin(), drawn.end()) >= spends[9]);
    QVERIFY(charts->chart(QStringLiteral("strategy_groups"))->title().contains(QStringLiteral("top 10 of %1").arg(groups.size())));
    charts->pages()->setCurrentIndex(charts->pages()->count() - 1);
    QTest::qWait(100);
    QVERIFY(w.grab().save(kOutputDir + QStringLiteral("/gui_page_advertisers_many_groups.png")));
  }

  void pause_step_and_reset() {
    MainWindow& w = fresh_window();
    QVERIFY(w.select_bundled(QStringLiteral("quickstart")));
    const core::SimTime interval = w.loaded_scenario()->run.snapshot_interval;
    w.set_speed_index(0);  // one simulated minute per second: nothing ends during the test
    // Step from idle: builds the world and advances exactly one snapshot interval.
    w.step();
    QTRY_VERIFY_WITH_TIMEOUT(w.run_data(0) && w.run_data(0)->points().size() == 1 && w.state() == RunnerState::kPaused &&
                                 w.run_data(0)->progress().now == interval,
                             20'000);
    QCOMPARE(w.charts()->time_series(QStringLiteral("revenue"), 0, 0)->count(), 1);
    QVERIFY(w.status_text().contains(QStringLiteral("paused")));
    QVERIFY(w.status_text().contains(adsim::gui::sim_clock(interval)));
    QVERIFY2(!w.status_text().contains(QStringLiteral("requests/s")), qPrintable(w.status_text()));  // paused: no rate
    w.step();
    QTRY_VERIFY_WITH_TIMEOUT(w.run_data(0)->points().size() == 2 && w.run_data(0)->progress().now == 2 * interval, 20'000);
    QTest::qWait(200);
    QCOMPARE(w.run_data(0)->points().size(), std::size_t{2});
    // Run resumes from there (at the chosen speed); Pause stops the clock. At two simulated hours a
    // wall second, the pause below has more than ten wall seconds to land before the day ends (at a
    // day a second it had under one, which a loaded machine could miss).
    w.set_speed_index(3);  // 2 h / s
    QCOMPARE(MainWindow::speed_presets()[3].simulated_seconds_per_wall_second, 7200.0);
    w.run();
    QTRY_VERIFY_WITH_TIMEOUT(w.run_data(0)->progress().now >= 3 * core::kHour, 20'000);
    w.pause();
    QTRY_VERIFY_WITH_TIMEOUT(w.state() == RunnerState::kPaused, 10'000);
    QTest::qWait(100);
    const core::SimTime paused_at = w.run_data(0)->progress().now;
    QTest::qWait(300);
    QCOMPARE(w.run_data(0)->progress().now, paused_at);
    QVERIFY(paused_at < core::kDay);
    QVERIFY(w.grab().save(kOutputDir + QStringLiteral("/gui_paused_mid_run.png")));
    // Reset: back to idle, charts empty, nothing left running.
    w.reset();
    QCOMPARE(w.state(), RunnerState::kIdle);
    QCOMPARE(w.tracks(), 0);
    QCOMPARE(w.charts()->time_series(QStringLiteral("revenue"), 0, 0)->count(), 0);
    QCOMPARE(w.inspector()->model()->rowCount(), 0);
    QVERIFY(w.status_text().contains(QStringLiteral("idle")));
    // And a new run starts from zero.
    w.set_speed_index(kFullSpeed);
    w.run();
    QVERIFY(run_to_end(w));
    QCOMPARE(w.charts()->time_series(QStringLiteral("revenue"), 0, 0)->count(), intervals_of(*w.loaded_scenario()));
  }

  void bad_file_shows_the_cli_message_and_loses_nothing() {
    MainWindow& w = fresh_window();
    QVERIFY(w.select_bundled(QStringLiteral("quickstart")));
    QVERIFY(w.parameters()->set_value("auction.reserve", QStringLiteral("0.12")));
    QTemporaryDir dir;
    const QString bad = dir.filePath(QStringLiteral("bad.toml"));
    {
      std::ofstream f(bad.toStdString());
      f << "name = \"bad\"\n[auction]\nslots = \"four\"\nreserv = 0.1\n[world]\nusers = -5\n";
    }
    std::ostringstream out, err;
    QCOMPARE(adsim::cli::run_cli({"check", bad.toStdString()}, out, err), adsim::cli::kExitBadInput);
    const QString cli_message = QString::fromStdString(err.str()).trimmed();
    QVERIFY(cli_message.contains(QStringLiteral("bad.toml:3:")));
    QVERIFY(cli_message.contains(QStringLiteral("auction.slots")));

    QVERIFY(!w.open_scenario_file(bad));
    QMessageBox* box = w.error_dialog();
    QVERIFY(box);
    QVERIFY(box->isVisible());
    QCOMPARE(box->text().trimmed(), cli_message);
    // Nothing lost: the scenario, the picker and the knob changed before are as they were.
    QCOMPARE(w.loaded_scenario()->name, std::string("quickstart"));
    QCOMPARE(w.scenario_picker()->currentText(), QStringLiteral("quickstart"));
    const std::vector<std::string> expected = {"auction.reserve=0.12"};
    QCOMPARE(w.parameters()->overrides(), expected);
    box->accept();
    QTRY_VERIFY(!w.error_dialog());
    // A missing file, too.
    QVERIFY(!w.open_scenario_file(dir.filePath(QStringLiteral("missing.toml"))));
    QVERIFY(w.error_dialog());
    QVERIFY(w.error_dialog()->text().contains(QStringLiteral("missing.toml")));
    w.error_dialog()->accept();
    // A good file opens and joins the picker.
    const QString good = dir.filePath(QStringLiteral("good.toml"));
    {
      std::ofstream f(good.toStdString());
      f << "name = \"tiny\"\ndescription = \"a tiny one\"\n[world]\nusers = 500\n[run]\ndays = 0.1\n";
    }
    QVERIFY(w.open_scenario_file(good));
    QCOMPARE(w.loaded_scenario()->name, std::string("tiny"));
    QVERIFY(w.scenario_picker()->currentText().startsWith(QStringLiteral("good.toml")));
  }

  void compare_overlays_two_variants_with_the_same_seed() {
    MainWindow& w = fresh_window();
    QVERIFY(w.select_bundled(QStringLiteral("quickstart")));
    QVERIFY(w.parameters()->set_value("run.days", QStringLiteral("0.5")));
    w.set_speed_index(kFullSpeed);
    adsim::gui::ComparePanel* panel = w.compare_panel();
    panel->set_variant_text(QStringLiteral("run.seed=7"));
    QVERIFY(!w.start_compare());  // the seed is shared by construction
    panel->set_variant_text(QStringLiteral("# half the ad slots\nauction.slots=2\n"));
    QVERIFY(w.start_compare());
    QVERIFY(w.is_comparing());
    {  // It says how many seeds it used, and where to get an interval.
      bool said = false;
      for (QLabel* l : panel->findChildren<QLabel*>())
        if (l->text().contains(QStringLiteral("One seed (1) for both"))) said = true;
      QVERIFY(said);
    }
    QVERIFY(run_to_end(w));
    const RunData* a = w.run_data(0);
    const RunData* b = w.run_data(1);
    QVERIFY(a && b && a->outcome() && b->outcome());
    QCOMPARE(a->outcome()->summary.seed, b->outcome()->summary.seed);
    QVERIFY(a->outcome()->summary.totals.revenue != b->outcome()->summary.totals.revenue);
    // Both overlaid, named A and B.
    const QXYSeries* ra = w.charts()->time_series(QStringLiteral("revenue"), 0, 0);
    const QXYSeries* rb = w.charts()->time_series(QStringLiteral("revenue"), 1, 0);
    QVERIFY(ra && rb);
    const int intervals = intervals_of(*w.parameters()->effective());
    QCOMPARE(ra->count(), intervals);
    QCOMPARE(rb->count(), intervals);
    QVERIFY(ra->name().startsWith(QStringLiteral("A")));
    QVERIFY(rb->name().startsWith(QStringLiteral("B")));
    QVERIFY(ra->pen().color() != rb->pen().color());
    QVERIFY(close(sum_y(rb), b->outcome()->summary.totals.revenue.units()));
    // Headline table: A, B, B - A, %.
    QTableWidget* table = panel->table();
    const int r = row_of(table, QStringLiteral("Revenue"));
    QVERIFY(r >= 0);
    const double va = a->outcome()->summary.totals.revenue.units();
    const double vb = b->outcome()->summary.totals.revenue.units();
    QVERIFY(close(parse_figure(table_text(table, r, 2)), va, 1e-4));
    QVERIFY(close(parse_figure(table_text(table, r, 3)), vb, 1e-4));
    QVERIFY(close(parse_figure(table_text(table, r, 4)), vb - va, 1e-3));
    QVERIFY(close(parse_figure(table_text(table, r, 5)), 100.0 * (vb - va) / va, 1e-2));
    // Each difference is green when B is better by the metric's declared direction, red when worse,
    // uncoloured for a description: fewer users leaving is green although the difference is negative.
    const std::vector<adsim::gui::HeadlineMetric> ha = adsim::gui::headline_metrics(*a), hb = adsim::gui::headline_metrics(*b);
    QCOMPARE(table->rowCount(), static_cast<int>(ha.size()));
    int judged = 0;
    for (int row = 0; row < table->rowCount(); ++row) {
      const auto i = static_cast<std::size_t>(row);
      const QColor shown = table->item(row, 4)->foreground().color();
      const double x = ha[i].value, y = hb[i].value;
      using adsim::experiments::Better;
      const Better better = ha[i].better;
      QColor expected = table->item(row, 0)->foreground().color();  // the default text colour
      if (better != Better::kNeither && x == x && y == y && x != y) {
        const bool good = better == Better::kHigher ? y > x
                          : better == Better::kLower ? y < x
                                                     : std::fabs(y - 1) < std::fabs(x - 1);
        expected = good ? QColor(0x1e, 0x7b, 0x34) : QColor(0xb0, 0x2a, 0x1c);
        ++judged;
      }
      QVERIFY2(shown == expected, qPrintable(ha[i].name));
    }
    QVERIFY(judged >= 10);
    QCOMPARE(ha[static_cast<std::size_t>(row_of(table, QStringLiteral("Hide rate")))].better, adsim::experiments::Better::kLower);
    QCOMPARE(ha[static_cast<std::size_t>(row_of(table, QStringLiteral("Calibration ratio")))].better,
             adsim::experiments::Better::kTowardOne);
    // The advertisers page shows both runs: A's and B's rows of each group side by side.
    StrategyTable* groups = w.charts()->strategy_table();
    QVERIFY(!groups->isColumnHidden(StrategyTable::kRun));
    for (const auto& [label, run] : {std::pair{QStringLiteral("A"), a}, std::pair{QStringLiteral("B"), b}})
      for (const core::StrategyGroup& g : run->outcome()->summary.strategy_groups()) {
        const int row = group_row(groups, g, label);
        QVERIFY(row >= 0);
        QVERIFY(row_matches(groups, row, g));
        QVERIFY(w.charts()->group_series(g, label == QStringLiteral("A") ? 0 : 1));
      }
    QVERIFY(close(w.charts()->time_series(QStringLiteral("value_spend"), 1, 1)->points().last().y(),
                  b->outcome()->summary.totals.revenue.units(), 1e-12));
    w.charts()->pages()->setCurrentIndex(w.charts()->pages()->count() - 1);
    QTest::qWait(50);
    QVERIFY(w.grab().save(kOutputDir + QStringLiteral("/gui_compare_advertisers.png")));
    w.charts()->pages()->setCurrentIndex(0);
    w.tabs()->setCurrentWidget(panel);
    QTest::qWait(50);
    QVERIFY(w.grab().save(kOutputDir + QStringLiteral("/gui_compare_table.png")));
    w.tabs()->setCurrentIndex(0);
    QTest::qWait(50);
    QVERIFY(w.grab().save(kOutputDir + QStringLiteral("/gui_compare_charts.png")));
  }

  void reliability_points_resolve_the_predictions_around_a_spike() {
    // A model that serves one prior to most ads (the historical model early on): 10,000 candidates
    // at pCTR 2 %, 2,000 spread over 0.5-10 %. The spike is one point; the rest still get many.
    adsim::gui::ReliabilityBins bins;
    for (int i = 0; i < 10'000; ++i) bins.add(0.02, 0.03);
    for (int i = 0; i < 2'000; ++i) {
      const double p = 0.005 * std::pow(20.0, (i + 0.5) / 2000.0);
      bins.add(p, p);
    }
    const auto points = bins.merged();
    QVERIFY2(points.size() >= 12, qPrintable(QString::number(points.size())));
    double sum = 0;
    int spike = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
      if (i > 0) QVERIFY(points[i].mean_pctr > points[i - 1].mean_pctr);
      QVERIFY(points[i].count >= 30);
      sum += points[i].count;
      if (points[i].count >= 10'000) {
        ++spike;
        QVERIFY(std::fabs(points[i].mean_true - 0.03) < 1e-3);
      }
    }
    QCOMPARE(spike, 1);
    QVERIFY(sum >= 12'000 - 30);  // at most one remainder below min_count is left out
  }

  void fits_a_1280_by_720_screen() {
    MainWindow& w = fresh_window();
    QVERIFY(run_quickstart_quarter_day(w));
    w.resize(1280, 720);
    QTest::qWait(100);
    QCOMPARE(w.size(), QSize(1280, 720));
    const QRect inside = w.rect();
    QVERIFY(inside.contains(QRect(w.statusBar()->mapTo(&w, QPoint(0, 0)), w.statusBar()->size())));
    for (const QString& id : ChartPanel::chart_ids()) {
      QChartView* v = w.charts()->view(id);
      if (!v || !v->isVisible()) continue;
      const QRect r(v->mapTo(&w, QPoint(0, 0)), v->size());
      QVERIFY2(inside.contains(r), qPrintable(id));
    }
    QVERIFY(w.grab().save(kOutputDir + QStringLiteral("/gui_1280x720.png")));
  }

  void reference_help_renders_its_prose_code_and_tables() {
    MainWindow& w = fresh_window();
    QTextBrowser* view = w.show_reference();
    QVERIFY(view);
    // The prose between the code spans is there (Qt's importer used to drop it after the file's
    // leading HTML comment), and code spans keep their spaces.
    const QString plain = view->document()->toPlainText();
    QVERIFY(plain.contains(QStringLiteral("Every key is optional")));
    QVERIFY(plain.contains(QStringLiteral("where the value is written as in TOML")));
    QVERIFY(!plain.contains(QStringLiteral("<!--")));
    // Every section's table has its header and a filled Meaning column.
    int tables = 0;
    for (QTextBlock b = view->document()->begin(); b.isValid(); b = b.next()) {
      auto* table = qobject_cast<QTextTable*>(QTextCursor(b).currentTable());
      if (!table || QTextCursor(b).position() != table->firstPosition()) continue;
      const auto text = [&](int r, int c) {
        QTextTableCell cell = table->cellAt(r, c);
        QTextCursor cur(view->document());
        cur.setPosition(cell.firstPosition());
        cur.setPosition(cell.lastPosition(), QTextCursor::KeepAnchor);
        return cur.selectedText();
      };
      QVERIFY(!text(0, 0).isEmpty());
      QVERIFY(!text(1, table->columns() - 1).isEmpty());
      if (table->columns() == 6 && text(0, 0) == QStringLiteral("Key") && text(0, 5) == QStringLiteral("Meaning"))
        ++tables;
    }
    QVERIFY2(tables >= 10, qPrintable(QString::number(tables)));
    QTest::qWait(50);
    QVERIFY(view->window()->grab().save(kOutputDir + QStringLiteral("/gui_reference.png")));
  }

  void exports_every_chart_as_png() {
    MainWindow& w = fresh_window();
    QVERIFY(run_quickstart_quarter_day(w));
    // Where each chart sits on its page, every page shown once.
    QTabWidget* pages = w.charts()->pages();
    auto geometries = [&] {
      std::map<QString, QRect> g;
      for (int p = 0; p < pages->count(); ++p) {
        pages->setCurrentIndex(p);
        QTest::qWait(30);
        for (const QString& id : ChartPanel::chart_ids())
          if (QChartView* v = w.charts()->view(id); v && v->isVisible()) g[id] = QRect(v->mapTo(&w, QPoint(0, 0)), v->size());
      }
      pages->setCurrentIndex(0);
      QTest::qWait(30);
      return g;
    };
    const std::map<QString, QRect> before = geometries();
    QTemporaryDir dir;
    const QStringList files = w.export_all_charts(dir.path());
    QCOMPARE(files.size(), 2 * ChartPanel::chart_ids().size() + 1);  // PNG and CSV each, and the table
    // Exporting leaves every chart where it was: none keeps the export size in its grid cell.
    const std::map<QString, QRect> after = geometries();
    QCOMPARE(after.size(), before.size());
    for (const auto& [id, rect] : before) QVERIFY2(after.at(id) == rect, qPrintable(id));
    QVERIFY(files.contains(QDir(dir.path()).filePath(QStringLiteral("strategy_groups.png"))));
    QVERIFY(files.contains(QDir(dir.path()).filePath(QStringLiteral("strategy_table.png"))));
    QVERIFY(files.contains(QDir(dir.path()).filePath(QStringLiteral("surplus.png"))));
    for (const QString& f : files) {
      if (f.endsWith(QStringLiteral(".csv"))) continue;
      QImage image(f);
      QVERIFY2(!image.isNull(), qPrintable(f));
      QVERIFY2(image.width() >= 300 && image.height() >= 200, qPrintable(f));
    }
    // The revenue chart's data: its revenue rows add up to the run's revenue.
    QFile csv(QDir(dir.path()).filePath(QStringLiteral("revenue.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(csv.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.front(), QStringLiteral("series,x,y"));
    double revenue = 0;
    int rows = 0;
    for (const QString& line : lines.mid(1)) {
      const QStringList f = line.split(QLatin1Char(','));
      QCOMPARE(f.size(), 3);
      if (f[0] == QStringLiteral("revenue")) {
        revenue += f[2].toDouble();
        ++rows;
      }
    }
    QCOMPARE(rows, intervals_of(*w.parameters()->effective()));
    QVERIFY(close(revenue, w.run_data(0)->outcome()->summary.totals.revenue.units(), 1e-6));
    // Opening another scenario after an export: the charts are laid out afresh (screenshot).
    QVERIFY(w.open_scenario_file(QStringLiteral(ADSIM_SOURCE_DIR) + QStringLiteral("/scenarios/lesson_pacing.toml")));
    QVERIFY(w.parameters()->set_value("run.days", QStringLiteral("0.25")));
    w.run();
    QVERIFY(run_to_end(w));
    QCOMPARE(geometries(), before);
    w.charts()->pages()->setCurrentIndex(1);
    QTest::qWait(50);
    QVERIFY(w.grab().save(kOutputDir + QStringLiteral("/gui_after_export_open.png")));
    w.charts()->pages()->setCurrentIndex(0);
  }

  void summary_shows_feed_and_search_and_the_auction_rates_over_time() {
    MainWindow& w = fresh_window();
    QVERIFY(run_quickstart_quarter_day(w, {{"traffic.search_share", "0.3"}}));
    const core::RunSummary& summary = w.run_data(0)->outcome()->summary;
    const core::SurfaceCounters& search = summary.totals.surface[static_cast<std::size_t>(core::Surface::kSearch)];
    QVERIFY(search.requests > 0);
    QTableWidget* table = w.compare_panel()->table();
    const int row = row_of(table, QStringLiteral("Search CTR"));
    QVERIFY(row >= 0);
    QVERIFY(close(parse_figure(table_text(table, row, 2)),
                  100.0 * static_cast<double>(search.clicks) / static_cast<double>(search.impressions), 1e-3));
    QVERIFY(row_of(table, QStringLiteral("Feed RPM")) >= 0);
    // Price, fill and reserve-bind rate per interval: the fill line is filled requests / requests.
    QXYSeries* fill = w.charts()->time_series(QStringLiteral("auction_rates"), 0, 1);
    QVERIFY(fill);
    const auto& points = w.run_data(0)->points();
    QCOMPARE(fill->count(), static_cast<int>(points.size()));
    QVERIFY(close(fill->at(0).y(), 100.0 * static_cast<double>(points[0].counts.filled_requests) /
                                        static_cast<double>(points[0].counts.requests), 1e-9));
  }

  void charts_hide_a_series_from_its_legend_and_keep_a_zoom() {
    MainWindow& w = fresh_window();
    QVERIFY(w.select_bundled(QStringLiteral("quickstart")));
    QVERIFY(w.parameters()->set_value("run.days", QStringLiteral("0.5")));
    w.set_speed_index(2);  // slow enough that data keeps arriving after the zoom
    w.run();
    QTRY_VERIFY_WITH_TIMEOUT(w.run_data(0) && w.run_data(0)->points().size() >= 4, 20'000);
    QChart* chart = w.charts()->chart(QStringLiteral("revenue"));
    QXYSeries* revenue = w.charts()->time_series(QStringLiteral("revenue"), 0, 0);
    QLegendMarker* marker = chart->legend()->markers(revenue).value(0);
    QVERIFY(marker);
    Q_EMIT marker->clicked();
    QVERIFY(!revenue->isVisible());
    QVERIFY(marker->isVisible());  // the entry stays, to click again
    Q_EMIT marker->clicked();
    QVERIFY(revenue->isVisible());
    // A zoomed chart keeps the axes it was zoomed to while data arrives.
    chart->zoomIn(QRectF(chart->plotArea().center(), chart->plotArea().size() / 4));
    QVERIFY(chart->isZoomed());
    auto* y = qobject_cast<QValueAxis*>(chart->axes(Qt::Vertical).first());
    const double lo = y->min(), hi = y->max();
    const std::size_t seen = w.run_data(0)->points().size();
    QTRY_VERIFY_WITH_TIMEOUT(w.run_data(0)->points().size() >= seen + 2, 20'000);
    QCOMPARE(y->min(), lo);
    QCOMPARE(y->max(), hi);
    chart->zoomReset();
    w.reset();
  }

  void a_study_from_the_app_writes_the_rows_of_adsim_sweep() {
    QTemporaryDir dir;
    const QString cli_db = dir.filePath(QStringLiteral("cli.sqlite"));
    const QString gui_db = dir.filePath(QStringLiteral("gui.sqlite"));
    std::ostringstream out, err;
    QCOMPARE(adsim::cli::run_cli({"sweep", kQuickstart.toStdString(), "--set", "run.days=0.1", "--vary",
                                  "auction.reserve=0,0.2", "--seeds", "3", "--jobs", "2", "--quiet", "--db",
                                  cli_db.toStdString()},
                                 out, err),
             0);
    MainWindow& w = fresh_window();
    QVERIFY(w.open_scenario_file(kQuickstart));
    QVERIFY(w.parameters()->set_value("run.days", QStringLiteral("0.1")));
    w.set_results_db(gui_db);
    adsim::gui::StudyPanel* study = w.study_panel();
    w.tabs()->setCurrentWidget(study);
    study->factors()->setPlainText(QStringLiteral("auction.reserve=0,0.2"));
    study->seeds()->setText(QStringLiteral("3"));
    study->jobs()->setValue(2);
    QVERIFY(study->start());
    QTRY_VERIFY_WITH_TIMEOUT(study->finished(), 120'000);
    QTest::qWait(400);  // the panel's last redraw
    // The same experiment, the same runs, the same rows as adsim sweep.
    const auto cli = study_rows(cli_db), gui = study_rows(gui_db);
    QCOMPARE(gui.size(), std::size_t{6});
    QVERIFY(gui == cli);
    {
      const auto a = adsim::store::ResultStore::open(cli_db.toStdString(), adsim::store::ResultStore::Mode::kReadOnly);
      const auto b = adsim::store::ResultStore::open(gui_db.toStdString(), adsim::store::ResultStore::Mode::kReadOnly);
      QCOMPARE(b.read_experiment(1)->definition, a.read_experiment(1)->definition);
      QCOMPARE(b.read_experiment_summary(1).size(), a.read_experiment_summary(1).size());
    }
    // Revenue against the reserve with its band, and the per-variant table.
    QVERIFY(study->chart()->chart());
    QVERIFY(study->chart()->chart()->title().contains(QStringLiteral("auction.reserve")));
    QVERIFY(study->chart()->chart()->series().size() >= 2);  // the band and the line
    QVERIFY(study->table()->rowCount() > 10);
    QVERIFY(study->status()->text().contains(QStringLiteral("6 of 6 runs")));
    QVERIFY(w.grab().save(kOutputDir + QStringLiteral("/gui_study.png")));
    // With a baseline, the paired differences: the same verdicts as the CLI's comparisons.
    study->baseline()->setText(QStringLiteral("scenario"));
    QVERIFY(study->start());
    QTRY_VERIFY_WITH_TIMEOUT(study->finished(), 120'000);
    QTest::qWait(400);
    QVERIFY(!study->differences()->isHidden());
    QVERIFY(study->differences()->rowCount() > 10);
    QCOMPARE(study->differences()->horizontalHeaderItem(10)->text(), QStringLiteral("verdict"));
    QVERIFY(w.grab().save(kOutputDir + QStringLiteral("/gui_study_baseline.png")));
    study->baseline()->clear();
    // Bad factors are refused with the scenario rules' message; nothing starts.
    study->factors()->setPlainText(QStringLiteral("auction.reserv=0,1"));
    QVERIFY(!study->start());
    QVERIFY2(study->status()->text().contains(QStringLiteral("auction.reserv")), qPrintable(study->status()->text()));
  }

  void saving_results_after_a_run_writes_that_run() {
    QTemporaryDir dir;
    const QString cli_db = dir.filePath(QStringLiteral("cli.sqlite"));
    const QString gui_db = dir.filePath(QStringLiteral("gui.sqlite"));
    std::ostringstream out, err;
    QCOMPARE(adsim::cli::run_cli({"run", kQuickstart.toStdString(), "--db", cli_db.toStdString(), "--quiet", "--set",
                                  "run.days=0.25"},
                                 out, err),
             0);
    MainWindow& w = fresh_window();
    QVERIFY(w.open_scenario_file(kQuickstart));
    QVERIFY(w.parameters()->set_value("run.days", QStringLiteral("0.25")));
    w.set_speed_index(kFullSpeed);
    w.run();
    QVERIFY(run_to_end(w));
    QVERIFY(!QFileInfo::exists(gui_db));
    // File ▸ Save results to… after the run has ended writes that run, not only the next one.
    w.set_results_db(gui_db);
    QTRY_COMPARE_WITH_TIMEOUT(w.pending_recordings(), 0, 60'000);
    QCOMPARE(dump_only_run(gui_db), dump_only_run(cli_db));
    // The message says so beside the clock, which stays readable.
    QVERIFY2(w.status_text().contains(QStringLiteral("saved to")), qPrintable(w.status_text()));
    QVERIFY(w.status_text().contains(QStringLiteral("simulated day 0 06:00")));
    QVERIFY(w.statusBar()->findChild<QLabel*>(QStringLiteral("clockLabel"))->isVisible());
    // Choosing the file again does not write the run twice.
    w.set_results_db(gui_db);
    QCOMPARE(w.pending_recordings(), 0);
  }

  void gui_run_records_the_same_rows_as_the_cli() {
    QTemporaryDir dir;
    const QString cli_db = dir.filePath(QStringLiteral("cli.sqlite"));
    const QString gui_db = dir.filePath(QStringLiteral("gui.sqlite"));
    std::ostringstream out, err;
    QCOMPARE(adsim::cli::run_cli({"run", kQuickstart.toStdString(), "--db", cli_db.toStdString(), "--quiet"}, out, err), 0);

    MainWindow& w = fresh_window();
    QVERIFY(w.open_scenario_file(kQuickstart));
    w.set_results_db(gui_db);
    w.set_speed_index(kFullSpeed);
    w.run();
    QVERIFY(run_to_end(w));
    QVERIFY(w.run_data(0)->outcome()->result_run_id > 0);
    const std::string cli_rows = dump_only_run(cli_db);
    QVERIFY(cli_rows.size() > 10'000);
    QCOMPARE(dump_only_run(gui_db), cli_rows);

    // With a knob turned, the GUI run equals `adsim run --set` of the same override.
    const QString cli_db2 = dir.filePath(QStringLiteral("cli2.sqlite"));
    const QString gui_db2 = dir.filePath(QStringLiteral("gui2.sqlite"));
    QCOMPARE(adsim::cli::run_cli({"run", kQuickstart.toStdString(), "--db", cli_db2.toStdString(), "--quiet", "--set",
                                  "auction.reserve=0.1", "--set", "run.days=0.25"},
                                 out, err),
             0);
    QVERIFY(w.parameters()->set_value("auction.reserve", QStringLiteral("0.1")));
    QVERIFY(w.parameters()->set_value("run.days", QStringLiteral("0.25")));
    w.set_results_db(gui_db2);
    w.run();
    QVERIFY(run_to_end(w));
    QCOMPARE(dump_only_run(gui_db2), dump_only_run(cli_db2));
  }
};

QTEST_MAIN(GuiMainWindowTest)
#include "gui_main_window_test.moc"

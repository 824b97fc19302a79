// The GUI's worker: a SimulationRunner must produce exactly what a headless run produces, whatever
// the slicing (speed, pause, step), and record identical result rows to the CLI's.
#include <filesystem>
#include <sstream>

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include "cli/cli_app.hpp"
#include "core/marketplace.hpp"
#include "gui/run_data.hpp"
#include "gui/simulation_runner.hpp"
#include "scenarios/factory.hpp"
#include "store/result_store.hpp"
#include "scenarios/scenario_loader.hpp"

using adsim::gui::RunData;
using adsim::gui::RunnerOptions;
using adsim::gui::RunnerState;
using adsim::gui::SimulationRunner;
namespace core = adsim::core;
namespace scenarios = adsim::scenarios;

namespace {

const std::string kQuickstart = ADSIM_SOURCE_DIR "/scenarios/quickstart.toml";

core::SimTime horizon_of(const scenarios::Scenario& s) {
  return static_cast<core::SimTime>(std::llround(s.run.days * static_cast<double>(core::kDay)));
}

std::size_t intervals_of(const scenarios::Scenario& s) {
  const core::SimTime horizon = horizon_of(s);
  return static_cast<std::size_t>((horizon + s.run.snapshot_interval - 1) / s.run.snapshot_interval);
}

// Drains `runner` into `data` until `done` holds or `timeout_ms` passes.
template <class Pred>
bool drain_until(SimulationRunner& runner, RunData& data, Pred done, int timeout_ms = 60'000) {
  QElapsedTimer timer;
  timer.start();
  while (true) {
    data.apply(runner.drain());
    if (done()) return true;
    if (timer.elapsed() > timeout_ms) return false;
    QThread::msleep(2);
  }
}

bool drain_to_end(SimulationRunner& runner, RunData& data, int timeout_ms = 60'000) {
  return drain_until(runner, data, [&] { return data.outcome().has_value() || data.error().has_value(); }, timeout_ms);
}

std::int64_t only_run_id(const std::filesystem::path& db) {
  const auto runs = adsim::store::ResultStore::open(db, adsim::store::ResultStore::Mode::kReadOnly).read_runs();
  return runs.size() == 1 ? runs.front().run_id : -1;
}

std::string dump(const std::filesystem::path& db) {
  const std::int64_t id = only_run_id(db);
  if (id < 0) return "<not exactly one run in " + db.string() + ">";
  return adsim::store::ResultStore::open(db, adsim::store::ResultStore::Mode::kReadOnly).dump_run_rows(id);
}

}  // namespace

class GuiRunnerTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void full_speed_run_equals_headless_run() {
    const scenarios::Scenario s = scenarios::load_scenario_file(kQuickstart);
    const core::RunSummary headless = scenarios::build_marketplace(s)->run();

    SimulationRunner runner(s, RunnerOptions{});
    runner.start();
    RunData data;
    QVERIFY(drain_to_end(runner, data));
    QVERIFY(!data.error());
    QCOMPARE(runner.state(), RunnerState::kFinished);
    const core::RunSummary& gui = data.outcome()->summary;
    QVERIFY(!data.outcome()->aborted);
    QVERIFY(!gui.interrupted);
    QCOMPARE(gui.totals.requests, headless.totals.requests);
    QCOMPARE(gui.totals.impressions, headless.totals.impressions);
    QCOMPARE(gui.totals.clicks, headless.totals.clicks);
    QCOMPARE(gui.totals.revenue.micros, headless.totals.revenue.micros);
    QCOMPARE(gui.events, headless.events);
    // The drained intervals add up to the summary: nothing lost between the threads.
    QCOMPARE(data.points().size(), intervals_of(s));
    QCOMPARE(data.totals().requests, gui.totals.requests);
    QCOMPARE(data.totals().revenue.micros, gui.totals.revenue.micros);
    QVERIFY(data.auctions_seen() > 0);
    QVERIFY(static_cast<double>(data.auctions_seen()) >
            0.5 * s.run.auction_log_rate * static_cast<double>(gui.totals.requests));
    QCOMPARE(data.auctions_dropped(), std::uint64_t{0});
    QCOMPARE(data.info().daily_budgets.size(), static_cast<std::size_t>(s.world.campaigns));
  }

  void group_snapshots_every_interval_end_on_the_summary() {
    // Manual / tCPA / tROAS bidders, here with CPC, CPM and CPA billing, over half a day.
    const std::vector<std::string> overrides = {"run.days=0.5", "world.cpm_share=0.3", "world.cpa_share=0.3"};
    const scenarios::Scenario s =
        scenarios::apply_overrides(scenarios::load_scenario_file(ADSIM_SOURCE_DIR "/scenarios/lesson_auto_bidding.toml"), overrides);
    SimulationRunner runner(s, RunnerOptions{});
    runner.start();
    RunData data;
    QVERIFY(drain_to_end(runner, data));
    QVERIFY(!data.error());
    const core::RunSummary& summary = data.outcome()->summary;
    const auto& history = data.group_history();
    // One live snapshot after each snapshot boundary before the end, taken within one slice of it,
    // and the final summary's groups last.
    QCOMPARE(history.size(), intervals_of(s));
    for (std::size_t i = 0; i + 1 < history.size(); ++i) {
      const core::SimTime boundary = static_cast<core::SimTime>(i + 1) * s.run.snapshot_interval;
      QVERIFY(history[i].at >= boundary);
      QVERIFY(history[i].at <= boundary + SimulationRunner::kFullSpeedSlice);
      QVERIFY(!history[i].groups.empty());
    }
    QCOMPARE(history.back().at, summary.simulated);
    const std::vector<core::StrategyGroup> expected = summary.strategy_groups();
    QCOMPARE(history.back().groups.size(), expected.size());
    QVERIFY(expected.size() >= 6);
    for (std::size_t g = 0; g < expected.size(); ++g) {
      QCOMPARE(history.back().groups[g].spend.micros, expected[g].spend.micros);
      QCOMPARE(history.back().groups[g].conversions, expected[g].conversions);
      QCOMPARE(history.back().groups[g].auto_bid_violation, expected[g].auto_bid_violation);
    }
    QCOMPARE(history.back().auto_bid.campaigns, summary.auto_bid.campaigns);
    // Cumulative figures never go down from one snapshot to the next.
    for (std::size_t i = 1; i < history.size(); ++i)
      for (const core::StrategyGroup& g : history[i].groups)
        for (const core::StrategyGroup& before : history[i - 1].groups)
          if (before.pacer == g.pacer && before.bidding == g.bidding && before.billing == g.billing) {
            QVERIFY(g.spend >= before.spend);
            QVERIFY(g.conversions >= before.conversions);
          }
    // Taking them does not change the run.
    const core::RunSummary headless = scenarios::build_marketplace(s)->run();
    QCOMPARE(summary.totals.revenue.micros, headless.totals.revenue.micros);
    QCOMPARE(summary.totals.conversions, headless.totals.conversions);
    QCOMPARE(summary.events, headless.events);
  }

  void paused_runner_steps_one_snapshot_interval_at_a_time() {
    const scenarios::Scenario s = scenarios::load_scenario_file(kQuickstart);
    const core::SimTime interval = s.run.snapshot_interval;
    RunnerOptions options;
    options.start_paused = true;
    SimulationRunner runner(s, options);
    runner.start();
    RunData data;
    QVERIFY(drain_until(runner, data, [&] { return runner.state() == RunnerState::kPaused && data.has_info(); }));
    QThread::msleep(100);
    data.apply(runner.drain());
    QCOMPARE(data.points().size(), std::size_t{0});
    QCOMPARE(data.progress().now, core::SimTime{0});

    runner.step();
    QVERIFY(drain_until(runner, data, [&] {
      return data.points().size() == 1 && runner.state() == RunnerState::kPaused && data.progress().now == interval;
    }));
    QThread::msleep(150);  // paused: nothing moves on its own
    data.apply(runner.drain());
    QCOMPARE(data.points().size(), std::size_t{1});
    QCOMPARE(data.progress().now, interval);
    QCOMPARE(data.points()[0].end, interval);

    runner.step();
    runner.step();
    QVERIFY(drain_until(runner, data, [&] {
      return data.points().size() == 3 && runner.state() == RunnerState::kPaused && data.progress().now == 3 * interval;
    }));

    runner.resume();
    QVERIFY(drain_to_end(runner, data));
    QCOMPARE(data.points().size(), intervals_of(s));
    QVERIFY(!data.outcome()->summary.interrupted);
  }

  void paced_run_follows_the_wall_clock_and_pause_stops_it() {
    const scenarios::Scenario s = scenarios::load_scenario_file(kQuickstart);
    RunnerOptions options;
    options.speed = 3600.0;  // one simulated hour per wall second
    SimulationRunner runner(s, options);
    QElapsedTimer wall;
    wall.start();
    runner.start();
    RunData data;
    QVERIFY(drain_until(runner, data, [&] { return data.progress().now >= 10 * core::kMinute; }, 20'000));
    QThread::msleep(300);
    data.apply(runner.drain());
    const double elapsed = static_cast<double>(wall.elapsed()) / 1000.0;
    // Never ahead of the clock (one slice of slack), and not stuck.
    QVERIFY2(core::to_seconds(data.progress().now) <= 3600.0 * elapsed + 60.0,
             qPrintable(QStringLiteral("simulated %1 s after %2 s wall").arg(core::to_seconds(data.progress().now)).arg(elapsed)));
    QVERIFY(data.progress().now < horizon_of(s));

    runner.pause();
    QVERIFY(drain_until(runner, data, [&] { return runner.state() == RunnerState::kPaused; }));
    data.apply(runner.drain());
    const core::SimTime paused_at = data.progress().now;
    QThread::msleep(300);
    data.apply(runner.drain());
    QCOMPARE(data.progress().now, paused_at);

    runner.set_speed(0.0);
    runner.resume();
    QVERIFY(drain_to_end(runner, data));
    QCOMPARE(data.outcome()->summary.simulated, horizon_of(s));
  }

  void abort_finishes_the_run_as_interrupted_and_keeps_its_rows() {
    QTemporaryDir dir;
    const std::filesystem::path db = dir.filePath(QStringLiteral("abort.sqlite")).toStdString();
    const scenarios::Scenario s = scenarios::load_scenario_file(kQuickstart);
    RunnerOptions options;
    options.speed = 7200.0;
    options.results_db = db;
    SimulationRunner runner(s, options);
    runner.start();
    RunData data;
    QVERIFY(drain_until(runner, data, [&] { return data.points().size() >= 2; }, 20'000));
    runner.abort();
    QVERIFY(drain_to_end(runner, data));
    QVERIFY(!data.error());
    QVERIFY(data.outcome()->aborted);
    QVERIFY(data.outcome()->summary.interrupted);
    QCOMPARE(data.totals().requests, data.outcome()->summary.totals.requests);
    const auto store = adsim::store::ResultStore::open(db, adsim::store::ResultStore::Mode::kReadOnly);
    const auto runs = store.read_runs();
    QCOMPARE(runs.size(), std::size_t{1});
    QCOMPARE(runs[0].status, adsim::store::RunStatus::kInterrupted);
    QCOMPARE(store.read_intervals(runs[0].run_id).size(), data.points().size());
    QCOMPARE(runs[0].totals.requests, data.outcome()->summary.totals.requests);
  }

  void gui_runner_writes_the_same_rows_as_the_cli_however_it_is_sliced() {
    QTemporaryDir dir;
    const std::filesystem::path cli_db = dir.filePath(QStringLiteral("cli.sqlite")).toStdString();
    const std::filesystem::path gui_db = dir.filePath(QStringLiteral("gui.sqlite")).toStdString();
    const std::filesystem::path stepped_db = dir.filePath(QStringLiteral("stepped.sqlite")).toStdString();
    std::ostringstream out, err;
    QCOMPARE(adsim::cli::run_cli({"run", kQuickstart, "--db", cli_db.string(), "--quiet"}, out, err), 0);

    const scenarios::Scenario s = scenarios::load_scenario_file(kQuickstart);
    {
      RunnerOptions options;
      options.results_db = gui_db;
      SimulationRunner runner(s, options);
      runner.start();
      RunData data;
      QVERIFY(drain_to_end(runner, data));
      QVERIFY(data.outcome()->result_run_id > 0);
    }
    {
      // Paused, stepped, paced, resumed at full speed: the kernel must not notice.
      RunnerOptions options;
      options.results_db = stepped_db;
      options.start_paused = true;
      SimulationRunner runner(s, options);
      runner.start();
      RunData data;
      runner.step();
      runner.step();
      QVERIFY(drain_until(runner, data, [&] { return data.points().size() == 2 && runner.state() == RunnerState::kPaused; }));
      runner.set_speed(20'000.0);
      runner.resume();
      QVERIFY(drain_until(runner, data, [&] { return data.points().size() >= 5; }));
      runner.pause();
      QThread::msleep(50);
      runner.step();
      runner.set_speed(0.0);
      runner.resume();
      QVERIFY(drain_to_end(runner, data));
    }
    const std::string cli_rows = dump(cli_db);
    QVERIFY(cli_rows.size() > 10'000);
    QCOMPARE(dump(gui_db), cli_rows);
    QCOMPARE(dump(stepped_db), cli_rows);
  }

  void two_runners_side_by_side_do_not_disturb_each_other() {
    const scenarios::Scenario a = scenarios::load_scenario_file(kQuickstart);
    const std::vector<std::string> variant = {"auction.reserve=0.3"};
    const scenarios::Scenario b = scenarios::apply_overrides(a, variant);
    const core::RunSummary ha = scenarios::build_marketplace(a)->run();
    const core::RunSummary hb = scenarios::build_marketplace(b)->run();
    SimulationRunner ra(a, RunnerOptions{}), rb(b, RunnerOptions{});
    ra.start();
    rb.start();
    RunData da, db;
    QVERIFY(drain_to_end(ra, da));
    QVERIFY(drain_to_end(rb, db));
    QCOMPARE(da.outcome()->summary.totals.revenue.micros, ha.totals.revenue.micros);
    QCOMPARE(db.outcome()->summary.totals.revenue.micros, hb.totals.revenue.micros);
    QVERIFY(ha.totals.revenue.micros != hb.totals.revenue.micros);
  }

  void destroying_a_running_runner_stops_it_promptly() {
    const scenarios::Scenario s = scenarios::load_scenario_file(kQuickstart);
    RunnerOptions options;
    options.speed = 60.0;  // a day would take 24 minutes
    auto runner = std::make_unique<SimulationRunner>(s, options);
    runner->start();
    RunData data;
    QVERIFY(drain_until(*runner, data, [&] { return runner->state() == RunnerState::kRunning; }));
    QElapsedTimer t;
    t.start();
    runner.reset();
    QVERIFY2(t.elapsed() < 2000, qPrintable(QStringLiteral("took %1 ms").arg(t.elapsed())));
  }
};

QTEST_GUILESS_MAIN(GuiRunnerTest)
#include "gui_runner_test.moc"

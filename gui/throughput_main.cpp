// Requests per second of a scenario run through the GUI's runner at full speed, with a live main
// window draining snapshots at 20 Hz, against a headless Marketplace::run() of the same scenario.
//
//   adsim_gui_throughput [SCENARIO.toml]     (default: the bundled quickstart)
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>

#include <QApplication>
#include <QElapsedTimer>
#include <QThread>

#include "core/marketplace.hpp"
#include "gui/main_window.hpp"
#include "gui/run_data.hpp"
#include "scenarios/factory.hpp"
#include "scenarios/scenario_loader.hpp"

namespace {
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  const std::string path = argc > 1 ? argv[1] : ADSIM_SCENARIO_DIR "/quickstart.toml";
  adsim::scenarios::Scenario scenario;
  try {
    scenario = adsim::scenarios::load_scenario_file(path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }

  // 1. Headless, as `adsim run` runs it (world generation not timed).
  double headless_rate = 0;
  std::uint64_t headless_requests = 0;
  {
    auto market = adsim::scenarios::build_marketplace(scenario);
    const auto t0 = std::chrono::steady_clock::now();
    const adsim::core::RunSummary summary = market->run();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    headless_requests = summary.totals.requests;
    headless_rate = static_cast<double>(summary.totals.requests) / wall;
    std::printf("headless: %llu requests in %.3f s = %.0f requests/s\n",
                static_cast<unsigned long long>(summary.totals.requests), wall, headless_rate);
  }

  // 2. Through the GUI: the main window shown, charts live, the runner at full speed.
  adsim::gui::MainWindow window;
  window.resize(1600, 1000);
  window.show();
  if (!window.open_scenario_file(QString::fromStdString(path))) return 2;
  window.set_speed_index(static_cast<int>(adsim::gui::MainWindow::speed_presets().size()) - 1);
  QElapsedTimer total;
  total.start();
  const double ui_cpu_before = thread_cpu_seconds();
  window.run();
  while (!window.all_ended()) {
    QApplication::processEvents(QEventLoop::AllEvents, 20);
    QThread::msleep(1);
  }
  const double ui_cpu = thread_cpu_seconds() - ui_cpu_before;
  const adsim::gui::RunData* data = window.run_data(0);
  if (!data || !data->outcome()) {
    std::fprintf(stderr, "the GUI run failed: %s\n", data && data->error() ? data->error()->c_str() : "?");
    return 1;
  }
  const auto& outcome = *data->outcome();
  const double gui_rate = static_cast<double>(outcome.summary.totals.requests) / outcome.run_wall_seconds;
  std::printf("gui:      %llu requests in %.3f s = %.0f requests/s (world build + run: %.3f s wall; %zu intervals charted)\n",
              static_cast<unsigned long long>(outcome.summary.totals.requests), outcome.run_wall_seconds, gui_rate,
              static_cast<double>(total.elapsed()) / 1000.0, data->points().size());
  std::printf("ui thread: %.3f s CPU while the run took %.3f s wall (%.1f %% of one core)\n", ui_cpu,
              static_cast<double>(total.elapsed()) / 1000.0, 100.0 * ui_cpu / (static_cast<double>(total.elapsed()) / 1000.0));
  std::printf("gui / headless = %.3f%s\n", gui_rate / headless_rate,
              outcome.summary.totals.requests == headless_requests ? "" : "  (WARNING: request counts differ)");
  return 0;
}

#pragma once
#include <array>
#include <memory>
#include <optional>
#include <vector>

#include <QElapsedTimer>
#include <QMainWindow>
#include <QMessageBox>
#include <QPointer>

#include "gui/classroom_run.hpp"
#include "gui/run_data.hpp"
#include "gui/scenario_catalog.hpp"
#include "gui/simulation_runner.hpp"
#include "scenarios/scenario.hpp"

class QAction;
class QComboBox;
class QLabel;

class QProgressBar;
class QTabWidget;
class QSplitter;
class QTextBrowser;
class QTimer;

namespace adsim::gui {

class AuctionInspector;
class ChartPanel;
class ComparePanel;
class StudyPanel;
class ParameterPanel;

// The adsim-gui main window: scenario picker and parameter panel on the left; live charts, the
// auction inspector and the A/B comparison on the right; Run / Pause / Step / Reset and the speed
// in the toolbar; simulated time and requests/s in the status bar.
//
// Runs happen on SimulationRunner worker threads. A 50 ms timer (20 Hz) drains their snapshot
// queues into the charts; the UI never calls into a running marketplace and never waits for one.
class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  static constexpr int kDrainIntervalMs = 50;          // 20 Hz
  static constexpr int kDistributionIntervalMs = 250;  // histograms and tables: 4 Hz

  struct SpeedPreset {
    QString label;
    double simulated_seconds_per_wall_second;  // 0: as fast as possible
  };
  static const std::vector<SpeedPreset>& speed_presets();
  static constexpr int kDefaultSpeedIndex = 3;  // 2 h of simulated time per wall second

  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Scenario. A file that does not load shows the loader's file:line:column message (the same as
  // `adsim check`) in a dialog and leaves the current scenario and knobs as they were.
  bool open_scenario_file(const QString& path);
  bool select_bundled(const QString& id);
  const std::optional<scenarios::Scenario>& loaded_scenario() const { return loaded_; }

  // Controls (the toolbar's actions call these).
  void run();
  void pause();
  void step();
  void reset();
  bool start_compare();
  void set_speed_index(int index);
  int speed_index() const;
  // Where runs are recorded (SQLite, the CLI's schema); empty: not recorded.
  void set_results_db(const QString& path);
  const QString& results_db() const { return results_db_; }

  // State.
  int tracks() const { return track_count_; }
  bool is_comparing() const { return track_count_ == 2; }
  // The state of run A (kIdle when no run was started since the last reset).
  RunnerState state() const;
  // Every started run has ended and its last batch has been drained.
  bool all_ended() const;
  const RunData* run_data(int track) const;
  QString status_text() const;

  ChartPanel* charts() const { return charts_; }
  ParameterPanel* parameters() const { return parameters_; }
  AuctionInspector* inspector() const { return inspector_; }
  ComparePanel* compare_panel() const { return compare_; }
  QComboBox* scenario_picker() const { return picker_; }
  QTabWidget* tabs() const { return tabs_; }
  // The error dialog shown last, while it is open.
  QMessageBox* error_dialog() const { return error_dialog_; }

  // Drains the runners now instead of waiting for the timer (tests).
  void drain();
  // Exports every chart as PNG into `folder`; returns the files written.
  QStringList export_all_charts(const QString& folder);

  StudyPanel* study_panel() const { return study_; }
  // Runs being written to the results file after they ended (see recorders_).
  int pending_recordings() const { return static_cast<int>(recorders_.size()); }
  // Help ▸ Scenario reference: the generated Markdown reference in a dialog; returns its view.
  QTextBrowser* show_reference();

 protected:
  void closeEvent(class QCloseEvent* event) override;
  void resizeEvent(class QResizeEvent* event) override;

 private:
  void build_ui();
  // The window at 1600 x 1000, or smaller to fit the screen it opens on.
  void fit_to_screen();
  // The knobs take about a quarter of the width (320-440 px), so the charts keep three columns.
  void fit_knobs_width();
  void build_actions();
  void populate_picker();
  void on_picker_changed(int index);
  void set_scenario(scenarios::Scenario scenario);
  void show_scenario_text();
  bool start_runs(std::vector<scenarios::Scenario> variants, const QStringList& labels, bool paused);
  // An auction-only scenario ([auction_only] enabled): run off the GUI thread, its results shown in
  // a window (objectName "classroomResult") as `adsim run` prints them.
  void run_classroom(const scenarios::Scenario& scenario);
  void show_classroom_result(const QString& text, const QString& error, qint64 run_id);
  void retire_runners();
  void update_controls();
  void update_status();
  void show_error(const QString& title, const QString& text);
  // A message in the status bar beside the clock, cleared after timeout_ms (0: kept).
  void notify(const QString& message, int timeout_ms = 0);
  bool run_in_progress() const;
  // Asks before `action` (Quit, Reset) stops a run in progress; true when there is none.
  bool confirm_stop(const QString& action);
  void refresh_distributions();
  bool distributions_visible() const;
  void choose_results_db();
  // Starts recording the tracks' finished, unrecorded runs into the results file.
  void record_finished_runs();
  void reap_recorders();
  void save_scenario_as();
  void export_charts_dialog();

  // Scenario state.
  std::vector<BundledScenario> bundled_;
  std::optional<scenarios::Scenario> loaded_;
  QString results_db_;

  // Runs.
  std::array<std::unique_ptr<SimulationRunner>, 2> runners_;
  std::unique_ptr<ClassroomRun> classroom_;  // the last auction-only run; joined when replaced
  std::array<std::unique_ptr<RunData>, 2> data_;
  std::vector<std::unique_ptr<SimulationRunner>> retired_;  // aborted, joined once they end
  // Finished runs recorded after the fact (File ▸ Save results to… chosen once they had ended):
  // the same scenario and seed simulated again, headless, into the file: the simulation is
  // deterministic, so the rows are the ones the run would have written.
  std::vector<std::unique_ptr<SimulationRunner>> recorders_;
  std::array<bool, 2> recorded_{};  // the track's run is in a results file (or being written)
  int track_count_ = 0;
  bool dirty_distributions_ = false;
  QElapsedTimer since_distributions_;

  // Widgets.
  QComboBox* picker_ = nullptr;
  QTextBrowser* scenario_text_ = nullptr;
  QSplitter* split_ = nullptr;
  bool split_moved_ = false;  // the user moved the divider: the knobs keep the width they chose
  ParameterPanel* parameters_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  ChartPanel* charts_ = nullptr;
  AuctionInspector* inspector_ = nullptr;
  ComparePanel* compare_ = nullptr;
  QComboBox* speed_ = nullptr;
  QLabel* state_label_ = nullptr;
  QLabel* clock_label_ = nullptr;
  QLabel* rate_label_ = nullptr;
  QLabel* db_label_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QAction* run_action_ = nullptr;
  QAction* pause_action_ = nullptr;
  QAction* step_action_ = nullptr;
  QAction* reset_action_ = nullptr;
  QAction* compare_action_ = nullptr;
  QTimer* drain_timer_ = nullptr;
  QLabel* message_label_ = nullptr;
  StudyPanel* study_ = nullptr;
  QTimer* message_timer_ = nullptr;
  QPointer<QMessageBox> error_dialog_;
};

}  // namespace adsim::gui

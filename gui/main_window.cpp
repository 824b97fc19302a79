#include "gui/main_window.hpp"
#include "gui/study_panel.hpp"

#include <algorithm>
#include <fstream>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QResizeEvent>
#include <QGuiApplication>
#include <QScreen>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QRegularExpression>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include "gui/auction_inspector.hpp"
#include "gui/chart_panel.hpp"
#include "gui/compare_panel.hpp"
#include "gui/formatting.hpp"
#include "gui/parameter_panel.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/scenario_schema.hpp"

namespace adsim::gui {

const std::vector<MainWindow::SpeedPreset>& MainWindow::speed_presets() {
  static const std::vector<SpeedPreset> presets = {
      {QObject::tr("1 min / s"), 60.0},         {QObject::tr("10 min / s"), 600.0},
      {QObject::tr("1 h / s"), 3600.0},         {QObject::tr("2 h / s"), 7200.0},
      {QObject::tr("6 h / s"), 21600.0},        {QObject::tr("1 day / s"), 86400.0},
      {QObject::tr("as fast as possible"), 0.0},
  };
  return presets;
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  build_ui();
  build_actions();
  drain_timer_ = new QTimer(this);
  drain_timer_->setInterval(kDrainIntervalMs);
  connect(drain_timer_, &QTimer::timeout, this, &MainWindow::drain);
  drain_timer_->start();
  since_distributions_.start();
  populate_picker();
  if (!select_bundled(QStringLiteral("quickstart")) && picker_->count() > 0) on_picker_changed(0);
  update_controls();
  update_status();
}

MainWindow::~MainWindow() {
  if (classroom_) classroom_->stop();
  for (auto& r : runners_)
    if (r) r->abort();
  for (auto& r : retired_) r->abort();
  for (auto& r : recorders_) r->abort();  // recorded as interrupted: the file says it did not finish
  // The runners' destructors join their workers, each within one slice.
}

// ---------------------------------------------------------------------------------------------
// Layout

void MainWindow::build_ui() {
  setWindowTitle(tr("adsim — ads marketplace simulator"));

  // Left: scenario and knobs.
  auto* left = new QWidget;
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(6, 6, 6, 6);
  auto* picker_row = new QHBoxLayout;
  picker_ = new QComboBox;
  picker_->setObjectName(QStringLiteral("scenarioPicker"));
  picker_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  picker_->setMinimumContentsLength(16);
  auto* open = new QPushButton(tr("Open…"));
  open->setObjectName(QStringLiteral("openScenario"));
  open->setToolTip(tr("Open a scenario file (.toml)"));
  picker_row->addWidget(new QLabel(tr("<b>Scenario</b>")));
  picker_row->addWidget(picker_, 1);
  picker_row->addWidget(open);
  left_layout->addLayout(picker_row);
  scenario_text_ = new QTextBrowser;
  scenario_text_->setObjectName(QStringLiteral("scenarioText"));
  scenario_text_->setOpenExternalLinks(false);
  scenario_text_->setMaximumHeight(190);
  left_layout->addWidget(scenario_text_);
  parameters_ = new ParameterPanel;
  auto* scroll = new QScrollArea;
  scroll->setWidget(parameters_);
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  left_layout->addWidget(scroll, 1);
  connect(open, &QPushButton::clicked, this, [this] {
    const QString file = QFileDialog::getOpenFileName(this, tr("Open scenario"), QString::fromStdString(bundled_scenario_dir().string()),
                                                      tr("Scenario files (*.toml);;All files (*)"));
    if (!file.isEmpty()) open_scenario_file(file);
  });
  connect(picker_, &QComboBox::currentIndexChanged, this, &MainWindow::on_picker_changed);
  connect(parameters_, &ParameterPanel::changed, this, &MainWindow::update_controls);

  // Right: charts, inspector, comparison.
  tabs_ = new QTabWidget;
  tabs_->setObjectName(QStringLiteral("mainTabs"));
  charts_ = new ChartPanel;
  inspector_ = new AuctionInspector;
  compare_ = new ComparePanel;
  tabs_->addTab(charts_, tr("Live charts"));
  tabs_->addTab(inspector_, tr("Auction inspector"));
  tabs_->addTab(compare_, tr("Compare A/B && summary"));
  study_ = new StudyPanel;
  study_->set_sources([this] { return parameters_->effective(); }, [this] { return results_db_; });
  tabs_->addTab(study_, tr("Study"));
  connect(compare_, &ComparePanel::compare_requested, this, [this] { start_compare(); });
  auto catch_up = [this] {
    if (dirty_distributions_ && distributions_visible()) refresh_distributions();
  };
  connect(tabs_, &QTabWidget::currentChanged, this, catch_up);
  connect(charts_->pages(), &QTabWidget::currentChanged, this, catch_up);

  split_ = new QSplitter(Qt::Horizontal);
  split_->addWidget(left);
  split_->addWidget(tabs_);
  split_->setStretchFactor(0, 0);
  split_->setStretchFactor(1, 1);
  setCentralWidget(split_);
  connect(split_, &QSplitter::splitterMoved, this, [this] { split_moved_ = true; });
  fit_to_screen();

  // Status bar.
  state_label_ = new QLabel;
  state_label_->setObjectName(QStringLiteral("stateLabel"));
  clock_label_ = new QLabel;
  clock_label_->setObjectName(QStringLiteral("clockLabel"));
  rate_label_ = new QLabel;
  rate_label_->setObjectName(QStringLiteral("rateLabel"));
  db_label_ = new QLabel;
  progress_ = new QProgressBar;
  progress_->setRange(0, 1000);
  progress_->setMaximumWidth(180);
  progress_->setTextVisible(false);
  statusBar()->addWidget(state_label_);
  statusBar()->addWidget(clock_label_);
  statusBar()->addWidget(progress_);
  statusBar()->addWidget(rate_label_);
  // Messages ("results saved to …") get a place of their own: QStatusBar::showMessage would cover
  // the state and the clock while it shows.
  message_label_ = new QLabel;
  message_label_->setObjectName(QStringLiteral("messageLabel"));
  statusBar()->addWidget(message_label_, 1);
  message_timer_ = new QTimer(this);
  message_timer_->setSingleShot(true);
  connect(message_timer_, &QTimer::timeout, message_label_, &QLabel::clear);
  statusBar()->addPermanentWidget(db_label_);
  set_results_db({});
}

void MainWindow::build_actions() {
  QStyle* s = style();
  run_action_ = new QAction(s->standardIcon(QStyle::SP_MediaPlay), tr("Run"), this);
  run_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  run_action_->setToolTip(tr("Run the scenario with the knobs as set (or resume a paused run)"));
  pause_action_ = new QAction(s->standardIcon(QStyle::SP_MediaPause), tr("Pause"), this);
  pause_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
  step_action_ = new QAction(s->standardIcon(QStyle::SP_MediaSkipForward), tr("Step"), this);
  step_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
  step_action_->setToolTip(tr("Advance one snapshot interval (run.snapshot_minutes), then pause"));
  reset_action_ = new QAction(s->standardIcon(QStyle::SP_BrowserReload), tr("Reset"), this);
  reset_action_->setToolTip(tr("Stop the run and clear the charts"));
  compare_action_ = new QAction(tr("Compare A/B"), this);
  compare_action_->setToolTip(tr("Run the knobs as set (A) against A plus the variant overrides (B), same seed"));
  connect(run_action_, &QAction::triggered, this, &MainWindow::run);
  connect(pause_action_, &QAction::triggered, this, &MainWindow::pause);
  connect(step_action_, &QAction::triggered, this, &MainWindow::step);
  connect(reset_action_, &QAction::triggered, this, [this] {
    if (confirm_stop(tr("Reset"))) reset();
  });
  connect(compare_action_, &QAction::triggered, this, [this] {
    tabs_->setCurrentWidget(compare_);
    start_compare();
  });

  auto* bar = addToolBar(tr("Run"));
  bar->setObjectName(QStringLiteral("runToolbar"));
  bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  bar->setMovable(false);
  bar->addAction(run_action_);
  bar->addAction(pause_action_);
  bar->addAction(step_action_);
  bar->addAction(reset_action_);
  bar->addSeparator();
  bar->addWidget(new QLabel(tr(" Speed (simulated time per wall second): ")));
  speed_ = new QComboBox;
  speed_->setObjectName(QStringLiteral("speed"));
  for (const SpeedPreset& p : speed_presets()) speed_->addItem(p.label);
  speed_->setCurrentIndex(kDefaultSpeedIndex);
  connect(speed_, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (i < 0) return;
    const double v = speed_presets()[static_cast<std::size_t>(i)].simulated_seconds_per_wall_second;
    for (auto& r : runners_)
      if (r) r->set_speed(v);
  });
  bar->addWidget(speed_);
  bar->addSeparator();
  bar->addAction(compare_action_);

  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open scenario…"), this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, tr("Open scenario"), QString::fromStdString(bundled_scenario_dir().string()),
                                                   tr("Scenario files (*.toml);;All files (*)"));
    if (!f.isEmpty()) open_scenario_file(f);
  });
  open->setShortcut(QKeySequence::Open);
  file->addAction(tr("Save scenario &as…"), this, &MainWindow::save_scenario_as);
  file->addSeparator();
  file->addAction(tr("Save &results to…"), this, &MainWindow::choose_results_db);
  file->addAction(tr("Stop saving results"), this, [this] { set_results_db({}); });
  file->addSeparator();
  file->addAction(tr("&Export all charts as PNG…"), this, &MainWindow::export_charts_dialog);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);
  QMenu* runm = menuBar()->addMenu(tr("&Run"));
  runm->addAction(run_action_);
  runm->addAction(pause_action_);
  runm->addAction(step_action_);
  runm->addAction(reset_action_);
  runm->addSeparator();
  runm->addAction(compare_action_);
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("Scenario &reference"), this, &MainWindow::show_reference);
  help->addAction(tr("&About adsim-gui"), this, [this] {
    QMessageBox::about(this, tr("About adsim-gui"),
                       tr("adsim %1 — an ads auction and ranking simulator.\n\nThe desktop app runs scenarios on a "
                          "worker thread and shows the marketplace live. See docs/gui.md.")
                           .arg(QStringLiteral(ADSIM_VERSION)));
  });
}

// ---------------------------------------------------------------------------------------------
// Scenarios

void MainWindow::populate_picker() {
  const QSignalBlocker block(picker_);
  picker_->clear();
  bundled_ = bundled_scenarios();
  for (const BundledScenario& b : bundled_) {
    picker_->addItem(QString::fromStdString(b.id), QString::fromStdString(b.path.string()));
    const int i = picker_->count() - 1;
    picker_->setItemData(i, QString::fromStdString(b.load_error.empty() ? b.description : b.load_error), Qt::ToolTipRole);
  }
}

bool MainWindow::select_bundled(const QString& id) {
  const int index = picker_->findText(id);
  if (index < 0) return false;
  if (picker_->currentIndex() == index) {
    on_picker_changed(index);
  } else {
    picker_->setCurrentIndex(index);  // loads through on_picker_changed
  }
  return loaded_.has_value() && picker_->currentIndex() == index;
}

void MainWindow::on_picker_changed(int index) {
  if (index < 0) return;
  const QString path = picker_->itemData(index).toString();
  try {
    set_scenario(scenarios::load_scenario_file(path.toStdString()));
  } catch (const scenarios::ScenarioError& e) {
    show_error(tr("Cannot load scenario"), QString::fromStdString(e.what()));
    // Nothing is lost: the picker goes back to the scenario that is still loaded.
    const QSignalBlocker block(picker_);
    if (loaded_) picker_->setCurrentIndex(picker_->findData(QString::fromStdString(loaded_->source_path)));
  }
}

bool MainWindow::open_scenario_file(const QString& path) {
  scenarios::Scenario s;
  try {
    s = scenarios::load_scenario_file(path.toStdString());
  } catch (const scenarios::ScenarioError& e) {
    show_error(tr("Cannot load scenario"), QString::fromStdString(e.what()));
    return false;
  }
  {
    const QSignalBlocker block(picker_);
    int index = picker_->findData(path);
    if (index < 0) {
      picker_->addItem(QFileInfo(path).fileName() + tr(" (file)"), path);
      index = picker_->count() - 1;
      picker_->setItemData(index, path, Qt::ToolTipRole);
    }
    picker_->setCurrentIndex(index);
  }
  set_scenario(std::move(s));
  return true;
}

void MainWindow::set_scenario(scenarios::Scenario scenario) {
  reset();
  loaded_ = std::move(scenario);
  parameters_->set_base(*loaded_);
  setWindowTitle(tr("adsim — %1").arg(QString::fromStdString(loaded_->name)));
  show_scenario_text();
  charts_->reset({QString::fromStdString(loaded_->name)});
  update_controls();
}

void MainWindow::show_scenario_text() {
  if (!loaded_) return;
  const auto esc = [](const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); };
  QString html = QStringLiteral("<h3 style='margin:0'>%1</h3><p>%2</p>").arg(esc(loaded_->name), esc(loaded_->description));
  if (!loaded_->lesson.empty())
    html += QStringLiteral("<p><b>%1</b> %2</p>").arg(tr("Lesson."), esc(loaded_->lesson));
  html += QStringLiteral("<p style='color:gray'><small>%1</small></p>").arg(esc(loaded_->source_path));
  scenario_text_->setHtml(html);
}

// ---------------------------------------------------------------------------------------------
// Runs

bool MainWindow::start_runs(std::vector<scenarios::Scenario> variants, const QStringList& labels, bool paused) {
  retire_runners();
  track_count_ = static_cast<int>(variants.size());
  charts_->reset(labels);
  inspector_->reset(labels);
  compare_->clear_metrics();
  std::vector<const RunData*> views;
  for (int t = 0; t < track_count_; ++t) {
    data_[static_cast<std::size_t>(t)] = std::make_unique<RunData>();
    views.push_back(data_[static_cast<std::size_t>(t)].get());
  }
  inspector_->set_runs(views);
  RunnerOptions options;
  options.speed = speed_presets()[static_cast<std::size_t>(speed_index())].simulated_seconds_per_wall_second;
  options.start_paused = paused;
  options.results_db = results_db_.toStdString();
  for (int t = 0; t < track_count_; ++t) {
    recorded_[static_cast<std::size_t>(t)] = !results_db_.isEmpty();
    auto& r = runners_[static_cast<std::size_t>(t)];
    r = std::make_unique<SimulationRunner>(std::move(variants[static_cast<std::size_t>(t)]), options);
    r->start();
  }
  dirty_distributions_ = false;
  update_controls();
  update_status();
  return true;
}

void MainWindow::retire_runners() {
  for (auto& r : runners_) {
    if (!r) continue;
    r->abort();
    retired_.push_back(std::move(r));
  }
  for (auto& d : data_) d.reset();
  track_count_ = 0;
}

void MainWindow::run() {
  bool active = false;
  for (auto& r : runners_)
    if (r && !r->ended()) active = true;
  if (active) {
    for (auto& r : runners_)
      if (r) r->resume();
    update_controls();
    return;
  }
  const auto& effective = parameters_->effective();
  if (!effective) {
    show_error(tr("Invalid knobs"), parameters_->problems());
    return;
  }
  if (effective->auction_only.enabled) return run_classroom(*effective);
  start_runs({*effective}, {QString::fromStdString(effective->name)}, false);
}

void MainWindow::run_classroom(const scenarios::Scenario& scenario) {
  if (classroom_ && classroom_->running()) {
    notify(tr("Classroom rounds are still running"), 5000);
    return;
  }
  classroom_ = std::make_unique<ClassroomRun>(scenario, results_db_.toStdString());
  connect(classroom_.get(), &ClassroomRun::finished, this, &MainWindow::show_classroom_result);
  notify(tr("Running %1's auction-only rounds…").arg(QString::fromStdString(scenario.name)));
  classroom_->start();
}

void MainWindow::show_classroom_result(const QString& text, const QString& error, qint64 run_id) {
  if (!error.isEmpty()) {
    notify({});
    show_error(tr("Classroom run failed"), error);
    return;
  }
  auto* dialog = new QDialog(this);
  dialog->setObjectName(QStringLiteral("classroomResult"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setWindowTitle(tr("%1: auction-only rounds").arg(QString::fromStdString(classroom_->scenario().name)));
  auto* layout = new QVBoxLayout(dialog);
  auto* view = new QPlainTextEdit(text, dialog);
  view->setObjectName(QStringLiteral("classroomText"));
  view->setReadOnly(true);
  view->setLineWrapMode(QPlainTextEdit::NoWrap);
  view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  layout->addWidget(view);
  QString note = tr("A classroom scenario: bidders and auctions only, no users or simulated clock. "
                    "docs/classroom.md says what each bundled one reproduces.");
  if (run_id > 0)
    note += tr(" Saved to %1 (run %2): adsim report %1 --run %2 draws its figures.").arg(results_db_).arg(run_id);
  auto* label = new QLabel(note, dialog);
  label->setWordWrap(true);
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(label);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
  connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
  layout->addWidget(buttons);
  dialog->resize(980, 560);
  dialog->show();
  notify(tr("%1's auction-only rounds finished").arg(QString::fromStdString(classroom_->scenario().name)), 10000);
}

void MainWindow::pause() {
  for (auto& r : runners_)
    if (r) r->pause();
  update_controls();
}

void MainWindow::step() {
  bool active = false;
  for (auto& r : runners_)
    if (r && !r->ended()) active = true;
  if (!active) {
    const auto& effective = parameters_->effective();
    if (!effective) {
      show_error(tr("Invalid knobs"), parameters_->problems());
      return;
    }
    if (effective->auction_only.enabled) return run_classroom(*effective);  // nothing to step through
    start_runs({*effective}, {QString::fromStdString(effective->name)}, true);
  }
  for (auto& r : runners_)
    if (r) r->step();
  update_controls();
}

void MainWindow::reset() {
  retire_runners();
  const QString label = loaded_ ? QString::fromStdString(loaded_->name) : tr("run");
  charts_->reset({label});
  inspector_->reset({label});
  compare_->clear_metrics();
  update_controls();
  update_status();
}

bool MainWindow::start_compare() {
  const auto& a = parameters_->effective();
  if (!a) {
    compare_->set_status(tr("The knobs are invalid:\n") + parameters_->problems(), true);
    return false;
  }
  if (a->auction_only.enabled) {
    compare_->set_status(tr("%1 is a classroom (auction-only) scenario: it has no live run to compare side by side. "
                            "Run each variant with Run, or compare them over many seeds in the Study tab "
                            "(or adsim compare).")
                             .arg(QString::fromStdString(a->name)),
                         true);
    return false;
  }
  const std::vector<std::string> variant = compare_->variant_overrides();
  scenarios::Scenario b;
  try {
    b = scenarios::apply_overrides(*a, variant);
  } catch (const scenarios::ScenarioError& e) {
    compare_->set_status(tr("Variant B is invalid:\n") + QString::fromStdString(e.what()), true);
    return false;
  }
  if (b.run.seed != a->run.seed) {
    compare_->set_status(tr("Variant B must keep the seed of A (%1): a comparison runs both with the same seed.")
                             .arg(a->run.seed),
                         true);
    return false;
  }
  QString summary;
  for (const std::string& o : variant) summary += (summary.isEmpty() ? QString() : QStringLiteral(", ")) + QString::fromStdString(o);
  compare_->set_status(tr("A: %1 (seed %2).  B: A with %3.\nOne seed (%2) for both: a quick look, not a conclusion "
                          "(revenue moves several percent between seeds). The Study tab runs many seeds with "
                          "95 % intervals.")
                           .arg(QString::fromStdString(a->name))
                           .arg(a->run.seed)
                           .arg(summary.isEmpty() ? tr("no change") : summary));
  start_runs({*a, b}, {QStringLiteral("A"), QStringLiteral("B")}, false);
  return true;
}

void MainWindow::set_speed_index(int index) { speed_->setCurrentIndex(index); }

int MainWindow::speed_index() const { return std::max(0, speed_->currentIndex()); }

void MainWindow::set_results_db(const QString& path) {
  results_db_ = path;
  db_label_->setText(path.isEmpty() ? tr("results not saved (File ▸ Save results to…)")
                                    : tr("results → %1").arg(QFileInfo(path).fileName()));
  db_label_->setToolTip(path);
  if (!path.isEmpty()) record_finished_runs();
}

void MainWindow::record_finished_runs() {
  for (int t = 0; t < track_count_; ++t) {
    const auto i = static_cast<std::size_t>(t);
    const auto& runner = runners_[i];
    const RunData* run = data_[i].get();
    if (recorded_[i] || !runner || !runner->ended() || !run || !run->outcome()) continue;
    // A run stopped early cannot be written as it was (where it stopped depended on the wall
    // clock); the status bar says so rather than write a different run.
    if (run->outcome()->aborted || run->outcome()->summary.interrupted) {
      notify(tr("The last run was stopped before its end and is not saved; the next run will be."),
                               10000);
      continue;
    }
    RunnerOptions options;
    options.results_db = results_db_.toStdString();
    auto recorder = std::make_unique<SimulationRunner>(runner->scenario(), options);
    recorder->start();
    recorders_.push_back(std::move(recorder));
    recorded_[i] = true;
  }
  if (!recorders_.empty())
    notify(tr("Writing the finished run to %1 (simulating it again, headless: same seed, same rows)…")
                                 .arg(QFileInfo(results_db_).fileName()));
}

void MainWindow::reap_recorders() {
  for (auto it = recorders_.begin(); it != recorders_.end();) {
    RunnerBatch batch = (*it)->drain();  // nothing is shown of it; draining keeps memory flat
    if (batch.error) show_error(tr("Saving the finished run failed"), QString::fromStdString(*batch.error));
    if (batch.outcome && batch.outcome->result_run_id > 0)
      notify(
          tr("The finished run was saved to %1 (run %2)").arg(results_db_).arg(batch.outcome->result_run_id), 10000);
    if ((*it)->ended() && !batch.outcome && !batch.error) {
      it = recorders_.erase(it);
    } else {
      ++it;
    }
  }
}

RunnerState MainWindow::state() const { return runners_[0] ? runners_[0]->state() : RunnerState::kIdle; }

bool MainWindow::all_ended() const {
  if (track_count_ == 0) return false;
  for (int t = 0; t < track_count_; ++t) {
    const auto& r = runners_[static_cast<std::size_t>(t)];
    const auto& d = data_[static_cast<std::size_t>(t)];
    if (!r || !r->ended() || !d || (!d->outcome() && !d->error())) return false;
  }
  return true;
}

const RunData* MainWindow::run_data(int track) const {
  return track >= 0 && track < 2 ? data_[static_cast<std::size_t>(track)].get() : nullptr;
}

void MainWindow::drain() {
  bool ended_now = false;
  for (int t = 0; t < track_count_; ++t) {
    auto& runner = runners_[static_cast<std::size_t>(t)];
    RunData* run = data_[static_cast<std::size_t>(t)].get();
    if (!runner || !run) continue;
    RunnerBatch batch = runner->drain();
    if (batch.empty()) continue;
    const std::size_t before = run->points().size();
    const RunData::Delta delta = run->apply(std::move(batch));
    charts_->update_track(t, *run, delta);
    if (delta.new_auctions > 0) inspector_->add(t, *run, delta.new_auctions);
    if (delta.new_auctions > 0 || run->points().size() > before || delta.groups_changed || delta.ended)
      dirty_distributions_ = true;
    if (delta.ended) {
      ended_now = true;
      if (run->error()) {
        show_error(tr("Run failed"), QString::fromStdString(*run->error()));
      } else if (run->outcome() && run->outcome()->result_run_id > 0) {
        notify(tr("Results saved to %1 (run %2)").arg(results_db_).arg(run->outcome()->result_run_id), 10000);
      }
    }
  }
  // Histograms and tables are redrawn a few times a second, and only while someone can see them:
  // hidden ones catch up when shown, and everything is brought up to date when a run ends.
  if (dirty_distributions_ &&
      (ended_now || (since_distributions_.elapsed() >= kDistributionIntervalMs && distributions_visible())))
    refresh_distributions();
  reap_recorders();
  // Runners stopped by Reset are joined once they have wound down, without waiting for them here.
  retired_.erase(std::remove_if(retired_.begin(), retired_.end(),
                                [](const std::unique_ptr<SimulationRunner>& r) { return r->ended() || !r->started(); }),
                 retired_.end());
  update_status();
  update_controls();
}

bool MainWindow::distributions_visible() const {
  if (tabs_->currentWidget() == compare_ || tabs_->currentWidget() == inspector_) return tabs_->currentWidget() == compare_;
  return charts_->pages()->currentIndex() != 0;  // the first page has time series only
}

void MainWindow::refresh_distributions() {
  std::vector<const RunData*> runs;
  for (int t = 0; t < track_count_; ++t) runs.push_back(data_[static_cast<std::size_t>(t)].get());
  charts_->refresh_distributions(runs);
  compare_->show_metrics(run_data(0), track_count_ > 1 ? run_data(1) : nullptr);
  dirty_distributions_ = false;
  since_distributions_.restart();
}

void MainWindow::update_controls() {
  const bool valid = parameters_->effective().has_value();
  bool active = false, all_paused = true;
  for (int t = 0; t < track_count_; ++t) {
    const auto& r = runners_[static_cast<std::size_t>(t)];
    if (!r || r->ended()) continue;
    active = true;
    if (r->state() != RunnerState::kPaused) all_paused = false;
  }
  run_action_->setEnabled(active ? all_paused : valid);
  run_action_->setText(active && all_paused ? tr("Resume") : tr("Run"));
  pause_action_->setEnabled(active && !all_paused);
  step_action_->setEnabled(active || valid);
  reset_action_->setEnabled(track_count_ > 0);
  compare_action_->setEnabled(valid);
  compare_->run_button()->setEnabled(valid);
}

QString MainWindow::status_text() const {
  return state_label_->text() + QStringLiteral(" | ") + clock_label_->text() + QStringLiteral(" | ") + rate_label_->text() +
         QStringLiteral(" | ") + message_label_->text();
}

void MainWindow::notify(const QString& message, int timeout_ms) {
  message_label_->setText(message);
  if (timeout_ms > 0) message_timer_->start(timeout_ms);
  else message_timer_->stop();
}

bool MainWindow::run_in_progress() const {
  for (const auto& r : runners_)
    if (r && r->started() && !r->ended()) return true;
  return false;
}

bool MainWindow::confirm_stop(const QString& action) {
  if (!run_in_progress()) return true;
  return QMessageBox::question(this, action, tr("A run is in progress. %1 stops it; what it simulated so far is kept "
                                                "in the results file, if one is set, as an interrupted run.")
                                                 .arg(action),
                               QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) == QMessageBox::Yes;
}

void MainWindow::update_status() {
  if (track_count_ == 0) {
    state_label_->setText(tr("idle"));
    clock_label_->setText(tr("simulated %1").arg(sim_clock(0)));
    rate_label_->setText(QString());
    progress_->setValue(0);
    return;
  }
  QStringList states, rates;
  for (int t = 0; t < track_count_; ++t) {
    const auto& r = runners_[static_cast<std::size_t>(t)];
    const RunData* d = run_data(t);
    if (!r || !d) continue;
    QString state = QString::fromLatin1(to_string(r->state()));
    if (d->outcome() && d->outcome()->aborted) state = tr("stopped");
    const QString prefix = track_count_ > 1 ? (t == 0 ? QStringLiteral("A ") : QStringLiteral("B ")) : QString();
    states << prefix + state;
    // A paused run has no rate (a Step is a burst, not a speed); a finished one shows its average.
    if (d->requests_per_second() > 0 && r->state() != RunnerState::kPaused)
      rates << prefix + tr("%1 requests/s").arg(format_count(static_cast<std::uint64_t>(d->requests_per_second())));
  }
  state_label_->setText(states.join(QStringLiteral(", ")));
  const RunData* a = run_data(0);
  if (a && a->has_info()) {
    const ProgressSample& p = a->progress();
    const core::SimTime end = p.end > 0 ? p.end : a->info().horizon;
    clock_label_->setText(tr("simulated %1 of %2").arg(sim_clock(p.now), sim_duration(end)));
    progress_->setValue(end > 0 ? static_cast<int>(1000.0 * static_cast<double>(p.now) / static_cast<double>(end)) : 0);
  } else {
    clock_label_->setText(tr("building the world…"));
    progress_->setValue(0);
  }
  rate_label_->setText(rates.join(QStringLiteral(", ")));
}

void MainWindow::show_error(const QString& title, const QString& text) {
  if (error_dialog_) error_dialog_->close();
  auto* box = new QMessageBox(QMessageBox::Critical, title, text, QMessageBox::Ok, this);
  box->setObjectName(QStringLiteral("errorDialog"));
  box->setTextFormat(Qt::PlainText);
  box->setTextInteractionFlags(Qt::TextSelectableByMouse);
  box->setAttribute(Qt::WA_DeleteOnClose);
  error_dialog_ = box;
  box->open();  // window-modal, returns at once: the simulation and the timer keep going
}

// ---------------------------------------------------------------------------------------------
// Files

void MainWindow::choose_results_db() {
  const QString file = QFileDialog::getSaveFileName(this, tr("Save results to (SQLite, appended)"), results_db_,
                                                    tr("SQLite databases (*.sqlite *.db);;All files (*)"), nullptr,
                                                    QFileDialog::DontConfirmOverwrite);
  if (!file.isEmpty()) set_results_db(file);
}

void MainWindow::save_scenario_as() {
  const auto& effective = parameters_->effective();
  if (!effective) {
    show_error(tr("Invalid knobs"), parameters_->problems());
    return;
  }
  const QString file = QFileDialog::getSaveFileName(this, tr("Save scenario as"), QString(), tr("Scenario files (*.toml)"));
  if (file.isEmpty()) return;
  std::ofstream out(file.toStdString());
  out << scenarios::render_scenario_toml(*effective);
  if (!out) show_error(tr("Cannot save scenario"), tr("Could not write %1").arg(file));
}

QStringList MainWindow::export_all_charts(const QString& folder) {
  refresh_distributions();
  return charts_->export_all(folder);
}

void MainWindow::export_charts_dialog() {
  const QString folder = QFileDialog::getExistingDirectory(this, tr("Export all charts to"));
  if (folder.isEmpty()) return;
  const QStringList files = export_all_charts(folder);
  notify(tr("%n chart(s) written to %1", nullptr, static_cast<int>(files.size())).arg(folder), 10000);
}

QTextBrowser* MainWindow::show_reference() {
  auto* dialog = new QDialog(this);
  dialog->setWindowTitle(tr("Scenario reference"));
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  auto* text = new QTextBrowser(dialog);
  // The generated file starts with an HTML comment (how to regenerate it); Qt's Markdown importer
  // treats the text after an HTML block as HTML and drops the prose, so it goes first.
  QString markdown = QString::fromStdString(scenarios::scenario_reference_markdown());
  markdown.remove(QRegularExpression(QStringLiteral("<!--.*?-->\\n*"), QRegularExpression::DotMatchesEverythingOption));
  text->setMarkdown(markdown);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
  connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
  auto* layout = new QVBoxLayout(dialog);
  layout->addWidget(text);
  layout->addWidget(buttons);
  dialog->resize(1000, 700);
  dialog->show();
  return text;
}

void MainWindow::fit_to_screen() {
  QSize size(1600, 1000);
  if (const QScreen* s = screen() ? screen() : QGuiApplication::primaryScreen()) {
    // Leave room for the window frame and the desktop's panels.
    const QRect free = s->availableGeometry();
    size = size.boundedTo(QSize(free.width() * 96 / 100, free.height() * 92 / 100));
  }
  resize(size.expandedTo(minimumSizeHint()));
  fit_knobs_width();
}

void MainWindow::fit_knobs_width() {
  if (!split_ || split_moved_) return;
  const int knobs = std::clamp(width() * 27 / 100, 320, 440);
  split_->setSizes({knobs, std::max(0, width() - knobs)});
}

void MainWindow::resizeEvent(QResizeEvent* event) {
  QMainWindow::resizeEvent(event);
  fit_knobs_width();
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!confirm_stop(tr("Quit"))) {
    event->ignore();
    return;
  }
  for (auto& r : runners_)
    if (r) r->abort();
  event->accept();
}

}  // namespace adsim::gui

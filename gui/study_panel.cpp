#include "gui/study_panel.hpp"

#include <algorithm>
#include <cmath>

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QVBoxLayout>

#include "charts/render.hpp"
#include "charts/report.hpp"
#include "charts/style.hpp"
#include "experiments/analysis.hpp"
#include "experiments/metrics.hpp"
#include "store/result_store.hpp"

namespace adsim::gui {

// ---------------------------------------------------------------------------------------------
// StudyJob

StudyJob::StudyJob(experiments::Study study, std::string database, std::size_t jobs)
    : study_(std::move(study)), database_(std::move(database)) {
  thread_ = std::thread([this, jobs] { work(jobs); });
}

StudyJob::~StudyJob() {
  stop();
  if (thread_.joinable()) thread_.join();
}

experiments::StudyProgress StudyJob::progress() const {
  std::lock_guard lock(mutex_);
  return progress_;
}

std::optional<std::string> StudyJob::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

// What `adsim sweep --db` does: run the plan on a thread pool, then store the statistics.
void StudyJob::work(std::size_t jobs) {
  try {
    store::ResultStore store = store::ResultStore::open(database_);
    const std::size_t cells = study_.variants.size() * study_.seeds.size();
    auto executor = experiments::make_thread_executor(study_, std::max<std::size_t>(1, std::min(jobs, cells)), &stop_);
    experiments::StudyRunOptions options;
    options.stop = &stop_;
    options.on_progress = [this](const experiments::StudyProgress& p, bool) {
      std::lock_guard lock(mutex_);
      progress_ = p;
    };
    const experiments::StudyRun run = experiments::run_study(study_, store, *executor, options);
    executor.reset();
    const experiments::StudyResults results = experiments::analyze(store, run.experiment.experiment_id, study_.seeds);
    store.write_experiment_results(run.experiment.experiment_id, experiments::summary_rows(results),
                                   experiments::comparison_rows(results));
    if (!run.failures.empty()) {
      std::lock_guard lock(mutex_);
      error_ = std::to_string(run.failures.size()) + " run(s) failed, e.g. " + run.failures.front();
    }
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    error_ = e.what();
  }
  finished_.store(true);
}

// ---------------------------------------------------------------------------------------------
// StudyPanel

namespace {

void fill_table(QTableWidget* w, const charts::Table* t) {
  w->clear();
  w->setRowCount(0);
  if (!t) {
    w->setColumnCount(0);
    return;
  }
  w->setColumnCount(static_cast<int>(t->header.size()));
  QStringList header;
  for (const std::string& h : t->header) header << QString::fromStdString(h);
  w->setHorizontalHeaderLabels(header);
  w->setRowCount(static_cast<int>(t->rows.size()));
  for (int r = 0; r < static_cast<int>(t->rows.size()); ++r)
    for (int c = 0; c < static_cast<int>(t->rows[static_cast<std::size_t>(r)].size()); ++c) {
      const charts::Cell& cell = t->rows[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
      auto* item = new QTableWidgetItem(QString::fromStdString(cell.text));
      if (cell.numeric) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (cell.tone == "good") item->setForeground(charts::kGood);
      if (cell.tone == "bad") item->setForeground(charts::kBad);
      w->setItem(r, c, item);
    }
  w->resizeColumnsToContents();
}

const charts::Table* find_table(const charts::Document& doc, const std::string& caption_start) {
  for (const charts::Section& s : doc.sections)
    for (const charts::Table& t : s.tables)
      if (t.caption.rfind(caption_start, 0) == 0) return &t;
  return nullptr;
}

QTableWidget* make_table(const QString& name) {
  auto* t = new QTableWidget;
  t->setObjectName(name);
  t->verticalHeader()->setVisible(false);
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->horizontalHeader()->setStretchLastSection(true);
  return t;
}

}  // namespace

StudyPanel::StudyPanel(QWidget* parent) : QWidget(parent) {
  auto* intro = new QLabel(
      tr("<b>A study</b> runs every combination of the factors below, each with every seed, on all cores, and "
         "shows each metric against the factors with 95 % confidence intervals, as <code>adsim sweep</code> does "
         "(the same engine and the same rows in the results file). The scenario is the knobs as set."),
      this);
  intro->setWordWrap(true);
  factors_ = new QPlainTextEdit(this);
  factors_->setObjectName(QStringLiteral("studyFactors"));
  factors_->setPlaceholderText(QStringLiteral("auction.reserve=0,0.1,0.2\nauction.mechanism=gsp,vcg"));
  factors_->setPlainText(QStringLiteral("auction.reserve=0,0.5,1"));
  factors_->setMaximumHeight(80);
  factors_->setToolTip(tr("One factor a line: KEY=V1,V2,... as adsim sweep --vary takes it"));
  seeds_ = new QLineEdit(QStringLiteral("5"), this);
  seeds_->setObjectName(QStringLiteral("studySeeds"));
  seeds_->setToolTip(tr("A count (10), a range (5-14) or a list (1,5,9), as adsim sweep --seeds takes it"));
  baseline_ = new QLineEdit(this);
  baseline_->setObjectName(QStringLiteral("studyBaseline"));
  baseline_->setPlaceholderText(tr("none, a variant (e.g. reserve=0), or scenario"));
  baseline_->setToolTip(tr("Compare every variant with this one, paired by seed (differences, intervals, p-values), "
                           "as adsim sweep --baseline; \"scenario\" adds the knobs' scenario as written"));
  jobs_ = new QSpinBox(this);
  jobs_->setObjectName(QStringLiteral("studyJobs"));
  jobs_->setRange(1, 256);
  jobs_->setValue(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  run_ = new QPushButton(tr("Run study"), this);
  run_->setObjectName(QStringLiteral("runStudy"));
  stop_ = new QPushButton(tr("Stop"), this);
  stop_->setEnabled(false);
  progress_ = new QProgressBar(this);
  progress_->setRange(0, 1);
  progress_->setValue(0);
  status_ = new QLabel(this);
  status_->setObjectName(QStringLiteral("studyStatus"));
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  metric_ = new QComboBox(this);
  metric_->setObjectName(QStringLiteral("studyMetric"));
  for (const experiments::MetricDef& m : experiments::study_metrics())
    if (m.marketplace) metric_->addItem(QString::fromStdString(m.label + " (" + m.unit + ")"), QString::fromStdString(m.name));
  chart_ = new QChartView(this);
  chart_->setObjectName(QStringLiteral("studyChart"));
  chart_->setRenderHint(QPainter::Antialiasing);
  chart_->setMinimumSize(300, 220);
  table_ = make_table(QStringLiteral("studyTable"));
  differences_ = make_table(QStringLiteral("studyDifferences"));
  differences_->hide();

  auto* form = new QFormLayout;
  form->addRow(tr("Factors"), factors_);
  auto* row = new QHBoxLayout;
  row->addWidget(seeds_, 1);
  row->addWidget(new QLabel(tr("threads"), this));
  row->addWidget(jobs_);
  row->addWidget(run_);
  row->addWidget(stop_);
  form->addRow(tr("Seeds"), row);
  form->addRow(tr("Baseline"), baseline_);
  auto* show = new QHBoxLayout;
  show->addWidget(new QLabel(tr("Show"), this));
  show->addWidget(metric_, 1);
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(chart_);
  differences_->setToolTip(tr("Each variant minus the baseline, paired by seed; green: better at Holm-adjusted "
                              "p < 0.05 by the metric's good direction, red: worse"));
  auto* tables = new QSplitter(Qt::Horizontal, split);
  tables->addWidget(table_);
  tables->addWidget(differences_);
  split->addWidget(tables);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(intro);
  layout->addLayout(form);
  layout->addWidget(progress_);
  layout->addWidget(status_);
  layout->addLayout(show);
  layout->addWidget(split, 1);

  timer_ = new QTimer(this);
  timer_->setInterval(250);
  connect(timer_, &QTimer::timeout, this, &StudyPanel::poll);
  connect(run_, &QPushButton::clicked, this, [this] { start(); });
  connect(stop_, &QPushButton::clicked, this, &StudyPanel::stop);
  connect(metric_, &QComboBox::currentIndexChanged, this, &StudyPanel::refresh);
}

StudyPanel::~StudyPanel() = default;

QString StudyPanel::database() const { return job_ ? QString::fromStdString(job_->database()) : QString(); }

void StudyPanel::set_status(const QString& text, bool error) {
  status_->setStyleSheet(error ? QStringLiteral("color: #c0392b;") : QString());
  status_->setText(text);
}

bool StudyPanel::start() {
  if (running()) return false;
  const std::optional<scenarios::Scenario> base = base_ ? base_() : std::nullopt;
  if (!base) {
    set_status(tr("The knobs do not make a valid scenario; fix them first."), true);
    return false;
  }
  experiments::StudyArgs args;
  for (QString line : factors_->toPlainText().split(QLatin1Char('\n'))) {
    line = line.trimmed();
    if (!line.isEmpty() && !line.startsWith(QLatin1Char('#'))) args.vary.push_back(line.toStdString());
  }
  args.seeds = seeds_->text().trimmed().toStdString();
  args.baseline = baseline_->text().trimmed().toStdString();
  args.name = "app study";
  if (args.vary.empty() && !base->experiment.present) {
    set_status(tr("Give at least one factor: KEY=V1,V2,..."), true);
    return false;
  }
  experiments::Study study;
  try {
    study = experiments::make_study(experiments::StudyKind::kSweep, *base, args);
  } catch (const experiments::StudyError& e) {
    set_status(QString::fromStdString(e.what()), true);
    return false;
  }
  QString db = results_db_ ? results_db_() : QString();
  if (db.isEmpty()) {
    if (!temp_) temp_ = std::make_unique<QTemporaryDir>();
    db = temp_->filePath(QStringLiteral("studies.sqlite"));
  }
  job_.reset();  // a finished one
  job_ = std::make_unique<StudyJob>(std::move(study), db.toStdString(), static_cast<std::size_t>(jobs_->value()));
  shown_done_ = static_cast<std::size_t>(-1);
  progress_->setRange(0, static_cast<int>(job_->study().variants.size() * job_->study().seeds.size()));
  progress_->setValue(0);
  set_status(tr("Starting %1 variants × %2 seeds; results in %3")
                 .arg(job_->study().variants.size())
                 .arg(job_->study().seeds.size())
                 .arg(db));
  run_->setEnabled(false);
  stop_->setEnabled(true);
  timer_->start();
  return true;
}

void StudyPanel::stop() {
  if (job_) job_->stop();
}

void StudyPanel::poll() {
  if (!job_) return;
  const experiments::StudyProgress p = job_->progress();
  const bool finished = job_->finished();
  progress_->setValue(static_cast<int>(p.already + p.done));
  if (p.done != shown_done_ || finished) {
    shown_done_ = p.done;
    QString line = tr("%1 of %2 runs").arg(p.already + p.done).arg(p.total);
    if (p.already) line += tr(" (%1 already in the file)").arg(p.already);
    if (p.failed) line += tr(", %1 failed").arg(p.failed);
    if (p.runs_per_minute > 0) line += tr(", %1 runs/min").arg(p.runs_per_minute, 0, 'f', 1);
    if (!finished && p.eta_seconds >= 0) line += tr(", about %1 s left").arg(std::ceil(p.eta_seconds));
    if (finished) line += tr(" — done. Results in %1.").arg(database());
    const auto error = job_->error();
    set_status(error ? line + QStringLiteral("\n") + QString::fromStdString(*error) : line, error.has_value());
    refresh();
  }
  if (finished) {
    timer_->stop();
    run_->setEnabled(true);
    stop_->setEnabled(false);
  }
}

void StudyPanel::refresh() {
  if (!job_) return;
  try {
    const store::ResultStore results =
        store::ResultStore::open(job_->database(), store::ResultStore::Mode::kReadOnly);
    const std::string definition = experiments::definition_text(job_->study());
    std::int64_t id = 0;
    for (const store::ExperimentRow& e : results.read_experiments())
      if (e.definition == definition) id = e.experiment_id;
    if (id == 0) return;  // the coordinator has not created it yet
    const std::string metric = metric_->currentData().toString().toStdString();
    const charts::Document doc = charts::study_document(results, id, {metric});
    // The first figure of the metric against a factor (or by variant).
    const charts::Figure* figure = nullptr;
    for (const charts::Section& s : doc.sections)
      for (const charts::Figure& f : s.figures)
        if (!figure && f.id.find("_by_") != std::string::npos) figure = &f;
    if (figure) {
      QChart* old = chart_->chart();
      chart_->setChart(charts::build_chart(*figure).release());
      delete old;
    }
    fill_table(table_, find_table(doc, "Mean [95 % interval]"));
    const charts::Table* diffs = find_table(doc, "Paired differences");
    fill_table(differences_, diffs);
    differences_->setVisible(diffs != nullptr);  // a sweep without a baseline has none
  } catch (const std::exception&) {
    // No completed run yet (or the file is busy for a moment): the next poll tries again.
  }
}

}  // namespace adsim::gui

#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <QString>
#include <QWidget>

#include "experiments/runner.hpp"
#include "experiments/study.hpp"

class QChartView;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTemporaryDir;
class QTimer;

namespace adsim::gui {

// A study run from the app on a pool of threads, with the experiments engine that `adsim sweep`
// uses: the same plan, the same rows in the results file. The coordinator runs on a thread of its
// own; the panel polls its progress and, as runs finish, redraws the chosen metric against the
// factors with 95 % bands and the per-variant and paired-difference tables, from the file.
class StudyJob {
 public:
  StudyJob(experiments::Study study, std::string database, std::size_t jobs);
  ~StudyJob();  // stops the study and joins
  StudyJob(const StudyJob&) = delete;
  StudyJob& operator=(const StudyJob&) = delete;

  void stop() { stop_.store(true); }
  bool finished() const { return finished_.load(); }
  experiments::StudyProgress progress() const;
  std::optional<std::string> error() const;
  const experiments::Study& study() const { return study_; }
  const std::string& database() const { return database_; }

 private:
  void work(std::size_t jobs);

  const experiments::Study study_;
  const std::string database_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  mutable std::mutex mutex_;
  experiments::StudyProgress progress_;
  std::optional<std::string> error_;
  std::thread thread_;
};

class StudyPanel : public QWidget {
  Q_OBJECT
 public:
  explicit StudyPanel(QWidget* parent = nullptr);
  ~StudyPanel() override;

  // Where the study's scenario (the knobs as set) and the results file come from when it starts
  // (an empty file name: a temporary file that lives as long as the app).
  void set_sources(std::function<std::optional<scenarios::Scenario>()> base, std::function<QString()> results_db) {
    base_ = std::move(base);
    results_db_ = std::move(results_db);
  }

  // Starts the study the fields describe; false (with the problem shown) when they describe none.
  bool start();
  void stop();
  bool running() const { return job_ && !job_->finished(); }
  bool finished() const { return job_ && job_->finished(); }
  QString database() const;

  QPlainTextEdit* factors() const { return factors_; }
  QLineEdit* seeds() const { return seeds_; }
  QLineEdit* baseline() const { return baseline_; }
  QSpinBox* jobs() const { return jobs_; }
  QComboBox* metric() const { return metric_; }
  QLabel* status() const { return status_; }
  QChartView* chart() const { return chart_; }
  QTableWidget* table() const { return table_; }
  QTableWidget* differences() const { return differences_; }
  // Redraws from the file now (the timer does it as runs finish).
  void refresh();

 private:
  void poll();
  void set_status(const QString& text, bool error = false);

  std::function<std::optional<scenarios::Scenario>()> base_;
  std::function<QString()> results_db_;
  std::unique_ptr<QTemporaryDir> temp_;
  std::unique_ptr<StudyJob> job_;
  std::size_t shown_done_ = static_cast<std::size_t>(-1);

  QPlainTextEdit* factors_ = nullptr;
  QLineEdit* seeds_ = nullptr;
  QLineEdit* baseline_ = nullptr;
  QSpinBox* jobs_ = nullptr;
  QPushButton* run_ = nullptr;
  QPushButton* stop_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* status_ = nullptr;
  QComboBox* metric_ = nullptr;
  QChartView* chart_ = nullptr;
  QTableWidget* table_ = nullptr;
  QTableWidget* differences_ = nullptr;
  QTimer* timer_ = nullptr;
};

}  // namespace adsim::gui

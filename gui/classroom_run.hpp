#pragma once
#include <atomic>
#include <string>
#include <thread>

#include <QObject>
#include <QString>

#include "scenarios/scenario.hpp"

namespace adsim::gui {

// An auction-only (classroom) scenario, run off the GUI thread. It has no simulated clock to chart
// (the bundled ones take well under a second), so the app shows what `adsim run` prints for it, and
// records it in the results database exactly as the CLI does (scenarios/auction_only_run.hpp).
class ClassroomRun : public QObject {
  Q_OBJECT
 public:
  // results_db empty: not recorded.
  ClassroomRun(scenarios::Scenario scenario, std::string results_db, QObject* parent = nullptr);
  ~ClassroomRun() override;  // stops the run and joins the worker

  void start();
  void stop() { stop_.store(true, std::memory_order_relaxed); }
  bool running() const { return running_.load(std::memory_order_acquire); }
  const scenarios::Scenario& scenario() const { return scenario_; }

 Q_SIGNALS:
  // On the GUI thread: the printed results (empty on error), the error (empty on success) and the
  // results database's run id (0: not recorded).
  void finished(const QString& text, const QString& error, qint64 run_id);

 private:
  void work();

  scenarios::Scenario scenario_;
  std::string results_db_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  std::thread worker_;
};

}  // namespace adsim::gui

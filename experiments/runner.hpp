#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "experiments/study.hpp"
#include "store/result_store.hpp"

// Running a study: the cells of its plan go to workers (threads here, MPI ranks in mpi_runner.hpp),
// each of which runs one simulation single-threaded into a private in-memory store and hands back
// the store's bytes; one coordinator owns the results file and merges each run in one transaction.
// So results do not depend on the number of workers, a kill loses at most the runs in flight, and
// running the study again resumes it.
namespace adsim::experiments {

// One cell's run, as a worker returns it.
struct CellOutcome {
  std::vector<unsigned char> image;  // a database with the one run (ResultStore::image)
  store::RunStatus status = store::RunStatus::kFailed;
  std::string error;          // why it failed
  double run_seconds = 0.0;   // the simulation: building the world and running it
  double store_seconds = 0.0; // writing its rows into memory, computing the metrics, serializing
  // The worker was lost (an MPI rank that stopped answering): no run. The cell is handed out again,
  // once: a cell that loses a second worker is recorded as failed (it may be what kills them).
  bool lost = false;
};

// Runs one cell's scenario: never throws for a failed simulation (the image records it as failed
// with the message). Stops early, recording the run as interrupted, when *stop becomes true.
// `detail`: what is recorded besides the summary, time series and campaign totals.
CellOutcome run_cell(const scenarios::Scenario& scenario, const std::atomic<bool>* stop, const RunDetail& detail = {});

// Where cells run. The coordinator submits at most capacity() cells at a time and collects them.
class CellExecutor {
 public:
  virtual ~CellExecutor() = default;
  virtual std::size_t capacity() const = 0;
  // Starts cell `index` of plan(study) (its scenario is cell_scenario(study, plan[index])).
  virtual void submit(std::size_t index) = 0;
  // The next finished cell, or nothing within `timeout`.
  virtual std::optional<std::pair<std::size_t, CellOutcome>> wait(std::chrono::milliseconds timeout) = 0;
  // What the executor says about itself in progress lines ("4 threads", "3 MPI ranks").
  virtual std::string describe() const = 0;
};

// `jobs` threads, each running one cell at a time.
std::unique_ptr<CellExecutor> make_thread_executor(const Study& study, std::size_t jobs, const std::atomic<bool>* stop);

struct StudyProgress {
  std::size_t total = 0;      // cells in the plan
  std::size_t already = 0;    // completed by an earlier invocation (skipped)
  std::size_t done = 0;       // finished in this invocation, whatever their status
  std::size_t failed = 0;     // of done
  std::size_t interrupted = 0;// of done
  std::size_t in_flight = 0;
  double elapsed_seconds = 0.0;
  double runs_per_minute = 0.0;  // of this invocation
  double eta_seconds = -1.0;     // -1 until a run has finished
  std::string executor;
};

struct StudyRunOptions {
  const std::atomic<bool>* stop = nullptr;  // set by Ctrl-C: dispatch stops, runs in flight stop
  // Called after each finished run and about once a second in between; `final` once at the end.
  std::function<void(const StudyProgress&, bool final)> on_progress;
};

struct StudyRun {
  store::ExperimentRow experiment;
  std::vector<store::VariantRow> variants;  // in the study's order
  StudyProgress progress;
  bool stopped = false;          // by the stop flag: some cells did not run
  std::size_t unstarted = 0;     // cells that did not run because no worker was left (MPI)
  double wall_seconds = 0.0;
  double run_seconds = 0.0;      // sum over runs of CellOutcome::run_seconds
  double worker_store_seconds = 0.0;  // sum of CellOutcome::store_seconds
  double coordinator_seconds = 0.0;   // the coordinator's own work: planning, the file, merging
  std::vector<std::string> failures;  // "variant 'x', seed 3: message"
};

// Runs the cells of `study` not yet completed in `results` (found by the study's definition and
// (variant, seed)), after deleting the rows of those left running, failed or interrupted.
StudyRun run_study(const Study& study, store::ResultStore& results, CellExecutor& executor,
                   const StudyRunOptions& options = {});

// The experiment's definition row for `study` (what ensure_experiment stores).
store::ExperimentRow experiment_row(const Study& study);
std::vector<store::VariantRow> variant_rows(const Study& study);

}  // namespace adsim::experiments

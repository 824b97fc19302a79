#include "experiments/runner.hpp"

#include <new>
#include <condition_variable>
#include <limits>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "experiments/metrics.hpp"
#include "scenarios/auction_only_run.hpp"
#include "scenarios/factory.hpp"

namespace adsim::experiments {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Records the run into `memory`; returns its recorder's run id and status.
// `store_seconds` gets the time spent writing the rows into the store (the recorder's last
// transaction), so that the simulation's own time can be told from the bookkeeping.
std::pair<std::int64_t, store::RunStatus> simulate(store::ResultStore& memory, const scenarios::Scenario& s,
                                                   const std::atomic<bool>* stop, const RunDetail& detail, std::string& error,
                                                   double& store_seconds) {
  std::unique_ptr<store::RunRecorder> recorder;
  store::RecorderOptions options;
  options.auction_log = detail.auction_log;
  options.spend_curves = detail.spend_curves;
  // In memory, every row waits for one transaction at the end: the cheapest way to write them, and
  // it keeps the writing out of the simulation's time (a few tens of MB for a marketplace day).
  options.flush_every = std::numeric_limits<core::SimTime>::max();
  options.max_buffered_rows = std::numeric_limits<std::size_t>::max();
  try {
    if (s.auction_only.enabled) {
      recorder = memory.begin_run(s, s.run.seed, options);
      auto on_block = [&](const scenarios::AuctionOnlyBlockRow& b) { recorder->on_auction_only_block(b); };
      const scenarios::AuctionOnlyRun run = scenarios::run_auction_only_scenario(s, stop, on_block);
      const auto t = Clock::now();
      recorder->finish_auction_only(run.summary, run.record);
      store_seconds = seconds_since(t);
      return {recorder->run_id(), run.interrupted ? store::RunStatus::kInterrupted : store::RunStatus::kCompleted};
    }
    auto market = scenarios::build_marketplace(s);  // a BuildError is recorded as a failed run below
    recorder = memory.begin_run(s, s.run.seed, options);
    market->add_observer(*recorder);
    market->set_stop_token(stop);
    const core::RunSummary summary = market->run();
    const auto t = Clock::now();
    recorder->finish(summary);
    store_seconds = seconds_since(t);
    return {recorder->run_id(), summary.interrupted ? store::RunStatus::kInterrupted : store::RunStatus::kCompleted};
  } catch (const std::exception& e) {
    error = dynamic_cast<const std::bad_alloc*>(&e) != nullptr ? "out of memory" : e.what();
    if (!recorder) recorder = memory.begin_run(s, s.run.seed);
    if (!recorder->finished()) recorder->mark_failed(error);
    return {recorder->run_id(), store::RunStatus::kFailed};
  }
}

class ThreadExecutor final : public CellExecutor {
 public:
  ThreadExecutor(const Study& study, std::size_t jobs, const std::atomic<bool>* stop)
      : study_(study), cells_(plan(study)), stop_(stop) {
    try {
      for (std::size_t i = 0; i < std::max<std::size_t>(1, jobs); ++i) threads_.emplace_back([this] { work(); });
    } catch (...) {  // the system would not start more threads: end those that started
      shut_down();
      throw;
    }
  }
  ~ThreadExecutor() override { shut_down(); }

  std::size_t capacity() const override { return threads_.size(); }

  void submit(std::size_t index) override {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(index);
    }
    tasks_ready_.notify_one();
  }

  std::optional<std::pair<std::size_t, CellOutcome>> wait(std::chrono::milliseconds timeout) override {
    if (stop_ != nullptr && stop_->load()) cancel_.store(true);
    std::unique_lock lock(mutex_);
    if (!results_ready_.wait_for(lock, timeout, [this] { return !results_.empty(); })) return std::nullopt;
    auto out = std::move(results_.front());
    results_.pop_front();
    return out;
  }

  std::string describe() const override { return fmt::format("{} thread{}", threads_.size(), threads_.size() == 1 ? "" : "s"); }

 private:
  void shut_down() {
    {
      std::lock_guard lock(mutex_);
      shutting_down_ = true;
    }
    cancel_.store(true);  // runs still in flight (the coordinator failed) stop as interrupted
    tasks_ready_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  void work() {
    while (true) {
      std::size_t index = 0;
      {
        std::unique_lock lock(mutex_);
        tasks_ready_.wait(lock, [this] { return shutting_down_ || !tasks_.empty(); });
        if (shutting_down_) return;
        index = tasks_.front();
        tasks_.pop_front();
      }
      CellOutcome outcome;
      try {
        outcome = run_cell(cell_scenario(study_, cells_.at(index)), &cancel_, study_.detail);
      } catch (const std::exception& e) {  // the scenario was checked before; this is a bug
        outcome.status = store::RunStatus::kFailed;
        outcome.error = e.what();
      }
      {
        std::lock_guard lock(mutex_);
        results_.emplace_back(index, std::move(outcome));
      }
      results_ready_.notify_one();
    }
  }

  const Study& study_;
  const std::vector<Cell> cells_;
  const std::atomic<bool>* stop_;
  std::atomic<bool> cancel_{false};
  std::mutex mutex_;
  std::condition_variable tasks_ready_, results_ready_;
  std::deque<std::size_t> tasks_;
  std::deque<std::pair<std::size_t, CellOutcome>> results_;
  bool shutting_down_ = false;
  std::vector<std::thread> threads_;
};

// The coordinator's bookkeeping of one invocation.
class Coordinator {
 public:
  Coordinator(const Study& study, store::ResultStore& results, CellExecutor& executor, const StudyRunOptions& options)
      : study_(study), results_(results), executor_(executor), options_(options), cells_(plan(study)) {}

  StudyRun run() {
    const auto start = Clock::now();
    timed([&] { prepare(); });
    out_.progress.executor = executor_.describe();
    while (true) {
      while (!stopping() && in_flight_.size() < executor_.capacity() && next_ < pending_.size()) timed([&] { dispatch(); });
      if (in_flight_.empty()) break;
      if (auto finished = executor_.wait(std::chrono::milliseconds(200))) timed([&] { collect(std::move(*finished)); });
      report(start, false);
    }
    if (next_ < pending_.size()) {
      if (stopping()) {
        out_.stopped = true;
      } else {
        out_.unstarted = pending_.size() - next_;
        out_.failures.push_back(fmt::format("{} of the study's runs did not start: no worker left ({})",
                                            out_.unstarted, executor_.describe()));
      }
    }
    out_.wall_seconds = seconds_since(start);
    report(start, true);
    return std::move(out_);
  }

 private:
  bool stopping() const { return options_.stop != nullptr && options_.stop->load(); }

  template <class F>
  void timed(F&& f) {
    const auto t = Clock::now();
    f();
    out_.coordinator_seconds += seconds_since(t);
  }

  // The experiment's rows, and which cells still need a run.
  void prepare() {
    out_.variants = variant_rows(study_);
    out_.experiment = results_.ensure_experiment(experiment_row(study_), out_.variants, study_.baseline);
    std::map<std::pair<std::int64_t, std::uint64_t>, bool> completed;
    for (const auto& run : results_.read_experiment_runs(out_.experiment.experiment_id)) {
      if (run.status == store::RunStatus::kCompleted) completed[{run.variant_id, run.seed}] = true;
      else results_.delete_run(run.run_id);  // left running, failed or interrupted: run it again
    }
    for (std::size_t i = 0; i < cells_.size(); ++i)
      if (!completed.count({variant_id(i), cells_[i].seed})) pending_.push_back(i);
    out_.progress.total = cells_.size();
    out_.progress.already = cells_.size() - pending_.size();
  }

  std::int64_t variant_id(std::size_t cell) const { return out_.variants[cells_[cell].variant].variant_id; }

  store::RunLink link(std::size_t cell) const {
    return {out_.experiment.experiment_id, variant_id(cell), static_cast<std::int64_t>(cells_[cell].replication) + 1};
  }

  void dispatch() {
    const std::size_t cell = pending_[next_++];
    const scenarios::Scenario scenario = cell_scenario(study_, cells_[cell]);
    in_flight_[cell] = results_.insert_placeholder(scenario, cells_[cell].seed, link(cell));
    executor_.submit(cell);
  }

  void collect(std::pair<std::size_t, CellOutcome> finished) {
    const auto& [cell, outcome] = finished;
    const auto placeholder = in_flight_.at(cell);
    in_flight_.erase(cell);
    if (outcome.lost && ++losses_[cell] < 2) {  // its worker is gone: the cell runs again, next
      spdlog::warn("{}; running variant '{}', seed {} again", outcome.error, study_.variants[cells_[cell].variant].name,
                   cells_[cell].seed);
      results_.delete_run(placeholder);
      pending_.insert(pending_.begin() + static_cast<std::ptrdiff_t>(next_), cell);
      return;
    }
    if (outcome.lost) {  // twice: perhaps the cell itself kills its worker; it is not tried again
      const std::string why = outcome.error + "; a second worker lost while running it: not tried again";
      results_.end_placeholder(placeholder, store::RunStatus::kFailed, why);
      ++out_.progress.done;
      ++out_.progress.failed;
      out_.failures.push_back(fmt::format("variant '{}', seed {}: {}", study_.variants[cells_[cell].variant].name,
                                          cells_[cell].seed, why));
      return;
    }
    out_.run_seconds += outcome.run_seconds;
    out_.worker_store_seconds += outcome.store_seconds;
    ++out_.progress.done;
    if (outcome.image.empty()) {  // the worker could not even record the failure
      results_.delete_run(placeholder);
    } else if (results_.merge_run_image(outcome.image, placeholder, link(cell)) == 0) {
      ++out_.progress.already;  // another process completed this cell meanwhile
      --out_.progress.done;
      return;
    }
    if (outcome.status == store::RunStatus::kFailed) {
      ++out_.progress.failed;
      out_.failures.push_back(fmt::format("variant '{}', seed {}: {}", study_.variants[cells_[cell].variant].name,
                                          cells_[cell].seed, outcome.error));
    } else if (outcome.status == store::RunStatus::kInterrupted) {
      ++out_.progress.interrupted;
    }
  }

  void report(Clock::time_point start, bool final) {
    StudyProgress& p = out_.progress;
    p.in_flight = in_flight_.size();
    p.executor = executor_.describe();
    p.elapsed_seconds = seconds_since(start);
    p.runs_per_minute = p.elapsed_seconds > 0 ? 60.0 * static_cast<double>(p.done) / p.elapsed_seconds : 0.0;
    const std::size_t left = pending_.size() - std::min(pending_.size(), p.done);
    p.eta_seconds = p.done > 0 ? static_cast<double>(left) * p.elapsed_seconds / static_cast<double>(p.done) : -1.0;
    if (options_.on_progress) options_.on_progress(p, final);
  }

  const Study& study_;
  store::ResultStore& results_;
  CellExecutor& executor_;
  const StudyRunOptions& options_;
  const std::vector<Cell> cells_;
  std::vector<std::size_t> pending_;  // indexes into cells_, in plan order
  std::size_t next_ = 0;              // into pending_
  std::map<std::size_t, std::int64_t> in_flight_;  // cell -> placeholder run id
  std::map<std::size_t, int> losses_;              // cell -> workers lost while running it
  StudyRun out_;
};

}  // namespace

CellOutcome run_cell(const scenarios::Scenario& scenario, const std::atomic<bool>* stop, const RunDetail& detail) {
  CellOutcome out;
  const auto start = Clock::now();
  try {
    auto memory = store::ResultStore::open_in_memory();
    double recording = 0.0;
    const auto [run_id, status] = simulate(memory, scenario, stop, detail, out.error, recording);
    out.status = status;
    out.run_seconds = seconds_since(start) - recording;
    const auto bookkeeping = Clock::now();
    if (status == store::RunStatus::kCompleted) {
      const auto run = memory.read_run(run_id);
      const auto campaigns = memory.read_campaign_totals(run_id);
      const auto auction_only = memory.read_auction_only_run(run_id);
      const auto intervals = memory.read_intervals(run_id);
      const RunFacts facts{*run, campaigns, auction_only ? &*auction_only : nullptr, intervals};
      memory.write_run_metrics(run_id, metrics_of(facts));
    }
    out.image = memory.image();
    out.store_seconds = recording + seconds_since(bookkeeping);
  } catch (const std::exception& e) {  // the in-memory store itself failed (out of memory)
    out.status = store::RunStatus::kFailed;
    out.error = e.what();
    out.image.clear();
  }
  return out;
}

std::unique_ptr<CellExecutor> make_thread_executor(const Study& study, std::size_t jobs, const std::atomic<bool>* stop) {
  return std::make_unique<ThreadExecutor>(study, jobs, stop);
}

store::ExperimentRow experiment_row(const Study& study) {
  store::ExperimentRow e;
  e.name = study.name;
  e.kind = study_kind_name(study.kind);
  e.scenario_name = study.base.name;
  e.scenario_path = study.base.source_path;
  e.scenario_text = study.base.source_text;
  e.base_overrides = study.base.overrides;
  e.definition = definition_text(study);
  e.seeds = seeds_text(study.seeds);
  return e;
}

std::vector<store::VariantRow> variant_rows(const Study& study) {
  std::vector<store::VariantRow> out;
  for (const auto& v : study.variants) {
    store::VariantRow row;
    row.name = v.name;
    for (const auto& s : v.settings) row.parameters.push_back({0, 0, s.key, s.value});
    out.push_back(std::move(row));
  }
  return out;
}

StudyRun run_study(const Study& study, store::ResultStore& results, CellExecutor& executor,
                   const StudyRunOptions& options) {
  return Coordinator(study, results, executor, options).run();
}

}  // namespace adsim::experiments

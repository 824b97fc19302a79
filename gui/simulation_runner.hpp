#pragma once
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "gui/snapshot_queue.hpp"
#include "scenarios/scenario.hpp"

namespace adsim::core {
class Marketplace;
}

namespace adsim::gui {

enum class RunnerState {
  kIdle,      // not started
  kBuilding,  // generating the world
  kRunning,
  kPaused,
  kFinished,  // reached the end, or stopped by abort(); the outcome says which
  kFailed,    // could not be built, or the results database failed
};
const char* to_string(RunnerState state);

struct RunnerOptions {
  // Simulated seconds per wall second; <= 0 runs as fast as possible.
  double speed = 0.0;
  // Start paused (Step then advances one snapshot interval at a time).
  bool start_paused = false;
  // When set, the run is recorded in this SQLite file exactly as `adsim run --db` records it.
  std::filesystem::path results_db;
};

// Runs one scenario on a worker thread. The worker owns the Marketplace: it builds it, advances it
// with run_until() in slices, checks the pause/step/abort flags between slices and calls finish()
// at the end. Everything the UI sees goes through the SnapshotQueue; the UI thread never calls into
// the marketplace and never waits for it (except in the destructor, which aborts and joins).
class SimulationRunner {
 public:
  // Wall-clock slice at full speed: one simulated minute, so pause and abort answer within a few
  // milliseconds even at the reference scale.
  static constexpr core::SimTime kFullSpeedSlice = core::kMinute;

  SimulationRunner(scenarios::Scenario scenario, RunnerOptions options);
  ~SimulationRunner();
  SimulationRunner(const SimulationRunner&) = delete;
  SimulationRunner& operator=(const SimulationRunner&) = delete;

  void start();
  void pause();
  void resume();
  // Advances to the next snapshot boundary, then stays paused. Pauses a running run first.
  void step();
  void set_speed(double simulated_seconds_per_wall_second);
  // Stops between two events; the run is finished and recorded as interrupted.
  void abort();
  // Blocks until the worker has ended (tests, the benchmark, shutdown).
  void wait();

  RunnerState state() const { return state_.load(std::memory_order_acquire); }
  bool started() const { return worker_.joinable(); }
  bool ended() const {
    const RunnerState s = state();
    return s == RunnerState::kFinished || s == RunnerState::kFailed;
  }
  const scenarios::Scenario& scenario() const { return scenario_; }
  const RunnerOptions& options() const { return options_; }
  RunnerBatch drain() { return queue_.drain(); }

 private:
  void work();
  void run_loop(core::Marketplace& market);

  const scenarios::Scenario scenario_;
  RunnerOptions options_;
  SnapshotQueue queue_;
  std::atomic<RunnerState> state_{RunnerState::kIdle};
  std::atomic<bool> abort_{false};  // also the marketplace's stop token

  std::mutex mutex_;
  std::condition_variable wake_;
  bool paused_ = false;
  int steps_ = 0;
  double speed_ = 0.0;
  bool speed_changed_ = false;

  std::thread worker_;
};

}  // namespace adsim::gui

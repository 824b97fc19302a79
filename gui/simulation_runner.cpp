#include "gui/simulation_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include "core/marketplace.hpp"
#include "scenarios/factory.hpp"
#include "store/result_store.hpp"

namespace adsim::gui {

const char* to_string(RunnerState state) {
  switch (state) {
    case RunnerState::kIdle: return "idle";
    case RunnerState::kBuilding: return "building the world";
    case RunnerState::kRunning: return "running";
    case RunnerState::kPaused: return "paused";
    case RunnerState::kFinished: return "finished";
    case RunnerState::kFailed: return "failed";
  }
  return "?";
}

SimulationRunner::SimulationRunner(scenarios::Scenario scenario, RunnerOptions options)
    : scenario_(std::move(scenario)), options_(std::move(options)) {
  paused_ = options_.start_paused;
  speed_ = options_.speed;
}

SimulationRunner::~SimulationRunner() {
  abort();
  wait();
}

void SimulationRunner::start() {
  if (worker_.joinable()) return;
  state_.store(RunnerState::kBuilding, std::memory_order_release);
  worker_ = std::thread([this] { work(); });
}

void SimulationRunner::pause() {
  std::lock_guard lock(mutex_);
  paused_ = true;
  wake_.notify_all();
}

void SimulationRunner::resume() {
  std::lock_guard lock(mutex_);
  paused_ = false;
  steps_ = 0;
  wake_.notify_all();
}

void SimulationRunner::step() {
  std::lock_guard lock(mutex_);
  if (!paused_) {
    paused_ = true;  // a step while running first stops at the next slice, then steps from there
  }
  ++steps_;
  wake_.notify_all();
}

void SimulationRunner::set_speed(double simulated_seconds_per_wall_second) {
  std::lock_guard lock(mutex_);
  speed_ = simulated_seconds_per_wall_second;
  speed_changed_ = true;
  wake_.notify_all();
}

void SimulationRunner::abort() {
  std::lock_guard lock(mutex_);
  abort_.store(true, std::memory_order_relaxed);
  wake_.notify_all();
}

void SimulationRunner::wait() {
  if (worker_.joinable()) worker_.join();
}

void SimulationRunner::work() {
  std::optional<adsim::store::ResultStore> store;
  std::unique_ptr<adsim::store::RunRecorder> recorder;
  std::unique_ptr<core::Marketplace> market;
  try {
    try {
      market = scenarios::build_marketplace(scenario_);
    } catch (const scenarios::BuildError& e) {
      // Worded as `adsim run` words it.
      queue_.post_error(scenario_.source_path + ": " + e.what());
      state_.store(RunnerState::kFailed, std::memory_order_release);
      return;
    }
    RunInfo info;
    info.scenario_name = scenario_.name;
    info.seed = scenario_.run.seed;
    info.horizon = market->horizon();
    info.snapshot_interval = scenario_.run.snapshot_interval;
    info.users = market->world().users.size();
    info.daily_budgets.reserve(market->world().campaigns.size());
    for (const core::Campaign& c : market->world().campaigns) info.daily_budgets.push_back(c.daily_budget);
    info.mechanism = scenario_.auction.mechanism;
    info.reserve = scenario_.auction.reserve;
    info.auction_log_rate = scenario_.run.auction_log_rate;
    queue_.post_info(std::move(info));

    // Recorded exactly as cli/cli_app.cpp records a run: same store calls, on the simulating thread.
    if (!options_.results_db.empty()) {
      store.emplace(adsim::store::ResultStore::open(options_.results_db));
      recorder = store->begin_run(scenario_, scenario_.run.seed);
      market->add_observer(*recorder);
    }
    market->add_observer(queue_);
    market->set_stop_token(&abort_);

    queue_.mark_start();
    queue_.post_clock(market->now(), market->horizon());
    const auto started = std::chrono::steady_clock::now();
    run_loop(*market);

    RunOutcome outcome;
    outcome.summary = market->finish();
    outcome.run_wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    outcome.aborted = abort_.load(std::memory_order_relaxed);
    if (recorder) {
      recorder->finish(outcome.summary);
      outcome.result_run_id = recorder->run_id();
    }
    queue_.post_clock(market->now(), market->horizon());
    queue_.post_outcome(std::move(outcome));
    state_.store(RunnerState::kFinished, std::memory_order_release);
  } catch (const std::exception& e) {
    if (recorder && !recorder->finished()) {
      try {
        recorder->mark_failed(e.what());
      } catch (...) {
      }
    }
    queue_.post_error(e.what());
    state_.store(RunnerState::kFailed, std::memory_order_release);
  }
}

void SimulationRunner::run_loop(core::Marketplace& market) {
  using Clock = std::chrono::steady_clock;
  const core::SimTime horizon = market.horizon();
  const core::SimTime interval = std::max<core::SimTime>(1, scenario_.run.snapshot_interval);
  // Paced runs follow a line through (anchor_wall, anchor_sim) with slope `speed`, re-anchored after
  // every pause or change of speed so that neither makes the simulation jump.
  Clock::time_point anchor_wall = Clock::now();
  core::SimTime anchor_sim = market.now();
  bool reanchor = true;
  core::SimTime groups_interval = market.now() / interval;

  while (market.now() < horizon && !abort_.load(std::memory_order_relaxed)) {
    bool stepping = false;
    double speed = 0.0;
    {
      std::unique_lock lock(mutex_);
      if (paused_ && steps_ == 0) {
        state_.store(RunnerState::kPaused, std::memory_order_release);
        wake_.wait(lock, [&] { return !paused_ || steps_ > 0 || abort_.load(std::memory_order_relaxed); });
        reanchor = true;
      }
      if (abort_.load(std::memory_order_relaxed)) break;
      if (steps_ > 0) {
        --steps_;
        stepping = true;
      }
      speed = speed_;
      if (speed_changed_) {
        speed_changed_ = false;
        reanchor = true;
      }
      state_.store(RunnerState::kRunning, std::memory_order_release);
    }

    const core::SimTime now = market.now();
    core::SimTime target = 0;
    if (stepping) {
      target = (now / interval + 1) * interval;  // the next snapshot boundary
    } else if (speed <= 0.0) {
      target = now + kFullSpeedSlice;
    } else {
      const auto wall = Clock::now();
      if (reanchor) {
        anchor_wall = wall;
        anchor_sim = now;
        reanchor = false;
      }
      const double elapsed = std::chrono::duration<double>(wall - anchor_wall).count();
      const auto due = anchor_sim + static_cast<core::SimTime>(std::llround(speed * elapsed * static_cast<double>(core::kSecond)));
      target = std::min(due, now + kFullSpeedSlice);
      if (target <= now) {
        // Ahead of the wall clock: sleep a little, waking at once for pause, step, speed or abort.
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, std::chrono::milliseconds(10), [&] {
          return paused_ || steps_ > 0 || speed_changed_ || abort_.load(std::memory_order_relaxed);
        });
        continue;
      }
    }
    market.run_until(std::min(target, horizon));
    queue_.post_clock(market.now(), horizon);
    // Per-strategy groups once per snapshot interval: summary() only reads the marketplace, so the
    // run is the same with or without it, and once per interval costs nothing next to the interval.
    if (market.now() / interval > groups_interval && market.now() < horizon) {
      groups_interval = market.now() / interval;
      const core::RunSummary summary = market.summary();
      queue_.post_groups({market.now(), summary.strategy_groups(), summary.auto_bid});
    }
  }
}

}  // namespace adsim::gui

#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/metrics.hpp"
#include "core/money.hpp"
#include "core/sim_observer.hpp"
#include "core/sim_time.hpp"

namespace adsim::gui {

// What the worker learns once the marketplace is built, before the first event runs.
struct RunInfo {
  std::string scenario_name;
  std::uint64_t seed = 0;
  core::SimTime horizon = 0;
  core::SimTime snapshot_interval = 0;
  std::uint64_t users = 0;
  std::vector<core::Money> daily_budgets;  // per campaign (index = campaign id); 0: no daily cap
  // What the auction inspector needs to say why an ad won and what it paid.
  std::string mechanism;         // auction.mechanism: gsp, vcg, first_price
  double reserve = 0.0;          // auction.reserve, currency units per click (segments may raise it)
  double auction_log_rate = 0.0; // run.auction_log_rate: share of requests the inspector sees
};

struct ProgressSample {
  core::SimTime now = 0;            // simulated clock of the worker
  core::SimTime end = 0;            // planned end of the run
  std::uint64_t requests = 0;       // requests served up to the last snapshot
  double requests_wall_seconds = 0; // wall seconds since the run started, when `requests` was counted
};

// The end of a run, however it ended.
struct RunOutcome {
  core::RunSummary summary;
  double run_wall_seconds = 0;  // wall time from the first event to finish(), pauses included
  std::int64_t result_run_id = 0;  // row in the results database; 0 when none was written
  bool aborted = false;            // stopped by reset or close before the end
};

// The campaigns grouped by strategy (pacer x bidding x billing) as of simulated time `at`: taken by
// the worker from Marketplace::summary() whenever the run passes a snapshot boundary, so the
// advertiser view is live; the run's final summary gives the last one.
struct GroupSnapshot {
  core::SimTime at = 0;
  std::vector<core::StrategyGroup> groups;  // RunSummary::strategy_groups()
  core::AutoBidTotals auto_bid;
};

// Everything posted since the last drain.
struct RunnerBatch {
  std::optional<RunInfo> info;
  std::vector<core::IntervalMetrics> intervals;
  std::vector<core::AuctionLogEntry> auctions;
  std::vector<GroupSnapshot> groups;
  std::uint64_t auctions_dropped = 0;  // sampled auctions not kept because the UI fell behind
  std::optional<ProgressSample> progress;
  std::optional<RunOutcome> outcome;
  std::optional<std::string> error;  // the run could not be built or failed

  bool empty() const {
    return !info && intervals.empty() && auctions.empty() && groups.empty() && !progress && !outcome && !error && auctions_dropped == 0;
  }
};

// The bridge between the simulation's thread and the UI: an observer that copies what the kernel
// reports into a mutex-protected batch and returns at once; the UI drains the batch on a timer.
// The kernel never waits for the UI: the lock is held only to move a few objects in or out, and
// sampled auctions beyond `max_pending_auctions` are counted, not queued, if nobody drains.
class SnapshotQueue final : public core::SimObserver {
 public:
  explicit SnapshotQueue(std::size_t max_pending_auctions = 20'000);

  // Starts the wall clock that progress samples are timed against.
  void mark_start();

  void on_interval(const core::IntervalMetrics& interval) override;
  void on_auction(const core::AuctionLogEntry& entry) override;
  void on_progress(core::SimTime now, core::SimTime end, std::uint64_t requests) override;

  // Posted by the worker itself.
  void post_info(RunInfo info);
  void post_clock(core::SimTime now, core::SimTime end);
  void post_groups(GroupSnapshot groups);
  void post_outcome(RunOutcome outcome);
  void post_error(std::string message);

  RunnerBatch drain();

 private:
  double wall_seconds() const;

  std::size_t max_pending_auctions_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  mutable std::mutex mutex_;
  RunnerBatch pending_;
  ProgressSample progress_;  // the latest, always complete
};

}  // namespace adsim::gui

#include "gui/snapshot_queue.hpp"

#include <utility>

namespace adsim::gui {

SnapshotQueue::SnapshotQueue(std::size_t max_pending_auctions) : max_pending_auctions_(max_pending_auctions) {}

void SnapshotQueue::mark_start() {
  std::lock_guard lock(mutex_);
  start_ = std::chrono::steady_clock::now();
}

double SnapshotQueue::wall_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void SnapshotQueue::on_interval(const core::IntervalMetrics& interval) {
  core::IntervalMetrics copy = interval;  // copied outside the lock: the spend vector can be long
  std::lock_guard lock(mutex_);
  pending_.intervals.push_back(std::move(copy));
}

void SnapshotQueue::on_auction(const core::AuctionLogEntry& entry) {
  {
    std::lock_guard lock(mutex_);
    if (pending_.auctions.size() >= max_pending_auctions_) {
      ++pending_.auctions_dropped;
      return;
    }
  }
  core::AuctionLogEntry copy = entry;
  std::lock_guard lock(mutex_);
  pending_.auctions.push_back(std::move(copy));
}

void SnapshotQueue::on_progress(core::SimTime now, core::SimTime end, std::uint64_t requests) {
  std::lock_guard lock(mutex_);
  progress_.now = std::max(progress_.now, now);
  progress_.end = end;
  progress_.requests = requests;
  progress_.requests_wall_seconds = wall_seconds();
  pending_.progress = progress_;
}

void SnapshotQueue::post_info(RunInfo info) {
  std::lock_guard lock(mutex_);
  progress_.end = info.horizon;
  pending_.info = std::move(info);
}

void SnapshotQueue::post_clock(core::SimTime now, core::SimTime end) {
  std::lock_guard lock(mutex_);
  progress_.now = now;
  progress_.end = end;
  pending_.progress = progress_;
}

void SnapshotQueue::post_groups(GroupSnapshot groups) {
  std::lock_guard lock(mutex_);
  pending_.groups.push_back(std::move(groups));
}

void SnapshotQueue::post_outcome(RunOutcome outcome) {
  std::lock_guard lock(mutex_);
  pending_.outcome = std::move(outcome);
}

void SnapshotQueue::post_error(std::string message) {
  std::lock_guard lock(mutex_);
  pending_.error = std::move(message);
}

RunnerBatch SnapshotQueue::drain() {
  RunnerBatch out;
  std::lock_guard lock(mutex_);
  std::swap(out, pending_);
  return out;
}

}  // namespace adsim::gui

#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <QString>

#include "core/metrics.hpp"
#include "experiments/metrics.hpp"
#include "gui/snapshot_queue.hpp"

namespace adsim::gui {

// One snapshot interval as the charts use it.
struct IntervalPoint {
  core::SimTime start = 0;
  core::SimTime end = 0;
  core::Counters counts;
  core::Rates rates;
  std::uint64_t active_users = 0;
  std::uint64_t users_left_total = 0;  // cumulative since the start of the run
  double value_total = 0.0;            // advertiser value since the start, currency units
  double spend_total = 0.0;            // advertisers' spend (= platform revenue) since the start, currency units
  double mean_fatigue = 0.0;
  double budget_exhausted_share = 0.0;
};

// Calibration of logged candidates, accumulated in fine logarithmic pCTR bins so memory stays
// constant however long the run; the diagram merges neighbours into bins with enough candidates.
class ReliabilityBins {
 public:
  static constexpr int kFineBins = 384;  // 1e-6 .. 1, 64 per decade
  struct Bin {
    double count = 0, sum_pctr = 0, sum_true = 0;
  };
  struct Point {
    double mean_pctr = 0, mean_true = 0, count = 0;
  };

  void add(double pctr, double true_ctr);
  // About target_bins points, lowest pCTR first: a fine bin with more than total / target_bins
  // candidates on its own, the others merged with their neighbours into points of about equal
  // count (at least min_count each).
  std::vector<Point> merged(int target_bins = 16, double min_count = 30) const;
  double total() const { return total_; }

 private:
  std::array<Bin, kFineBins> bins_{};
  double total_ = 0;
};

// Everything the UI knows about one run (one track of the charts), built from drained batches.
// Lives on the UI thread only.
class RunData {
 public:
  static constexpr std::size_t kRecentAuctions = 1'000;  // kept for the inspector
  static constexpr std::size_t kMaxRetainedSpendValues = 8'000'000;

  // What one apply() added, so views update incrementally.
  struct Delta {
    bool info = false;
    std::size_t first_new_interval = 0;  // intervals [first_new_interval, points().size()) are new
    std::size_t new_auctions = 0;        // the last new_auctions of recent_auctions() are new
    std::size_t first_new_groups = 0;    // group_history() from this index on is new
    bool groups_changed = false;         // new group snapshots, or the last one was replaced
    bool progress = false;
    bool ended = false;
    bool any() const { return info || new_auctions > 0 || groups_changed || progress || ended; }
  };

  Delta apply(RunnerBatch batch);

  bool has_info() const { return info_.has_value(); }
  const RunInfo& info() const { return *info_; }
  const std::vector<IntervalPoint>& points() const { return points_; }
  const core::Counters& totals() const { return totals_; }
  const ProgressSample& progress() const { return progress_; }
  // Requests per wall second over the last few progress samples.
  double requests_per_second() const { return requests_per_second_; }

  // Campaigns whose spend curve is kept (all of them unless the run is very large).
  const std::vector<core::CampaignId>& retained_campaigns() const { return retained_; }
  // Spend so far today in currency units at the end of each interval; empty if not retained.
  const std::vector<float>& spend_curve(core::CampaignId campaign) const;
  // The pacer's planned spend so far today at the end of each interval, same indexing; empty if
  // not retained or if the run reports no plan.
  const std::vector<float>& target_curve(core::CampaignId campaign) const;
  // The `n` campaigns with the largest daily budgets, largest first.
  std::vector<core::CampaignId> top_campaigns_by_budget(std::size_t n) const;

  // Campaigns grouped by strategy over time: one snapshot per snapshot interval while the run goes,
  // and the run's final summary as the last one once it has ended.
  const std::vector<GroupSnapshot>& group_history() const { return groups_; }
  // The latest groups (the final summary's once the run has ended); null before the first.
  const GroupSnapshot* latest_groups() const { return groups_.empty() ? nullptr : &groups_.back(); }

  const std::deque<core::AuctionLogEntry>& recent_auctions() const { return recent_; }
  std::uint64_t auctions_seen() const { return auctions_seen_; }
  std::uint64_t auctions_dropped() const { return auctions_dropped_; }
  const std::vector<double>& winner_prices() const { return winner_prices_; }  // currency units per click
  const ReliabilityBins& reliability() const { return reliability_; }

  const std::optional<RunOutcome>& outcome() const { return outcome_; }
  const std::optional<std::string>& error() const { return error_; }

 private:
  void retain_spend_for(const RunInfo& info);

  std::optional<RunInfo> info_;
  std::vector<IntervalPoint> points_;
  core::Counters totals_;
  ProgressSample progress_;
  std::deque<ProgressSample> rate_window_;
  double requests_per_second_ = 0.0;

  std::vector<core::CampaignId> retained_;
  std::vector<int> retained_index_;  // per campaign: index into spend_, or -1
  std::vector<std::vector<float>> spend_;
  std::vector<std::vector<float>> target_;

  std::vector<GroupSnapshot> groups_;

  std::deque<core::AuctionLogEntry> recent_;
  std::uint64_t auctions_seen_ = 0;
  std::uint64_t auctions_dropped_ = 0;
  std::vector<double> winner_prices_;
  ReliabilityBins reliability_;

  std::optional<RunOutcome> outcome_;
  std::optional<std::string> error_;
};

// A headline figure of a run, for the summary and the A/B comparison. `better` is the direction
// that is good for the marketplace: the study metric's (experiments/metrics.hpp) where the figure
// is one, so the app's Compare colours a change as `adsim compare` judges it.
struct HeadlineMetric {
  QString name;
  QString unit;
  double value = 0.0;
  experiments::Better better = experiments::Better::kNeither;
};
std::vector<HeadlineMetric> headline_metrics(const RunData& run);

}  // namespace adsim::gui

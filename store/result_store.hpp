#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "auction/auction_only.hpp"
#include "core/metrics.hpp"
#include "core/sim_observer.hpp"
#include "core/sim_time.hpp"
#include "scenarios/auction_only_record.hpp"
#include "scenarios/scenario.hpp"

// The SQLite result store: every run, its time series, per-campaign totals and the sampled auction
// log. docs/results-schema.md describes the tables for people who query them.
namespace adsim::store {

namespace detail {
struct ResultConnection;  // the shared SQLite connection, defined in result_store.cpp
}

// Every failure of the store (bad path, not a database, newer schema, write error) names the file.
class ResultStoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class RunStatus { kRunning, kCompleted, kInterrupted, kFailed };
std::string_view to_string(RunStatus status);
RunStatus run_status_from_string(std::string_view text);  // throws ResultStoreError if unknown

// What runs.adsim_version records: the project version when this library is compiled with
// ADSIM_VERSION defined (as cli/ and gui/ are), else "unknown".
std::string_view results_adsim_version();

// One row of `runs`. Summary fields are zero (and finished_at empty) while the run is running.
// As read: totals' per-slot arrays come from `run_slots` and model.reliability from
// `model_reliability` (interval_index -1), so they equal what was recorded.
struct RunRow {
  std::int64_t run_id = 0;
  std::string scenario_name;
  std::string scenario_path;  // absolute; empty when the scenario did not come from a file
  std::string scenario_text;
  std::uint64_t seed = 0;
  std::vector<std::string> overrides;
  RunStatus status = RunStatus::kRunning;
  std::string started_at;   // ISO-8601 UTC wall clock
  std::string finished_at;  // empty while running
  double wall_seconds = 0.0;
  double planned_days = 0.0;
  core::SimTime snapshot_interval_us = 0;
  double auction_log_rate = 0.0;
  double prediction_log_rate = 0.0;  // run.prediction_log_rate (schema version 7; 0, i.e. NULL, before)
  std::string adsim_version;
  std::string error_message;
  // "marketplace" or "auction_only" (schema version 3; empty, i.e. NULL, in rows recorded before).
  std::string kind;
  // The study this run belongs to (schema version 4): experiments.experiment_id, variants.variant_id
  // and the replication (1-based position of the seed in the study's seed list). All 0 (NULL) for
  // a run that is not part of a study, such as `adsim run`.
  std::int64_t experiment_id = 0;
  std::int64_t variant_id = 0;
  std::int64_t replication = 0;
  // Summary, written when the run ends however it ends.
  core::SimTime simulated_us = 0;
  std::uint64_t events = 0;
  std::uint64_t intervals = 0;         // rows in `intervals`
  std::uint64_t auction_samples = 0;   // rows in `auction_requests`
  std::uint64_t prediction_samples = 0;  // rows in `prediction_log` (schema version 7)
  std::uint64_t users = 0;
  std::uint64_t active_users = 0;
  double mean_fatigue = 0.0;
  core::Counters totals;
  core::Rates rates;
  // RunSummary::model. A run that ended without a summary (interrupted or failed before finish())
  // has examples and clicks summed over its intervals, NaN ratios and no reliability bins.
  core::ModelMetrics model;
  core::AutoBidTotals auto_bid;  // RunSummary::auto_bid (schema version 3)
  core::NewAdTotals new_ads;     // RunSummary::new_ads (schema version 5)
  std::array<core::ArmTotals, 2> arms{};  // RunSummary::arms (schema version 5)
  core::OffPolicyTotals off_policy;       // RunSummary::off_policy (schema version 6)
  // RunSummary::smart_pacing_error (schema version 7): NaN when undefined or not recorded.
  double smart_pacing_error = std::numeric_limits<double>::quiet_NaN();
  // RunSummary::prior_predictions and model_training (schema version 8; 0 before).
  std::uint64_t prior_predictions = 0;
  core::ModelTrainingStats model_training;
  // RunSummary::surface_model, from `surface_metrics` rows with interval_index = -1 (the counters'
  // per-surface part is in totals.surface).
  std::array<core::ModelMetrics, core::kSurfaces> surface_model{};
};

struct IntervalRow {
  std::int64_t run_id = 0;
  std::int64_t interval_index = 0;  // 0, 1, 2, ... in the order the simulation reported them
  // campaign_spend_today and campaign_target_today stay empty: see CampaignSpendRow. As read,
  // counts' per-slot arrays come from `interval_slots` and model.reliability from
  // `model_reliability`, so both equal what was recorded.
  core::IntervalMetrics metrics;
  core::Rates rates;  // as stored; always Rates::of(metrics.counts)
};

// A campaign's spend so far today at the end of an interval (IntervalMetrics::campaign_spend_today)
// and the pacer's planned spend so far today (IntervalMetrics::campaign_target_today). Only
// campaigns that have spent something today or have a non-zero target have a row.
struct CampaignSpendRow {
  std::int64_t run_id = 0;
  std::int64_t interval_index = 0;
  core::CampaignId campaign = 0;
  core::Money spend_today{0};
  std::optional<core::Money> target_today;  // empty when the interval had no target (no pacer)
};

// One request surface's counters and served-prediction metrics (core::Counters::surface and
// IntervalMetrics/RunSummary::surface_model): a row of `surface_metrics` (schema version 3), per
// interval or, with interval_index = -1, for the whole run. Only surfaces with requests or model
// examples have a row.
struct SurfaceRow {
  std::int64_t run_id = 0;
  std::int64_t interval_index = -1;
  core::Surface surface = core::Surface::kFeed;
  core::SurfaceCounters counts;
  core::ModelMetrics model;  // without reliability bins
};

// One slot's counters (core::Counters::slot_*): a row of `interval_slots`, or of `run_slots` (the
// run's totals). Only slots with a non-zero counter (in practice: impressions or clicks) have a row.
struct SlotRow {
  std::int64_t run_id = 0;
  std::int64_t interval_index = -1;  // -1 in run_slots, which has no such column
  std::int64_t slot = 0;             // 0 = top
  std::uint64_t impressions = 0;
  std::uint64_t clicks = 0;
  std::uint64_t reserve_bound = 0;
  core::Money revenue{0};
  double sum_price = 0.0;  // micros: sum of the per-click prices of the slot's impressions
};

// One reliability bin of the served-prediction metrics (core::ModelMetrics::reliability).
struct ModelReliabilityRow {
  std::int64_t run_id = 0;
  std::int64_t interval_index = -1;  // -1: the whole run (RunSummary::model)
  std::int64_t bin = 0;              // position in ModelMetrics::reliability
  core::ModelMetrics::Bin values;    // mean_p and observed are NaN for an empty bin
};

struct CampaignTotalsRow {
  std::int64_t run_id = 0;
  core::CampaignTotals totals;
  std::string pacer;  // RunSummary::pacer_names[totals.pacer] (schema version 3; NULL before)
};

struct AuctionRequestRow {
  std::int64_t run_id = 0;
  core::AuctionLogEntry entry;  // candidates are left empty: they are rows of their own
};

struct AuctionCandidateRow {
  std::int64_t run_id = 0;
  std::uint64_t request_id = 0;
  std::int64_t rank = 0;  // position in the ranked set, 0 = highest rank score
  core::AuctionLogCandidate candidate;
};

// One sampled example of the prediction log (`prediction_log`, schema version 7).
struct PredictionLogRow {
  std::int64_t run_id = 0;
  core::PredictionLogEntry entry;
};

// Auction-only runs: the runner's rows (AuctionOnlyRunRow, AuctionOnlyBidderRow, AuctionOnlyBlockRow,
// AuctionOnlyRecord) are declared in scenarios/auction_only_record.hpp, since the runner fills them.
using scenarios::AuctionOnlyBidderRow;
using scenarios::AuctionOnlyBlockRow;
using scenarios::AuctionOnlyRecord;
using scenarios::AuctionOnlyRunRow;

// One slot's metrics (auction::SlotReport): a row of `auction_only_slots`.
struct AuctionOnlySlotRow {
  std::int64_t run_id = 0;
  std::int64_t slot = 0;
  auction::SlotReport metrics;
};

// Schema version 7: a bidder's awards in one slot (the allocation), its pacing time series, and
// the bid log.
struct AuctionOnlyAllocationRow {
  std::int64_t run_id = 0;
  std::int64_t bidder = 0;
  std::int64_t slot = 0;
  auction::BidderSlotOutcome outcome;
};

struct AuctionOnlyPacingRow {
  std::int64_t run_id = 0;
  auction::PacingPoint point;
};

struct AuctionOnlyBidRow {
  std::int64_t run_id = 0;
  auction::BidRecord bid;
};

// --- Studies (schema version 4). An experiment is identified by its definition; its variants are
// rows of their own with their parameter values, and each of its runs names experiment, variant and
// replication, so grouping needs no string parsing. See docs/experiments.md.

struct VariantParameterRow {
  std::int64_t variant_id = 0;
  std::int64_t position = 0;  // order of the setting within the variant
  std::string key;            // a scenario key path, e.g. "auction.reserve"
  std::string value;          // the value as TOML text, e.g. "0.3", "\"vcg\"", "[1, 2]"
};

struct VariantRow {
  std::int64_t variant_id = 0;
  std::int64_t experiment_id = 0;
  std::int64_t position = 0;  // 0, 1, ... in the study's order
  std::string name;
  std::vector<VariantParameterRow> parameters;  // as read: from variant_parameters, in position order
};

struct ExperimentRow {
  std::int64_t experiment_id = 0;
  std::string name;
  std::string kind;  // "sweep" or "compare"
  std::string scenario_name;
  std::string scenario_path;  // absolute; empty when the scenario did not come from a file
  std::string scenario_text;
  std::vector<std::string> base_overrides;  // --set given to the whole study
  // Canonical text of everything that makes the experiment (every scenario key's value with the base
  // overrides applied, kind, variants and their settings, baseline), but not its seeds: the same
  // definition is the same experiment, so running it again resumes it, and more seeds extend it.
  // UNIQUE.
  std::string definition;
  std::string created_at;
  std::string adsim_version;
  std::string seeds;  // the seeds of the latest invocation, e.g. "1,2,3" (what experiment_summary covers)
  std::int64_t baseline_variant_id = 0;  // 0 (NULL): no baseline
};

// One metric of one run (the study's metrics, experiments/metrics.hpp), long format for GROUP BY.
struct RunMetricRow {
  std::int64_t run_id = 0;
  std::string metric;
  double value = 0.0;  // NaN (NULL) where undefined, e.g. AUC without clicks
};

// A variant's statistics of one metric over the replications of the latest invocation.
struct ExperimentSummaryRow {
  std::int64_t experiment_id = 0;
  std::int64_t variant_id = 0;
  std::string metric;
  std::int64_t n = 0;
  double mean = 0.0, sd = 0.0, ci_low = 0.0, ci_high = 0.0;  // 95 %, Student t
  std::string mark;  // "best", "worst" or "" among the variants, by the metric's good direction
};

// A variant against the baseline, paired by seed, for one metric.
struct ExperimentComparisonRow {
  std::int64_t experiment_id = 0;
  std::int64_t variant_id = 0;
  std::string metric;
  std::int64_t n = 0;  // pairs
  double baseline_mean = 0.0, variant_mean = 0.0;
  double mean_diff = 0.0, ci_low = 0.0, ci_high = 0.0;  // variant - baseline, 95 %
  double relative_change = 0.0;  // mean_diff / |baseline_mean|
  double p_value = 0.0;          // paired t-test, two-sided
  double p_holm = 0.0;           // Holm-adjusted over the variants compared, per metric
  std::string verdict;           // "better", "worse", "higher", "lower" or "inconclusive"
};

// Where a run of a study belongs (RunRow's experiment_id, variant_id, replication).
struct RunLink {
  std::int64_t experiment_id = 0;
  std::int64_t variant_id = 0;
  std::int64_t replication = 0;
};

struct RecorderOptions {
  // Buffered rows are written in one transaction at the first interval boundary at least this much
  // simulated time after the previous write. Each commit waits for the disk (fsync, 1-20 ms), so
  // this, not the row count, is what writing costs a run; a crash loses at most this much.
  core::SimTime flush_every = core::kHour;
  // ...or as soon as this many rows are waiting (about 100 bytes each), which bounds memory when
  // the auction log is dense.
  std::size_t max_buffered_rows = 50'000;
  // Record the sampled auctions (auction_requests, auction_candidates). A study leaves them out
  // unless asked (they are most of a run's rows); the efficiency they measure is kept either way.
  bool auction_log = true;
  // Record each campaign's spend and plan per interval (campaign_spend). A study leaves them out
  // unless asked: 5,000 campaigns x 96 intervals is 480,000 rows a marketplace day. Campaign totals,
  // with the pacing-tracking figures, are kept either way.
  bool spend_curves = true;
};

class ResultStore;

// Records one run. Hand it to the simulation as its observer; call finish() (or mark_failed()) when
// the simulation returns. Rows reach the database in batches, one transaction per batch, so the
// database is consistent at every moment; an unfinished recorder that is destroyed (Ctrl-C, an
// exception) writes what it holds and marks the run 'interrupted'.
// Single-threaded: use it from the thread that runs the simulation (the GUI's worker thread).
class RunRecorder final : public core::SimObserver {
 public:
  ~RunRecorder() override;
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  std::int64_t run_id() const;
  bool finished() const;

  void on_interval(const core::IntervalMetrics& interval) override;
  void on_auction(const core::AuctionLogEntry& entry) override;
  void on_predictions(std::span<const core::PredictionLogEntry> entries) override;
  // on_finish does nothing: the owner decides the status (it knows whether it stopped the run).

  // Writes everything still buffered, the campaign totals and the summary in one transaction.
  // `status` is kCompleted or kInterrupted (kCompleted becomes kInterrupted if summary.interrupted).
  // Throws std::logic_error if the run is already finished or status is kRunning.
  void finish(const core::RunSummary& summary, RunStatus status);
  void finish(const core::RunSummary& summary);  // status from summary.interrupted
  // An auction-only run: one block of the time series (buffered like intervals; run_id and
  // block_index are set here), and the end of the run with its summary tables. The runs row's
  // counters come from `summary` (see docs/results-schema.md); status from summary.interrupted.
  void on_auction_only_block(const AuctionOnlyBlockRow& block);
  void finish_auction_only(const core::RunSummary& summary, const AuctionOnlyRecord& record);
  // Ends the run as 'failed' with this message; buffered rows are kept for diagnosis.
  void mark_failed(std::string_view message);
  // Writes buffered rows now (normally not needed).
  void flush();

 private:
  friend class ResultStore;
  struct Impl;
  explicit RunRecorder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class ResultStore {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // kReadWrite creates the file and schema if the file does not exist. An existing database is only
  // inspected: nothing is written to it until begin_run(), so a run whose set-up fails leaves it
  // byte-identical. kReadOnly (reports) requires an existing file and never writes.
  // Throws ResultStoreError naming the path: missing directory, read-only file or directory, not a
  // SQLite database, not an adsim database, schema newer than this build.
  static ResultStore open(const std::filesystem::path& path, Mode mode = Mode::kReadWrite);
  // A private database in memory with the current schema: a study's worker records one run into it
  // and hands image() to the process that owns the results file (merge_run_image).
  static ResultStore open_in_memory();

  ResultStore(ResultStore&&) noexcept;
  ResultStore& operator=(ResultStore&&) noexcept;
  ~ResultStore();

  const std::filesystem::path& path() const;
  // The database's schema version: 0 for an empty database that has no adsim tables yet.
  int schema_version() const;
  static int current_schema_version();

  // Inserts the `runs` row (status 'running') in its own committed transaction, creating or
  // upgrading the schema first if needed. The recorder shares the connection: it may outlive this
  // object, but both must be used from one thread at a time.
  std::unique_ptr<RunRecorder> begin_run(const scenarios::Scenario& scenario, std::uint64_t seed,
                                         RecorderOptions options = {}, const RunLink& link = {});

  // --- Studies.
  // A 'running' row for a run that another thread or process records (then merge_run_image).
  std::int64_t insert_placeholder(const scenarios::Scenario& scenario, std::uint64_t seed, const RunLink& link);
  // Ends a 'running' row that no run will replace (its worker was lost) with this status and message.
  void end_placeholder(std::int64_t run_id, RunStatus status, std::string_view message);
  // The experiment with this definition, created with its variants if the file has none; returns
  // it with experiment_id, and `variants` with their variant_id (matched by name when it existed).
  // Sets the experiment's seeds and baseline (baseline_position: index into `variants`, or -1).
  // Throws ResultStoreError if an existing experiment's variants differ from `variants`.
  ExperimentRow ensure_experiment(ExperimentRow experiment, std::vector<VariantRow>& variants,
                                  std::int64_t baseline_position);
  std::vector<ExperimentRow> read_experiments() const;
  std::optional<ExperimentRow> read_experiment(std::int64_t experiment_id) const;
  std::vector<VariantRow> read_variants(std::int64_t experiment_id) const;
  // The runs of an experiment (every status), without per-slot or reliability detail, by run_id.
  std::vector<RunRow> read_experiment_runs(std::int64_t experiment_id) const;
  // Deletes a run and every row of it (a study re-running a cell that did not complete).
  void delete_run(std::int64_t run_id);
  void write_run_metrics(std::int64_t run_id, const std::vector<RunMetricRow>& metrics);
  // The metrics of the experiment's completed runs, by run_id then metric.
  std::vector<RunMetricRow> read_run_metrics_of_experiment(std::int64_t experiment_id) const;
  std::vector<RunMetricRow> read_run_metrics(std::int64_t run_id) const;
  // Replaces the experiment's stored statistics (one transaction).
  void write_experiment_results(std::int64_t experiment_id, const std::vector<ExperimentSummaryRow>& summary,
                                const std::vector<ExperimentComparisonRow>& comparisons);
  std::vector<ExperimentSummaryRow> read_experiment_summary(std::int64_t experiment_id) const;
  std::vector<ExperimentComparisonRow> read_experiment_comparisons(std::int64_t experiment_id) const;

  // --- Moving one run between databases (a study's workers, threads or MPI ranks).
  // The whole database as bytes (sqlite3_serialize): for a store from open_in_memory() holding one
  // finished run.
  std::vector<unsigned char> image() const;
  // Copies the single run of `image` (from image()) into this database in one transaction, as run
  // `placeholder_run_id` (a 'running' row from begin_run, which it replaces) with `link`; returns
  // that run_id. If the placeholder is gone (another process resumed the study meanwhile), the run
  // gets a new id. Returns 0, writing nothing but the placeholder's removal, when the cell (link's
  // experiment and variant, the image's seed) already has a completed run: a study runs each cell
  // once even when two processes run it on one file.
  std::int64_t merge_run_image(const std::vector<unsigned char>& image, std::int64_t placeholder_run_id,
                               const RunLink& link);

  std::vector<RunRow> read_runs() const;
  std::optional<RunRow> read_run(std::int64_t run_id) const;
  std::vector<IntervalRow> read_intervals(std::int64_t run_id) const;
  std::vector<CampaignSpendRow> read_campaign_spend(std::int64_t run_id) const;
  std::vector<SlotRow> read_interval_slots(std::int64_t run_id) const;
  std::vector<SlotRow> read_run_slots(std::int64_t run_id) const;
  // Per interval (interval_index >= 0) and for the whole run (-1), in key order.
  std::vector<SurfaceRow> read_surface_metrics(std::int64_t run_id) const;
  // Every bin of the run, in key order: the run's total (interval_index -1) first.
  std::vector<ModelReliabilityRow> read_model_reliability(std::int64_t run_id) const;
  std::vector<CampaignTotalsRow> read_campaign_totals(std::int64_t run_id) const;
  std::vector<AuctionRequestRow> read_auction_requests(std::int64_t run_id) const;
  std::vector<AuctionCandidateRow> read_auction_candidates(std::int64_t run_id) const;
  // The sampled auctions with their candidates, as the simulation reported them.
  std::vector<core::AuctionLogEntry> read_auction_log(std::int64_t run_id) const;
  // The prediction log in impression order (the order the run's model metrics scored it); empty
  // for a run that did not log predictions and for files older than schema version 7.
  std::vector<PredictionLogRow> read_prediction_log(std::int64_t run_id) const;
  // Auction-only runs; empty for other runs and for files older than schema version 3. As read,
  // the run row's metrics.per_slot come from auction_only_slots.
  std::optional<AuctionOnlyRunRow> read_auction_only_run(std::int64_t run_id) const;
  std::vector<AuctionOnlySlotRow> read_auction_only_slots(std::int64_t run_id) const;
  // With each bidder's slots from auction_only_allocation.
  std::vector<AuctionOnlyBidderRow> read_auction_only_bidders(std::int64_t run_id) const;
  std::vector<AuctionOnlyBlockRow> read_auction_only_blocks(std::int64_t run_id) const;
  std::vector<AuctionOnlyAllocationRow> read_auction_only_allocation(std::int64_t run_id) const;
  std::vector<AuctionOnlyPacingRow> read_auction_only_pacing(std::int64_t run_id) const;
  std::vector<AuctionOnlyBidRow> read_auction_only_bids(std::int64_t run_id) const;

  // Every row of the run in every table, in key order, as canonical text without run_id and the
  // wall-clock columns (started_at, finished_at, wall_seconds): equal text <=> equal results.
  std::string dump_run_rows(std::int64_t run_id) const;

 private:
  explicit ResultStore(std::shared_ptr<detail::ResultConnection> connection);
  std::shared_ptr<detail::ResultConnection> connection_;
};

}  // namespace adsim::store

#include "store/result_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <limits>
#include <system_error>
#include <utility>

#include "store/result_schema.hpp"

namespace fs = std::filesystem;

namespace adsim::store {

namespace rs = result_schema;

std::string_view to_string(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning: return "running";
    case RunStatus::kCompleted: return "completed";
    case RunStatus::kInterrupted: return "interrupted";
    case RunStatus::kFailed: return "failed";
  }
  return "unknown";
}

std::string_view results_adsim_version() {
#ifdef ADSIM_VERSION
  return ADSIM_VERSION;
#else
  return "unknown";
#endif
}

RunStatus run_status_from_string(std::string_view text) {
  for (auto s : {RunStatus::kRunning, RunStatus::kCompleted, RunStatus::kInterrupted, RunStatus::kFailed})
    if (to_string(s) == text) return s;
  throw ResultStoreError("unknown run status '" + std::string(text) + "'");
}

namespace detail {

struct ResultConnection {
  ResultConnection(fs::path p, int flags, bool ro)
      : path(std::move(p)), db(path, flags, /*busy timeout ms: other runs may be writing*/ 10'000), read_only(ro) {}

  fs::path path;
  SQLite::Database db;
  bool read_only = false;
  int schema_version = 0;  // of the file; 0 until the adsim tables exist
  rs::Schema schema = rs::make_schema();
};

}  // namespace detail

namespace {

using detail::ResultConnection;

std::string quoted(const fs::path& path) {
  // Appends rather than "'" + string: GCC 12 gives a false -Wrestrict on that form at -O3.
  std::string out(1, '\'');
  out.append(path.string());
  out.push_back('\'');
  return out;
}

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw ResultStoreError("results database " + quoted(path) + ": " + what);
}

[[noreturn]] void fail_sqlite(const fs::path& path, const std::string& doing, const SQLite::Exception& e) {
  fail(path, doing + ": " + e.what());
}

// Writable for this process, and not write-protected by its mode bits (root ignores the mode, but a
// file someone made read-only is treated as read-only for everyone).
bool writable(const fs::path& p) {
  std::error_code ec;
  const auto perms = fs::status(p, ec).permissions();
  if (ec) return false;
  constexpr auto kAnyWrite = fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write;
  return (perms & kAnyWrite) != fs::perms::none && ::access(p.c_str(), W_OK) == 0;
}

std::string now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 40> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  std::array<char, 8> frac{};
  std::snprintf(frac.data(), frac.size(), ".%03dZ", static_cast<int>(ms));
  return std::string(buf.data(), n) + frac.data();
}

int pragma_int(SQLite::Database& db, const char* pragma) {
  return db.execAndGet(std::string("PRAGMA ") + pragma).getInt();
}

int count_tables(SQLite::Database& db) {
  return db.execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").getInt();
}

// Reads what the file is without writing to it; sets connection.schema_version.
void inspect(ResultConnection& c) {
  const int application_id = pragma_int(c.db, "application_id");
  const int user_version = pragma_int(c.db, "user_version");
  if (application_id == rs::kApplicationId) {
    if (user_version > rs::kSchemaVersion)
      fail(c.path, "was written by a newer adsim (schema version " + std::to_string(user_version) +
                       "; this build knows up to " + std::to_string(rs::kSchemaVersion) +
                       "). Use a newer adsim or another results file.");
    c.schema_version = user_version;
    return;
  }
  if (application_id != 0 || user_version != 0 || count_tables(c.db) > 0)
    fail(c.path, "is a SQLite database but not an adsim results database; refusing to write into it. "
                 "Choose another results file.");
  c.schema_version = 0;  // an empty database: the schema is created by the first begin_run()
}

// Creates or upgrades the schema. Must run inside a write transaction: it re-reads the version,
// since another process may have created the schema since this connection inspected the file.
void ensure_schema(ResultConnection& c) {
  inspect(c);
  if (c.schema_version == rs::kSchemaVersion) return;
  if (c.schema_version == 0) {
    for (const auto& sql : c.schema.create_all_sql()) c.db.exec(sql);
    c.db.exec("PRAGMA application_id = " + std::to_string(rs::kApplicationId));
  } else {
    for (int v = c.schema_version + 1; v <= rs::kSchemaVersion; ++v)
      for (const auto& sql : c.schema.upgrade_sql(v)) c.db.exec(sql);
  }
  c.db.exec("PRAGMA user_version = " + std::to_string(rs::kSchemaVersion));
  c.schema_version = rs::kSchemaVersion;
}

std::string describe_open_error(const SQLite::Exception& e) {
  switch (e.getErrorCode()) {
    case SQLITE_NOTADB: return "is not a SQLite database";
    case SQLITE_CORRUPT: return "is a corrupt SQLite database";
    case SQLITE_CANTOPEN: return std::string("cannot be opened (") + e.what() + ")";
    case SQLITE_READONLY:
    case SQLITE_PERM: return std::string("is read-only (") + e.what() + ")";
    case SQLITE_BUSY: return std::string("is locked by another process (") + e.what() + ")";
    default: return std::string("cannot be opened: ") + e.what();
  }
}

template <class Row>
void exec_insert(SQLite::Statement& statement, const rs::Table<Row>& table, const Row& row) {
  table.bind(statement, row, rs::kAtInsert);
  statement.exec();
  statement.reset();
}

// An empty database may have been given its schema by another process since it was opened.
void refresh_if_empty(ResultConnection& c) {
  if (c.schema_version != 0) return;
  try {
    inspect(c);
  } catch (const SQLite::Exception& e) {
    fail_sqlite(c.path, "reading the schema version", e);
  }
}

template <class Row>
std::vector<Row> read_rows(ResultConnection& c, const rs::Table<Row>& table, const std::string& where,
                           std::optional<std::int64_t> run_id, const std::string& order_by) {
  std::vector<Row> out;
  refresh_if_empty(c);
  if (c.schema_version == 0 || table.since > c.schema_version) return out;  // an older file lacks it
  try {
    SQLite::Statement s(c.db, table.select_sql(c.schema_version, where, order_by));
    if (run_id) s.bind(1, *run_id);
    while (s.executeStep()) out.push_back(table.read(s));
  } catch (const SQLite::Exception& e) {
    fail_sqlite(c.path, "reading " + table.name, e);
  } catch (const std::runtime_error& e) {  // a malformed stored value (status, overrides JSON)
    fail(c.path, "reading " + table.name + ": " + e.what());
  }
  return out;
}

// Every row of one run in a table, in key order.
template <class Row>
std::vector<Row> rows_of_run(ResultConnection& c, const rs::Table<Row>& table, std::int64_t run_id) {
  return read_rows(c, table, "run_id = ?", run_id, table.key_list());
}

// ModelMetrics without its reliability bins (they are rows of model_reliability).
core::ModelMetrics model_scalars(const core::ModelMetrics& m) {
  core::ModelMetrics out = m;
  out.reliability.clear();
  return out;
}

// The rows of the per-slot counters: one per slot with any non-zero counter.
void append_slot_rows(std::vector<SlotRow>& out, std::int64_t run_id, std::int64_t interval_index,
                      const core::Counters& c) {
  for (std::size_t k = 0; k < c.slot_impressions.size(); ++k) {
    if (c.slot_impressions[k] == 0 && c.slot_clicks[k] == 0 && c.slot_reserve_bound[k] == 0 &&
        c.slot_revenue[k].micros == 0 && c.slot_sum_price[k] == 0.0)
      continue;
    out.push_back(SlotRow{run_id, interval_index, static_cast<std::int64_t>(k), c.slot_impressions[k],
                          c.slot_clicks[k], c.slot_reserve_bound[k], c.slot_revenue[k], c.slot_sum_price[k]});
  }
}

// The rows of the per-surface counters and model metrics: one per surface with requests or examples.
void append_surface_rows(std::vector<SurfaceRow>& out, std::int64_t run_id, std::int64_t interval_index,
                         const core::Counters& c, const std::array<core::ModelMetrics, core::kSurfaces>& models) {
  for (std::size_t k = 0; k < core::kSurfaces; ++k) {
    if (c.surface[k].requests == 0 && models[k].examples == 0) continue;
    out.push_back(SurfaceRow{run_id, interval_index, static_cast<core::Surface>(k), c.surface[k],
                             model_scalars(models[k])});
  }
}

// Puts a stored surface row back into the per-surface parts of a counters / model pair.
void restore_surface(core::Counters& c, std::array<core::ModelMetrics, core::kSurfaces>& models,
                     const SurfaceRow& row) {
  const auto k = core::surface_index(row.surface);
  c.surface[k] = row.counts;
  models[k] = row.model;
}

void append_reliability_rows(std::vector<ModelReliabilityRow>& out, std::int64_t run_id,
                             std::int64_t interval_index, const core::ModelMetrics& m) {
  for (std::size_t b = 0; b < m.reliability.size(); ++b)
    out.push_back(ModelReliabilityRow{run_id, interval_index, static_cast<std::int64_t>(b), m.reliability[b]});
}

// Puts a stored slot row back into the per-slot arrays of `c`.
void restore_slot(const fs::path& path, core::Counters& c, const SlotRow& row) {
  if (row.slot < 0 || row.slot >= static_cast<std::int64_t>(c.slot_impressions.size()))
    fail(path, "slot " + std::to_string(row.slot) + " of run " + std::to_string(row.run_id) +
                   " is out of range (this build has " + std::to_string(c.slot_impressions.size()) + " slots)");
  const auto k = static_cast<std::size_t>(row.slot);
  c.slot_impressions[k] = row.impressions;
  c.slot_clicks[k] = row.clicks;
  c.slot_reserve_bound[k] = row.reserve_bound;
  c.slot_revenue[k] = row.revenue;
  c.slot_sum_price[k] = row.sum_price;
}

void restore_bin(const fs::path& path, core::ModelMetrics& m, const ModelReliabilityRow& row) {
  if (row.bin < 0 || row.bin > 1'000'000)
    fail(path, "reliability bin " + std::to_string(row.bin) + " of run " + std::to_string(row.run_id) +
                   " is out of range");
  const auto b = static_cast<std::size_t>(row.bin);
  if (m.reliability.size() <= b) m.reliability.resize(b + 1);
  m.reliability[b] = row.values;
}

// Attaches each child row to the parent row with the same key; both are sorted by that key.
template <class Parent, class Child, class ParentKey, class ChildKey, class Attach>
void merge_sorted(std::vector<Parent>& parents, const std::vector<Child>& children, ParentKey parent_key,
                  ChildKey child_key, Attach attach) {
  std::size_t p = 0;
  for (const auto& child : children) {
    while (p < parents.size() && parent_key(parents[p]) < child_key(child)) ++p;
    if (p == parents.size()) break;
    if (parent_key(parents[p]) == child_key(child)) attach(parents[p], child);
  }
}

void append_dump_value(std::string& out, const SQLite::Column& col) {
  switch (col.getType()) {
    case SQLITE_NULL: out += "NULL"; break;
    case SQLITE_INTEGER: out += std::to_string(col.getInt64()); break;
    case SQLITE_FLOAT: out += rs::format_double(col.getDouble()); break;
    case SQLITE_TEXT: {
      const std::string json = rs::to_json_array({col.getString()});
      out += json.substr(1, json.size() - 2);  // the escaped, quoted string
      break;
    }
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto* p = static_cast<const unsigned char*>(col.getBlob());
      out += "x'";
      for (int i = 0; i < col.getBytes(); ++i) {
        out += kHex[p[i] >> 4];
        out += kHex[p[i] & 0xF];
      }
      out += "'";
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RunRecorder

struct RunRecorder::Impl {
  Impl(std::shared_ptr<ResultConnection> c, RunRow r, RecorderOptions o)
      : conn(std::move(c)),
        run(std::move(r)),
        options(o),
        insert_interval(conn->db, conn->schema.intervals.insert_sql()),
        insert_spend(conn->db, conn->schema.campaign_spend.insert_sql()),
        insert_interval_slot(conn->db, conn->schema.interval_slots.insert_sql()),
        insert_surface(conn->db, conn->schema.surface_metrics.insert_sql()),
        insert_reliability(conn->db, conn->schema.model_reliability.insert_sql()),
        insert_request(conn->db, conn->schema.auction_requests.insert_sql()),
        insert_candidate(conn->db, conn->schema.auction_candidates.insert_sql()),
        insert_block(conn->db, conn->schema.auction_only_blocks.insert_sql()),
        started(std::chrono::steady_clock::now()) {}

  // Declared first so that it is destroyed last: statements must be finalized before the close.
  std::shared_ptr<ResultConnection> conn;
  RunRow run;
  RecorderOptions options;
  SQLite::Statement insert_interval;
  SQLite::Statement insert_spend;
  SQLite::Statement insert_interval_slot;
  SQLite::Statement insert_surface;
  SQLite::Statement insert_reliability;
  SQLite::Statement insert_request;
  SQLite::Statement insert_candidate;
  SQLite::Statement insert_block;
  std::chrono::steady_clock::time_point started;
  int uncaught_at_start = std::uncaught_exceptions();

  std::vector<IntervalRow> intervals;
  std::vector<CampaignSpendRow> spend;
  std::vector<SlotRow> slots;
  std::vector<SurfaceRow> surfaces;
  std::vector<ModelReliabilityRow> reliability;
  std::vector<AuctionRequestRow> requests;
  std::vector<AuctionCandidateRow> candidates;
  std::vector<AuctionOnlyBlockRow> blocks;

  // What the recorded intervals add up to, for a run that ends without a RunSummary.
  core::Counters interval_totals;
  std::uint64_t interval_model_examples = 0;
  std::uint64_t interval_model_clicks = 0;
  core::SimTime last_interval_end = 0;
  std::uint64_t last_active_users = 0;
  double last_mean_fatigue = 0.0;

  core::SimTime last_flush_end = 0;
  std::uint64_t intervals_recorded = 0;
  std::uint64_t samples_recorded = 0;
  std::uint64_t blocks_recorded = 0;
  bool finished = false;

  std::size_t buffered() const {
    return intervals.size() + spend.size() + slots.size() + surfaces.size() + reliability.size() + requests.size() +
           candidates.size() + blocks.size();
  }

  void clear_buffers() {
    intervals.clear();  // keeps capacity: no allocation per batch in steady state
    spend.clear();
    slots.clear();
    surfaces.clear();
    reliability.clear();
    requests.clear();
    candidates.clear();
    blocks.clear();
  }

  void reset_statements() noexcept {
    insert_interval.tryReset();
    insert_spend.tryReset();
    insert_interval_slot.tryReset();
    insert_reliability.tryReset();
    insert_request.tryReset();
    insert_candidate.tryReset();
    insert_block.tryReset();
  }

  // Inside a transaction. Requests before their candidates (foreign key).
  void write_buffers() {
    const auto& s = conn->schema;
    for (const auto& r : requests) exec_insert(insert_request, s.auction_requests, r);
    for (const auto& r : candidates) exec_insert(insert_candidate, s.auction_candidates, r);
    for (const auto& r : intervals) exec_insert(insert_interval, s.intervals, r);
    for (const auto& r : spend) exec_insert(insert_spend, s.campaign_spend, r);
    for (const auto& r : slots) exec_insert(insert_interval_slot, s.interval_slots, r);
    for (const auto& r : surfaces) exec_insert(insert_surface, s.surface_metrics, r);
    for (const auto& r : reliability) exec_insert(insert_reliability, s.model_reliability, r);
    for (const auto& r : blocks) exec_insert(insert_block, s.auction_only_blocks, r);
  }

  void ensure_open(const char* what) const {
    if (finished)
      throw std::logic_error(std::string("RunRecorder::") + what + ": run " + std::to_string(run.run_id) +
                             " has already finished");
  }

  void flush_now() {
    if (buffered() == 0) return;
    try {
      SQLite::Transaction tx(conn->db, SQLite::TransactionBehavior::IMMEDIATE);
      write_buffers();
      tx.commit();
    } catch (const SQLite::Exception& e) {
      reset_statements();
      fail_sqlite(conn->path, "writing rows of run " + std::to_string(run.run_id), e);
    }
    clear_buffers();
  }

  // The last transaction of a run: buffered rows, campaign totals, the run's slot totals and model
  // reliability bins, and the runs row together.
  void write_end(RunStatus status, std::string_view message, const core::RunSummary* summary,
                 double engine_wall_seconds, const AuctionOnlyRecord* auction_only = nullptr) {
    run.status = status;
    run.error_message = std::string(message);
    run.finished_at = now_iso8601();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    run.wall_seconds = engine_wall_seconds > 0.0 ? engine_wall_seconds : elapsed;
    run.intervals = intervals_recorded;
    run.auction_samples = samples_recorded;
    run.rates = core::Rates::of(run.totals);
    const auto& s = conn->schema;
    try {
      SQLite::Transaction tx(conn->db, SQLite::TransactionBehavior::IMMEDIATE);
      write_buffers();
      if (summary) {
        SQLite::Statement insert_campaign(conn->db, s.campaign_totals.insert_sql());
        CampaignTotalsRow row;
        row.run_id = run.run_id;
        for (const auto& ct : summary->campaigns) {
          row.totals = ct;
          row.pacer = ct.pacer < summary->pacer_names.size() ? summary->pacer_names[ct.pacer] : "none";
          exec_insert(insert_campaign, s.campaign_totals, row);
        }
      }
      std::vector<SlotRow> run_slots;
      append_slot_rows(run_slots, run.run_id, -1, run.totals);
      SQLite::Statement insert_run_slot(conn->db, s.run_slots.insert_sql());
      for (const auto& r : run_slots) exec_insert(insert_run_slot, s.run_slots, r);
      std::vector<SurfaceRow> run_surfaces;
      append_surface_rows(run_surfaces, run.run_id, -1, run.totals, run.surface_model);
      for (const auto& r : run_surfaces) exec_insert(insert_surface, s.surface_metrics, r);
      std::vector<ModelReliabilityRow> run_bins;
      append_reliability_rows(run_bins, run.run_id, -1, run.model);
      for (const auto& r : run_bins) exec_insert(insert_reliability, s.model_reliability, r);
      if (auction_only) write_auction_only(*auction_only);
      SQLite::Statement update(conn->db, s.runs.update_sql("run_id"));
      const int key_index = s.runs.bind(update, run, rs::kAtFinish);
      update.bind(key_index, run.run_id);
      update.exec();
      tx.commit();
    } catch (const SQLite::Exception& e) {
      reset_statements();
      fail_sqlite(conn->path, "ending run " + std::to_string(run.run_id), e);
    }
    clear_buffers();
    finished = true;
  }

  // Inside write_end's transaction: the summary tables of an auction-only run.
  void write_auction_only(const AuctionOnlyRecord& record) {
    const auto& s = conn->schema;
    AuctionOnlyRunRow row = record.run;
    row.run_id = run.run_id;
    SQLite::Statement insert_run(conn->db, s.auction_only_runs.insert_sql());
    exec_insert(insert_run, s.auction_only_runs, row);
    SQLite::Statement insert_slot(conn->db, s.auction_only_slots.insert_sql());
    for (int k = 0; k < row.metrics.slots && k < core::kMaxSlots; ++k) {
      const AuctionOnlySlotRow slot{run.run_id, k, row.metrics.per_slot[static_cast<std::size_t>(k)]};
      exec_insert(insert_slot, s.auction_only_slots, slot);
    }
    SQLite::Statement insert_bidder(conn->db, s.auction_only_bidders.insert_sql());
    for (AuctionOnlyBidderRow b : record.bidders) {
      b.run_id = run.run_id;
      exec_insert(insert_bidder, s.auction_only_bidders, b);
    }
  }

  // For runs that end without a RunSummary: what the recorded intervals add up to.
  void end_without_summary(RunStatus status, std::string_view message) {
    run.simulated_us = last_interval_end;
    run.events = 0;
    run.users = 0;
    run.active_users = last_active_users;
    run.mean_fatigue = last_mean_fatigue;
    run.totals = interval_totals;
    // Counts add up over intervals; AUC, log loss and the other ratios do not.
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    run.model = core::ModelMetrics{};
    run.model.examples = interval_model_examples;
    run.model.clicks = interval_model_clicks;
    run.model.auc = run.model.log_loss = run.model.normalized_entropy = kNaN;
    run.model.calibration_ratio = run.model.ece = kNaN;
    write_end(status, message, nullptr, 0.0);
  }

  // Ending a run that went wrong must not fail because its last rows cannot be written (disk
  // full, the error that stopped the run): then the run row is ended without them.
  void end_best_effort(RunStatus status, std::string_view message) {
    try {
      end_without_summary(status, message);
      return;
    } catch (const ResultStoreError& e) {
      spdlog::warn("{}; ending run {} without its {} buffered rows", e.what(), run.run_id, buffered());
      std::string why(message);
      why += why.empty() ? "" : "; ";
      why += std::to_string(buffered()) + " buffered rows could not be written: " + e.what();
      clear_buffers();
      end_without_summary(status, why);
    }
  }
};

RunRecorder::RunRecorder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RunRecorder::~RunRecorder() {
  if (!impl_ || impl_->finished) return;
  const bool unwinding = std::uncaught_exceptions() > impl_->uncaught_at_start;
  const std::string message = unwinding ? "the run was abandoned while an exception was propagating" : "";
  try {
    impl_->end_best_effort(RunStatus::kInterrupted, message);
  } catch (const std::exception& e) {
    spdlog::error("{}; run {} stays marked 'running'", e.what(), impl_->run.run_id);
  }
}

std::int64_t RunRecorder::run_id() const { return impl_->run.run_id; }
bool RunRecorder::finished() const { return impl_->finished; }

void RunRecorder::on_interval(const core::IntervalMetrics& interval) {
  auto& m = *impl_;
  m.ensure_open("on_interval");
  IntervalRow& row = m.intervals.emplace_back();
  row.run_id = m.run.run_id;
  row.interval_index = static_cast<std::int64_t>(m.intervals_recorded++);
  // Field by field: per-campaign spend and target, per-slot counters and reliability bins go to
  // tables of their own, not into the buffer twice.
  row.metrics.start = interval.start;
  row.metrics.end = interval.end;
  row.metrics.counts = interval.counts;
  row.metrics.active_users = interval.active_users;
  row.metrics.mean_fatigue = interval.mean_fatigue;
  row.metrics.budget_exhausted_share = interval.budget_exhausted_share;
  row.metrics.model = model_scalars(interval.model);
  const auto& spend = interval.campaign_spend_today;
  const auto& target = interval.campaign_target_today;
  const bool has_target = !target.empty();
  for (std::size_t c = 0; c < std::max(spend.size(), target.size()); ++c) {
    const core::Money spent = c < spend.size() ? spend[c] : core::Money{0};
    const core::Money planned = c < target.size() ? target[c] : core::Money{0};
    if (spent.micros == 0 && planned.micros == 0) continue;
    m.spend.push_back(CampaignSpendRow{row.run_id, row.interval_index, static_cast<core::CampaignId>(c), spent,
                                       has_target ? std::optional<core::Money>(planned) : std::nullopt});
  }
  append_slot_rows(m.slots, row.run_id, row.interval_index, interval.counts);
  append_surface_rows(m.surfaces, row.run_id, row.interval_index, interval.counts, interval.surface_model);
  append_reliability_rows(m.reliability, row.run_id, row.interval_index, interval.model);
  m.interval_totals += interval.counts;
  m.interval_model_examples += interval.model.examples;
  m.interval_model_clicks += interval.model.clicks;
  m.last_interval_end = interval.end;
  m.last_active_users = interval.active_users;
  m.last_mean_fatigue = interval.mean_fatigue;
  if (interval.end - m.last_flush_end >= m.options.flush_every || m.buffered() >= m.options.max_buffered_rows) {
    m.flush_now();
    m.last_flush_end = interval.end;
  }
}

void RunRecorder::on_auction(const core::AuctionLogEntry& entry) {
  auto& m = *impl_;
  m.ensure_open("on_auction");
  AuctionRequestRow& request = m.requests.emplace_back();
  request.run_id = m.run.run_id;
  request.entry.request_id = entry.request_id;
  request.entry.time = entry.time;
  request.entry.user = entry.user;
  request.entry.retrieved = entry.retrieved;
  request.entry.after_prerank = entry.after_prerank;
  request.entry.after_rank = entry.after_rank;
  std::int64_t rank = 0;
  for (const auto& c : entry.candidates)
    m.candidates.push_back(AuctionCandidateRow{m.run.run_id, entry.request_id, rank++, c});
  ++m.samples_recorded;
  if (m.buffered() >= m.options.max_buffered_rows) m.flush_now();
}

void RunRecorder::finish(const core::RunSummary& summary, RunStatus status) {
  auto& m = *impl_;
  m.ensure_open("finish");
  if (status == RunStatus::kRunning) throw std::logic_error("RunRecorder::finish: status must not be 'running'");
  if (status == RunStatus::kCompleted && summary.interrupted) status = RunStatus::kInterrupted;
  m.run.simulated_us = summary.simulated;
  m.run.events = summary.events;
  m.run.users = summary.users;
  m.run.active_users = summary.active_users;
  m.run.mean_fatigue = summary.mean_fatigue;
  m.run.totals = summary.totals;
  m.run.model = summary.model;
  m.run.auto_bid = summary.auto_bid;
  m.run.surface_model = summary.surface_model;
  m.write_end(status, "", &summary, summary.wall_seconds);
}

void RunRecorder::on_auction_only_block(const AuctionOnlyBlockRow& block) {
  auto& m = *impl_;
  m.ensure_open("on_auction_only_block");
  AuctionOnlyBlockRow& row = m.blocks.emplace_back(block);
  row.run_id = m.run.run_id;
  row.block_index = static_cast<std::int64_t>(m.blocks_recorded++);
  if (m.buffered() >= m.options.max_buffered_rows) m.flush_now();
}

void RunRecorder::finish_auction_only(const core::RunSummary& summary, const AuctionOnlyRecord& record) {
  auto& m = *impl_;
  m.ensure_open("finish_auction_only");
  m.run.simulated_us = summary.simulated;
  m.run.events = summary.events;
  m.run.users = summary.users;
  m.run.active_users = summary.active_users;
  m.run.mean_fatigue = summary.mean_fatigue;
  m.run.totals = summary.totals;
  m.run.model = summary.model;
  m.write_end(summary.interrupted ? RunStatus::kInterrupted : RunStatus::kCompleted, "", nullptr,
              summary.wall_seconds, &record);
}

void RunRecorder::finish(const core::RunSummary& summary) {
  finish(summary, summary.interrupted ? RunStatus::kInterrupted : RunStatus::kCompleted);
}

void RunRecorder::mark_failed(std::string_view message) {
  impl_->ensure_open("mark_failed");
  impl_->end_best_effort(RunStatus::kFailed, message);
}

void RunRecorder::flush() {
  impl_->ensure_open("flush");
  impl_->flush_now();
}

// ---------------------------------------------------------------------------------------------
// ResultStore

ResultStore::ResultStore(std::shared_ptr<ResultConnection> connection) : connection_(std::move(connection)) {}
ResultStore::ResultStore(ResultStore&&) noexcept = default;
ResultStore& ResultStore::operator=(ResultStore&&) noexcept = default;
ResultStore::~ResultStore() = default;

ResultStore ResultStore::open(const fs::path& path, Mode mode) {
  if (path.empty()) throw ResultStoreError("results database: the path is empty");
  const bool read_only = mode == Mode::kReadOnly;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  const bool exists = fs::exists(status);
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (exists && fs::is_directory(status)) fail(path, "is a directory, not a database file");
  if (exists && !fs::is_regular_file(status)) fail(path, "is not a regular file");
  if (!exists) {
    if (!fs::is_directory(dir, ec)) fail(path, "the directory " + quoted(dir) + " does not exist");
    if (read_only) fail(path, "does not exist");
    if (!writable(dir)) fail(path, "cannot be created: the directory " + quoted(dir) + " is read-only");
  } else if (!read_only) {
    if (!writable(path)) fail(path, "the file is read-only");
    // SQLite writes its rollback journal next to the database.
    if (!writable(dir)) fail(path, "the directory " + quoted(dir) + " is read-only");
  }

  const int flags = read_only ? SQLite::OPEN_READONLY
                              : (SQLite::OPEN_READWRITE | (exists ? 0 : SQLite::OPEN_CREATE));
  std::shared_ptr<ResultConnection> conn;
  try {
    conn = std::make_shared<ResultConnection>(path, flags, read_only);
    inspect(*conn);
    // Connection settings only: they do not change the file.
    conn->db.exec("PRAGMA foreign_keys = ON");
    if (!read_only && sqlite3_db_readonly(conn->db.getHandle(), "main") == 1) fail(path, "the file is read-only");
    if (!exists) {
      SQLite::Transaction tx(conn->db, SQLite::TransactionBehavior::IMMEDIATE);
      ensure_schema(*conn);
      tx.commit();
    }
  } catch (const SQLite::Exception& e) {
    conn.reset();
    if (!exists && fs::is_regular_file(path, ec) && fs::file_size(path, ec) == 0) fs::remove(path, ec);
    fail(path, describe_open_error(e));
  } catch (const ResultStoreError&) {
    conn.reset();
    if (!exists && fs::is_regular_file(path, ec) && fs::file_size(path, ec) == 0) fs::remove(path, ec);
    throw;
  }
  return ResultStore(std::move(conn));
}

const fs::path& ResultStore::path() const { return connection_->path; }
int ResultStore::schema_version() const { return connection_->schema_version; }
int ResultStore::current_schema_version() { return rs::kSchemaVersion; }

std::unique_ptr<RunRecorder> ResultStore::begin_run(const scenarios::Scenario& scenario, std::uint64_t seed,
                                                    RecorderOptions options) {
  auto& c = *connection_;
  if (c.read_only) fail(c.path, "was opened read-only; cannot record a run");
  RunRow row;
  row.scenario_name = scenario.name;
  if (!scenario.source_path.empty()) {
    // Absolute and canonical, so a GUI run and a CLI run of the same file record the same path.
    std::error_code ec;
    fs::path p = fs::weakly_canonical(fs::absolute(scenario.source_path, ec), ec);
    row.scenario_path = ec ? scenario.source_path : p.string();
  }
  row.scenario_text = scenario.source_text;
  row.seed = seed;
  row.overrides = scenario.overrides;
  row.status = RunStatus::kRunning;
  row.started_at = now_iso8601();
  row.planned_days = scenario.run.days;
  row.snapshot_interval_us = scenario.run.snapshot_interval;
  row.auction_log_rate = scenario.run.auction_log_rate;
  row.adsim_version = std::string(results_adsim_version());
  row.kind = scenario.auction_only.enabled ? "auction_only" : "marketplace";
  std::unique_ptr<RunRecorder::Impl> impl;
  try {
    SQLite::Transaction tx(c.db, SQLite::TransactionBehavior::IMMEDIATE);
    ensure_schema(c);
    SQLite::Statement insert(c.db, c.schema.runs.insert_sql());
    c.schema.runs.bind(insert, row, rs::kAtInsert);
    insert.exec();
    row.run_id = c.db.getLastInsertRowid();
    // Prepared before the commit, so that a failure here leaves no orphan 'running' row.
    impl = std::make_unique<RunRecorder::Impl>(connection_, std::move(row), options);
    tx.commit();
  } catch (const SQLite::Exception& e) {
    fail_sqlite(c.path, "starting a run of scenario '" + scenario.name + "'", e);
  }
  return std::unique_ptr<RunRecorder>(new RunRecorder(std::move(impl)));
}

namespace {

// The runs rows (all, or one) with their per-slot totals and reliability bins put back.
std::vector<RunRow> read_runs_where(ResultConnection& c, std::optional<std::int64_t> run_id) {
  const auto& s = c.schema;
  const std::string where = run_id ? "run_id = ?" : "1 = 1";
  auto runs = read_rows(c, s.runs, where, run_id, "run_id");
  if (runs.empty()) return runs;
  const auto slots = read_rows(c, s.run_slots, where, run_id, s.run_slots.key_list());
  const auto bins = read_rows(c, s.model_reliability, where + " AND interval_index = -1", run_id,
                              s.model_reliability.key_list());
  const auto run_key = [](const auto& r) { return r.run_id; };
  merge_sorted(runs, slots, run_key, run_key, [&](RunRow& r, const SlotRow& x) { restore_slot(c.path, r.totals, x); });
  merge_sorted(runs, bins, run_key, run_key,
               [&](RunRow& r, const ModelReliabilityRow& x) { restore_bin(c.path, r.model, x); });
  const auto surfaces = read_rows(c, s.surface_metrics, where + " AND interval_index = -1", run_id,
                                  s.surface_metrics.key_list());
  merge_sorted(runs, surfaces, run_key, run_key,
               [&](RunRow& r, const SurfaceRow& x) { restore_surface(r.totals, r.surface_model, x); });
  return runs;
}

}  // namespace

std::vector<RunRow> ResultStore::read_runs() const { return read_runs_where(*connection_, std::nullopt); }

std::optional<RunRow> ResultStore::read_run(std::int64_t run_id) const {
  auto rows = read_runs_where(*connection_, run_id);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::vector<IntervalRow> ResultStore::read_intervals(std::int64_t run_id) const {
  auto& c = *connection_;
  const auto& t = c.schema.intervals;
  auto rows = read_rows(c, t, "run_id = ?", run_id, t.key_list());
  if (rows.empty()) return rows;
  const auto index = [](const auto& r) { return r.interval_index; };
  merge_sorted(rows, read_interval_slots(run_id), index, index,
               [&](IntervalRow& r, const SlotRow& x) { restore_slot(c.path, r.metrics.counts, x); });
  merge_sorted(rows, read_model_reliability(run_id), index, index,
               [&](IntervalRow& r, const ModelReliabilityRow& x) { restore_bin(c.path, r.metrics.model, x); });
  merge_sorted(rows, read_surface_metrics(run_id), index, index, [&](IntervalRow& r, const SurfaceRow& x) {
    restore_surface(r.metrics.counts, r.metrics.surface_model, x);
  });
  return rows;
}

std::vector<SlotRow> ResultStore::read_interval_slots(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.interval_slots, run_id);
}

std::vector<SurfaceRow> ResultStore::read_surface_metrics(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.surface_metrics, run_id);
}

std::vector<SlotRow> ResultStore::read_run_slots(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.run_slots, run_id);
}

std::vector<ModelReliabilityRow> ResultStore::read_model_reliability(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.model_reliability, run_id);
}

std::vector<CampaignSpendRow> ResultStore::read_campaign_spend(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.campaign_spend, run_id);
}

std::vector<CampaignTotalsRow> ResultStore::read_campaign_totals(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.campaign_totals, run_id);
}

std::vector<AuctionRequestRow> ResultStore::read_auction_requests(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.auction_requests, run_id);
}

std::vector<AuctionCandidateRow> ResultStore::read_auction_candidates(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.auction_candidates, run_id);
}

std::vector<core::AuctionLogEntry> ResultStore::read_auction_log(std::int64_t run_id) const {
  std::vector<core::AuctionLogEntry> out;
  auto requests = read_auction_requests(run_id);
  const auto candidates = read_auction_candidates(run_id);
  out.reserve(requests.size());
  std::size_t next = 0;  // both are ordered by request_id
  for (auto& r : requests) {
    core::AuctionLogEntry entry = std::move(r.entry);
    while (next < candidates.size() && candidates[next].request_id < entry.request_id) ++next;
    while (next < candidates.size() && candidates[next].request_id == entry.request_id)
      entry.candidates.push_back(candidates[next++].candidate);
    out.push_back(std::move(entry));
  }
  return out;
}

std::optional<AuctionOnlyRunRow> ResultStore::read_auction_only_run(std::int64_t run_id) const {
  const auto& t = connection_->schema.auction_only_runs;
  auto rows = read_rows(*connection_, t, "run_id = ?", run_id, t.key_list());
  if (rows.empty()) return std::nullopt;
  AuctionOnlyRunRow row = std::move(rows.front());
  for (const auto& slot : read_auction_only_slots(run_id)) {
    if (slot.slot < 0 || slot.slot >= core::kMaxSlots)
      fail(connection_->path, "auction-only slot " + std::to_string(slot.slot) + " of run " + std::to_string(run_id) +
                                  " is out of range");
    row.metrics.per_slot[static_cast<std::size_t>(slot.slot)] = slot.metrics;
    row.metrics.slots = std::max(row.metrics.slots, static_cast<int>(slot.slot) + 1);
  }
  return row;
}

std::vector<AuctionOnlySlotRow> ResultStore::read_auction_only_slots(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.auction_only_slots, run_id);
}

std::vector<AuctionOnlyBidderRow> ResultStore::read_auction_only_bidders(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.auction_only_bidders, run_id);
}

std::vector<AuctionOnlyBlockRow> ResultStore::read_auction_only_blocks(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.auction_only_blocks, run_id);
}

std::string ResultStore::dump_run_rows(std::int64_t run_id) const {
  auto& c = *connection_;
  std::string out;
  refresh_if_empty(c);
  if (c.schema_version == 0) return out;
  const auto skipped = [](std::string_view column) {
    return column == "run_id" || column == "started_at" || column == "finished_at" || column == "wall_seconds";
  };
  try {
    for (const auto& table : c.schema.tables(c.schema_version)) {
      std::vector<std::string> columns;
      for (const auto& name : table.columns)
        if (!skipped(name)) columns.push_back(name);
      std::string list;
      for (const auto& name : columns) list += (list.empty() ? "" : ", ") + name;
      out += "[" + table.name + "]\n";
      SQLite::Statement s(c.db, "SELECT " + list + " FROM " + table.name + " WHERE run_id = ? ORDER BY " +
                                    table.order_by);
      s.bind(1, run_id);
      while (s.executeStep()) {
        for (std::size_t i = 0; i < columns.size(); ++i) {
          if (i) out += ' ';
          out += columns[i];
          out += '=';
          append_dump_value(out, s.getColumn(static_cast<int>(i)));
        }
        out += '\n';
      }
    }
  } catch (const SQLite::Exception& e) {
    fail_sqlite(c.path, "dumping run " + std::to_string(run_id), e);
  }
  return out;
}

}  // namespace adsim::store

#include "store/result_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <limits>
#include <set>
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
      : path(std::move(p)), db(path, flags, /*busy timeout ms: other runs and studies may be writing*/ 60'000),
        read_only(ro) {}

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

// Absolute and canonical, so a GUI run and a CLI run of the same file record the same path.
std::string canonical_scenario_path(const std::string& source_path) {
  if (source_path.empty()) return {};
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(source_path, ec), ec);
  return ec ? source_path : p.string();
}

// A file with adsim's id must have every table and column of its schema version. One changed by
// hand or damaged is refused when it is opened: otherwise a run would fail at its first write, after
// the work was done, and leave a 'running' row behind.
void check_tables(ResultConnection& c) {
  for (const auto& table : c.schema.tables(c.schema_version)) {
    std::set<std::string> have;
    SQLite::Statement s(c.db, "SELECT name FROM pragma_table_info(?)");
    s.bind(1, table.name);
    while (s.executeStep()) have.insert(s.getColumn(0).getString());
    const std::string why = " of schema version " + std::to_string(c.schema_version) +
                            ": it was changed outside adsim or is damaged. Use another results file.";
    if (have.empty()) fail(c.path, "has no table " + table.name + why);
    for (const auto& column : table.columns)
      if (!have.count(column)) fail(c.path, "table " + table.name + " has no column " + column + why);
  }
}

// Reads what the file is without writing to it; sets connection.schema_version. One statement, so
// one read transaction: the three facts come from the same state of the file. (Read one by one,
// another process creating the schema between the reads made a new file look like a foreign
// database: no application id yet, but tables already.)
void inspect(ResultConnection& c) {
  SQLite::Statement q(c.db,
                      "SELECT (SELECT application_id FROM pragma_application_id()),"
                      " (SELECT user_version FROM pragma_user_version()),"
                      " (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%')");
  q.executeStep();
  const int application_id = q.getColumn(0).getInt();
  const int user_version = q.getColumn(1).getInt();
  const int tables = q.getColumn(2).getInt();
  q.reset();
  if (application_id == rs::kApplicationId) {
    if (user_version > rs::kSchemaVersion)
      fail(c.path, "was written by a newer adsim (schema version " + std::to_string(user_version) +
                       "; this build knows up to " + std::to_string(rs::kSchemaVersion) +
                       "). Use a newer adsim or another results file.");
    c.schema_version = user_version;
    check_tables(c);
    return;
  }
  if (application_id != 0 || user_version != 0 || tables > 0)
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

// Write-ahead logging: a reader holding a transaction (a report, sqlite3, pandas) no longer makes a
// running simulation fail with "database is locked", and a commit costs one fsync of the log, not
// two. The mode is stored in the file, so it is set once, outside any transaction; a file another
// process holds open may refuse the switch for now, and then stays in rollback mode until the next
// run (both modes are safe). synchronous = NORMAL is what SQLite recommends with WAL: a crash of
// the process loses nothing committed; a power loss may lose the last commits, never consistency.
void use_write_ahead_log(ResultConnection& c) {
  if (c.read_only || c.path == ":memory:") return;
  try {
    const std::string mode = c.db.execAndGet("PRAGMA main.journal_mode = WAL").getString();
    if (mode != "wal") spdlog::debug("results database '{}' stays in journal mode {}", c.path.string(), mode);
    c.db.exec("PRAGMA main.synchronous = NORMAL");
  } catch (const SQLite::Exception& e) {
    spdlog::debug("results database '{}': write-ahead log not enabled now: {}", c.path.string(), e.what());
  }
}

// Runs `write` in one IMMEDIATE transaction after making sure the schema is current (creating or
// upgrading it in the same transaction, so two processes that open a new file at once both see
// either no schema or all of it). SQLite errors become ResultStoreError naming `doing`.
template <class Write>
void write_transaction(ResultConnection& c, const std::string& doing, Write&& write) {
  try {
    SQLite::Transaction tx(c.db, SQLite::TransactionBehavior::IMMEDIATE);
    ensure_schema(c);
    write();
    tx.commit();
  } catch (const SQLite::Exception& e) {
    fail_sqlite(c.path, doing, e);
  }
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
        insert_prediction(conn->db, conn->schema.prediction_log.insert_sql()),
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
  SQLite::Statement insert_prediction;
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
  std::vector<PredictionLogRow> predictions;
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
  std::uint64_t predictions_recorded = 0;
  std::uint64_t blocks_recorded = 0;
  bool finished = false;

  std::size_t buffered() const {
    return intervals.size() + spend.size() + slots.size() + surfaces.size() + reliability.size() + requests.size() +
           candidates.size() + predictions.size() + blocks.size();
  }

  void clear_buffers() {
    intervals.clear();  // keeps capacity: no allocation per batch in steady state
    spend.clear();
    slots.clear();
    surfaces.clear();
    reliability.clear();
    requests.clear();
    candidates.clear();
    predictions.clear();
    blocks.clear();
  }

  void reset_statements() noexcept {
    insert_interval.tryReset();
    insert_spend.tryReset();
    insert_interval_slot.tryReset();
    insert_reliability.tryReset();
    insert_request.tryReset();
    insert_candidate.tryReset();
    insert_prediction.tryReset();
    insert_block.tryReset();
  }

  // Inside a transaction. Requests before their candidates (foreign key).
  void write_buffers() {
    const auto& s = conn->schema;
    for (const auto& r : requests) exec_insert(insert_request, s.auction_requests, r);
    for (const auto& r : candidates) exec_insert(insert_candidate, s.auction_candidates, r);
    for (const auto& r : predictions) exec_insert(insert_prediction, s.prediction_log, r);
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
    run.prediction_samples = predictions_recorded;
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
    SQLite::Statement insert_award(conn->db, s.auction_only_allocation.insert_sql());
    for (AuctionOnlyBidderRow b : record.bidders) {
      b.run_id = run.run_id;
      exec_insert(insert_bidder, s.auction_only_bidders, b);
      for (std::size_t k = 0; k < b.outcome.slots.size(); ++k) {
        const AuctionOnlyAllocationRow award{run.run_id, b.bidder, static_cast<std::int64_t>(k), b.outcome.slots[k]};
        exec_insert(insert_award, s.auction_only_allocation, award);
      }
    }
    SQLite::Statement insert_point(conn->db, s.auction_only_pacing.insert_sql());
    for (const auction::PacingPoint& p : record.pacing)
      exec_insert(insert_point, s.auction_only_pacing, AuctionOnlyPacingRow{run.run_id, p});
    SQLite::Statement insert_bid(conn->db, s.auction_only_bids.insert_sql());
    for (const auction::BidRecord& b : record.bids) exec_insert(insert_bid, s.auction_only_bids, AuctionOnlyBidRow{run.run_id, b});
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
    run.smart_pacing_error = kNaN;  // defined over whole campaigns' runs, which need the summary
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
  row.metrics.arms = interval.arms;
  row.metrics.model = model_scalars(interval.model);
  const auto& spend = interval.campaign_spend_today;
  const auto& target = interval.campaign_target_today;
  const bool has_target = !target.empty();
  const std::size_t campaigns = m.options.spend_curves ? std::max(spend.size(), target.size()) : 0;
  for (std::size_t c = 0; c < campaigns; ++c) {
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
  if (!m.options.auction_log) return;
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

void RunRecorder::on_predictions(std::span<const core::PredictionLogEntry> entries) {
  auto& m = *impl_;
  m.ensure_open("on_predictions");
  for (const core::PredictionLogEntry& e : entries) m.predictions.push_back(PredictionLogRow{m.run.run_id, e});
  m.predictions_recorded += entries.size();
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
  m.run.new_ads = summary.new_ads;
  m.run.arms = summary.arms;
  m.run.off_policy = summary.off_policy;
  m.run.smart_pacing_error = summary.smart_pacing_error;
  m.run.prior_predictions = summary.prior_predictions;
  m.run.model_training = summary.model_training;
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

  // Create the file ourselves, exclusively, so that we know whether it is ours: two processes that
  // open one new path at the same moment must not both think so (the loser of the race opens the
  // winner's file, whose schema is created in one transaction, and sees all of it or none).
  bool created = false;
  if (!exists && !read_only) {
    const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
    if (fd >= 0) {
      created = true;
      ::close(fd);
    } else if (errno != EEXIST) {
      fail(path, "cannot be created: " + std::generic_category().message(errno));
    }
  }
  const int flags = read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE;
  std::shared_ptr<ResultConnection> conn;
  const auto remove_if_ours_and_empty = [&] {
    if (created && fs::is_regular_file(path, ec) && fs::file_size(path, ec) == 0) fs::remove(path, ec);
  };
  try {
    conn = std::make_shared<ResultConnection>(path, flags, read_only);
    // Connection settings only: they do not change the file.
    conn->db.exec("PRAGMA foreign_keys = ON");
    if (!read_only && sqlite3_db_readonly(conn->db.getHandle(), "main") == 1) fail(path, "the file is read-only");
    if (created) {
      use_write_ahead_log(*conn);
      write_transaction(*conn, "creating the schema", [] {});
    } else {
      inspect(*conn);
    }
  } catch (const SQLite::Exception& e) {
    conn.reset();
    remove_if_ours_and_empty();
    fail(path, describe_open_error(e));
  } catch (const ResultStoreError&) {
    conn.reset();
    remove_if_ours_and_empty();
    throw;
  }
  return ResultStore(std::move(conn));
}

ResultStore ResultStore::open_in_memory() {
  try {
    auto conn = std::make_shared<ResultConnection>(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, false);
    // No foreign-key checks here: a private store holds one run written by the recorder, and the
    // file it is merged into checks every row again. They were half of the cost of recording a
    // run in memory (a parent lookup per row).
    conn->db.exec("PRAGMA foreign_keys = OFF");
    write_transaction(*conn, "creating the schema", [] {});
    return ResultStore(std::move(conn));
  } catch (const SQLite::Exception& e) {
    fail(":memory:", describe_open_error(e));
  }
}

const fs::path& ResultStore::path() const { return connection_->path; }
int ResultStore::schema_version() const { return connection_->schema_version; }
int ResultStore::current_schema_version() { return rs::kSchemaVersion; }

namespace {

// The `runs` row a run starts with (status 'running', no summary yet).
RunRow new_run_row(const scenarios::Scenario& scenario, std::uint64_t seed, const RunLink& link) {
  RunRow row;
  row.scenario_name = scenario.name;
  row.scenario_path = canonical_scenario_path(scenario.source_path);
  row.scenario_text = scenario.source_text;
  row.seed = seed;
  row.overrides = scenario.overrides;
  row.status = RunStatus::kRunning;
  row.started_at = now_iso8601();
  row.planned_days = scenario.run.days;
  row.snapshot_interval_us = scenario.run.snapshot_interval;
  row.auction_log_rate = scenario.run.auction_log_rate;
  row.prediction_log_rate = scenario.run.prediction_log_rate;
  row.adsim_version = std::string(results_adsim_version());
  row.kind = scenario.auction_only.enabled ? "auction_only" : "marketplace";
  row.experiment_id = link.experiment_id;
  row.variant_id = link.variant_id;
  row.replication = link.replication;
  return row;
}

// Inside a write transaction: inserts the row and sets its run_id.
void insert_run_row(ResultConnection& c, RunRow& row) {
  SQLite::Statement insert(c.db, c.schema.runs.insert_sql());
  c.schema.runs.bind(insert, row, rs::kAtInsert);
  insert.exec();
  row.run_id = c.db.getLastInsertRowid();
}

}  // namespace

std::unique_ptr<RunRecorder> ResultStore::begin_run(const scenarios::Scenario& scenario, std::uint64_t seed,
                                                    RecorderOptions options, const RunLink& link) {
  auto& c = *connection_;
  if (c.read_only) fail(c.path, "was opened read-only; cannot record a run");
  RunRow row = new_run_row(scenario, seed, link);
  std::unique_ptr<RunRecorder::Impl> impl;
  use_write_ahead_log(c);
  write_transaction(c, "starting a run of scenario '" + scenario.name + "'", [&] {
    insert_run_row(c, row);
    // Prepared before the commit, so that a failure here leaves no orphan 'running' row.
    impl = std::make_unique<RunRecorder::Impl>(connection_, std::move(row), options);
  });
  return std::unique_ptr<RunRecorder>(new RunRecorder(std::move(impl)));
}

std::int64_t ResultStore::insert_placeholder(const scenarios::Scenario& scenario, std::uint64_t seed,
                                             const RunLink& link) {
  auto& c = *connection_;
  if (c.read_only) fail(c.path, "was opened read-only; cannot record a run");
  RunRow row = new_run_row(scenario, seed, link);
  write_transaction(c, "starting a run of scenario '" + scenario.name + "'", [&] { insert_run_row(c, row); });
  return row.run_id;
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

std::vector<PredictionLogRow> ResultStore::read_prediction_log(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.prediction_log, run_id);
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
  std::vector<AuctionOnlyBidderRow> bidders = rows_of_run(*connection_, connection_->schema.auction_only_bidders, run_id);
  for (const AuctionOnlyAllocationRow& a : read_auction_only_allocation(run_id)) {
    for (AuctionOnlyBidderRow& b : bidders) {
      if (b.bidder != a.bidder) continue;
      if (b.outcome.slots.size() <= static_cast<std::size_t>(a.slot)) b.outcome.slots.resize(static_cast<std::size_t>(a.slot) + 1);
      b.outcome.slots[static_cast<std::size_t>(a.slot)] = a.outcome;
    }
  }
  return bidders;
}

std::vector<AuctionOnlyAllocationRow> ResultStore::read_auction_only_allocation(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.auction_only_allocation, run_id);
}

std::vector<AuctionOnlyPacingRow> ResultStore::read_auction_only_pacing(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.auction_only_pacing, run_id);
}

std::vector<AuctionOnlyBidRow> ResultStore::read_auction_only_bids(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.auction_only_bids, run_id);
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
    // Wall-clock and grouping columns: where and when a run was recorded, not what it found.
    return column == "run_id" || column == "started_at" || column == "finished_at" || column == "wall_seconds" ||
           column == "model_train_wall_seconds" || column == "experiment_id" || column == "variant_id" || column == "replication";
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


// ---------------------------------------------------------------------------------------------
// Studies

namespace {

std::vector<VariantRow> read_variants_with_parameters(ResultConnection& c, std::int64_t experiment_id) {
  const auto& s = c.schema;
  auto variants = read_rows(c, s.variants, "experiment_id = ?", experiment_id, "position");
  if (variants.empty()) return variants;
  const auto parameters = read_rows(
      c, s.variant_parameters, "variant_id IN (SELECT variant_id FROM variants WHERE experiment_id = ?)",
      experiment_id, "variant_id, position");
  for (auto& v : variants)
    for (const auto& p : parameters)
      if (p.variant_id == v.variant_id) v.parameters.push_back(p);
  return variants;
}

bool same_variants(const std::vector<VariantRow>& a, const std::vector<VariantRow>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].parameters.size() != b[i].parameters.size()) return false;
    for (std::size_t k = 0; k < a[i].parameters.size(); ++k)
      if (a[i].parameters[k].key != b[i].parameters[k].key || a[i].parameters[k].value != b[i].parameters[k].value)
        return false;
  }
  return true;
}

// "INSERT INTO main.T (a, b, ...) SELECT a, b, ... FROM w.T" with some columns replaced by
// parameters (run_id and the study link of a merged run).
std::string copy_sql(const std::string& table, const std::vector<std::string>& columns,
                     const std::vector<std::pair<std::string, std::string>>& replaced) {
  std::string into, select;
  for (const auto& name : columns) {
    into += (into.empty() ? "" : ", ") + name;
    std::string expression = name;
    for (const auto& [column, with] : replaced)
      if (column == name) expression = with;
    select += (select.empty() ? "" : ", ") + expression;
  }
  return "INSERT INTO main." + table + " (" + into + ") SELECT " + select + " FROM w." + table;
}

}  // namespace

ExperimentRow ResultStore::ensure_experiment(ExperimentRow experiment, std::vector<VariantRow>& variants,
                                             std::int64_t baseline_position) {
  auto& c = *connection_;
  if (c.read_only) fail(c.path, "was opened read-only; cannot record a study");
  const auto& s = c.schema;
  experiment.scenario_path = canonical_scenario_path(experiment.scenario_path);
  use_write_ahead_log(c);
  write_transaction(c, "recording experiment '" + experiment.name + "'", [&] {
    SQLite::Statement find(c.db, "SELECT experiment_id FROM experiments WHERE definition = ?");
    find.bind(1, experiment.definition);
    if (find.executeStep()) {
      experiment.experiment_id = find.getColumn(0).getInt64();
      const auto stored = read_variants_with_parameters(c, experiment.experiment_id);
      if (!same_variants(stored, variants))
        fail(c.path, "experiment " + std::to_string(experiment.experiment_id) +
                         " has the same definition but other variants; the file is inconsistent");
      variants = stored;
    } else {
      experiment.created_at = now_iso8601();
      experiment.adsim_version = std::string(results_adsim_version());
      SQLite::Statement insert(c.db, s.experiments.insert_sql());
      s.experiments.bind(insert, experiment, rs::kAtInsert);
      insert.exec();
      experiment.experiment_id = c.db.getLastInsertRowid();
      SQLite::Statement insert_variant(c.db, s.variants.insert_sql());
      SQLite::Statement insert_parameter(c.db, s.variant_parameters.insert_sql());
      for (std::size_t i = 0; i < variants.size(); ++i) {
        VariantRow& v = variants[i];
        v.experiment_id = experiment.experiment_id;
        v.position = static_cast<std::int64_t>(i);
        exec_insert(insert_variant, s.variants, v);
        v.variant_id = c.db.getLastInsertRowid();
        for (std::size_t k = 0; k < v.parameters.size(); ++k) {
          v.parameters[k].variant_id = v.variant_id;
          v.parameters[k].position = static_cast<std::int64_t>(k);
          exec_insert(insert_parameter, s.variant_parameters, v.parameters[k]);
        }
      }
    }
    experiment.baseline_variant_id =
        baseline_position >= 0 && baseline_position < static_cast<std::int64_t>(variants.size())
            ? variants[static_cast<std::size_t>(baseline_position)].variant_id
            : 0;
    SQLite::Statement update(c.db, "UPDATE experiments SET seeds = ?, baseline_variant_id = ? WHERE experiment_id = ?");
    update.bind(1, experiment.seeds);
    if (experiment.baseline_variant_id != 0) update.bind(2, experiment.baseline_variant_id);
    else update.bind(2);
    update.bind(3, experiment.experiment_id);
    update.exec();
  });
  return *read_experiment(experiment.experiment_id);
}

std::vector<ExperimentRow> ResultStore::read_experiments() const {
  return read_rows(*connection_, connection_->schema.experiments, "1 = 1", std::nullopt, "experiment_id");
}

std::optional<ExperimentRow> ResultStore::read_experiment(std::int64_t experiment_id) const {
  auto rows = read_rows(*connection_, connection_->schema.experiments, "experiment_id = ?", experiment_id,
                        "experiment_id");
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::vector<VariantRow> ResultStore::read_variants(std::int64_t experiment_id) const {
  return read_variants_with_parameters(*connection_, experiment_id);
}

std::vector<RunRow> ResultStore::read_experiment_runs(std::int64_t experiment_id) const {
  if (connection_->schema_version < 4) refresh_if_empty(*connection_);
  if (connection_->schema_version < 4) return {};
  return read_rows(*connection_, connection_->schema.runs, "experiment_id = ?", experiment_id, "run_id");
}

void ResultStore::end_placeholder(std::int64_t run_id, RunStatus status, std::string_view message) {
  auto& c = *connection_;
  if (c.read_only) fail(c.path, "was opened read-only; cannot end a run");
  write_transaction(c, "ending run " + std::to_string(run_id), [&] {
    SQLite::Statement update(c.db, "UPDATE runs SET status = ?, error_message = ?, finished_at = ? "
                                   "WHERE run_id = ? AND status = 'running'");
    update.bind(1, std::string(to_string(status)));
    update.bind(2, std::string(message));
    update.bind(3, now_iso8601());
    update.bind(4, run_id);
    update.exec();
  });
}

void ResultStore::delete_run(std::int64_t run_id) {
  auto& c = *connection_;
  if (c.read_only) fail(c.path, "was opened read-only; cannot delete a run");
  write_transaction(c, "deleting run " + std::to_string(run_id), [&] {
    // Children first: not every table's rows reach runs by ON DELETE CASCADE in files made by older
    // versions that were upgraded (ALTER TABLE adds no foreign keys), so each is deleted by name.
    const auto tables = c.schema.tables(c.schema_version);
    for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
      SQLite::Statement del(c.db, "DELETE FROM " + it->name + " WHERE run_id = ?");
      del.bind(1, run_id);
      del.exec();
    }
  });
}

void ResultStore::write_run_metrics(std::int64_t run_id, const std::vector<RunMetricRow>& metrics) {
  auto& c = *connection_;
  if (c.read_only) fail(c.path, "was opened read-only; cannot write metrics");
  write_transaction(c, "writing the metrics of run " + std::to_string(run_id), [&] {
    SQLite::Statement insert(c.db, c.schema.run_metrics.insert_sql());
    for (RunMetricRow row : metrics) {
      row.run_id = run_id;
      exec_insert(insert, c.schema.run_metrics, row);
    }
  });
}

std::vector<RunMetricRow> ResultStore::read_run_metrics_of_experiment(std::int64_t experiment_id) const {
  return read_rows(*connection_, connection_->schema.run_metrics,
                   "run_id IN (SELECT run_id FROM runs WHERE experiment_id = ? AND status = 'completed')",
                   experiment_id, "run_id, metric");
}

std::vector<RunMetricRow> ResultStore::read_run_metrics(std::int64_t run_id) const {
  return rows_of_run(*connection_, connection_->schema.run_metrics, run_id);
}

void ResultStore::write_experiment_results(std::int64_t experiment_id,
                                           const std::vector<ExperimentSummaryRow>& summary,
                                           const std::vector<ExperimentComparisonRow>& comparisons) {
  auto& c = *connection_;
  if (c.read_only) fail(c.path, "was opened read-only; cannot write study results");
  const auto& s = c.schema;
  write_transaction(c, "writing the results of experiment " + std::to_string(experiment_id), [&] {
    for (const char* table : {"experiment_summary", "experiment_comparisons"}) {
      SQLite::Statement del(c.db, std::string("DELETE FROM ") + table + " WHERE experiment_id = ?");
      del.bind(1, experiment_id);
      del.exec();
    }
    SQLite::Statement insert_summary(c.db, s.experiment_summary.insert_sql());
    for (ExperimentSummaryRow row : summary) {
      row.experiment_id = experiment_id;
      exec_insert(insert_summary, s.experiment_summary, row);
    }
    SQLite::Statement insert_comparison(c.db, s.experiment_comparisons.insert_sql());
    for (ExperimentComparisonRow row : comparisons) {
      row.experiment_id = experiment_id;
      exec_insert(insert_comparison, s.experiment_comparisons, row);
    }
  });
}

std::vector<ExperimentSummaryRow> ResultStore::read_experiment_summary(std::int64_t experiment_id) const {
  const auto& t = connection_->schema.experiment_summary;
  return read_rows(*connection_, t, "experiment_id = ?", experiment_id, t.key_list());
}

std::vector<ExperimentComparisonRow> ResultStore::read_experiment_comparisons(std::int64_t experiment_id) const {
  const auto& t = connection_->schema.experiment_comparisons;
  return read_rows(*connection_, t, "experiment_id = ?", experiment_id, t.key_list());
}

std::vector<unsigned char> ResultStore::image() const {
  auto& c = *connection_;
  sqlite3_int64 size = 0;
  unsigned char* bytes = sqlite3_serialize(c.db.getHandle(), "main", &size, 0);
  if (bytes == nullptr) fail(c.path, "cannot serialize the database (out of memory)");
  std::vector<unsigned char> out(bytes, bytes + size);
  sqlite3_free(bytes);
  return out;
}

std::int64_t ResultStore::merge_run_image(const std::vector<unsigned char>& image, std::int64_t placeholder_run_id,
                                          const RunLink& link) {
  auto& c = *connection_;
  if (c.read_only) fail(c.path, "was opened read-only; cannot record a run");
  SQLite::Database& db = c.db;
  // The image becomes the attached schema `w`; SQLite owns (and frees) the copy it deserializes.
  try {
    db.exec("ATTACH DATABASE ':memory:' AS w");
  } catch (const SQLite::Exception& e) {
    fail_sqlite(c.path, "attaching a run image", e);
  }
  struct Detach {
    SQLite::Database& db;
    ~Detach() {
      try {
        db.exec("DETACH DATABASE w");
      } catch (const SQLite::Exception& e) {
        spdlog::warn("detaching a run image: {}", e.what());
      }
    }
  } detach{db};
  auto* copy = static_cast<unsigned char*>(sqlite3_malloc64(image.size()));
  if (copy == nullptr) fail(c.path, "out of memory for a run image");
  std::copy(image.begin(), image.end(), copy);
  const int rc = sqlite3_deserialize(db.getHandle(), "w", copy, static_cast<sqlite3_int64>(image.size()),
                                     static_cast<sqlite3_int64>(image.size()),
                                     SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
  if (rc != SQLITE_OK) fail(c.path, std::string("cannot read a run image: ") + sqlite3_errstr(rc));
  std::int64_t run_id = 0;
  use_write_ahead_log(c);
  // The image is one run whose rows refer to its own runs row, which is copied first in the same
  // transaction: checking each copied row's foreign key again would double the merge's cost.
  db.exec("PRAGMA foreign_keys = OFF");
  struct ForeignKeysBackOn {
    SQLite::Database& db;
    ~ForeignKeysBackOn() {
      try {
        db.exec("PRAGMA foreign_keys = ON");
      } catch (const SQLite::Exception& e) {
        spdlog::warn("re-enabling foreign keys: {}", e.what());
      }
    }
  } foreign_keys_back_on{db};
  write_transaction(c, "recording a run of experiment " + std::to_string(link.experiment_id), [&] {
    if (db.execAndGet("PRAGMA w.user_version").getInt() != rs::kSchemaVersion ||
        db.execAndGet("SELECT count(*) FROM w.runs").getInt() != 1)
      fail(c.path, "a run image must hold exactly one run of schema version " + std::to_string(rs::kSchemaVersion));
    const std::int64_t image_run = db.execAndGet("SELECT run_id FROM w.runs").getInt64();
    SQLite::Statement placeholder(db, "SELECT count(*) FROM main.runs WHERE run_id = ? AND status = 'running'");
    placeholder.bind(1, placeholder_run_id);
    placeholder.executeStep();
    const bool reuse = placeholder.getColumn(0).getInt() == 1;
    if (reuse) {
      SQLite::Statement del(db, "DELETE FROM main.runs WHERE run_id = ?");
      del.bind(1, placeholder_run_id);
      del.exec();
    }
    if (link.experiment_id != 0) {
      // Another process running the same study may have completed this cell meanwhile.
      SQLite::Statement done(db, "SELECT count(*) FROM main.runs WHERE experiment_id = ? AND variant_id = ? AND "
                                 "seed = (SELECT seed FROM w.runs) AND status = 'completed'");
      done.bind(1, link.experiment_id);
      done.bind(2, link.variant_id);
      done.executeStep();
      if (done.getColumn(0).getInt() > 0) return;  // run_id stays 0: discarded
    }
    for (const auto& table : c.schema.tables(rs::kSchemaVersion)) {
      const bool is_runs = table.name == "runs";
      std::vector<std::pair<std::string, std::string>> replaced = {{"run_id", "?1"}};
      if (is_runs) {
        replaced.emplace_back("experiment_id", "?2");
        replaced.emplace_back("variant_id", "?3");
        replaced.emplace_back("replication", "?4");
      }
      SQLite::Statement copy_rows(db, copy_sql(table.name, table.columns, replaced) + " WHERE run_id = ?5");
      if (is_runs) {
        if (reuse) copy_rows.bind(1, placeholder_run_id);
        else copy_rows.bind(1);  // NULL: the next id
        const auto bind_or_null = [&](int index, std::int64_t v) { v != 0 ? copy_rows.bind(index, v) : copy_rows.bind(index); };
        bind_or_null(2, link.experiment_id);
        bind_or_null(3, link.variant_id);
        bind_or_null(4, link.replication);
      } else {
        copy_rows.bind(1, run_id);
      }
      copy_rows.bind(5, image_run);
      copy_rows.exec();
      if (is_runs) run_id = reuse ? placeholder_run_id : db.getLastInsertRowid();
    }
  });
  return run_id;
}

}  // namespace adsim::store

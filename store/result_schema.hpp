#pragma once
// Internal to the result store: the tables as data. Each column is declared once with how to get
// it from a row struct and how to set it back, and CREATE, INSERT, UPDATE, SELECT, schema upgrades
// and the canonical dump are all generated from these declarations.
//
// To add a column: declare it in its table in result_schema.cpp wrapped in
// `added_in(kSchemaVersion + 1, ...)`, bump kSchemaVersion, and describe it in
// docs/results-schema.md; existing databases gain it by ALTER TABLE on their next begin_run()
// (rows written before hold NULL), and older databases are still readable. To add a table: give it
// `since = kSchemaVersion + 1` (its columns need no version of their own) and list it in
// Schema::for_each_table; older databases gain it by CREATE TABLE, and reads of a database that
// lacks it return no rows.
#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/metrics.hpp"
#include "core/money.hpp"
#include "store/result_store.hpp"

namespace adsim::store::result_schema {

// Version 1: runs, intervals, campaign_spend, campaign_totals, auction_requests, auction_candidates.
// Version 2: auction economics, exploration and model-quality columns in runs and intervals, the
// pacer's target in campaign_spend, pacing-tracking columns in campaign_totals; new tables
// interval_slots, run_slots, model_reliability.
// Version 3: auction-only runs: runs.kind; new tables auction_only_runs, auction_only_slots,
// auction_only_bidders, auction_only_blocks; conversion economics columns; surface_metrics.
// Version 4: studies: runs.experiment_id, variant_id, replication; new tables run_metrics,
// experiments, variants, variant_parameters, experiment_summary, experiment_comparisons; the view
// experiment_run_metrics.
// Version 5: efficiency against every eligible ad: sampled_eligible_best_welfare_micros and
// auction_efficiency in runs and intervals (efficiency's denominator is now the eligible best);
// new-ad totals and A/B test arms in runs.
// Version 6: off-policy evaluation sums (ope_*) in runs; A/B test arms per interval (ab_*) in intervals.
// Version 7: the prediction log (new table prediction_log; runs.prediction_log_rate and
// prediction_samples); Smart Pacing's pacing error (smart_pacing_error) in runs and campaign_totals;
// classroom auction-only runs: bidder names, budgets, throttling, exhaustion and Smart Pacing's
// error in auction_only_bidders; new tables auction_only_allocation, auction_only_pacing,
// auction_only_bids.
// Version 8: the click model's cold start (runs.model_prior_predictions) and the training of models
// retrained on a schedule (runs.model_retrains, model_window_examples, model_train_wall_seconds,
// model_staleness_seconds).
inline constexpr int kSchemaVersion = 8;
// PRAGMA application_id of an adsim results database ("ADSM"), so that other SQLite files are
// recognised and left alone.
inline constexpr std::int32_t kApplicationId = 0x4144534D;

using Value = std::variant<std::monostate, std::int64_t, double, std::string>;  // monostate: NULL
enum class SqlType { kInteger, kReal, kText };

// When a column is written: with the INSERT of its row, and/or by the UPDATE that ends a run.
enum Phase : unsigned { kNever = 0, kAtInsert = 1, kAtFinish = 2 };

template <class Row>
struct Column {
  std::string name;
  SqlType type = SqlType::kInteger;
  std::string constraint;  // e.g. "NOT NULL"; columns added by ALTER TABLE must allow NULL
  int since = 1;           // schema version that added the column
  unsigned phase = kAtInsert;
  std::function<Value(const Row&)> get;
  std::function<void(Row&, const SQLite::Column&)> set;
};

std::string_view sql_type_name(SqlType type);
void bind_value(SQLite::Statement& statement, int index, const Value& value);

template <class Row>
struct Table {
  std::string name;
  int since = 1;  // schema version that added the table
  std::vector<Column<Row>> columns;
  std::vector<std::string> primary_key;  // empty if a column declares it
  std::string table_constraints;         // foreign keys, after the primary key
  std::vector<std::string> indexes;      // "name ON table(cols)"
  // Clustered on the primary key: one B-tree per row instead of two, for the big, append-only
  // auction log tables.
  bool without_rowid = false;

  std::string column_definition(const Column<Row>& c) const {
    std::string d = c.name + " " + std::string(sql_type_name(c.type));
    if (!c.constraint.empty()) d += " " + c.constraint;
    return d;
  }

  // The table as it was in `version`: an upgrade that creates it at its `since` version leaves
  // the columns added later to the ALTER TABLEs of their own versions.
  std::string create_sql(int version = kSchemaVersion) const {
    std::vector<const Column<Row>*> present;
    for (const auto& c : columns)
      if (c.since <= version) present.push_back(&c);
    std::string sql = "CREATE TABLE " + name + " (\n";
    for (std::size_t i = 0; i < present.size(); ++i) {
      sql += "  " + column_definition(*present[i]);
      if (i + 1 < present.size() || !primary_key.empty() || !table_constraints.empty()) sql += ",";
      sql += "\n";
    }
    if (!primary_key.empty()) {
      sql += "  PRIMARY KEY (" + key_list() + ")";
      sql += table_constraints.empty() ? "\n" : ",\n";
    }
    if (!table_constraints.empty()) sql += "  " + table_constraints + "\n";
    sql += without_rowid ? ") WITHOUT ROWID" : ")";
    return sql;
  }

  std::vector<std::string> create_index_sql() const {
    std::vector<std::string> out;
    for (const auto& index : indexes) out.push_back("CREATE INDEX " + index);
    return out;
  }

  // The ALTER TABLEs that bring a table of version - 1 to `version` (none if the table itself is
  // newer than that: it is created whole).
  std::vector<std::string> add_column_sql(int version) const {
    std::vector<std::string> out;
    if (since >= version) return out;
    for (const auto& c : columns) {
      if (c.since != version) continue;
      // SQLite cannot add a NOT NULL column without a default to a table that has rows.
      if (c.constraint.find("NOT NULL") != std::string::npos && c.constraint.find("DEFAULT") == std::string::npos)
        throw std::logic_error("result schema: column " + name + "." + c.name + " added in version " +
                               std::to_string(version) + " must allow NULL");
      out.push_back("ALTER TABLE " + name + " ADD COLUMN " + column_definition(c));
    }
    return out;
  }

  std::vector<std::string> column_names(int db_version) const {
    std::vector<std::string> out;
    for (const auto& c : columns)
      if (c.since <= db_version) out.push_back(c.name);
    return out;
  }

  std::string key_list() const {
    std::string s;
    for (const auto& k : primary_key) s += (s.empty() ? "" : ", ") + k;
    return s;
  }

  std::string insert_sql() const {
    std::string cols, params;
    for (const auto& c : columns) {
      if (!(c.phase & kAtInsert)) continue;
      cols += (cols.empty() ? "" : ", ") + c.name;
      params += params.empty() ? "?" : ", ?";
    }
    return "INSERT INTO " + name + " (" + cols + ") VALUES (" + params + ")";
  }

  // UPDATE of the kAtFinish columns; the key column is bound last.
  std::string update_sql(const std::string& key_column) const {
    std::string sets;
    for (const auto& c : columns)
      if (c.phase & kAtFinish) sets += (sets.empty() ? "" : ", ") + c.name + " = ?";
    return "UPDATE " + name + " SET " + sets + " WHERE " + key_column + " = ?";
  }

  // Binds the columns of `phase` in declaration order from parameter 1; returns the next index.
  int bind(SQLite::Statement& statement, const Row& row, unsigned phase) const {
    int index = 1;
    for (const auto& c : columns) {
      if (!(c.phase & phase)) continue;
      bind_value(statement, index++, c.get(row));
    }
    return index;
  }

  // SELECT of every column. An older database lacks the newer ones: they are selected as NULL, so
  // a row reads the same before and after the upgrade that adds them (NULL: integers 0, REALs NaN).
  std::string select_sql(int db_version, const std::string& where, const std::string& order_by) const {
    std::string cols;
    for (const auto& c : columns)
      cols += (cols.empty() ? "" : ", ") + (c.since <= db_version ? c.name : "NULL AS " + c.name);
    return "SELECT " + cols + " FROM " + name + " WHERE " + where + " ORDER BY " + order_by;
  }

  // A row of select_sql().
  Row read(const SQLite::Statement& statement) const {
    Row row{};
    int index = 0;
    for (const auto& c : columns) c.set(row, statement.getColumn(index++));
    return row;
  }
};

// --- Column builders. `field` is a generic lambda returning a reference to the row's member, so
// one accessor serves both get (const row) and set.

template <class Row, class Field>
Column<Row> integer(std::string name, Field field, std::string constraint = "NOT NULL") {
  return Column<Row>{std::move(name), SqlType::kInteger, std::move(constraint), 1, kAtInsert,
                     [field](const Row& r) { return Value{static_cast<std::int64_t>(field(r))}; },
                     [field](Row& r, const SQLite::Column& c) {
                       using T = std::remove_reference_t<decltype(field(r))>;
                       // Unsigned values above INT64_MAX (seeds) are stored as their two's
                       // complement and come back bit-exact.
                       field(r) = static_cast<T>(c.getInt64());
                     }};
}

// An integer where `sentinel` (e.g. -1: never, not shown) is stored as NULL.
template <class Row, class Field>
Column<Row> integer_or_null(std::string name, Field field, std::int64_t sentinel) {
  return Column<Row>{std::move(name), SqlType::kInteger, "", 1, kAtInsert,
                     [field, sentinel](const Row& r) {
                       const auto v = static_cast<std::int64_t>(field(r));
                       return v == sentinel ? Value{} : Value{v};
                     },
                     [field, sentinel](Row& r, const SQLite::Column& c) {
                       using T = std::remove_reference_t<decltype(field(r))>;
                       field(r) = static_cast<T>(c.isNull() ? sentinel : c.getInt64());
                     }};
}

template <class Row, class Field>
Column<Row> money(std::string name, Field field, std::string constraint = "NOT NULL") {
  return Column<Row>{std::move(name), SqlType::kInteger, std::move(constraint), 1, kAtInsert,
                     [field](const Row& r) { return Value{field(r).micros}; },
                     [field](Row& r, const SQLite::Column& c) { field(r) = core::Money::from_micros(c.getInt64()); }};
}

// REAL. SQLite stores NaN as NULL, so NULL reads back as NaN.
template <class Row, class Field>
Column<Row> real(std::string name, Field field, std::string constraint = "") {
  return Column<Row>{std::move(name), SqlType::kReal, std::move(constraint), 1, kAtInsert,
                     [field](const Row& r) { return Value{static_cast<double>(field(r))}; },
                     [field](Row& r, const SQLite::Column& c) {
                       field(r) = c.isNull() ? std::numeric_limits<double>::quiet_NaN() : c.getDouble();
                     }};
}

// REAL of a float member: the float's exact value, read back exactly.
template <class Row, class Field>
Column<Row> real_float(std::string name, Field field, std::string constraint = "NOT NULL") {
  return Column<Row>{std::move(name), SqlType::kReal, std::move(constraint), 1, kAtInsert,
                     [field](const Row& r) { return Value{static_cast<double>(field(r))}; },
                     [field](Row& r, const SQLite::Column& c) {
                       field(r) = c.isNull() ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(c.getDouble());
                     }};
}

// TEXT; the empty string is stored as NULL when `empty_is_null`.
template <class Row, class Field>
Column<Row> text(std::string name, Field field, bool empty_is_null, std::string constraint = "") {
  return Column<Row>{std::move(name), SqlType::kText, std::move(constraint), 1, kAtInsert,
                     [field, empty_is_null](const Row& r) {
                       const std::string& s = field(r);
                       return (empty_is_null && s.empty()) ? Value{} : Value{s};
                     },
                     [field](Row& r, const SQLite::Column& c) { field(r) = c.isNull() ? std::string() : c.getString(); }};
}

// A REAL computed from the row when written (derived rates); read back into `field`.
template <class Row, class Compute, class Field>
Column<Row> derived_real(std::string name, Compute compute, Field field) {
  return Column<Row>{std::move(name), SqlType::kReal, "", 1, kAtInsert,
                     [compute](const Row& r) { return Value{static_cast<double>(compute(r))}; },
                     [field](Row& r, const SQLite::Column& c) {
                       field(r) = c.isNull() ? std::numeric_limits<double>::quiet_NaN() : c.getDouble();
                     }};
}

template <class Row>
Column<Row> with_phase(Column<Row> c, unsigned phase) {
  c.phase = phase;
  return c;
}

// A column that schema version `version` added to an existing table. Older databases gain it by
// ALTER TABLE, which cannot add a NOT NULL column to rows that exist, so it allows NULL (and rows
// written before the upgrade hold NULL: integers read back as 0, REALs as NaN).
template <class Row>
Column<Row> added_in(int version, Column<Row> c) {
  c.since = version;
  if (version > 1) c.constraint.clear();
  return c;
}

// A Money that may be absent: NULL when the optional is empty.
template <class Row, class Field>
Column<Row> optional_money(std::string name, Field field) {
  return Column<Row>{std::move(name), SqlType::kInteger, "", 1, kAtInsert,
                     [field](const Row& r) {
                       const std::optional<core::Money>& v = field(r);
                       return v ? Value{v->micros} : Value{};
                     },
                     [field](Row& r, const SQLite::Column& c) {
                       field(r) = c.isNull() ? std::optional<core::Money>{}
                                             : std::optional<core::Money>{core::Money::from_micros(c.getInt64())};
                     }};
}

// Every scalar field of core::Counters (the per-slot arrays are rows of interval_slots / run_slots).
// Used by `intervals` and by the summary columns of `runs`, so a new counter is added in one place
// for both.
template <class Row, class CountsOf>
void add_counter_columns(std::vector<Column<Row>>& out, CountsOf counts, std::string constraint, unsigned phase) {
  auto add = [&](int since, Column<Row> c) { out.push_back(with_phase(added_in(since, std::move(c)), phase)); };
  auto u64 = [&](const char* name, std::uint64_t core::Counters::*m, int since = 1) {
    add(since, integer<Row>(name, [counts, m](auto& r) -> auto& { return counts(r).*m; }, constraint));
  };
  auto micros = [&](const char* name, core::Money core::Counters::*m, int since = 1) {
    add(since, money<Row>(name, [counts, m](auto& r) -> auto& { return counts(r).*m; }, constraint));
  };
  auto f64 = [&](const char* name, double core::Counters::*m, int since = 1) {
    add(since, real<Row>(name, [counts, m](auto& r) -> auto& { return counts(r).*m; }));
  };
  u64("sessions", &core::Counters::sessions);
  u64("requests", &core::Counters::requests);
  u64("filled_requests", &core::Counters::filled_requests);
  u64("impressions", &core::Counters::impressions);
  u64("clicks", &core::Counters::clicks);
  u64("billed_clicks", &core::Counters::billed_clicks);
  u64("conversions", &core::Counters::conversions);
  u64("hides", &core::Counters::hides);
  u64("reports", &core::Counters::reports);
  u64("users_left", &core::Counters::users_left);
  u64("reserve_excluded", &core::Counters::reserve_excluded);
  u64("reserve_bound", &core::Counters::reserve_bound);
  u64("late_clicks", &core::Counters::late_clicks);
  u64("explore_requests", &core::Counters::explore_requests, 2);
  micros("explore_revenue_micros", &core::Counters::explore_revenue, 2);
  u64("candidates_retrieved", &core::Counters::candidates_retrieved);
  u64("candidates_prerank", &core::Counters::candidates_prerank);
  u64("candidates_ranked", &core::Counters::candidates_ranked);
  u64("candidates_auction", &core::Counters::candidates_auction);
  micros("revenue_micros", &core::Counters::revenue);
  micros("overspend_micros", &core::Counters::overspend);
  micros("forgone_micros", &core::Counters::forgone);
  f64("advertiser_value_micros", &core::Counters::advertiser_value);
  f64("sum_pctr_shown", &core::Counters::sum_pctr_shown);
  f64("sum_true_ctr_shown", &core::Counters::sum_true_ctr_shown);
  static constexpr const char* kFunnelStages[] = {"funnel_retrieval_cost_us", "funnel_prerank_cost_us",
                                                  "funnel_rank_cost_us", "funnel_predict_cost_us"};
  for (std::size_t i = 0; i < 4; ++i)
    add(1, real<Row>(kFunnelStages[i], [counts, i](auto& r) -> auto& { return counts(r).funnel_cost_us[i]; }));
  f64("sum_price_shown_micros", &core::Counters::sum_price_shown, 2);
  f64("sum_bid_shown_micros", &core::Counters::sum_bid_shown, 2);
  u64("efficiency_samples", &core::Counters::efficiency_samples, 2);
  f64("sampled_welfare_micros", &core::Counters::sampled_welfare, 2);
  f64("sampled_best_welfare_micros", &core::Counters::sampled_best_welfare, 2);
  f64("sampled_eligible_best_welfare_micros", &core::Counters::sampled_eligible_best_welfare, 5);
  u64("attributed_conversions", &core::Counters::attributed_conversions, 3);
  u64("late_conversions", &core::Counters::late_conversions, 3);
  u64("billed_impressions", &core::Counters::billed_impressions, 3);
  u64("billed_conversions", &core::Counters::billed_conversions, 3);
  micros("click_revenue_micros", &core::Counters::click_revenue, 3);
}

// The derived core::Rates of the counters, computed when written (read back into `rates`).
template <class Row, class CountsOf, class RatesOf>
void add_rate_columns(std::vector<Column<Row>>& out, CountsOf counts, RatesOf rates, unsigned phase) {
  auto rate = [&](const char* name, double core::Rates::*m, int since = 1) {
    auto column = derived_real<Row>(
        name, [counts, m](const Row& r) { return core::Rates::of(counts(r)).*m; },
        [rates, m](auto& r) -> auto& { return rates(r).*m; });
    out.push_back(with_phase(added_in(since, std::move(column)), phase));
  };
  rate("ctr", &core::Rates::ctr);
  rate("fill_rate", &core::Rates::fill_rate);
  rate("avg_cpc", &core::Rates::avg_cpc);
  rate("rpm", &core::Rates::rpm);
  rate("hide_rate", &core::Rates::hide_rate);
  rate("report_rate", &core::Rates::report_rate);
  rate("calibration_ratio", &core::Rates::calibration_ratio);
  rate("funnel_cost_us_per_request", &core::Rates::funnel_cost_us_per_request);
  rate("advertiser_surplus", &core::Rates::advertiser_surplus, 2);
  rate("price_to_bid", &core::Rates::price_to_bid, 2);
  rate("reserve_bind_rate", &core::Rates::reserve_bind_rate, 2);
  rate("efficiency", &core::Rates::efficiency, 2);
  rate("auction_efficiency", &core::Rates::auction_efficiency, 5);
}

// The scalar fields of core::ModelMetrics as model_* columns (its reliability bins are rows of
// model_reliability). NaN (undefined) is stored as NULL. Used by `intervals` and `runs`.
template <class Row, class ModelOf>
void add_model_columns(std::vector<Column<Row>>& out, ModelOf model, unsigned phase) {
  auto add = [&](Column<Row> c) { out.push_back(with_phase(added_in(2, std::move(c)), phase)); };
  auto u64 = [&](const char* name, std::uint64_t core::ModelMetrics::*m) {
    add(integer<Row>(name, [model, m](auto& r) -> auto& { return model(r).*m; }));
  };
  auto f64 = [&](const char* name, double core::ModelMetrics::*m) {
    add(real<Row>(name, [model, m](auto& r) -> auto& { return model(r).*m; }));
  };
  u64("model_examples", &core::ModelMetrics::examples);
  u64("model_clicks", &core::ModelMetrics::clicks);
  f64("model_auc", &core::ModelMetrics::auc);
  f64("model_log_loss", &core::ModelMetrics::log_loss);
  f64("model_normalized_entropy", &core::ModelMetrics::normalized_entropy);
  f64("model_calibration_ratio", &core::ModelMetrics::calibration_ratio);
  f64("model_ece", &core::ModelMetrics::ece);
}

// The whole schema of the current version. Built per connection: no global state.
struct Schema {
  Table<RunRow> runs;
  Table<SlotRow> run_slots;
  Table<IntervalRow> intervals;
  Table<SlotRow> interval_slots;
  Table<SurfaceRow> surface_metrics;
  Table<ModelReliabilityRow> model_reliability;
  Table<CampaignSpendRow> campaign_spend;
  Table<CampaignTotalsRow> campaign_totals;
  Table<AuctionRequestRow> auction_requests;
  Table<AuctionCandidateRow> auction_candidates;
  Table<PredictionLogRow> prediction_log;
  Table<AuctionOnlyRunRow> auction_only_runs;
  Table<AuctionOnlySlotRow> auction_only_slots;
  Table<AuctionOnlyBidderRow> auction_only_bidders;
  Table<AuctionOnlyBlockRow> auction_only_blocks;
  Table<AuctionOnlyAllocationRow> auction_only_allocation;
  Table<AuctionOnlyPacingRow> auction_only_pacing;
  Table<AuctionOnlyBidRow> auction_only_bids;
  Table<RunMetricRow> run_metrics;
  // Study tables: not keyed by run (see for_each_study_table).
  Table<ExperimentRow> experiments;
  Table<VariantRow> variants;
  Table<VariantParameterRow> variant_parameters;
  Table<ExperimentSummaryRow> experiment_summary;
  Table<ExperimentComparisonRow> experiment_comparisons;
  // Indexes and views beyond the tables', with the schema version that added each.
  std::vector<std::pair<int, std::string>> extra_sql;

  // Calls f(table) for every table, in creation and dump order (a table after those its foreign
  // keys refer to).
  template <class F>
  void for_each_table(F&& f) const {
    f(runs);
    f(run_slots);
    f(intervals);
    f(interval_slots);
    f(surface_metrics);
    f(model_reliability);
    f(campaign_spend);
    f(campaign_totals);
    f(auction_requests);
    f(auction_candidates);
    f(prediction_log);
    f(auction_only_runs);
    f(auction_only_slots);
    f(auction_only_bidders);
    f(auction_only_blocks);
    f(auction_only_allocation);
    f(auction_only_pacing);
    f(auction_only_bids);
    f(run_metrics);
  }

  // The tables of studies, which have no run_id: created and upgraded with the others, but not part
  // of a run's rows (tables(), dump_run_rows, merging a run).
  template <class F>
  void for_each_study_table(F&& f) const {
    f(experiments);
    f(variants);
    f(variant_parameters);
    f(experiment_summary);
    f(experiment_comparisons);
  }

  struct TableInfo {
    std::string name;
    std::string order_by;              // the primary key
    std::vector<std::string> columns;  // in declaration order, those a database of that version has
  };
  // Every table a database of that version has, in dump order; every table has a run_id column.
  // Column order is the declared one, not the file's, which differs between a created and an
  // upgraded database.
  std::vector<TableInfo> tables(int db_version) const;
  std::vector<std::string> create_all_sql() const;
  std::vector<std::string> upgrade_sql(int to_version) const;  // from to_version - 1
};

Schema make_schema();

// Overrides are stored as a JSON array of strings.
std::string to_json_array(const std::vector<std::string>& items);
std::vector<std::string> from_json_array(std::string_view json);  // throws std::runtime_error

// Shortest decimal text that reads back as the same double.
std::string format_double(double value);

}  // namespace adsim::store::result_schema

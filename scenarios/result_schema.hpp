#pragma once
// Internal to the result store: the tables as data. Each column is declared once with how to get
// it from a row struct and how to set it back, and CREATE, INSERT, UPDATE, SELECT, schema upgrades
// and the canonical dump are all generated from these declarations. To add a column: append it to
// its table in result_schema.cpp with `since = kSchemaVersion + 1`, bump kSchemaVersion, and
// describe it in docs/results-schema.md; existing databases gain it by ALTER TABLE on their next
// begin_run(), and older databases are still readable.
#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/metrics.hpp"
#include "core/money.hpp"
#include "scenarios/result_store.hpp"

namespace adsim::scenarios::result_schema {

// Version 1: runs, intervals, campaign_totals, auction_requests, auction_candidates.
inline constexpr int kSchemaVersion = 1;
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

  std::string create_sql() const {
    std::string sql = "CREATE TABLE " + name + " (\n";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      sql += "  " + column_definition(columns[i]);
      if (i + 1 < columns.size() || !primary_key.empty() || !table_constraints.empty()) sql += ",";
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

  std::vector<std::string> add_column_sql(int version) const {
    std::vector<std::string> out;
    for (const auto& c : columns)
      if (c.since == version) out.push_back("ALTER TABLE " + name + " ADD COLUMN " + column_definition(c));
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

  // SELECT of the columns this database has (an older database lacks the newer ones).
  std::string select_sql(int db_version, const std::string& where, const std::string& order_by) const {
    std::string cols;
    for (const auto& c : columns)
      if (c.since <= db_version) cols += (cols.empty() ? "" : ", ") + c.name;
    return "SELECT " + cols + " FROM " + name + " WHERE " + where + " ORDER BY " + order_by;
  }

  Row read(const SQLite::Statement& statement, int db_version) const {
    Row row{};
    int index = 0;
    for (const auto& c : columns)
      if (c.since <= db_version) c.set(row, statement.getColumn(index++));
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

// Every field of core::Counters. Used by `intervals` and by the summary columns of `runs`, so a new
// counter is added in one place for both.
template <class Row, class CountsOf>
void add_counter_columns(std::vector<Column<Row>>& out, CountsOf counts, std::string constraint, unsigned phase) {
  auto u64 = [&](const char* name, std::uint64_t core::Counters::*m) {
    out.push_back(with_phase(integer<Row>(name, [counts, m](auto& r) -> auto& { return counts(r).*m; }, constraint), phase));
  };
  auto micros = [&](const char* name, core::Money core::Counters::*m) {
    out.push_back(with_phase(money<Row>(name, [counts, m](auto& r) -> auto& { return counts(r).*m; }, constraint), phase));
  };
  auto f64 = [&](const char* name, double core::Counters::*m) {
    out.push_back(with_phase(real<Row>(name, [counts, m](auto& r) -> auto& { return counts(r).*m; }), phase));
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
    out.push_back(with_phase(
        real<Row>(kFunnelStages[i], [counts, i](auto& r) -> auto& { return counts(r).funnel_cost_us[i]; }), phase));
}

// The derived core::Rates of the counters, computed when written (read back into `rates`).
template <class Row, class CountsOf, class RatesOf>
void add_rate_columns(std::vector<Column<Row>>& out, CountsOf counts, RatesOf rates, unsigned phase) {
  auto rate = [&](const char* name, double core::Rates::*m) {
    out.push_back(with_phase(derived_real<Row>(
                                 name, [counts, m](const Row& r) { return core::Rates::of(counts(r)).*m; },
                                 [rates, m](auto& r) -> auto& { return rates(r).*m; }),
                             phase));
  };
  rate("ctr", &core::Rates::ctr);
  rate("fill_rate", &core::Rates::fill_rate);
  rate("avg_cpc", &core::Rates::avg_cpc);
  rate("rpm", &core::Rates::rpm);
  rate("hide_rate", &core::Rates::hide_rate);
  rate("report_rate", &core::Rates::report_rate);
  rate("calibration_ratio", &core::Rates::calibration_ratio);
  rate("funnel_cost_us_per_request", &core::Rates::funnel_cost_us_per_request);
}

// The whole schema of the current version. Built per connection: no global state.
struct Schema {
  Table<RunRow> runs;
  Table<IntervalRow> intervals;
  Table<CampaignSpendRow> campaign_spend;
  Table<CampaignTotalsRow> campaign_totals;
  Table<AuctionRequestRow> auction_requests;
  Table<AuctionCandidateRow> auction_candidates;

  struct TableInfo {
    std::string name;
    std::string order_by;              // the primary key
    std::vector<std::string> columns;  // in declaration order, those a database of that version has
  };
  // Every table, in dump order; every table has a run_id column. Column order is the declared one,
  // not the file's, which differs between a created and an upgraded database.
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

}  // namespace adsim::scenarios::result_schema

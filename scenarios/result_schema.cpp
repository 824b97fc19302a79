#include "scenarios/result_schema.hpp"

#include <array>
#include <charconv>
#include <stdexcept>
#include <system_error>

namespace adsim::scenarios::result_schema {

std::string_view sql_type_name(SqlType type) {
  switch (type) {
    case SqlType::kInteger: return "INTEGER";
    case SqlType::kReal: return "REAL";
    case SqlType::kText: return "TEXT";
  }
  return "BLOB";
}

void bind_value(SQLite::Statement& statement, int index, const Value& value) {
  struct Binder {
    SQLite::Statement& s;
    int i;
    void operator()(std::monostate) const { s.bind(i); }
    void operator()(std::int64_t v) const { s.bind(i, v); }
    void operator()(double v) const { s.bind(i, v); }
    void operator()(const std::string& v) const { s.bind(i, v); }
  };
  std::visit(Binder{statement, index}, value);
}

namespace {

// The table that owns a child row's run_id: deleting a run (with PRAGMA foreign_keys=ON) deletes
// its rows everywhere.
constexpr const char* kRunForeignKey = "FOREIGN KEY (run_id) REFERENCES runs(run_id) ON DELETE CASCADE";

Table<RunRow> make_runs() {
  using R = RunRow;
  Table<R> t;
  t.name = "runs";
  auto& c = t.columns;
  c.push_back(with_phase(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; },
                                    "PRIMARY KEY AUTOINCREMENT"),
                         kNever));
  c.push_back(text<R>("scenario_name", [](auto& r) -> auto& { return r.scenario_name; }, false, "NOT NULL"));
  c.push_back(text<R>("scenario_path", [](auto& r) -> auto& { return r.scenario_path; }, true));
  c.push_back(text<R>("scenario_text", [](auto& r) -> auto& { return r.scenario_text; }, false, "NOT NULL"));
  c.push_back(integer<R>("seed", [](auto& r) -> auto& { return r.seed; }));
  c.push_back(Column<R>{"overrides", SqlType::kText, "NOT NULL", 1, kAtInsert,
                        [](const R& r) { return Value{to_json_array(r.overrides)}; },
                        [](R& r, const SQLite::Column& col) {
                          r.overrides = col.isNull() ? std::vector<std::string>{} : from_json_array(col.getString());
                        }});
  c.push_back(with_phase(
      Column<R>{"status", SqlType::kText,
                "NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed'))", 1, kAtInsert,
                [](const R& r) { return Value{std::string(to_string(r.status))}; },
                [](R& r, const SQLite::Column& col) { r.status = run_status_from_string(col.getString()); }},
      kAtInsert | kAtFinish));
  c.push_back(text<R>("started_at", [](auto& r) -> auto& { return r.started_at; }, false, "NOT NULL"));
  c.push_back(with_phase(text<R>("finished_at", [](auto& r) -> auto& { return r.finished_at; }, true), kAtFinish));
  c.push_back(with_phase(real<R>("wall_seconds", [](auto& r) -> auto& { return r.wall_seconds; }), kAtFinish));
  c.push_back(real<R>("planned_days", [](auto& r) -> auto& { return r.planned_days; }));
  c.push_back(integer<R>("snapshot_interval_us", [](auto& r) -> auto& { return r.snapshot_interval_us; }));
  c.push_back(real<R>("auction_log_rate", [](auto& r) -> auto& { return r.auction_log_rate; }));
  c.push_back(text<R>("adsim_version", [](auto& r) -> auto& { return r.adsim_version; }, false, "NOT NULL"));
  c.push_back(with_phase(text<R>("error_message", [](auto& r) -> auto& { return r.error_message; }, true), kAtFinish));
  // Summary: NULL while running.
  auto summary = [&](Column<R> col) {
    col.constraint.clear();
    c.push_back(with_phase(std::move(col), kAtFinish));
  };
  summary(integer<R>("simulated_us", [](auto& r) -> auto& { return r.simulated_us; }));
  summary(integer<R>("events", [](auto& r) -> auto& { return r.events; }));
  summary(integer<R>("intervals", [](auto& r) -> auto& { return r.intervals; }));
  summary(integer<R>("auction_samples", [](auto& r) -> auto& { return r.auction_samples; }));
  summary(integer<R>("users", [](auto& r) -> auto& { return r.users; }));
  summary(integer<R>("active_users", [](auto& r) -> auto& { return r.active_users; }));
  summary(real<R>("mean_fatigue", [](auto& r) -> auto& { return r.mean_fatigue; }));
  add_counter_columns<R>(c, [](auto& r) -> auto& { return r.totals; }, "", kAtFinish);
  add_rate_columns<R>(
      c, [](auto& r) -> auto& { return r.totals; }, [](auto& r) -> auto& { return r.rates; }, kAtFinish);
  t.indexes.push_back("runs_by_scenario ON runs (scenario_name, seed)");
  return t;
}

Table<IntervalRow> make_intervals() {
  using R = IntervalRow;
  Table<R> t;
  t.name = "intervals";
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("interval_index", [](auto& r) -> auto& { return r.interval_index; }));
  c.push_back(integer<R>("start_us", [](auto& r) -> auto& { return r.metrics.start; }));
  c.push_back(integer<R>("end_us", [](auto& r) -> auto& { return r.metrics.end; }));
  add_counter_columns<R>(c, [](auto& r) -> auto& { return r.metrics.counts; }, "NOT NULL", kAtInsert);
  c.push_back(integer<R>("active_users", [](auto& r) -> auto& { return r.metrics.active_users; }));
  c.push_back(real<R>("mean_fatigue", [](auto& r) -> auto& { return r.metrics.mean_fatigue; }));
  c.push_back(real<R>("budget_exhausted_share", [](auto& r) -> auto& { return r.metrics.budget_exhausted_share; }));
  add_rate_columns<R>(
      c, [](auto& r) -> auto& { return r.metrics.counts; }, [](auto& r) -> auto& { return r.rates; }, kAtInsert);
  t.primary_key = {"run_id", "interval_index"};
  t.table_constraints = kRunForeignKey;
  return t;
}

Table<CampaignSpendRow> make_campaign_spend() {
  using R = CampaignSpendRow;
  Table<R> t;
  t.name = "campaign_spend";
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("interval_index", [](auto& r) -> auto& { return r.interval_index; }));
  c.push_back(integer<R>("campaign_id", [](auto& r) -> auto& { return r.campaign; }));
  c.push_back(money<R>("spend_today_micros", [](auto& r) -> auto& { return r.spend_today; }));
  t.primary_key = {"run_id", "interval_index", "campaign_id"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;  // many small rows
  return t;
}

Table<CampaignTotalsRow> make_campaign_totals() {
  using R = CampaignTotalsRow;
  Table<R> t;
  t.name = "campaign_totals";
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("campaign_id", [](auto& r) -> auto& { return r.totals.campaign; }));
  c.push_back(integer<R>("advertiser_id", [](auto& r) -> auto& { return r.totals.advertiser; }));
  c.push_back(integer<R>("impressions", [](auto& r) -> auto& { return r.totals.impressions; }));
  c.push_back(integer<R>("clicks", [](auto& r) -> auto& { return r.totals.clicks; }));
  c.push_back(integer<R>("conversions", [](auto& r) -> auto& { return r.totals.conversions; }));
  c.push_back(money<R>("spend_micros", [](auto& r) -> auto& { return r.totals.spend; }));
  c.push_back(money<R>("daily_budget_micros", [](auto& r) -> auto& { return r.totals.daily_budget; }));
  c.push_back(money<R>("overspend_micros", [](auto& r) -> auto& { return r.totals.overspend; }));
  c.push_back(money<R>("forgone_micros", [](auto& r) -> auto& { return r.totals.forgone; }));
  c.push_back(real<R>("value_micros", [](auto& r) -> auto& { return r.totals.value; }));
  c.push_back(integer_or_null<R>("first_exhausted_us", [](auto& r) -> auto& { return r.totals.first_exhausted_at; }, -1));
  c.push_back(integer<R>("days_exhausted", [](auto& r) -> auto& { return r.totals.days_exhausted; }));
  t.primary_key = {"run_id", "campaign_id"};
  t.table_constraints = kRunForeignKey;
  return t;
}

Table<AuctionRequestRow> make_auction_requests() {
  using R = AuctionRequestRow;
  Table<R> t;
  t.name = "auction_requests";
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("request_id", [](auto& r) -> auto& { return r.entry.request_id; }));
  c.push_back(integer<R>("time_us", [](auto& r) -> auto& { return r.entry.time; }));
  c.push_back(integer<R>("user_id", [](auto& r) -> auto& { return r.entry.user; }));
  c.push_back(integer<R>("retrieved", [](auto& r) -> auto& { return r.entry.retrieved; }));
  c.push_back(integer<R>("after_prerank", [](auto& r) -> auto& { return r.entry.after_prerank; }));
  c.push_back(integer<R>("after_rank", [](auto& r) -> auto& { return r.entry.after_rank; }));
  t.primary_key = {"run_id", "request_id"};
  t.table_constraints = kRunForeignKey;
  t.without_rowid = true;
  return t;
}

Table<AuctionCandidateRow> make_auction_candidates() {
  using R = AuctionCandidateRow;
  Table<R> t;
  t.name = "auction_candidates";
  auto& c = t.columns;
  c.push_back(integer<R>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  c.push_back(integer<R>("request_id", [](auto& r) -> auto& { return r.request_id; }));
  c.push_back(integer<R>("rank", [](auto& r) -> auto& { return r.rank; }));
  c.push_back(integer<R>("ad_id", [](auto& r) -> auto& { return r.candidate.ad; }));
  c.push_back(integer<R>("campaign_id", [](auto& r) -> auto& { return r.candidate.campaign; }));
  c.push_back(real<R>("bid_micros", [](auto& r) -> auto& { return r.candidate.bid; }, "NOT NULL"));
  c.push_back(real<R>("pacing_multiplier", [](auto& r) -> auto& { return r.candidate.pacing_multiplier; }));
  c.push_back(integer<R>("participated", [](auto& r) -> auto& { return r.candidate.participated; }));
  c.push_back(real<R>("pctr", [](auto& r) -> auto& { return r.candidate.pctr; }));
  c.push_back(real<R>("true_ctr", [](auto& r) -> auto& { return r.candidate.true_ctr; }));
  c.push_back(real<R>("quality", [](auto& r) -> auto& { return r.candidate.quality; }));
  c.push_back(real<R>("rank_score", [](auto& r) -> auto& { return r.candidate.rank_score; }));
  c.push_back(integer_or_null<R>("slot", [](auto& r) -> auto& { return r.candidate.slot; }, -1));
  c.push_back(real<R>("price_micros", [](auto& r) -> auto& { return r.candidate.price; }));
  c.push_back(integer<R>("reserve_bound", [](auto& r) -> auto& { return r.candidate.reserve_bound; }));
  t.primary_key = {"run_id", "request_id", "rank"};
  t.table_constraints =
      "FOREIGN KEY (run_id, request_id) REFERENCES auction_requests(run_id, request_id) ON DELETE CASCADE";
  // No secondary index (e.g. by campaign): it would cost a third of the insert time of the
  // largest table, and a query within one run scans only that run's rows.
  t.without_rowid = true;
  return t;
}

template <class Row>
void append_create(std::vector<std::string>& out, const Table<Row>& t) {
  out.push_back(t.create_sql());
  for (auto& s : t.create_index_sql()) out.push_back(std::move(s));
}

template <class Row>
void append_upgrade(std::vector<std::string>& out, const Table<Row>& t, int version) {
  for (auto& s : t.add_column_sql(version)) out.push_back(std::move(s));
}

}  // namespace

Schema make_schema() {
  return Schema{make_runs(), make_intervals(), make_campaign_spend(), make_campaign_totals(),
                make_auction_requests(), make_auction_candidates()};
}

std::vector<Schema::TableInfo> Schema::tables(int db_version) const {
  return {{runs.name, "run_id", runs.column_names(db_version)},
          {intervals.name, intervals.key_list(), intervals.column_names(db_version)},
          {campaign_spend.name, campaign_spend.key_list(), campaign_spend.column_names(db_version)},
          {campaign_totals.name, campaign_totals.key_list(), campaign_totals.column_names(db_version)},
          {auction_requests.name, auction_requests.key_list(), auction_requests.column_names(db_version)},
          {auction_candidates.name, auction_candidates.key_list(), auction_candidates.column_names(db_version)}};
}

std::vector<std::string> Schema::create_all_sql() const {
  std::vector<std::string> out;
  append_create(out, runs);
  append_create(out, intervals);
  append_create(out, campaign_spend);
  append_create(out, campaign_totals);
  append_create(out, auction_requests);
  append_create(out, auction_candidates);
  return out;
}

std::vector<std::string> Schema::upgrade_sql(int to_version) const {
  std::vector<std::string> out;
  append_upgrade(out, runs, to_version);
  append_upgrade(out, intervals, to_version);
  append_upgrade(out, campaign_spend, to_version);
  append_upgrade(out, campaign_totals, to_version);
  append_upgrade(out, auction_requests, to_version);
  append_upgrade(out, auction_candidates, to_version);
  // Upgrades that are more than new columns (new tables, new indexes) go here, by version.
  return out;
}

std::string to_json_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ",";
    out += '"';
    for (const char ch : items[i]) {
      const auto u = static_cast<unsigned char>(ch);
      switch (ch) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (u < 0x20) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\u00";
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
          } else {
            out += ch;
          }
      }
    }
    out += '"';
  }
  out += "]";
  return out;
}

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}

  std::vector<std::string> string_array() {
    std::vector<std::string> out;
    skip_space();
    expect('[');
    skip_space();
    if (peek() == ']') {
      ++pos_;
    } else {
      while (true) {
        skip_space();
        out.push_back(string());
        skip_space();
        const char c = next();
        if (c == ']') break;
        if (c != ',') fail("expected ',' or ']'");
      }
    }
    skip_space();
    if (pos_ != s_.size()) fail("trailing characters");
    return out;
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw std::runtime_error("invalid JSON array of strings at offset " + std::to_string(pos_) + ": " + what);
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  char next() {
    if (pos_ >= s_.size()) fail("unexpected end");
    return s_[pos_++];
  }
  void expect(char c) {
    if (next() != c) fail("unexpected character");
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }
  std::uint32_t hex4() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = next();
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return v;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (true) {
      const char c = next();
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      switch (next()) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && peek() == '\\') {
            ++pos_;
            expect('u');
            const std::uint32_t low = hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: fail("bad escape");
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<std::string> from_json_array(std::string_view json) { return JsonReader(json).string_array(); }

std::string format_double(double value) {
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  if (ec != std::errc{}) return "?";
  return std::string(buf.data(), end);
}

}  // namespace adsim::scenarios::result_schema

#include "scenarios/result_store.hpp"

#include "core/marketplace.hpp"
#include "scenarios/factory.hpp"
#include "scenarios/result_schema.hpp"
#include "scenarios/scenario_loader.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace adsim;
using adsim::scenarios::ResultStore;
using adsim::scenarios::ResultStoreError;
using adsim::scenarios::RunStatus;

namespace {

// A fresh directory per test, removed afterwards (with its permissions restored first).
class TempDir {
 public:
  TempDir() {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("adsim_result_store_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(path_, ec))
      fs::permissions(entry.path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const char* name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

scenarios::Scenario make_scenario() {
  scenarios::Scenario s;
  s.name = "unit_test";
  s.source_text = "name = \"unit_test\"\n[run]\ndays = 0.5\n# a comment with 'quotes' and \"double quotes\"\n";
  s.overrides = {"run.days=0.5", "auction.mechanism=\"vcg\"", "weird=back\\slash\ttab ünïcode"};
  s.run.days = 0.5;
  s.run.snapshot_interval = 15 * core::kMinute;
  s.run.auction_log_rate = 0.25;
  return s;
}

// Values chosen to catch lossy storage: non-terminating binary fractions, tiny and huge magnitudes,
// integers beyond 2^53 (where a double would round).
core::IntervalMetrics make_interval(int i) {
  core::IntervalMetrics m;
  m.start = static_cast<core::SimTime>(i) * 15 * core::kMinute;
  m.end = m.start + 15 * core::kMinute;
  auto& c = m.counts;
  const auto k = static_cast<std::uint64_t>(i + 1);
  c.sessions = 10 * k;
  c.requests = 1000 * k + 7;
  c.filled_requests = 900 * k + 3;
  c.impressions = 3000 * k + 11;
  c.clicks = 61 * k;
  c.billed_clicks = 59 * k;
  c.conversions = 3 * k;
  c.hides = 5 * k;
  c.reports = k;
  c.users_left = k % 2;
  c.reserve_excluded = 40 * k;
  c.reserve_bound = 12 * k;
  c.late_clicks = 2 * k;
  c.candidates_retrieved = 123456 * k;
  c.candidates_prerank = 50000 * k;
  c.candidates_ranked = 9000 * k;
  c.candidates_auction = 8000 * k;
  c.revenue = core::Money::from_micros(9'007'199'254'740'993LL + i);  // 2^53 + 1: not a double
  c.overspend = core::Money::from_micros(1 + i);
  c.forgone = core::Money::from_micros(-3 - i);
  c.advertiser_value = 0.1 + 0.2 + i;
  c.sum_pctr_shown = 1e-300 * (i + 1);
  c.sum_true_ctr_shown = 61.000000000000007 * (i + 1);
  c.funnel_cost_us = {0.02 * (i + 1), 1.0 / 3.0, 2.0 / 7.0, 1e15 + 0.5};
  m.active_users = 9999 - static_cast<std::uint64_t>(i);
  m.mean_fatigue = 0.123456789012345678 * (i + 1);
  m.budget_exhausted_share = 1.0 / (3 + i);
  // Campaign 1 has not spent yet today: no row for it.
  m.campaign_spend_today = {core::Money::from_micros(1'000'000 * (i + 1)), core::Money::from_micros(0),
                            core::Money::from_micros(9'007'199'254'740'993LL)};
  return m;
}

core::AuctionLogEntry make_auction(std::uint64_t request_id, int candidates) {
  core::AuctionLogEntry e;
  e.request_id = request_id;
  e.time = static_cast<core::SimTime>(request_id) * 1'234'567;
  e.user = static_cast<std::uint32_t>(request_id % 977);
  e.retrieved = 5000;
  e.after_prerank = 1000;
  e.after_rank = static_cast<std::uint32_t>(candidates);
  for (int r = 0; r < candidates; ++r) {
    core::AuctionLogCandidate c;
    c.ad = static_cast<core::AdId>(100 + r);
    c.campaign = static_cast<core::CampaignId>(10 + r % 3);
    c.bid = 500'000.0 / (r + 1) + 0.1;
    c.pacing_multiplier = r % 2 ? 0.75 : 1.0;
    c.participated = r != 2;
    c.pctr = 0.01 + 1.0 / (7.0 + r);
    c.true_ctr = 0.02 + 1.0 / (11.0 + r);
    c.quality = 0.3 + 0.1 * r;
    c.rank_score = c.bid * c.pctr * c.quality;
    c.slot = r < 2 ? r : -1;
    c.price = r < 2 ? 123'456.789 / (r + 1) : 0.0;
    c.reserve_bound = r == 1;
    e.candidates.push_back(c);
  }
  return e;
}

core::RunSummary make_summary(const std::vector<core::IntervalMetrics>& intervals) {
  core::RunSummary s;
  s.scenario_name = "unit_test";
  s.seed = 42;
  s.simulated = intervals.empty() ? 0 : intervals.back().end;
  s.wall_seconds = 0.0;
  s.events = 123'456'789;
  for (const auto& m : intervals) s.totals += m.counts;
  s.users = 10'000;
  s.active_users = intervals.empty() ? 0 : intervals.back().active_users;
  s.mean_fatigue = 0.5;
  core::CampaignTotals a;
  a.campaign = 10;
  a.advertiser = 1;
  a.impressions = 777;
  a.clicks = 13;
  a.conversions = 2;
  a.spend = core::Money::from_micros(4'503'599'627'370'497LL);  // 2^52 + 1
  a.daily_budget = core::Money::from_micros(100'000'000);
  a.overspend = core::Money::from_micros(17);
  a.forgone = core::Money::from_micros(0);
  a.value = 1.0 / 3.0;
  a.first_exhausted_at = -1;  // never
  a.days_exhausted = 0;
  core::CampaignTotals b = a;
  b.campaign = 11;
  b.advertiser = 2;
  b.spend = core::Money::from_micros(1);
  b.first_exhausted_at = 7 * core::kHour + 3;
  b.days_exhausted = 1;
  s.campaigns = {a, b};
  return s;
}

// Feeds a complete fake run; returns its run id.
std::int64_t record_fake_run(ResultStore& store, std::uint64_t seed, int intervals = 4,
                             scenarios::RecorderOptions options = {}) {
  auto recorder = store.begin_run(make_scenario(), seed, options);
  std::vector<core::IntervalMetrics> ms;
  for (int i = 0; i < intervals; ++i) {
    recorder->on_auction(make_auction(static_cast<std::uint64_t>(10 * i + 1), 5));
    recorder->on_auction(make_auction(static_cast<std::uint64_t>(10 * i + 2), 3));
    ms.push_back(make_interval(i));
    recorder->on_interval(ms.back());
  }
  recorder->finish(make_summary(ms), RunStatus::kCompleted);
  return recorder->run_id();
}

void expect_counters_eq(const core::Counters& a, const core::Counters& b) {
  EXPECT_EQ(a.sessions, b.sessions);
  EXPECT_EQ(a.requests, b.requests);
  EXPECT_EQ(a.filled_requests, b.filled_requests);
  EXPECT_EQ(a.impressions, b.impressions);
  EXPECT_EQ(a.clicks, b.clicks);
  EXPECT_EQ(a.billed_clicks, b.billed_clicks);
  EXPECT_EQ(a.conversions, b.conversions);
  EXPECT_EQ(a.hides, b.hides);
  EXPECT_EQ(a.reports, b.reports);
  EXPECT_EQ(a.users_left, b.users_left);
  EXPECT_EQ(a.reserve_excluded, b.reserve_excluded);
  EXPECT_EQ(a.reserve_bound, b.reserve_bound);
  EXPECT_EQ(a.late_clicks, b.late_clicks);
  EXPECT_EQ(a.candidates_retrieved, b.candidates_retrieved);
  EXPECT_EQ(a.candidates_prerank, b.candidates_prerank);
  EXPECT_EQ(a.candidates_ranked, b.candidates_ranked);
  EXPECT_EQ(a.candidates_auction, b.candidates_auction);
  EXPECT_EQ(a.revenue.micros, b.revenue.micros);
  EXPECT_EQ(a.overspend.micros, b.overspend.micros);
  EXPECT_EQ(a.forgone.micros, b.forgone.micros);
  // Exact: REAL columns hold IEEE doubles unchanged.
  EXPECT_EQ(a.advertiser_value, b.advertiser_value);
  EXPECT_EQ(a.sum_pctr_shown, b.sum_pctr_shown);
  EXPECT_EQ(a.sum_true_ctr_shown, b.sum_true_ctr_shown);
  for (std::size_t i = 0; i < a.funnel_cost_us.size(); ++i) EXPECT_EQ(a.funnel_cost_us[i], b.funnel_cost_us[i]) << i;
}

void expect_rates_eq(const core::Rates& a, const core::Rates& b) {
  EXPECT_EQ(a.ctr, b.ctr);
  EXPECT_EQ(a.fill_rate, b.fill_rate);
  EXPECT_EQ(a.avg_cpc, b.avg_cpc);
  EXPECT_EQ(a.rpm, b.rpm);
  EXPECT_EQ(a.hide_rate, b.hide_rate);
  EXPECT_EQ(a.report_rate, b.report_rate);
  EXPECT_EQ(a.calibration_ratio, b.calibration_ratio);
  EXPECT_EQ(a.funnel_cost_us_per_request, b.funnel_cost_us_per_request);
}

std::int64_t count_rows(const fs::path& db_path, const std::string& sql) {
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt64();
}

std::set<std::string> column_names(SQLite::Database& db, const std::string& table) {
  std::set<std::string> out;
  SQLite::Statement s(db, "PRAGMA table_info(" + table + ")");
  while (s.executeStep()) out.insert(s.getColumn(1).getString());
  return out;
}

// EXPECT_THROW plus a look at the message.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ResultStoreError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected ResultStoreError";
  return {};
}

}  // namespace

// ------------------------------------------------------------------------------------------------

TEST(ResultStoreSchema, CreatesFileWithVersionedSchemaAndAllColumns) {
  TempDir dir;
  const auto path = dir / "results.db";
  {
    auto store = ResultStore::open(path);
    EXPECT_EQ(store.schema_version(), ResultStore::current_schema_version());
    EXPECT_TRUE(store.read_runs().empty());
  }
  ASSERT_TRUE(fs::exists(path));
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), ResultStore::current_schema_version());
  for (const char* t :
       {"runs", "intervals", "campaign_spend", "campaign_totals", "auction_requests", "auction_candidates"})
    EXPECT_TRUE(db.tableExists(t)) << t;

  const auto runs = column_names(db, "runs");
  for (const char* c : {"run_id", "scenario_name", "scenario_path", "scenario_text", "seed", "overrides", "status",
                        "started_at", "finished_at", "wall_seconds", "simulated_us", "events", "adsim_version",
                        "error_message", "requests", "impressions", "clicks", "revenue_micros", "rpm"})
    EXPECT_TRUE(runs.count(c)) << c;
  const auto intervals = column_names(db, "intervals");
  for (const char* c :
       {"run_id", "interval_index", "start_us", "end_us", "sessions", "requests", "filled_requests", "impressions",
        "clicks", "billed_clicks", "conversions", "hides", "reports", "users_left", "reserve_excluded",
        "reserve_bound", "late_clicks",
        "candidates_retrieved", "candidates_prerank", "candidates_ranked", "candidates_auction", "revenue_micros",
        "overspend_micros", "forgone_micros", "advertiser_value_micros", "sum_pctr_shown", "sum_true_ctr_shown",
        "funnel_retrieval_cost_us", "funnel_prerank_cost_us", "funnel_rank_cost_us", "funnel_predict_cost_us",
        "active_users", "mean_fatigue", "budget_exhausted_share", "ctr", "fill_rate", "avg_cpc", "rpm", "hide_rate",
        "report_rate", "calibration_ratio", "funnel_cost_us_per_request"})
    EXPECT_TRUE(intervals.count(c)) << c;
  EXPECT_EQ(intervals.size(), 42u);
  const auto candidates = column_names(db, "auction_candidates");
  for (const char* c : {"run_id", "request_id", "rank", "ad_id", "campaign_id", "bid_micros", "pacing_multiplier",
                        "participated", "pctr", "true_ctr", "quality", "rank_score", "slot", "price_micros",
                        "reserve_bound"})
    EXPECT_TRUE(candidates.count(c)) << c;
  // Money and times are INTEGER columns.
  SQLite::Statement info(db, "PRAGMA table_info(campaign_totals)");
  while (info.executeStep()) {
    const std::string name = info.getColumn(1).getString();
    if ((name.ends_with("_micros") && name != "value_micros") || name.ends_with("_us")) {
      EXPECT_EQ(info.getColumn(2).getString(), "INTEGER") << name;
    }
  }
  EXPECT_GE(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'runs_by_scenario'")
                .getInt(),
            1);
}

TEST(ResultStoreRoundTrip, FakeRunRoundTripsExactly) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  const std::uint64_t seed = 0xFFFF'FFFF'FFFF'FFF0ULL;  // above INT64_MAX
  auto scenario = make_scenario();
  write_file(dir / "s.toml", scenario.source_text);
  scenario.source_path = (dir.path() / "." / "s.toml").string();

  auto recorder = store.begin_run(scenario, seed);
  std::vector<core::IntervalMetrics> ms;
  std::vector<core::AuctionLogEntry> log;
  for (int i = 0; i < 3; ++i) {
    log.push_back(make_auction(static_cast<std::uint64_t>(100 + i), 4 + i));
    recorder->on_auction(log.back());
    ms.push_back(make_interval(i));
    recorder->on_interval(ms.back());
  }
  const auto summary = make_summary(ms);
  recorder->finish(summary, RunStatus::kCompleted);
  EXPECT_TRUE(recorder->finished());
  const auto run_id = recorder->run_id();

  const auto runs = store.read_runs();
  ASSERT_EQ(runs.size(), 1u);
  const auto& run = runs[0];
  EXPECT_EQ(run.run_id, run_id);
  EXPECT_EQ(run.scenario_name, "unit_test");
  EXPECT_EQ(run.scenario_path, fs::weakly_canonical(dir / "s.toml").string());
  EXPECT_EQ(run.scenario_text, scenario.source_text);
  EXPECT_EQ(run.seed, seed);
  EXPECT_EQ(run.overrides, scenario.overrides);
  EXPECT_EQ(run.status, RunStatus::kCompleted);
  EXPECT_EQ(run.started_at.size(), std::string("2024-01-01T00:00:00.000Z").size()) << run.started_at;
  EXPECT_EQ(run.started_at.back(), 'Z');
  EXPECT_FALSE(run.finished_at.empty());
  EXPECT_GE(run.finished_at, run.started_at);
  EXPECT_GE(run.wall_seconds, 0.0);
  EXPECT_EQ(run.planned_days, 0.5);
  EXPECT_EQ(run.snapshot_interval_us, 15 * core::kMinute);
  EXPECT_EQ(run.auction_log_rate, 0.25);
  EXPECT_EQ(run.adsim_version, scenarios::results_adsim_version());
  EXPECT_FALSE(run.adsim_version.empty());
  EXPECT_EQ(run.error_message, "");
  EXPECT_EQ(run.simulated_us, summary.simulated);
  EXPECT_EQ(run.events, summary.events);
  EXPECT_EQ(run.intervals, 3u);
  EXPECT_EQ(run.auction_samples, 3u);
  EXPECT_EQ(run.users, summary.users);
  EXPECT_EQ(run.active_users, summary.active_users);
  EXPECT_EQ(run.mean_fatigue, summary.mean_fatigue);
  expect_counters_eq(run.totals, summary.totals);
  expect_rates_eq(run.rates, core::Rates::of(summary.totals));
  EXPECT_EQ(store.read_run(run_id)->seed, seed);
  EXPECT_FALSE(store.read_run(run_id + 1).has_value());

  const auto intervals = store.read_intervals(run_id);
  ASSERT_EQ(intervals.size(), ms.size());
  for (std::size_t i = 0; i < ms.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(intervals[i].run_id, run_id);
    EXPECT_EQ(intervals[i].interval_index, static_cast<std::int64_t>(i));
    EXPECT_EQ(intervals[i].metrics.start, ms[i].start);
    EXPECT_EQ(intervals[i].metrics.end, ms[i].end);
    expect_counters_eq(intervals[i].metrics.counts, ms[i].counts);
    EXPECT_EQ(intervals[i].metrics.active_users, ms[i].active_users);
    EXPECT_EQ(intervals[i].metrics.mean_fatigue, ms[i].mean_fatigue);
    EXPECT_EQ(intervals[i].metrics.budget_exhausted_share, ms[i].budget_exhausted_share);
    expect_rates_eq(intervals[i].rates, core::Rates::of(ms[i].counts));
  }

  const auto spend = store.read_campaign_spend(run_id);
  ASSERT_EQ(spend.size(), 2 * ms.size());
  for (std::size_t i = 0; i < ms.size(); ++i) {
    EXPECT_EQ(spend[2 * i].interval_index, static_cast<std::int64_t>(i));
    EXPECT_EQ(spend[2 * i].campaign, 0u);
    EXPECT_EQ(spend[2 * i].spend_today, ms[i].campaign_spend_today[0]);
    EXPECT_EQ(spend[2 * i + 1].campaign, 2u);
    EXPECT_EQ(spend[2 * i + 1].spend_today.micros, 9'007'199'254'740'993LL);
  }
  EXPECT_TRUE(intervals[0].metrics.campaign_spend_today.empty());

  const auto campaigns = store.read_campaign_totals(run_id);
  ASSERT_EQ(campaigns.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& got = campaigns[i].totals;
    const auto& want = summary.campaigns[i];
    EXPECT_EQ(got.campaign, want.campaign);
    EXPECT_EQ(got.advertiser, want.advertiser);
    EXPECT_EQ(got.impressions, want.impressions);
    EXPECT_EQ(got.clicks, want.clicks);
    EXPECT_EQ(got.conversions, want.conversions);
    EXPECT_EQ(got.spend, want.spend);
    EXPECT_EQ(got.daily_budget, want.daily_budget);
    EXPECT_EQ(got.overspend, want.overspend);
    EXPECT_EQ(got.forgone, want.forgone);
    EXPECT_EQ(got.value, want.value);
    EXPECT_EQ(got.first_exhausted_at, want.first_exhausted_at);
    EXPECT_EQ(got.days_exhausted, want.days_exhausted);
  }
  // "Never exhausted" is NULL in SQL, not a magic number.
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM campaign_totals WHERE first_exhausted_us IS NULL"), 1);

  const auto read_log = store.read_auction_log(run_id);
  ASSERT_EQ(read_log.size(), log.size());
  for (std::size_t i = 0; i < log.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(read_log[i].request_id, log[i].request_id);
    EXPECT_EQ(read_log[i].time, log[i].time);
    EXPECT_EQ(read_log[i].user, log[i].user);
    EXPECT_EQ(read_log[i].retrieved, log[i].retrieved);
    EXPECT_EQ(read_log[i].after_prerank, log[i].after_prerank);
    EXPECT_EQ(read_log[i].after_rank, log[i].after_rank);
    ASSERT_EQ(read_log[i].candidates.size(), log[i].candidates.size());
    for (std::size_t r = 0; r < log[i].candidates.size(); ++r) {
      const auto& a = read_log[i].candidates[r];
      const auto& b = log[i].candidates[r];
      EXPECT_EQ(a.ad, b.ad);
      EXPECT_EQ(a.campaign, b.campaign);
      EXPECT_EQ(a.bid, b.bid);
      EXPECT_EQ(a.pacing_multiplier, b.pacing_multiplier);
      EXPECT_EQ(a.participated, b.participated);
      EXPECT_EQ(a.pctr, b.pctr);
      EXPECT_EQ(a.true_ctr, b.true_ctr);
      EXPECT_EQ(a.quality, b.quality);
      EXPECT_EQ(a.rank_score, b.rank_score);
      EXPECT_EQ(a.slot, b.slot);
      EXPECT_EQ(a.price, b.price);
      EXPECT_EQ(a.reserve_bound, b.reserve_bound);
    }
  }
  const auto flat = store.read_auction_candidates(run_id);
  ASSERT_EQ(flat.size(), 4u + 5u + 6u);
  EXPECT_EQ(flat[0].request_id, 100u);
  EXPECT_EQ(flat[0].rank, 0);
  EXPECT_EQ(flat[5].rank, 1);
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM auction_candidates WHERE slot IS NULL"), 2 + 3 + 4);
}

TEST(ResultStoreMoney, MicrosStayExactIncludingSqlSums) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  auto recorder = store.begin_run(make_scenario(), 1);
  core::Counters total;
  std::vector<core::IntervalMetrics> ms;
  for (int i = 0; i < 3; ++i) {
    auto m = make_interval(i);
    m.counts.revenue = core::Money::from_micros(9'007'199'254'740'993LL + 2 * i);  // odd, above 2^53
    total += m.counts;
    ms.push_back(m);
    recorder->on_interval(m);
  }
  recorder->finish(make_summary(ms));
  const auto run_id = recorder->run_id();
  // A double sum would round each term to even: the exact integer sum proves INTEGER storage.
  const std::int64_t expected = 3 * 9'007'199'254'740'993LL + 0 + 2 + 4;
  EXPECT_EQ(total.revenue.micros, expected);
  EXPECT_EQ(count_rows(store.path(), "SELECT sum(revenue_micros) FROM intervals WHERE run_id = " + std::to_string(run_id)),
            expected);
  EXPECT_EQ(count_rows(store.path(), "SELECT revenue_micros FROM runs WHERE run_id = " + std::to_string(run_id)),
            expected);
  EXPECT_EQ(store.read_run(run_id)->totals.revenue.micros, expected);
  EXPECT_EQ(count_rows(store.path(), "SELECT typeof(revenue_micros) = 'integer' FROM intervals LIMIT 1"), 1);
  EXPECT_EQ(count_rows(store.path(), "SELECT spend_micros FROM campaign_totals WHERE campaign_id = 10"),
            4'503'599'627'370'497LL);
}

TEST(ResultStoreRecorder, DestroyedUnfinishedMarksInterruptedAndFlushesRows) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  std::int64_t run_id = 0;
  core::Counters sum;
  {
    scenarios::RecorderOptions lazy;
    lazy.flush_every = 1000 * core::kDay;  // nothing is written before the recorder ends
    lazy.max_buffered_rows = 1'000'000;
    auto recorder = store.begin_run(make_scenario(), 7, lazy);
    run_id = recorder->run_id();
    EXPECT_EQ(store.read_run(run_id)->status, RunStatus::kRunning);
    for (int i = 0; i < 3; ++i) {
      recorder->on_auction(make_auction(static_cast<std::uint64_t>(i + 1), 4));
      const auto m = make_interval(i);
      sum += m.counts;
      recorder->on_interval(m);
    }
    EXPECT_TRUE(store.read_intervals(run_id).empty());  // still buffered
  }  // like Ctrl-C: the front-end stopped and dropped the recorder without finish()
  const auto run = store.read_run(run_id);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->status, RunStatus::kInterrupted);
  EXPECT_FALSE(run->finished_at.empty());
  EXPECT_EQ(run->error_message, "");
  EXPECT_EQ(run->intervals, 3u);
  EXPECT_EQ(run->auction_samples, 3u);
  EXPECT_EQ(run->simulated_us, make_interval(2).end);
  EXPECT_EQ(run->active_users, make_interval(2).active_users);
  expect_counters_eq(run->totals, sum);
  EXPECT_EQ(store.read_intervals(run_id).size(), 3u);
  EXPECT_EQ(store.read_auction_log(run_id).size(), 3u);
  EXPECT_EQ(store.read_auction_candidates(run_id).size(), 12u);
  EXPECT_TRUE(store.read_campaign_totals(run_id).empty());
}

TEST(ResultStoreRecorder, ExceptionDuringRunLeavesConsistentInterruptedRun) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  std::int64_t run_id = 0;
  try {
    auto recorder = store.begin_run(make_scenario(), 7);
    run_id = recorder->run_id();
    recorder->on_interval(make_interval(0));
    recorder->on_interval(make_interval(1));
    throw std::runtime_error("simulated engine failure");
  } catch (const std::runtime_error&) {
  }
  const auto run = store.read_run(run_id);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->status, RunStatus::kInterrupted);
  EXPECT_NE(run->error_message.find("exception"), std::string::npos) << run->error_message;
  EXPECT_EQ(store.read_intervals(run_id).size(), 2u);
}

TEST(ResultStoreRecorder, MarkFailedRecordsMessageAndRows) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  auto recorder = store.begin_run(make_scenario(), 3);
  recorder->on_interval(make_interval(0));
  recorder->mark_failed("pacer diverged: multiplier NaN");
  EXPECT_TRUE(recorder->finished());
  const auto run = store.read_run(recorder->run_id());
  EXPECT_EQ(run->status, RunStatus::kFailed);
  EXPECT_EQ(run->error_message, "pacer diverged: multiplier NaN");
  EXPECT_EQ(store.read_intervals(recorder->run_id()).size(), 1u);
  EXPECT_THROW(recorder->finish(make_summary({})), std::logic_error);
  EXPECT_THROW(recorder->on_interval(make_interval(1)), std::logic_error);
  recorder.reset();  // a finished recorder's destructor changes nothing
  EXPECT_EQ(store.read_runs().front().status, RunStatus::kFailed);
}

TEST(ResultStoreRecorder, FinishStatusFollowsSummaryAndRejectsRunning) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  {
    auto recorder = store.begin_run(make_scenario(), 1);
    EXPECT_THROW(recorder->finish(make_summary({}), RunStatus::kRunning), std::logic_error);
    auto summary = make_summary({});
    summary.interrupted = true;  // the kernel was stopped (Ctrl-C): never reported as completed
    recorder->finish(summary, RunStatus::kCompleted);
    EXPECT_EQ(store.read_run(recorder->run_id())->status, RunStatus::kInterrupted);
    EXPECT_THROW(recorder->finish(summary), std::logic_error);
  }
  {
    auto recorder = store.begin_run(make_scenario(), 2);
    recorder->finish(make_summary({}));
    EXPECT_EQ(store.read_run(recorder->run_id())->status, RunStatus::kCompleted);
  }
}

TEST(ResultStoreRecorder, WritesInBatchesAtIntervalBoundaries) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  auto reader = ResultStore::open(store.path(), ResultStore::Mode::kReadOnly);  // another connection
  scenarios::RecorderOptions options;
  options.flush_every = 30 * core::kMinute;
  auto recorder = store.begin_run(make_scenario(), 1, options);
  const auto id = recorder->run_id();
  auto interval = [](int i) {  // 15-minute intervals
    auto m = make_interval(i);
    return m;
  };
  recorder->on_auction(make_auction(1, 3));
  recorder->on_interval(interval(0));  // ends at 15 min: not yet
  EXPECT_EQ(reader.read_intervals(id).size(), 0u);
  EXPECT_EQ(reader.read_auction_log(id).size(), 0u);
  recorder->on_interval(interval(1));  // ends at 30 min: written, with the auction
  EXPECT_EQ(reader.read_intervals(id).size(), 2u);
  EXPECT_EQ(reader.read_auction_log(id).size(), 1u);
  recorder->on_interval(interval(2));
  EXPECT_EQ(reader.read_intervals(id).size(), 2u);
  recorder->flush();
  EXPECT_EQ(reader.read_intervals(id).size(), 3u);

  // A dense auction log is written when the buffer is full, without waiting for an interval.
  scenarios::RecorderOptions small;
  small.max_buffered_rows = 10;
  auto dense = store.begin_run(make_scenario(), 2, small);
  dense->on_auction(make_auction(1, 4));  // 5 rows
  EXPECT_EQ(reader.read_auction_log(dense->run_id()).size(), 0u);
  dense->on_auction(make_auction(2, 4));  // 10 rows: written
  EXPECT_EQ(reader.read_auction_log(dense->run_id()).size(), 2u);
}

TEST(ResultStoreOpen, MissingDirectoryIsAClearErrorAndCreatesNothing) {
  TempDir dir;
  const auto path = dir.path() / "no" / "such" / "results.db";
  const auto message = error_of([&] { ResultStore::open(path); });
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir.path() / "no"));
}

TEST(ResultStoreOpen, DirectoryPathIsAClearError) {
  TempDir dir;
  const auto message = error_of([&] { ResultStore::open(dir.path()); });
  EXPECT_NE(message.find("is a directory"), std::string::npos) << message;
}

TEST(ResultStoreOpen, ReadOnlyDirectoryIsAClearErrorAndLeavesFileUntouched) {
  TempDir dir;
  const auto ro = dir.path() / "ro";
  fs::create_directories(ro);
  const auto existing = ro / "results.db";
  {
    auto store = ResultStore::open(existing);
    record_fake_run(store, 1);
  }
  const auto before = file_bytes(existing);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);

  const auto fresh = ro / "new.db";
  auto message = error_of([&] { ResultStore::open(fresh); });
  EXPECT_NE(message.find(fresh.string()), std::string::npos) << message;
  EXPECT_NE(message.find("read-only"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(fresh));

  message = error_of([&] { ResultStore::open(existing); });
  EXPECT_NE(message.find(existing.string()), std::string::npos) << message;
  EXPECT_NE(message.find("read-only"), std::string::npos) << message;
  EXPECT_EQ(file_bytes(existing), before);

  // Reports can still read it.
  auto reader = ResultStore::open(existing, ResultStore::Mode::kReadOnly);
  EXPECT_EQ(reader.read_runs().size(), 1u);
  EXPECT_THROW(reader.begin_run(make_scenario(), 1), ResultStoreError);
  EXPECT_EQ(file_bytes(existing), before);
}

TEST(ResultStoreOpen, ReadOnlyFileIsAClearErrorAndLeavesFileUntouched) {
  TempDir dir;
  const auto path = dir / "results.db";
  {
    auto store = ResultStore::open(path);
    record_fake_run(store, 1);
  }
  const auto before = file_bytes(path);
  fs::permissions(path, fs::perms::owner_read | fs::perms::group_read);
  const auto message = error_of([&] { ResultStore::open(path); });
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(message.find("read-only"), std::string::npos) << message;
  EXPECT_EQ(file_bytes(path), before);
}

TEST(ResultStoreOpen, NotADatabaseIsAClearErrorAndLeavesFileUntouched) {
  TempDir dir;
  const auto path = dir / "notes.db";
  std::string text = "This is a text file that someone passed as --results by mistake.\n";
  for (int i = 0; i < 100; ++i) text += "line " + std::to_string(i) + " of precious notes\n";
  write_file(path, text);
  const auto message = error_of([&] { ResultStore::open(path); });
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  EXPECT_NE(message.find("not a SQLite database"), std::string::npos) << message;
  EXPECT_EQ(file_bytes(path), text);
}

TEST(ResultStoreOpen, ForeignSqliteDatabaseIsRefusedAndLeftUntouched) {
  TempDir dir;
  const auto path = dir / "other.db";
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'x')");
  }
  const auto before = file_bytes(path);
  const auto message = error_of([&] { ResultStore::open(path); });
  EXPECT_NE(message.find("not an adsim results database"), std::string::npos) << message;
  EXPECT_EQ(file_bytes(path), before);
}

TEST(ResultStoreOpen, OpeningWithoutStartingARunLeavesDatabaseByteIdentical) {
  TempDir dir;
  const auto path = dir / "results.db";
  std::int64_t run_id = 0;
  {
    auto store = ResultStore::open(path);
    run_id = record_fake_run(store, 5);
  }
  const auto before = file_bytes(path);
  const auto mtime = fs::last_write_time(path);
  {
    auto store = ResultStore::open(path);
    EXPECT_EQ(store.read_runs().size(), 1u);
    EXPECT_FALSE(store.dump_run_rows(run_id).empty());
    EXPECT_EQ(store.read_intervals(run_id).size(), 4u);
    // ...then the caller's set-up fails before begin_run().
  }
  EXPECT_EQ(file_bytes(path), before);
  EXPECT_EQ(fs::last_write_time(path), mtime);
  EXPECT_FALSE(fs::exists(dir / "results.db-journal"));

  // A reader that opened an empty file before another connection recorded the first run sees it.
  const auto shared = dir / "shared.db";
  write_file(shared, "");
  auto early_reader = ResultStore::open(shared, ResultStore::Mode::kReadOnly);
  EXPECT_TRUE(early_reader.read_runs().empty());
  {
    auto writer = ResultStore::open(shared);
    record_fake_run(writer, 1);
  }
  EXPECT_EQ(early_reader.read_runs().size(), 1u);

  // An empty file (e.g. made by `touch`) is a valid empty database: it stays empty until a run.
  const auto empty = dir / "empty.db";
  write_file(empty, "");
  {
    auto store = ResultStore::open(empty);
    EXPECT_EQ(store.schema_version(), 0);
    EXPECT_TRUE(store.read_runs().empty());
    EXPECT_EQ(store.dump_run_rows(1), "");
  }
  EXPECT_EQ(fs::file_size(empty), 0u);
  {
    auto store = ResultStore::open(empty);
    const auto id = record_fake_run(store, 5);
    EXPECT_EQ(store.schema_version(), ResultStore::current_schema_version());
    EXPECT_EQ(store.read_intervals(id).size(), 4u);
  }
}

TEST(ResultStoreOpen, NewerSchemaVersionIsAClearErrorAndLeavesFileUntouched) {
  TempDir dir;
  const auto path = dir / "results.db";
  {
    auto store = ResultStore::open(path);
    record_fake_run(store, 1);
  }
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = " + std::to_string(ResultStore::current_schema_version() + 1));
  }
  const auto before = file_bytes(path);
  for (auto mode : {ResultStore::Mode::kReadWrite, ResultStore::Mode::kReadOnly}) {
    const auto message = error_of([&] { ResultStore::open(path, mode); });
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find("newer adsim"), std::string::npos) << message;
    EXPECT_NE(message.find("schema version " + std::to_string(ResultStore::current_schema_version() + 1)),
              std::string::npos)
        << message;
  }
  EXPECT_EQ(file_bytes(path), before);
}

TEST(ResultStoreOpen, ReadOnlyModeNeedsAnExistingFile) {
  TempDir dir;
  const auto path = dir / "missing.db";
  const auto message = error_of([&] { ResultStore::open(path, ResultStore::Mode::kReadOnly); });
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(path));
}

TEST(ResultStoreDeterminism, IdenticalRunsDumpIdenticalRows) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  const auto a = record_fake_run(store, 99);
  // Different batching must not change the rows.
  scenarios::RecorderOptions eager;
  eager.flush_every = 0;
  eager.max_buffered_rows = 3;
  const auto b = record_fake_run(store, 99, 4, eager);
  ASSERT_NE(a, b);
  const auto dump_a = store.dump_run_rows(a);
  EXPECT_EQ(dump_a, store.dump_run_rows(b));
  // The dump covers every table and leaves out run ids and wall-clock columns.
  for (const char* needle : {"[runs]", "[intervals]", "[campaign_spend]", "[campaign_totals]", "[auction_requests]",
                             "[auction_candidates]", "revenue_micros=", "pctr=", "status=\"completed\"",
                             "first_exhausted_us=NULL"})
    EXPECT_NE(dump_a.find(needle), std::string::npos) << needle;
  for (const char* absent : {"run_id=", "started_at=", "finished_at=", "wall_seconds="})
    EXPECT_EQ(dump_a.find(absent), std::string::npos) << absent;
  // The same text from another connection, and a different seed gives a different dump.
  auto reader = ResultStore::open(store.path(), ResultStore::Mode::kReadOnly);
  EXPECT_EQ(reader.dump_run_rows(a), dump_a);
  const auto c = record_fake_run(store, 100);
  EXPECT_NE(store.dump_run_rows(c), dump_a);
}

TEST(ResultStoreDeterminism, DumpDetectsASingleChangedValue) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  const auto a = record_fake_run(store, 1);
  auto recorder = store.begin_run(make_scenario(), 1);
  std::vector<core::IntervalMetrics> ms;
  for (int i = 0; i < 4; ++i) {
    recorder->on_auction(make_auction(static_cast<std::uint64_t>(10 * i + 1), 5));
    auto second = make_auction(static_cast<std::uint64_t>(10 * i + 2), 3);
    if (i == 3) second.candidates[1].pctr = std::nextafter(second.candidates[1].pctr, 1.0);  // one ulp
    recorder->on_auction(second);
    ms.push_back(make_interval(i));
    recorder->on_interval(ms.back());
  }
  recorder->finish(make_summary(ms));
  EXPECT_NE(store.dump_run_rows(a), store.dump_run_rows(recorder->run_id()));
}

TEST(ResultStoreConcurrency, TwoConnectionsRecordRunsIntoOneFile) {
  TempDir dir;
  const auto path = dir / "results.db";
  auto first = ResultStore::open(path);
  auto second = ResultStore::open(path);
  auto r1 = first.begin_run(make_scenario(), 1);
  auto r2 = second.begin_run(make_scenario(), 2);
  EXPECT_NE(r1->run_id(), r2->run_id());
  for (int i = 0; i < 3; ++i) {
    r1->on_interval(make_interval(i));
    r2->on_interval(make_interval(i));
  }
  r1->finish(make_summary({}));
  r2->finish(make_summary({}));
  EXPECT_EQ(first.read_runs().size(), 2u);
  EXPECT_EQ(first.read_intervals(r2->run_id()).size(), 3u);
}

TEST(ResultStoreRecorder, UnwritableRowsStillEndTheRun) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  scenarios::RecorderOptions lazy;
  lazy.flush_every = 1000 * core::kDay;
  {
    auto recorder = store.begin_run(make_scenario(), 1, lazy);
    recorder->on_auction(make_auction(5, 2));
    recorder->on_auction(make_auction(5, 2));  // an upstream bug: the same request logged twice
    const auto message = error_of([&] { recorder->flush(); });
    EXPECT_NE(message.find("UNIQUE"), std::string::npos) << message;
    recorder->mark_failed("engine error");
    const auto run = store.read_run(recorder->run_id());
    EXPECT_EQ(run->status, RunStatus::kFailed);
    EXPECT_NE(run->error_message.find("engine error; 6 buffered rows could not be written"), std::string::npos)
        << run->error_message;
    EXPECT_TRUE(store.read_auction_log(recorder->run_id()).empty());
  }
  std::int64_t id = 0;
  {
    auto recorder = store.begin_run(make_scenario(), 2, lazy);
    id = recorder->run_id();
    recorder->on_auction(make_auction(5, 2));
    recorder->on_auction(make_auction(5, 2));
  }  // the destructor must not throw, and still ends the run
  EXPECT_EQ(store.read_run(id)->status, RunStatus::kInterrupted);
}

TEST(ResultStoreSchema, ColumnsAddedByALaterVersionUpgradeOldFilesAndOldFilesStayReadable) {
  // The machinery a schema version 2 will use, on a toy table.
  struct Row {
    std::int64_t run_id = 0;
    std::int64_t a = 0;
    double added = 0.0;
  };
  namespace rs = scenarios::result_schema;
  rs::Table<Row> t;
  t.name = "toy";
  t.columns.push_back(rs::integer<Row>("run_id", [](auto& r) -> auto& { return r.run_id; }));
  t.columns.push_back(rs::integer<Row>("a", [](auto& r) -> auto& { return r.a; }));
  auto added = rs::real<Row>("added", [](auto& r) -> auto& { return r.added; });
  added.since = 2;
  t.columns.push_back(added);
  t.primary_key = {"run_id"};

  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE toy (run_id INTEGER NOT NULL, a INTEGER NOT NULL, PRIMARY KEY (run_id))");  // as v1 made it
  db.exec("INSERT INTO toy VALUES (1, 10)");
  {
    SQLite::Statement s(db, t.select_sql(1, "1 = 1", "run_id"));  // a v1 file read by a v2 build
    ASSERT_TRUE(s.executeStep());
    const Row r = t.read(s, 1);
    EXPECT_EQ(r.a, 10);
    EXPECT_EQ(r.added, 0.0);
  }
  const auto upgrade = t.add_column_sql(2);
  ASSERT_EQ(upgrade.size(), 1u);
  EXPECT_EQ(upgrade[0], "ALTER TABLE toy ADD COLUMN added REAL");
  db.exec(upgrade[0]);
  SQLite::Statement insert(db, t.insert_sql());
  t.bind(insert, Row{2, 20, 0.25}, rs::kAtInsert);
  insert.exec();
  SQLite::Statement s(db, t.select_sql(2, "1 = 1", "run_id"));
  std::vector<Row> rows;
  while (s.executeStep()) rows.push_back(t.read(s, 2));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(std::isnan(rows[0].added));  // not recorded by the old version: NULL
  EXPECT_EQ(rows[1].added, 0.25);
  EXPECT_NE(t.create_sql().find("added REAL"), std::string::npos);
}

TEST(ResultStoreSchema, OverridesJsonRoundTripsAnyText) {
  namespace rs = scenarios::result_schema;
  const std::vector<std::string> items = {"", "a=b", "q=\"x\"", "back\\slash", "ctl\x01\x1f", "nl\n\r\t",
                                          "utf8=\xc3\xa9\xe2\x82\xac"};
  const auto json = rs::to_json_array(items);
  EXPECT_EQ(rs::from_json_array(json), items);
  EXPECT_EQ(rs::to_json_array({}), "[]");
  EXPECT_EQ(rs::from_json_array(" [ \"\\u00e9\\ud83d\\ude00\" ] "), std::vector<std::string>{"\xc3\xa9\xf0\x9f\x98\x80"});
  EXPECT_THROW(rs::from_json_array("[\"unterminated"), std::runtime_error);
  EXPECT_THROW(rs::from_json_array("[1]"), std::runtime_error);
}

TEST(ResultStoreRecorder, RecorderOutlivesItsStore) {
  TempDir dir;
  const auto path = dir / "results.db";
  std::unique_ptr<scenarios::RunRecorder> recorder;
  {
    auto store = ResultStore::open(path);
    recorder = store.begin_run(make_scenario(), 1);
  }
  recorder->on_interval(make_interval(0));
  recorder->finish(make_summary({}));
  auto store = ResultStore::open(path, ResultStore::Mode::kReadOnly);
  EXPECT_EQ(store.read_intervals(recorder->run_id()).size(), 1u);
}

// A 2M-request day logs about 2,000 auctions of ~100 candidates at the default 0.1% sampling and
// 96 intervals; writing them must take a small fraction of the simulation's time.
TEST(ResultStorePerformance, SampledAuctionLogOfALargeRunIsCheap) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  const auto started = std::chrono::steady_clock::now();
  auto recorder = store.begin_run(make_scenario(), 1);
  std::vector<core::IntervalMetrics> ms;
  const auto entry = make_auction(0, 100);
  for (int i = 0; i < 96; ++i) {
    for (int k = 0; k < 21; ++k) {
      auto e = entry;
      e.request_id = static_cast<std::uint64_t>(i * 100 + k);
      recorder->on_auction(e);
    }
    ms.push_back(make_interval(i));
    recorder->on_interval(ms.back());
  }
  recorder->finish(make_summary(ms));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  RecordProperty("seconds", std::to_string(seconds));
  std::cout << "[          ] 96 intervals + 2016 auctions x 100 candidates written in " << seconds << " s\n";
  EXPECT_EQ(store.read_auction_candidates(recorder->run_id()).size(), 201'600u);
  EXPECT_LT(seconds, 10.0);  // typically well under a second; generous for a loaded CI machine
}

// --- With the real engine: the property the design promises ("a GUI run and a CLI run of the same
// scenario and seed write identical result rows"), and Ctrl-C leaving a consistent database.

namespace {

scenarios::Scenario quick_scenario() {
  const std::vector<std::string> overrides = {"run.days=0.25", "run.auction_log_rate=0.02"};
  return scenarios::load_scenario_file(fs::path(ADSIM_SOURCE_DIR) / "scenarios" / "quickstart.toml", overrides);
}

// Stops the run (as the CLI's Ctrl-C handler does) once `after` intervals have been reported.
class StopAfter final : public core::SimObserver {
 public:
  StopAfter(std::atomic<bool>& stop, int after) : stop_(stop), after_(after) {}
  void on_interval(const core::IntervalMetrics&) override {
    if (++seen_ == after_) stop_ = true;
  }

 private:
  std::atomic<bool>& stop_;
  int after_;
  int seen_ = 0;
};

}  // namespace

TEST(ResultStoreEndToEnd, CliStyleAndSteppedGuiStyleRunsWriteIdenticalRows) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  const auto scenario = quick_scenario();
  const std::uint64_t seed = scenario.run.seed;

  // CLI: run() to the end.
  auto cli_market = scenarios::build_marketplace(scenario);
  auto cli = store.begin_run(scenario, seed);
  cli_market->add_observer(*cli);
  cli->finish(cli_market->run());

  // GUI: a worker thread steps the simulation in uneven slices, then finishes.
  auto gui_market = scenarios::build_marketplace(scenario);
  auto gui = store.begin_run(scenario, seed);
  gui_market->add_observer(*gui);
  const core::SimTime horizon = gui_market->horizon();
  for (core::SimTime t = 37 * core::kMinute + 11;; t += 37 * core::kMinute + 11) {
    gui_market->run_until(std::min(t, horizon));
    if (t >= horizon) break;
  }
  gui->finish(gui_market->finish());

  const auto runs = store.read_runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].status, RunStatus::kCompleted);
  EXPECT_EQ(runs[1].status, RunStatus::kCompleted);
  EXPECT_GT(runs[0].totals.requests, 1000u);
  EXPECT_GT(runs[0].auction_samples, 10u);
  EXPECT_FALSE(store.read_campaign_totals(cli->run_id()).empty());
  EXPECT_FALSE(store.read_campaign_spend(cli->run_id()).empty());
  EXPECT_FALSE(store.read_auction_candidates(cli->run_id()).empty());
  const auto intervals = store.read_intervals(cli->run_id());
  ASSERT_FALSE(intervals.empty());
  core::Counters sum;
  for (const auto& row : intervals) sum += row.metrics.counts;
  EXPECT_LE(sum.requests, runs[0].totals.requests);
  EXPECT_EQ(store.dump_run_rows(cli->run_id()), store.dump_run_rows(gui->run_id()));
}

TEST(ResultStoreEndToEnd, StoppedRunIsMarkedInterruptedWithConsistentRows) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  const auto scenario = quick_scenario();
  auto market = scenarios::build_marketplace(scenario);
  std::atomic<bool> stop{false};
  StopAfter stopper(stop, 5);
  market->set_stop_token(&stop);
  auto recorder = store.begin_run(scenario, scenario.run.seed);
  market->add_observer(*recorder);
  market->add_observer(stopper);
  const auto summary = market->run();
  EXPECT_TRUE(summary.interrupted);
  recorder->finish(summary);
  const auto run = store.read_run(recorder->run_id());
  EXPECT_EQ(run->status, RunStatus::kInterrupted);
  EXPECT_LT(run->simulated_us, market->horizon());
  EXPECT_GE(store.read_intervals(recorder->run_id()).size(), 5u);
  // Every logged auction has its candidates, and nothing is left half-written.
  for (const auto& entry : store.read_auction_log(recorder->run_id())) EXPECT_FALSE(entry.candidates.empty());
  SQLite::Database db(store.path(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt(), 0);
}

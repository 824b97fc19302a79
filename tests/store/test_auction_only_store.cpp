// Auction-only runs in the results database (schema version 3): the rows equal the runner's
// results, splitting the run into blocks changes nothing, Ctrl-C leaves an interrupted run, and a
// database written by schema version 2 opens as it is and gains the tables.
#include <gtest/gtest.h>
#include <unistd.h>

#include <SQLiteCpp/Database.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "scenarios/auction_only_run.hpp"
#include "store/result_store.hpp"
#include "scenarios/scenario_loader.hpp"

namespace adsim {
namespace {

namespace fs = std::filesystem;
using store::ResultStore;
using store::RunStatus;

class TempDir {
 public:
  TempDir() {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("adsim_auction_only_store_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The bundled classroom scenario, shortened; a bandit shader in two-slot first price by default, so
// the shading column and per-slot rows have something to show.
scenarios::Scenario lesson(std::vector<std::string> overrides = {"auction_only.rounds=30000", "auction.slots=2",
                                                                  "auction.mechanism=first_price",
                                                                  "auction_only.strategy=bandit"}) {
  return scenarios::load_scenario_file(fs::path(ADSIM_SOURCE_DIR) / "scenarios" / "lesson_auction_theory.toml",
                                       overrides);
}

void expect_report_eq(const auction::AuctionMetricsReport& a, const auction::AuctionMetricsReport& b) {
  EXPECT_EQ(a.auctions, b.auctions);
  EXPECT_EQ(a.slots, b.slots);
  EXPECT_EQ(a.revenue, b.revenue);
  EXPECT_EQ(a.revenue_se, b.revenue_se);
  EXPECT_EQ(a.surplus, b.surplus);
  EXPECT_EQ(a.surplus_se, b.surplus_se);
  EXPECT_EQ(a.welfare, b.welfare);
  EXPECT_EQ(a.welfare_se, b.welfare_se);
  EXPECT_EQ(a.best_welfare, b.best_welfare);
  EXPECT_EQ(a.efficiency, b.efficiency);
  EXPECT_EQ(a.price_to_bid, b.price_to_bid);
  EXPECT_EQ(a.reserve_bind_rate, b.reserve_bind_rate);
  EXPECT_EQ(a.fill_rate, b.fill_rate);
  EXPECT_EQ(a.request_fill_rate, b.request_fill_rate);
  EXPECT_EQ(a.reserve_exclusion_rate, b.reserve_exclusion_rate);
  EXPECT_EQ(a.no_ad_due_to_reserve_rate, b.no_ad_due_to_reserve_rate);
  for (int s = 0; s < a.slots; ++s) {
    SCOPED_TRACE(s);
    const auto& x = a.per_slot[static_cast<std::size_t>(s)];
    const auto& y = b.per_slot[static_cast<std::size_t>(s)];
    EXPECT_EQ(x.fill_rate, y.fill_rate);
    EXPECT_EQ(x.revenue, y.revenue);
    EXPECT_EQ(x.surplus, y.surplus);
    EXPECT_EQ(x.welfare, y.welfare);
    EXPECT_EQ(x.efficiency, y.efficiency);
    EXPECT_EQ(x.price_to_bid, y.price_to_bid);
    EXPECT_EQ(x.reserve_bind_rate, y.reserve_bind_rate);
  }
}

// Equal, or both NaN (NULL in the store: no budget, not paced).
void expect_same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) EXPECT_TRUE(std::isnan(a) && std::isnan(b)) << a << " vs " << b;
  else EXPECT_EQ(a, b);
}

void expect_bidder_eq(const auction::BidderOutcome& a, const auction::BidderOutcome& b) {
  EXPECT_EQ(a.auctions, b.auctions);
  EXPECT_EQ(a.wins, b.wins);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.payment, b.payment);
  EXPECT_EQ(a.surplus, b.surplus);
  expect_same(a.budget, b.budget);
  expect_same(a.budget_left, b.budget_left);
  EXPECT_EQ(a.multiplier, b.multiplier);
  EXPECT_EQ(a.pass_rate, b.pass_rate);
  EXPECT_EQ(a.throttled, b.throttled);
  EXPECT_EQ(a.exhausted_round, b.exhausted_round);
  EXPECT_EQ(a.exhausted_episodes, b.exhausted_episodes);
  expect_same(a.pacing_error, b.pacing_error);
  EXPECT_EQ(a.preferred_shading, b.preferred_shading);
  ASSERT_EQ(a.slots.size(), b.slots.size());
  for (std::size_t k = 0; k < a.slots.size(); ++k) {
    EXPECT_EQ(a.slots[k].wins, b.slots[k].wins);
    EXPECT_EQ(a.slots[k].clicks, b.slots[k].clicks);
    EXPECT_EQ(a.slots[k].value, b.slots[k].value);
    EXPECT_EQ(a.slots[k].payment, b.slots[k].payment);
  }
}

// Records the scenario's run into `store`; returns the run and its id.
std::pair<scenarios::AuctionOnlyRun, std::int64_t> record(ResultStore& store, const scenarios::Scenario& s,
                                                          const std::atomic<bool>* stop = nullptr) {
  auto recorder = store.begin_run(s, s.run.seed);
  auto run = scenarios::run_auction_only_scenario(
      s, stop, [&](const scenarios::AuctionOnlyBlockRow& b) { recorder->on_auction_only_block(b); });
  recorder->finish_auction_only(run.summary, run.record);
  return {std::move(run), recorder->run_id()};
}

TEST(AuctionOnlyStore, BlocksChangeNothingAndAddUpToTheRun) {
  const auto s = lesson();
  const auto config = scenarios::auction_only_config(s);
  const auction::AuctionOnlyResult whole = auction::run_auction_only(config);
  std::vector<scenarios::AuctionOnlyBlockRow> blocks;
  const auto run = scenarios::run_auction_only_scenario(s, nullptr, [&](const auto& b) { blocks.push_back(b); });
  EXPECT_FALSE(run.interrupted);
  expect_report_eq(run.result.metrics, whole.metrics);
  ASSERT_EQ(run.result.bidders.size(), whole.bidders.size());
  for (std::size_t b = 0; b < whole.bidders.size(); ++b) expect_bidder_eq(run.result.bidders[b], whole.bidders[b]);

  EXPECT_EQ(scenarios::auction_only_block_rounds(30'000), 300u);
  EXPECT_EQ(scenarios::auction_only_block_rounds(30'001), 301u);
  EXPECT_EQ(scenarios::auction_only_block_rounds(7), 1u);
  ASSERT_EQ(blocks.size(), 100u);
  std::uint64_t auctions = 0;
  double revenue = 0.0, welfare = 0.0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_EQ(blocks[i].first_round, auctions);
    auctions += blocks[i].auctions;
    revenue += blocks[i].revenue * static_cast<double>(blocks[i].auctions);
    welfare += blocks[i].welfare * static_cast<double>(blocks[i].auctions);
    EXPECT_GT(blocks[i].mean_shading, 0.0);  // a bandit's factors are in (0, 1]
    EXPECT_LE(blocks[i].mean_shading, 1.0);
    EXPECT_GE(blocks[i].efficiency, 0.0);
    EXPECT_LE(blocks[i].efficiency, 1.0 + 1e-12);
  }
  EXPECT_EQ(auctions, 30'000u);
  // Sums of 100 block means against the running sum: equal up to rounding (relative 1e-12).
  EXPECT_NEAR(revenue / 30'000.0, whole.metrics.revenue, 1e-12 * whole.metrics.revenue);
  EXPECT_NEAR(welfare / 30'000.0, whole.metrics.welfare, 1e-12 * whole.metrics.welfare);
  // The runs row's counters.
  EXPECT_EQ(run.summary.totals.requests, 30'000u);
  EXPECT_EQ(run.summary.totals.efficiency_samples, 30'000u);
  EXPECT_EQ(run.summary.totals.revenue.micros, std::llround(whole.metrics.revenue * 30'000.0 * 1e6));

  // Truthful bidders learn nothing: no shading in the time series.
  blocks.clear();
  scenarios::run_auction_only_scenario(lesson({"auction_only.rounds=1000"}), nullptr,
                                       [&](const auto& b) { blocks.push_back(b); });
  ASSERT_EQ(blocks.size(), 100u);
  EXPECT_TRUE(std::isnan(blocks[0].mean_shading));
}

TEST(AuctionOnlyStore, RowsEqualTheResultsAndSameSeedGivesIdenticalRows) {
  TempDir dir;
  const auto s = lesson();
  auto store = ResultStore::open(dir / "results.db");
  const auto [run, id] = record(store, s);
  const auto [run2, id2] = record(store, s);
  EXPECT_NE(id, id2);
  EXPECT_EQ(store.dump_run_rows(id), store.dump_run_rows(id2));
  const auto other = lesson({"auction_only.rounds=30000", "auction.slots=2", "auction.mechanism=first_price",
                             "auction_only.strategy=bandit", "run.seed=2"});
  const auto [run3, id3] = record(store, other);
  EXPECT_NE(store.dump_run_rows(id), store.dump_run_rows(id3));  // the dump can tell runs apart

  const auto row = store.read_run(id);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->kind, "auction_only");
  EXPECT_EQ(row->status, RunStatus::kCompleted);
  EXPECT_EQ(row->scenario_text, s.source_text);
  EXPECT_EQ(row->overrides, s.overrides);
  EXPECT_EQ(row->totals.requests, 30'000u);
  EXPECT_EQ(row->totals.revenue, run.summary.totals.revenue);
  EXPECT_EQ(row->totals.slot_impressions[1], run.summary.totals.slot_impressions[1]);
  EXPECT_GT(row->totals.slot_impressions[1], 0u);
  EXPECT_GT(row->wall_seconds, 0.0);

  const auto a = store.read_auction_only_run(id);
  ASSERT_TRUE(a.has_value());
  expect_report_eq(a->metrics, run.result.metrics);
  EXPECT_EQ(a->planned_rounds, 30'000u);
  EXPECT_EQ(a->block_rounds, 300u);
  EXPECT_EQ(a->bidders, 4);
  EXPECT_EQ(a->slots, 2);
  EXPECT_EQ(a->mechanism, "first_price");
  EXPECT_EQ(a->strategy, "bandit");
  EXPECT_EQ(a->reserve_rule, "fixed");
  EXPECT_EQ(a->reserve, run.result.reserve);
  const auto bidders = store.read_auction_only_bidders(id);
  ASSERT_EQ(bidders.size(), run.result.bidders.size());
  for (std::size_t b = 0; b < bidders.size(); ++b) {
    EXPECT_EQ(bidders[b].bidder, static_cast<std::int64_t>(b));
    expect_bidder_eq(bidders[b].outcome, run.result.bidders[b]);
  }
  const auto blocks = store.read_auction_only_blocks(id);
  ASSERT_EQ(blocks.size(), 100u);
  EXPECT_EQ(blocks[99].block_index, 99);
  EXPECT_EQ(blocks[99].first_round, 29'700u);
  // A marketplace-only table stays empty for it, and a marketplace run has no auction-only rows.
  EXPECT_TRUE(store.read_intervals(id).empty());
}

TEST(AuctionOnlyStore, StopMidRunRecordsAnInterruptedRunWithWhatRan) {
  TempDir dir;
  const auto s = lesson();
  auto store = ResultStore::open(dir / "results.db");
  std::atomic<bool> stop{false};
  auto recorder = store.begin_run(s, s.run.seed);
  int blocks = 0;
  const auto run = scenarios::run_auction_only_scenario(s, &stop, [&](const scenarios::AuctionOnlyBlockRow& b) {
    recorder->on_auction_only_block(b);
    if (++blocks == 3) stop = true;
  });
  recorder->finish_auction_only(run.summary, run.record);
  EXPECT_TRUE(run.interrupted);
  EXPECT_EQ(run.result.metrics.auctions, 900u);
  const auto row = store.read_run(recorder->run_id());
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, RunStatus::kInterrupted);
  EXPECT_EQ(row->totals.requests, 900u);
  EXPECT_EQ(store.read_auction_only_blocks(recorder->run_id()).size(), 3u);
  const auto a = store.read_auction_only_run(recorder->run_id());
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->metrics.auctions, 900u);
  EXPECT_EQ(a->planned_rounds, 30'000u);
}

// A results database written by schema version 2 (adsim at commit d29c23f, before version 3):
// `adsim run tiny.toml --seed 8 --db v2.db` (3 campaigns, 0.01 days), then `sqlite3 v2.db .dump`. The dump does not keep the
// PRAGMAs: application_id was 0x4144534D and user_version 2.
constexpr const char* kVersion2Dump = R"SQL(PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE runs (
  run_id INTEGER PRIMARY KEY AUTOINCREMENT,
  scenario_name TEXT NOT NULL,
  scenario_path TEXT,
  scenario_text TEXT NOT NULL,
  seed INTEGER NOT NULL,
  overrides TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  wall_seconds REAL,
  planned_days REAL,
  snapshot_interval_us INTEGER NOT NULL,
  auction_log_rate REAL,
  adsim_version TEXT NOT NULL,
  error_message TEXT,
  simulated_us INTEGER,
  events INTEGER,
  intervals INTEGER,
  auction_samples INTEGER,
  users INTEGER,
  active_users INTEGER,
  mean_fatigue REAL,
  sessions INTEGER,
  requests INTEGER,
  filled_requests INTEGER,
  impressions INTEGER,
  clicks INTEGER,
  billed_clicks INTEGER,
  conversions INTEGER,
  hides INTEGER,
  reports INTEGER,
  users_left INTEGER,
  reserve_excluded INTEGER,
  reserve_bound INTEGER,
  late_clicks INTEGER,
  explore_requests INTEGER,
  explore_revenue_micros INTEGER,
  candidates_retrieved INTEGER,
  candidates_prerank INTEGER,
  candidates_ranked INTEGER,
  candidates_auction INTEGER,
  revenue_micros INTEGER,
  overspend_micros INTEGER,
  forgone_micros INTEGER,
  advertiser_value_micros REAL,
  sum_pctr_shown REAL,
  sum_true_ctr_shown REAL,
  funnel_retrieval_cost_us REAL,
  funnel_prerank_cost_us REAL,
  funnel_rank_cost_us REAL,
  funnel_predict_cost_us REAL,
  sum_price_shown_micros REAL,
  sum_bid_shown_micros REAL,
  efficiency_samples INTEGER,
  sampled_welfare_micros REAL,
  sampled_best_welfare_micros REAL,
  ctr REAL,
  fill_rate REAL,
  avg_cpc REAL,
  rpm REAL,
  hide_rate REAL,
  report_rate REAL,
  calibration_ratio REAL,
  funnel_cost_us_per_request REAL,
  advertiser_surplus REAL,
  price_to_bid REAL,
  reserve_bind_rate REAL,
  efficiency REAL,
  model_examples INTEGER,
  model_clicks INTEGER,
  model_auc REAL,
  model_log_loss REAL,
  model_normalized_entropy REAL,
  model_calibration_ratio REAL,
  model_ece REAL
);
INSERT INTO runs VALUES(1,'tiny_v2','/tmp/v2fix/tiny.toml',replace('name = "tiny_v2"\n[world]\nusers = 200\nadvertisers = 2\ncampaigns = 3\nads = 12\ndaily_budget_median = 5.0\nbid_median = 0.5\n[traffic]\nsessions_per_day = 2000\n[auction]\nslots = 2\n[run]\ndays = 0.01\nsnapshot_minutes = 10\nseed = 3\nauction_log_rate = 0.01\n','\n',char(10)),8,'["run.seed=8"]','completed','2026-11-24T00:36:59.431Z','2026-11-24T00:36:59.437Z',0.00016969199999999998737,0.010000000000000000208,600000000,0.010000000000000000208,'0.1.0',NULL,864000000,82,2,1,200,200,0.0043557816409925016742,14,64,52,104,2,2,0,0,0,0,0,0,0,0,0,236,236,236,236,839643,0,0,1049553.75,2.0799999535083770751,2.9207537444308400154,4.7200000000000006394,11.80000000000000071,118.0,1180.0,49864900.0,49864900.0,1,28591.489112712442873,33704.706485275179148,0.019230769230769231836,0.8125,0.4198215000000000141,13.119421875000000454,0.0,0.0,0.71214492405408225117,20.539374999999999715,0.20991075000000000705,1.0,0.0,0.84829366857721832939,0,0,NULL,NULL,NULL,NULL,NULL);
CREATE TABLE run_slots (
  run_id INTEGER NOT NULL,
  slot INTEGER NOT NULL,
  impressions INTEGER NOT NULL,
  clicks INTEGER NOT NULL,
  reserve_bound INTEGER NOT NULL,
  revenue_micros INTEGER NOT NULL,
  sum_price_micros REAL NOT NULL,
  PRIMARY KEY (run_id, slot),
  FOREIGN KEY (run_id) REFERENCES runs(run_id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO run_slots VALUES(1,0,52,2,0,839643,24932450.0);
INSERT INTO run_slots VALUES(1,1,52,0,0,0,24932450.0);
CREATE TABLE intervals (
  run_id INTEGER NOT NULL,
  interval_index INTEGER NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER NOT NULL,
  sessions INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  filled_requests INTEGER NOT NULL,
  impressions INTEGER NOT NULL,
  clicks INTEGER NOT NULL,
  billed_clicks INTEGER NOT NULL,
  conversions INTEGER NOT NULL,
  hides INTEGER NOT NULL,
  reports INTEGER NOT NULL,
  users_left INTEGER NOT NULL,
  reserve_excluded INTEGER NOT NULL,
  reserve_bound INTEGER NOT NULL,
  late_clicks INTEGER NOT NULL,
  explore_requests INTEGER,
  explore_revenue_micros INTEGER,
  candidates_retrieved INTEGER NOT NULL,
  candidates_prerank INTEGER NOT NULL,
  candidates_ranked INTEGER NOT NULL,
  candidates_auction INTEGER NOT NULL,
  revenue_micros INTEGER NOT NULL,
  overspend_micros INTEGER NOT NULL,
  forgone_micros INTEGER NOT NULL,
  advertiser_value_micros REAL,
  sum_pctr_shown REAL,
  sum_true_ctr_shown REAL,
  funnel_retrieval_cost_us REAL,
  funnel_prerank_cost_us REAL,
  funnel_rank_cost_us REAL,
  funnel_predict_cost_us REAL,
  sum_price_shown_micros REAL,
  sum_bid_shown_micros REAL,
  efficiency_samples INTEGER,
  sampled_welfare_micros REAL,
  sampled_best_welfare_micros REAL,
  active_users INTEGER NOT NULL,
  mean_fatigue REAL,
  budget_exhausted_share REAL,
  ctr REAL,
  fill_rate REAL,
  avg_cpc REAL,
  rpm REAL,
  hide_rate REAL,
  report_rate REAL,
  calibration_ratio REAL,
  funnel_cost_us_per_request REAL,
  advertiser_surplus REAL,
  price_to_bid REAL,
  reserve_bind_rate REAL,
  efficiency REAL,
  model_examples INTEGER,
  model_clicks INTEGER,
  model_auc REAL,
  model_log_loss REAL,
  model_normalized_entropy REAL,
  model_calibration_ratio REAL,
  model_ece REAL,
  PRIMARY KEY (run_id, interval_index),
  FOREIGN KEY (run_id) REFERENCES runs(run_id) ON DELETE CASCADE
);
INSERT INTO intervals VALUES(1,0,0,600000000,6,27,22,44,1,1,0,0,0,0,0,0,0,0,0,100,100,100,100,294379,0,0,367973.74999999999999,0.87999998033046722412,1.2565804170444607734,2.000000000000000444,5.0000000000000017763,50.0,500.0,21482766.0,21482766.0,1,28591.489112712442873,33704.706485275179148,200,0.0019289271428536999917,0.0,0.022727272727272727903,0.81481481481481476958,0.29437900000000000177,10.902925925925925909,0.0,0.0,0.70031330139639658138,20.629629629629629762,0.073594750000000000444,1.0,0.0,0.84829366857721832939,0,0,NULL,NULL,NULL,NULL,NULL);
INSERT INTO intervals VALUES(1,1,600000000,864000000,8,37,30,60,1,1,0,0,0,0,0,0,0,0,0,136,136,136,136,545264,0,0,681580.0,1.199999973177909851,1.6641733273863792419,2.7200000000000006394,6.7999999999999998223,68.0,680.0,28382134.0,28382134.0,0,0.0,0.0,200,0.0043557816409925016742,0.0,0.016666666666666666435,0.81081081081081085581,0.54526399999999997092,14.736864864864864799,0.0,0.0,0.72107872024516594944,20.473513513513513118,0.13631599999999999273,1.0,0.0,0.0,0,0,NULL,NULL,NULL,NULL,NULL);
CREATE TABLE interval_slots (
  run_id INTEGER NOT NULL,
  interval_index INTEGER NOT NULL,
  slot INTEGER NOT NULL,
  impressions INTEGER NOT NULL,
  clicks INTEGER NOT NULL,
  reserve_bound INTEGER NOT NULL,
  revenue_micros INTEGER NOT NULL,
  sum_price_micros REAL NOT NULL,
  PRIMARY KEY (run_id, interval_index, slot),
  FOREIGN KEY (run_id) REFERENCES runs(run_id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO interval_slots VALUES(1,0,0,22,1,0,294379,10741383.0);
INSERT INTO interval_slots VALUES(1,0,1,22,0,0,0,10741383.0);
INSERT INTO interval_slots VALUES(1,1,0,30,1,0,545264,14191067.0);
INSERT INTO interval_slots VALUES(1,1,1,30,0,0,0,14191067.0);
CREATE TABLE model_reliability (
  run_id INTEGER NOT NULL,
  interval_index INTEGER NOT NULL,
  bin INTEGER NOT NULL,
  lower REAL NOT NULL,
  upper REAL NOT NULL,
  count INTEGER NOT NULL,
  mean_p REAL,
  observed REAL,
  PRIMARY KEY (run_id, interval_index, bin),
  FOREIGN KEY (run_id) REFERENCES runs(run_id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO model_reliability VALUES(1,-1,0,0.0,0.020000000000000000416,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,-1,1,0.020000000000000000416,0.040000000000000000832,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,-1,2,0.040000000000000000832,0.059999999999999997779,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,-1,3,0.059999999999999997779,0.080000000000000001665,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,-1,4,0.080000000000000001665,0.10000000000000000555,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,-1,5,0.10000000000000000555,0.11999999999999999555,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,-1,6,0.11999999999999999555,0.14000000000000001332,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,-1,7,0.14000000000000001332,0.16000000000000000333,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,-1,8,0.16000000000000000333,0.17999999999999999333,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,-1,9,0.17999999999999999333,1.0,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,0,0,0.0,0.020000000000000000416,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,0,1,0.020000000000000000416,0.040000000000000000832,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,0,2,0.040000000000000000832,0.059999999999999997779,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,0,3,0.059999999999999997779,0.080000000000000001665,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,0,4,0.080000000000000001665,0.10000000000000000555,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,0,5,0.10000000000000000555,0.11999999999999999555,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,0,6,0.11999999999999999555,0.14000000000000001332,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,0,7,0.14000000000000001332,0.16000000000000000333,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,0,8,0.16000000000000000333,0.17999999999999999333,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,0,9,0.17999999999999999333,1.0,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,1,0,0.0,0.020000000000000000416,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,1,1,0.020000000000000000416,0.040000000000000000832,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,1,2,0.040000000000000000832,0.059999999999999997779,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,1,3,0.059999999999999997779,0.080000000000000001665,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,1,4,0.080000000000000001665,0.10000000000000000555,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,1,5,0.10000000000000000555,0.11999999999999999555,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,1,6,0.11999999999999999555,0.14000000000000001332,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,1,7,0.14000000000000001332,0.16000000000000000333,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,1,8,0.16000000000000000333,0.17999999999999999333,0,NULL,NULL);
INSERT INTO model_reliability VALUES(1,1,9,0.17999999999999999333,1.0,0,NULL,NULL);
CREATE TABLE campaign_spend (
  run_id INTEGER NOT NULL,
  interval_index INTEGER NOT NULL,
  campaign_id INTEGER NOT NULL,
  spend_today_micros INTEGER NOT NULL,
  target_micros INTEGER,
  PRIMARY KEY (run_id, interval_index, campaign_id),
  FOREIGN KEY (run_id) REFERENCES runs(run_id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO campaign_spend VALUES(1,0,0,294379,913679);
INSERT INTO campaign_spend VALUES(1,0,1,0,5228870);
INSERT INTO campaign_spend VALUES(1,0,2,0,1010753);
INSERT INTO campaign_spend VALUES(1,1,0,294379,1315698);
INSERT INTO campaign_spend VALUES(1,1,1,545264,7529573);
INSERT INTO campaign_spend VALUES(1,1,2,0,1455484);
CREATE TABLE campaign_totals (
  run_id INTEGER NOT NULL,
  campaign_id INTEGER NOT NULL,
  advertiser_id INTEGER NOT NULL,
  impressions INTEGER NOT NULL,
  clicks INTEGER NOT NULL,
  conversions INTEGER NOT NULL,
  spend_micros INTEGER NOT NULL,
  daily_budget_micros INTEGER NOT NULL,
  overspend_micros INTEGER NOT NULL,
  forgone_micros INTEGER NOT NULL,
  value_micros REAL,
  first_exhausted_us INTEGER,
  days_exhausted INTEGER NOT NULL,
  pacing_mean_abs_deviation REAL,
  pacing_max_abs_deviation REAL,
  pacing_rms_error REAL,
  utilization REAL,
  underdelivery REAL,
  PRIMARY KEY (run_id, campaign_id),
  FOREIGN KEY (run_id) REFERENCES runs(run_id) ON DELETE CASCADE
);
INSERT INTO campaign_totals VALUES(1,0,0,32,1,0,294379,1315698,0,0,367973.74999999999999,NULL,0,0.62347862756752192581,0.7762564053452996049,0.64192417653193023507,22.374359465470039509,0.0);
INSERT INTO campaign_totals VALUES(1,1,1,68,1,0,545264,7529573,0,0,681580.0,NULL,0,0.81101406008606924391,0.92758367572769395703,0.819348693138718831,7.2416324272306020759,0.0);
INSERT INTO campaign_totals VALUES(1,2,0,4,0,0,0,1455484,0,0,0.0,NULL,0,0.8472222222222223209,1.0,0.86088706762842970299,0.0,1.0);
CREATE TABLE auction_requests (
  run_id INTEGER NOT NULL,
  request_id INTEGER NOT NULL,
  time_us INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  retrieved INTEGER NOT NULL,
  after_prerank INTEGER NOT NULL,
  after_rank INTEGER NOT NULL,
  PRIMARY KEY (run_id, request_id),
  FOREIGN KEY (run_id) REFERENCES runs(run_id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO auction_requests VALUES(1,4,53858708,33,5,5,5);
CREATE TABLE auction_candidates (
  run_id INTEGER NOT NULL,
  request_id INTEGER NOT NULL,
  rank INTEGER NOT NULL,
  ad_id INTEGER NOT NULL,
  campaign_id INTEGER NOT NULL,
  bid_micros REAL NOT NULL,
  pacing_multiplier REAL,
  participated INTEGER NOT NULL,
  pctr REAL,
  true_ctr REAL,
  quality REAL,
  rank_score REAL,
  slot INTEGER,
  price_micros REAL,
  reserve_bound INTEGER NOT NULL,
  PRIMARY KEY (run_id, request_id, rank),
  FOREIGN KEY (run_id, request_id) REFERENCES auction_requests(run_id, request_id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO auction_candidates VALUES(1,4,0,3,1,545264.0,1.0,1,0.019999999552965164184,0.031422909349203109741,1.0,10905.279756247997283,0,545264.0,0);
INSERT INTO auction_candidates VALUES(1,4,1,4,1,545264.0,1.0,1,0.019999999552965164184,0.015037041157484054565,1.0,10905.279756247997283,1,545264.0,0);
INSERT INTO auction_candidates VALUES(1,4,2,5,1,545264.0,1.0,1,0.019999999552965164184,0.021478708833456039428,1.0,10905.279756247997283,NULL,0.0,0);
INSERT INTO auction_candidates VALUES(1,4,3,6,1,545264.0,1.0,1,0.019999999552965164184,0.0067411810159683227539,1.0,10905.279756247997283,NULL,0.0,0);
INSERT INTO auction_candidates VALUES(1,4,4,7,1,545264.0,1.0,1,0.019999999552965164184,0.025754192844033241271,1.0,10905.279756247997283,NULL,0.0,0);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('runs',1);
CREATE INDEX runs_by_scenario ON runs (scenario_name, seed);
COMMIT;
)SQL";

TEST(AuctionOnlyStore, Version2FileOpensAsItIsThenGainsTheAuctionOnlyTables) {
  TempDir dir;
  const auto path = dir / "v2.db";
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(kVersion2Dump);
    db.exec("PRAGMA application_id = 1094996813");
    db.exec("PRAGMA user_version = 2");
  }
  const std::string before = file_bytes(path);
  std::string dump_v2;
  {
    auto store = ResultStore::open(path);  // a writer that records nothing
    EXPECT_EQ(store.schema_version(), 2);
    const auto runs = store.read_runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].scenario_name, "tiny_v2");
    EXPECT_EQ(runs[0].seed, 8u);
    EXPECT_EQ(runs[0].status, RunStatus::kCompleted);
    EXPECT_TRUE(runs[0].kind.empty());  // no such column before version 3
    EXPECT_GT(runs[0].totals.requests, 0u);
    EXPECT_FALSE(store.read_auction_only_run(1).has_value());
    EXPECT_TRUE(store.read_auction_only_blocks(1).empty());
    dump_v2 = store.dump_run_rows(1);
    EXPECT_EQ(dump_v2.find("auction_only"), std::string::npos);
    EXPECT_EQ(dump_v2.find("kind="), std::string::npos);
  }
  EXPECT_EQ(file_bytes(path), before);  // opening and reading wrote nothing

  std::int64_t id = 0;
  scenarios::AuctionOnlyRun run;
  {
    auto store = ResultStore::open(path);
    std::tie(run, id) = record(store, lesson());
    EXPECT_EQ(id, 2);
    EXPECT_EQ(store.schema_version(), ResultStore::current_schema_version());
  }
  auto store = ResultStore::open(path, ResultStore::Mode::kReadOnly);
  EXPECT_EQ(store.schema_version(), ResultStore::current_schema_version());
  const auto a = store.read_auction_only_run(id);
  ASSERT_TRUE(a.has_value());
  expect_report_eq(a->metrics, run.result.metrics);
  EXPECT_EQ(store.read_auction_only_blocks(id).size(), 100u);
  // The old run is as it was, with NULL in the columns version 3 added to it.
  std::string dump = store.dump_run_rows(1);
  for (const char* table : {"[surface_metrics]\n", "[auction_only_runs]\n", "[auction_only_slots]\n",
                            "[auction_only_bidders]\n",
                            "[auction_only_blocks]\n", "[auction_only_allocation]\n", "[auction_only_pacing]\n",
                            "[auction_only_bids]\n", "[run_metrics]\n", "[prediction_log]\n"}) {
    const auto at = dump.find(table);
    ASSERT_NE(at, std::string::npos) << table;
    dump.erase(at, std::string(table).size());
  }
  for (const char* column :
       {"kind", "attributed_conversions", "late_conversions", "billed_impressions", "billed_conversions",
        "click_revenue_micros",
        "auto_bid_campaigns", "auto_bid_violating", "auto_bid_mean_violation", "auto_bid_max_violation", "billing",
        "bidding", "pacer", "value_per_conversion_micros", "surplus_micros", "pcvr", "auto_bid_target",
        "auto_bid_multiplier", "auto_bid_realized", "auto_bid_violation",
        // version 5
        "sampled_eligible_best_welfare_micros", "auction_efficiency", "new_ads", "new_ad_impressions",
        "new_ad_clicks", "new_ad_revenue_micros", "new_ads_clicked", "new_ad_median_hours_to_first_click",
        "new_ad_ctr_error", "new_ad_ctr_rank_correlation", "ab_control_users", "ab_control_requests",
        "ab_control_impressions", "ab_control_clicks", "ab_control_revenue_micros", "ab_treatment_users",
        "ab_treatment_requests", "ab_treatment_impressions", "ab_treatment_clicks", "ab_treatment_revenue_micros",
        // version 6
        "ope_requests", "ope_matches", "ope_reward", "ope_true_value", "ope_weight", "ope_ips", "ope_ips_sq",
        "ope_dm", "ope_dr", "ope_dr_sq",
        // version 7
        "prediction_log_rate", "prediction_samples", "smart_pacing_error",
        // version 8
        "model_prior_predictions", "model_retrains", "model_window_examples",
        "model_staleness_seconds"}) {  // (model_train_wall_seconds is wall time: not in the dump)
    const std::string null_value = std::string(" ") + column + "=NULL";
    ASSERT_NE(dump.find(null_value), std::string::npos) << column;
    for (auto at = dump.find(null_value); at != std::string::npos; at = dump.find(null_value))
      dump.erase(at, null_value.size());
  }
  EXPECT_EQ(dump, dump_v2);
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), ResultStore::current_schema_version());
  EXPECT_EQ(db.execAndGet("SELECT kind FROM runs WHERE run_id = 2").getString(), "auction_only");
  EXPECT_TRUE(db.execAndGet("SELECT kind FROM runs WHERE run_id = 1").isNull());
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt(), 0);
}

}  // namespace
}  // namespace adsim

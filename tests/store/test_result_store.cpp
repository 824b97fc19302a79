#include "store/result_store.hpp"

#include "core/marketplace.hpp"
#include "scenarios/factory.hpp"
#include "store/result_schema.hpp"
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
#include <functional>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace adsim;
using adsim::store::ResultStore;
using adsim::store::ResultStoreError;
using adsim::store::RunStatus;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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
  s.run.prediction_log_rate = 0.125;
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
  c.attributed_conversions = 3 * k - 1;
  c.late_conversions = 1;
  c.billed_impressions = 100 * k;
  c.billed_conversions = k;
  c.click_revenue = core::Money::from_micros(4'503'599'627'370'497LL + i);  // 2^52 + 1 + i
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
  c.explore_requests = 4 * k;
  c.explore_revenue = core::Money::from_micros(9'007'199'254'740'995LL + i);  // 2^53 + 3
  c.sum_price_shown = 123'456.789 * (i + 1) + 1.0 / 3.0;
  c.sum_bid_shown = 234'567.891 * (i + 1) + 0.1;
  c.efficiency_samples = 7 * k;
  c.sampled_welfare = 1e-7 * (i + 1) + 0.3;
  c.sampled_best_welfare = c.sampled_welfare * 1.25 + 1.0 / 7.0;
  c.sampled_eligible_best_welfare = c.sampled_best_welfare * 1.5 + 1.0 / 11.0;
  // Slots 0 and 1 shown; slot 2 nothing (no row); slot 3 only a click on an earlier impression.
  c.slot_impressions[0] = 2000 * k;
  c.slot_clicks[0] = 40 * k;
  c.slot_reserve_bound[0] = 8 * k;
  c.slot_revenue[0] = core::Money::from_micros(9'007'199'254'740'993LL - i);
  c.slot_sum_price[0] = 0.1 + 0.2 * (i + 1);
  c.slot_impressions[1] = 1000 * k + 11;
  c.slot_clicks[1] = 21 * k;
  c.slot_reserve_bound[1] = 4 * k;
  c.slot_revenue[1] = core::Money::from_micros(1'000'003 * static_cast<std::int64_t>(k));
  c.slot_sum_price[1] = (1.0 / 3.0) * (i + 1);
  c.slot_clicks[3] = 1;
  c.slot_revenue[3] = core::Money::from_micros(123);
  if (i == 2) {  // the last slot there is
    c.slot_impressions[core::kMaxSlots - 1] = 1;
    c.slot_sum_price[core::kMaxSlots - 1] = 1e-300;
  }
  // Per surface: feed in every interval, search from interval 1 on (no search row in interval 0).
  auto& feed = c.surface[core::surface_index(core::Surface::kFeed)];
  feed.requests = 700 * k + 7;
  feed.filled_requests = 650 * k;
  feed.impressions = 2000 * k + 11;
  feed.clicks = 40 * k;
  feed.reserve_bound = 8 * k;
  feed.reserve_excluded = 30 * k;
  feed.revenue = core::Money::from_micros(9'007'199'254'740'993LL - 2 * i);
  feed.sum_price_shown = 0.1 + 0.2 * (i + 1);
  feed.sum_pctr_shown = 1e-300 * (i + 1);
  feed.sum_true_ctr_shown = 1.0 / 3.0 + i;
  if (i > 0) {
    auto& search = c.surface[core::surface_index(core::Surface::kSearch)];
    search.requests = 300 * k;
    search.filled_requests = 250 * k + 3;
    search.impressions = 1000 * k;
    search.clicks = 21 * k;
    search.reserve_bound = 4 * k;
    search.reserve_excluded = 10 * k;
    search.revenue = core::Money::from_micros(1'000'003 * static_cast<std::int64_t>(k));
    search.sum_price_shown = (1.0 / 7.0) * (i + 1);
    search.sum_pctr_shown = 12.5 * (i + 1);
    search.sum_true_ctr_shown = 13.25 * (i + 1) + 1e-9;
    auto& sm = m.surface_model[core::surface_index(core::Surface::kSearch)];
    sm.examples = 400 * k;
    sm.clicks = 9 * k;
    sm.auc = 0.8 - 1.0 / (i + 20);
    sm.log_loss = 0.05 * i + 1e-17;
    sm.normalized_entropy = 0.85;
    sm.calibration_ratio = i == 1 ? kNaN : 1.0 + 1.0 / 3.0;
    sm.ece = 0.01 * i;
  }
  m.active_users = 9999 - static_cast<std::uint64_t>(i);
  m.mean_fatigue = 0.123456789012345678 * (i + 1);
  m.budget_exhausted_share = 1.0 / (3 + i);
  // Campaign 1 has not spent yet today: no row for it unless it has a target.
  m.campaign_spend_today = {core::Money::from_micros(1'000'000 * (i + 1)), core::Money::from_micros(0),
                            core::Money::from_micros(9'007'199'254'740'993LL)};
  // No pacer plan in interval 0 (target NULL); later, campaign 1 has a target but no spend (a row),
  // campaign 2 spend but a zero target (a row), campaign 3 neither (no row), and campaign 4, past
  // the end of the spend vector, a target only (a row).
  if (i > 0)
    m.campaign_target_today = {core::Money::from_micros(2'000'000 * (i + 1)), core::Money::from_micros(500'000 * i),
                               core::Money::from_micros(0), core::Money::from_micros(0),
                               core::Money::from_micros(7)};
  // Served-prediction metrics: nothing to evaluate in interval 0 (undefined: NaN, empty bins);
  // later, NaN normalized entropy in interval 1 and a bin without examples.
  auto& model = m.model;
  if (i == 0) {
    model.auc = model.log_loss = model.normalized_entropy = model.calibration_ratio = model.ece = kNaN;
    model.reliability = {{0.0, 0.5, 0, kNaN, kNaN}, {0.5, 1.0, 0, kNaN, kNaN}};
  } else {
    model.examples = 1000 * k + 1;
    model.clicks = 17 * k;
    model.auc = 0.7 + 1.0 / (i + 10);
    model.log_loss = 0.1 + 0.2 * i;
    model.normalized_entropy = i == 1 ? kNaN : 0.9 - 1e-17;
    model.calibration_ratio = 1.0 / 3.0 + i;
    model.ece = 1e-300 * i;
    model.reliability = {{0.0, 1.0 / 3.0, 100 * k, 0.1 + 0.05, 0.15},
                         {1.0 / 3.0, 2.0 / 3.0, 0, kNaN, kNaN},
                         {2.0 / 3.0, 1.0, 7, 0.9, 6.0 / 7.0}};
  }
  m.arms[0] = core::ArmTotals{400 - k, 100 * k, 300 * k, 9 * k, core::Money::from_micros(9'007'199'254'740'993LL + i)};
  m.arms[1] = core::ArmTotals{100 - k, 25 * k + 1, 90 * k, 3 * k, core::Money::from_micros(1'234'567 * (i + 1))};
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

// A batch of the prediction log: floats that are not short decimals, ids past 2^32, both surfaces,
// labels and truth that disagree (a click after the attribution window).
std::vector<core::PredictionLogEntry> make_predictions(int batch) {
  std::vector<core::PredictionLogEntry> out;
  for (int k = 0; k < 3; ++k) {
    core::PredictionLogEntry e;
    e.impression_id = 5'000'000'000ULL + static_cast<std::uint64_t>(10 * batch + k);
    e.request_id = 4'000'000'000ULL + static_cast<std::uint64_t>(3 * batch + k / 2);
    e.served_at = static_cast<core::SimTime>(batch) * core::kHour + k;
    e.released_at = e.served_at + 30 * core::kMinute + 7;
    e.user = static_cast<core::UserId>(1'000'003 + k);
    e.ad = static_cast<core::AdId>(200 + k);
    e.campaign = static_cast<core::CampaignId>(20 + batch);
    e.slot = static_cast<std::uint8_t>(k);
    e.surface = k == 1 ? core::Surface::kSearch : core::Surface::kFeed;
    e.raw_score = 1.0f / (3.0f + static_cast<float>(k));
    e.pctr = 0.1f / (7.0f + static_cast<float>(k + batch));
    e.prediction = e.pctr * 0.7f;
    e.label = k == 0;
    e.user_clicked = k != 2;
    out.push_back(e);
  }
  return out;
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
  s.model.examples = 5000;
  s.model.clicks = 85;
  s.model.auc = 0.75 + 1e-16;
  s.model.log_loss = 0.1 + 0.2;
  s.model.normalized_entropy = 0.8;
  s.model.calibration_ratio = kNaN;  // stored as NULL
  s.model.ece = 1.0 / 7.0;
  s.model.reliability = {{0.0, 0.25, 4000, 0.1, 0.0125}, {0.25, 0.5, 0, kNaN, kNaN}, {0.5, 1.0, 1000, 0.6, 1.0 / 3.0}};
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
  a.pacing_mean_abs_deviation = 0.1 + 0.2;
  a.pacing_max_abs_deviation = 1.0 / 3.0;
  a.pacing_rms_error = std::sqrt(2.0) / 10.0;
  a.utilization = 0.987654321012345;
  a.underdelivery = 1.0 - a.utilization;
  a.smart_pacing_error = 1.0 / 3.0 + 1e-9;
  core::CampaignTotals b = a;
  b.campaign = 11;
  b.advertiser = 2;
  b.spend = core::Money::from_micros(1);
  b.first_exhausted_at = 7 * core::kHour + 3;
  b.days_exhausted = 1;
  b.forgone = core::Money::from_micros(250'001);  // clicks in flight when it ran out
  b.pacing_rms_error = kNaN;  // stored as NULL
  b.smart_pacing_error = kNaN;  // never had a plan
  b.utilization = 1e300;
  b.underdelivery = 0.0;
  b.billing = core::BillingModel::kCpa;
  b.bidding = core::BiddingKind::kTargetRoas;
  b.pacer = 1;
  b.attributed_conversions = 2;
  b.late_conversions = 1;
  b.value_per_conversion = 2.5e6;
  b.surplus = -1.0 / 3.0;
  b.pcvr = 0.0123456789;
  b.auto_bid_target = 4.0;
  b.auto_bid_multiplier = 0.75;
  b.auto_bid_realized = 3.5;
  b.auto_bid_violation = 0.125;
  s.surface_model[core::surface_index(core::Surface::kSearch)] = core::ModelMetrics{
      1200, 27, 0.81, 0.1 + 0.2, 0.875, 1.0 / 3.0, 1e-3, {}};
  s.campaigns = {a, b};
  s.pacer_names = {"none", "dual_descent"};
  s.auto_bid = core::AutoBidTotals{1, 1, 0.125, 0.125};
  s.new_ads = core::NewAdTotals{37, 12'345, 678, core::Money::from_micros(9'007'199'254'740'993LL), 29, 2.0 / 3.0,
                                std::numeric_limits<double>::quiet_NaN(), 0.1 + 0.2};
  s.arms[0] = core::ArmTotals{2'501, 30'000, 120'000, 3'600, core::Money::from_micros(1'234'567'891)};
  s.arms[1] = core::ArmTotals{2'499, 29'000, 231'000, 4'100, core::Money::from_micros(1'500'000'003)};
  s.smart_pacing_error = a.smart_pacing_error;
  s.prior_predictions = 9'007'199'254'740'993ULL;  // above 2^53: stored as an integer, not a double
  s.model_training = core::ModelTrainingStats{96, 200'001, 1.0 / 3.0 + 1e-9, 1'800.0 + 0.1};
  s.off_policy = core::OffPolicyTotals{30'000, 21'000, 1'234.0, 1'301.5, 29'876.25, 1'250.125, 9'001.5,
                                       1'111.75, 1'280.0 + 1.0 / 3.0, 8'765.0 + 0.1};
  return s;
}

// Feeds a complete fake run; returns its run id.
std::int64_t record_fake_run(ResultStore& store, std::uint64_t seed, int intervals = 4,
                             store::RecorderOptions options = {}) {
  auto recorder = store.begin_run(make_scenario(), seed, options);
  std::vector<core::IntervalMetrics> ms;
  for (int i = 0; i < intervals; ++i) {
    recorder->on_auction(make_auction(static_cast<std::uint64_t>(10 * i + 1), 5));
    recorder->on_auction(make_auction(static_cast<std::uint64_t>(10 * i + 2), 3));
    recorder->on_predictions(make_predictions(i));
    ms.push_back(make_interval(i));
    recorder->on_interval(ms.back());
  }
  recorder->finish(make_summary(ms), RunStatus::kCompleted);
  return recorder->run_id();
}

// Bit-exact equality of doubles, where NaN (stored as NULL) equals NaN.
testing::AssertionResult same_double(double a, double b) {
  if ((std::isnan(a) && std::isnan(b)) || (a == b && std::signbit(a) == std::signbit(b)))
    return testing::AssertionSuccess();
  return testing::AssertionFailure() << a << " != " << b;
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
  EXPECT_EQ(a.attributed_conversions, b.attributed_conversions);
  EXPECT_EQ(a.late_conversions, b.late_conversions);
  EXPECT_EQ(a.billed_impressions, b.billed_impressions);
  EXPECT_EQ(a.billed_conversions, b.billed_conversions);
  EXPECT_EQ(a.click_revenue.micros, b.click_revenue.micros);
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
  EXPECT_EQ(a.explore_requests, b.explore_requests);
  EXPECT_EQ(a.explore_revenue.micros, b.explore_revenue.micros);
  // NaN where a version 1 file did not record them.
  EXPECT_TRUE(same_double(a.sum_price_shown, b.sum_price_shown)) << "sum_price_shown";
  EXPECT_TRUE(same_double(a.sum_bid_shown, b.sum_bid_shown)) << "sum_bid_shown";
  EXPECT_EQ(a.efficiency_samples, b.efficiency_samples);
  EXPECT_TRUE(same_double(a.sampled_welfare, b.sampled_welfare)) << "sampled_welfare";
  EXPECT_TRUE(same_double(a.sampled_best_welfare, b.sampled_best_welfare)) << "sampled_best_welfare";
  EXPECT_TRUE(same_double(a.sampled_eligible_best_welfare, b.sampled_eligible_best_welfare))
      << "sampled_eligible_best_welfare";
  for (std::size_t k = 0; k < a.slot_impressions.size(); ++k) {
    EXPECT_EQ(a.slot_impressions[k], b.slot_impressions[k]) << "slot " << k;
    EXPECT_EQ(a.slot_clicks[k], b.slot_clicks[k]) << "slot " << k;
    EXPECT_EQ(a.slot_reserve_bound[k], b.slot_reserve_bound[k]) << "slot " << k;
    EXPECT_EQ(a.slot_revenue[k].micros, b.slot_revenue[k].micros) << "slot " << k;
    EXPECT_EQ(a.slot_sum_price[k], b.slot_sum_price[k]) << "slot " << k;
  }
  for (std::size_t k = 0; k < a.surface.size(); ++k) {
    SCOPED_TRACE("surface " + std::to_string(k));
    EXPECT_EQ(a.surface[k].requests, b.surface[k].requests);
    EXPECT_EQ(a.surface[k].filled_requests, b.surface[k].filled_requests);
    EXPECT_EQ(a.surface[k].impressions, b.surface[k].impressions);
    EXPECT_EQ(a.surface[k].clicks, b.surface[k].clicks);
    EXPECT_EQ(a.surface[k].reserve_bound, b.surface[k].reserve_bound);
    EXPECT_EQ(a.surface[k].reserve_excluded, b.surface[k].reserve_excluded);
    EXPECT_EQ(a.surface[k].revenue.micros, b.surface[k].revenue.micros);
    EXPECT_EQ(a.surface[k].sum_price_shown, b.surface[k].sum_price_shown);
    EXPECT_EQ(a.surface[k].sum_pctr_shown, b.surface[k].sum_pctr_shown);
    EXPECT_EQ(a.surface[k].sum_true_ctr_shown, b.surface[k].sum_true_ctr_shown);
  }
}

void expect_model_eq(const core::ModelMetrics& a, const core::ModelMetrics& b) {
  EXPECT_EQ(a.examples, b.examples);
  EXPECT_EQ(a.clicks, b.clicks);
  EXPECT_TRUE(same_double(a.auc, b.auc)) << "auc";
  EXPECT_TRUE(same_double(a.log_loss, b.log_loss)) << "log_loss";
  EXPECT_TRUE(same_double(a.normalized_entropy, b.normalized_entropy)) << "normalized_entropy";
  EXPECT_TRUE(same_double(a.calibration_ratio, b.calibration_ratio)) << "calibration_ratio";
  EXPECT_TRUE(same_double(a.ece, b.ece)) << "ece";
  ASSERT_EQ(a.reliability.size(), b.reliability.size());
  for (std::size_t i = 0; i < a.reliability.size(); ++i) {
    SCOPED_TRACE("bin " + std::to_string(i));
    EXPECT_TRUE(same_double(a.reliability[i].lower, b.reliability[i].lower));
    EXPECT_TRUE(same_double(a.reliability[i].upper, b.reliability[i].upper));
    EXPECT_EQ(a.reliability[i].count, b.reliability[i].count);
    EXPECT_TRUE(same_double(a.reliability[i].mean_p, b.reliability[i].mean_p));
    EXPECT_TRUE(same_double(a.reliability[i].observed, b.reliability[i].observed));
  }
}

void expect_campaign_totals_eq(const core::CampaignTotals& got, const core::CampaignTotals& want) {
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
  EXPECT_TRUE(same_double(got.pacing_mean_abs_deviation, want.pacing_mean_abs_deviation));
  EXPECT_TRUE(same_double(got.pacing_max_abs_deviation, want.pacing_max_abs_deviation));
  EXPECT_TRUE(same_double(got.pacing_rms_error, want.pacing_rms_error));
  EXPECT_TRUE(same_double(got.utilization, want.utilization));
  EXPECT_TRUE(same_double(got.underdelivery, want.underdelivery));
  EXPECT_EQ(got.billing, want.billing);
  EXPECT_EQ(got.bidding, want.bidding);
  EXPECT_EQ(got.attributed_conversions, want.attributed_conversions);
  EXPECT_EQ(got.late_conversions, want.late_conversions);
  EXPECT_TRUE(same_double(got.value_per_conversion, want.value_per_conversion));
  EXPECT_TRUE(same_double(got.surplus, want.surplus));
  EXPECT_TRUE(same_double(got.pcvr, want.pcvr));
  EXPECT_TRUE(same_double(got.auto_bid_target, want.auto_bid_target));
  EXPECT_TRUE(same_double(got.auto_bid_multiplier, want.auto_bid_multiplier));
  EXPECT_TRUE(same_double(got.auto_bid_realized, want.auto_bid_realized));
  EXPECT_TRUE(same_double(got.auto_bid_violation, want.auto_bid_violation));
  EXPECT_TRUE(same_double(got.smart_pacing_error, want.smart_pacing_error));
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
  EXPECT_TRUE(same_double(a.advertiser_surplus, b.advertiser_surplus)) << "advertiser_surplus";
  EXPECT_TRUE(same_double(a.price_to_bid, b.price_to_bid)) << "price_to_bid";
  EXPECT_TRUE(same_double(a.reserve_bind_rate, b.reserve_bind_rate)) << "reserve_bind_rate";
  EXPECT_TRUE(same_double(a.efficiency, b.efficiency)) << "efficiency";
  EXPECT_TRUE(same_double(a.auction_efficiency, b.auction_efficiency)) << "auction_efficiency";
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
  for (const char* t : {"runs", "run_slots", "intervals", "interval_slots", "model_reliability", "campaign_spend",
                        "campaign_totals", "auction_requests", "auction_candidates"})
    EXPECT_TRUE(db.tableExists(t)) << t;

  const auto runs = column_names(db, "runs");
  for (const char* c : {"run_id", "scenario_name", "scenario_path", "scenario_text", "seed", "overrides", "status",
                        "started_at", "finished_at", "wall_seconds", "simulated_us", "events", "adsim_version",
                        "error_message", "requests", "impressions", "clicks", "revenue_micros", "rpm",
                        "explore_requests", "explore_revenue_micros", "sum_price_shown_micros", "efficiency",
                        "model_examples", "model_auc", "model_ece"})
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
        "report_rate", "calibration_ratio", "funnel_cost_us_per_request",
        // version 2
        "explore_requests", "explore_revenue_micros", "sum_price_shown_micros", "sum_bid_shown_micros",
        "efficiency_samples", "sampled_welfare_micros", "sampled_best_welfare_micros", "advertiser_surplus",
        "price_to_bid", "reserve_bind_rate", "efficiency", "model_examples", "model_clicks", "model_auc",
        "model_log_loss", "model_normalized_entropy", "model_calibration_ratio", "model_ece",
        // version 3
        "attributed_conversions", "late_conversions", "billed_impressions", "billed_conversions",
        "click_revenue_micros",
        // version 5
        "sampled_eligible_best_welfare_micros", "auction_efficiency",
        // version 6
        "ab_control_users", "ab_control_requests", "ab_control_impressions", "ab_control_clicks",
        "ab_control_revenue_micros", "ab_treatment_users", "ab_treatment_requests", "ab_treatment_impressions",
        "ab_treatment_clicks", "ab_treatment_revenue_micros"})
    EXPECT_TRUE(intervals.count(c)) << c;
  EXPECT_EQ(intervals.size(), 42u + 18u + 5u + 2u + 10u);
  // The summary of `runs` has every counter, rate and model column of `intervals`.
  for (const auto& c : intervals)
    if (c != "interval_index" && c != "start_us" && c != "end_us" && c != "budget_exhausted_share") {
      EXPECT_TRUE(runs.count(c)) << c;
    }
  EXPECT_EQ(column_names(db, "interval_slots"),
            (std::set<std::string>{"run_id", "interval_index", "slot", "impressions", "clicks", "reserve_bound",
                                   "revenue_micros", "sum_price_micros"}));
  EXPECT_EQ(column_names(db, "run_slots"), (std::set<std::string>{"run_id", "slot", "impressions", "clicks",
                                                                  "reserve_bound", "revenue_micros",
                                                                  "sum_price_micros"}));
  EXPECT_EQ(column_names(db, "model_reliability"),
            (std::set<std::string>{"run_id", "interval_index", "bin", "lower", "upper", "count", "mean_p",
                                   "observed"}));
  EXPECT_TRUE(column_names(db, "campaign_spend").count("target_micros"));
  for (const char* c : {"pacing_mean_abs_deviation", "pacing_max_abs_deviation", "pacing_rms_error", "utilization",
                        "underdelivery", "billing", "bidding", "pacer", "attributed_conversions", "late_conversions",
                        "value_per_conversion_micros", "surplus_micros", "pcvr", "auto_bid_target",
                        "auto_bid_multiplier", "auto_bid_realized", "auto_bid_violation"})
    EXPECT_TRUE(column_names(db, "campaign_totals").count(c)) << c;
  for (const char* c : {"auto_bid_campaigns", "auto_bid_violating", "auto_bid_mean_violation", "auto_bid_max_violation",
                        "new_ads", "new_ad_impressions", "new_ad_clicks", "new_ad_revenue_micros", "new_ads_clicked",
                        "new_ad_median_hours_to_first_click", "new_ad_ctr_error", "new_ad_ctr_rank_correlation",
                        "ab_control_users", "ab_control_requests", "ab_control_impressions", "ab_control_clicks",
                        "ab_control_revenue_micros", "ab_treatment_users", "ab_treatment_requests",
                        "ab_treatment_impressions", "ab_treatment_clicks", "ab_treatment_revenue_micros"})
    EXPECT_TRUE(runs.count(c)) << c;
  const auto candidates = column_names(db, "auction_candidates");
  for (const char* c : {"run_id", "request_id", "rank", "ad_id", "campaign_id", "bid_micros", "pacing_multiplier",
                        "participated", "pctr", "true_ctr", "quality", "rank_score", "slot", "price_micros",
                        "reserve_bound"})
    EXPECT_TRUE(candidates.count(c)) << c;
  // Money and times are INTEGER columns, except the floating-point amounts that say so.
  const std::set<std::string> real_micros = {"value_micros", "advertiser_value_micros", "sum_price_shown_micros",
                                             "sum_bid_shown_micros", "sampled_welfare_micros",
                                             "sampled_best_welfare_micros", "sampled_eligible_best_welfare_micros",
                                             "sum_price_micros", "bid_micros",
                                             "price_micros", "value_per_conversion_micros", "surplus_micros"};
  for (const char* table : {"runs", "run_slots", "intervals", "interval_slots", "campaign_spend", "campaign_totals",
                            "auction_candidates"}) {
    SQLite::Statement info(db, std::string("PRAGMA table_info(") + table + ")");
    while (info.executeStep()) {
      const std::string name = info.getColumn(1).getString();
      const bool cost = name.starts_with("funnel_");  // modelled server µs: REAL
      if ((name.ends_with("_micros") && !real_micros.count(name)) || (name.ends_with("_us") && !cost)) {
        EXPECT_EQ(info.getColumn(2).getString(), "INTEGER") << table << "." << name;
      }
      if (real_micros.count(name)) {
        EXPECT_EQ(info.getColumn(2).getString(), "REAL") << table << "." << name;
      }
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
  EXPECT_EQ(run.prediction_log_rate, 0.125);
  EXPECT_EQ(run.adsim_version, store::results_adsim_version());
  EXPECT_FALSE(run.adsim_version.empty());
  EXPECT_EQ(run.error_message, "");
  EXPECT_EQ(run.simulated_us, summary.simulated);
  EXPECT_EQ(run.events, summary.events);
  EXPECT_EQ(run.intervals, 3u);
  EXPECT_EQ(run.auction_samples, 3u);
  EXPECT_EQ(run.prediction_samples, 0u);
  EXPECT_TRUE(same_double(run.smart_pacing_error, summary.smart_pacing_error));
  EXPECT_EQ(run.prior_predictions, summary.prior_predictions);
  EXPECT_EQ(run.model_training.retrains, summary.model_training.retrains);
  EXPECT_EQ(run.model_training.last_window_examples, summary.model_training.last_window_examples);
  EXPECT_EQ(run.model_training.train_wall_seconds, summary.model_training.train_wall_seconds);
  EXPECT_EQ(run.model_training.mean_staleness_seconds, summary.model_training.mean_staleness_seconds);
  EXPECT_EQ(run.users, summary.users);
  EXPECT_EQ(run.active_users, summary.active_users);
  EXPECT_EQ(run.mean_fatigue, summary.mean_fatigue);
  expect_counters_eq(run.totals, summary.totals);
  expect_rates_eq(run.rates, core::Rates::of(summary.totals));
  expect_model_eq(run.model, summary.model);
  for (std::size_t k = 0; k < core::kSurfaces; ++k) expect_model_eq(run.surface_model[k], summary.surface_model[k]);
  // A row per surface with requests: feed in each of the 3 intervals, search in 2, both for the run.
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM surface_metrics WHERE run_id = " + std::to_string(run_id)),
            7);
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM surface_metrics WHERE surface = 'search' AND "
                                     "interval_index = 1 AND model_calibration_ratio IS NULL"),
            1);
  EXPECT_EQ(store.read_run(run_id)->seed, seed);
  expect_counters_eq(store.read_run(run_id)->totals, summary.totals);
  expect_model_eq(store.read_run(run_id)->model, summary.model);
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
    expect_model_eq(intervals[i].metrics.model, ms[i].model);
    for (std::size_t k = 0; k < core::kSurfaces; ++k)
      expect_model_eq(intervals[i].metrics.surface_model[k], ms[i].surface_model[k]);
    EXPECT_TRUE(intervals[i].metrics.campaign_spend_today.empty());
    EXPECT_TRUE(intervals[i].metrics.campaign_target_today.empty());
    for (std::size_t a = 0; a < 2; ++a) {
      const core::ArmTotals& got = intervals[i].metrics.arms[a];
      const core::ArmTotals& want = ms[i].arms[a];
      EXPECT_EQ(got.users, want.users);
      EXPECT_EQ(got.requests, want.requests);
      EXPECT_EQ(got.impressions, want.impressions);
      EXPECT_EQ(got.clicks, want.clicks);
      EXPECT_EQ(got.revenue.micros, want.revenue.micros);
    }
  }
  // The new rates are not trivially 0 here.
  EXPECT_GT(intervals[1].rates.efficiency, 0.0);
  EXPECT_GT(intervals[1].rates.auction_efficiency, intervals[1].rates.efficiency);
  EXPECT_GT(intervals[1].rates.price_to_bid, 0.0);
  EXPECT_GT(intervals[1].rates.reserve_bind_rate, 0.0);
  EXPECT_NE(intervals[1].rates.advertiser_surplus, 0.0);

  // Spend and target: interval 0 has no target (NULL); later intervals add campaign 1 (target, no
  // spend) and campaign 4 (target only), not campaign 3 (neither).
  const auto spend = store.read_campaign_spend(run_id);
  ASSERT_EQ(spend.size(), 2u + 4u * (ms.size() - 1));
  EXPECT_EQ(spend[0].campaign, 0u);
  EXPECT_EQ(spend[0].spend_today, ms[0].campaign_spend_today[0]);
  EXPECT_FALSE(spend[0].target_today.has_value());
  EXPECT_EQ(spend[1].campaign, 2u);
  EXPECT_EQ(spend[1].spend_today.micros, 9'007'199'254'740'993LL);
  EXPECT_FALSE(spend[1].target_today.has_value());
  for (std::size_t i = 1; i < ms.size(); ++i) {
    SCOPED_TRACE(i);
    const std::size_t at = 2 + 4 * (i - 1);
    const std::vector<core::CampaignId> want = {0, 1, 2, 4};
    for (std::size_t j = 0; j < want.size(); ++j) {
      const auto& row = spend[at + j];
      const auto c = want[j];
      EXPECT_EQ(row.interval_index, static_cast<std::int64_t>(i));
      EXPECT_EQ(row.campaign, c);
      const auto& spent = ms[i].campaign_spend_today;
      EXPECT_EQ(row.spend_today, c < spent.size() ? spent[c] : core::Money{0});
      ASSERT_TRUE(row.target_today.has_value());
      EXPECT_EQ(*row.target_today, ms[i].campaign_target_today[c]);
    }
  }
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM campaign_spend WHERE target_micros IS NULL"), 2);
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM campaign_spend WHERE target_micros = 0"),
            static_cast<std::int64_t>(ms.size() - 1));

  // Per-slot rows: only slots with something in them.
  const auto slots = store.read_interval_slots(run_id);
  ASSERT_EQ(slots.size(), 3u * ms.size() + 1u);
  EXPECT_EQ(slots[0].interval_index, 0);
  EXPECT_EQ(slots[0].slot, 0);
  EXPECT_EQ(slots[0].revenue.micros, 9'007'199'254'740'993LL);
  EXPECT_EQ(slots[1].slot, 1);
  EXPECT_EQ(slots[2].slot, 3);
  EXPECT_EQ(slots[2].impressions, 0u);
  EXPECT_EQ(slots[2].clicks, 1u);
  EXPECT_EQ(slots.back().interval_index, 2);
  EXPECT_EQ(slots.back().slot, core::kMaxSlots - 1);
  EXPECT_EQ(slots.back().sum_price, 1e-300);
  const auto run_slots = store.read_run_slots(run_id);
  ASSERT_EQ(run_slots.size(), 4u);
  for (const auto& r : run_slots) {
    const auto k = static_cast<std::size_t>(r.slot);
    EXPECT_EQ(r.interval_index, -1);
    EXPECT_EQ(r.impressions, summary.totals.slot_impressions[k]);
    EXPECT_EQ(r.clicks, summary.totals.slot_clicks[k]);
    EXPECT_EQ(r.reserve_bound, summary.totals.slot_reserve_bound[k]);
    EXPECT_EQ(r.revenue, summary.totals.slot_revenue[k]);
    EXPECT_EQ(r.sum_price, summary.totals.slot_sum_price[k]);
  }
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM interval_slots WHERE slot = 2"), 0);

  // Reliability bins: the run's total first (interval_index -1), then by interval; empty bins NULL.
  const auto bins = store.read_model_reliability(run_id);
  ASSERT_EQ(bins.size(), 3u + 2u + 3u * (ms.size() - 1));
  EXPECT_EQ(bins[0].interval_index, -1);
  EXPECT_EQ(bins[0].bin, 0);
  EXPECT_EQ(bins[0].values.count, 4000u);
  EXPECT_EQ(bins[3].interval_index, 0);
  EXPECT_EQ(bins.back().interval_index, 2);
  EXPECT_EQ(bins.back().bin, 2);
  EXPECT_EQ(count_rows(store.path(),
                       "SELECT count(*) FROM model_reliability WHERE mean_p IS NULL AND observed IS NULL"),
            1 + 2 + static_cast<std::int64_t>(ms.size() - 1));
  // NaN metrics are NULL in SQL.
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM intervals WHERE model_auc IS NULL"), 1);
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM intervals WHERE model_normalized_entropy IS NULL"), 2);
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM runs WHERE model_calibration_ratio IS NULL"), 1);
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM runs WHERE model_auc IS NULL"), 0);

  const auto campaigns = store.read_campaign_totals(run_id);
  ASSERT_EQ(campaigns.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    expect_campaign_totals_eq(campaigns[i].totals, summary.campaigns[i]);
  }
  // The pacer is stored by name; billing and bidding as their names too.
  EXPECT_EQ(campaigns[0].pacer, "none");
  EXPECT_EQ(campaigns[1].pacer, "dual_descent");
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM campaign_totals WHERE billing = 'cpa' AND bidding = 'troas'"), 1);
  const auto auto_bid = store.read_run(run_id)->auto_bid;
  EXPECT_EQ(auto_bid.campaigns, 1u);
  EXPECT_EQ(auto_bid.violating, 1u);
  EXPECT_EQ(auto_bid.mean_violation, 0.125);
  EXPECT_EQ(auto_bid.max_violation, 0.125);
  // New-ad totals round-trip exactly; an unknown ratio is NULL, read back as NaN.
  const core::NewAdTotals new_ads = store.read_run(run_id)->new_ads;
  EXPECT_EQ(new_ads.ads, 37u);
  EXPECT_EQ(new_ads.impressions, 12'345u);
  EXPECT_EQ(new_ads.clicks, 678u);
  EXPECT_EQ(new_ads.revenue.micros, 9'007'199'254'740'993LL);
  EXPECT_EQ(new_ads.clicked, 29u);
  EXPECT_EQ(new_ads.median_hours_to_first_click, 2.0 / 3.0);
  EXPECT_TRUE(std::isnan(new_ads.ctr_error));
  EXPECT_EQ(new_ads.ctr_rank_correlation, 0.1 + 0.2);
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM runs WHERE new_ad_ctr_error IS NULL"), 1);
  const auto arms = store.read_run(run_id)->arms;
  for (std::size_t a = 0; a < 2; ++a) {
    EXPECT_EQ(arms[a].users, summary.arms[a].users);
    EXPECT_EQ(arms[a].requests, summary.arms[a].requests);
    EXPECT_EQ(arms[a].impressions, summary.arms[a].impressions);
    EXPECT_EQ(arms[a].clicks, summary.arms[a].clicks);
    EXPECT_EQ(arms[a].revenue.micros, summary.arms[a].revenue.micros);
  }
  // Off-policy sums round-trip bit for bit (REAL columns hold doubles).
  const core::OffPolicyTotals ope = store.read_run(run_id)->off_policy;
  const core::OffPolicyTotals& ope_in = summary.off_policy;
  EXPECT_EQ(ope.requests, ope_in.requests);
  EXPECT_EQ(ope.matches, ope_in.matches);
  EXPECT_EQ(ope.reward, ope_in.reward);
  EXPECT_EQ(ope.true_value, ope_in.true_value);
  EXPECT_EQ(ope.weight, ope_in.weight);
  EXPECT_EQ(ope.ips, ope_in.ips);
  EXPECT_EQ(ope.ips_sq, ope_in.ips_sq);
  EXPECT_EQ(ope.dm, ope_in.dm);
  EXPECT_EQ(ope.dr, ope_in.dr);
  EXPECT_EQ(ope.dr_sq, ope_in.dr_sq);
  // "Never exhausted" is NULL in SQL, not a magic number.
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM campaign_totals WHERE first_exhausted_us IS NULL"), 1);
  EXPECT_EQ(count_rows(store.path(), "SELECT count(*) FROM campaign_totals WHERE pacing_rms_error IS NULL"), 1);

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

// The prediction log comes back bit for bit (floats as stored, ids past 2^32) in impression order,
// and the run row counts its rows.
TEST(ResultStoreRoundTrip, PredictionLogRoundTripsExactly) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  const std::int64_t run_id = record_fake_run(store, 7);
  std::vector<core::PredictionLogEntry> want;
  for (int i = 0; i < 4; ++i)
    for (const auto& e : make_predictions(i)) want.push_back(e);
  const auto got = store.read_prediction_log(run_id);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(i);
    const core::PredictionLogEntry& a = got[i].entry;
    const core::PredictionLogEntry& b = want[i];
    EXPECT_EQ(got[i].run_id, run_id);
    EXPECT_EQ(a.impression_id, b.impression_id);
    EXPECT_EQ(a.request_id, b.request_id);
    EXPECT_EQ(a.served_at, b.served_at);
    EXPECT_EQ(a.released_at, b.released_at);
    EXPECT_EQ(a.user, b.user);
    EXPECT_EQ(a.ad, b.ad);
    EXPECT_EQ(a.campaign, b.campaign);
    EXPECT_EQ(a.slot, b.slot);
    EXPECT_EQ(a.surface, b.surface);
    EXPECT_EQ(a.raw_score, b.raw_score);
    EXPECT_EQ(a.pctr, b.pctr);
    EXPECT_EQ(a.prediction, b.prediction);
    EXPECT_EQ(a.label, b.label);
    EXPECT_EQ(a.user_clicked, b.user_clicked);
  }
  const auto run = store.read_run(run_id);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->prediction_samples, want.size());
  EXPECT_EQ(run->prediction_log_rate, 0.125);
  EXPECT_TRUE(store.read_prediction_log(run_id + 1).empty());
}

// Every column of every table a run writes carries data: for a fake run whose every figure is set,
// each column holds a non-zero, non-NULL value in at least one of its rows. A value the recorder
// forgets to copy (left at its default 0) or a column never bound fails here, whatever table or
// version it belongs to; new columns are covered when they are added (set them in the fake run).
// The exceptions are listed with why they are empty in the fake run.
TEST(ResultStoreRoundTrip, EveryColumnOfEveryTableCarriesData) {
  TempDir dir;
  const fs::path path = dir / "results.db";
  {
    auto store = ResultStore::open(path);
    record_fake_run(store, 7);
  }
  const std::map<std::string, std::set<std::string>> empty_by_design = {
      // A completed run outside a study, of a scenario not read from a file: no error, no study, no
      // path; the fake run's wall time is 0; two ratios are NaN on purpose (NULL round trips).
      {"runs",
       {"error_message", "experiment_id", "variant_id", "replication", "wall_seconds", "scenario_path",
        "model_calibration_ratio", "new_ad_ctr_error"}},
  };
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  std::vector<std::string> empty;
  for (const char* table : {"runs", "intervals", "run_slots", "interval_slots", "surface_metrics",
                            "model_reliability", "campaign_spend", "campaign_totals", "auction_requests",
                            "auction_candidates", "prediction_log"}) {
    for (const std::string& column : column_names(db, table)) {
      const auto allowed = empty_by_design.find(table);
      if (allowed != empty_by_design.end() && allowed->second.count(column)) continue;
      const std::int64_t with_data = count_rows(
          path, "SELECT count(*) FROM " + std::string(table) + " WHERE \"" + column + "\" IS NOT NULL AND \"" +
                    column + "\" != 0 AND \"" + column + "\" != ''");
      if (with_data == 0) empty.push_back(std::string(table) + "." + column);
    }
  }
  EXPECT_TRUE(empty.empty()) << ::testing::PrintToString(empty);
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
  std::uint64_t examples = 0, model_clicks = 0;
  {
    store::RecorderOptions lazy;
    lazy.flush_every = 1000 * core::kDay;  // nothing is written before the recorder ends
    lazy.max_buffered_rows = 1'000'000;
    auto recorder = store.begin_run(make_scenario(), 7, lazy);
    run_id = recorder->run_id();
    EXPECT_EQ(store.read_run(run_id)->status, RunStatus::kRunning);
    for (int i = 0; i < 3; ++i) {
      recorder->on_auction(make_auction(static_cast<std::uint64_t>(i + 1), 4));
      const auto m = make_interval(i);
      sum += m.counts;
      examples += m.model.examples;
      model_clicks += m.model.clicks;
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
  expect_counters_eq(run->totals, sum);  // per-slot totals included (run_slots)
  EXPECT_EQ(store.read_run_slots(run_id).size(), 4u);
  // Model counts add up over intervals; the ratios do not: NULL, and no reliability bins.
  EXPECT_EQ(run->model.examples, examples);
  EXPECT_EQ(run->model.clicks, model_clicks);
  EXPECT_TRUE(std::isnan(run->model.auc));
  EXPECT_TRUE(std::isnan(run->model.log_loss));
  EXPECT_TRUE(std::isnan(run->model.ece));
  EXPECT_TRUE(run->model.reliability.empty());
  EXPECT_EQ(store.read_model_reliability(run_id).size(), 2u + 3u + 3u);  // the intervals' bins only
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
  store::RecorderOptions options;
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
  store::RecorderOptions small;
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

// A file with adsim's id whose tables were changed (a column dropped, a table dropped) is refused
// when opened, naming what is missing, and left as it was: a run would otherwise do all its work
// and fail at its first write, leaving a 'running' row.
TEST(ResultStoreOpen, ChangedTablesAreRefusedAtOpenAndLeftUntouched) {
  for (const char* change : {"ALTER TABLE runs DROP COLUMN mean_fatigue", "DROP TABLE run_slots"}) {
    TempDir dir;
    const auto path = dir / "results.db";
    {
      auto store = ResultStore::open(path);
      record_fake_run(store, 3);
    }
    {
      SQLite::Database db(path, SQLite::OPEN_READWRITE);
      db.exec(change);
    }
    const auto before = file_bytes(path);
    const auto message = error_of([&] { ResultStore::open(path); });
    EXPECT_NE(message.find(std::string(change).find("DROP TABLE") == 0 ? "no table run_slots" : "no column mean_fatigue"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("changed outside adsim or is damaged"), std::string::npos) << message;
    EXPECT_EQ(file_bytes(path), before) << change;
  }
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
  store::RecorderOptions eager;
  eager.flush_every = 0;
  eager.max_buffered_rows = 3;
  const auto b = record_fake_run(store, 99, 4, eager);
  ASSERT_NE(a, b);
  const auto dump_a = store.dump_run_rows(a);
  EXPECT_EQ(dump_a, store.dump_run_rows(b));
  // The dump covers every table and leaves out run ids and wall-clock columns.
  for (const char* needle : {"[runs]", "[intervals]", "[campaign_spend]", "[campaign_totals]", "[auction_requests]",
                             "[auction_candidates]", "revenue_micros=", "pctr=", "status=\"completed\"",
                             "first_exhausted_us=NULL", "[run_slots]", "[interval_slots]", "[model_reliability]",
                             "target_micros=NULL", "target_micros=7", "efficiency=", "model_auc=NULL",
                             "mean_p=NULL", "explore_revenue_micros=9007199254740995", "pacing_rms_error=NULL",
                             "sum_price_micros=1e-300"})
    EXPECT_NE(dump_a.find(needle), std::string::npos) << needle;
  for (const char* absent : {"run_id=", "started_at=", "finished_at=", "wall_seconds=", "model_train_wall_seconds="})
    EXPECT_EQ(dump_a.find(absent), std::string::npos) << absent;
  // The same text from another connection, and a different seed gives a different dump.
  auto reader = ResultStore::open(store.path(), ResultStore::Mode::kReadOnly);
  EXPECT_EQ(reader.dump_run_rows(a), dump_a);
  const auto c = record_fake_run(store, 100);
  EXPECT_NE(store.dump_run_rows(c), dump_a);
}

namespace {

// A fake run like record_fake_run's, with one thing changed by the hooks.
struct RunEdits {
  std::function<void(int, core::IntervalMetrics&)> interval = [](int, core::IntervalMetrics&) {};
  std::function<void(int, core::AuctionLogEntry&)> auction = [](int, core::AuctionLogEntry&) {};
  std::function<void(core::RunSummary&)> summary = [](core::RunSummary&) {};
};

std::int64_t record_edited_run(ResultStore& store, const RunEdits& edits) {
  auto recorder = store.begin_run(make_scenario(), 1);
  std::vector<core::IntervalMetrics> ms;
  for (int i = 0; i < 4; ++i) {
    recorder->on_auction(make_auction(static_cast<std::uint64_t>(10 * i + 1), 5));
    auto second = make_auction(static_cast<std::uint64_t>(10 * i + 2), 3);
    edits.auction(i, second);
    recorder->on_auction(second);
    auto m = make_interval(i);
    edits.interval(i, m);
    ms.push_back(m);
    recorder->on_interval(m);
  }
  auto summary = make_summary(ms);
  edits.summary(summary);
  recorder->finish(summary);
  return recorder->run_id();
}

double ulp_up(double x) { return std::nextafter(x, std::numeric_limits<double>::infinity()); }

}  // namespace

TEST(ResultStoreDeterminism, DumpDetectsASingleChangedValue) {
  TempDir dir;
  auto store = ResultStore::open(dir / "results.db");
  const auto base = store.dump_run_rows(record_edited_run(store, {}));
  EXPECT_EQ(store.dump_run_rows(record_edited_run(store, {})), base);
  auto in_interval = [](int at, std::function<void(core::IntervalMetrics&)> f) {
    RunEdits e;
    e.interval = [at, f](int i, core::IntervalMetrics& m) {
      if (i == at) f(m);
    };
    return e;
  };
  auto in_summary = [](std::function<void(core::RunSummary&)> f) {
    RunEdits e;
    e.summary = f;
    return e;
  };
  RunEdits pctr;
  pctr.auction = [](int i, core::AuctionLogEntry& e) {
    if (i == 3) e.candidates[1].pctr = std::nextafter(e.candidates[1].pctr, 1.0);  // one ulp
  };
  const std::vector<std::pair<const char*, RunEdits>> edits = {
      {"candidate pctr", pctr},
      {"explore_requests", in_interval(0, [](auto& m) { ++m.counts.explore_requests; })},
      {"sampled_best_welfare",
       in_interval(0, [](auto& m) { m.counts.sampled_best_welfare = ulp_up(m.counts.sampled_best_welfare); })},
      {"sampled_eligible_best_welfare", in_interval(1, [](auto& m) {
         m.counts.sampled_eligible_best_welfare = ulp_up(m.counts.sampled_eligible_best_welfare);
       })},
      {"slot_sum_price",
       in_interval(3, [](auto& m) { m.counts.slot_sum_price[1] = ulp_up(m.counts.slot_sum_price[1]); })},
      {"a new slot row", in_interval(2, [](auto& m) { m.counts.slot_clicks[2] = 1; })},
      {"reliability observed",
       in_interval(1, [](auto& m) { m.model.reliability[2].observed = ulp_up(m.model.reliability[2].observed); })},
      {"model auc NaN", in_interval(2, [](auto& m) { m.model.auc = kNaN; })},
      {"target + 1 micro", in_interval(3, [](auto& m) { m.campaign_target_today[1].micros += 1; })},
      {"no target", in_interval(1, [](auto& m) { m.campaign_target_today.clear(); })},
      {"run reliability count", in_summary([](auto& s) { ++s.model.reliability[0].count; })},
      {"run model ece NaN", in_summary([](auto& s) { s.model.ece = kNaN; })},
      {"pacing max deviation", in_summary([](auto& s) {
         auto& c = s.campaigns[0];
         c.pacing_max_abs_deviation = ulp_up(c.pacing_max_abs_deviation);
       })},
      {"underdelivery",
       in_summary([](auto& s) { s.campaigns[1].underdelivery = ulp_up(s.campaigns[1].underdelivery); })},
      {"run slot revenue", in_summary([](auto& s) { s.totals.slot_revenue[0].micros += 1; })},
  };
  for (const auto& [what, edit] : edits) EXPECT_NE(store.dump_run_rows(record_edited_run(store, edit)), base) << what;
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
  store::RecorderOptions lazy;
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
  namespace rs = store::result_schema;
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
    const Row r = t.read(s);
    EXPECT_EQ(r.a, 10);
    EXPECT_TRUE(std::isnan(r.added));  // not recorded: as if NULL, the same as after the upgrade
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
  while (s.executeStep()) rows.push_back(t.read(s));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(std::isnan(rows[0].added));  // not recorded by the old version: NULL
  EXPECT_EQ(rows[1].added, 0.25);
  EXPECT_NE(t.create_sql().find("added REAL"), std::string::npos);

  // A column added later must allow NULL (added_in() sees to it); a NOT NULL one is refused.
  auto strict = rs::integer<Row>("strict", [](auto& r) -> auto& { return r.a; });
  EXPECT_EQ(strict.constraint, "NOT NULL");
  EXPECT_EQ(rs::added_in(3, strict).constraint, "");
  EXPECT_EQ(rs::added_in(1, strict).constraint, "NOT NULL");
  strict.since = 3;
  t.columns.push_back(strict);
  EXPECT_THROW(t.add_column_sql(3), std::logic_error);
  // A table added in a version is created whole by the upgrade to it, not altered.
  t.since = 3;
  EXPECT_TRUE(t.add_column_sql(3).empty());
}

namespace {

// A results database written by schema version 1, the code of commit 2cc3871 ("Auction economics
// in every run..."): `adsim run tiny.toml --seed 8 --db v1.db` (3 campaigns, 0.02 days), then
// `sqlite3 v1.db .dump` with long lines wrapped. The dump does not keep the PRAGMAs:
// application_id was 0x4144534D and user_version 1.
constexpr const char* kVersion1Database = R"sql(
PRAGMA foreign_keys=OFF;
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
  ctr REAL,
  fill_rate REAL,
  avg_cpc REAL,
  rpm REAL,
  hide_rate REAL,
  report_rate REAL,
  calibration_ratio REAL,
  funnel_cost_us_per_request REAL
);
INSERT INTO runs VALUES(1,'tiny_v1','/tmp/v1fix/tiny.toml',replace('name = "tiny_v1"\n[world]\nusers = 200\nadvertisers = 2\ncampaigns = 3\nads = 12\ndaily_budget_median = 5.0\nbid_median = 0.5\n[traffic]\nsessions_per_day = 2000\n[auction]\nslots = 2\n[run]\ndays = 0.02\nsnapshot_minutes = 10\nseed = 3\nauction_log_rate = 0.01\n',
    '\n',char(10)),8,'["run.seed=8"]','completed','2026-11-23T23:08:17.556Z','2026-11-23T23:08:17.569Z',
    0.00014662799999999999271,0.020000000000000000416,600000000,0.010000000000000000208,
    '0.1.0',NULL,1728000000,138,3,1,200,200,0.0062073455736066582288,31,103,76,152,4,
    4,0,0,0,0,0,0,0,368,368,368,368,1930171,0,0,2412713.75,3.039999932050704956,4.6319457879289984703,
    7.3600000000000020961,18.400000000000002131,184.0,1840.0,0.026315789473684209065,
    0.73786407766990291801,0.48254275000000002027,18.73952427184466174,0.0,0.0,0.65631163904660627661,
    19.900582524271847262);
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
  PRIMARY KEY (run_id, interval_index),
  FOREIGN KEY (run_id) REFERENCES runs(run_id) ON DELETE CASCADE
);
INSERT INTO intervals VALUES(1,0,0,600000000,6,27,22,44,1,1,0,0,0,0,0,0,0,100,100,
    100,100,294379,0,0,367973.74999999999999,0.87999998033046722412,1.2565804170444607734,
    2.000000000000000444,5.0000000000000017763,50.0,500.0,200,0.0019289271428536999917,
    0.0,0.022727272727272727903,0.81481481481481476958,0.29437900000000000177,10.902925925925925909,
    0.0,0.0,0.70031330139639658138,20.629629629629629762);
INSERT INTO intervals VALUES(1,1,600000000,1200000000,14,50,40,80,1,1,0,0,0,0,0,
    0,0,184,184,184,184,545264,0,0,681580.0,1.5999999642372131347,2.4998200442641973495,
    3.6800000000000014921,9.1999999999999992894,92.0,920.0,200,0.0052547653910701326573,
    0.0,0.012500000000000000693,0.8000000000000000444,0.54526399999999997092,10.905279999999999418,
    0.0,0.0,0.6400460576785881317,20.49760000000000204);
INSERT INTO intervals VALUES(1,2,1200000000,1728000000,11,26,14,28,2,2,0,0,0,0,0,
    0,0,84,84,84,84,1090528,0,0,1363160.0,0.55999998748302459716,0.87554532662034034729,
    1.6800000000000003819,4.2000000000000001776,42.0,420.0,200,0.0062073455736066582288,
    0.0,0.071428571428571424606,0.53846153846153843591,0.54526399999999997092,41.943384615384616152,
    0.0,0.0,0.63960136666443023756,17.995384615384615756);
CREATE TABLE campaign_spend (
  run_id INTEGER NOT NULL,
  interval_index INTEGER NOT NULL,
  campaign_id INTEGER NOT NULL,
  spend_today_micros INTEGER NOT NULL,
  PRIMARY KEY (run_id, interval_index, campaign_id),
  FOREIGN KEY (run_id) REFERENCES runs(run_id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO campaign_spend VALUES(1,0,0,294379);
INSERT INTO campaign_spend VALUES(1,1,0,294379);
INSERT INTO campaign_spend VALUES(1,1,1,545264);
INSERT INTO campaign_spend VALUES(1,2,0,294379);
INSERT INTO campaign_spend VALUES(1,2,1,1635792);
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
  PRIMARY KEY (run_id, campaign_id),
  FOREIGN KEY (run_id) REFERENCES runs(run_id) ON DELETE CASCADE
);
INSERT INTO campaign_totals VALUES(1,0,0,34,1,0,294379,1315698,0,0,367973.74999999999999,NULL,0);
INSERT INTO campaign_totals VALUES(1,1,1,102,3,0,1635792,7529573,0,0,2044740.0,NULL,0);
INSERT INTO campaign_totals VALUES(1,2,0,16,0,0,0,1455484,0,0,0.0,NULL,0);
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
INSERT INTO auction_candidates VALUES(1,4,0,3,1,545264.0,1.0,1,0.019999999552965164184,
    0.031422909349203109741,1.0,10905.279756247997283,0,545264.0,0);
INSERT INTO auction_candidates VALUES(1,4,1,4,1,545264.0,1.0,1,0.019999999552965164184,
    0.015037041157484054565,1.0,10905.279756247997283,1,545264.0,0);
INSERT INTO auction_candidates VALUES(1,4,2,5,1,545264.0,1.0,1,0.019999999552965164184,
    0.021478708833456039428,1.0,10905.279756247997283,NULL,0.0,0);
INSERT INTO auction_candidates VALUES(1,4,3,6,1,545264.0,1.0,1,0.019999999552965164184,
    0.0067411810159683227539,1.0,10905.279756247997283,NULL,0.0,0);
INSERT INTO auction_candidates VALUES(1,4,4,7,1,545264.0,1.0,1,0.019999999552965164184,
    0.025754192844033241271,1.0,10905.279756247997283,NULL,0.0,0);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('runs',1);
CREATE INDEX runs_by_scenario ON runs (scenario_name, seed);
COMMIT;
)sql";

// What a schema is, whatever order its columns are in: tables and indexes, every column's name,
// type, NOT NULL and key position, foreign keys, and WITHOUT ROWID.
std::set<std::string> schema_shape(const fs::path& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  std::set<std::string> out;
  SQLite::Statement objects(db, "SELECT type, name, sql LIKE '%WITHOUT ROWID' FROM sqlite_master "
                                "WHERE name NOT LIKE 'sqlite_%'");
  while (objects.executeStep()) {
    const std::string type = objects.getColumn(0).getString(), name = objects.getColumn(1).getString();
    out.insert(type + " " + name + (objects.getColumn(2).getInt() ? " WITHOUT ROWID" : ""));
    if (type != "table") continue;
    SQLite::Statement info(db, "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)");
    info.bind(1, name);
    while (info.executeStep())
      out.insert(name + "." + info.getColumn(0).getString() + " " + info.getColumn(1).getString() +
                 (info.getColumn(2).getInt() ? " NOT NULL" : "") + " pk" + info.getColumn(3).getString());
    SQLite::Statement fks(db, "SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list(?)");
    fks.bind(1, name);
    while (fks.executeStep())
      out.insert(name + "." + fks.getColumn(1).getString() + " -> " + fks.getColumn(0).getString() + "." +
                 fks.getColumn(2).getString() + " " + fks.getColumn(3).getString());
  }
  return out;
}

// A dump of a version `to` database without what versions after `from` added (tables, which must be
// empty, and columns, which must be NULL): for a run recorded before the upgrade, the dump as it was.
std::string dump_as_of(std::string dump, int from, int to) {
  namespace rs = store::result_schema;
  const auto schema = rs::make_schema();
  const auto old_tables = schema.tables(from);
  for (const auto& table : schema.tables(to)) {
    const auto old = std::find_if(old_tables.begin(), old_tables.end(),
                                  [&](const auto& t) { return t.name == table.name; });
    if (old == old_tables.end()) {
      const std::string header = "[" + table.name + "]\n";
      const auto at = dump.find(header);
      if (at == std::string::npos) continue;
      const auto next = at + header.size();
      if (next != dump.size() && dump[next] != '[') {
        ADD_FAILURE() << "table " << table.name << " has rows";
        continue;
      }
      dump.erase(at, header.size());
      continue;
    }
    for (const auto& column : table.columns) {
      if (std::find(old->columns.begin(), old->columns.end(), column) != old->columns.end()) continue;
      const std::string token = " " + column + "=NULL";
      for (auto at = dump.find(token); at != std::string::npos; at = dump.find(token, at)) dump.erase(at, token.size());
      EXPECT_EQ(dump.find(" " + column + "="), std::string::npos) << column << " is not NULL";
    }
  }
  return dump;
}

}  // namespace

TEST(ResultStoreUpgrade, Version1FileFromTheOldCodeIsReadAsItIsThenUpgradedInPlace) {
  namespace rs = store::result_schema;
  TempDir dir;
  const auto path = dir / "v1.db";
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(kVersion1Database);
    db.exec("PRAGMA application_id = " + std::to_string(rs::kApplicationId));
    db.exec("PRAGMA user_version = 1");
  }
  const auto before = file_bytes(path);

  // Read as it is, by a reader and by a writer that records nothing: the version 1 columns as they
  // were written, the newer ones as if NULL (0 or NaN), no rows in the newer tables.
  std::string dump_v1;
  store::RunRow run_v1;
  std::vector<store::IntervalRow> intervals_v1;
  std::vector<store::CampaignSpendRow> spend_v1;
  std::vector<store::CampaignTotalsRow> totals_v1;
  for (auto mode : {ResultStore::Mode::kReadOnly, ResultStore::Mode::kReadWrite}) {
    auto store = ResultStore::open(path, mode);
    EXPECT_EQ(store.schema_version(), 1);
    const auto runs = store.read_runs();
    ASSERT_EQ(runs.size(), 1u);
    run_v1 = runs[0];
    EXPECT_EQ(run_v1.scenario_name, "tiny_v1");
    EXPECT_EQ(run_v1.seed, 8u);
    EXPECT_EQ(run_v1.overrides, std::vector<std::string>{"run.seed=8"});
    EXPECT_EQ(run_v1.status, RunStatus::kCompleted);
    EXPECT_EQ(run_v1.intervals, 3u);
    EXPECT_EQ(run_v1.totals.requests, 103u);
    EXPECT_EQ(run_v1.totals.revenue.micros, 1'930'171);
    EXPECT_EQ(run_v1.totals.explore_requests, 0u);
    EXPECT_EQ(run_v1.totals.explore_revenue.micros, 0);
    EXPECT_TRUE(std::isnan(run_v1.totals.sum_price_shown));
    EXPECT_EQ(run_v1.totals.slot_impressions[0], 0u);  // not recorded by version 1
    EXPECT_EQ(run_v1.rates.rpm, 18.73952427184466174);
    EXPECT_TRUE(std::isnan(run_v1.rates.efficiency));  // unknown, not 0
    EXPECT_EQ(run_v1.model.examples, 0u);
    EXPECT_TRUE(std::isnan(run_v1.model.auc));
    EXPECT_TRUE(run_v1.model.reliability.empty());
    intervals_v1 = store.read_intervals(1);
    ASSERT_EQ(intervals_v1.size(), 3u);
    EXPECT_EQ(intervals_v1[2].metrics.end, 1'728'000'000);
    EXPECT_EQ(intervals_v1[2].metrics.counts.revenue.micros, 1'090'528);
    EXPECT_TRUE(std::isnan(intervals_v1[2].metrics.model.log_loss));
    EXPECT_TRUE(std::isnan(intervals_v1[2].rates.price_to_bid));
    spend_v1 = store.read_campaign_spend(1);
    ASSERT_EQ(spend_v1.size(), 5u);
    EXPECT_EQ(spend_v1[4].spend_today.micros, 1'635'792);
    EXPECT_FALSE(spend_v1[4].target_today.has_value());
    totals_v1 = store.read_campaign_totals(1);
    ASSERT_EQ(totals_v1.size(), 3u);
    EXPECT_EQ(totals_v1[1].totals.spend.micros, 1'635'792);
    EXPECT_TRUE(std::isnan(totals_v1[1].totals.utilization));
    EXPECT_TRUE(store.read_interval_slots(1).empty());
    EXPECT_TRUE(store.read_run_slots(1).empty());
    EXPECT_TRUE(store.read_model_reliability(1).empty());
    const auto log = store.read_auction_log(1);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0].candidates.size(), 5u);
    const auto dump = store.dump_run_rows(1);
    EXPECT_NE(dump.find("spend_today_micros=1635792"), std::string::npos);
    EXPECT_EQ(dump.find("[interval_slots]"), std::string::npos);  // a version 1 file has no such table
    EXPECT_EQ(dump.find("target_micros"), std::string::npos);
    if (dump_v1.empty()) dump_v1 = dump;
    EXPECT_EQ(dump, dump_v1);
  }
  EXPECT_EQ(file_bytes(path), before);  // reading wrote nothing

  // Recording a run upgrades the file in place.
  std::int64_t new_id = 0;
  {
    auto store = ResultStore::open(path);
    new_id = record_fake_run(store, 77);
    EXPECT_EQ(new_id, 2);
    EXPECT_EQ(store.schema_version(), ResultStore::current_schema_version());
  }
  EXPECT_EQ(count_rows(path, "PRAGMA user_version"), ResultStore::current_schema_version());
  const auto fresh_path = dir / "fresh.db";
  std::int64_t fresh_id = 0;
  {
    auto fresh = ResultStore::open(fresh_path);
    fresh_id = record_fake_run(fresh, 77);
  }
  // The same schema as a file this version creates (but for the order of columns)...
  EXPECT_EQ(schema_shape(path), schema_shape(fresh_path));
  // ...and the new run's rows are those of the same run recorded into a new file.
  auto store = ResultStore::open(path, ResultStore::Mode::kReadOnly);
  EXPECT_EQ(store.schema_version(), ResultStore::current_schema_version());
  EXPECT_EQ(store.dump_run_rows(new_id),
            ResultStore::open(fresh_path, ResultStore::Mode::kReadOnly).dump_run_rows(fresh_id));

  // The old run is unchanged: its new columns are NULL, it has no rows in the new tables, and it
  // reads back exactly as before the upgrade.
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM intervals WHERE run_id = 1 AND explore_requests IS NULL AND "
                             "sampled_welfare_micros IS NULL AND efficiency IS NULL AND model_examples IS NULL "
                             "AND model_auc IS NULL"),
            3);
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM runs WHERE run_id = 1 AND explore_revenue_micros IS NULL AND "
                             "price_to_bid IS NULL AND model_ece IS NULL"),
            1);
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM campaign_spend WHERE run_id = 1 AND target_micros IS NULL"), 5);
  EXPECT_EQ(count_rows(path, "SELECT count(*) FROM campaign_totals WHERE run_id = 1 AND utilization IS NULL AND "
                             "pacing_rms_error IS NULL"),
            3);
  EXPECT_EQ(dump_as_of(store.dump_run_rows(1), 1, ResultStore::current_schema_version()), dump_v1);
  const auto run = store.read_run(1);
  ASSERT_TRUE(run.has_value());
  expect_counters_eq(run->totals, run_v1.totals);
  expect_rates_eq(run->rates, run_v1.rates);
  expect_model_eq(run->model, run_v1.model);
  const auto intervals = store.read_intervals(1);
  ASSERT_EQ(intervals.size(), intervals_v1.size());
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    SCOPED_TRACE(i);
    expect_counters_eq(intervals[i].metrics.counts, intervals_v1[i].metrics.counts);
    expect_rates_eq(intervals[i].rates, intervals_v1[i].rates);
    expect_model_eq(intervals[i].metrics.model, intervals_v1[i].metrics.model);
  }
  const auto spend = store.read_campaign_spend(1);
  ASSERT_EQ(spend.size(), spend_v1.size());
  for (std::size_t i = 0; i < spend.size(); ++i) {
    EXPECT_EQ(spend[i].campaign, spend_v1[i].campaign);
    EXPECT_EQ(spend[i].spend_today, spend_v1[i].spend_today);
    EXPECT_EQ(spend[i].target_today, spend_v1[i].target_today);
  }
  const auto totals = store.read_campaign_totals(1);
  ASSERT_EQ(totals.size(), totals_v1.size());
  for (std::size_t i = 0; i < totals.size(); ++i) expect_campaign_totals_eq(totals[i].totals, totals_v1[i].totals);
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt(), 0);
}

TEST(ResultStoreSchema, OverridesJsonRoundTripsAnyText) {
  namespace rs = store::result_schema;
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
  std::unique_ptr<store::RunRecorder> recorder;
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

// Keeps what the simulation reported, to compare with what the store reads back.
class Collector final : public core::SimObserver {
 public:
  void on_interval(const core::IntervalMetrics& interval) override { intervals.push_back(interval); }
  std::vector<core::IntervalMetrics> intervals;
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
  Collector reported;
  cli_market->add_observer(*cli);
  cli_market->add_observer(reported);
  const auto summary = cli_market->run();
  cli->finish(summary);

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

  // Everything the engine reported reads back exactly: counters with their per-slot arrays, model
  // metrics with their reliability bins, spend against the pacer's target, campaign totals.
  expect_counters_eq(runs[0].totals, summary.totals);
  expect_model_eq(runs[0].model, summary.model);
  EXPECT_GT(summary.totals.efficiency_samples, 0u);
  EXPECT_GT(summary.totals.slot_impressions[1], 0u);
  EXPECT_GT(summary.model.examples, 0u);
  EXPECT_FALSE(summary.model.reliability.empty());
  ASSERT_EQ(intervals.size(), reported.intervals.size());
  const auto spend = store.read_campaign_spend(cli->run_id());
  std::size_t next_spend = 0, targets = 0;
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    SCOPED_TRACE(i);
    const auto& want = reported.intervals[i];
    expect_counters_eq(intervals[i].metrics.counts, want.counts);
    expect_model_eq(intervals[i].metrics.model, want.model);
    const auto n = std::max(want.campaign_spend_today.size(), want.campaign_target_today.size());
    for (std::size_t c = 0; c < n; ++c) {
      const auto spent = c < want.campaign_spend_today.size() ? want.campaign_spend_today[c] : core::Money{0};
      const auto planned = c < want.campaign_target_today.size() ? want.campaign_target_today[c] : core::Money{0};
      if (spent.micros == 0 && planned.micros == 0) continue;
      ASSERT_LT(next_spend, spend.size());
      const auto& row = spend[next_spend++];
      EXPECT_EQ(row.interval_index, static_cast<std::int64_t>(i));
      EXPECT_EQ(row.campaign, c);
      EXPECT_EQ(row.spend_today, spent);
      EXPECT_EQ(row.target_today.has_value(), !want.campaign_target_today.empty());
      if (row.target_today) {
        EXPECT_EQ(*row.target_today, planned);
      }
      targets += row.target_today.has_value();
    }
  }
  EXPECT_EQ(next_spend, spend.size());
  EXPECT_GT(targets, 0u);  // the quickstart's pacer plans spend
  const auto campaigns = store.read_campaign_totals(cli->run_id());
  ASSERT_EQ(campaigns.size(), summary.campaigns.size());
  for (std::size_t c = 0; c < campaigns.size(); ++c) {
    expect_campaign_totals_eq(campaigns[c].totals, summary.campaigns[c]);
  }

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

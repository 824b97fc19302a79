#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/sim_time.hpp"
#include "scenarios/scenario_loader.hpp"
#include "tests/scenarios/loader_errors.hpp"
#include "scenarios/scenario_schema.hpp"

namespace adsim::scenarios {
namespace {

using test_support::error_of;
using test_support::errors_of;

namespace fs = std::filesystem;

void expect_at(const Diagnostic& d, const std::string& file, int line, int column, const std::string& key) {
  EXPECT_EQ(d.file, file) << format_diagnostic(d);
  EXPECT_EQ(d.line, line) << format_diagnostic(d);
  EXPECT_EQ(d.column, column) << format_diagnostic(d);
  EXPECT_EQ(d.key_path, key) << format_diagnostic(d);
}

fs::path write_temp(const std::string& name, const std::string& text) {
  const fs::path path = fs::path(::testing::TempDir()) / name;
  std::ofstream out(path, std::ios::binary);
  out << text;
  return path;
}

// Every field of Scenario compared by hand, independently of the schema's getters.
void expect_same(const Scenario& a, const Scenario& b) {
#define ADSIM_EXPECT_FIELD(f) EXPECT_EQ(a.f, b.f) << #f
  ADSIM_EXPECT_FIELD(name);
  ADSIM_EXPECT_FIELD(description);
  ADSIM_EXPECT_FIELD(lesson);
  ADSIM_EXPECT_FIELD(world.users);
  ADSIM_EXPECT_FIELD(world.embedding_dim);
  ADSIM_EXPECT_FIELD(world.region_weights);
  ADSIM_EXPECT_FIELD(world.age_band_weights);
  ADSIM_EXPECT_FIELD(world.device_weights);
  ADSIM_EXPECT_FIELD(world.interest_categories);
  ADSIM_EXPECT_FIELD(world.interest_concentration);
  ADSIM_EXPECT_FIELD(world.user_top_interests);
  ADSIM_EXPECT_FIELD(world.advertisers);
  ADSIM_EXPECT_FIELD(world.campaigns);
  ADSIM_EXPECT_FIELD(world.ads);
  ADSIM_EXPECT_FIELD(world.daily_budget_median);
  ADSIM_EXPECT_FIELD(world.daily_budget_sigma);
  ADSIM_EXPECT_FIELD(world.total_budget_days);
  ADSIM_EXPECT_FIELD(world.bid_median);
  ADSIM_EXPECT_FIELD(world.bid_sigma);
  ADSIM_EXPECT_FIELD(world.value_over_bid);
  ADSIM_EXPECT_FIELD(world.value_sigma);
  ADSIM_EXPECT_FIELD(world.cpm_share);
  ADSIM_EXPECT_FIELD(world.cpa_share);
  ADSIM_EXPECT_FIELD(world.typical_ctr);
  ADSIM_EXPECT_FIELD(world.typical_cvr);
  ADSIM_EXPECT_FIELD(world.tcpa_share);
  ADSIM_EXPECT_FIELD(world.troas_share);
  ADSIM_EXPECT_FIELD(world.tcpa_target_over_value);
  ADSIM_EXPECT_FIELD(world.troas_target);
  ADSIM_EXPECT_FIELD(world.region_targeting_share);
  ADSIM_EXPECT_FIELD(world.age_targeting_share);
  ADSIM_EXPECT_FIELD(world.interest_targeting_share);
  ADSIM_EXPECT_FIELD(world.ad_quality_alpha);
  ADSIM_EXPECT_FIELD(world.ad_quality_beta);
  ADSIM_EXPECT_FIELD(world.ad_interest_noise);
  ADSIM_EXPECT_FIELD(world.late_start_share);
  ADSIM_EXPECT_FIELD(world.new_ad_share);
  ADSIM_EXPECT_FIELD(traffic.sessions_per_day);
  ADSIM_EXPECT_FIELD(traffic.hourly_profile);
  ADSIM_EXPECT_FIELD(traffic.requests_per_session);
  ADSIM_EXPECT_FIELD(traffic.seconds_between_requests);
  ADSIM_EXPECT_FIELD(traffic.search_share);
  ADSIM_EXPECT_FIELD(traffic.search_query_from_interests);
  ADSIM_EXPECT_FIELD(funnel.prerank_keep);
  ADSIM_EXPECT_FIELD(funnel.rank_keep);
  ADSIM_EXPECT_FIELD(funnel.retrieval_cost_us);
  ADSIM_EXPECT_FIELD(funnel.prerank_cost_us);
  ADSIM_EXPECT_FIELD(funnel.rank_cost_us);
  ADSIM_EXPECT_FIELD(funnel.predict_cost_us);
  ADSIM_EXPECT_FIELD(funnel.predict_cost);
  ADSIM_EXPECT_FIELD(funnel.measured_cost_scale);
  ADSIM_EXPECT_FIELD(auction.mechanism);
  ADSIM_EXPECT_FIELD(auction.slots);
  ADSIM_EXPECT_FIELD(auction.position_factors);
  ADSIM_EXPECT_FIELD(auction.reserve);
  ADSIM_EXPECT_FIELD(auction.quality_exponent);
  ADSIM_EXPECT_FIELD(auction.ab_share);
  ADSIM_EXPECT_FIELD(auction.ab_slots);
  ADSIM_EXPECT_FIELD(auction.ab_reserve);
  ADSIM_EXPECT_FIELD(auction.ab_budget_split);
  ADSIM_EXPECT_FIELD(truth.base_logit);
  ADSIM_EXPECT_FIELD(truth.affinity_weight);
  ADSIM_EXPECT_FIELD(truth.quality_weight);
  ADSIM_EXPECT_FIELD(truth.search_match_odds);
  ADSIM_EXPECT_FIELD(truth.fatigue_weight);
  ADSIM_EXPECT_FIELD(truth.examination);
  ADSIM_EXPECT_FIELD(truth.click_model);
  ADSIM_EXPECT_FIELD(truth.cascade_continue);
  ADSIM_EXPECT_FIELD(truth.rank_attractiveness);
  ADSIM_EXPECT_FIELD(truth.click_delay_median_s);
  ADSIM_EXPECT_FIELD(truth.click_delay_sigma);
  ADSIM_EXPECT_FIELD(truth.conversion_rate);
  ADSIM_EXPECT_FIELD(truth.conversion_delay_median_s);
  ADSIM_EXPECT_FIELD(truth.conversion_delay_sigma);
  ADSIM_EXPECT_FIELD(truth.hide_base_logit);
  ADSIM_EXPECT_FIELD(truth.hide_irrelevance_weight);
  ADSIM_EXPECT_FIELD(truth.hide_quality_weight);
  ADSIM_EXPECT_FIELD(truth.report_base_logit);
  ADSIM_EXPECT_FIELD(truth.report_quality_weight);
  ADSIM_EXPECT_FIELD(truth.fatigue_per_impression);
  ADSIM_EXPECT_FIELD(truth.fatigue_per_hide);
  ADSIM_EXPECT_FIELD(truth.fatigue_per_bad_click);
  ADSIM_EXPECT_FIELD(truth.fatigue_per_report);
  ADSIM_EXPECT_FIELD(truth.fatigue_half_life_hours);
  ADSIM_EXPECT_FIELD(truth.churn_base_logit);
  ADSIM_EXPECT_FIELD(truth.churn_fatigue_weight);
  ADSIM_EXPECT_FIELD(truth.novelty_logit);
  ADSIM_EXPECT_FIELD(truth.novelty_half_life_days);
  ADSIM_EXPECT_FIELD(model.ctr_model);
  ADSIM_EXPECT_FIELD(model.prior_ctr);
  ADSIM_EXPECT_FIELD(model.prior_strength);
  ADSIM_EXPECT_FIELD(model.calibrator);
  ADSIM_EXPECT_FIELD(model.attribution_window_minutes);
  ADSIM_EXPECT_FIELD(model.quality_penalty);
  ADSIM_EXPECT_FIELD(model.quality_source);
  ADSIM_EXPECT_FIELD(model.hash_bits);
  ADSIM_EXPECT_FIELD(model.ftrl_alpha);
  ADSIM_EXPECT_FIELD(model.ftrl_beta);
  ADSIM_EXPECT_FIELD(model.ftrl_l1);
  ADSIM_EXPECT_FIELD(model.ftrl_l2);
  ADSIM_EXPECT_FIELD(model.refresh_minutes);
  ADSIM_EXPECT_FIELD(model.downsample_rate);
  ADSIM_EXPECT_FIELD(model.recalibrate);
  ADSIM_EXPECT_FIELD(model.position_mode);
  ADSIM_EXPECT_FIELD(model.gbdt_trees);
  ADSIM_EXPECT_FIELD(model.gbdt_depth);
  ADSIM_EXPECT_FIELD(model.gbdt_learning_rate);
  ADSIM_EXPECT_FIELD(model.gbdt_min_child_weight);
  ADSIM_EXPECT_FIELD(model.gbdt_window_examples);
  ADSIM_EXPECT_FIELD(model.gbdt_interval_minutes);
  ADSIM_EXPECT_FIELD(model.gbdt_train_delay_minutes);
  ADSIM_EXPECT_FIELD(model.mlp_embedding_dim);
  ADSIM_EXPECT_FIELD(model.mlp_hidden1);
  ADSIM_EXPECT_FIELD(model.mlp_hidden2);
  ADSIM_EXPECT_FIELD(model.mlp_batch);
  ADSIM_EXPECT_FIELD(model.mlp_epochs);
  ADSIM_EXPECT_FIELD(model.mlp_window_examples);
  ADSIM_EXPECT_FIELD(model.mlp_id_buckets);
  ADSIM_EXPECT_FIELD(model.mlp_learning_rate);
  ADSIM_EXPECT_FIELD(model.mlp_interval_minutes);
  ADSIM_EXPECT_FIELD(model.mlp_train_delay_minutes);
  ADSIM_EXPECT_FIELD(model.calibration_window);
  ADSIM_EXPECT_FIELD(model.calibration_refit_minutes);
  ADSIM_EXPECT_FIELD(model.exploration_share);
  ADSIM_EXPECT_FIELD(model.optimism_bonus);
  ADSIM_EXPECT_FIELD(model.ope_target);
  ADSIM_EXPECT_FIELD(model.reliability_bins);
  ADSIM_EXPECT_FIELD(model.reliability_max);
  ADSIM_EXPECT_FIELD(model.cvr_prior);
  ADSIM_EXPECT_FIELD(model.cvr_prior_strength);
  ADSIM_EXPECT_FIELD(model.conversion_window_hours);
  ADSIM_EXPECT_FIELD(pacing.pacer);
  ADSIM_EXPECT_FIELD(auction.slot_reserves);
  ADSIM_EXPECT_FIELD(auction.region_reserves);
  ADSIM_EXPECT_FIELD(auction.surface_reserves);
  ADSIM_EXPECT_FIELD(auction.query_category_reserves);
  ADSIM_EXPECT_FIELD(auction_only.enabled);
  ADSIM_EXPECT_FIELD(auction_only.bidders);
  ADSIM_EXPECT_FIELD(auction_only.bidders_per_auction);
  ADSIM_EXPECT_FIELD(auction_only.rounds);
  ADSIM_EXPECT_FIELD(auction_only.values);
  ADSIM_EXPECT_FIELD(auction_only.value_low);
  ADSIM_EXPECT_FIELD(auction_only.value_high);
  ADSIM_EXPECT_FIELD(auction_only.value_mean);
  ADSIM_EXPECT_FIELD(auction_only.value_mu);
  ADSIM_EXPECT_FIELD(auction_only.value_sigma);
  ADSIM_EXPECT_FIELD(auction_only.value_points);
  ADSIM_EXPECT_FIELD(auction_only.strategy);
  ADSIM_EXPECT_FIELD(auction_only.shading);
  ADSIM_EXPECT_FIELD(auction_only.reserve_rule);
  ADSIM_EXPECT_FIELD(auction_only.value_model);
  ADSIM_EXPECT_FIELD(auction_only.items_per_bidder);
  ADSIM_EXPECT_FIELD(auction_only.embedding_dim);
  ADSIM_EXPECT_FIELD(auction_only.embedding_sd);
  ADSIM_EXPECT_FIELD(auction_only.context_sd);
  ADSIM_EXPECT_FIELD(auction_only.item_value_mu);
  ADSIM_EXPECT_FIELD(auction_only.item_value_sigma);
  ADSIM_EXPECT_FIELD(auction_only.budget);
  ADSIM_EXPECT_FIELD(auction_only.episode_rounds);
  ADSIM_EXPECT_FIELD(auction_only.pacer);
  ADSIM_EXPECT_FIELD(auction_only.pacing_ticks);
  ADSIM_EXPECT_FIELD(auction_only.pacing_gain);
  ADSIM_EXPECT_FIELD(auction_only.min_multiplier);
  ADSIM_EXPECT_FIELD(auction_only.max_multiplier);
  ADSIM_EXPECT_FIELD(auction_only.log_rate);
  ADSIM_EXPECT_FIELD(auction_only.series_points);
  ASSERT_EQ(a.auction_only.bidder_list.size(), b.auction_only.bidder_list.size());
  for (std::size_t i = 0; i < a.auction_only.bidder_list.size(); ++i) {
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].name);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].value);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].values);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].value_low);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].value_high);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].value_mean);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].value_mu);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].value_sigma);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].value_points);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].bid);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].strategy);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].shading);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].ctr);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].quality);
    ADSIM_EXPECT_FIELD(auction_only.bidder_list[i].budget);
  }
  ADSIM_EXPECT_FIELD(pacing.mix);
  ADSIM_EXPECT_FIELD(pacing.curve);
  ADSIM_EXPECT_FIELD(pacing.finish_hour);
  ADSIM_EXPECT_FIELD(pacing.control_minutes);
  ADSIM_EXPECT_FIELD(pacing.throttling_initial_rate);
  ADSIM_EXPECT_FIELD(pacing.throttling_step);
  ADSIM_EXPECT_FIELD(pacing.dual_step_size);
  ADSIM_EXPECT_FIELD(pacing.dual_max_mu);
  ADSIM_EXPECT_FIELD(pacing.pid_kp);
  ADSIM_EXPECT_FIELD(pacing.pid_ki);
  ADSIM_EXPECT_FIELD(pacing.pid_kd);
  ADSIM_EXPECT_FIELD(pacing.pid_min_phi);
  ADSIM_EXPECT_FIELD(pacing.pid_max_phi);
  ADSIM_EXPECT_FIELD(pacing.pid_signal);
  ADSIM_EXPECT_FIELD(pacing.pid_target_win_rate);
  ADSIM_EXPECT_FIELD(pacing.auto_bid_minutes);
  ADSIM_EXPECT_FIELD(pacing.auto_bid_gain);
  ADSIM_EXPECT_FIELD(pacing.auto_bid_half_life_hours);
  ADSIM_EXPECT_FIELD(pacing.auto_bid_prior_conversions);
  ADSIM_EXPECT_FIELD(pacing.auto_bid_conversion_lag_minutes);
  ADSIM_EXPECT_FIELD(run.seed);
  ADSIM_EXPECT_FIELD(run.days);
  ADSIM_EXPECT_FIELD(run.snapshot_interval);
  ADSIM_EXPECT_FIELD(run.auction_log_rate);
  ADSIM_EXPECT_FIELD(run.prediction_log_rate);
#undef ADSIM_EXPECT_FIELD
}

// ---- Loading valid files --------------------------------------------------------------------

TEST(ScenarioLoader, ValidFileLoadsValues) {
  const std::string text = R"(name = "small"
description = "A small world"
lesson = "Line one\nline two"

[world]
users = 5000
region_weights = [2, 1.5, 0.5]

[traffic]
hourly_profile = [0, 0, 0, 0, 0, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3, 2, 1, 0.5, 0]
sessions_per_day = 2000  # an integer for a number key

[funnel]
prerank_keep = 300
rank_keep = 30

[auction]
mechanism = "vcg"
slots = 2

[truth]
base_logit = -4.25

[model]
ctr_model = "logistic"
calibrator = "platt"

[pacing]
pacer = "pid"

[run]
seed = 42
days = 2.5
snapshot_minutes = 30
)";
  const fs::path path = write_temp("valid.toml", text);
  const Scenario s = load_scenario_file(path);
  EXPECT_EQ(s.name, "small");
  EXPECT_EQ(s.description, "A small world");
  EXPECT_EQ(s.lesson, "Line one\nline two");
  EXPECT_EQ(s.world.users, 5000u);
  EXPECT_EQ(s.world.region_weights, (std::vector<double>{2, 1.5, 0.5}));
  EXPECT_EQ(s.traffic.hourly_profile.size(), 24u);
  EXPECT_EQ(s.traffic.hourly_profile[8], 4.0);
  EXPECT_EQ(s.traffic.sessions_per_day, 2000.0);
  EXPECT_EQ(s.funnel.prerank_keep, 300);
  EXPECT_EQ(s.funnel.rank_keep, 30);
  EXPECT_EQ(s.auction.mechanism, "vcg");
  EXPECT_EQ(s.auction.slots, 2);
  EXPECT_EQ(s.truth.base_logit, -4.25);
  EXPECT_EQ(s.model.ctr_model, "logistic");
  EXPECT_EQ(s.model.calibrator, "platt");
  EXPECT_EQ(s.pacing.pacer, "pid");
  EXPECT_EQ(s.run.seed, 42u);
  EXPECT_EQ(s.run.days, 2.5);
  EXPECT_EQ(s.run.snapshot_interval, 30 * core::kMinute);
  // Untouched keys keep their defaults.
  EXPECT_EQ(s.world.advertisers, Scenario{}.world.advertisers);
  EXPECT_EQ(s.auction.position_factors, Scenario{}.auction.position_factors);
  // Provenance.
  EXPECT_EQ(s.source_path, path.string());
  EXPECT_EQ(s.source_text, text);
  EXPECT_TRUE(s.overrides.empty());
}

TEST(ScenarioLoader, EmptyFileYieldsDefaults) {
  const fs::path path = write_temp("empty.toml", "");
  const Scenario s = load_scenario_file(path);
  expect_same(s, Scenario{});
  EXPECT_EQ(s.source_path, path.string());
  EXPECT_EQ(s.source_text, "");
}

TEST(ScenarioLoader, DottedKeysAndInlineTablesWork) {
  const Scenario s = parse_scenario("world.users = 77\nauction = { slots = 3, mechanism = \"first_price\" }\n", "x");
  EXPECT_EQ(s.world.users, 77u);
  EXPECT_EQ(s.auction.slots, 3);
  EXPECT_EQ(s.auction.mechanism, "first_price");
}

// ---- Errors in files ------------------------------------------------------------------------

TEST(ScenarioLoader, MissingFileNamesThePath) {
  const fs::path path = fs::path(::testing::TempDir()) / "does_not_exist.toml";
  try {
    load_scenario_file(path);
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].file, path.string());
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos) << e.what();
  }
}

// What is not a plain file is refused before it is opened: reading /dev/zero would never end and
// opening a FIFO would block until someone writes to it. A file above the size limit is refused
// without being read.
TEST(ScenarioLoader, DevicesPipesAndHugeFilesAreRefusedUnread) {
  auto refused = [](const fs::path& path, const std::string& why) {
    try {
      load_scenario_file(path);
      ADD_FAILURE() << path << " was read";
    } catch (const ScenarioError& e) {
      ASSERT_EQ(e.diagnostics().size(), 1u);
      EXPECT_EQ(e.diagnostics()[0].file, path.string());
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  refused("/dev/zero", "not a regular file");
  const fs::path dir = fs::path(::testing::TempDir()) / ("adsim_fifo_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path fifo = dir / "scenario.toml";
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  refused(fifo, "not a regular file");  // returns at once: nobody ever writes to it
  const fs::path big = dir / "big.toml";
  {
    std::ofstream out(big);
    out << "name = \"big\"\n";
  }
  fs::resize_file(big, kMaxScenarioFileBytes + 1);  // sparse: no disk used
  refused(big, "more than the 8 MiB");
  fs::resize_file(big, kMaxScenarioFileBytes);  // at the limit: read (and rejected only as TOML)
  try {
    load_scenario_file(big);
  } catch (const ScenarioError& e) {
    EXPECT_EQ(std::string(e.what()).find("cannot read"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(ScenarioLoader, DirectoryIsNotAScenario) {
  const fs::path path = fs::path(::testing::TempDir());
  try {
    load_scenario_file(path);
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].file, path.string());
    EXPECT_NE(e.diagnostics()[0].message.find("directory"), std::string::npos);
  }
}

TEST(ScenarioLoader, SyntaxErrorNamesFileLineAndColumn) {
  const Diagnostic d = error_of("name = \"x\"\n[world]\nusers = = 3\n");
  expect_at(d, "test.toml", 3, 9, "");
  EXPECT_FALSE(d.message.empty());
}

TEST(ScenarioLoader, SyntaxErrorInFileNamesPathOnDisk) {
  const fs::path path = write_temp("broken.toml", "[world\nusers = 3\n");
  try {
    load_scenario_file(path);
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].file, path.string());
    EXPECT_EQ(e.diagnostics()[0].line, 1);
    EXPECT_GT(e.diagnostics()[0].column, 0);
  }
}

TEST(ScenarioLoader, UnknownKeySuggestsTypoFix) {
  const Diagnostic d = error_of("[world]\nuser = 5\n");
  expect_at(d, "test.toml", 2, 1, "world.user");
  EXPECT_EQ(d.message, "unknown key 'world.user' — did you mean 'world.users'?");
}

TEST(ScenarioLoader, UnknownKeySuggestsOtherSection) {
  const Diagnostic d = error_of("[traffic]\nslots = 5\n");
  expect_at(d, "test.toml", 2, 1, "traffic.slots");
  EXPECT_EQ(d.message, "unknown key 'traffic.slots' — did you mean 'auction.slots'?");
}

TEST(ScenarioLoader, UnknownTopLevelKeySuggestsSection) {
  const Diagnostic d = error_of("name = \"a\"\n  users = 5\n");
  expect_at(d, "test.toml", 2, 3, "users");
  EXPECT_EQ(d.message, "unknown key 'users' — did you mean 'world.users'?");
}

TEST(ScenarioLoader, UnknownDottedKeyPointsAtTheKey) {
  const Diagnostic d = error_of("world.usres = 5\n");
  expect_at(d, "test.toml", 1, 7, "world.usres");
  EXPECT_NE(d.message.find("did you mean 'world.users'?"), std::string::npos);
}

TEST(ScenarioLoader, UnknownSectionSuggestsSection) {
  const Diagnostic d = error_of("[wrld]\nusers = 5\n");
  expect_at(d, "test.toml", 1, 2, "wrld");
  EXPECT_EQ(d.message, "unknown section 'wrld' — did you mean 'world'?");
}

TEST(ScenarioLoader, UnknownKeyWithoutSuggestionPointsToReference) {
  const Diagnostic d = error_of("[world]\nzzzzzzzzzzzz = 1\n");
  expect_at(d, "test.toml", 2, 1, "world.zzzzzzzzzzzz");
  EXPECT_NE(d.message.find("scenario-reference.md"), std::string::npos) << d.message;
  EXPECT_EQ(d.message.find("did you mean"), std::string::npos) << d.message;
}

TEST(ScenarioLoader, IntegerKeyRejectsFloat) {
  const Diagnostic d = error_of("[world]\nusers = 1.5\n");
  expect_at(d, "test.toml", 2, 9, "world.users");
  EXPECT_NE(d.message.find("expected an integer, got a floating-point number (1.5)"), std::string::npos) << d.message;
}

TEST(ScenarioLoader, NumberKeyRejectsString) {
  const Diagnostic d = error_of("[run]\ndays = \"two\"\n");
  expect_at(d, "test.toml", 2, 8, "run.days");
  EXPECT_EQ(d.message, "expected a number, got a string (\"two\")");
}

TEST(ScenarioLoader, SectionGivenAsValue) {
  const Diagnostic d = error_of("world = 5\n");
  expect_at(d, "test.toml", 1, 1, "world");
  EXPECT_NE(d.message.find("expected a table like [world]"), std::string::npos) << d.message;
}

TEST(ScenarioLoader, KeyGivenAsTable) {
  const Diagnostic d = error_of("[auction.slots]\nx = 1\n");
  expect_at(d, "test.toml", 1, 1, "auction.slots");
  EXPECT_EQ(d.message, "expected an integer, got a table");
}

TEST(ScenarioLoader, OutOfRangeStatesRangeAndUnit) {
  const Diagnostic d = error_of("[auction]\nslots = 17\n");
  expect_at(d, "test.toml", 2, 9, "auction.slots");
  EXPECT_EQ(d.message, "out of range: must be in [1, 16] (slots), got 17");
}

TEST(ScenarioLoader, ExclusiveBoundIsEnforced) {
  const Diagnostic d = error_of("[world]\nbid_median = 0\n");
  expect_at(d, "test.toml", 2, 14, "world.bid_median");
  EXPECT_EQ(d.message, "out of range: must be in (0, 1000000] (currency units per click), got 0");
}

TEST(ScenarioLoader, NanIsOutOfRange) {
  const Diagnostic d = error_of("[run]\ndays = nan\n");
  expect_at(d, "test.toml", 2, 8, "run.days");
}

TEST(ScenarioLoader, WrongArrayLength) {
  const Diagnostic d = error_of("[traffic]\nhourly_profile = [1, 2, 3]\n");
  expect_at(d, "test.toml", 2, 18, "traffic.hourly_profile");
  EXPECT_EQ(d.message, "expected exactly 24 entries, got 3");
}

TEST(ScenarioLoader, ArrayEntriesArePlacedAndNamed) {
  const auto all = errors_of("[world]\nregion_weights = [1, -2, \"x\"]\n");
  ASSERT_EQ(all.size(), 1u);  // the type error stops the range check of the same array
  expect_at(all[0], "test.toml", 2, 26, "world.region_weights[2]");
  EXPECT_EQ(all[0].message, "expected a number, got a string (\"x\")");

  const Diagnostic d = error_of("[world]\nregion_weights = [1, -2]\n");
  expect_at(d, "test.toml", 2, 22, "world.region_weights[1]");
  EXPECT_EQ(d.message, "out of range: must be >= 0 (relative weight), got -2");
}

TEST(ScenarioLoader, AllZeroWeightsRejected) {
  const Diagnostic d = error_of("[world]\ndevice_weights = [0, 0.0]\n");
  expect_at(d, "test.toml", 2, 18, "world.device_weights");
  EXPECT_EQ(d.message, "entries must not all be zero");

  const Diagnostic hours = error_of("", {"traffic.hourly_profile=[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]"});
  expect_at(hours, "--set", 1, 24, "traffic.hourly_profile");
  EXPECT_EQ(hours.message, "entries must not all be zero");
}

TEST(ScenarioLoader, BadEnumListsAllowedValuesAndSuggests) {
  const Diagnostic d = error_of("[auction]\nmechanism = \"vcgg\"\n");
  expect_at(d, "test.toml", 2, 13, "auction.mechanism");
  EXPECT_EQ(d.message, "invalid value 'vcgg': must be one of gsp, vcg, first_price — did you mean 'vcg'?");
}

TEST(ScenarioLoader, EmptyNameRejected) {
  const Diagnostic d = error_of("name = \"\"\n");
  expect_at(d, "test.toml", 1, 8, "name");
}

TEST(ScenarioLoader, CrossFieldRankKeepBlamesTheLaterKey) {
  const Diagnostic d = error_of("[funnel]\nrank_keep = 50\nprerank_keep = 40\n");
  expect_at(d, "test.toml", 3, 16, "funnel.prerank_keep");
  EXPECT_EQ(d.message,
            "funnel.rank_keep (50) must be <= funnel.prerank_keep (40): ranking keeps a subset of the candidates "
            "pre-ranking kept");
}

TEST(ScenarioLoader, CrossFieldPositionFactorsBlamesSlots) {
  const Diagnostic d = error_of("[auction]\nslots = 6\n");
  expect_at(d, "test.toml", 2, 9, "auction.slots");
  EXPECT_EQ(d.message,
            "auction.position_factors has 4 entries but auction.slots is 6: every slot needs a click factor");
}

TEST(ScenarioLoader, CrossFieldWorldCounts) {
  const auto all = errors_of("[world]\nadvertisers = 10\ncampaigns = 5\nads = 4\nuser_top_interests = 30\n");
  ASSERT_EQ(all.size(), 3u);
  expect_at(all[0], "test.toml", 3, 13, "world.campaigns");  // advertisers <= campaigns
  expect_at(all[1], "test.toml", 4, 7, "world.ads");         // campaigns <= ads
  expect_at(all[2], "test.toml", 5, 22, "world.user_top_interests");
}

TEST(ScenarioLoader, CrossFieldSkippedWhenAKeyIsInvalid) {
  // rank_keep = 0 is out of range; comparing the default 100 with prerank_keep would mislead.
  const auto all = errors_of("[funnel]\nrank_keep = 0\nprerank_keep = 50\n");
  ASSERT_EQ(all.size(), 1u);
  expect_at(all[0], "test.toml", 2, 13, "funnel.rank_keep");
}

TEST(ScenarioLoader, ReportsEveryProblemInDocumentOrder) {
  const std::string text = R"(name = "multi"
[world]
users = 0
usres = 3
[auction]
mechanism = "dutch"
[run]
seed = 1.5
)";
  const auto all = errors_of(text, {"traffic.sessions_per_day=-1", "nope"});
  ASSERT_EQ(all.size(), 6u);
  expect_at(all[0], "test.toml", 3, 9, "world.users");
  expect_at(all[1], "test.toml", 4, 1, "world.usres");
  expect_at(all[2], "test.toml", 6, 13, "auction.mechanism");
  expect_at(all[3], "test.toml", 8, 8, "run.seed");
  expect_at(all[4], "--set", 1, 26, "traffic.sessions_per_day");
  expect_at(all[5], "--set", 1, 1, "");
}

TEST(ScenarioLoader, WhatFormatsOneProblemPerLine) {
  try {
    parse_scenario("[world]\nusers = 0\n[auction]\nslots = 0\n", "dir/s.toml");
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(std::string(e.what()),
              "dir/s.toml:2:9: world.users: out of range: must be in [1, 50000000] (users), got 0\n"
              "dir/s.toml:4:9: auction.slots: out of range: must be in [1, 16] (slots), got 0");
  }
}

TEST(ScenarioLoader, FormatDiagnosticLeavesOutUnknownParts) {
  EXPECT_EQ(format_diagnostic({"f.toml", 3, 7, "world.users", "bad"}), "f.toml:3:7: world.users: bad");
  EXPECT_EQ(format_diagnostic({"f.toml", 3, 7, "", "bad"}), "f.toml:3:7: bad");
  EXPECT_EQ(format_diagnostic({"f.toml", 0, 0, "", "bad"}), "f.toml: bad");
}

// ---- Overrides ------------------------------------------------------------------------------

TEST(ScenarioOverrides, EachKindApplies) {
  const std::vector<std::string> overrides = {
      "world.users=5000",
      "run.days=3",  // an integer for a number key
      "truth.base_logit = -2.5",
      "traffic.hourly_profile=[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24]",
      "auction.mechanism=vcg",  // a bare word for an enum key
      "model.calibrator=\"isotonic\"",
      "name=My scenario",  // a bare phrase for a string key
      "description=\"quoted, with = sign\"",
      "run.snapshot_minutes=2.5",
      "run.seed=12345678901",
  };
  const Scenario s = parse_scenario("[world]\nusers = 10\n", "f.toml", overrides);
  EXPECT_EQ(s.world.users, 5000u);  // the override wins over the file
  EXPECT_EQ(s.run.days, 3.0);
  EXPECT_EQ(s.truth.base_logit, -2.5);
  ASSERT_EQ(s.traffic.hourly_profile.size(), 24u);
  EXPECT_EQ(s.traffic.hourly_profile[23], 24.0);
  EXPECT_EQ(s.auction.mechanism, "vcg");
  EXPECT_EQ(s.model.calibrator, "isotonic");
  EXPECT_EQ(s.name, "My scenario");
  EXPECT_EQ(s.description, "quoted, with = sign");
  EXPECT_EQ(s.run.snapshot_interval, 150 * core::kSecond);
  EXPECT_EQ(s.run.seed, 12345678901u);
  EXPECT_EQ(s.overrides, overrides);
}

TEST(ScenarioOverrides, LaterOverrideWins) {
  const Scenario s = parse_scenario("", "f", std::vector<std::string>{"auction.slots=2", "auction.slots=3"});
  EXPECT_EQ(s.auction.slots, 3);
}

TEST(ScenarioOverrides, OverrideCanFixACrossFieldProblem) {
  const Scenario s = parse_scenario("[auction]\nslots = 6\n", "f",
                                    std::vector<std::string>{"auction.position_factors=[1,0.8,0.6,0.4,0.3,0.2]"});
  EXPECT_EQ(s.auction.slots, 6);
  EXPECT_EQ(s.auction.position_factors.size(), 6u);
}

TEST(ScenarioOverrides, BadValueNamesSetAndColumnInArgument) {
  const Diagnostic d = error_of("", {"world.users=0"});
  expect_at(d, "--set", 1, 13, "world.users");
  EXPECT_EQ(d.message, "out of range: must be in [1, 50000000] (users), got 0");
}

// A bare word is kept as typed, so it must be UTF-8 as every TOML string is: \xff used to be
// accepted, run a whole simulation and fail writing --json (found by fuzz/overrides).
TEST(ScenarioOverrides, BareWordThatIsNotUtf8IsRefused) {
  for (const std::string bad : {"name=\xff", "name=ab\xc3", "name=\xc0\xaf", "name=\xed\xa0\x80", "auction.mechanism=\xf4\x90\x80\x80"}) {
    const Diagnostic d = error_of("", {bad});
    EXPECT_EQ(d.file, "--set") << bad;
    EXPECT_EQ(d.message, "the value is not valid UTF-8") << bad;
  }
  const Scenario s = parse_scenario("", "t.toml", std::vector<std::string>{"name=Zürich-€-𝄞"});
  EXPECT_EQ(s.name, "Zürich-€-𝄞");
}

TEST(ScenarioOverrides, WrongTypeNamesSet) {
  const Diagnostic d = error_of("", {"auction.slots = 2.5"});
  expect_at(d, "--set", 1, 17, "auction.slots");
  EXPECT_NE(d.message.find("expected an integer"), std::string::npos) << d.message;
}

TEST(ScenarioOverrides, SyntaxErrorInValueNamesSet) {
  const Diagnostic d = error_of("", {"world.users=5x"});
  EXPECT_EQ(d.file, "--set");
  EXPECT_EQ(d.line, 1);
  EXPECT_EQ(d.key_path, "world.users");
  EXPECT_GE(d.column, 13);
  EXPECT_LE(d.column, 15);
  EXPECT_NE(d.message.find("invalid value '5x'"), std::string::npos) << d.message;
}

TEST(ScenarioOverrides, ArrayEntryColumnPointsIntoArgument) {
  const Diagnostic d = error_of("", {"truth.examination=[1, 0.5, 2]"});
  expect_at(d, "--set", 1, 28, "truth.examination[2]");
  EXPECT_EQ(d.message, "out of range: must be in [0, 1] (probability), got 2");
}

TEST(ScenarioOverrides, BadEnumBareWord) {
  const Diagnostic d = error_of("", {"pacing.pacer=pdi"});
  expect_at(d, "--set", 1, 14, "pacing.pacer");
  EXPECT_EQ(d.message,
            "invalid value 'pdi': must be one of none, throttling, dual_descent, pid — did you mean 'pid'?");
}

TEST(ScenarioOverrides, UnknownKeySuggests) {
  const Diagnostic d = error_of("", {"traffic.slots=3"});
  expect_at(d, "--set", 1, 1, "traffic.slots");
  EXPECT_EQ(d.message, "unknown key 'traffic.slots' — did you mean 'auction.slots'?");

  const Diagnostic typo = error_of("", {"world.user=3"});
  EXPECT_EQ(typo.message, "unknown key 'world.user' — did you mean 'world.users'?");
}

TEST(ScenarioOverrides, SectionIsNotAKey) {
  const Diagnostic d = error_of("", {"world=3"});
  expect_at(d, "--set", 1, 1, "world");
  EXPECT_NE(d.message.find("is a section, not a key"), std::string::npos) << d.message;
}

TEST(ScenarioOverrides, MalformedOverrides) {
  const Diagnostic no_equals = error_of("", {"world.users"});
  expect_at(no_equals, "--set", 1, 1, "");
  EXPECT_EQ(no_equals.message, "malformed override 'world.users': expected key.path=value");

  const Diagnostic no_key = error_of("", {"=5"});
  EXPECT_EQ(no_key.message, "malformed override '=5': missing key before '='");

  const Diagnostic no_value = error_of("", {"world.users="});
  expect_at(no_value, "--set", 1, 13, "world.users");
  EXPECT_EQ(no_value.message, "missing value after '='");

  const Diagnostic two_values = error_of("", {"world.users=5\nx = 3"});
  EXPECT_NE(two_values.message.find("expected a single value"), std::string::npos) << two_values.message;
}

TEST(ScenarioOverrides, CrossFieldBlamesTheOverride) {
  const Diagnostic d = error_of("[funnel]\nprerank_keep = 100\n", {"funnel.rank_keep=500"});
  expect_at(d, "--set", 1, 18, "funnel.rank_keep");
}

TEST(ScenarioOverrides, ApplyOverridesToALoadedScenario) {
  const Scenario base = parse_scenario("[world]\nusers = 10\n", "f.toml", std::vector<std::string>{"run.days=2"});
  const Scenario changed = apply_overrides(base, std::vector<std::string>{"auction.slots=2"});
  EXPECT_EQ(changed.world.users, 10u);
  EXPECT_EQ(changed.auction.slots, 2);
  EXPECT_EQ(changed.overrides, (std::vector<std::string>{"run.days=2", "auction.slots=2"}));
  EXPECT_EQ(changed.source_path, "f.toml");
  EXPECT_THROW(apply_overrides(base, std::vector<std::string>{"auction.slots=99"}), ScenarioError);
}

TEST(ScenarioOverrides, MissingFileAndBadOverrideBothReported) {
  try {
    load_scenario_file(fs::path(::testing::TempDir()) / "nope.toml", std::vector<std::string>{"world.users=0"});
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    ASSERT_EQ(e.diagnostics().size(), 2u);
    EXPECT_EQ(e.diagnostics()[1].file, "--set");
  }
}

// ---- Schema ---------------------------------------------------------------------------------

// A valid value of `spec` different from `current`.
KeyValue other_value(const KeySpec& spec, const KeyValue& current) {
  auto other_number = [&](double v) {
    for (const double candidate : {v * 0.5, v + 0.5, v - 0.5, v + 1.0, 0.5, 1.0}) {
      if (candidate != v && spec.range.contains(candidate)) return candidate;
    }
    ADD_FAILURE() << "no other value for " << spec.path;
    return v;
  };
  switch (spec.kind) {
    case KeyKind::kInteger: {
      const auto v = std::get<std::int64_t>(current);
      return spec.range.contains(static_cast<double>(v + 1)) ? v + 1 : v - 1;
    }
    case KeyKind::kNumber: return other_number(std::get<double>(current));
    case KeyKind::kBool: return !std::get<bool>(current);
    case KeyKind::kString: return std::get<std::string>(current) + "x";
    case KeyKind::kEnum:
      for (const auto& allowed : spec.allowed) {
        if (allowed != std::get<std::string>(current)) return allowed;
      }
      break;
    case KeyKind::kNumberArray: {
      auto v = std::get<std::vector<double>>(current);
      if (v.empty()) return std::vector<double>(std::max<std::size_t>(spec.min_length, 1), 1.0);
      v.front() = other_number(v.front());
      return v;
    }
  }
  ADD_FAILURE() << "no other value for " << spec.path;
  return current;
}

TEST(ScenarioSchema, EveryKeyIsBoundToItsOwnField) {
  const Scenario defaults;
  for (const KeySpec& spec : scenario_schema()) {
    Scenario s;
    const KeyValue value = other_value(spec, spec.get(defaults));
    EXPECT_TRUE(spec.problems(value).empty()) << spec.path;
    spec.set(s, value);
    EXPECT_EQ(spec.get(s), value) << spec.path;
    for (const KeySpec& other : scenario_schema()) {
      if (&other != &spec) {
        EXPECT_EQ(other.get(s), other.get(defaults)) << spec.path << " also changed " << other.path;
      }
    }
  }
}

TEST(ScenarioSchema, CoversEveryFieldOfScenario) {
  // These sizes change when a field is added to Scenario or its sections: add a schema entry in
  // scenarios/scenario_schema.cpp and a line to expect_same() above, then update the size here.
  // The sizes are those of libstdc++ on a 64-bit target (the project's Debian toolchain).
  EXPECT_EQ(scenario_schema().size(), 191u);
#if defined(__GLIBCXX__) && defined(__x86_64__)
  EXPECT_EQ(sizeof(core::WorldSpec), 296u);
  EXPECT_EQ(sizeof(core::TrafficSpec), 64u);
  EXPECT_EQ(sizeof(core::FunnelSpec), 80u);
  EXPECT_EQ(sizeof(AuctionSpec), 208u);
  EXPECT_EQ(sizeof(models::GroundTruthParams), 280u);
  EXPECT_EQ(sizeof(ModelSpec), 432u);
  EXPECT_EQ(sizeof(PacingSpec), 256u);
  EXPECT_EQ(sizeof(core::RunSpec), 40u);
  // Includes AuctionOnlySpec (376, with its [[auction_only.bidder]] list, compared in expect_same)
  // and ExperimentSpec (264, with its claims): the [experiment] table is not keys of the schema but
  // a study the loader reads (tests/experiments/test_study.cpp and test_lesson.cpp cover it).
  EXPECT_EQ(sizeof(Scenario), 2480u);
#endif
}

TEST(ScenarioSchema, DefaultsAreValidAndEqualADefaultScenario) {
  const Scenario defaults;
  for (const KeySpec& spec : scenario_schema()) {
    EXPECT_TRUE(spec.problems(spec.get(defaults)).empty()) << spec.path << " default violates its own range";
    EXPECT_FALSE(spec.meaning.empty()) << spec.path;
  }
  EXPECT_TRUE(cross_field_problems(defaults).empty());
  // Writing every key from the schema's defaults over a changed scenario restores Scenario{}.
  Scenario s;
  for (const KeySpec& spec : scenario_schema()) spec.set(s, other_value(spec, spec.get(defaults)));
  for (const KeySpec& spec : scenario_schema()) spec.set(s, spec.get(defaults));
  expect_same(s, defaults);
}

TEST(ScenarioSchema, KeyPathsAreUniqueAndInKnownSections) {
  std::vector<std::string> seen;
  for (const KeySpec& spec : scenario_schema()) {
    EXPECT_EQ(std::count(seen.begin(), seen.end(), spec.path), 0) << spec.path;
    seen.push_back(spec.path);
    const auto& sections = scenario_sections();
    const auto in_section = [&](const SectionInfo& s) { return s.name == spec.section(); };
    EXPECT_TRUE(std::any_of(sections.begin(), sections.end(), in_section)) << spec.path;
    EXPECT_EQ(find_key_spec(spec.path), &spec);
  }
  for (const CrossFieldRule& rule : scenario_cross_field_rules()) {
    for (const auto& key : rule.keys) EXPECT_NE(find_key_spec(key), nullptr) << key;
  }
}

TEST(ScenarioSchema, RangeDescriptions) {
  EXPECT_EQ(find_key_spec("world.users")->range.describe(), "[1, 50000000]");
  EXPECT_EQ(find_key_spec("model.prior_ctr")->range.describe(), "(0, 1)");
  EXPECT_EQ(find_key_spec("run.days")->range.describe(), "(0, 366]");
  EXPECT_EQ(find_key_spec("run.seed")->range.describe(), ">= 0");
  EXPECT_EQ(find_key_spec("traffic.hourly_profile")->type_description(), "array of 24 numbers");
  EXPECT_EQ(find_key_spec("auction.mechanism")->type_description(), "enum");
  EXPECT_EQ(find_key_spec("auction.mechanism")->constraint_description(), "gsp, vcg, first_price");
  EXPECT_EQ(find_key_spec("traffic.hourly_profile")->constraint_description(), "each >= 0; not all zero");
}

// ---- Round trip -----------------------------------------------------------------------------

TEST(ScenarioRoundTrip, DefaultsRenderAndParseBack) {
  const std::string text = render_scenario_toml(Scenario{});
  const Scenario s = parse_scenario(text, "rendered.toml");
  expect_same(s, Scenario{});
}

TEST(ScenarioRoundTrip, ChangedValuesRenderAndParseBack) {
  Scenario in;
  in.name = "round \"trip\" \\ é";
  in.description = "tab\there\nnew line\x01";
  in.world.users = 123457;
  in.world.daily_budget_median = 0.1 + 0.2;  // needs all 17 digits
  in.world.bid_median = 1e-7;
  in.world.region_weights = {1e5, 0.0, 3.25};
  in.traffic.sessions_per_day = 123456789.0;
  in.auction.mechanism = "first_price";
  in.auction.slots = 1;
  in.truth.base_logit = -1.0 / 3.0;
  in.run.seed = 9'000'000'000'000'000'000u;
  in.run.snapshot_interval = 7 * core::kMinute + 30 * core::kSecond;
  const std::string text = render_scenario_toml(in);
  const Scenario out = parse_scenario(text, "rendered.toml");
  expect_same(out, in);
}

// ---- Reference document ---------------------------------------------------------------------

TEST(ScenarioReference, CheckedInDocumentIsUpToDate) {
  const fs::path path = fs::path(ADSIM_SOURCE_DIR) / "docs" / "scenario-reference.md";
  const std::string generated = scenario_reference_markdown();
  const char* update = std::getenv("ADSIM_UPDATE_DOCS");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream out(path, std::ios::binary);
    out << generated;
    ASSERT_TRUE(out.good()) << "could not write " << path;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream checked_in;
  checked_in << in.rdbuf();
  EXPECT_TRUE(checked_in.str() == generated)
      << path << " is out of date with the scenario schema. Regenerate it with:\n"
      << "  ADSIM_UPDATE_DOCS=1 " << ADSIM_BINARY_DIR
      << "/tests/adsim_scenarios_tests --gtest_filter='ScenarioReference*'";
}

TEST(ScenarioReference, DocumentsEveryKeyAndRule) {
  const std::string doc = scenario_reference_markdown();
  for (const KeySpec& spec : scenario_schema()) {
    EXPECT_NE(doc.find("| `" + spec.path + "` |"), std::string::npos) << spec.path;
  }
  EXPECT_NE(doc.find("`funnel.rank_keep` <= `funnel.prerank_keep`"), std::string::npos);
  EXPECT_NE(doc.find("| `world.users` | integer | users | `10000` | [1, 50000000] |"), std::string::npos);
  EXPECT_NE(doc.find("| `run.snapshot_minutes` | number | minutes | `15.0` |"), std::string::npos);
}

}  // namespace
}  // namespace adsim::scenarios

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/cli_app.hpp"
#include "tests/cli/cli_run.hpp"
#include "store/result_store.hpp"

namespace adsim::cli {
namespace {

namespace fs = std::filesystem;

using test_support::read_file;
using test_support::Result;
using test_support::run;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("adsim_cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  fs::path dir_;
  // A quick scenario: quickstart shortened to a quarter day.
  std::vector<std::string> quick(std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"run", std::string(ADSIM_SOURCE_DIR) + "/scenarios/quickstart.toml", "--quiet",
                                  "--set", "run.days=0.25"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

TEST_F(CliTest, RunPrintsSummaryTableAndExitsZero) {
  const Result r = run(quick());
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("ad requests"), std::string::npos);
  EXPECT_NE(r.out.find("revenue"), std::string::npos);
  EXPECT_NE(r.out.find("hides"), std::string::npos);
  EXPECT_NE(r.out.find("Campaigns: 150"), std::string::npos);
}

TEST_F(CliTest, JsonSummaryHasTheHeadlineFiguresAndCampaigns) {
  const Result r = run(quick({"--json"}));
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const auto j = nlohmann::json::parse(r.out)["summary"];
  for (const char* key : {"requests", "impressions", "clicks", "ctr", "revenue", "fill_rate", "avg_cpc", "hides", "reports"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_GT(j["requests"].get<double>(), 1000);
  // The headline counts agree with their breakdowns, counted at other places of the run: clicks
  // and impressions by slot, clicks and spend by campaign (billed charges).
  std::uint64_t slot_clicks = 0, slot_impressions = 0, campaign_clicks = 0;
  for (const auto& slot : j["slots"]) {
    slot_clicks += slot["clicks"].get<std::uint64_t>();
    slot_impressions += slot["impressions"].get<std::uint64_t>();
  }
  for (const auto& c : j["campaigns"]) campaign_clicks += c["clicks"].get<std::uint64_t>();
  EXPECT_EQ(slot_clicks, j["clicks"].get<std::uint64_t>());
  EXPECT_EQ(slot_impressions, j["impressions"].get<std::uint64_t>());
  EXPECT_EQ(campaign_clicks, j["clicks"].get<std::uint64_t>());
  EXPECT_GT(j["ctr"].get<double>(), 0.005) << "users click: the truth's base CTR is about 2 %";
  EXPECT_LT(j["ctr"].get<double>(), 0.2);
  ASSERT_EQ(j["campaigns"].size(), 150u);
  double spend = 0;
  for (const auto& c : j["campaigns"]) spend += c["spend"].get<double>();
  EXPECT_NEAR(spend, j["revenue"].get<double>(), 1e-6);
  // The click model's cold start: predictions served before it had learnt anything (issue 15).
  ASSERT_TRUE(j["model"].contains("prior_predictions"));
  EXPECT_GT(j["model"]["prior_predictions"].get<std::uint64_t>(), 0u);
  EXPECT_LT(j["model"]["prior_predictions"].get<std::uint64_t>(), j["funnel"]["after_rank"].get<std::uint64_t>());
  const Result table = run(quick());
  EXPECT_NE(table.out.find("pCTR from prior"), std::string::npos) << table.out;
}

// --seed takes 0 to 2^63 - 1 (what run.seed holds), digits only: -1 must not wrap around to 2^64 - 1,
// and a refused seed is an error about --seed, not about an override the user never typed.
TEST_F(CliTest, SeedOutsideItsRangeIsRefusedAsASeed) {
  const fs::path db = dir_ / "seed.db";
  for (const char* bad : {"-1", "9223372036854775808", "18446744073709551616", "1e3", "", "12x"}) {
    const Result r = run(quick({"--db", db.string(), "--seed", bad}));
    EXPECT_EQ(r.code, kExitBadInput) << bad;
    EXPECT_NE(r.err.find("--seed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("9223372036854775807"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("--set"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(db)) << "nothing written";
  const Result largest = run(quick({"--db", db.string(), "--seed", "9223372036854775807"}));
  EXPECT_EQ(largest.code, kExitOk) << largest.err;
  const Result padded = run(quick({"--db", db.string(), "--seed", "007"}));
  EXPECT_EQ(padded.code, kExitOk) << padded.err;
  auto store = adsim::store::ResultStore::open(db, adsim::store::ResultStore::Mode::kReadOnly);
  const auto runs = store.read_runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].seed, 9223372036854775807ULL);
  EXPECT_EQ(runs[1].seed, 7u);
}

TEST_F(CliTest, SameSeedWritesIdenticalRowsAndAnotherSeedDoesNot) {
  const fs::path db = dir_ / "r.db";
  ASSERT_EQ(run(quick({"--db", db.string(), "--seed", "5"})).code, kExitOk);
  ASSERT_EQ(run(quick({"--db", db.string(), "--seed", "5"})).code, kExitOk);
  ASSERT_EQ(run(quick({"--db", db.string(), "--seed", "6"})).code, kExitOk);
  auto store = adsim::store::ResultStore::open(db, adsim::store::ResultStore::Mode::kReadOnly);
  const auto runs = store.read_runs();
  ASSERT_EQ(runs.size(), 3u);
  const std::string a = store.dump_run_rows(runs[0].run_id), b = store.dump_run_rows(runs[1].run_id),
                    c = store.dump_run_rows(runs[2].run_id);
  EXPECT_GT(a.size(), 1000u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(runs[0].status, adsim::store::RunStatus::kCompleted);
  EXPECT_EQ(runs[0].seed, 5u);
  EXPECT_EQ(runs[0].overrides, (std::vector<std::string>{"run.days=0.25", "run.seed=5"}));
}

TEST_F(CliTest, BadInputIsExitTwoAndLeavesAnExistingDatabaseUntouched) {
  const fs::path db = dir_ / "keep.db";
  ASSERT_EQ(run(quick({"--db", db.string()})).code, kExitOk);
  const std::string before = read_file(db);
  ASSERT_FALSE(before.empty());

  const fs::path bad = dir_ / "bad.toml";
  std::ofstream(bad) << "[world]\nusers = 100\nadvertisers = -3\n\n[auction]\nslotz = 2\n";
  Result r = run({"run", bad.string(), "--db", db.string()});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find(bad.string() + ":3:15: world.advertisers"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(":6:1: auction.slotz"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'auction.slots'"), std::string::npos) << r.err;

  r = run(quick({"--db", db.string(), "--set", "world.daily_budget_median=-5"}));
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find("world.daily_budget_median"), std::string::npos);
  r = run({"run", (dir_ / "missing.toml").string(), "--db", db.string()});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find("missing.toml"), std::string::npos);
  r = run({"run", "no_such_bundled", "--db", db.string()});
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find("quickstart"), std::string::npos) << "lists the bundled scenarios";
  r = run(quick({"--db", db.string(), "--frobnicate"}));
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_EQ(read_file(db), before) << "a rejected run must not touch the database";
}

TEST_F(CliTest, UnwritableDatabaseIsBadInputWithAClearMessage) {
  // /proc is read-only even for root, which ignores directory permissions.
  Result r = run(quick({"--db", "/proc/adsim_results.db"}));
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find("/proc/adsim_results.db"), std::string::npos) << r.err;
  r = run(quick({"--db", (dir_ / "no" / "such" / "dir" / "x.db").string()}));
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find("x.db"), std::string::npos) << r.err;
}

TEST_F(CliTest, NotADatabaseIsRejectedAndLeftAlone) {
  const fs::path db = dir_ / "notes.txt";
  std::ofstream(db) << "these are my notes, not a database\n";
  const std::string before = read_file(db);
  const Result r = run(quick({"--db", db.string()}));
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find("notes.txt"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(db), before);
}

// Ctrl-C and SIGTERM during a run: tests/cli/test_cli_signals.cpp, through a child process.

TEST_F(CliTest, AuctionOnlyRoundsReproduceSecondPriceRevenue) {
  // Four truthful bidders, values U(0, 1), one slot, second price: E[revenue] = (n - 1) / (n + 1) = 0.6.
  // 200,000 auctions: the estimator's standard error is about 0.0005, so 4 SE is 0.002.
  Result r = run({"run", "lesson_auction_theory", "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["mode"], "auction_only");
  j = j["summary"];
  EXPECT_NEAR(j["revenue"].get<double>(), 0.6, 4 * j["revenue_se"].get<double>());
  EXPECT_NEAR(j["efficiency"].get<double>(), 1.0, 1e-12);
  // Myerson reserve r* = 0.5: revenue 0.6125 (Myerson 1981), and efficiency below 1.
  r = run({"run", "lesson_auction_theory", "--json", "--set", "auction_only.reserve_rule=myerson"});
  j = nlohmann::json::parse(r.out)["summary"];
  EXPECT_NEAR(j["reserve"].get<double>(), 0.5, 1e-9);
  EXPECT_NEAR(j["revenue"].get<double>(), 0.6125, 4 * j["revenue_se"].get<double>());
  EXPECT_LT(j["efficiency"].get<double>(), 1.0);
  // Auction-only runs are recorded too (tests/cli/test_cli_auction_only.cpp checks the rows).
  r = run({"run", "lesson_auction_theory", "--db", (dir_ / "a.db").string(), "--set", "auction_only.rounds=1000"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "a.db"));
}

TEST_F(CliTest, HelpListReferenceAndCheck) {
  Result r = run({"--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("--set KEY=VALUE"), std::string::npos);
  r = run({"list"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("marketplace"), std::string::npos);
  EXPECT_NE(r.out.find("quickstart"), std::string::npos);
  r = run({"reference"});
  EXPECT_NE(r.out.find("`auction.reserve`"), std::string::npos);
  r = run({"check", "quickstart"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  r = run({});
  EXPECT_EQ(r.code, kExitBadInput);
}


// --json says where its figures came from, in one top-level shape for both kinds of run: the adsim
// version (as --version prints it), the scenario's name, file and SHA-256 (as sha256sum prints it
// for the file), the seed, the overrides as given, and the run's id in the database.
TEST(CliJson, CarriesItsProvenanceInOneShapeForEveryKindOfRun) {
  const fs::path dir = fs::temp_directory_path() / ("adsim_provenance_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string file = std::string(ADSIM_SOURCE_DIR) + "/scenarios/quickstart.toml";
  const auto market = run({"run", file, "--json", "--quiet", "--seed", "7", "--db", (dir / "r.db").string(), "--set",
                           "run.days=0.05", "--set", "auction.reserve=0.1"});
  ASSERT_EQ(market.code, adsim::cli::kExitOk) << market.err;
  const auto j = nlohmann::json::parse(market.out);
  const std::string version = run({"--version"}).out;
  EXPECT_EQ("adsim " + j["adsim_version"].get<std::string>() + "\n", version);
  EXPECT_EQ(j["mode"], "marketplace");
  EXPECT_EQ(j["scenario"]["name"], "quickstart");
  EXPECT_EQ(j["scenario"]["file"], file);
  std::string sha;
  if (FILE* p = ::popen(("sha256sum " + file).c_str(), "r")) {
    char buf[65] = {};
    if (std::fread(buf, 1, 64, p) == 64) sha = buf;
    ::pclose(p);
  }
  ASSERT_EQ(sha.size(), 64u) << "sha256sum (coreutils) did not run";
  EXPECT_EQ(j["scenario"]["sha256"], sha);
  EXPECT_EQ(j["scenario"]["overrides"], nlohmann::json::array({"run.days=0.05", "auction.reserve=0.1", "run.seed=7"}));
  EXPECT_EQ(j["seed"], 7);
  EXPECT_EQ(j["run_id"], 1);
  EXPECT_EQ(j["database"], (dir / "r.db").string());
  EXPECT_FALSE(j["interrupted"].get<bool>());
  EXPECT_GT(j["summary"]["requests"].get<double>(), 0);

  const auto classroom = run({"run", "lesson_auction_theory", "--json", "--set", "auction_only.rounds=1000"});
  ASSERT_EQ(classroom.code, adsim::cli::kExitOk) << classroom.err;
  const auto a = nlohmann::json::parse(classroom.out);
  EXPECT_EQ(a["mode"], "auction_only");
  EXPECT_TRUE(a["run_id"].is_null());
  std::vector<std::string> market_keys, classroom_keys;
  for (const auto& [key, value] : j.items()) market_keys.push_back(key);
  for (const auto& [key, value] : a.items()) classroom_keys.push_back(key);
  EXPECT_EQ(market_keys, classroom_keys);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace adsim::cli

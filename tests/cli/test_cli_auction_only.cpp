// `adsim run <auction-only scenario> --db FILE`: the recorded rows are the printed summary, a bad
// path or bad input leaves the database alone, and Ctrl-C gives an interrupted run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
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

class CliAuctionOnlyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("adsim_cli_ao_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(dir_, ec))
      fs::permissions(entry.path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  // The classroom lesson, shortened, with two slots and a learning shader in first price.
  static std::vector<std::string> lesson(const fs::path& db, std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"run", "lesson_auction_theory", "--json", "--db", db.string(),
                                  "--set", "auction_only.rounds=20000", "--set", "auction.slots=2",
                                  "--set", "auction.mechanism=first_price", "--set", "auction_only.strategy=bandit"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

TEST_F(CliAuctionOnlyTest, RecordedRowsAreThePrintedSummaryExactly) {
  const auto db = dir_ / "results.db";
  const Result r = run(lesson(db));
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.err.find("(run 1)"), std::string::npos) << r.err;
  const auto top = nlohmann::json::parse(r.out);
  const auto& j = top["summary"];
  auto store = adsim::store::ResultStore::open(db, adsim::store::ResultStore::Mode::kReadOnly);
  const auto run_row = store.read_run(1);
  ASSERT_TRUE(run_row.has_value());
  EXPECT_EQ(run_row->kind, "auction_only");
  EXPECT_EQ(run_row->status, adsim::store::RunStatus::kCompleted);
  EXPECT_EQ(run_row->seed, top["seed"].get<std::uint64_t>());
  EXPECT_EQ(run_row->scenario_name, top["scenario"]["name"].get<std::string>());
  EXPECT_EQ(top["run_id"].get<std::int64_t>(), 1);
  EXPECT_EQ(run_row->overrides.size(), 4u);
  EXPECT_EQ(run_row->totals.requests, j["auctions"].get<std::uint64_t>());

  const auto a = store.read_auction_only_run(1);
  ASSERT_TRUE(a.has_value());
  const auto& m = a->metrics;
  // nlohmann prints doubles so that they read back bit-exact: EQ, not NEAR.
  EXPECT_EQ(m.auctions, j["auctions"].get<std::uint64_t>());
  EXPECT_EQ(a->reserve, j["reserve"].get<double>());
  EXPECT_EQ(m.revenue, j["revenue"].get<double>());
  EXPECT_EQ(m.revenue_se, j["revenue_se"].get<double>());
  EXPECT_EQ(m.surplus, j["surplus"].get<double>());
  EXPECT_EQ(m.surplus_se, j["surplus_se"].get<double>());
  EXPECT_EQ(m.welfare, j["welfare"].get<double>());
  EXPECT_EQ(m.welfare_se, j["welfare_se"].get<double>());
  EXPECT_EQ(m.best_welfare, j["best_welfare"].get<double>());
  EXPECT_EQ(m.efficiency, j["efficiency"].get<double>());
  EXPECT_EQ(m.price_to_bid, j["price_to_bid"].get<double>());
  EXPECT_EQ(m.reserve_bind_rate, j["reserve_bind_rate"].get<double>());
  EXPECT_EQ(m.fill_rate, j["fill_rate"].get<double>());
  EXPECT_EQ(m.request_fill_rate, j["request_fill_rate"].get<double>());
  EXPECT_EQ(m.reserve_exclusion_rate, j["reserve_exclusion_rate"].get<double>());
  EXPECT_EQ(m.no_ad_due_to_reserve_rate, j["no_ad_due_to_reserve_rate"].get<double>());
  const auto slots = store.read_auction_only_slots(1);
  ASSERT_EQ(slots.size(), j["slots"].size());
  ASSERT_EQ(slots.size(), 2u);
  for (std::size_t k = 0; k < slots.size(); ++k) {
    SCOPED_TRACE(k);
    const auto& js = j["slots"][k];
    EXPECT_EQ(slots[k].slot, js["slot"].get<std::int64_t>());
    EXPECT_EQ(slots[k].metrics.fill_rate, js["fill_rate"].get<double>());
    EXPECT_EQ(slots[k].metrics.revenue, js["revenue"].get<double>());
    EXPECT_EQ(slots[k].metrics.surplus, js["surplus"].get<double>());
    EXPECT_EQ(slots[k].metrics.welfare, js["welfare"].get<double>());
    EXPECT_EQ(slots[k].metrics.efficiency, js["efficiency"].get<double>());
    EXPECT_EQ(slots[k].metrics.price_to_bid, js["price_to_bid"].get<double>());
    EXPECT_EQ(slots[k].metrics.reserve_bind_rate, js["reserve_bind_rate"].get<double>());
  }
  const auto bidders = store.read_auction_only_bidders(1);
  ASSERT_EQ(bidders.size(), j["bidders"].size());
  ASSERT_EQ(bidders.size(), 4u);
  for (std::size_t b = 0; b < bidders.size(); ++b) {
    SCOPED_TRACE(b);
    const auto& jb = j["bidders"][b];
    EXPECT_EQ(bidders[b].outcome.auctions, jb["auctions"].get<std::uint64_t>());
    EXPECT_EQ(bidders[b].outcome.wins, jb["wins"].get<std::uint64_t>());
    EXPECT_EQ(bidders[b].outcome.value, jb["value"].get<double>());
    EXPECT_EQ(bidders[b].outcome.payment, jb["payment"].get<double>());
    EXPECT_EQ(bidders[b].outcome.surplus, jb["surplus"].get<double>());
    EXPECT_EQ(bidders[b].outcome.preferred_shading, jb["preferred_shading"].get<double>());
    EXPECT_GT(bidders[b].outcome.preferred_shading, 0.0);  // a bandit's arms are in (0, 1]
  }
  EXPECT_EQ(store.read_auction_only_blocks(1).size(), 100u);
  // The same run without a database prints the same figures (apart from the wall time).
  const Result plain = run({"run", "lesson_auction_theory", "--json", "--set", "auction_only.rounds=20000", "--set",
                            "auction.slots=2", "--set", "auction.mechanism=first_price", "--set",
                            "auction_only.strategy=bandit"});
  ASSERT_EQ(plain.code, kExitOk) << plain.err;
  const auto jp = nlohmann::json::parse(plain.out);
  EXPECT_EQ(jp["summary"], j);
  EXPECT_TRUE(jp["run_id"].is_null());
}

TEST_F(CliAuctionOnlyTest, SameSeedGivesIdenticalRowsAndAnotherSeedDoesNot) {
  const auto db = dir_ / "results.db";
  ASSERT_EQ(run(lesson(db)).code, kExitOk);
  ASSERT_EQ(run(lesson(db)).code, kExitOk);
  ASSERT_EQ(run(lesson(db, {"--seed", "9"})).code, kExitOk);
  auto store = adsim::store::ResultStore::open(db, adsim::store::ResultStore::Mode::kReadOnly);
  const std::string first = store.dump_run_rows(1);
  EXPECT_NE(first.find("[auction_only_blocks]\nblock_index=0"), std::string::npos);
  EXPECT_EQ(first, store.dump_run_rows(2));
  EXPECT_NE(first, store.dump_run_rows(3));
}

TEST_F(CliAuctionOnlyTest, ReadOnlyDatabaseIsExitTwoWithAClearMessageAndUntouched) {
  const auto db = dir_ / "results.db";
  ASSERT_EQ(run(lesson(db)).code, kExitOk);
  const std::string before = read_file(db);
  fs::permissions(db, fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  const Result r = run(lesson(db));
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find("read-only"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(db.string()), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());  // refused before running
  EXPECT_EQ(read_file(db), before);
  // A read-only directory: the database cannot be created there.
  const auto ro_dir = dir_ / "ro";
  fs::create_directories(ro_dir);
  fs::permissions(ro_dir, fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  const Result r2 = run(lesson(ro_dir / "new.db"));
  EXPECT_EQ(r2.code, kExitBadInput);
  EXPECT_NE(r2.err.find("read-only"), std::string::npos) << r2.err;
  EXPECT_FALSE(fs::exists(ro_dir / "new.db"));
}

TEST_F(CliAuctionOnlyTest, BadInputLeavesAnExistingDatabaseByteIdentical) {
  const auto db = dir_ / "results.db";
  ASSERT_EQ(run(lesson(db)).code, kExitOk);
  const std::string before = read_file(db);
  // Out of range (the scenario loader), and a combination the auction library rejects.
  Result r = run(lesson(db, {"--set", "auction_only.bidders=0"}));
  EXPECT_EQ(r.code, kExitBadInput);
  r = run(lesson(db, {"--set", "auction_only.bidders_per_auction=9"}));
  EXPECT_EQ(r.code, kExitBadInput) << r.err;
  EXPECT_NE(r.err.find("bidders_per_auction"), std::string::npos) << r.err;
  // A distribution the auction library cannot build: bad input too, not a crash.
  r = run(lesson(db, {"--set", "auction_only.values=empirical", "--set", "auction_only.value_points=[1.0]"}));
  EXPECT_EQ(r.code, kExitBadInput) << r.err;
  EXPECT_NE(r.err.find("at least 2 points"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(db), before);
}

TEST_F(CliAuctionOnlyTest, CtrlCRecordsAnInterruptedRunAndExits130) {
  const auto db = dir_ / "results.db";
  std::atomic<bool> stop{true};  // pressed before the first auction
  const Result r = run(lesson(db), &stop);
  EXPECT_EQ(r.code, kExitInterrupted) << r.err;
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["summary"]["auctions"].get<std::uint64_t>(), 0u);
  EXPECT_TRUE(j["interrupted"].get<bool>());
  auto store = adsim::store::ResultStore::open(db, adsim::store::ResultStore::Mode::kReadOnly);
  const auto row = store.read_run(1);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, adsim::store::RunStatus::kInterrupted);
  const auto a = store.read_auction_only_run(1);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->metrics.auctions, 0u);
  EXPECT_EQ(a->planned_rounds, 20'000u);
}

// A classroom run's JSON and rows carry each bidder's name, its slot and price, and the bid log.
TEST_F(CliAuctionOnlyTest, ClassroomBiddersReachTheJsonAndTheDatabase) {
  const auto db = dir_ / "results.db";
  const Result r = run({"run", "classroom_gsp_vcg", "--json", "--db", db.string()});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const auto j = nlohmann::json::parse(r.out)["summary"]["bidders"];
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["name"], "x");
  EXPECT_EQ(j[0]["slots"][0]["wins"], 1);
  EXPECT_EQ(j[0]["slots"][0]["price_per_click"], 3.5);
  EXPECT_EQ(j[1]["slots"][1]["price_per_click"], 1.0);
  EXPECT_TRUE(j[0]["budget"].is_null());
  EXPECT_TRUE(j[0]["exhausted_round"].is_null());
  auto store = adsim::store::ResultStore::open(db, adsim::store::ResultStore::Mode::kReadOnly);
  const auto bidders = store.read_auction_only_bidders(1);
  ASSERT_EQ(bidders.size(), 3u);
  EXPECT_EQ(bidders[1].name, "y");
  EXPECT_EQ(bidders[1].outcome.slots[1].payment, 0.5);
  EXPECT_EQ(store.read_auction_only_bids(1).size(), 3u);
  EXPECT_TRUE(store.read_auction_only_pacing(1).empty());  // no budgets
}

TEST_F(CliAuctionOnlyTest, CheckBuildsTheAuctionAsRunWouldAndRefusesWhatItCannot) {
  const Result ok = run({"check", "classroom_budget_pacing"});
  EXPECT_EQ(ok.code, kExitOk) << ok.err;
  const Result bad = run({"check", "classroom_gsp_vcg", "--set", "auction_only.value_model=contextual_items"});
  EXPECT_EQ(bad.code, kExitBadInput);
  EXPECT_NE(bad.err.find("per-bidder values need value_model = distribution"), std::string::npos) << bad.err;
  const Result typo = run({"run", "classroom_gsp_vcg", "--set", "auction_only.bidder[0].valu=3"});
  EXPECT_EQ(typo.code, kExitBadInput);
  EXPECT_NE(typo.err.find("did you mean 'value'"), std::string::npos) << typo.err;
}

}  // namespace
}  // namespace adsim::cli

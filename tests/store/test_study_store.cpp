// The result store's study side (schema version 4): experiments and variants, moving a run recorded
// in memory into a results file, and several processes sharing one file.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "core/marketplace.hpp"
#include "scenarios/factory.hpp"
#include "scenarios/scenario_loader.hpp"
#include "store/result_store.hpp"

namespace fs = std::filesystem;
using namespace adsim;
using adsim::store::ResultStore;
using adsim::store::ResultStoreError;
using adsim::store::RunStatus;

namespace {

class StudyStore : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("adsim_study_store_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

// A marketplace small enough to run in milliseconds, with an auction log so that every kind of row
// is written.
scenarios::Scenario tiny(std::uint64_t seed) {
  auto s = scenarios::parse_scenario(R"(name = "tiny"
[world]
users = 300
advertisers = 3
campaigns = 6
ads = 20
[traffic]
sessions_per_day = 3000
[run]
days = 0.02
snapshot_minutes = 10
auction_log_rate = 0.05
)",
                                     "tiny.toml");
  s.run.seed = seed;
  return s;
}

// Records one run of `scenario` into `store`; returns its run id.
std::int64_t record(ResultStore& store, const scenarios::Scenario& scenario, const store::RunLink& link = {}) {
  auto market = scenarios::build_marketplace(scenario);
  auto recorder = store.begin_run(scenario, scenario.run.seed, {}, link);
  market->add_observer(*recorder);
  recorder->finish(market->run());
  return recorder->run_id();
}

std::int64_t count(const fs::path& db, const std::string& sql) {
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  return d.execAndGet(sql).getInt64();
}

store::ExperimentRow experiment_def(const std::string& definition) {
  store::ExperimentRow e;
  e.name = "reserve study";
  e.kind = "compare";
  e.scenario_name = "tiny";
  e.scenario_text = "name = \"tiny\"\n";
  e.base_overrides = {"run.days=0.02"};
  e.definition = definition;
  e.seeds = "1,2,3";
  return e;
}

std::vector<store::VariantRow> two_variants() {
  std::vector<store::VariantRow> v(2);
  v[0].name = "baseline";
  v[1].name = "high_reserve";
  v[1].parameters.push_back({0, 0, "auction.reserve", "0.6"});
  v[1].parameters.push_back({0, 0, "auction.mechanism", "\"vcg\""});
  return v;
}

// An experiment with one stored summary row and one comparison row to write.
std::tuple<store::ExperimentRow, store::ExperimentSummaryRow, store::ExperimentComparisonRow> one_result_of_each(
    ResultStore& file) {
  auto variants = two_variants();
  const auto e = file.ensure_experiment(experiment_def("def"), variants, 0);
  store::ExperimentSummaryRow s{0, variants[0].variant_id, "revenue", 5, 10.0, 2.0, 7.5, 12.5, "best"};
  store::ExperimentComparisonRow c{0, variants[1].variant_id, "revenue", 5, 10.0, 9.0, -1.0, -2.0, 0.0,
                                   -0.1, 0.04, 0.08, "inconclusive"};
  return {e, s, c};
}

TEST_F(StudyStore, SameDefinitionIsTheSameExperimentAndAnotherIsNew) {
  auto store = ResultStore::open(dir_ / "r.db");
  auto variants = two_variants();
  const auto a = store.ensure_experiment(experiment_def("def-A"), variants, 0);
  EXPECT_GT(a.experiment_id, 0);
  ASSERT_EQ(variants.size(), 2u);
  EXPECT_NE(variants[0].variant_id, variants[1].variant_id);
  EXPECT_EQ(a.baseline_variant_id, variants[0].variant_id);
  EXPECT_EQ(a.seeds, "1,2,3");
  EXPECT_EQ(a.base_overrides, std::vector<std::string>{"run.days=0.02"});

  auto again = two_variants();
  auto def = experiment_def("def-A");
  def.seeds = "1,2,3,4,5";  // more seeds extend the same experiment
  const auto b = store.ensure_experiment(def, again, 0);
  EXPECT_EQ(b.experiment_id, a.experiment_id);
  EXPECT_EQ(again[1].variant_id, variants[1].variant_id);
  EXPECT_EQ(b.seeds, "1,2,3,4,5");

  auto other = two_variants();
  const auto c = store.ensure_experiment(experiment_def("def-B"), other, -1);
  EXPECT_NE(c.experiment_id, a.experiment_id);
  EXPECT_EQ(c.baseline_variant_id, 0);

  const auto read = store.read_variants(a.experiment_id);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[1].name, "high_reserve");
  ASSERT_EQ(read[1].parameters.size(), 2u);
  EXPECT_EQ(read[1].parameters[0].key, "auction.reserve");
  EXPECT_EQ(read[1].parameters[0].value, "0.6");
  EXPECT_EQ(read[1].parameters[1].value, "\"vcg\"");
  EXPECT_EQ(store.read_experiments().size(), 2u);
}

TEST_F(StudyStore, RunRecordedInMemoryMergesIntoTheFileAsTheSameRowsUnderItsPlaceholder) {
  const auto scenario = tiny(4);
  // The reference: the run recorded straight into a file.
  auto direct = ResultStore::open(dir_ / "direct.db");
  const auto direct_id = record(direct, scenario);

  auto file = ResultStore::open(dir_ / "study.db");
  auto variants = two_variants();
  const auto e = file.ensure_experiment(experiment_def("def"), variants, 0);
  const store::RunLink link{e.experiment_id, variants[1].variant_id, 3};
  auto placeholder = file.begin_run(scenario, scenario.run.seed, {}, link);
  const auto placeholder_id = placeholder->run_id();
  EXPECT_EQ(file.read_run(placeholder_id)->status, RunStatus::kRunning);

  auto memory = ResultStore::open_in_memory();
  const auto memory_id = record(memory, scenario);
  memory.write_run_metrics(memory_id, {{0, "revenue", 12.5}, {0, "auc", std::nan("")}});
  const auto merged = file.merge_run_image(memory.image(), placeholder_id, link);
  EXPECT_EQ(merged, placeholder_id);

  const auto runs = file.read_experiment_runs(e.experiment_id);
  ASSERT_EQ(runs.size(), 1u);  // the placeholder was replaced, not kept beside the run
  EXPECT_EQ(runs[0].run_id, placeholder_id);
  EXPECT_EQ(runs[0].status, RunStatus::kCompleted);
  EXPECT_EQ(runs[0].variant_id, variants[1].variant_id);
  EXPECT_EQ(runs[0].replication, 3);
  // Every table's rows equal the directly recorded run's, but for the metrics the study added.
  std::string dump = file.dump_run_rows(merged);
  const std::string metrics = "[run_metrics]\nmetric=\"auc\" value=NULL\nmetric=\"revenue\" value=12.5\n";
  ASSERT_NE(dump.find(metrics), std::string::npos) << dump.substr(dump.size() - 300);
  dump.replace(dump.find(metrics), metrics.size(), "[run_metrics]\n");
  EXPECT_EQ(dump, direct.dump_run_rows(direct_id));
  EXPECT_GT(count(dir_ / "study.db", "SELECT count(*) FROM auction_candidates"), 0);
  EXPECT_EQ(count(dir_ / "study.db", "SELECT count(*) FROM experiment_run_metrics WHERE metric = 'revenue'"), 1);
  // The placeholder's recorder must not end the merged run: it is abandoned, and the run was merged.
  placeholder.reset();
}

TEST_F(StudyStore, ACellCompletesOnceEvenWhenTwoWorkersFinishIt) {
  const auto scenario = tiny(2);
  auto file = ResultStore::open(dir_ / "study.db");
  auto variants = two_variants();
  const auto e = file.ensure_experiment(experiment_def("def"), variants, 0);
  const store::RunLink link{e.experiment_id, variants[0].variant_id, 1};
  auto memory = ResultStore::open_in_memory();
  record(memory, scenario);
  const auto image = memory.image();
  std::vector<std::int64_t> placeholders;
  for (int i = 0; i < 2; ++i) {
    auto recorder = file.begin_run(scenario, scenario.run.seed, {}, link);
    placeholders.push_back(recorder->run_id());
    recorder->mark_failed("handed to a worker");  // ends the recorder without touching the cell
  }
  // mark_failed left the rows 'failed'; a worker's placeholder is 'running'. Put them back.
  {
    SQLite::Database d(dir_ / "study.db", SQLite::OPEN_READWRITE);
    d.exec("UPDATE runs SET status = 'running'");
  }
  EXPECT_EQ(file.merge_run_image(image, placeholders[0], link), placeholders[0]);
  EXPECT_EQ(file.merge_run_image(image, placeholders[1], link), 0);  // discarded: done already
  EXPECT_EQ(count(dir_ / "study.db", "SELECT count(*) FROM runs WHERE status = 'completed'"), 1);
  EXPECT_EQ(count(dir_ / "study.db", "SELECT count(*) FROM runs"), 1);  // the second placeholder is gone
}

TEST_F(StudyStore, DeleteRunRemovesEveryRowOfItAndOnlyOfIt) {
  auto file = ResultStore::open(dir_ / "r.db");
  const auto a = record(file, tiny(1));
  const auto b = record(file, tiny(2));
  file.write_run_metrics(a, {{0, "revenue", 1.0}});
  const std::string b_before = file.dump_run_rows(b);
  file.delete_run(a);
  EXPECT_FALSE(file.read_run(a).has_value());
  std::string empty_dump = file.dump_run_rows(a);
  for (auto at = empty_dump.find('\n'); at != std::string::npos; at = empty_dump.find('\n', at + 1))
    EXPECT_EQ(empty_dump[at - 1], ']') << empty_dump;  // only table headers are left
  EXPECT_EQ(file.dump_run_rows(b), b_before);
}

TEST_F(StudyStore, AFailedResultsWriteKeepsThePreviousResults) {
  auto file = ResultStore::open(dir_ / "r.db");
  auto [e, s, c] = one_result_of_each(file);
  file.write_experiment_results(e.experiment_id, {s}, {c});
  // A write that fails half-way (a duplicate key) leaves the previous results as they were.
  s.mean = 99.0;
  EXPECT_THROW(file.write_experiment_results(e.experiment_id, {s, s}, {c}), ResultStoreError);
  const auto summary = file.read_experiment_summary(e.experiment_id);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].mean, 10.0);
}

TEST_F(StudyStore, ExperimentResultsRoundTrip) {
  auto file = ResultStore::open(dir_ / "r.db");
  auto [e, s, c] = one_result_of_each(file);
  file.write_experiment_results(e.experiment_id, {s}, {c});
  s.mean = 11.0;
  file.write_experiment_results(e.experiment_id, {s}, {c});  // replaces, does not add
  const auto summary = file.read_experiment_summary(e.experiment_id);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].mean, 11.0);
  EXPECT_EQ(summary[0].mark, "best");
  EXPECT_EQ(summary[0].experiment_id, e.experiment_id);
  const auto comparisons = file.read_experiment_comparisons(e.experiment_id);
  ASSERT_EQ(comparisons.size(), 1u);
  EXPECT_EQ(comparisons[0].p_holm, 0.08);
  EXPECT_EQ(comparisons[0].verdict, "inconclusive");
  EXPECT_EQ(comparisons[0].ci_high, 0.0);
}

// A reader holding a transaction open (sqlite3, a report, pandas) must not make a running
// simulation fail with "database is locked": write-ahead logging lets both proceed.
TEST_F(StudyStore, AReaderHoldingATransactionDoesNotBlockARun) {
  const auto path = dir_ / "r.db";
  auto file = ResultStore::open(path);
  record(file, tiny(1));
  SQLite::Database reader(path, SQLite::OPEN_READONLY);
  reader.exec("BEGIN");
  EXPECT_EQ(reader.execAndGet("SELECT count(*) FROM runs").getInt(), 1);
  record(file, tiny(2));  // would wait 60 s and fail in rollback-journal mode
  EXPECT_EQ(reader.execAndGet("SELECT count(*) FROM runs").getInt(), 1);  // its snapshot
  reader.exec("COMMIT");
  EXPECT_EQ(reader.execAndGet("SELECT count(*) FROM runs").getInt(), 2);
  EXPECT_EQ(reader.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

// Two processes that open one new results file at the same moment both succeed and both record
// their run. Each try forks two children that wait on one pipe and are released together.
TEST_F(StudyStore, TwoProcessesCreatingOneNewDatabaseAtOnceBothSucceed) {
  constexpr int kTries = 60;
  for (int attempt = 0; attempt < kTries; ++attempt) {
    const auto path = dir_ / ("new_" + std::to_string(attempt) + ".db");
    int gate[2];
    ASSERT_EQ(::pipe(gate), 0);
    pid_t children[2];
    for (pid_t& child : children) {
      child = ::fork();
      ASSERT_GE(child, 0);
      if (child == 0) {
        ::close(gate[1]);
        char byte;
        (void)!::read(gate[0], &byte, 1);  // returns 0 when the parent closes the pipe
        try {
          auto store = ResultStore::open(path);
          scenarios::Scenario s;
          s.name = "race";
          auto recorder = store.begin_run(s, 1);
          recorder->mark_failed("not a real run");
          std::_Exit(0);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "child failed: %s\n", e.what());
          std::_Exit(1);
        }
      }
    }
    ::close(gate[0]);
    ::close(gate[1]);  // release both
    for (pid_t child : children) {
      int status = 0;
      ASSERT_EQ(::waitpid(child, &status, 0), child);
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "attempt " << attempt;
    }
    EXPECT_EQ(count(path, "SELECT count(*) FROM runs"), 2) << "attempt " << attempt;
  }
}

}  // namespace

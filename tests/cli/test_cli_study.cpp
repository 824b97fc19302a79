// adsim sweep / compare / export as a user runs them: what they print, what they record, what
// they refuse, how they stop and resume, and the same study under mpirun.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/cli_app.hpp"
#include "tests/cli/cli_run.hpp"
#include "experiments/mpi_runner.hpp"
#include "store/result_store.hpp"

namespace adsim::cli {
namespace {

namespace fs = std::filesystem;

using test_support::read_file;
using test_support::Result;
using test_support::run;

std::int64_t query(const fs::path& db, const std::string& sql) {
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  return d.execAndGet(sql).getInt64();
}

const std::string kQuickstart = std::string(ADSIM_SOURCE_DIR) + "/scenarios/quickstart.toml";

class CliStudy : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("adsim_cli_study_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // quickstart at a tenth of a day: about 30 ms a run.
  std::vector<std::string> sweep(std::vector<std::string> extra) const {
    std::vector<std::string> a = {"sweep", kQuickstart, "--set", "run.days=0.1", "--quiet", "--jobs", "2"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  std::vector<std::string> compare(std::vector<std::string> extra) const {
    std::vector<std::string> a = {"compare", kQuickstart, "--set", "run.days=0.1", "--quiet", "--jobs", "2"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  fs::path dir_;
};

TEST_F(CliStudy, SweepPrintsEachVariantAndRecordsTheStudyForGroupBy) {
  const auto db = dir_ / "s.db";
  const Result r = run(sweep({"--vary", "auction.reserve=0.05,0.3", "--seeds", "3", "--db", db.string()}));
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("2 variants x 3 seeds (1-3)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reserve=0.3"), std::string::npos);
  EXPECT_NE(r.out.find("95% CI"), std::string::npos);
  EXPECT_EQ(r.out.find("Against the baseline"), std::string::npos);  // a sweep of factors has none
  EXPECT_NE(r.err.find("(experiment 1)"), std::string::npos);
  EXPECT_EQ(query(db, "SELECT count(*) FROM runs WHERE experiment_id = 1 AND status = 'completed'"), 6);
  EXPECT_EQ(query(db, "SELECT count(*) FROM variants WHERE experiment_id = 1"), 2);
  EXPECT_EQ(query(db, "SELECT count(*) FROM variant_parameters WHERE key = 'auction.reserve'"), 2);
  // A plain GROUP BY, no string parsing: three seeds per variant.
  EXPECT_EQ(query(db, "SELECT min(n) FROM (SELECT count(*) AS n FROM experiment_run_metrics WHERE metric = 'revenue' "
                      "GROUP BY variant_id)"),
            3);
  EXPECT_EQ(query(db, "SELECT count(*) FROM experiment_summary WHERE metric = 'revenue' AND n = 3"), 2);
  // Runs do not mix the seed into their overrides: run.days and the variant's setting only.
  SQLite::Database d(db, SQLite::OPEN_READONLY);
  EXPECT_EQ(d.execAndGet("SELECT overrides FROM runs WHERE run_id = 2").getString(),
            "[\"run.days=0.1\",\"auction.reserve=0.3\"]");
  // The sampled auctions and the per-campaign spend curves are not stored by a study unless asked;
  // the campaign totals are.
  EXPECT_EQ(query(db, "SELECT count(*) FROM auction_candidates"), 0);
  EXPECT_EQ(query(db, "SELECT count(*) FROM campaign_spend"), 0);
  EXPECT_EQ(query(db, "SELECT count(*) FROM campaign_totals"), 6 * 150);
}

TEST_F(CliStudy, AuctionLogAndSpendCurvesAreStoredWhenAsked) {
  const auto db = dir_ / "s.db";
  const Result r = run(sweep({"--vary", "auction.reserve=0.05", "--seeds", "1", "--db", db.string(), "--auction-log",
                              "--spend-curves"}));
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_GT(query(db, "SELECT count(*) FROM auction_candidates"), 0);
  EXPECT_GT(query(db, "SELECT count(*) FROM campaign_spend"), 0);
  // The same rows as a single run of the same scenario and seed records.
  const auto single = dir_ / "single.db";
  ASSERT_EQ(run({"run", kQuickstart, "--quiet", "--set", "run.days=0.1", "--set", "auction.reserve=0.05", "--seed", "1",
                 "--db", single.string()})
                .code,
            kExitOk);
  auto study = store::ResultStore::open(db, store::ResultStore::Mode::kReadOnly);
  auto one = store::ResultStore::open(single, store::ResultStore::Mode::kReadOnly);
  std::string a = study.dump_run_rows(1), b = one.dump_run_rows(1);
  // Only the overrides differ (adsim run records its --seed as run.seed=1), and the study's metrics.
  a.erase(a.find("[run_metrics]"));
  b.erase(b.find("[run_metrics]"));
  const auto overrides = [](std::string& d) { d.erase(d.find(" overrides="), d.find(" status=") - d.find(" overrides=")); };
  overrides(a);
  overrides(b);
  EXPECT_EQ(a, b);
}

TEST_F(CliStudy, JsonMeansAreTheMeansOfTheRecordedRuns) {
  const auto db = dir_ / "s.db";
  const Result r = run(sweep({"--vary", "auction.slots=2,4", "--seeds", "4", "--db", db.string(), "--json"}));
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["experiment"]["seeds"].size(), 4u);
  EXPECT_EQ(j["invocation"]["ran"], 8);
  const auto& metrics = j["metrics"];
  const auto revenue = std::find_if(metrics.begin(), metrics.end(), [](const auto& m) { return m["name"] == "revenue"; });
  ASSERT_NE(revenue, metrics.end());
  for (const auto& v : (*revenue)["variants"]) {
    // Independent of the study code: the average of the runs' own revenue column.
    SQLite::Database d(db, SQLite::OPEN_READONLY);
    SQLite::Statement q(d, "SELECT avg(r.revenue_micros) / 1e6 FROM runs r JOIN variants v USING (variant_id) "
                           "WHERE v.name = ?");
    q.bind(1, v["variant"].get<std::string>());
    ASSERT_TRUE(q.executeStep());
    EXPECT_NEAR(v["mean"].get<double>(), q.getColumn(0).getDouble(), 1e-9);
    EXPECT_EQ(v["n"], 4);
    EXPECT_LT(v["ci_low"].get<double>(), v["mean"].get<double>());
    EXPECT_GT(v["ci_high"].get<double>(), v["mean"].get<double>());
  }
}

TEST_F(CliStudy, CompareShowsPairedDifferencesWithHolm) {
  const Result r = run(compare({"--variant", "vcg:auction.mechanism=vcg", "--variant", "high:auction.reserve=0.4",
                                "--seeds", "4", "--metrics", "revenue,hide_rate"}));
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("Against the baseline 'baseline'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("p(Holm)"), std::string::npos);
  EXPECT_EQ(r.out.find("efficiency"), std::string::npos);  // --metrics shows only those asked for
  EXPECT_NE(r.err.find("not saved"), std::string::npos);    // no --db
}

TEST_F(CliStudy, RunningAStudyAgainRunsNothingAndMoreSeedsExtendIt) {
  const auto db = dir_ / "s.db";
  const auto args = sweep({"--vary", "auction.reserve=0.05,0.3", "--seeds", "2", "--db", db.string()});
  ASSERT_EQ(run(args).code, kExitOk);
  const Result again = run(args);
  ASSERT_EQ(again.code, kExitOk) << again.err;
  EXPECT_NE(again.out.find("ran 0 runs"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("4 already done"), std::string::npos) << again.out;
  const Result more = run(sweep({"--vary", "auction.reserve=0.05,0.3", "--seeds", "3", "--db", db.string()}));
  ASSERT_EQ(more.code, kExitOk) << more.err;
  EXPECT_NE(more.out.find("ran 2 runs"), std::string::npos) << more.out;
  EXPECT_EQ(query(db, "SELECT count(*) FROM experiments"), 1);
  EXPECT_EQ(query(db, "SELECT count(*) FROM runs"), 6);
  EXPECT_EQ(query(db, "SELECT seeds = '1,2,3' FROM experiments"), 1);
}

TEST_F(CliStudy, BadInputIsRefusedBeforeAnythingIsWritten) {
  const auto db = dir_ / "s.db";
  const auto plain = dir_ / "plain.toml";  // a scenario with no [experiment] table
  std::ofstream(plain) << "name = \"plain\"\n[world]\nusers = 100\n";
  const std::vector<std::vector<std::string>> bad = {
      sweep({"--vary", "auction.reserve=0.05,-1", "--db", db.string()}),
      sweep({"--vary", "auction.reserv=0.05", "--db", db.string()}),
      sweep({"--vary", "auction.reserve=0.1", "--seeds", "5-1", "--db", db.string()}),
      sweep({"--vary", "auction.reserve=0.1", "--jobs", "0", "--db", db.string()}),
      sweep({"--vary", "auction.reserve=0.1", "--metrics", "revnue", "--db", db.string()}),
      sweep({"--variant", "a:auction.reserve=0.1", "--db", db.string()}),
      compare({"--vary", "auction.reserve=0.1", "--db", db.string()}),
      compare({"--variant", "a", "--db", db.string()}),
      {"sweep", plain.string(), "--db", db.string()},  // no [experiment], no --vary
      {"sweep", "no_such_scenario", "--vary", "auction.reserve=0.1", "--db", db.string()},
      sweep({"--vary", "auction.reserve=0.1", "--db", (dir_ / "missing" / "s.db").string()}),
  };
  for (const auto& args : bad) {
    const Result r = run(args);
    EXPECT_EQ(r.code, kExitBadInput) << args[3] << " " << args.back() << "\n" << r.err;
    EXPECT_FALSE(r.err.empty());
    EXPECT_FALSE(fs::exists(db)) << r.err;
  }
  for (const auto& more : std::vector<std::vector<std::string>>{
           {"--vary", "auction.reserve=0.1", "--jobs", "-1"},         // read as 4294967295 if unsigned
           {"--vary", "auction.reserve=0.1", "--jobs", "5000"},
           {"--vary", "auction.reserve=0.1", "--set", "run.seed=99"},  // the seeds are the study's
           {"--vary", "auction.reserve=0.1,0.2", "--seeds", "1-600000"}}) {  // 1.2 million runs
    auto args = sweep(more);
    args.insert(args.end(), {"--db", db.string()});
    const Result r = run(args);
    EXPECT_EQ(r.code, kExitBadInput) << more[3] << "\n" << r.err;
    EXPECT_FALSE(fs::exists(db)) << r.err;
  }
  const Result typo = run(sweep({"--vary", "auction.reserve=0.05,-1"}));
  EXPECT_NE(typo.err.find("--vary:1:22: auction.reserve: out of range"), std::string::npos) << typo.err;
  const Result metric = run(sweep({"--vary", "auction.reserve=0.1", "--metrics", "revnue"}));
  EXPECT_NE(metric.err.find("did you mean 'revenue'"), std::string::npos) << metric.err;
  // An existing file is left byte for byte as it was.
  ASSERT_EQ(run(sweep({"--vary", "auction.reserve=0.1", "--seeds", "1", "--db", db.string()})).code, kExitOk);
  const std::string before = read_file(db);
  EXPECT_EQ(run(sweep({"--vary", "auction.reserve=0.1,-5", "--db", db.string()})).code, kExitBadInput);
  EXPECT_EQ(read_file(db), before);
}

TEST_F(CliStudy, MetricNamesMayHaveSpacesAfterCommas) {
  const Result r = run(sweep({"--vary", "auction.reserve=0.05", "--seeds", "1", "--metrics", "revenue, hide_rate"}));
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("hide rate"), std::string::npos);
}

// The stored summary covers the seeds of the latest command, also when that is one seed.
TEST_F(CliStudy, ExportedSummaryCoversTheLatestCommandsSeeds) {
  const auto db = dir_ / "s.db";
  ASSERT_EQ(run(compare({"--variant", "v:auction.reserve=0.3", "--seeds", "2-3", "--db", db.string()})).code, kExitOk);
  ASSERT_EQ(run(compare({"--variant", "v:auction.reserve=0.3", "--seeds", "5-5", "--db", db.string()})).code, kExitOk);
  const Result summary = run({"export", db.string(), "--csv", "--table", "summary"});
  ASSERT_EQ(summary.code, kExitOk) << summary.err;
  EXPECT_NE(summary.out.find(",revenue,currency units,higher,1,"), std::string::npos) << summary.out.substr(0, 300);
  EXPECT_EQ(summary.out.find(",revenue,currency units,higher,3,"), std::string::npos);
}

// Editing the file's [experiment] seeds extends the same study, as --seeds does.
TEST_F(CliStudy, MoreSeedsInTheFileExtendTheSameStudy) {
  const auto file = dir_ / "study.toml";
  const auto db = dir_ / "s.db";
  const std::string head = "name = \"s\"\n[world]\nusers = 300\n[run]\ndays = 0.02\n[experiment]\n";
  const std::string factor = "[[experiment.factor]]\nkey = \"auction.reserve\"\nvalues = [0.05, 0.3]\n";
  std::ofstream(file) << head << "seeds = 2\n" << factor;
  ASSERT_EQ(run({"sweep", file.string(), "--quiet", "--db", db.string()}).code, kExitOk);
  std::ofstream(file) << "# a comment\n" << head << "seeds = 3\nname = \"renamed\"\n" << factor;
  const Result more = run({"sweep", file.string(), "--quiet", "--db", db.string()});
  ASSERT_EQ(more.code, kExitOk) << more.err;
  EXPECT_NE(more.out.find("ran 2 runs"), std::string::npos) << more.out;
  EXPECT_EQ(query(db, "SELECT count(*) FROM experiments"), 1);
  // Changing the scenario itself is another study.
  std::ofstream(file) << head << "seeds = 3\n" << factor << "[auction]\nslots = 3\n";
  ASSERT_EQ(run({"sweep", file.string(), "--quiet", "--db", db.string()}).code, kExitOk);
  EXPECT_EQ(query(db, "SELECT count(*) FROM experiments"), 2);
}

TEST_F(CliStudy, ProgressIsWholeLinesWhenStderrIsNotATerminal) {
  std::vector<std::string> args = {"sweep", kQuickstart, "--set", "run.days=0.1", "--jobs", "2",
                                   "--vary", "auction.reserve=0.05,0.3", "--seeds", "2"};
  const Result r = run(args);
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos);
  EXPECT_NE(r.err.find("[adsim] 4/4 runs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("runs/min"), std::string::npos);
  // --json keeps stdout a single JSON document and still reports progress on stderr.
  args.push_back("--json");
  const Result j = run(args);
  EXPECT_TRUE(nlohmann::json::accept(j.out)) << j.out.substr(0, 200);
  EXPECT_NE(j.err.find("[adsim] 4/4 runs"), std::string::npos) << j.err;
}

// Ctrl-C (the stop flag the signal handler sets) stops dispatching; runs in flight end as
// interrupted; the command exits 130 and the same command finishes the study.
TEST_F(CliStudy, InterruptedStudyExits130AndResumes) {
  const auto db = dir_ / "s.db";
  const std::vector<std::string> args = {"sweep", kQuickstart, "--quiet", "--jobs", "1", "--vary",
                                         "auction.reserve=0.05,0.3", "--seeds", "4", "--db", db.string()};
  std::atomic<bool> stop{false};
  std::atomic<bool> done{false};
  std::thread watcher([&] {  // waits for the first stored run, then presses Ctrl-C
    while (!done.load()) {
      try {
        if (fs::exists(db) && query(db, "SELECT count(*) FROM runs WHERE status = 'completed'") >= 1) {
          stop.store(true);
          return;
        }
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  const Result first = run(args, &stop);
  done.store(true);
  watcher.join();
  ASSERT_EQ(first.code, kExitInterrupted) << first.err;
  EXPECT_NE(first.err.find("run the same command to resume"), std::string::npos) << first.err;
  const auto completed = query(db, "SELECT count(*) FROM runs WHERE status = 'completed'");
  EXPECT_GE(completed, 1);
  EXPECT_LT(completed, 8);
  const Result second = run(args);
  ASSERT_EQ(second.code, kExitOk) << second.err;
  EXPECT_EQ(query(db, "SELECT count(*) FROM runs WHERE status = 'completed'"), 8);
  EXPECT_EQ(query(db, "SELECT count(*) FROM runs"), 8);  // the interrupted one was replaced
  EXPECT_EQ(query(db, "SELECT count(DISTINCT variant_id || '-' || seed) FROM runs"), 8);
}

TEST_F(CliStudy, ExportWritesRunsSummaryAndComparisonsAsCsv) {
  const auto db = dir_ / "s.db";
  ASSERT_EQ(run(compare({"--variant", "high:auction.reserve=0.3", "--seeds", "3", "--db", db.string()})).code, kExitOk);
  const Result runs = run({"export", db.string(), "--csv"});
  ASSERT_EQ(runs.code, kExitOk) << runs.err;
  std::istringstream lines(runs.out);
  std::string header;
  std::getline(lines, header);
  EXPECT_EQ(header.rfind("experiment_id,run_id,variant_id,variant,replication,seed,status,auction.reserve,revenue,", 0), 0u)
      << header;
  EXPECT_EQ(std::count(runs.out.begin(), runs.out.end(), '\n'), 7);  // header + 6 runs
  EXPECT_NE(runs.out.find(",high,"), std::string::npos);
  EXPECT_NE(runs.out.find(",0.3,"), std::string::npos);

  const auto file = dir_ / "summary.csv";
  ASSERT_EQ(run({"export", db.string(), "--experiment", "1", "--csv", "--table", "summary", "-o", file.string()}).code, kExitOk);
  const std::string summary = read_file(file);
  EXPECT_EQ(summary.rfind("experiment_id,variant_id,variant,metric,unit,better,n,mean,sd,ci_low,ci_high,mark\n", 0), 0u);
  EXPECT_NE(summary.find(",revenue,currency units,higher,3,"), std::string::npos) << summary.substr(0, 400);
  const Result comparisons = run({"export", db.string(), "--csv", "--table", "comparisons"});
  EXPECT_NE(comparisons.out.find(",high,baseline,revenue,"), std::string::npos) << comparisons.out.substr(0, 400);
  const Result list = run({"export", db.string(), "--list"});
  EXPECT_NE(list.out.find("compare"), std::string::npos) << list.out;

  EXPECT_EQ(run({"export", db.string(), "--csv", "--experiment", "7"}).code, kExitBadInput);
  EXPECT_EQ(run({"export", db.string(), "--csv", "--table", "nope"}).code, kExitBadInput);
  EXPECT_EQ(run({"export", db.string()}).code, kExitBadInput);
  EXPECT_EQ(run({"export", (dir_ / "none.db").string(), "--csv"}).code, kExitBadInput);
  EXPECT_EQ(run({"export", db.string(), "--csv", "-o", (dir_ / "no" / "such" / "dir.csv").string()}).code, kExitBadInput);
}

// The bundled quickstart carries a study: adsim sweep runs it as written in the file.
TEST_F(CliStudy, TheBundledStudyRunsFromItsScenarioFile) {
  const Result r = run({"sweep", "quickstart", "--seeds", "2", "--set", "run.days=0.05", "--quiet", "--metrics", "revenue"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("Study 'auction mechanisms'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 variants x 2 seeds"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("first_price"), std::string::npos);
  EXPECT_NE(r.out.find("Against the baseline 'baseline'"), std::string::npos);
  const Result check = run({"check", "quickstart"});
  EXPECT_NE(check.out.find("[experiment]: 3 variants x 10 seeds"), std::string::npos) << check.out;
}

TEST_F(CliStudy, CheckExpandsTheExperimentTable) {
  const auto file = dir_ / "study.toml";
  std::ofstream(file) << "name = \"s\"\n[world]\nusers = 300\n[experiment]\nseeds = 3\n[[experiment.factor]]\n"
                         "key = \"auction.reserve\"\nvalues = [0.05, 0.3]\n[[experiment.variant]]\nname = \"vcg\"\n"
                         "auction.mechanism = \"vcg\"\n";
  const Result ok = run({"check", file.string()});
  ASSERT_EQ(ok.code, kExitOk) << ok.err;
  EXPECT_NE(ok.out.find("[experiment]: 4 variants x 3 seeds"), std::string::npos) << ok.out;
  std::ofstream(file, std::ios::app) << "auction.slots = 9\n";
  const Result bad = run({"check", file.string()});
  EXPECT_EQ(bad.code, kExitBadInput);
  EXPECT_NE(bad.err.find("study.toml:12:"), std::string::npos) << bad.err;
}

// --- MPI: the same study under mpirun, when this build has MPI and mpirun is installed.

bool have_mpirun() { return experiments::built_with_mpi() && std::system("command -v mpirun > /dev/null 2>&1") == 0; }

std::string adsim_binary() { return std::string(ADSIM_BINARY_DIR) + "/cli/adsim"; }

// Runs `mpirun ... adsim ARGS` and returns its exit status.
int mpirun(const std::string& mpi_flags, const std::string& args) {
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);  // CI runs as root
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  // In the sanitizer build, LeakSanitizer finds blocks that Open MPI's own plug-ins leave at exit
  // (outside adsim, in modules already unloaded, so no suppression can name them) and fails the
  // ranks; adsim's code is leak-checked by the in-process tests.
  ::setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
  // timeout: a hung MPI job fails the test in two minutes instead of holding CI for ten.
  const std::string command = "timeout -k 5 120 mpirun --oversubscribe " + mpi_flags + " " + adsim_binary() + " " + args;
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::map<std::pair<std::string, std::uint64_t>, std::string> cell_dumps(const fs::path& db) {
  auto results = store::ResultStore::open(db, store::ResultStore::Mode::kReadOnly);
  std::map<std::int64_t, std::string> names;
  for (const auto& v : results.read_variants(1)) names[v.variant_id] = v.name;
  std::map<std::pair<std::string, std::uint64_t>, std::string> out;
  for (const auto& r : results.read_experiment_runs(1))
    if (r.status == store::RunStatus::kCompleted) out[{names[r.variant_id], r.seed}] = results.dump_run_rows(r.run_id);
  return out;
}

TEST_F(CliStudy, UnderMpirunTheDatabaseIsTheSameAsWithThreads) {
  if (!have_mpirun()) GTEST_SKIP() << "no MPI in this build or no mpirun";
  const std::string study = kQuickstart + " --set run.days=0.1 --quiet --vary auction.reserve=0.05,0.3 --seeds 3";
  const auto mpi_db = dir_ / "mpi.db", threads_db = dir_ / "threads.db";
  ASSERT_EQ(mpirun("-np 3", "sweep " + study + " --db " + mpi_db.string() + " > " + (dir_ / "mpi.out").string()), 0);
  ASSERT_EQ(run(sweep({"--vary", "auction.reserve=0.05,0.3", "--seeds", "3", "--db", threads_db.string()})).code, kExitOk);
  const auto mpi = cell_dumps(mpi_db);
  EXPECT_EQ(mpi.size(), 6u);
  EXPECT_EQ(mpi, cell_dumps(threads_db));
  EXPECT_NE(read_file(dir_ / "mpi.out").find("on 2 MPI worker ranks"), std::string::npos) << read_file(dir_ / "mpi.out");
}

// Only cell numbers travel to the ranks: ranks that planned another study (here, another scenario
// file for ranks 1-2) are refused before anything runs or is written.
TEST_F(CliStudy, UnderMpirunRanksThatPlannedAnotherStudyAreRefused) {
  if (!have_mpirun()) GTEST_SKIP() << "no MPI in this build or no mpirun";
  const auto a = dir_ / "a.toml", b = dir_ / "b.toml", db = dir_ / "mpi.db";
  std::ofstream(a) << "name = \"s\"\n[world]\nusers = 300\n[run]\ndays = 0.02\n";
  std::ofstream(b) << "name = \"s\"\n[world]\nusers = 301\n[run]\ndays = 0.02\n";
  const std::string rest = " --quiet --vary auction.reserve=0.05,0.3 --seeds 2 --db " + db.string();
  const int status = mpirun("-np 1 " + adsim_binary() + " sweep " + a.string() + rest + " : -np 2",
                            "sweep " + b.string() + rest + " 2> " + (dir_ / "err.txt").string());
  EXPECT_EQ(status, kExitBadInput);
  EXPECT_NE(read_file(dir_ / "err.txt").find("do not agree on the study"), std::string::npos) << read_file(dir_ / "err.txt");
  EXPECT_FALSE(fs::exists(db));
}

// A worker rank killed mid-study costs only its run in flight, which another rank runs again
// (mpirun --enable-recovery keeps the job alive; --rank-timeout says when a silent rank is dead).
TEST_F(CliStudy, UnderMpirunALostRankOnlyCostsItsRunInFlight) {
  if (!have_mpirun()) GTEST_SKIP() << "no MPI in this build or no mpirun";
  const auto db = dir_ / "mpi.db";
  const std::string marker = "adsim_test_" + std::to_string(::getpid());
  ::setenv("ADSIM_TEST_MARKER", marker.c_str(), 1);  // ranks inherit it: how this test finds them
  const pid_t launcher = ::fork();
  ASSERT_GE(launcher, 0);
  if (launcher == 0) {
    std::_Exit(mpirun("--enable-recovery -np 3",
                      "sweep " + kQuickstart + " --set run.days=0.25 --quiet --rank-timeout 2 --vary "
                      "auction.reserve=0.05,0.3 --seeds 6 --db " + db.string() + " > /dev/null 2>&1"));
  }
  ::unsetenv("ADSIM_TEST_MARKER");
  // Find rank 2 by its environment, once the study has stored a run (so rank 2 is at work).
  pid_t rank2 = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (rank2 == 0 && std::chrono::steady_clock::now() < deadline) {
    std::int64_t completed = 0;
    try {
      if (fs::exists(db)) completed = query(db, "SELECT count(*) FROM runs WHERE status = 'completed'");
    } catch (const std::exception&) {
    }
    if (completed >= 1) {
      for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string env = read_file(entry.path() / "environ");
        if (env.find("ADSIM_TEST_MARKER=" + marker) != std::string::npos &&
            env.find(std::string("OMPI_COMM_WORLD_RANK=2") + '\0') != std::string::npos) {
          rank2 = static_cast<pid_t>(std::stol(entry.path().filename().string()));
          break;
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_NE(rank2, 0) << "rank 2 not found";
  ::kill(rank2, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(launcher, &status, 0), launcher);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "mpirun status " << status;
  EXPECT_EQ(query(db, "SELECT count(*) FROM runs WHERE status = 'completed'"), 12);
  EXPECT_EQ(query(db, "SELECT count(*) FROM runs"), 12);
}

}  // namespace
}  // namespace adsim::cli

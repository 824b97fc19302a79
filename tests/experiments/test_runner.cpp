// Running studies: the same results whatever the number of threads, resuming after a stop or a
// kill -9 with every cell exactly once, and statistics that find what is there and nothing else.
#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <thread>

#include "experiments/analysis.hpp"
#include "experiments/metrics.hpp"
#include "experiments/runner.hpp"
#include "experiments/study.hpp"
#include "scenarios/scenario_loader.hpp"

namespace adsim::experiments {
namespace {

namespace fs = std::filesystem;

class StudyRunner : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("adsim_study_runner_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

// A marketplace that runs in a few milliseconds.
scenarios::Scenario tiny(const std::string& extra = "") {
  return scenarios::parse_scenario(R"(name = "tiny"
[world]
users = 400
advertisers = 4
campaigns = 8
ads = 30
[traffic]
sessions_per_day = 4000
[run]
days = 0.03
snapshot_minutes = 10
auction_log_rate = 0.05
)" + extra,
                                   "tiny.toml");
}

Study sweep(const std::vector<std::string>& vary, const std::string& seeds, const scenarios::Scenario& base = tiny()) {
  StudyArgs a;
  a.vary = vary;
  a.seeds = seeds;
  return make_study(StudyKind::kSweep, base, a);
}

Study compare(const std::vector<std::string>& variants, const std::string& seeds) {
  StudyArgs a;
  a.variants = variants;
  a.seeds = seeds;
  return make_study(StudyKind::kCompare, tiny(), a);
}

StudyRun run(const Study& study, store::ResultStore& results, std::size_t jobs, const StudyRunOptions& options = {}) {
  auto executor = make_thread_executor(study, jobs, options.stop);
  return run_study(study, results, *executor, options);
}

// (variant name, seed) -> the run's rows, for every completed run of the experiment.
std::map<std::pair<std::string, std::uint64_t>, std::string> dumps(const store::ResultStore& results, std::int64_t experiment) {
  std::map<std::int64_t, std::string> variant_name;
  for (const auto& v : results.read_variants(experiment)) variant_name[v.variant_id] = v.name;
  std::map<std::pair<std::string, std::uint64_t>, std::string> out;
  for (const auto& r : results.read_experiment_runs(experiment)) {
    if (r.status != store::RunStatus::kCompleted) continue;
    const auto key = std::make_pair(variant_name.at(r.variant_id), r.seed);
    EXPECT_EQ(out.count(key), 0u) << "cell run twice: " << key.first << " seed " << key.second;
    out[key] = results.dump_run_rows(r.run_id);
  }
  return out;
}

// Every cell of the study has exactly one run, completed, and nothing else is in the experiment.
void expect_each_cell_once(const store::ResultStore& results, std::int64_t experiment, const Study& study) {
  const auto runs = results.read_experiment_runs(experiment);
  EXPECT_EQ(runs.size(), study.variants.size() * study.seeds.size());
  std::map<std::pair<std::int64_t, std::uint64_t>, int> seen;
  for (const auto& r : runs) {
    EXPECT_EQ(r.status, store::RunStatus::kCompleted) << "run " << r.run_id;
    ++seen[{r.variant_id, r.seed}];
  }
  EXPECT_EQ(seen.size(), study.variants.size() * study.seeds.size());
  for (const auto& [cell, n] : seen) EXPECT_EQ(n, 1);
}

TEST_F(StudyRunner, ResultsAreBitIdenticalWhateverTheNumberOfThreads) {
  const Study study = sweep({"auction.reserve=0.05,0.3", "auction.mechanism=gsp,vcg"}, "3");
  std::map<std::pair<std::string, std::uint64_t>, std::string> reference;
  std::vector<store::ExperimentSummaryRow> reference_summary;
  for (std::size_t jobs : {1, 2, 4}) {
    auto results = store::ResultStore::open(dir_ / ("jobs" + std::to_string(jobs) + ".db"));
    const StudyRun r = run(study, results, jobs);
    EXPECT_EQ(r.progress.done, 12u);
    EXPECT_EQ(r.progress.failed, 0u);
    // Placeholders are inserted in plan order, so run ids do not depend on the threads either.
    const auto runs = results.read_experiment_runs(r.experiment.experiment_id);
    ASSERT_EQ(runs.size(), 12u);
    const auto cells = plan(study);
    for (std::size_t i = 0; i < runs.size(); ++i) {
      EXPECT_EQ(runs[i].run_id, static_cast<std::int64_t>(i) + 1);
      EXPECT_EQ(runs[i].seed, cells[i].seed);
      EXPECT_EQ(runs[i].variant_id, r.variants[cells[i].variant].variant_id);
      EXPECT_EQ(runs[i].replication, static_cast<std::int64_t>(cells[i].replication) + 1);
    }
    const auto d = dumps(results, r.experiment.experiment_id);
    const auto summary = summary_rows(analyze(results, r.experiment.experiment_id, study.seeds));
    if (jobs == 1) {
      reference = d;
      reference_summary = summary;
      continue;
    }
    EXPECT_EQ(d, reference) << jobs << " threads";
    ASSERT_EQ(summary.size(), reference_summary.size());
    for (std::size_t i = 0; i < summary.size(); ++i) {
      EXPECT_EQ(summary[i].metric, reference_summary[i].metric);
      // Bit-identical: the same doubles, compared as such (NaN equal to NaN).
      for (auto [a, b] : {std::pair{summary[i].mean, reference_summary[i].mean},
                          std::pair{summary[i].sd, reference_summary[i].sd},
                          std::pair{summary[i].ci_low, reference_summary[i].ci_low}})
        EXPECT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << summary[i].metric << " " << a << " vs " << b;
    }
  }
}

TEST_F(StudyRunner, AStoppedStudyResumesAndRunsEachCellExactlyOnce) {
  const Study study = sweep({"auction.reserve=0.05,0.3"}, "5");
  const auto path = dir_ / "stopped.db";
  std::atomic<bool> stop{false};
  StudyRunOptions options;
  options.stop = &stop;
  options.on_progress = [&](const StudyProgress& p, bool) {
    if (p.done >= 3) stop.store(true);  // the condition, not a time: after three runs are stored
  };
  std::size_t completed_first = 0;
  {
    auto results = store::ResultStore::open(path);
    const StudyRun first = run(study, results, 2, options);
    EXPECT_TRUE(first.stopped);
    EXPECT_GE(first.progress.done, 3u);
    EXPECT_LT(first.progress.done, 10u);
    for (const auto& r : results.read_experiment_runs(first.experiment.experiment_id))
      completed_first += r.status == store::RunStatus::kCompleted ? 1 : 0;
    EXPECT_GE(completed_first, 3u);
  }
  auto results = store::ResultStore::open(path);
  const StudyRun second = run(study, results, 2);
  EXPECT_FALSE(second.stopped);
  EXPECT_EQ(second.progress.already, completed_first);
  EXPECT_EQ(second.progress.done, 10u - completed_first);
  expect_each_cell_once(results, second.experiment.experiment_id, study);

  auto reference = store::ResultStore::open(dir_ / "reference.db");
  const StudyRun whole = run(study, reference, 1);
  EXPECT_EQ(dumps(results, second.experiment.experiment_id), dumps(reference, whole.experiment.experiment_id));
}

// kill -9 of a process running a study: the file stays consistent, holds at most the runs that were
// in flight as 'running', and the same study run again completes every cell exactly once.
TEST_F(StudyRunner, AKilledStudyLosesOnlyItsRunsInFlight) {
  // Runs of ~0.1 s each, so that the kill lands while runs are in flight.
  const std::vector<std::string> longer = {"world.users=20000", "traffic.sessions_per_day=60000", "run.days=0.1"};
  const Study study = sweep({"auction.reserve=0.05,0.3"}, "6", scenarios::apply_overrides(tiny(), longer));
  const auto path = dir_ / "killed.db";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    try {
      auto results = store::ResultStore::open(path);
      run(study, results, 2);
    } catch (...) {
    }
    std::_Exit(0);
  }
  // Wait for two stored runs (a condition, with a generous deadline against a hung child).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::int64_t completed = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      SQLite::Database db(path, SQLite::OPEN_READONLY);
      db.setBusyTimeout(1000);
      completed = db.execAndGet("SELECT count(*) FROM runs WHERE status = 'completed'").getInt64();
    } catch (const std::exception&) {  // not created yet
    }
    if (completed >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GE(completed, 2) << "the study did not store two runs in time";
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
    EXPECT_LE(db.execAndGet("SELECT count(*) FROM runs WHERE status = 'running'").getInt(), 2);
    EXPECT_GE(db.execAndGet("SELECT count(*) FROM runs WHERE status = 'completed'").getInt(), 2);
  }
  auto results = store::ResultStore::open(path);
  const StudyRun resumed = run(study, results, 2);
  EXPECT_GE(resumed.progress.already, 2u);
  expect_each_cell_once(results, resumed.experiment.experiment_id, study);
  auto reference = store::ResultStore::open(dir_ / "reference.db");
  const StudyRun whole = run(study, reference, 2);
  EXPECT_EQ(dumps(results, resumed.experiment.experiment_id), dumps(reference, whole.experiment.experiment_id));
}

TEST_F(StudyRunner, AVariantIdenticalToTheBaselineDiffersByExactlyZero) {
  // auction.reserve = 0.05 is the default: the variant is the baseline under another name.
  const Study study = compare({"same:auction.reserve=0.05"}, "4");
  auto results = store::ResultStore::open_in_memory();
  const StudyRun r = run(study, results, 2);
  const StudyResults s = analyze(results, r.experiment.experiment_id, study.seeds);
  ASSERT_FALSE(s.metrics.empty());
  for (const auto& m : s.metrics) {
    ASSERT_EQ(m.comparisons.size(), 1u);
    const auto& c = m.comparisons[0];
    EXPECT_EQ(c.paired.mean_diff, 0.0) << m.metric->name;
    EXPECT_LE(c.paired.ci_low, 0.0) << m.metric->name;
    EXPECT_GE(c.paired.ci_high, 0.0) << m.metric->name;
    EXPECT_EQ(c.paired.p_value, 1.0) << m.metric->name;
    EXPECT_EQ(c.verdict, "inconclusive") << m.metric->name;
  }
}

TEST_F(StudyRunner, ALargeEffectIsFoundInTheRightDirection) {
  // One slot instead of four: a quarter of the impressions, far fewer clicks in every seed. Paired
  // over 6 seeds the difference is many standard errors from 0, so p is far below 0.001.
  const Study study = compare({"one_slot:auction.slots=1,auction.position_factors=[1.0]"}, "6");
  auto results = store::ResultStore::open_in_memory();
  const StudyRun r = run(study, results, 2);
  const StudyResults s = analyze(results, r.experiment.experiment_id, study.seeds);
  const auto clicks = std::find_if(s.metrics.begin(), s.metrics.end(), [](const MetricResults& m) { return m.metric->name == "clicks"; });
  ASSERT_NE(clicks, s.metrics.end());
  const auto& c = clicks->comparisons.at(0);
  EXPECT_EQ(c.paired.n, 6u);
  EXPECT_LT(c.paired.mean_diff, 0.0);
  EXPECT_LT(c.paired.ci_high, 0.0);
  EXPECT_LT(c.paired.p_value, 0.001);
  EXPECT_EQ(c.verdict, "worse");
  EXPECT_EQ(clicks->variants[0].mark, "best");
  EXPECT_EQ(clicks->variants[1].mark, "worst");
}

TEST_F(StudyRunner, AuctionOnlyStudiesCompareTheAuctionMetrics) {
  const auto base = scenarios::parse_scenario(R"(name = "rounds"
[auction]
slots = 1
position_factors = [1.0]
reserve = 0.0
[auction_only]
enabled = true
bidders = 3
rounds = 20000
)",
                                              "rounds.toml");
  const Study study = sweep({"auction.reserve=0.0,0.5"}, "3", base);
  auto results = store::ResultStore::open_in_memory();
  const StudyRun r = run(study, results, 2);
  EXPECT_EQ(r.progress.failed, 0u);
  const StudyResults s = analyze(results, r.experiment.experiment_id, study.seeds);
  const auto revenue = std::find_if(s.metrics.begin(), s.metrics.end(),
                                    [](const MetricResults& m) { return m.metric->name == "revenue_per_auction"; });
  ASSERT_NE(revenue, s.metrics.end());
  EXPECT_EQ(revenue->variants[0].stats.n, 3u);
  // Three bidders with values uniform on [0, 1], second price: E[revenue] = E[2nd highest] = 1/2
  // without a reserve; with the optimal reserve 1/2, E = 3 * integral from 1/2 to 1 of
  // (2v - 1) v^2 dv = 17/32 = 0.53125 (Myerson's virtual values). The per-auction revenue has a
  // standard deviation below 0.25, so the mean of 3 x 20,000 auctions has a standard error below
  // 0.001: 0.01 is more than ten standard errors.
  EXPECT_NEAR(revenue->variants[0].stats.mean, 0.5, 0.01);
  EXPECT_NEAR(revenue->variants[1].stats.mean, 0.53125, 0.01);
  for (const auto& m : s.metrics) EXPECT_TRUE(m.metric->auction_only) << m.metric->name;
}

TEST(StudyMetrics, EachIsComputedFromTheStoredRun) {
  store::RunRow run;
  run.totals.revenue = core::Money::from_micros(12'500'000);
  run.totals.requests = 1000;
  run.totals.impressions = 4000;
  run.totals.clicks = 100;
  run.totals.billed_clicks = 90;
  run.totals.hides = 8;
  run.rates = core::Rates::of(run.totals);
  run.model.examples = 0;  // no served predictions: the model's metrics are undefined
  std::vector<store::CampaignTotalsRow> campaigns(3);
  campaigns[0].pacer = "dual_descent";
  campaigns[0].totals.pacing_rms_error = 0.2;
  campaigns[1].pacer = "none";
  campaigns[1].totals.pacing_rms_error = 0.9;  // not paced: not part of the pacing error
  campaigns[2].pacer = "pid";
  campaigns[2].totals.pacing_rms_error = 0.4;
  campaigns[2].totals.first_exhausted_at = 5;
  const auto rows = metrics_of(RunFacts{run, campaigns, nullptr});
  std::map<std::string, double> v;
  for (const auto& r : rows) v[r.metric] = r.value;
  EXPECT_EQ(v.at("revenue"), 12.5);
  EXPECT_EQ(v.at("rpm"), 12.5);  // 12.5 per 1000 requests
  EXPECT_EQ(v.at("hide_rate"), 8.0 / 4000.0);
  EXPECT_TRUE(std::isnan(v.at("auc")));
  EXPECT_DOUBLE_EQ(v.at("pacing_error"), 0.3);
  EXPECT_DOUBLE_EQ(v.at("exhausted_share"), 1.0 / 3.0);
  EXPECT_TRUE(std::isnan(v.at("auto_bid_violation")));
  EXPECT_EQ(v.count("revenue_per_auction"), 0u);  // an auction-only metric
}

TEST(StudyMetrics, GoodDirections) {
  EXPECT_TRUE(is_better(Better::kHigher, 2, 1));
  EXPECT_TRUE(is_better(Better::kLower, 1, 2));
  EXPECT_TRUE(is_better(Better::kTowardOne, 0.95, 1.1));
  EXPECT_FALSE(is_better(Better::kTowardOne, 1.2, 0.9));
  EXPECT_FALSE(is_better(Better::kNeither, 2, 1));
  EXPECT_FALSE(is_better(Better::kHigher, std::nan(""), 1));
  for (const char* lower : {"hides", "hide_rate", "users_left", "log_loss", "normalized_entropy", "ece", "pacing_error",
                            "overspend"})
    EXPECT_EQ(find_metric(lower)->better, Better::kLower) << lower;
  for (const char* higher : {"revenue", "rpm", "ctr", "efficiency", "auc", "advertiser_surplus"})
    EXPECT_EQ(find_metric(higher)->better, Better::kHigher) << higher;
  EXPECT_EQ(find_metric("calibration")->better, Better::kTowardOne);
  EXPECT_EQ(find_metric("model_calibration")->better, Better::kTowardOne);
}

}  // namespace
}  // namespace adsim::experiments

// The adsim command's signals, through a child process as a user sends them: Ctrl-C (SIGINT),
// SIGTERM and SIGHUP stop a run at the next event, save what ran, mark the run interrupted and exit 130. The
// signal is sent once the run has written its first interval (a condition, not a time).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "store/result_store.hpp"
#include "tests/cli/cli_run.hpp"

namespace {

namespace fs = std::filesystem;
using adsim::store::ResultStore;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "adsim_signals_XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  return adsim::cli::test_support::spawn_adsim(args, log);
}

// True once the run in `db` has written an interval row (read through a read-only connection, which
// write-ahead logging allows while the run writes); false after a minute.
bool wait_for_first_interval(const fs::path& db) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (fs::exists(db)) {
        auto store = ResultStore::open(db, ResultStore::Mode::kReadOnly);
        const auto runs = store.read_runs();
        if (!runs.empty() && !store.read_intervals(runs.front().run_id).empty()) return true;
      }
    } catch (const std::exception&) {
      // the file is being created: look again
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

void expect_interrupted_run_saved(int signal) {
  TempDir dir;
  const fs::path db = dir.path / "r.db";
  // 30 days of quickstart: minutes of work, so the signal always lands mid-run.
  const pid_t pid = spawn({"run", std::string(ADSIM_SOURCE_DIR) + "/scenarios/quickstart.toml", "--db", db.string(),
                           "--set", "run.days=30", "--set", "run.snapshot_minutes=15"},
                          dir.path / "log.txt");
  ASSERT_GT(pid, 0);
  const bool started = wait_for_first_interval(db);
  ::kill(pid, signal);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(started) << "no interval written within a minute";
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 130);
  std::ifstream log(dir.path / "log.txt");
  const std::string said((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(said.find("interrupted"), std::string::npos) << said;
  auto store = ResultStore::open(db, ResultStore::Mode::kReadOnly);
  const auto runs = store.read_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, adsim::store::RunStatus::kInterrupted);
  EXPECT_LT(runs[0].simulated_us, 30 * adsim::core::kDay);
  // The runs row's totals are the sum of the interval rows written: nothing lost, nothing twice.
  std::uint64_t requests = 0;
  for (const auto& i : store.read_intervals(runs[0].run_id)) requests += i.metrics.counts.requests;
  EXPECT_GT(requests, 0u);
  EXPECT_EQ(requests, runs[0].totals.requests);
}

TEST(CliSignals, CtrlCStopsTheRunSavesItAndExits130) { expect_interrupted_run_saved(SIGINT); }

TEST(CliSignals, SigtermStopsTheRunSavesItAndExits130) { expect_interrupted_run_saved(SIGTERM); }

// A closed terminal (SIGHUP) used to kill adsim with exit 129 and leave the run 'running'.
TEST(CliSignals, SighupStopsTheRunSavesItAndExits130) { expect_interrupted_run_saved(SIGHUP); }

// Progress into a file (not a terminal) is whole lines, never carriage-return updates: the first
// after two wall seconds, then one every ten.
TEST(CliProgress, IntoAFileItPrintsWholeLines) {
  TempDir dir;
  const fs::path log_path = dir.path / "log.txt";
  const pid_t pid = spawn({"run", std::string(ADSIM_SOURCE_DIR) + "/scenarios/quickstart.toml", "--set", "run.days=60"}, log_path);
  ASSERT_GT(pid, 0);
  std::string said;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {  // until the first progress line is complete
    std::ifstream log(log_path);
    said.assign(std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>());
    const auto at = said.find("[adsim] simulated");
    if (at != std::string::npos && said.find('\n', at) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  std::ifstream log(log_path);
  said.assign(std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>());
  const auto at = said.find("[adsim] simulated");
  ASSERT_NE(at, std::string::npos) << "no progress within a minute: " << said;
  EXPECT_EQ(said.find('\r'), std::string::npos) << said;
  EXPECT_TRUE(at == 0 || said[at - 1] == '\n') << said;  // it starts a line of its own
}

}  // namespace

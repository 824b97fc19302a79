// The memory a scenario needs: `adsim check` prints the estimate, `adsim run` refuses (exit 2,
// nothing written) a scenario that cannot fit under --memory-limit or what the machine has, and an
// allocation that fails anyway ends with exit 1 and a message, never an abort. The estimate itself
// is held against the peak resident memory of real runs (child processes, as a user runs them).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_app.hpp"
#include "tests/cli/cli_run.hpp"
#include "scenarios/memory_estimate.hpp"
#include "scenarios/scenario_loader.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define ADSIM_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ADSIM_UNDER_ASAN 1
#endif
#endif

namespace {

namespace fs = std::filesystem;
using adsim::cli::test_support::read_file;
using adsim::cli::test_support::run;

const std::string kMarketplace = std::string(ADSIM_SOURCE_DIR) + "/scenarios/marketplace.toml";
const std::string kAuctionGym = std::string(ADSIM_SOURCE_DIR) + "/scenarios/classroom_auctiongym.toml";

struct Child {
  int status = 0;
  long peak_kib = 0;  // ru_maxrss
  std::string output;
};

// Runs `adsim args...` to the end, under `address_limit` bytes of address space when not 0.
[[maybe_unused]] Child run_child(const std::vector<std::string>& args, rlim_t address_limit = 0) {
  const fs::path log = fs::temp_directory_path() / ("adsim_memory_" + std::to_string(::getpid()) + ".log");
  const pid_t pid = adsim::cli::test_support::spawn_adsim(args, log, [address_limit] {
    if (address_limit == 0) return;
    const rlimit limit{address_limit, address_limit};
    ::setrlimit(RLIMIT_AS, &limit);
  });
  Child c;
  rusage usage{};
  ::wait4(pid, &c.status, 0, &usage);
  c.peak_kib = usage.ru_maxrss;
  c.output = read_file(log);
  fs::remove(log);
  return c;
}

[[maybe_unused]] std::vector<std::string> set_args(const std::vector<std::string>& overrides) {
  std::vector<std::string> args;
  for (const auto& o : overrides) {
    args.push_back("--set");
    args.push_back(o);
  }
  return args;
}

TEST(MemoryEstimate, CountsTheWorldFromItsElementTypes) {
  auto s = adsim::scenarios::load_scenario_file(kMarketplace, std::vector<std::string>{"world.users=50000000", "world.embedding_dim=256"});
  const auto estimate = adsim::scenarios::estimate_memory(s);
  // A user is 1+1+1 bytes of attributes, 256 floats, an 8-byte interest mask, 4 bytes of fatigue,
  // 8 of its time and 1 byte "left": 1048 bytes, the largest part by far.
  ASSERT_FALSE(estimate.parts.empty());
  EXPECT_EQ(estimate.parts.front().what, "users (50000000 x 1048 B)");
  EXPECT_EQ(estimate.parts.front().bytes, 50'000'000ull * 1048);
  const auto bigger = adsim::scenarios::estimate_memory(adsim::scenarios::apply_overrides(s, std::vector<std::string>{"model.ctr_model=logistic", "model.hash_bits=28"}));
  // 2^28 FTRL coordinates of two doubles and a float each.
  EXPECT_GE(bigger.total() - estimate.total(), (1ull << 28) * 20);
}

TEST(MemoryEstimate, ParsesSizesAsUsersWriteThem) {
  using adsim::scenarios::parse_bytes;
  EXPECT_EQ(parse_bytes("512M"), 512ull << 20);
  EXPECT_EQ(parse_bytes("8G"), 8ull << 30);
  EXPECT_EQ(parse_bytes("1.5GiB"), 3ull << 29);
  EXPECT_EQ(parse_bytes("4096"), 4096u);
  EXPECT_FALSE(parse_bytes("off"));
  EXPECT_FALSE(parse_bytes("-1G"));
  EXPECT_FALSE(parse_bytes("8X"));
  EXPECT_FALSE(parse_bytes("1.2.3G"));
  EXPECT_FALSE(parse_bytes("0"));
  EXPECT_EQ(adsim::scenarios::format_bytes(3ull << 29), "1.5 GiB");
}

TEST(MemoryCheck, CheckPrintsTheEstimateAndWhatIsAvailable) {
  const auto r = run({"check", kMarketplace, "--memory-limit", "64G"});
  ASSERT_EQ(r.code, adsim::cli::kExitOk) << r.err;
  EXPECT_NE(r.out.find("needs about"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("64 GiB available"), std::string::npos) << r.out;
}

TEST(MemoryCheck, ATooLargeScenarioIsRefusedBeforeAnythingIsWritten) {
  const fs::path db = fs::temp_directory_path() / ("adsim_memory_refused_" + std::to_string(::getpid()) + ".db");
  fs::remove(db);
  for (const std::string command : {"check", "run"}) {
    const auto r = run({command, kMarketplace, "--set", "world.users=50000000", "--set", "world.embedding_dim=256",
                        "--memory-limit", "8G", "--db", db.string()});
    EXPECT_EQ(r.code, adsim::cli::kExitBadInput) << command;
    EXPECT_NE(r.err.find("needs about 49 GiB of memory, more than the 8.0 GiB available (--memory-limit)"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("users (50000000 x 1048 B)"), std::string::npos) << r.err;  // where it goes
    EXPECT_NE(r.err.find("--memory-limit off"), std::string::npos) << r.err;         // what to do
  }
  EXPECT_FALSE(fs::exists(db));
  // Overridden, the check lets it through (and check builds nothing).
  EXPECT_EQ(run({"check", kMarketplace, "--set", "world.users=50000000", "--set", "world.embedding_dim=256",
                 "--memory-limit", "off"}).code,
            adsim::cli::kExitOk);
}

TEST(MemoryCheck, ABadLimitIsABadOption) {
  const auto r = run({"check", kMarketplace, "--memory-limit", "lots"});
  EXPECT_EQ(r.code, adsim::cli::kExitBadInput);
  EXPECT_NE(r.err.find("--memory-limit: 'lots' is not a size"), std::string::npos) << r.err;
}

#ifndef ADSIM_UNDER_ASAN  // AddressSanitizer reserves terabytes of address space and keeps its own heap

// Under ulimit -v, the default limit is the room left under it: refused up front, naming the limit;
// forced with --memory-limit off, the failing allocation ends in exit 1 with a message, not an abort.
TEST(MemoryCheck, UnderUlimitARunIsRefusedAndAFailedAllocationExitsOne) {
  const std::vector<std::string> big = set_args({"world.users=50000000", "world.embedding_dim=64", "run.days=0.001"});
  constexpr rlim_t kLimit = rlim_t{2} << 30;  // 2 GiB: the world needs about 13 GB

  std::vector<std::string> args = {"run", kMarketplace, "--quiet"};
  args.insert(args.end(), big.begin(), big.end());
  const Child refused = run_child(args, kLimit);
  ASSERT_TRUE(WIFEXITED(refused.status)) << refused.output;
  EXPECT_EQ(WEXITSTATUS(refused.status), 2) << refused.output;
  EXPECT_NE(refused.output.find("(ulimit -v)"), std::string::npos) << refused.output;

  args.push_back("--memory-limit");
  args.push_back("off");
  const Child failed = run_child(args, kLimit);
  ASSERT_TRUE(WIFEXITED(failed.status)) << "killed by signal " << WTERMSIG(failed.status) << ": " << failed.output;
  EXPECT_EQ(WEXITSTATUS(failed.status), 1) << failed.output;
  EXPECT_NE(failed.output.find("adsim: out of memory while building the world"), std::string::npos) << failed.output;
}

// A run of `file` as a child process: its estimate within [0.9, 1.6] x its peak resident memory.
void check_peak(const std::string& file, const std::vector<std::string>& overrides) {
  {
    const auto scenario = adsim::scenarios::load_scenario_file(file, overrides);
    const double estimate = static_cast<double>(adsim::scenarios::estimate_memory(scenario).total());
    std::vector<std::string> args = {"run", file, "--quiet", "--memory-limit", "off"};
    const auto sets = set_args(overrides);
    args.insert(args.end(), sets.begin(), sets.end());
    const Child c = run_child(args);
    ASSERT_TRUE(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0) << c.output;
    const double peak = static_cast<double>(c.peak_kib) * 1024;
    SCOPED_TRACE(::testing::PrintToString(overrides));
    EXPECT_GE(estimate, 0.9 * peak) << "estimate " << estimate / (1 << 20) << " MiB, peak " << peak / (1 << 20) << " MiB";
    EXPECT_LE(estimate, 1.6 * peak) << "estimate " << estimate / (1 << 20) << " MiB, peak " << peak / (1 << 20) << " MiB";
  }
}

// The estimate against the peak resident memory of real runs of the reference marketplace, scaled
// along each size it counts. The runs are deterministic (fixed seed), so the peaks barely move; the
// band is the accuracy the estimate promises: never more than 10 % below the peak (a run it lets
// through fits), and not above 1.6 times it (a run it refuses would not have fitted in much less).
TEST(MemoryEstimate, IsCloseToThePeakOfRealRuns) {
  const std::vector<std::vector<std::string>> cases = {
      {"run.days=0.02"},
      {"run.days=0.002", "world.users=4000000"},
      {"run.days=0.002", "world.users=2000000", "world.embedding_dim=64"},
      {"run.days=0.002", "world.ads=200000", "world.campaigns=20000"},
      {"run.days=0.002", "model.ctr_model=logistic", "model.hash_bits=24"},
      {"run.days=0.002", "model.quality_source=model", "model.calibrator=isotonic"},
  };
  for (const auto& overrides : cases) check_peak(kMarketplace, overrides);
  // A classroom run that logs a million bids (the bid log's limit).
  check_peak(kAuctionGym, {"auction_only.log_rate=1", "auction_only.rounds=500000"});
}

#endif

}  // namespace

namespace {

// A study runs --jobs cells at once: refused when they would not fit together, with the --jobs
// that fits; nothing runs and nothing is written.
TEST(MemoryCheck, AStudyCountsItsRunsInFlightAndSaysWhichJobsFit) {
  const fs::path db = fs::temp_directory_path() / ("adsim_memory_study_" + std::to_string(::getpid()) + ".db");
  fs::remove(db);
  const auto r = run({"sweep", kMarketplace, "--vary", "world.users=1000000,20000000", "--seeds", "1-4", "--jobs", "2",
                      "--memory-limit", "3G", "--db", db.string()});
  EXPECT_EQ(r.code, adsim::cli::kExitBadInput) << r.err;
  EXPECT_NE(r.err.find("the study (2 runs at once) needs about 3.5 GiB"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("one run of 'users=20000000' needs about 1.7 GiB: --jobs 1 fits"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(db));
  const auto lesson = run({"lesson", "lesson_funnel", "--memory-limit", "10M"});
  EXPECT_EQ(lesson.code, adsim::cli::kExitBadInput) << lesson.err;
  EXPECT_NE(lesson.err.find("needs about"), std::string::npos) << lesson.err;
}

}  // namespace

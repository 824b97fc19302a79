// Whole-run fingerprints: every bundled scenario, run with seed 1 (the largest briefly), has its results pinned in
// tests/scenarios/fingerprints.txt (a hash of the summary's counters and money totals, which are
// integers, plus a few of them in words). A change that alters what the simulator does changes a
// fingerprint; it must update the file in the same commit and say why in the commit message:
//   ADSIM_UPDATE_FINGERPRINTS=1 build/release/tests/adsim_scenarios_tests --gtest_filter='Fingerprints*'
// A change that should not alter behaviour (a refactoring, a speed-up) must leave them as they are.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "scenarios/auction_only_run.hpp"
#include "scenarios/factory.hpp"
#include "scenarios/scenario_loader.hpp"

namespace adsim::scenarios {
namespace {

namespace fs = std::filesystem;

const fs::path kScenarios = fs::path(ADSIM_SOURCE_DIR) / "scenarios";
const fs::path kFingerprints = fs::path(ADSIM_SOURCE_DIR) / "tests" / "scenarios" / "fingerprints.txt";

// Each scenario as written, seed 1 whatever the file says, with two cuts: the million-user
// marketplace runs 0.01 days, auction-only scenarios 20,000 rounds. Whole days matter: ties in the
// event queue (equal time and priority) are mostly at day boundaries and controller ticks.
std::vector<std::string> short_run(const Scenario& s) {
  std::vector<std::string> o = {"run.seed=1"};
  if (s.auction_only.enabled) o.push_back("auction_only.rounds=20000");
  else if (s.world.users > 100'000) o.push_back("run.days=0.01");
  return o;
}

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// "<hash> requests=... clicks=... revenue_micros=...": the hash covers every counter of the
// summary's totals and its money in micros (all integers), users who stayed and mean fatigue to
// six decimals.
std::string fingerprint(const core::RunSummary& s) {
  const core::Counters& t = s.totals;
  std::ostringstream all;
  for (const std::uint64_t v :
       {t.sessions, t.requests, t.filled_requests, t.impressions, t.clicks, t.billed_clicks, t.conversions,
        t.attributed_conversions, t.late_conversions, t.billed_impressions, t.billed_conversions, t.hides, t.reports,
        t.users_left, t.reserve_excluded, t.reserve_bound, t.late_clicks, t.explore_requests, t.candidates_retrieved,
        t.candidates_prerank, t.candidates_ranked, t.candidates_auction, t.efficiency_samples, s.active_users})
    all << v << ';';
  for (const core::Money m : {t.revenue, t.click_revenue, t.overspend, t.forgone, t.explore_revenue})
    all << m.micros << ';';
  for (std::size_t k = 0; k < t.slot_clicks.size(); ++k) all << t.slot_impressions[k] << ',' << t.slot_clicks[k] << ';';
  all << std::llround(s.mean_fatigue * 1e6);
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a(all.str())));
  std::ostringstream line;
  line << hash << " requests=" << t.requests << " impressions=" << t.impressions << " clicks=" << t.clicks
       << " revenue_micros=" << t.revenue.micros;
  return line.str();
}

std::map<std::string, std::string> read_fingerprints() {
  std::map<std::string, std::string> out;
  std::ifstream in(kFingerprints);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.find(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

TEST(Fingerprints, EveryBundledScenarioRunsAsRecorded) {
  std::map<std::string, std::string> now;
  for (const auto& entry : fs::directory_iterator(kScenarios)) {
    if (entry.path().extension() != ".toml") continue;
    const Scenario file = load_scenario_file(entry.path());
    const Scenario s = load_scenario_file(entry.path(), short_run(file));
    core::RunSummary summary;
    if (s.auction_only.enabled) summary = run_auction_only_scenario(s).summary;
    else summary = build_marketplace(s)->run();
    now[entry.path().stem().string()] = fingerprint(summary);
  }
  ASSERT_GE(now.size(), 15u);
  if (std::getenv("ADSIM_UPDATE_FINGERPRINTS")) {
    std::ofstream out(kFingerprints);
    out << "# Short runs of the bundled scenarios, seed 1 (tests/scenarios/test_fingerprints.cpp says how to\n"
           "# update them, and when). scenario, hash, then a few of the figures it covers.\n";
    for (const auto& [name, print] : now) out << name << ' ' << print << '\n';
    GTEST_SKIP() << "wrote " << kFingerprints;
  }
  const auto recorded = read_fingerprints();
  for (const auto& [name, print] : now) {
    const auto it = recorded.find(name);
    if (it == recorded.end()) {
      ADD_FAILURE() << name << " has no fingerprint: add it (ADSIM_UPDATE_FINGERPRINTS=1)";
      continue;
    }
    EXPECT_EQ(print, it->second) << name
                                 << ": its results changed. If the change is meant to alter behaviour, update the "
                                    "fingerprints (ADSIM_UPDATE_FINGERPRINTS=1) and say why in the commit message.";
  }
  for (const auto& [name, print] : recorded)
    EXPECT_TRUE(now.count(name)) << name << " is recorded but no longer bundled";
}

}  // namespace
}  // namespace adsim::scenarios

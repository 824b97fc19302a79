// The CTR by slot where users read it (adsim run's table and --json), and a whole marketplace run
// with the cascade and attractiveness fixed per rank against the closed form.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_app.hpp"
#include "tests/cli/cli_run.hpp"

namespace adsim::cli {
namespace {

using test_support::Result;
using test_support::run;

std::vector<std::string> quickstart(std::vector<std::string> extra) {
  std::vector<std::string> a = {"run", std::string(ADSIM_SOURCE_DIR) + "/scenarios/quickstart.toml", "--quiet"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

const std::vector<std::string> kCascade = {"--set", "truth.click_model=cascade", "--set",
                                           "truth.rank_attractiveness=[0.3,0.2,0.2,0.1]"};

// Attractiveness 0.3, 0.2, 0.2, 0.1 in a classic cascade, by hand: 0.3; 0.2 x 0.7 = 0.14;
// 0.2 x 0.7 x 0.8 = 0.112; 0.1 x 0.7 x 0.8 x 0.8 = 0.0448.
const std::vector<double> kClosedForm = {0.3, 0.14, 0.112, 0.0448};

TEST(CliClickModels, JsonGivesEachSlotsCtrBesideItsClosedForm) {
  std::vector<std::string> args = kCascade;
  args.insert(args.end(), {"--set", "run.days=1", "--json"});
  const Result r = run(quickstart(args));
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const auto slots = nlohmann::json::parse(r.out)["summary"]["slots"];
  ASSERT_EQ(slots.size(), 4u);
  for (std::size_t k = 0; k < slots.size(); ++k) {
    const auto& s = slots[k];
    const double n = s["impressions"].get<double>();
    const double ctr = s["ctr"].get<double>();
    EXPECT_DOUBLE_EQ(ctr, s["clicks"].get<double>() / n);
    EXPECT_NEAR(s["closed_form_ctr"].get<double>(), kClosedForm[k], 1e-12);
    // Every page is an independent draw at fixed attractiveness: the clicks in slot k are
    // Binomial(n, p_k), standard error sqrt(p (1 - p) / n) (n is about 26,000 pages). Clicks
    // still in flight at the end of the day are lost, about 25 s of 24 h: a bias of 0.03 % of p.
    const double p = kClosedForm[k];
    EXPECT_NEAR(ctr, p, 4 * std::sqrt(p * (1 - p) / n)) << "slot " << k;
  }
}

TEST(CliClickModels, TableShowsTheCtrBySlotAndTheClosedFormUnderIt) {
  const Result r = run(quickstart(kCascade));
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("CTR by slot"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expected        30.00% / 14.00% / 11.20% / 4.48%  (closed form of truth.rank_attractiveness)"),
            std::string::npos)
      << r.out;
}

TEST(CliClickModels, WithoutFixedAttractivenessThereIsNoClosedForm) {
  const Result r = run(quickstart({"--set", "run.days=0.1", "--json"}));
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const auto json = nlohmann::json::parse(r.out);  // held: a range-for over a member of a temporary dangles
  for (const auto& s : json["summary"]["slots"]) {
    EXPECT_TRUE(s.contains("ctr"));
    EXPECT_FALSE(s.contains("closed_form_ctr"));
  }
  const Result table = run(quickstart({"--set", "run.days=0.1"}));
  EXPECT_EQ(table.out.find("closed form"), std::string::npos);
}

TEST(CliClickModels, BadAttractivenessIsRefusedBeforeRunning) {
  const Result r = run(quickstart({"--set", "truth.rank_attractiveness=[0.3,1.4,0.2,0.1]"}));
  EXPECT_EQ(r.code, kExitBadInput);
  EXPECT_NE(r.err.find("truth.rank_attractiveness[1]: out of range: must be in [0, 1] (probability), got 1.4"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

}  // namespace
}  // namespace adsim::cli

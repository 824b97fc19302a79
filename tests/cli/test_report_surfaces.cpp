// The per-surface section of the run summary (feed, search), in the table and in --json.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/cli_app.hpp"
#include "cli/report.hpp"

namespace adsim::cli {
namespace {

nlohmann::json run_json(std::vector<std::string> args, std::string* table = nullptr) {
  std::ostringstream out, err;
  std::vector<std::string> json_args = args;
  json_args.push_back("--json");
  EXPECT_EQ(run_cli(json_args, out, err, nullptr), 0) << err.str();
  if (table) {
    std::ostringstream t, e;
    EXPECT_EQ(run_cli(args, t, e, nullptr), 0) << e.str();
    *table = t.str();
  }
  return nlohmann::json::parse(out.str())["summary"];
}

TEST(ReportSurfaces, FeedOnlyRunHasNoSurfaceBlockButJsonAlwaysHasBoth) {
  std::string table;
  const auto j = run_json({"run", "quickstart", "--quiet", "--set", "run.days=0.1"}, &table);
  EXPECT_EQ(table.find("By surface"), std::string::npos) << table;
  ASSERT_TRUE(j.contains("by_surface"));
  EXPECT_EQ(j["by_surface"]["search"]["requests"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(j["by_surface"]["feed"]["requests"], j["requests"]);
  EXPECT_EQ(j["by_surface"]["feed"]["clicks"], j["clicks"]);
}

TEST(ReportSurfaces, SearchLessonShowsBothSurfacesThatAddUpToTheTotals) {
  std::string table;
  const auto j = run_json({"run", "lesson_search_vs_feed", "--quiet"}, &table);
  EXPECT_NE(table.find("By surface"), std::string::npos) << table;
  EXPECT_NE(table.find("  search "), std::string::npos) << table;
  const auto& feed = j["by_surface"]["feed"];
  const auto& search = j["by_surface"]["search"];
  for (const char* key : {"requests", "impressions", "clicks", "reserve_bound_slots", "below_reserve_candidates"})
    EXPECT_EQ(feed[key].get<std::uint64_t>() + search[key].get<std::uint64_t>(), j[key].get<std::uint64_t>()) << key;
  EXPECT_NEAR(feed["revenue"].get<double>() + search["revenue"].get<double>(), j["revenue"].get<double>(), 1e-6);
  EXPECT_EQ(feed["model"]["examples"].get<std::uint64_t>() + search["model"]["examples"].get<std::uint64_t>(),
            j["model"]["examples"].get<std::uint64_t>());
  // What the lesson points at: intent raises search CTR; the search reserve binds far more often.
  EXPECT_GT(search["ctr"].get<double>(), 1.5 * feed["ctr"].get<double>());
  EXPECT_GT(search["reserve_bind_rate"].get<double>(), feed["reserve_bind_rate"].get<double>() + 0.05);
  EXPECT_GT(search["model"]["auc"].get<double>(), 0.55);
}

}  // namespace
}  // namespace adsim::cli

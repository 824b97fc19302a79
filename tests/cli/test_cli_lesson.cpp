// adsim lesson as a teacher runs it: a lesson whose claims hold exits 0 and says so with the
// measured change; a claim that does not hold exits 1; a lesson without claims or with a claim
// about no variant is bad input (exit 2) before anything runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/cli/cli_run.hpp"

namespace adsim::cli {
namespace {

namespace fs = std::filesystem;
using test_support::read_file;
using test_support::run;

const std::string kAuctionTheory = std::string(ADSIM_SOURCE_DIR) + "/scenarios/lesson_auction_theory.toml";

std::size_t count(const std::string& text, const std::string& word) {
  std::size_t n = 0;
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
  return n;
}

// The auction-theory lesson with `from` replaced by `to`, in a file of its own.
fs::path edited_lesson(const std::string& from, const std::string& to) {
  std::string text = read_file(kAuctionTheory);
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  const fs::path file = fs::path(::testing::TempDir()) / "adsim_lesson_edited.toml";
  std::ofstream(file) << text;
  return file;
}

TEST(CliLesson, ALessonWhoseClaimsHoldSaysSoWithTheMeasuredChange) {
  const auto r = run({"lesson", kAuctionTheory, "--jobs", "2"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(count(r.out, "  holds "), 3u) << r.out;
  EXPECT_NE(r.out.find("revenue / auction (currency units), myerson_reserve vs. baseline: measured +2.1 %"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("over seeds 1,2,3,4,5 (15 runs"), std::string::npos) << r.out;
}

TEST(CliLesson, JsonHasEveryClaimWithItsNumbers) {
  const auto r = run({"lesson", kAuctionTheory, "--jobs", "2", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["lesson"], "lesson-auction-theory");
  EXPECT_EQ(j["baseline"], "baseline");
  ASSERT_EQ(j["claims"].size(), 3u);
  const auto& revenue = j["claims"][0];
  EXPECT_EQ(revenue["verdict"], "holds");
  EXPECT_EQ(revenue["pairs"], 5);
  // The relative change is the mean difference over the baseline's mean.
  const double relative = (revenue["variant_mean"].get<double>() - revenue["baseline_mean"].get<double>()) /
                          revenue["baseline_mean"].get<double>();
  EXPECT_NEAR(revenue["relative_change"].get<double>(), relative, 1e-12);
  EXPECT_LT(revenue["relative_ci_low"].get<double>(), revenue["relative_change"].get<double>());
  EXPECT_EQ(run({"lesson", "--all", "--json"}).code, 2);
}

TEST(CliLesson, AClaimThatDoesNotHoldExits1) {
  // The Myerson reserve does not lower revenue: the claim fails, significantly the other way.
  const fs::path file = edited_lesson("direction = \"higher\"", "direction = \"lower\"");
  const auto r = run({"lesson", file.string(), "--jobs", "2"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("  fails "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("significantly the other way"), std::string::npos) << r.out;
  fs::remove(file);
}

TEST(CliLesson, BadClaimsAndLessonsWithoutClaimsAreRefusedBeforeRunning) {
  const fs::path file = edited_lesson("variant = \"myerson_reserve\"", "variant = \"myerson\"");
  const auto bad = run({"lesson", file.string()});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("experiment.claim.variant: no variant is named 'myerson'"), std::string::npos) << bad.err;
  EXPECT_EQ(bad.out, "") << "nothing ran";
  const auto check = run({"check", file.string()});  // adsim check finds it too
  EXPECT_EQ(check.code, 2);
  EXPECT_NE(check.err.find("experiment.claim.variant: no variant is named 'myerson'"), std::string::npos) << check.err;
  fs::remove(file);
  const auto none = run({"lesson", "quickstart"});
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("states no claims yet"), std::string::npos) << none.err;
  EXPECT_EQ(run({"lesson"}).code, 2);
  EXPECT_EQ(run({"lesson", "quickstart", "--all"}).code, 2);
  EXPECT_EQ(run({"lesson", kAuctionTheory, "--jobs", "0"}).code, 2);
  EXPECT_EQ(run({"lesson", "--help"}).code, 0);
}

}  // namespace
}  // namespace adsim::cli

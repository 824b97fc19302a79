// Scenario keys of request surfaces and segment reserves: bad values name file, line and column.
#include <gtest/gtest.h>

#include "scenarios/factory.hpp"
#include "scenarios/scenario_loader.hpp"
#include "tests/scenarios/loader_errors.hpp"

namespace adsim::scenarios {
namespace {

using test_support::error_of;
using test_support::errors_of;

TEST(SurfaceKeys, ValuesLoadIntoTheScenarioAndTheServerConfig) {
  const Scenario s = parse_scenario(
      "[world]\ninterest_categories = 3\n[traffic]\nsearch_share = 0.3\nsearch_query_from_interests = 0.5\n"
      "[auction]\nsurface_reserves = [0.1, 0.4]\nquery_category_reserves = [0.2, 0.3, 0.5]\n[truth]\nsearch_match_odds = 2.5\n",
      "test.toml", {});
  EXPECT_EQ(s.traffic.search_share, 0.3);
  EXPECT_EQ(s.traffic.search_query_from_interests, 0.5);
  EXPECT_EQ(s.truth.search_match_odds, 2.5);
  const core::MarketplaceConfig c = marketplace_config(s);
  EXPECT_EQ(c.traffic.search_share, 0.3);
  EXPECT_EQ(c.server.surface_reserves_micros, (std::vector<double>{100'000.0, 400'000.0}));
  EXPECT_EQ(c.server.query_category_reserves_micros, (std::vector<double>{200'000.0, 300'000.0, 500'000.0}));
}

TEST(SurfaceKeys, OutOfRangeShareIsPlaced) {
  const auto all = errors_of("[traffic]\nsearch_share = 1.5\n");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].line, 2);
  EXPECT_EQ(all[0].column, 16);
  EXPECT_EQ(all[0].key_path, "traffic.search_share");
}

TEST(SurfaceKeys, SurfaceReservesNeedOneEntryPerSurface) {
  const auto all = errors_of("[auction]\nsurface_reserves = [0.1]\n");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].file, "test.toml");
  EXPECT_EQ(all[0].line, 2);
  EXPECT_EQ(all[0].key_path, "auction.surface_reserves");
  EXPECT_NE(all[0].message.find("2 surfaces"), std::string::npos) << all[0].message;
  const auto three = errors_of("[auction]\nsurface_reserves = [0.1, 0.2, 0.3]\n");
  ASSERT_EQ(three.size(), 1u);
  EXPECT_EQ(three[0].line, 2);
}

TEST(SurfaceKeys, QueryCategoryReservesNeedOneEntryPerCategory) {
  const auto all = errors_of("[world]\ninterest_categories = 4\n[auction]\nquery_category_reserves = [0.1, 0.2]\n");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].line, 4);  // the later of the two keys in the file
  EXPECT_EQ(all[0].key_path, "auction.query_category_reserves");
  EXPECT_NE(all[0].message.find("4 categories"), std::string::npos) << all[0].message;
  const auto negative = errors_of("[auction]\nquery_category_reserves = [-1]\n");
  ASSERT_GE(negative.size(), 1u);
  EXPECT_EQ(negative[0].key_path, "auction.query_category_reserves[0]");
  EXPECT_EQ(negative[0].line, 2);
}

TEST(SurfaceKeys, OddsMustBePositive) {
  const auto all = errors_of("", {"truth.search_match_odds=0"});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].key_path, "truth.search_match_odds");
  EXPECT_EQ(all[0].file, "--set");
}

}  // namespace
}  // namespace adsim::scenarios

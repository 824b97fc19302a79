#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scenarios/did_you_mean.hpp"

namespace adsim::scenarios {
namespace {

TEST(ScenarioDidYouMean, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("users", "user"), 1u);
  EXPECT_EQ(edit_distance("users", "usres"), 1u);  // one transposition
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(ScenarioDidYouMean, ClosestWord) {
  const std::vector<std::string> words = {"gsp", "vcg", "first_price"};
  EXPECT_EQ(closest_word("vgc", words), "vcg");
  EXPECT_EQ(closest_word("FIRST_PRICE", words), "first_price");
  EXPECT_EQ(closest_word("firstprice", words), "first_price");
  EXPECT_EQ(closest_word("dutch", words), std::nullopt);
}

TEST(ScenarioDidYouMean, KeyPaths) {
  const std::vector<std::string> keys = {"world.users", "world.ads", "auction.slots", "traffic.sessions_per_day",
                                         "run.days"};
  EXPECT_EQ(suggest_key_path("world.user", keys), "world.users");
  EXPECT_EQ(suggest_key_path("World.Users", keys), "world.users");
  EXPECT_EQ(suggest_key_path("traffic.slots", keys), "auction.slots");
  EXPECT_EQ(suggest_key_path("traffic.slot", keys), "auction.slots");
  EXPECT_EQ(suggest_key_path("users", keys), "world.users");
  EXPECT_EQ(suggest_key_path("world.sesions_per_day", keys), "traffic.sessions_per_day");
  EXPECT_EQ(suggest_key_path("world.ad", keys), "world.ads");
  EXPECT_EQ(suggest_key_path("traffic.ad", keys), std::nullopt);
  EXPECT_EQ(suggest_key_path("world.budget", keys), std::nullopt);
  EXPECT_EQ(suggest_key_path("run.dyas", keys), "run.days");
}

}  // namespace
}  // namespace adsim::scenarios

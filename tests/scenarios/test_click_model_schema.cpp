// The click-model keys of [truth]: truth.click_model, truth.cascade_continue and
// truth.rank_attractiveness reach GroundTruthParams, and bad values are rejected with the key, its
// place and a message that says what is wrong.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scenarios/scenario_loader.hpp"
#include "tests/scenarios/loader_errors.hpp"

namespace adsim::scenarios {
namespace {

using test_support::error_of;
using test_support::errors_of;

TEST(ClickModelKeys, DefaultIsThePositionModelWithEachAdsOwnAttractiveness) {
  const Scenario s = parse_scenario("", "test.toml");
  EXPECT_EQ(s.truth.click_model, "position");
  EXPECT_EQ(s.truth.cascade_continue, 0.0);
  EXPECT_TRUE(s.truth.rank_attractiveness.empty());
}

TEST(ClickModelKeys, CascadeWithFixedAttractivenessIsRead) {
  const Scenario s = parse_scenario(
      "[truth]\nclick_model = \"cascade\"\ncascade_continue = 0.25\nrank_attractiveness = [0.5, 0.4, 0.3, 0.2]\n",
      "test.toml");
  EXPECT_EQ(s.truth.click_model, "cascade");
  EXPECT_EQ(s.truth.cascade_continue, 0.25);
  EXPECT_EQ(s.truth.rank_attractiveness, (std::vector<double>{0.5, 0.4, 0.3, 0.2}));
  // More entries than slots are allowed (a study may vary auction.slots).
  const Scenario more = parse_scenario("", "test.toml", std::vector<std::string>{"truth.rank_attractiveness=[0.5,0.4,0.3,0.2,0.1]"});
  EXPECT_EQ(more.truth.rank_attractiveness.size(), 5u);
}

TEST(ClickModelKeys, UnknownClickModelIsRejectedWithTheChoices) {
  const Diagnostic d = error_of("", {"truth.click_model=cascad"});
  EXPECT_EQ(d.key_path, "truth.click_model");
  EXPECT_EQ(d.message, "invalid value 'cascad': must be one of position, cascade — did you mean 'cascade'?");
}

TEST(ClickModelKeys, AttractivenessOutsideZeroOneIsRejectedAtItsEntry) {
  const Diagnostic above = error_of("[truth]\nrank_attractiveness = [0.5, 1.2, 0.3, 0.2]\n");
  EXPECT_EQ(above.key_path, "truth.rank_attractiveness[1]");
  EXPECT_EQ(above.line, 2);
  EXPECT_EQ(above.message, "out of range: must be in [0, 1] (probability), got 1.2");
  const Diagnostic below = error_of("", {"truth.rank_attractiveness=[0.5,0.4,0.3,-0.1]"});
  EXPECT_EQ(below.key_path, "truth.rank_attractiveness[3]");
  EXPECT_EQ(below.message, "out of range: must be in [0, 1] (probability), got -0.1");
}

TEST(ClickModelKeys, AttractivenessNeedsAnEntryPerSlot) {
  const Diagnostic d = error_of("[truth]\nrank_attractiveness = [0.5, 0.4]\n");
  EXPECT_EQ(d.message, "truth.rank_attractiveness has 2 entries but auction.slots is 4: every slot needs its "
                       "attractiveness");
  // The treatment arm of an A/B test may show more slots: they need one too.
  const Diagnostic ab = error_of("", {"auction.slots=2", "auction.ab_share=0.5", "auction.ab_slots=4",
                                      "truth.rank_attractiveness=[0.5,0.4,0.3]"});
  EXPECT_EQ(ab.message, "truth.rank_attractiveness has 3 entries but auction.ab_slots is 4: every slot needs its "
                        "attractiveness");
}

TEST(ClickModelKeys, MoreEntriesThanAnyPageCanHaveAreRejected) {
  std::string seventeen = "truth.rank_attractiveness=[0.1";
  for (int i = 1; i < 17; ++i) seventeen += ",0.1";
  const Diagnostic d = error_of("", {seventeen + "]"});
  EXPECT_EQ(d.key_path, "truth.rank_attractiveness");
  EXPECT_EQ(d.message, "expected 0 to 16 entries, got 17");
}

TEST(ClickModelKeys, ContinueProbabilityIsAProbabilityOfTheCascadeOnly) {
  const Diagnostic range = error_of("[truth]\nclick_model = \"cascade\"\ncascade_continue = 1.5\n");
  EXPECT_EQ(range.key_path, "truth.cascade_continue");
  EXPECT_EQ(range.message, "out of range: must be in [0, 1] (probability), got 1.5");
  const Diagnostic position = error_of("[truth]\ncascade_continue = 0.3\n");
  EXPECT_EQ(position.key_path, "truth.cascade_continue");
  EXPECT_EQ(position.message, "truth.cascade_continue (0.3) applies to truth.click_model = \"cascade\" only, but "
                              "truth.click_model is \"position\"");
}

}  // namespace
}  // namespace adsim::scenarios

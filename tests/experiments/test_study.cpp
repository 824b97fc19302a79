// Describing a study: seed specs, --vary / --variant, the [experiment] table, grid and zip
// expansion, baselines, and the check of every value before anything runs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "experiments/study.hpp"
#include "scenarios/experiment_spec.hpp"
#include "scenarios/scenario_loader.hpp"

namespace adsim::experiments {
namespace {

using scenarios::parse_seed_spec;
using scenarios::SeedSpecError;

scenarios::Scenario base(const std::string& extra = "") {
  return scenarios::parse_scenario("name = \"base\"\n[world]\nusers = 500\n" + extra, "base.toml");
}

std::string error_of(StudyKind kind, const scenarios::Scenario& s, const StudyArgs& args) {
  try {
    (void)make_study(kind, s, args);
  } catch (const StudyError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> names(const Study& s) {
  std::vector<std::string> out;
  for (const auto& v : s.variants) out.push_back(v.name);
  return out;
}

TEST(SeedSpec, CountRangeAndList) {
  EXPECT_EQ(parse_seed_spec("3"), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(parse_seed_spec(" 5-8 "), (std::vector<std::uint64_t>{5, 6, 7, 8}));
  EXPECT_EQ(parse_seed_spec("1,5,9"), (std::vector<std::uint64_t>{1, 5, 9}));
  EXPECT_EQ(parse_seed_spec("1-3,10"), (std::vector<std::uint64_t>{1, 2, 3, 10}));
  EXPECT_EQ(parse_seed_spec("7-7"), (std::vector<std::uint64_t>{7}));
  EXPECT_EQ(parse_seed_spec("0-1"), (std::vector<std::uint64_t>{0, 1}));
  EXPECT_EQ(parse_seed_spec("18446744073709551615-18446744073709551615"),
            (std::vector<std::uint64_t>{18446744073709551615ULL}));
}

TEST(SeedSpec, BadSpecsSayWhatIsWrong) {
  const auto message = [](const char* spec) {
    try {
      (void)parse_seed_spec(spec);
    } catch (const SeedSpecError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("").find("empty"), std::string::npos);
  EXPECT_NE(message("0").find("at least one seed"), std::string::npos);
  EXPECT_NE(message("9-3").find("backwards"), std::string::npos);
  EXPECT_NE(message("1,2,2").find("appears twice"), std::string::npos);
  EXPECT_NE(message("1-3,2").find("appears twice"), std::string::npos);
  EXPECT_NE(message("-1").find("not negative"), std::string::npos);
  EXPECT_NE(message("1,x").find("bad seed 'x'"), std::string::npos);
  EXPECT_NE(message("1,,2").find("empty entry"), std::string::npos);
  EXPECT_NE(message("2000000").find("more than 1,000,000"), std::string::npos);
  EXPECT_NE(message("1-5000000").find("more than 1,000,000"), std::string::npos);
  EXPECT_NE(message("18446744073709551616").find("bad seed"), std::string::npos);  // 2^64
}

TEST(SplitTopLevel, KeepsCommasInsideBracketsAndQuotes) {
  const auto items = scenarios::split_top_level(R"([1,2],[3,4],"a,b",'c,d',{x=1,y=2},5)");
  ASSERT_EQ(items.size(), 6u);
  EXPECT_EQ(items[0].text, "[1,2]");
  EXPECT_EQ(items[1].text, "[3,4]");
  EXPECT_EQ(items[1].offset, 6u);
  EXPECT_EQ(items[2].text, "\"a,b\"");
  EXPECT_EQ(items[3].text, "'c,d'");
  EXPECT_EQ(items[4].text, "{x=1,y=2}");
  EXPECT_EQ(items[5].text, "5");
}

TEST(MakeStudy, GridIsEveryCombinationWithTheLastFactorFastest) {
  StudyArgs a;
  a.vary = {"auction.reserve=0.05,0.3", "auction.mechanism=gsp,vcg,first_price"};
  a.seeds = "4";
  const Study s = make_study(StudyKind::kSweep, base(), a);
  EXPECT_EQ(names(s), (std::vector<std::string>{"reserve=0.05 mechanism=gsp", "reserve=0.05 mechanism=vcg",
                                                "reserve=0.05 mechanism=first_price", "reserve=0.3 mechanism=gsp",
                                                "reserve=0.3 mechanism=vcg", "reserve=0.3 mechanism=first_price"}));
  EXPECT_EQ(s.baseline, -1);  // a sweep of factors has no baseline unless one is named
  ASSERT_EQ(s.variants[4].settings.size(), 2u);
  EXPECT_EQ(s.variants[4].settings[0].text(), "auction.reserve=0.3");
  EXPECT_EQ(s.variants[4].settings[1].text(), "auction.mechanism=vcg");
  EXPECT_EQ(s.seeds.size(), 4u);
  EXPECT_EQ(plan(s).size(), 24u);
}

TEST(MakeStudy, ZipPairsTheValuesInOrder) {
  StudyArgs a;
  a.vary = {"auction.reserve=0.05,0.3,0.6", "auction.slots=2,3,4"};
  a.zip = true;
  const Study s = make_study(StudyKind::kSweep, base(), a);
  EXPECT_EQ(names(s), (std::vector<std::string>{"reserve=0.05 slots=2", "reserve=0.3 slots=3", "reserve=0.6 slots=4"}));
  a.vary = {"auction.reserve=0.05,0.3,0.6", "auction.slots=2,3"};
  EXPECT_NE(error_of(StudyKind::kSweep, base(), a).find("as many values as the first"), std::string::npos);
}

TEST(MakeStudy, ArrayAndStringValuesAndAmbiguousShortNames) {
  StudyArgs a;
  a.vary = {"auction.position_factors=[1.0,0.5,0.3,0.2],[1.0,0.8,0.6,0.4]", "world.users=300,400",
            "auction.mechanism=\"vcg\",first_price"};
  const Study s = make_study(StudyKind::kSweep, base(), a);
  ASSERT_EQ(s.variants.size(), 8u);
  EXPECT_EQ(s.variants[0].settings[0].value, "[1.0,0.5,0.3,0.2]");
  EXPECT_EQ(s.variants[0].name, "position_factors=[1.0,0.5,0.3,0.2] users=300 mechanism=vcg");
  EXPECT_EQ(cell_scenario(s, {0, 0, 1}).auction.position_factors, (std::vector<double>{1.0, 0.5, 0.3, 0.2}));
  EXPECT_EQ(cell_scenario(s, {0, 0, 1}).auction.mechanism, "vcg");
  EXPECT_EQ(cell_scenario(s, {1, 0, 1}).auction.mechanism, "first_price");
  EXPECT_EQ(cell_scenario(s, {7, 0, 1}).world.users, 400u);
}

TEST(MakeStudy, CompareRunsTheScenarioAsWrittenAsItsBaseline) {
  StudyArgs a;
  a.variants = {"high:auction.reserve=0.6,auction.mechanism=vcg", "low:auction.reserve=0.01"};
  const Study s = make_study(StudyKind::kCompare, base(), a);
  EXPECT_EQ(names(s), (std::vector<std::string>{"baseline", "high", "low"}));
  EXPECT_EQ(s.baseline, 0);
  EXPECT_TRUE(s.variants[0].settings.empty());
  const auto high = cell_scenario(s, {1, 2, 17});
  EXPECT_EQ(high.auction.mechanism, "vcg");
  EXPECT_EQ(high.auction.reserve, 0.6);
  EXPECT_EQ(high.run.seed, 17u);
  // The run records the study's settings as its overrides, and never the seed.
  EXPECT_EQ(high.overrides, (std::vector<std::string>{"auction.reserve=0.6", "auction.mechanism=vcg"}));
}

TEST(MakeStudy, ASweepCanNameItsBaseline) {
  StudyArgs a;
  a.vary = {"auction.reserve=0.05,0.3"};
  a.baseline = "reserve=0.05";
  EXPECT_EQ(make_study(StudyKind::kSweep, base(), a).baseline, 0);
  a.baseline = "scenario";
  const Study s = make_study(StudyKind::kSweep, base(), a);
  EXPECT_EQ(names(s), (std::vector<std::string>{"baseline", "reserve=0.05", "reserve=0.3"}));
  a.baseline = "reserve=0.5";
  const std::string e = error_of(StudyKind::kSweep, base(), a);
  EXPECT_NE(e.find("no variant is named 'reserve=0.5'"), std::string::npos) << e;
  EXPECT_NE(e.find("'reserve=0.3'"), std::string::npos) << e;
}

TEST(MakeStudy, EveryBadValueIsReportedWithItsColumnBeforeAnythingRuns) {
  StudyArgs a;
  a.vary = {"auction.reserve=0.05,-1", "auction.mechanism=gsp,vcgg"};
  a.seeds = "0";
  const std::string e = error_of(StudyKind::kSweep, base(), a);
  // Each problem once, where it was typed: "auction.reserve=0.05,-1" has -1 at column 22.
  EXPECT_NE(e.find("--vary:1:22: auction.reserve: out of range"), std::string::npos) << e;
  EXPECT_NE(e.find("--vary:1:23: auction.mechanism: invalid value 'vcgg'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'vcg'"), std::string::npos) << e;
  EXPECT_NE(e.find("--seeds: seed count 0"), std::string::npos) << e;
  EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 2) << e;  // three lines, no repeats per variant
}

TEST(MakeStudy, UnknownKeysSeedsAndMalformedArgumentsAreRefused) {
  StudyArgs a;
  a.vary = {"auction.reserv=0.05"};
  EXPECT_NE(error_of(StudyKind::kSweep, base(), a).find("did you mean 'auction.reserve'"), std::string::npos);
  a.vary = {"run.seed=1,2"};
  EXPECT_NE(error_of(StudyKind::kSweep, base(), a).find("--seeds"), std::string::npos);
  a.vary = {"auction.reserve"};
  EXPECT_NE(error_of(StudyKind::kSweep, base(), a).find("expected KEY=V1,V2"), std::string::npos);
  a.vary = {"auction.reserve=0.1", "auction.reserve=0.2"};
  EXPECT_NE(error_of(StudyKind::kSweep, base(), a).find("given twice"), std::string::npos);
  StudyArgs c;
  c.variants = {"auction.reserve=0.3"};
  EXPECT_NE(error_of(StudyKind::kCompare, base(), c).find("NAME:KEY=VALUE"), std::string::npos);
  c.variants = {"a:auction.reserve=0.3", "a:auction.reserve=0.4"};
  EXPECT_NE(error_of(StudyKind::kCompare, base(), c).find("two variants are named 'a'"), std::string::npos);
  c.variants = {"baseline:auction.reserve=0.3"};
  EXPECT_NE(error_of(StudyKind::kCompare, base(), c).find("reserved"), std::string::npos);
  EXPECT_NE(error_of(StudyKind::kSweep, base(), {}).find("needs factors"), std::string::npos);
  EXPECT_NE(error_of(StudyKind::kCompare, base(), {}).find("needs variants"), std::string::npos);
}

// A combination the schema's cross-field rules reject is reported with the variant it is in.
TEST(MakeStudy, ACrossFieldProblemNamesItsVariant) {
  StudyArgs a;
  a.vary = {"auction.slots=2,5"};
  const std::string e = error_of(StudyKind::kSweep, base("[auction]\nposition_factors = [1.0, 0.5, 0.3, 0.2]\n"), a);
  EXPECT_NE(e.find("(variant 'slots=5')"), std::string::npos) << e;
  EXPECT_EQ(e.find("slots=2"), std::string::npos) << e;
}

constexpr const char* kExperimentFile = R"(name = "with_study"
[world]
users = 500

[experiment]
name = "reserve and mechanism"
seeds = [3, 5, 8]
baseline = "scenario"

[[experiment.factor]]
key = "auction.reserve"
values = [0.05, 0.3]

[[experiment.variant]]
name = "vcg"
auction.mechanism = "vcg"

[[experiment.variant]]
name = "nested"
[experiment.variant.auction]
slots = 2
position_factors = [1.0, 0.6]
)";

TEST(ExperimentTable, ReadsFactorsVariantsSeedsAndBaseline) {
  const auto s = scenarios::parse_scenario(kExperimentFile, "study.toml");
  ASSERT_TRUE(s.experiment.present);
  EXPECT_EQ(s.experiment.factors.size(), 1u);
  EXPECT_EQ(s.experiment.factors[0].values[1].value, "0.3");
  EXPECT_EQ(s.experiment.factors[0].values[1].place.line, 12);
  const Study study = make_study(StudyKind::kSweep, s, {});
  EXPECT_EQ(study.name, "reserve and mechanism");
  EXPECT_EQ(names(study), (std::vector<std::string>{"baseline", "reserve=0.05", "reserve=0.3", "vcg", "nested"}));
  EXPECT_EQ(study.baseline, 0);
  EXPECT_EQ(study.seeds, (std::vector<std::uint64_t>{3, 5, 8}));
  const auto nested = cell_scenario(study, {4, 0, 3});
  EXPECT_EQ(nested.auction.slots, 2);
  EXPECT_EQ(nested.auction.position_factors, (std::vector<double>{1.0, 0.6}));
  // `adsim run` of the same file ignores the table: the scenario as written.
  EXPECT_EQ(s.auction.slots, 4);
}

TEST(ExperimentTable, ASeedListOfOneIsThatSeed) {
  const auto s = scenarios::parse_scenario("[experiment]\nseeds = [7]\n[[experiment.factor]]\nkey = \"auction.reserve\"\n"
                                           "values = [0.1]\n",
                                           "one.toml");
  EXPECT_EQ(make_study(StudyKind::kSweep, s, {}).seeds, (std::vector<std::uint64_t>{7}));
}

TEST(ExperimentTable, TheCommandLineReplacesTheTable) {
  const auto s = scenarios::parse_scenario(kExperimentFile, "study.toml");
  StudyArgs a;
  a.vary = {"auction.slots=2,3"};
  a.seeds = "2";
  const Study study = make_study(StudyKind::kSweep, s, a);
  EXPECT_EQ(names(study), (std::vector<std::string>{"slots=2", "slots=3"}));
  EXPECT_EQ(study.seeds.size(), 2u);
}

TEST(ExperimentTable, MistakesAreReportedAtTheirLineAndColumn) {
  const std::string text = R"(name = "bad"
[experiment]
seed = 5
seeds = "9-3"
[[experiment.factor]]
key = "auction.reserve"
values = [0.05, -2]
[[experiment.variant]]
name = "v"
auction.mechanism = "vcgg"
auction.resrve = 0.1
run.seed = 4
)";
  try {
    (void)scenarios::parse_scenario(text, "bad.toml");
    FAIL() << "accepted";
  } catch (const scenarios::ScenarioError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("bad.toml:3:1: experiment.seed: unknown key 'experiment.seed' in [experiment] — did you mean "
                     "'experiment.seeds'?"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("bad.toml:4:9: experiment.seeds: seed range '9-3' runs backwards"), std::string::npos) << m;
    EXPECT_NE(m.find("bad.toml:7:17: experiment.factor[0].values[1] (auction.reserve): out of range"), std::string::npos) << m;
    EXPECT_NE(m.find("bad.toml:10:21: auction.mechanism: invalid value 'vcgg'"), std::string::npos) << m;
    EXPECT_NE(m.find("bad.toml:11:9: auction.resrve: unknown key 'auction.resrve' — did you mean 'auction.reserve'?"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("bad.toml:12:5: run.seed: a study's seeds set run.seed"), std::string::npos) << m;
  }
}

TEST(ExperimentTable, AnEmptyTableOrAFactorWithoutValuesIsRefused) {
  EXPECT_THROW((void)scenarios::parse_scenario("[experiment]\nseeds = 3\n", "x.toml"), scenarios::ScenarioError);
  EXPECT_THROW((void)scenarios::parse_scenario("[[experiment.factor]]\nkey = \"auction.reserve\"\n", "x.toml"),
               scenarios::ScenarioError);
  EXPECT_THROW((void)scenarios::parse_scenario("[[experiment.factor]]\nkey = \"auction.reserve\"\nvalues = []\n", "x.toml"),
               scenarios::ScenarioError);
  EXPECT_THROW((void)scenarios::parse_scenario("[experiment]\nfactor = 3\n", "x.toml"), scenarios::ScenarioError);
  EXPECT_THROW((void)scenarios::parse_scenario("[[experiment.variant]]\nauction.reserve = 0.1\n", "x.toml"),
               scenarios::ScenarioError);  // no name
}

TEST(Definition, SameStudySameTextWhateverTheSeeds) {
  StudyArgs a;
  a.vary = {"auction.reserve=0.05,0.3"};
  a.seeds = "3";
  const Study s1 = make_study(StudyKind::kSweep, base(), a);
  a.seeds = "1-10";
  const Study s2 = make_study(StudyKind::kSweep, base(), a);
  EXPECT_EQ(definition_text(s1), definition_text(s2));
  a.vary = {"auction.reserve=0.05,0.31"};
  EXPECT_NE(definition_text(s1), definition_text(make_study(StudyKind::kSweep, base(), a)));
  a.vary = {"auction.reserve=0.05,0.3"};
  EXPECT_NE(definition_text(s1), definition_text(make_study(StudyKind::kSweep, base("[auction]\nslots = 3\n"), a)));
  EXPECT_NE(definition_text(s1), definition_text(make_study(StudyKind::kCompare, base(), StudyArgs{{}, false, {"x:auction.reserve=0.3"}, "3", "", "", false})));
}

TEST(Plan, SeedBySeedEveryVariant) {
  StudyArgs a;
  a.vary = {"auction.reserve=0.05,0.3"};
  a.seeds = "5,9";
  const auto cells = plan(make_study(StudyKind::kSweep, base(), a));
  ASSERT_EQ(cells.size(), 4u);
  EXPECT_EQ(cells[0].seed, 5u);
  EXPECT_EQ(cells[1].seed, 5u);
  EXPECT_EQ(cells[1].variant, 1u);
  EXPECT_EQ(cells[2].seed, 9u);
  EXPECT_EQ(cells[2].replication, 1u);
}

}  // namespace
}  // namespace adsim::experiments

// adsim eval: a user's own predictions scored with the simulator's metric code, from a CSV file.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_app.hpp"
#include "tests/cli/cli_run.hpp"

namespace adsim::cli {
namespace {

namespace fs = std::filesystem;
using test_support::run;

class CliEval : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("adsim_eval_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

// The hand-worked example of tests/models (WeightedAucAndRatesByHand), as a user writes it: a
// header in another column order, an extra column, weights.
TEST_F(CliEval, ScoresAWeightedCsvWithTiesAsWorkedByHand) {
  const std::string csv = write("w.csv", "id,label,weight,pctr\na,0,1,0.1\nb,1,2,0.4\nc,0,1,0.4\nd,1,1,0.8\n");
  const auto r = run({"eval", csv, "--json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["weighted"].get<bool>());
  const auto& m = j["metrics"];
  EXPECT_EQ(m["examples"], 4);
  EXPECT_DOUBLE_EQ(m["weight"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(m["auc"].get<double>(), 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(m["base_rate"].get<double>(), 0.6);
  EXPECT_EQ(m["reliability"].size(), 10u);

  // No header, no weights: the first two columns; ties count one half (AUC 3.5 / 4).
  const auto plain = run({"eval", write("p.csv", "0.1,0\n0.4,1\n0.4,0\n0.8,1\n")});
  ASSERT_EQ(plain.code, kExitOk) << plain.err;
  EXPECT_NE(plain.out.find("AUC                  0.875000"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("4 examples, 2 positives"), std::string::npos) << plain.out;
}

TEST_F(CliEval, BadInputNamesTheLineAndExitsTwo) {
  const auto cases = {std::pair{"label.csv", "0.1,0\n0.2,2\n"}, std::pair{"p.csv", "0.1,0\n1.5,1\n"},
                      std::pair{"w.csv", "p,y,w\n0.1,0,1\n0.2,1,-3\n"}, std::pair{"short.csv", "0.1,0\n0.2\n"},
                      std::pair{"header.csv", "score,truth\n0.1,0\n"}};
  for (const auto& [name, text] : cases) {
    const auto r = run({"eval", write(name, text)});
    EXPECT_EQ(r.code, kExitBadInput) << name;
    EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("line "), std::string::npos) << name << ": " << r.err;
  }
  EXPECT_EQ(run({"eval", write("empty.csv", "\n")}).code, kExitBadInput);
  EXPECT_EQ(run({"eval", (dir_ / "missing.csv").string()}).code, kExitBadInput);
  EXPECT_EQ(run({"eval", write("ok.csv", "0.1,0\n0.9,1\n"), "--bins", "0"}).code, kExitBadInput);
}

}  // namespace
}  // namespace adsim::cli

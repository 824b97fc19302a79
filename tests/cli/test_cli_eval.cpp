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

// The prediction log as a user reaches it: record a run with run.prediction_log_rate = 1, export
// its log (adsim export --run), score it with adsim eval, and find the figures adsim run reported.
// Same examples, same order, same arithmetic: examples, clicks, log loss, NE, calibration and ECE
// are equal; the run's AUC comes from 4096 logit bins and eval's is exact, within the bound
// tests/store/test_prediction_log.cpp checks (a few 1e-5 here; 1e-3 leaves room for any seed).
TEST_F(CliEval, ExportedPredictionLogReproducesTheRunsModelMetrics) {
  const std::string db = (dir_ / "log.db").string();
  const auto ran = run({"run", "quickstart", "--set", "run.days=0.2", "--set", "run.prediction_log_rate=1", "--db", db,
                        "--json", "--quiet"});
  ASSERT_EQ(ran.code, kExitOk) << ran.err;
  const auto model = nlohmann::json::parse(ran.out)["summary"]["model"];
  const std::string csv = (dir_ / "log.csv").string();
  const auto exported = run({"export", db, "--run", "1", "--csv", "-o", csv});
  ASSERT_EQ(exported.code, kExitOk) << exported.err;
  // quickstart leaves model.reliability_bins and model.reliability_max at their defaults, 10 and 0.2.
  const auto scored = run({"eval", csv, "--json", "--bins", "10", "--range-max", "0.2"});
  ASSERT_EQ(scored.code, kExitOk) << scored.err;
  const auto m = nlohmann::json::parse(scored.out)["metrics"];
  EXPECT_EQ(m["examples"], model["examples"]);
  EXPECT_EQ(m["positives"], model["clicks"]);
  EXPECT_EQ(m["log_loss"].get<double>(), model["log_loss"].get<double>());
  EXPECT_EQ(m["normalized_entropy"].get<double>(), model["normalized_entropy"].get<double>());
  EXPECT_EQ(m["calibration_ratio"].get<double>(), model["calibration_ratio"].get<double>());
  EXPECT_EQ(m["ece"].get<double>(), model["ece"].get<double>());
  EXPECT_NEAR(m["auc"].get<double>(), model["auc"].get<double>(), 1e-3);
  // The CSV names its columns; eval takes `prediction` and `label` (not served_pctr, user_clicked).
  const std::string text = test_support::read_file(csv);
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "run_id,impression_id,request_id,served_us,released_us,user_id,campaign_id,ad_id,slot,surface,raw_score,"
            "served_pctr,prediction,label,user_clicked");
}

TEST_F(CliEval, ExportOfARunWithoutAPredictionLogIsAClearError) {
  const std::string db = (dir_ / "nolog.db").string();
  ASSERT_EQ(run({"run", "quickstart", "--set", "run.days=0.05", "--db", db, "--quiet"}).code, kExitOk);
  const std::string csv = (dir_ / "none.csv").string();
  const auto none = run({"export", db, "--run", "1", "--csv", "-o", csv});
  EXPECT_EQ(none.code, kExitBadInput);
  EXPECT_NE(none.err.find("run 1 did not log predictions"), std::string::npos) << none.err;
  EXPECT_NE(none.err.find("run.prediction_log_rate=1"), std::string::npos) << none.err;
  EXPECT_FALSE(fs::exists(csv)) << "nothing written";
  const auto missing = run({"export", db, "--run", "9", "--csv"});
  EXPECT_EQ(missing.code, kExitBadInput);
  EXPECT_NE(missing.err.find("has no run 9"), std::string::npos) << missing.err;
  const auto other_table = run({"export", db, "--run", "1", "--csv", "--table", "summary"});
  EXPECT_EQ(other_table.code, kExitBadInput);
  EXPECT_NE(other_table.err.find("--table"), std::string::npos) << other_table.err;
  const auto no_run = run({"export", db, "--csv", "--table", "predictions"});
  EXPECT_EQ(no_run.code, kExitBadInput);
  EXPECT_NE(no_run.err.find("needs --run"), std::string::npos) << no_run.err;
  // A rate out of range is refused before anything runs.
  const auto bad_rate = run({"run", "quickstart", "--set", "run.prediction_log_rate=1.5", "--db", db, "--quiet"});
  EXPECT_EQ(bad_rate.code, kExitBadInput);
  EXPECT_NE(bad_rate.err.find("run.prediction_log_rate"), std::string::npos) << bad_rate.err;
}

}  // namespace
}  // namespace adsim::cli

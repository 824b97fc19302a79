// model.ctr_model = "mlp": the keys reach the neural ranker, bad values are refused clearly, and a
// marketplace run with it is deterministic for its seed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/world_generator.hpp"
#include "models/ground_truth.hpp"
#include "scenarios/component_registry.hpp"
#include "scenarios/factory.hpp"
#include "scenarios/memory_estimate.hpp"
#include "scenarios/scenario_loader.hpp"
#include "tests/scenarios/loader_errors.hpp"

namespace adsim::scenarios {
namespace {

using test_support::error_of;

TEST(MlpKeys, ReachTheModelsConfiguration) {
  const Scenario s = parse_scenario("", "test.toml",
                                    std::vector<std::string>{"model.ctr_model=mlp", "model.mlp_hidden1=48",
                                                             "model.mlp_hidden2=0", "model.mlp_train_delay_minutes=5",
                                                             "model.downsample_rate=0.25", "model.prior_ctr=0.04"});
  const models::MlpConfig c = mlp_config(s);
  EXPECT_EQ(c.hidden, std::vector<int>{48}) << "hidden2 = 0: one hidden layer";
  EXPECT_EQ(c.train_delay, 5 * core::kMinute);
  EXPECT_EQ(c.interval, 30 * core::kMinute);
  EXPECT_EQ(c.downsample_rate, 0.25);
  EXPECT_EQ(c.prior_rate, 0.04);
  EXPECT_EQ(c.embedding_dim, 8);
}

TEST(MlpKeys, TheRegistryBuildsTheModel) {
  const Scenario s = parse_scenario("", "test.toml", std::vector<std::string>{"model.ctr_model=mlp"});
  const core::World world = core::generate_world(s.world, core::RandomStreams(1), core::kDay);
  const models::GroundTruth truth(world, s.truth);
  const auto model = make_ctr_model(s, world, truth);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->name(), "mlp");
  EXPECT_EQ(model->refresh_interval(), 30 * core::kMinute);
}

TEST(MlpKeys, BadValuesAreRefusedWithTheKeyAndWhy) {
  const Diagnostic name = error_of("", {"model.ctr_model=mpl"});
  EXPECT_EQ(name.key_path, "model.ctr_model");
  EXPECT_NE(name.message.find("must be one of historical, global, oracle, logistic, gbdt_lr, mlp"), std::string::npos)
      << name.message;
  const Diagnostic hidden = error_of("[model]\nmlp_hidden1 = 0\n");
  EXPECT_EQ(hidden.key_path, "model.mlp_hidden1");
  EXPECT_EQ(hidden.line, 2);
  EXPECT_NE(hidden.message.find("out of range"), std::string::npos) << hidden.message;
  const Diagnostic interval = error_of("", {"model.mlp_interval_minutes=0"});
  EXPECT_EQ(interval.key_path, "model.mlp_interval_minutes");
  const Diagnostic rate = error_of("", {"model.mlp_learning_rate=-0.1"});
  EXPECT_EQ(rate.key_path, "model.mlp_learning_rate");
}

TEST(MlpKeys, TheMemoryEstimateCountsTheModel) {
  // The window dominates: a million kept examples of sizeof(MlpExample) bytes each, at least.
  const std::string path = std::string(ADSIM_SOURCE_DIR) + "/scenarios/marketplace.toml";
  const auto base = estimate_memory(load_scenario_file(path, std::vector<std::string>{"model.ctr_model=historical"}));
  const auto mlp = estimate_memory(load_scenario_file(path, std::vector<std::string>{"model.ctr_model=mlp", "model.mlp_window_examples=1000000"}));
  EXPECT_GE(mlp.total() - base.total(), 1'000'000u * sizeof(models::MlpExample));
  EXPECT_LE(mlp.total() - base.total(), 2'000'000u * sizeof(models::MlpExample)) << "and not much more at this size";
}

TEST(MlpMarketplace, AColdModelServesThePriorAndSaysSo) {
  // 20 simulated minutes are shorter than the 30-minute attribution window: no example is released,
  // no retrain runs, every prediction is the prior model.prior_ctr (float rounding: 2e-6 of it, as
  // for the logistic model) and is counted as such.
  const std::string path = std::string(ADSIM_SOURCE_DIR) + "/scenarios/quickstart.toml";
  const core::RunSummary cold =
      build_marketplace(load_scenario_file(path, std::vector<std::string>{"model.ctr_model=mlp", "run.days=0.0138889"}))->run();
  ASSERT_GT(cold.totals.impressions, 100u);
  EXPECT_NEAR(cold.totals.sum_pctr_shown / static_cast<double>(cold.totals.impressions), 0.02, 2e-6 * 0.02);
  EXPECT_EQ(cold.prior_predictions, cold.totals.candidates_ranked);
}

TEST(MlpMarketplace, ARunIsDeterministicForItsSeed) {
  // A quarter day of the quickstart market: the first model serves after the attribution window,
  // the first half-hourly retrain and its 5-minute delay; several retrains follow.
  const std::vector<std::string> overrides = {"model.ctr_model=mlp", "run.days=0.25"};
  const std::string path = std::string(ADSIM_SOURCE_DIR) + "/scenarios/quickstart.toml";
  auto run = [&] { return build_marketplace(load_scenario_file(path, overrides))->run(); };
  const core::RunSummary a = run();
  const core::RunSummary b = run();
  EXPECT_EQ(a.totals.revenue, b.totals.revenue);
  EXPECT_EQ(a.totals.clicks, b.totals.clicks);
  EXPECT_EQ(a.totals.impressions, b.totals.impressions);
  EXPECT_EQ(a.totals.sum_pctr_shown, b.totals.sum_pctr_shown);
  EXPECT_EQ(a.model.log_loss, b.model.log_loss);
  EXPECT_EQ(a.prior_predictions, b.prior_predictions);
  // It learnt: part of the run was served by trained models, and those tell ads apart.
  EXPECT_LT(a.prior_predictions, a.totals.candidates_ranked);
  EXPECT_GT(a.model.auc, 0.55);
}

}  // namespace
}  // namespace adsim::scenarios

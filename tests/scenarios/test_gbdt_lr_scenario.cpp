// The gbdt_lr click model (issue 15) reached from scenario keys: the keys build it, bad values are
// refused with the key and the rule, and a whole run with it is deterministic for its seed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scenarios/factory.hpp"
#include "scenarios/scenario_loader.hpp"
#include "tests/scenarios/loader_errors.hpp"

namespace adsim::scenarios {
namespace {

using test_support::error_of;

const std::string kQuickstart = std::string(ADSIM_SOURCE_DIR) + "/scenarios/quickstart.toml";

TEST(GbdtLrScenario, TheKeysBuildTheModel) {
  const std::vector<std::string> keys = {"model.ctr_model=gbdt_lr", "model.gbdt_trees=5", "model.gbdt_depth=3", "model.gbdt_learning_rate=0.2",
                    "model.gbdt_min_child_weight=2", "model.gbdt_window_examples=20000", "model.gbdt_interval_minutes=30",
                    "model.gbdt_train_delay_minutes=3"};
  const Scenario s = load_scenario_file(kQuickstart, keys);
  EXPECT_EQ(s.model.gbdt_trees, 5);
  EXPECT_EQ(s.model.gbdt_depth, 3);
  EXPECT_EQ(s.model.gbdt_learning_rate, 0.2);
  EXPECT_EQ(s.model.gbdt_min_child_weight, 2.0);
  EXPECT_EQ(s.model.gbdt_window_examples, 20000);
  EXPECT_EQ(s.model.gbdt_interval_minutes, 30.0);
  EXPECT_EQ(s.model.gbdt_train_delay_minutes, 3.0);
  const auto market = build_marketplace(s);
  EXPECT_EQ(market->ctr_model().name(), "gbdt_lr");
}

TEST(GbdtLrScenario, BadValuesAreRefusedWithTheKeyAndTheRule) {
  const Diagnostic depth = error_of("", {"model.gbdt_depth=0"});
  EXPECT_EQ(depth.key_path, "model.gbdt_depth");
  EXPECT_EQ(depth.message, "out of range: must be in [1, 10] (levels), got 0");
  const Diagnostic trees = error_of("[model]\ngbdt_trees = 501\n");
  EXPECT_EQ(trees.key_path, "model.gbdt_trees");
  EXPECT_EQ(trees.line, 2);
  EXPECT_EQ(trees.message, "out of range: must be in [1, 500] (trees), got 501");
  const Diagnostic rate = error_of("", {"model.gbdt_learning_rate=0"});
  EXPECT_EQ(rate.key_path, "model.gbdt_learning_rate");
  const Diagnostic name = error_of("", {"model.ctr_model=gbdt"});
  EXPECT_EQ(name.key_path, "model.ctr_model");
  EXPECT_EQ(name.message,
            "invalid value 'gbdt': must be one of historical, global, oracle, logistic, gbdt_lr, mlp");
}

TEST(GbdtLrScenario, AWholeRunIsDeterministicForItsSeed) {
  // A quarter day of the quickstart market with trees retrained every 20 minutes: several
  // generations serve. Two runs of the same seed agree on every total and on the served model's metrics.
  const std::vector<std::string> set = {"model.ctr_model=gbdt_lr", "run.days=0.25", "model.gbdt_interval_minutes=20"};
  auto run = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), set.begin(), set.end());
    auto market = build_marketplace(load_scenario_file(kQuickstart, extra));
    const core::RunSummary summary = market->run();
    return std::make_pair(summary, market->ctr_model().training_stats());
  };
  const auto [a, stats_a] = run({});
  const auto [b, stats_b] = run({});
  ASSERT_GE(stats_a.retrains, 5u);
  EXPECT_EQ(stats_a.retrains, stats_b.retrains);
  EXPECT_EQ(stats_a.mean_staleness_seconds, stats_b.mean_staleness_seconds);
  EXPECT_EQ(a.totals.impressions, b.totals.impressions);
  EXPECT_EQ(a.totals.clicks, b.totals.clicks);
  EXPECT_EQ(a.totals.revenue, b.totals.revenue);
  EXPECT_EQ(a.totals.sum_pctr_shown, b.totals.sum_pctr_shown);
  EXPECT_EQ(a.model.auc, b.model.auc);
  EXPECT_EQ(a.model.log_loss, b.model.log_loss);
  // Another seed is another run.
  const auto [c, stats_c] = run({"run.seed=2"});
  EXPECT_NE(a.totals.sum_pctr_shown, c.totals.sum_pctr_shown);
}

}  // namespace
}  // namespace adsim::scenarios

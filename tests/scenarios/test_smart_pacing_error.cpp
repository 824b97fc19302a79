// Smart Pacing's pacing error (core/pacing_error.hpp) in whole marketplace runs of lesson_pacing:
// wired to the spend and the plan the run records, and telling paced campaigns from unpaced ones.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/sim_observer.hpp"
#include "scenarios/factory.hpp"
#include "scenarios/scenario_loader.hpp"

namespace adsim::scenarios {
namespace {

struct Intervals : core::SimObserver {
  std::vector<core::IntervalMetrics> all;
  void on_interval(const core::IntervalMetrics& m) override { all.push_back(m); }
};

struct PacedRun {
  core::RunSummary summary;
  std::vector<core::IntervalMetrics> intervals;
};

PacedRun run_pacing_lesson(const std::string& pacer) {
  const std::vector<std::string> overrides = {"pacing.pacer=\"" + pacer + "\""};
  const Scenario s = load_scenario_file(std::string(ADSIM_SOURCE_DIR) + "/scenarios/lesson_pacing.toml", overrides);
  auto market = build_marketplace(s);
  Intervals intervals;
  market->add_observer(intervals);
  PacedRun r;
  r.summary = market->run();
  r.intervals = std::move(intervals.all);
  return r;
}

// The one-day run's 96 snapshots carry each campaign's spend so far today and the plan so far
// (IntervalMetrics::campaign_spend_today / campaign_target_today): differences give s_k and b_k, and
// the error follows by its definition. The plan is rounded to whole micros in the snapshot, which
// moves each b_k by at most 1 micro against a mean plan of B / 96 ~ 150,000 micros: a relative
// difference below 1e-5.
TEST(SmartPacingError, IsTheDefinitionAppliedToTheRecordedSpendAndPlan) {
  const PacedRun r = run_pacing_lesson("none");
  ASSERT_EQ(r.intervals.size(), 96u);
  std::size_t checked = 0;
  for (const core::CampaignTotals& c : r.summary.campaigns) {
    double last_spend = 0, last_plan = 0, sum_sq = 0, sum_plan = 0;
    for (const core::IntervalMetrics& m : r.intervals) {
      const double spend = m.campaign_spend_today[c.campaign].as_double_micros();
      const double plan = m.campaign_target_today[c.campaign].as_double_micros();
      sum_sq += (spend - last_spend - (plan - last_plan)) * (spend - last_spend - (plan - last_plan));
      sum_plan += plan - last_plan;
      last_spend = spend;
      last_plan = plan;
    }
    if (!(sum_plan > 0)) continue;
    const double k = static_cast<double>(r.intervals.size());
    EXPECT_NEAR(c.smart_pacing_error, std::sqrt(sum_sq / k) / (sum_plan / k), 1e-5 * c.smart_pacing_error)
        << "campaign " << c.campaign;
    ++checked;
  }
  EXPECT_EQ(checked, r.summary.campaigns.size());
}

// Unpaced, campaigns spend their budget by mid-morning: one that spends a uniform plan's budget in
// the first share f of the day scores sqrt((1 - f) / f) before noise (3 at f = 0.1). A pacer on plan
// is left with the noise of whole charges: spend in an interval is compound Poisson, so with charges
// of about the CPC c against a plan of B / K per interval the error is about sqrt(c / (B / K)): 1.0
// here (CPC ~0.3, B ~15, K = 96), and pid and dual descent measure about 1.4-1.5 (seed 1: none
// 4.98, pid 1.45, dual_descent 1.40). The bounds sit between, with a factor 2.5 between paced and
// unpaced.
TEST(SmartPacingError, PacersTrackThePlanAndUnpacedCampaignsDoNot) {
  const double none = run_pacing_lesson("none").summary.smart_pacing_error;
  EXPECT_GT(none, 3.0);
  for (const char* pacer : {"pid", "dual_descent"}) {
    const double paced = run_pacing_lesson(pacer).summary.smart_pacing_error;
    EXPECT_LT(paced, 2.0) << pacer;
    EXPECT_GT(none, 2.5 * paced) << pacer;
  }
}

}  // namespace
}  // namespace adsim::scenarios

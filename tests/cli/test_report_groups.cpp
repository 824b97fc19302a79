// The per-strategy section of the run summary, in the table and in --json.
#include <gtest/gtest.h>

#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/cli_app.hpp"
#include "cli/report.hpp"

namespace adsim::cli {
namespace {

core::RunSummary two_groups() {
  core::RunSummary s;
  s.scenario_name = "groups";
  s.simulated = core::kDay;
  s.pacer_names = {"none", "throttling", "dual_descent", "pid"};
  auto campaign = [](core::CampaignId id, std::uint8_t pacer, core::BiddingKind bidding, core::BillingModel billing,
                     std::int64_t spend, std::uint64_t clicks, std::uint64_t conv, double value, double violation) {
    core::CampaignTotals c;
    c.campaign = id;
    c.pacer = pacer;
    c.bidding = bidding;
    c.billing = billing;
    c.spend = core::Money{spend};
    c.daily_budget = core::Money{2 * spend};
    c.utilization = 0.5;
    c.clicks = clicks;
    c.conversions = conv;
    c.attributed_conversions = conv;
    c.value = value;
    c.surplus = value - static_cast<double>(spend);
    c.auto_bid_violation = violation;
    c.pacing_mean_abs_deviation = 0.1;
    c.smart_pacing_error = 0.5 + id;  // campaign 2 gets no plan below
    return c;
  };
  s.campaigns.push_back(campaign(0, 2, core::BiddingKind::kTargetCpa, core::BillingModel::kCpc, 10'000'000, 100, 10, 15e6, 0.2));
  s.campaigns.push_back(campaign(1, 2, core::BiddingKind::kTargetCpa, core::BillingModel::kCpc, 30'000'000, 300, 20, 45e6, 0.0));
  s.campaigns.push_back(campaign(2, 0, core::BiddingKind::kManual, core::BillingModel::kCpm, 5'000'000, 50, 5, 2e6, 0.0));
  s.campaigns.back().smart_pacing_error = std::numeric_limits<double>::quiet_NaN();
  s.smart_pacing_error = 1.0;  // mean of campaigns 0 and 1
  return s;
}

TEST(ReportGroups, TableHasOneRowPerStrategy) {
  const std::string table = summary_table(two_groups());
  ASSERT_NE(table.find("By strategy"), std::string::npos) << table;
  EXPECT_NE(table.find("dual_descent  tcpa   cpc"), std::string::npos) << table;
  EXPECT_NE(table.find("none          manual cpm"), std::string::npos) << table;
  EXPECT_NE(table.find("Smart Pacing's pacing error 1.000"), std::string::npos) << table;
}

TEST(ReportGroups, JsonGroupsAddUpTheirCampaigns) {
  const auto j = summary_json(two_groups());
  ASSERT_TRUE(j.contains("groups"));
  ASSERT_EQ(j["groups"].size(), 2u);
  // Groups are ordered by (pacer, bidding, billing): pacer "none" (0) first.
  const auto& manual = j["groups"][0];
  EXPECT_EQ(manual["pacer"], "none");
  EXPECT_EQ(manual["billing"], "cpm");
  EXPECT_EQ(manual["auto_bid_violation"], 0.0);
  const auto& tcpa = j["groups"][1];
  EXPECT_EQ(tcpa["pacer"], "dual_descent");
  EXPECT_EQ(tcpa["bidding"], "tcpa");
  EXPECT_EQ(tcpa["campaigns"], 2);
  EXPECT_DOUBLE_EQ(tcpa["spend"].get<double>(), 40.0);
  EXPECT_DOUBLE_EQ(tcpa["budget"].get<double>(), 80.0);
  EXPECT_DOUBLE_EQ(tcpa["utilization"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(tcpa["cpc"].get<double>(), 0.1);         // 40 / 400 clicks
  EXPECT_NEAR(tcpa["cpa"].get<double>(), 40.0 / 30.0, 1e-12);
  EXPECT_DOUBLE_EQ(tcpa["value"].get<double>(), 60.0);
  EXPECT_DOUBLE_EQ(tcpa["surplus"].get<double>(), 20.0);
  EXPECT_NEAR(tcpa["auto_bid_violation"].get<double>(), 0.2 * 10 / 40, 1e-12);  // spend-weighted
  EXPECT_NEAR(tcpa["mean_pacing_deviation"].get<double>(), 0.1, 1e-12);
  // Smart Pacing's error: the group's mean (0.5 and 1.5); null for a group without a plan.
  EXPECT_DOUBLE_EQ(tcpa["smart_pacing_error"].get<double>(), 1.0);
  EXPECT_TRUE(manual["smart_pacing_error"].is_null());
  EXPECT_DOUBLE_EQ(j["smart_pacing_error"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["campaigns"][1]["smart_pacing_error"].get<double>(), 1.5);
  EXPECT_TRUE(j["campaigns"][2]["smart_pacing_error"].is_null());
  ASSERT_TRUE(j.contains("auto_bid"));
  EXPECT_EQ(j["campaigns"][0]["bidding"], "tcpa");
  EXPECT_EQ(j["campaigns"][2]["billing"], "cpm");
}

TEST(ReportGroups, AutoBiddingLessonReportsEveryStrategyThroughTheCli) {
  std::ostringstream out, err;
  ASSERT_EQ(run_cli({"run", "lesson_auto_bidding", "--json", "--quiet"}, out, err, nullptr), 0) << err.str();
  const auto j = nlohmann::json::parse(out.str())["summary"];
  ASSERT_EQ(j["groups"].size(), 3u) << "manual, tcpa and troas under one pacer, all per click";
  std::uint64_t campaigns = 0;
  for (const auto& g : j["groups"]) {
    EXPECT_EQ(g["pacer"], "dual_descent");
    EXPECT_EQ(g["billing"], "cpc");
    campaigns += g["campaigns"].get<std::uint64_t>();
    EXPECT_GT(g["spend"].get<double>(), 0.0);
    // A group is the sum of its campaigns (each campaign's figures are the run's per-campaign totals).
    double spend = 0, value = 0, surplus = 0;
    std::uint64_t members = 0, clicks = 0;
    for (const auto& c : j["campaigns"]) {
      if (c["bidding"] != g["bidding"] || c["pacer"] != g["pacer"] || c["billing"] != g["billing"]) continue;
      ++members;
      spend += c["spend"].get<double>();
      value += c["value"].get<double>();
      surplus += c["surplus"].get<double>();
      clicks += c["clicks"].get<std::uint64_t>();
    }
    EXPECT_EQ(members, g["campaigns"].get<std::uint64_t>()) << g["bidding"];
    EXPECT_EQ(clicks, g["clicks"].get<std::uint64_t>()) << g["bidding"];
    EXPECT_NEAR(spend, g["spend"].get<double>(), 1e-6) << g["bidding"];
    EXPECT_NEAR(value, g["value"].get<double>(), 1e-6) << g["bidding"];
    EXPECT_NEAR(surplus, g["surplus"].get<double>(), 1e-6) << g["bidding"];
  }
  EXPECT_EQ(campaigns, j["campaigns"].size());
  EXPECT_EQ(j["auto_bid"]["campaigns"].get<std::uint64_t>(), campaigns - j["groups"][0]["campaigns"].get<std::uint64_t>());
  std::ostringstream table, err2;
  ASSERT_EQ(run_cli({"run", "lesson_auto_bidding", "--quiet"}, table, err2, nullptr), 0) << err2.str();
  EXPECT_NE(table.str().find("By strategy"), std::string::npos);
  EXPECT_NE(table.str().find("Auto-bidding"), std::string::npos);
}

}  // namespace
}  // namespace adsim::cli

// Conversion economics wired into whole marketplace runs: billing per click, impression or
// conversion through the budget ledger; the platform's pCVR; advertiser value and surplus;
// target-CPA / target-ROAS auto-bidding; the per-strategy summary.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/sim_observer.hpp"
#include "scenarios/factory.hpp"
#include "scenarios/scenario_loader.hpp"

namespace adsim::scenarios {
namespace {

using core::BiddingKind;
using core::BillingModel;

struct MarketRun {
  std::unique_ptr<core::Marketplace> market;
  core::RunSummary summary;
};

MarketRun run(const std::string& bundled, std::vector<std::string> overrides) {
  const Scenario s = load_scenario_file(std::string(ADSIM_SOURCE_DIR) + "/scenarios/" + bundled + ".toml", overrides);
  MarketRun r;
  r.market = build_marketplace(s);
  r.summary = r.market->run();
  return r;
}

TEST(ConversionEconomics, DefaultsAreAllCpcManualAndValueIsConversionsTimesValue) {
  const MarketRun r = run("quickstart", {});
  const core::Counters& t = r.summary.totals;
  EXPECT_EQ(t.billed_impressions, 0u);
  EXPECT_EQ(t.billed_conversions, 0u);
  EXPECT_EQ(r.summary.auto_bid.campaigns, 0u);
  ASSERT_GT(t.conversions, 100u);
  EXPECT_EQ(t.attributed_conversions + t.late_conversions, t.conversions);
  double value = 0;
  for (const core::CampaignTotals& c : r.summary.campaigns) {
    EXPECT_EQ(c.billing, BillingModel::kCpc);
    EXPECT_EQ(c.bidding, BiddingKind::kManual);
    const core::Campaign& k = r.market->world().campaigns[c.campaign];
    EXPECT_DOUBLE_EQ(c.value, static_cast<double>(c.conversions) * k.value_per_conversion);
    EXPECT_EQ(c.surplus, c.value - c.spend.as_double_micros()) << "surplus is value - spend, exactly";
    value += c.value;
  }
  EXPECT_NEAR(t.advertiser_value, value, 1e-6 * value);
  // Value per click is the expected value of a click: value per conversion x typical CVR.
  const core::Campaign& k = r.market->world().campaigns[0];
  EXPECT_NEAR(k.value_per_click, k.value_per_conversion * r.market->world().typical_cvr, 1e-9 * k.value_per_click);
}

TEST(ConversionEconomics, EachBillingModelPaysForItsOwnEvent) {
  // Budgets far above what any campaign can spend: every billing event is billed, none forgone.
  const MarketRun r = run("quickstart", {"world.cpm_share=0.3", "world.cpa_share=0.3", "world.daily_budget_median=1e6"});
  const auto& world = r.market->world();
  std::uint64_t cpm_impressions = 0, cpa_conversions = 0, cpc_clicks = 0;
  int counts[3] = {0, 0, 0};
  core::Money spend{0};
  for (const core::CampaignTotals& c : r.summary.campaigns) {
    ++counts[static_cast<int>(c.billing)];
    EXPECT_EQ(c.billing, world.campaigns[c.campaign].billing);
    spend += c.spend;
    EXPECT_EQ(c.forgone.micros, 0);
    if (c.billing == BillingModel::kCpm) cpm_impressions += c.impressions;
    if (c.billing == BillingModel::kCpc) cpc_clicks += c.clicks;
    if (c.billing == BillingModel::kCpa) {
      cpa_conversions += c.attributed_conversions;
      if (c.attributed_conversions == 0) {
        EXPECT_EQ(c.spend.micros, 0) << "a CPA campaign pays nothing without conversions";
      }
    }
  }
  // 150 campaigns, Binomial shares 0.3 / 0.3 / 0.4: each group is certainly non-empty.
  EXPECT_GT(counts[0], 20);
  EXPECT_GT(counts[1], 20);
  EXPECT_GT(counts[2], 20);
  const core::Counters& t = r.summary.totals;
  EXPECT_EQ(t.billed_impressions, cpm_impressions);
  EXPECT_EQ(t.billed_conversions, cpa_conversions);
  EXPECT_EQ(t.billed_clicks, cpc_clicks);
  EXPECT_GT(cpm_impressions, 1000u);
  EXPECT_GT(cpa_conversions, 20u);
  EXPECT_EQ(t.revenue, spend);
  // Bids were derived from CPC bids so the three kinds compete: each earns a real share of revenue.
  core::Money by[3] = {core::Money{0}, core::Money{0}, core::Money{0}};
  for (const core::CampaignTotals& c : r.summary.campaigns) by[static_cast<int>(c.billing)] += c.spend;
  for (int b = 0; b < 3; ++b) EXPECT_GT(by[b].units(), 0.05 * t.revenue.units()) << "billing " << b;
  // Average CPC is per click: what CPC campaigns paid over their billed clicks, not all revenue.
  EXPECT_EQ(t.click_revenue, by[static_cast<int>(BillingModel::kCpc)]);
  EXPECT_DOUBLE_EQ(core::Rates::of(t).avg_cpc, t.click_revenue.units() / static_cast<double>(t.billed_clicks));
  EXPECT_LT(core::Rates::of(t).avg_cpc, t.revenue.units() / static_cast<double>(t.billed_clicks));
}

TEST(ConversionEconomics, AuctionLogIsPerClickAndExplorationPaysTheReserveInEveryBillingUnit) {
  // Mixed billing with 20% exploration traffic: in the auction log (per click: CPM and CPA bids and
  // prices converted with the platform's pCTR / pCVR), every shown ad pays at least the reserve and
  // at most its bid, whether the auction or exploration placed it. A winner whose price the reserve
  // set pays exactly the reserve per click in every slot (a CPM impression in slot s is expected to
  // bring pCTR x theta_s clicks, so it is charged reserve x pCTR x theta_s).
  struct Log : core::SimObserver {
    std::uint64_t shown = 0, bad_low = 0, bad_high = 0, bound = 0, bound_lower_slots = 0, bad_bound = 0;
    void on_auction(const core::AuctionLogEntry& e) override {
      for (const auto& c : e.candidates) {
        if (c.slot < 0) continue;
        ++shown;
        bad_low += c.price < 50'000 * (1 - 1e-6);
        bad_high += c.price > c.bid * c.pacing_multiplier * (1 + 1e-6);
        if (c.reserve_bound) {
          ++bound;
          bound_lower_slots += c.slot > 0;
          bad_bound += std::abs(c.price - 50'000) > 50'000 * 1e-6;
        }
      }
    }
  };
  const Scenario s = load_scenario_file(std::string(ADSIM_SOURCE_DIR) + "/scenarios/quickstart.toml",
                                        std::vector<std::string>{"world.cpm_share=0.3", "world.cpa_share=0.3",
                                                                 "model.exploration_share=0.2", "run.auction_log_rate=0.2"});
  auto market = build_marketplace(s);
  Log log;
  market->add_observer(log);
  const core::RunSummary summary = market->run();
  ASSERT_GT(log.shown, 10'000u);
  EXPECT_EQ(log.bad_low, 0u);
  EXPECT_EQ(log.bad_high, 0u);
  ASSERT_GT(log.bound_lower_slots, 100u);
  EXPECT_EQ(log.bad_bound, 0u) << "of " << log.bound << " reserve-bound winners";
  EXPECT_GT(summary.totals.explore_revenue.micros, 0);
}

TEST(ConversionEconomics, BudgetsHoldForEveryBillingModelAndExhaustionStopsServing) {
  // Tight budgets: most campaigns run out. A campaign is charged past its budget by at most one
  // charge, and a charge never exceeds the bid (prices are at most the bid; no pacer scales up).
  const MarketRun r = run("lesson_pacing", {"world.cpm_share=0.3", "world.cpa_share=0.3"});
  const auto& world = r.market->world();
  int exhausted[3] = {0, 0, 0};
  for (const core::CampaignTotals& c : r.summary.campaigns) {
    const core::Campaign& k = world.campaigns[c.campaign];
    const auto over = c.spend - k.daily_budget;
    EXPECT_LE(over.micros, k.bid.micros) << "campaign " << c.campaign;
    EXPECT_LE(c.overspend.micros, k.bid.micros) << "campaign " << c.campaign;
    if (c.first_exhausted_at >= 0) {
      ++exhausted[static_cast<int>(c.billing)];
      EXPECT_GE(c.spend, k.daily_budget);
      EXPECT_FALSE(r.market->ad_server().ad_live(k.first_ad)) << "an exhausted campaign is out of the auction";
    }
  }
  EXPECT_GT(exhausted[0], 5);
  EXPECT_GT(exhausted[1], 5) << "CPM campaigns exhaust their budgets too";
  EXPECT_GT(exhausted[2], 5) << "so do CPA campaigns, at a conversion";
  EXPECT_GT(r.summary.totals.forgone.micros, 0) << "clicks/conversions after exhaustion are forgone";
}

TEST(ConversionEconomics, LateConversionsAreNotAttributedNorBilled) {
  // Conversion delay is lognormal with median 30 minutes: with a 30-minute window exactly half are
  // late. Binomial(n, 1/2): 5 standard deviations.
  const MarketRun r = run("quickstart", {"world.cpa_share=0.5", "world.daily_budget_median=1e6", "model.conversion_window_hours=0.5"});
  const core::Counters& t = r.summary.totals;
  const auto n = static_cast<double>(t.conversions);
  ASSERT_GT(n, 200);
  EXPECT_EQ(t.attributed_conversions + t.late_conversions, t.conversions);
  EXPECT_NEAR(static_cast<double>(t.late_conversions), 0.5 * n, 5 * std::sqrt(n * 0.25));
  std::uint64_t cpa_attributed = 0;
  for (const auto& c : r.summary.campaigns)
    if (c.billing == BillingModel::kCpa) cpa_attributed += c.attributed_conversions;
  EXPECT_EQ(t.billed_conversions, cpa_attributed) << "only attributed conversions are billed";
  // With a day-long window (the default) essentially none is late: P(delay > 24 h) ~ 2e-4.
  const MarketRun all = run("quickstart", {});
  EXPECT_LE(all.summary.totals.late_conversions, 5u);
}

TEST(ConversionEconomics, PcvrConvergesToTheTrueConversionRate) {
  // One ad per campaign, so each campaign has one true conversion rate per click:
  // min(1, conversion_rate x 2 x quality). Traffic stops at 20:00 so conversions (median delay 30
  // min) have arrived by the end. The platform's pCVR = (conversions + a) / (clicks + a + b); for a
  // campaign with n clicks it lies within 4 binomial standard errors of the truth, plus the prior's
  // pull (a + b) |prior - p| / (n + a + b).
  const MarketRun r = run("quickstart", {"world.ads=150", "truth.conversion_rate=0.1", "model.cvr_prior=0.1", "traffic.sessions_per_day=90000",
                                   "traffic.hourly_profile=[0.3,0.2,0.15,0.12,0.12,0.2,0.4,0.7,0.9,1,1,1.1,1.2,1.1,1,1,1,1.1,1.3,1.5,0,0,0,0]"});
  const auto& world = r.market->world();
  int checked = 0;
  double sum_abs_err = 0;
  for (const core::CampaignTotals& c : r.summary.campaigns) {
    const auto n = static_cast<double>(c.clicks);
    if (n < 300) continue;
    const double q = world.ads.true_quality[world.campaigns[c.campaign].first_ad];
    const double p = std::min(1.0, 0.1 * 2.0 * q);
    const double prior_pull = 100.0 * std::abs(0.1 - p) / (n + 100.0);
    EXPECT_NEAR(c.pcvr, p, 4 * std::sqrt(p * (1 - p) / n) + prior_pull + 1e-6) << "campaign " << c.campaign << ", " << n << " clicks";
    sum_abs_err += std::abs(c.pcvr - p);
    ++checked;
  }
  ASSERT_GT(checked, 10);
  // And it learns: campaigns differ in quality, so the learned rates beat the prior on average.
  double prior_err = 0;
  for (const core::CampaignTotals& c : r.summary.campaigns) {
    if (static_cast<double>(c.clicks) < 300) continue;
    const double q = world.ads.true_quality[world.campaigns[c.campaign].first_ad];
    prior_err += std::abs(0.1 - std::min(1.0, 0.2 * q));
  }
  EXPECT_LT(sum_abs_err, prior_err);
}

std::vector<Diagnostic> errors_of(std::string_view text) {
  try {
    parse_scenario(text, "econ.toml");
  } catch (const ScenarioError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected a ScenarioError for:\n" << text;
  return {};
}

TEST(ConversionEconomicsSchema, SharesAboveOneAndNegativeTargetsAreRejected) {
  auto billing = errors_of("[world]\ncpm_share = 0.6\ncpa_share = 0.5\n");
  ASSERT_EQ(billing.size(), 1u);
  EXPECT_EQ(billing[0].file, "econ.toml");
  EXPECT_GT(billing[0].line, 1) << "blames a line of the file";
  EXPECT_NE(billing[0].message.find("world.cpm_share + world.cpa_share must be <= 1"), std::string::npos) << billing[0].message;
  auto goals = errors_of("[world]\ntcpa_share = 0.7\ntroas_share = 0.7\n");
  ASSERT_EQ(goals.size(), 1u);
  EXPECT_NE(goals[0].message.find("world.tcpa_share + world.troas_share must be <= 1"), std::string::npos) << goals[0].message;
  auto negative = errors_of("[world]\ntcpa_target_over_value = -1\n");
  ASSERT_EQ(negative.size(), 1u);
  EXPECT_EQ(negative[0].key_path, "world.tcpa_target_over_value");
  EXPECT_EQ(negative[0].line, 2);
  EXPECT_EQ(errors_of("[world]\ncpm_share = -0.1\n").size(), 1u);
  EXPECT_EQ(errors_of("[model]\nconversion_window_hours = 0\n").size(), 1u);
  EXPECT_EQ(errors_of("[pacing]\nauto_bid_gain = -0.1\n").size(), 1u);
  // Exactly 1 is fine: no campaign pays per click.
  EXPECT_NO_THROW(parse_scenario("[world]\ncpm_share = 0.5\ncpa_share = 0.5\n", "ok.toml"));
}

TEST(AutoBidding, CampaignsGetGoalsAndTheSummaryReportsThem) {
  const MarketRun r = run("lesson_auto_bidding", {});
  const auto& world = r.market->world();
  int kinds[3] = {0, 0, 0};
  for (const core::CampaignTotals& c : r.summary.campaigns) {
    ++kinds[static_cast<int>(c.bidding)];
    const core::Campaign& k = world.campaigns[c.campaign];
    if (c.bidding == BiddingKind::kTargetCpa) {
      EXPECT_DOUBLE_EQ(c.auto_bid_target, 0.8 * k.value_per_conversion);
    } else if (c.bidding == BiddingKind::kTargetRoas) {
      EXPECT_DOUBLE_EQ(c.auto_bid_target, 1.25);
    } else {
      EXPECT_EQ(c.auto_bid_target, 0.0);
    }
    if (c.bidding != BiddingKind::kManual) {
      EXPECT_GT(c.auto_bid_multiplier, 0.0);
      // A campaign that never won stays at m = 1 (no cost, no allowance: r = 1); one that spent adapts.
      if (c.attributed_conversions > 20) {
        EXPECT_NE(c.auto_bid_multiplier, 1.0) << "the multiplier adapts";
      }
    }
  }
  EXPECT_GT(kinds[0], 10);
  EXPECT_GT(kinds[1], 10);
  EXPECT_GT(kinds[2], 10);
  EXPECT_EQ(r.summary.auto_bid.campaigns, static_cast<std::uint32_t>(kinds[1] + kinds[2]));
  // Same seed, same run.
  const MarketRun again = run("lesson_auto_bidding", {});
  EXPECT_EQ(again.summary.totals.revenue, r.summary.totals.revenue);
  EXPECT_EQ(again.summary.totals.conversions, r.summary.totals.conversions);
  for (std::size_t c = 0; c < r.summary.campaigns.size(); ++c)
    EXPECT_EQ(again.summary.campaigns[c].auto_bid_multiplier, r.summary.campaigns[c].auto_bid_multiplier);
}

// A steady market: budgets far above spend and no pacer, so only the goal constrains the
// auto-bidders, over two days. A campaign with n attributed conversions has a realized CPA whose
// relative sampling error is about 1/sqrt(n) (Poisson count); it must be within 4 of those of its
// target, plus 5% for the first hours while m settles from 1. That allowance: log m moves by
// -gain x log(cost / allowance) every 15 minutes, so an initial log error d decays with a time
// constant of about 15 min / 0.05 = 5 h, and its share of a 48-hour cumulative ratio is about
// d x 5 / 48; 0.05 covers d up to 0.5 (a steady-state multiplier between 0.6 and 1.65). Pooled over
// the group the same with N = all their conversions. Broken feedback fails this: without
// conversions m falls to its floor, without charges it climbs to its ceiling.
void expect_on_target(const core::RunSummary& s, BiddingKind kind) {
  double sum_ratio_weight = 0, pooled_num = 0, pooled_den = 0;
  int checked = 0;
  for (const core::CampaignTotals& c : s.campaigns) {
    if (c.bidding != kind) continue;
    const auto n = static_cast<double>(c.attributed_conversions);
    const double ratio = kind == BiddingKind::kTargetCpa ? c.auto_bid_realized / c.auto_bid_target
                                                         : c.auto_bid_target / c.auto_bid_realized;
    if (kind == BiddingKind::kTargetCpa) {
      pooled_num += c.spend.as_double_micros();
      pooled_den += c.auto_bid_target * n;
    } else if (c.spend.micros > 0) {
      pooled_num += c.auto_bid_target * c.spend.as_double_micros();
      pooled_den += c.value - static_cast<double>(c.late_conversions) * c.value_per_conversion;
    }
    sum_ratio_weight += n;
    if (n < 100) continue;
    ++checked;
    EXPECT_NEAR(ratio, 1.0, 4.0 / std::sqrt(n) + 0.05)
        << "campaign " << c.campaign << ": " << n << " conversions, multiplier " << c.auto_bid_multiplier;
  }
  ASSERT_GE(checked, 2);
  EXPECT_NEAR(pooled_num / pooled_den, 1.0, 4.0 / std::sqrt(sum_ratio_weight) + 0.05);
}

TEST(AutoBidding, TargetCpaCampaignsRealizeTheirTargetInASteadyMarket) {
  const MarketRun r = run("lesson_auto_bidding", {"world.daily_budget_median=1e6", "pacing.pacer=none", "world.tcpa_share=0.5",
                                                  "world.troas_share=0", "world.tcpa_target_over_value=1.2"});
  expect_on_target(r.summary, BiddingKind::kTargetCpa);
  EXPECT_LT(r.summary.auto_bid.mean_violation, 0.05);
}

TEST(AutoBidding, TargetRoasCampaignsRealizeTheirTargetInASteadyMarket) {
  const MarketRun r = run("lesson_auto_bidding", {"world.daily_budget_median=1e6", "pacing.pacer=none", "world.tcpa_share=0",
                                                  "world.troas_share=0.5", "world.troas_target=1.0"});
  expect_on_target(r.summary, BiddingKind::kTargetRoas);
}

}  // namespace
}  // namespace adsim::scenarios

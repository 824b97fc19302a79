// pacing::AutoBidPolicy: the AutoBidder behind core::BidPolicy, with goals read from campaigns.
#include <gtest/gtest.h>

#include "pacing/auto_bidder.hpp"

namespace adsim::pacing {
namespace {

std::vector<core::Campaign> three_campaigns() {
  std::vector<core::Campaign> cs(3);
  cs[0].bid = core::Money{500'000};  // manual
  cs[1].bidding = core::BiddingKind::kTargetCpa;
  cs[1].bid_target = 8e6;
  cs[1].value_per_conversion = 10e6;
  cs[2].bidding = core::BiddingKind::kTargetRoas;
  cs[2].bid_target = 2.0;
  cs[2].value_per_conversion = 10e6;
  return cs;
}

TEST(AutoBidPolicy, GoalsComeFromCampaignsAndBidsOverwriteOnlyManagedOnes) {
  const auto goals = auto_bid_goals(three_campaigns());
  ASSERT_EQ(goals.size(), 3u);
  EXPECT_EQ(goals[0].kind, AutoBidGoal::Kind::kNone);
  EXPECT_EQ(goals[1].kind, AutoBidGoal::Kind::kTargetCpa);
  EXPECT_EQ(goals[1].target, 8e6);
  EXPECT_EQ(goals[2].kind, AutoBidGoal::Kind::kTargetRoas);
  EXPECT_EQ(goals[2].value_per_conversion, 10e6);
  AutoBidPolicy policy(AutoBidder(goals), nullptr);
  EXPECT_FALSE(policy.manages(0));
  EXPECT_TRUE(policy.manages(1));
  const core::CampaignId cs[] = {0, 1, 2, 1};
  const float pcvr[] = {0.1f, 0.05f, 0.1f, 0.2f};
  double bid[] = {123.0, 0.0, 0.0, 0.0};
  policy.bids(cs, pcvr, bid);
  EXPECT_EQ(bid[0], 123.0) << "a manual campaign keeps its bid";
  EXPECT_DOUBLE_EQ(bid[1], 8e6 * double{pcvr[1]});          // target CPA x pCVR x m (m = 1)
  EXPECT_DOUBLE_EQ(bid[2], 10e6 * double{pcvr[2]} / 2.0);   // value x pCVR / target ROAS x m
  EXPECT_DOUBLE_EQ(bid[3], 8e6 * double{pcvr[3]});
  EXPECT_EQ(policy.bid(1, 0.05), policy.bidder().bid(1, 0.05));
}

TEST(AutoBidPolicy, FeedbackMovesTheMultiplierAndTheOutcome) {
  AutoBidderParams params;
  params.prior_conversions = 0.0;
  AutoBidPolicy policy(AutoBidder(auto_bid_goals(three_campaigns()), params), nullptr);
  // tCPA campaign 1 spends 16 per conversion against a target of 8: m must come down.
  for (int i = 0; i < 10; ++i) {
    policy.on_charge(1, core::Money{16'000'000});
    policy.on_conversion(1, 10e6);
    policy.on_charge(0, core::Money{1'000'000});  // a manual campaign: ignored
  }
  policy.update(params.interval);
  const core::AutoBidOutcome o = policy.outcome(1);
  EXPECT_EQ(o.kind, core::BiddingKind::kTargetCpa);
  EXPECT_LT(o.multiplier, 1.0);
  EXPECT_DOUBLE_EQ(o.realized, 16e6);
  EXPECT_DOUBLE_EQ(o.violation, 1.0);  // 16 / 8 - 1
  EXPECT_EQ(policy.outcome(0).kind, core::BiddingKind::kManual);
  const core::AutoBidTotals t = policy.totals();
  EXPECT_EQ(t.campaigns, 2u);
  EXPECT_EQ(t.violating, 1u);
  EXPECT_DOUBLE_EQ(t.max_violation, 1.0);
}

}  // namespace
}  // namespace adsim::pacing

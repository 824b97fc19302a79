// How the marketplace drives an auto-bidding policy (core::BidPolicy): its own update event every
// interval, every billed charge and every attributed conversion fed back, bids asked per request,
// and the funnel's bid refreshed after each update. A recording fake stands in for the AutoBidder.
#include <gtest/gtest.h>

#include <map>

#include "core/marketplace.hpp"
#include "core/world_generator.hpp"
#include "models/ground_truth.hpp"
#include "models/historical_ctr.hpp"
#include "models/historical_cvr.hpp"
#include "reference_gsp.hpp"
#include "small_run.hpp"

namespace adsim::core {
namespace {

// Bids (700,000 + c) x m per click, independent of pCVR, with m = 1 + 0.01 x updates so far.
struct RecordingPolicy final : BidPolicy {
  std::vector<std::uint8_t> managed;
  std::vector<SimTime> updates;
  std::map<CampaignId, Money> charged;
  std::map<CampaignId, std::uint64_t> conversions;
  mutable std::uint64_t batches = 0;
  SimTime every = 15 * kMinute;

  double m() const { return 1.0 + 0.01 * static_cast<double>(updates.size()); }
  std::string_view name() const override { return "recording"; }
  bool manages(CampaignId c) const override { return managed[c] != 0; }
  double bid(CampaignId c, double) const override { return (700'000.0 + c) * m(); }
  void bids(std::span<const CampaignId> cs, std::span<const float> pcvr, std::span<double> out) const override {
    ++batches;
    for (std::size_t i = 0; i < cs.size(); ++i)
      if (managed[cs[i]]) out[i] = bid(cs[i], pcvr[i]);
  }
  SimTime interval() const override { return every; }
  void update(SimTime now) override { updates.push_back(now); }
  void on_charge(CampaignId c, Money billed) override { charged[c] += billed; }
  void on_conversion(CampaignId c, double) override { ++conversions[c]; }
  AutoBidOutcome outcome(CampaignId c) const override {
    AutoBidOutcome o;
    o.kind = BiddingKind::kTargetCpa;
    o.multiplier = m();
    o.target = 1000.0 + c;
    return o;
  }
  AutoBidTotals totals() const override { return {7, 0, 0.0, 0.0}; }
};

struct BidLog : SimObserver {
  const std::vector<std::uint8_t>* managed = nullptr;
  const World* world = nullptr;
  std::uint64_t managed_seen = 0, wrong = 0;
  void on_auction(const AuctionLogEntry& e) override {
    for (const AuctionLogCandidate& c : e.candidates) {
      if (!(*managed)[c.campaign]) {
        wrong += c.bid != static_cast<double>(world->campaigns[c.campaign].bid.micros);
        continue;
      }
      ++managed_seen;
      // Some multiplier 1 + 0.01 k applied to 700,000 + c.
      const double m = c.bid / (700'000.0 + c.campaign);
      const double k = (m - 1.0) / 0.01;
      wrong += std::abs(k - std::round(k)) > 1e-6;
    }
  }
};

TEST(AutoBidWiring, MarketplaceUpdatesFeedsAndAsksThePolicy) {
  testing::SmallRun run;
  run.world.tcpa_share = 0.5;
  run.config.scenario_name = "autobid";
  run.config.run.seed = 5;
  run.config.run.auction_log_rate = 0.2;
  run.truth.conversion_rate = 0.2;
  const MarketplaceConfig& config = run.config;

  auto w = run.make_world();
  auto policy = std::make_unique<RecordingPolicy>();
  for (const Campaign& k : w->campaigns) policy->managed.push_back(k.bidding != BiddingKind::kManual ? 1 : 0);
  const std::vector<std::uint8_t> managed = policy->managed;
  RecordingPolicy* p = policy.get();
  MarketplaceComponents parts = run.components(*w);
  parts.conversion_model = std::make_unique<models::HistoricalCvrModel>(w->campaigns.size(), 0.05, 100.0);
  parts.bid_policy = std::move(policy);
  Marketplace market(std::move(w), config, std::move(parts));
  BidLog log;
  log.managed = &managed;
  log.world = &market.world();
  market.add_observer(log);

  // Before any update the funnel sees the policy's bid at m = 1.
  for (CampaignId c = 0; c < managed.size(); ++c) {
    if (managed[c]) {
      EXPECT_FLOAT_EQ(static_cast<float>(market.ad_server().funnel_bid(c)), static_cast<float>(700'000.0 + c));
    }
  }

  const RunSummary s = market.run();
  // update() on its own event, every interval, the last one at the end of the day.
  ASSERT_EQ(p->updates.size(), static_cast<std::size_t>(kDay / p->every));
  for (std::size_t k = 0; k < p->updates.size(); ++k) EXPECT_EQ(p->updates[k], static_cast<SimTime>(k + 1) * p->every);
  // Every billed charge and every attributed conversion of a campaign reached the policy.
  int managed_campaigns = 0, spent = 0;
  for (const CampaignTotals& c : s.campaigns) {
    EXPECT_EQ(p->charged[c.campaign], c.spend) << "campaign " << c.campaign;
    EXPECT_EQ(p->conversions[c.campaign], c.attributed_conversions) << "campaign " << c.campaign;
    if (!managed[c.campaign]) continue;
    ++managed_campaigns;
    spent += c.spend.micros > 0;
    EXPECT_DOUBLE_EQ(c.auto_bid_multiplier, p->m());
    EXPECT_DOUBLE_EQ(c.auto_bid_target, 1000.0 + c.campaign);
    // The funnel's bid was refreshed after the last update.
    EXPECT_FLOAT_EQ(static_cast<float>(market.ad_server().funnel_bid(c.campaign)),
                    static_cast<float>((700'000.0 + c.campaign) * p->m()));
  }
  EXPECT_GT(managed_campaigns, 15);
  EXPECT_GT(spent, 5);
  EXPECT_EQ(s.auto_bid.campaigns, 7u) << "the run summary carries the policy's totals";
  // Bids came from the policy, one batch call per request that reached the auction stage.
  EXPECT_GT(p->batches, 1000u);
  EXPECT_LE(p->batches, s.totals.requests);
  EXPECT_GT(log.managed_seen, 100u);
  EXPECT_EQ(log.wrong, 0u);
}

}  // namespace
}  // namespace adsim::core

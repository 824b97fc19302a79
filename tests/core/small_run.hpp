#pragma once
#include <memory>

#include "core/marketplace.hpp"
#include "core/world_generator.hpp"
#include "models/ground_truth.hpp"
#include "models/historical_ctr.hpp"
#include "reference_gsp.hpp"

namespace adsim::testing {

// A one-day marketplace small enough for a unit test (5,000 users, 60 campaigns, 240 ads, about
// 32,000 requests) with the historical-CTR baseline and the reference GSP. Tests change the fields
// they are about before build(); every auction is logged unless they turn that down.
struct SmallRun {
  core::WorldSpec world;
  core::MarketplaceConfig config;
  models::GroundTruthParams truth;

  SmallRun() {
    world.users = 5000;
    world.advertisers = 20;
    world.campaigns = 60;
    world.ads = 240;
    world.daily_budget_median = 20.0;
    world.bid_median = 0.8;
    config.scenario_name = "test";
    config.traffic.sessions_per_day = 8000;
    config.run.days = 1.0;
    config.run.seed = 11;
    config.run.auction_log_rate = 1.0;
    config.server.funnel.prerank_keep = 60;
    config.server.funnel.rank_keep = 20;
    config.server.reserve_micros = 50'000;
  }

  // Campaign flights are drawn over the run's horizon (as the scenario factory does).
  std::unique_ptr<core::World> make_world() const {
    return std::make_unique<core::World>(
        core::generate_world(world, core::RandomStreams(config.run.seed), config.run.horizon()));
  }
  // The ground truth, the historical-CTR baseline and the reference GSP; tests add or swap parts.
  core::MarketplaceComponents components(const core::World& w) const {
    core::MarketplaceComponents parts;
    parts.truth = std::make_unique<models::GroundTruth>(w, truth);
    parts.ctr_model = std::make_unique<models::HistoricalCtrModel>(w.ads.size(), 0.02, 200.0, config.server.position_factors);
    parts.auction = std::make_unique<ReferenceGsp>();
    return parts;
  }
  // `ctr_model` replaces the baseline click model if given.
  std::unique_ptr<core::Marketplace> build(std::unique_ptr<core::CtrModel> ctr_model = nullptr) const {
    auto w = make_world();
    core::MarketplaceComponents parts = components(*w);
    if (ctr_model) parts.ctr_model = std::move(ctr_model);
    return std::make_unique<core::Marketplace>(std::move(w), config, std::move(parts));
  }
};

}  // namespace adsim::testing

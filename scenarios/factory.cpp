#include "scenarios/factory.hpp"

#include <cmath>

#include "core/world_generator.hpp"
#include "models/ground_truth.hpp"
#include "models/historical_ctr.hpp"
#include "models/oracle_ctr_model.hpp"
#include "pacing/pacers.hpp"
#include "scenarios/component_registry.hpp"

namespace adsim::scenarios {

namespace {
// The schema has checked the name.
core::OffPolicyTarget off_policy_target(const std::string& name) {
  for (auto t : {core::OffPolicyTarget::kAuction, core::OffPolicyTarget::kTopPctr, core::OffPolicyTarget::kTopBid})
    if (name == core::off_policy_target_name(t)) return t;
  return core::OffPolicyTarget::kNone;
}
// funnel.predict_cost = "measured": the click model's measured scoring time per candidate, in µs.
double measured_predict_cost_us(const Scenario& s, const core::CtrModel& model) {
  const double ns = model.serving_ns_per_candidate();
  if (ns < 0)
    throw BuildError("funnel.predict_cost = \"measured\": the click model '" + s.model.ctr_model +
                     "' has no measured serving cost; use funnel.predict_cost = \"fixed\"");
  return ns / 1000.0 * s.funnel.measured_cost_scale;
}

}  // namespace

core::MarketplaceConfig marketplace_config(const Scenario& s) {
  core::MarketplaceConfig c;
  c.scenario_name = s.name;
  c.traffic = s.traffic;
  c.run = s.run;
  c.server.funnel = s.funnel;
  c.server.slots = s.auction.slots;
  c.server.position_factors = s.auction.position_factors;
  c.server.reserve_micros = s.auction.reserve * 1e6;
  for (double r : s.auction.slot_reserves) c.server.slot_reserves_micros.push_back(r * 1e6);
  for (double r : s.auction.region_reserves) c.server.region_reserves_micros.push_back(r * 1e6);
  for (double r : s.auction.surface_reserves) c.server.surface_reserves_micros.push_back(r * 1e6);
  for (double r : s.auction.query_category_reserves) c.server.query_category_reserves_micros.push_back(r * 1e6);
  c.server.quality_exponent = s.auction.quality_exponent;
  c.ab_share = s.auction.ab_share;
  c.ab_budget_split = s.auction.ab_budget_split;
  c.server.ab_slots = s.auction.ab_slots;
  c.server.ab_reserve_micros = s.auction.ab_reserve < 0 ? -1.0 : s.auction.ab_reserve * 1e6;
  c.attribution_window = static_cast<core::SimTime>(std::llround(s.model.attribution_window_minutes * static_cast<double>(core::kMinute)));
  c.conversion_window = static_cast<core::SimTime>(std::llround(s.model.conversion_window_hours * static_cast<double>(core::kHour)));
  c.quality_penalty = s.model.quality_penalty;
  c.exploration_share = s.model.exploration_share;
  c.server.optimism_bonus = s.model.optimism_bonus;
  c.server.ope_target = off_policy_target(s.model.ope_target);
  return c;
}

std::unique_ptr<core::Marketplace> build_marketplace(const Scenario& s) {
  core::MarketplaceConfig config = marketplace_config(s);
  const core::RandomStreams streams(s.run.seed);
  std::unique_ptr<core::World> world;
  try {
    world = std::make_unique<core::World>(core::generate_world(s.world, streams, s.run.horizon()));
  } catch (const std::invalid_argument& e) {
    throw BuildError(e.what());
  }
  core::MarketplaceComponents parts;
  auto truth = std::make_unique<models::GroundTruth>(*world, s.truth);
  parts.ctr_model = make_ctr_model(s, *world, *truth);
  if (s.funnel.predict_cost == "measured") config.server.funnel.predict_cost_us = measured_predict_cost_us(s, *parts.ctr_model);
  parts.calibrator = make_calibrator(s, *world);
  parts.pacer = make_pacer(s, *world);
  // Each campaign's pacing strategy, for the per-strategy summary.
  if (const auto* paced = dynamic_cast<const pacing::PacerBase*>(parts.pacer.get())) {
    config.pacer_names = {"none", "throttling", "dual_descent", "pid"};
    config.campaign_pacer.resize(world->campaigns.size());
    for (core::CampaignId c = 0; c < world->campaigns.size(); ++c)
      config.campaign_pacer[c] = static_cast<std::uint8_t>(paced->strategy_of(c));
  }
  parts.conversion_model = make_conversion_model(s, *world);
  parts.bid_policy = make_bid_policy(s, *world, parts.pacer.get());
  parts.auction = make_auction(s);
  parts.evaluator = make_evaluator(s);
  parts.quality_model = make_quality_model(s, *world);
  parts.truth = std::move(truth);
  try {
    return std::make_unique<core::Marketplace>(std::move(world), config, std::move(parts));
  } catch (const std::invalid_argument& e) {
    throw BuildError(e.what());
  }
}

}  // namespace adsim::scenarios

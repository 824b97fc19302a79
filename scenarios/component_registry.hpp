#pragma once
#include <memory>
#include <vector>

#include "core/auction_mechanism.hpp"
#include "core/bid_policy.hpp"
#include "core/conversion_model.hpp"
#include "core/ctr_model.hpp"
#include "core/pacer.hpp"
#include "core/user_response.hpp"
#include "core/world.hpp"
#include "models/mlp_ctr_model.hpp"
#include "pacing/pacer_params.hpp"
#include "scenarios/scenario.hpp"

namespace adsim::scenarios {

// Names in scenario files map to implementations here, in one place, so adding a mechanism, model
// or pacer means adding one branch (and a schema value).
std::unique_ptr<core::CtrModel> make_ctr_model(const Scenario& s, const core::World& world, const core::UserResponse& truth);
// The neural ranker's configuration from the scenario's model.mlp_* keys (and the shared ones).
models::MlpConfig mlp_config(const Scenario& s);
std::unique_ptr<core::Calibrator> make_calibrator(const Scenario& s, const core::World& world);
std::unique_ptr<core::Pacer> make_pacer(const Scenario& s, const core::World& world);
// The [pacing] section's strategies, in the order none, throttling, dual_descent, pid, each updating
// every `interval` (shared by the marketplace's pacer and the auction-only bidders').
std::vector<pacing::StrategyParams> pacing_strategies(const PacingSpec& p, core::SimTime interval);
std::unique_ptr<core::AuctionMechanism> make_auction(const Scenario& s);
std::unique_ptr<core::PredictionEvaluator> make_evaluator(const Scenario& s);
std::unique_ptr<core::QualityModel> make_quality_model(const Scenario& s, const core::World& world);
// The platform's pCVR model (smoothed historical conversion rate per campaign).
std::unique_ptr<core::ConversionModel> make_conversion_model(const Scenario& s, const core::World& world);
// Auto-bidding of the world's tCPA/tROAS campaigns; null when there are none. `pacer` may be null.
std::unique_ptr<core::BidPolicy> make_bid_policy(const Scenario& s, const core::World& world, const core::Pacer* pacer);

}  // namespace adsim::scenarios

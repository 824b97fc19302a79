#pragma once
#include <memory>
#include <stdexcept>

#include "core/marketplace.hpp"
#include "scenarios/scenario.hpp"

namespace adsim::scenarios {

// A scenario that parsed but cannot be built (a combination the schema cannot see).
class BuildError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

core::MarketplaceConfig marketplace_config(const Scenario& scenario);

// Generates the world from the scenario's seed and wires the ground truth, the platform's click
// model and calibrator, the pacer and the auction mechanism into a ready-to-run marketplace.
std::unique_ptr<core::Marketplace> build_marketplace(const Scenario& scenario);

}  // namespace adsim::scenarios

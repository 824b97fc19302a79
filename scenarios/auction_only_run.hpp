#pragma once
#include "auction/auction_only.hpp"
#include "scenarios/scenario.hpp"

namespace adsim::scenarios {

// The auction-only configuration a scenario describes ([auction_only] plus the [auction] section's
// mechanism, slots, position factors and reserve). Throws BuildError for a combination the
// auction library rejects.
auction::AuctionOnlyConfig auction_only_config(const Scenario& scenario);

}  // namespace adsim::scenarios

#include "scenarios/component_registry.hpp"

#include "auction/first_price.hpp"
#include "auction/gsp.hpp"
#include "auction/vcg.hpp"
#include "models/historical_ctr.hpp"
#include "models/oracle_ctr_model.hpp"
#include "scenarios/factory.hpp"

namespace adsim::scenarios {

std::unique_ptr<core::CtrModel> make_ctr_model(const Scenario& s, const core::World& world,
                                               const core::UserResponse& truth) {
  const std::string& name = s.model.ctr_model;
  if (name == "historical")
    return std::make_unique<models::HistoricalCtrModel>(world.ads.size(), s.model.prior_ctr, s.model.prior_strength,
                                                        s.auction.position_factors);
  if (name == "oracle") return std::make_unique<models::OracleCtrModel>(truth);
  throw BuildError("model.ctr_model = '" + name + "' is not available in this build");
}

std::unique_ptr<core::Calibrator> make_calibrator(const Scenario& s, const core::World&) {
  if (s.model.calibrator == "none") return nullptr;
  throw BuildError("model.calibrator = '" + s.model.calibrator + "' is not available in this build");
}

std::unique_ptr<core::Pacer> make_pacer(const Scenario& s, const core::World&) {
  if (s.pacing.pacer == "none") return nullptr;
  throw BuildError("pacing.pacer = '" + s.pacing.pacer + "' is not available in this build");
}

std::unique_ptr<core::AuctionMechanism> make_auction(const Scenario& s) {
  const std::string& name = s.auction.mechanism;
  if (name == "gsp") return std::make_unique<auction::GspMechanism>();
  if (name == "vcg") return std::make_unique<auction::VcgMechanism>();
  if (name == "first_price") return std::make_unique<auction::FirstPriceMechanism>();
  throw BuildError("auction.mechanism = '" + name + "' is not a known mechanism");
}

}  // namespace adsim::scenarios

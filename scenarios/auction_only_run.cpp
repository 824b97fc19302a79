#include "scenarios/auction_only_run.hpp"

#include "scenarios/factory.hpp"

namespace adsim::scenarios {

auction::AuctionOnlyConfig auction_only_config(const Scenario& s) {
  const AuctionOnlySpec& o = s.auction_only;
  auction::AuctionOnlyConfig c;
  c.bidders = o.bidders;
  c.bidders_per_auction = o.bidders_per_auction;
  c.slots = s.auction.slots;
  c.position_factors = s.auction.position_factors;
  c.mechanism = s.auction.mechanism == "vcg"           ? auction::MechanismKind::kVcg
                : s.auction.mechanism == "first_price" ? auction::MechanismKind::kFirstPrice
                                                       : auction::MechanismKind::kGsp;
  c.quality_exponent = s.auction.quality_exponent;
  c.reserve = s.auction.reserve;
  c.slot_reserves = s.auction.slot_reserves;
  c.reserve_rule = o.reserve_rule == "myerson"              ? auction::ReserveRule::kMyerson
                   : o.reserve_rule == "myerson_per_bidder" ? auction::ReserveRule::kMyersonPerBidder
                                                            : auction::ReserveRule::kFixed;
  if (o.values == "exponential") c.values = auction::ValueDistribution::exponential(o.value_mean);
  else if (o.values == "lognormal") c.values = auction::ValueDistribution::lognormal(o.value_mu, o.value_sigma);
  else if (o.values == "empirical") c.values = auction::ValueDistribution::empirical(o.value_points);
  else c.values = auction::ValueDistribution::uniform(o.value_low, o.value_high);
  if (o.strategy == "shaded") {
    c.strategy.kind = auction::StrategyKind::kShaded;
    c.strategy.shading = o.shading;
  } else if (o.strategy == "equilibrium") {
    c.strategy.kind = auction::StrategyKind::kFirstPriceEquilibrium;
  } else if (o.strategy == "bandit") {
    c.strategy.kind = auction::StrategyKind::kBanditShader;
  }
  c.rounds = static_cast<std::uint64_t>(o.rounds);
  c.seed = s.run.seed;
  if (const std::string problem = auction::check_config(c); !problem.empty()) throw BuildError("auction_only: " + problem);
  return c;
}

}  // namespace adsim::scenarios

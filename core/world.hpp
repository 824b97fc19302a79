#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "core/bid_policy.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/sim_time.hpp"

namespace adsim::core {

// Users as parallel arrays: a million of them are scanned and updated, so layout matters.
struct UserPopulation {
  int dim = 0;
  std::vector<std::uint8_t> region;
  std::vector<std::uint8_t> age_band;
  std::vector<std::uint8_t> device;
  std::vector<float> embedding;          // size() x dim, unit-norm interest vectors
  std::vector<std::uint64_t> interests;  // bit c set: category c is among the user's top interests
  std::vector<float> fatigue;            // grows with ad load and bad ads, decays over time
  std::vector<SimTime> fatigue_updated;  // when fatigue was last brought up to date (lazy decay)
  std::vector<std::uint8_t> left;        // 1 once the user has left the platform

  std::size_t size() const { return region.size(); }
  std::span<const float> embedding_of(UserId u) const {
    return {embedding.data() + static_cast<std::size_t>(u) * static_cast<std::size_t>(dim),
            static_cast<std::size_t>(dim)};
  }
};

struct Campaign {
  AdvertiserId advertiser = 0;
  Money daily_budget{0};  // 0 means no daily cap
  Money total_budget{0};  // 0 means no lifetime cap
  Money bid{0};           // per billing event
  BillingModel billing = BillingModel::kCpc;
  // The advertiser's value. Value is realized at conversion: a campaign's advertiser value is its
  // conversions x value_per_conversion. value_per_click is the campaign's expected value of a
  // click at the world's typical conversion rate (what manual bids are drawn around); allocative
  // efficiency weighs a click by the truth's conversion probability of the ad instead. Both in micros.
  double value_per_click = 0.0;
  double value_per_conversion = 0.0;
  BiddingKind bidding = BiddingKind::kManual;
  // The auto-bidding target: tCPA in micros per conversion, tROAS as value / spend (a ratio).
  double bid_target = 0.0;
  SimTime flight_start = 0;
  SimTime flight_end = 0;  // exclusive
  std::uint32_t region_mask = ~0u;   // bit r: region r targeted
  std::uint32_t age_mask = ~0u;      // bit a: age band a targeted
  std::uint64_t interest_mask = 0;   // 0: no interest targeting; else user must share a category
  AdId first_ad = 0;
  std::uint32_t ad_count = 0;
};

// Ads as parallel arrays; true quality is ground truth the platform never reads.
struct AdCatalog {
  int dim = 0;
  std::vector<CampaignId> campaign;
  std::vector<std::uint16_t> category;
  std::vector<float> true_quality;  // in (0, 1): drives attractiveness, hides and reports
  std::vector<float> embedding;     // size() x dim, unit norm
  std::vector<SimTime> available_from;  // cold-start ads appear during the run

  std::size_t size() const { return campaign.size(); }
  std::span<const float> embedding_of(AdId a) const {
    return {embedding.data() + static_cast<std::size_t>(a) * static_cast<std::size_t>(dim),
            static_cast<std::size_t>(dim)};
  }
};

struct World {
  // How bids in other billing units relate to a bid per click (see WorldSpec::typical_ctr): a CPM
  // bid per impression ~ bid per click x typical_ctr, a CPA bid per conversion ~ bid per click /
  // typical_cvr. Retrieval and pre-ranking rank every campaign by its bid per click equivalent.
  double typical_ctr = 0.02;
  double typical_cvr = 0.05;
  int num_regions = 1;
  int num_age_bands = 1;
  int num_devices = 1;
  int num_categories = 1;
  int dim = 16;
  std::vector<float> category_centroids;  // num_categories x dim, unit norm
  std::uint32_t num_advertisers = 0;
  UserPopulation users;
  std::vector<Campaign> campaigns;
  AdCatalog ads;
};

}  // namespace adsim::core

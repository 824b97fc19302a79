#pragma once
#include <cstdint>

namespace adsim::core {

using UserId = std::uint32_t;
using AdId = std::uint32_t;
using CampaignId = std::uint32_t;
using AdvertiserId = std::uint32_t;

// What a campaign pays for. The bid is expressed in the same unit (per click, per thousand
// impressions is NOT used: a CPM bid is per single impression here, in micros).
enum class BillingModel : std::uint8_t { kCpc = 0, kCpm = 1, kCpa = 2 };

// Factor that turns an amount in billing unit `b` into an amount per expected click, with the
// platform's own pCTR and pCVR: 1 for CPC, pCVR for CPA (per conversion x conversions per click),
// and for CPM 1 / (pCTR x theta), theta being the slot's position factor (bids are per reference,
// top, impression: theta = 1; a price is per impression in its slot).
inline double per_click_factor(BillingModel b, double pctr, double pcvr, double theta = 1.0) {
  switch (b) {
    case BillingModel::kCpc: return 1.0;
    case BillingModel::kCpm: return pctr > 0 ? 1.0 / pctr / theta : 0.0;
    case BillingModel::kCpa: return pcvr;
  }
  return 1.0;
}

inline constexpr int kMaxSlots = 16;

}  // namespace adsim::core

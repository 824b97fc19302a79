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

inline constexpr int kMaxSlots = 16;

}  // namespace adsim::core

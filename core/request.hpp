#pragma once
#include <cstdint>
#include <span>

#include "core/ids.hpp"
#include "core/sim_time.hpp"

namespace adsim::core {

// What the ad server knows about one ad request when it serves it.
struct RequestContext {
  std::uint64_t request_id = 0;
  SimTime time = 0;
  UserId user = 0;
  std::uint8_t region = 0;
  std::uint8_t age_band = 0;
  std::uint8_t device = 0;
  std::uint8_t hour = 0;  // hour of day, 0-23
  std::uint64_t interests = 0;
  std::span<const float> user_embedding;
};

}  // namespace adsim::core

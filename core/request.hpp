#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/ids.hpp"
#include "core/sim_time.hpp"

namespace adsim::core {

// Where a request comes from. A feed request shows ads next to content the user scrolls; a search
// request carries a query, whose category is the user's stated intent: only ads of that category
// are eligible, and the hidden truth makes them more attractive (models/ground_truth_params.hpp).
enum class Surface : std::uint8_t { kFeed = 0, kSearch = 1 };
inline constexpr std::size_t kSurfaces = 2;
inline constexpr const char* surface_name(Surface s) { return s == Surface::kSearch ? "search" : "feed"; }
inline constexpr std::size_t surface_index(Surface s) { return static_cast<std::size_t>(s); }
// The query category of a request without a query (feed).
inline constexpr std::uint16_t kNoQueryCategory = 0xFFFF;

// What the ad server knows about one ad request when it serves it.
struct RequestContext {
  std::uint64_t request_id = 0;
  SimTime time = 0;
  UserId user = 0;
  std::uint8_t region = 0;
  std::uint8_t age_band = 0;
  std::uint8_t device = 0;
  std::uint8_t hour = 0;  // hour of day, 0-23
  Surface surface = Surface::kFeed;
  std::uint16_t query_category = kNoQueryCategory;  // the query's category (search); kNoQueryCategory on feed
  std::uint64_t interests = 0;
  std::span<const float> user_embedding;
  // In-simulation A/B test (AdServerConfig::ab): 1 when the user is in the treatment arm.
  std::uint8_t arm = 0;

  bool is_search() const { return surface == Surface::kSearch; }
};

}  // namespace adsim::core

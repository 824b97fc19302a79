#pragma once
#include <cstdint>

#include "core/ids.hpp"
#include "core/request.hpp"
#include "core/sim_time.hpp"

namespace adsim::core {

// An impression as the platform logged it at serving time: what it knew then, nothing more.
struct LoggedImpression {
  std::uint64_t impression_id = 0;
  std::uint64_t request_id = 0;
  SimTime served_at = 0;
  UserId user = 0;
  AdId ad = 0;
  CampaignId campaign = 0;
  std::uint8_t slot = 0;
  std::uint8_t region = 0;
  std::uint8_t age_band = 0;
  std::uint8_t device = 0;
  std::uint8_t hour = 0;
  Surface surface = Surface::kFeed;                 // as served: training sees serving-time context
  std::uint16_t query_category = kNoQueryCategory;  // search only
  float raw_score = 0.0f;  // the model's output before calibration
  float pctr = 0.0f;       // the calibrated prediction the auction used
};

// A logged impression joined with its label once the attribution window has closed.
struct LabeledExample {
  LoggedImpression impression;
  bool clicked = false;
  bool hidden = false;
  bool reported = false;
  SimTime released_at = 0;
};

}  // namespace adsim::core

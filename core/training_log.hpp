#pragma once
#include <algorithm>
#include <cstdint>
#include <span>

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
  bool clicked = false;       // the label: a click that reached the platform inside the attribution window
  bool hidden = false;
  bool reported = false;
  bool user_clicked = false;  // the truth: the user clicked, whenever the click arrives (never learned from)
  SimTime released_at = 0;
};

// The click probability the platform expected for an impression: its served pCTR (a top-slot
// probability) x the position factor of the slot it was shown in, clipped to [1e-7, 1 - 1e-7].
// What progressive validation scores (models::ServedPredictionEvaluator) and the prediction log
// records, so that the log reproduces the run's model metrics. A slot past the factors takes the
// last; no factors: 1.
inline float expected_click_probability(float pctr, std::span<const double> position_factors, std::size_t slot) {
  const double factor = position_factors.empty() ? 1.0 : position_factors[std::min(slot, position_factors.size() - 1)];
  return static_cast<float>(std::clamp(static_cast<double>(pctr) * factor, 1e-7, 1.0 - 1e-7));
}

// One row of the prediction log (run.prediction_log_rate): a sampled impression at the moment its
// label became known (the joiner released it to training and to progressive validation), with the
// prediction the platform served for it. With the rate at 1 the rows are exactly the examples the
// run's model metrics score, in the same order (impression_id).
struct PredictionLogEntry {
  std::uint64_t impression_id = 0;
  std::uint64_t request_id = 0;
  SimTime served_at = 0;
  SimTime released_at = 0;
  UserId user = 0;
  AdId ad = 0;
  CampaignId campaign = 0;
  std::uint8_t slot = 0;
  Surface surface = Surface::kFeed;
  float raw_score = 0.0f;   // the model's output before calibration
  float pctr = 0.0f;        // the calibrated top-slot pCTR the auction used
  float prediction = 0.0f;  // expected_click_probability: what the model metrics score
  bool label = false;       // LabeledExample::clicked
  bool user_clicked = false;
};

}  // namespace adsim::core

#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/ids.hpp"
#include "core/random_streams.hpp"
#include "core/request.hpp"
#include "core/sim_time.hpp"

namespace adsim::core {

struct ShownAd {
  AdId ad = 0;
  int slot = 0;
};

struct ImpressionOutcome {
  bool examined = false;
  bool clicked = false;
  bool converted = false;
  bool hidden = false;
  bool reported = false;
  SimTime click_delay = 0;       // from impression to click
  SimTime conversion_delay = 0;  // from click to conversion
};

// The user's state that ads change: fatigue (decays with time) and whether they stay.
struct UserState {
  float& fatigue;
  SimTime& fatigue_updated;
  bool leaves = false;  // set by the response when the user leaves the platform after this page
};

// Ground truth: how users respond to ads. Hidden from the platform; lives in models/.
class UserResponse {
 public:
  virtual ~UserResponse() = default;
  virtual std::string_view name() const = 0;
  // P(click | ad shown in the top slot) for each ad: the number pCTR is compared against.
  virtual void true_ctr(const RequestContext& request, std::span<const AdId> ads, std::span<float> out) const = 0;
  // Expected welfare of one page, the sum over its slots of value per click x P(click there), for
  // allocative efficiency. Candidate i has `value[i]` per click and true CTR in the top slot
  // `top_ctr[i]` (true_ctr()), and was shown in `slot[i]` (-1: not shown). Per click model: in a
  // cascade, a slot's clicks depend on the ads above it.
  virtual double page_welfare(std::span<const double> value, std::span<const float> top_ctr,
                              std::span<const int> slot) const = 0;
  // The most welfare a page of at most `slots` of these candidates could make: the best choice of
  // ads and order of them. Not per request: sampled auctions only (it may allocate).
  virtual double best_page_welfare(std::span<const double> value, std::span<const float> top_ctr,
                                   std::size_t slots) const = 0;
  // P(a click on the ad converts): with the campaign's value per conversion, the true value of a
  // click on it (what allocative efficiency weighs clicks by).
  virtual double conversion_probability(AdId ad) const = 0;
  // A user's fatigue as of `now`, given its value when last updated (fatigue decays over time).
  virtual double fatigue_at(float fatigue, SimTime updated, SimTime now) const = 0;
  // Samples what the user does with the ads shown on one page, top slot first, and updates their state.
  virtual void respond(const RequestContext& request, std::span<const ShownAd> shown,
                       std::span<ImpressionOutcome> outcomes, UserState& state, Rng& rng) const = 0;
};

}  // namespace adsim::core

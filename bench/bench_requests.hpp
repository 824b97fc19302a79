#pragma once
// What the micro-benchmarks draw their work from: a user's request context as the marketplace fills
// it, and the logged impression of an ad shown on it (its label is the benchmark's to set).
#include <cstdint>

#include "core/request.hpp"
#include "core/training_log.hpp"
#include "core/world.hpp"

namespace adsim::bench {

inline core::RequestContext request_of(const core::World& world, core::UserId u, std::uint64_t id, std::uint8_t hour,
                                       core::SimTime time = 0) {
  core::RequestContext c;
  c.request_id = id;
  c.time = time;
  c.user = u;
  c.region = world.users.region[u];
  c.age_band = world.users.age_band[u];
  c.device = world.users.device[u];
  c.hour = hour;
  c.interests = world.users.interests[u];
  c.user_embedding = world.users.embedding_of(u);
  return c;
}

// Released at `released_at`; served then too unless the benchmark says otherwise.
inline core::LabeledExample impression_of(const core::World& world, const core::RequestContext& c, core::AdId ad,
                                          int slot, core::SimTime released_at) {
  core::LabeledExample e;
  e.impression.user = c.user;
  e.impression.region = c.region;
  e.impression.age_band = c.age_band;
  e.impression.device = c.device;
  e.impression.hour = c.hour;
  e.impression.ad = ad;
  e.impression.campaign = world.ads.campaign[ad];
  e.impression.slot = static_cast<std::uint8_t>(slot);
  e.impression.served_at = released_at;
  e.released_at = released_at;
  return e;
}

}  // namespace adsim::bench

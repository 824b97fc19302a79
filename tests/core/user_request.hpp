#pragma once
#include "core/request.hpp"
#include "core/world.hpp"

namespace adsim::testing {

// A feed request from user u as the marketplace builds one (time 0, no session bookkeeping): what
// the funnel and the models read of it.
inline core::RequestContext user_request(const core::World& world, core::UserId u) {
  core::RequestContext r;
  r.user = u;
  r.region = world.users.region[u];
  r.age_band = world.users.age_band[u];
  r.device = world.users.device[u];
  r.interests = world.users.interests[u];
  r.user_embedding = world.users.embedding_of(u);
  return r;
}

}  // namespace adsim::testing

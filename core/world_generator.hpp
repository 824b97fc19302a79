#pragma once
#include "core/random_streams.hpp"
#include "core/world.hpp"
#include "core/world_spec.hpp"

namespace adsim::core {

// Draws a world (users, advertisers, campaigns, ads) from a WorldSpec. Each part draws from its own
// named stream, so e.g. changing the number of ads does not change the users.
World generate_world(const WorldSpec& spec, const RandomStreams& streams, SimTime horizon);

}  // namespace adsim::core

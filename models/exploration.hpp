#pragma once
#include <cmath>
#include <cstdint>
#include <span>

#include "core/ids.hpp"
#include "core/random_streams.hpp"
#include "core/vector_math.hpp"

namespace adsim::models {

// Exploration for cold start: pure functions the pipeline calls between prediction and auction.
//
// The bonus itself is core::optimism_bonus (the ad server applies it too); add_optimism_bonus caps
// the result at `cap` (< 1).
using core::optimism_bonus;

// pctr[k] += bonus(pctr[k], impressions[k], c), capped. c = 0 leaves pctr unchanged.
void add_optimism_bonus(std::span<float> pctr, std::span<const std::uint64_t> impressions, double c,
                        double cap = 0.999);

// ε-greedy traffic: true for a share epsilon of requests, whose candidates the pipeline then ranks
// in random order (see shuffle). Draws nothing when epsilon <= 0, so switching exploration off does
// not shift the stream; give it its own stream (e.g. "exploration").
bool explore_request(core::Rng& rng, double epsilon);

// A uniformly random permutation of `order` (Fisher-Yates with Boost.Random's uniform_int).
void shuffle(std::span<std::uint32_t> order, core::Rng& rng);

}  // namespace adsim::models

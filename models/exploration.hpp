#pragma once
#include <cmath>
#include <cstdint>
#include <span>

#include "core/ids.hpp"
#include "core/random_streams.hpp"

namespace adsim::models {

// Exploration for cold start: pure functions the pipeline calls between prediction and auction.
//
// Optimism bonus (UCB-style): an ad seen n times gets + c · sqrt(p (1 − p) / (n + 1)), about c
// standard errors of its estimated CTR, so new ads get shown until the platform knows better.
// The result is capped at `cap` (< 1).
inline double optimism_bonus(double p, double n, double c) {
  const double v = p * (1.0 - p);
  return v > 0.0 ? c * std::sqrt(v / (n + 1.0)) : 0.0;
}

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

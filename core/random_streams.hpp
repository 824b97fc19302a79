#pragma once
#include <cstdint>
#include <string_view>

#include <boost/random/mersenne_twister.hpp>

namespace adsim::core {

// Every random draw in adsim comes from a stream named for what it is used for. A stream's seed is
// derived from (run seed, stream name) only, so adding draws to one stream never shifts another,
// and results do not depend on which thread or in which order streams are created.
using Rng = boost::random::mt19937_64;

class RandomStreams {
 public:
  explicit RandomStreams(std::uint64_t seed) : seed_(seed) {}

  std::uint64_t seed() const { return seed_; }
  Rng stream(std::string_view name) const { return Rng(derive_seed(seed_, name)); }
  // A sub-stream for an indexed entity, e.g. ("campaign", 17), without formatting strings.
  Rng stream(std::string_view name, std::uint64_t index) const {
    return Rng(mix(derive_seed(seed_, name) ^ mix(index + 0x9e3779b97f4a7c15ULL)));
  }

  static std::uint64_t derive_seed(std::uint64_t seed, std::string_view name);
  static std::uint64_t mix(std::uint64_t x);  // splitmix64 finalizer

 private:
  std::uint64_t seed_;
};

}  // namespace adsim::core

#include "core/random_streams.hpp"

namespace adsim::core {

std::uint64_t RandomStreams::mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t RandomStreams::derive_seed(std::uint64_t seed, std::string_view name) {
  // FNV-1a over the name: fixed by definition, unlike std::hash, so seeds are the same everywhere.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix(mix(seed + 0x9e3779b97f4a7c15ULL) ^ h);
}

}  // namespace adsim::core

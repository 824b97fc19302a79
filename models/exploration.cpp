#include "models/exploration.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>

namespace adsim::models {

void add_optimism_bonus(std::span<float> pctr, std::span<const std::uint64_t> impressions, double c, double cap) {
  if (pctr.size() != impressions.size()) throw std::invalid_argument("add_optimism_bonus: spans differ in size");
  if (c == 0.0) return;
  for (std::size_t k = 0; k < pctr.size(); ++k) {
    const double p = pctr[k];
    const double q = p + optimism_bonus(p, static_cast<double>(impressions[k]), c);
    pctr[k] = static_cast<float>(std::min(q, std::max(cap, p)));
  }
}

bool explore_request(core::Rng& rng, double epsilon) {
  if (epsilon <= 0.0) return false;
  if (epsilon >= 1.0) return true;
  return boost::random::bernoulli_distribution<double>(epsilon)(rng);
}

void shuffle(std::span<std::uint32_t> order, core::Rng& rng) {
  for (std::size_t i = order.size(); i > 1; --i) {
    boost::random::uniform_int_distribution<std::size_t> pick(0, i - 1);
    std::swap(order[i - 1], order[pick(rng)]);
  }
}

}  // namespace adsim::models

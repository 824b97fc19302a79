#pragma once
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "auction/value_distribution.hpp"
#include "core/auction_mechanism.hpp"

namespace adsim::auction {

// phi(v) = v - (1 - F(v)) / f(v), Myerson's virtual value.
double virtual_value(const ValueDistribution& dist, double v);

// The Myerson optimal reserve r*: the monopoly price argmax_r r (1 - F(r)), which for a regular
// distribution is the root of r = (1 - F(r)) / f(r) (phi(r*) = 0). It is the revenue-optimal
// reserve of a second-price auction among bidders with i.i.d. values from `dist`, whatever their
// number. Closed form for uniform (max(low, high/2)) and exponential (the mean); exact per-segment
// maximisation for empirical; Boost.Math TOMS 748 root finding on phi for lognormal (every sign
// change on a fine grid is solved and the root with the highest r (1 - F(r)) kept, so an
// irregular distribution still gets the monopoly price).
double myerson_reserve(const ValueDistribution& dist);

// Where a request falls for segment reserves: a query category and a region. kAny in a rule
// matches every value of that dimension.
struct Segment {
  static constexpr std::uint32_t kAny = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t category = kAny;
  std::uint32_t region = kAny;
};

// The reserve rules a platform applies per request: a global reserve per click, optional per-slot
// reserves, and per-segment overrides of the global reserve. Lookup order for a request in
// (category c, region g): rule (c, g), then (c, any), then (any, g), then the global reserve.
// Built at setup (allocates); reserve_for() and apply() do not allocate.
class ReservePolicy {
 public:
  ReservePolicy() = default;
  explicit ReservePolicy(double global_reserve) : global_(global_reserve) {}

  ReservePolicy& set_global(double reserve);
  ReservePolicy& set_slot_reserves(std::vector<double> reserves);
  ReservePolicy& set_segment(Segment segment, double reserve);  // replaces an existing rule

  double global() const { return global_; }
  std::span<const double> slot_reserves() const { return slot_reserves_; }
  double reserve_for(Segment request) const;
  // Sets rules.reserve to the request's reserve and rules.slot_reserves to this policy's per-slot
  // reserves (a view: the policy must outlive the rules' use).
  void apply(Segment request, core::AuctionRules& rules) const;

  // Empty if valid, else what is wrong.
  std::string check() const;

 private:
  struct Rule {
    std::uint64_t key;
    double reserve;
  };
  static std::uint64_t key_of(Segment s) { return (std::uint64_t{s.category} << 32) | s.region; }
  const Rule* find(std::uint64_t key) const;

  double global_ = 0.0;
  std::vector<double> slot_reserves_;
  std::vector<Rule> rules_;  // sorted by key
};

}  // namespace adsim::auction

#include "auction/reserve.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include <boost/math/tools/toms748_solve.hpp>

namespace adsim::auction {

double virtual_value(const ValueDistribution& dist, double v) {
  const double f = dist.pdf(v);
  if (!(f > 0.0)) return v >= dist.upper() ? v : -std::numeric_limits<double>::infinity();
  return v - (1.0 - dist.cdf(v)) / f;
}

namespace {

double revenue_at(const ValueDistribution& dist, double r) { return r * (1.0 - dist.cdf(r)); }

// Exact for the piecewise-linear CDF. Between knots x_j < x_{j+1} of the m sorted points,
// 1 - F(r) = A - B r with B = 1 / ((m-1) (x_{j+1} - x_j)), so r (1 - F(r)) is a concave quadratic
// maximised at A / (2B), clamped to the segment. Equal points form an atom that a price equal to
// them still sells to, so each distinct knot is also tried with the mass at and above it.
double empirical_monopoly_price(const ValueDistribution& dist) {
  const auto p = dist.points();
  const double m1 = static_cast<double>(p.size() - 1);
  double best_r = p[0];
  double best = p[0];
  for (std::size_t j = 0; j < p.size(); ++j) {
    if (j > 0 && p[j] == p[j - 1]) continue;
    const double at_knot = p[j] * (1.0 - static_cast<double>(j) / m1);
    if (at_knot > best) {
      best = at_knot;
      best_r = p[j];
    }
  }
  for (std::size_t j = 0; j + 1 < p.size(); ++j) {
    const double x0 = p[j];
    const double width = p[j + 1] - x0;
    if (width <= 0.0) continue;
    const double b = 1.0 / (m1 * width);
    const double a = 1.0 - static_cast<double>(j) / m1 + x0 * b;
    const double r = std::clamp(a / (2.0 * b), x0, p[j + 1]);
    const double rev = r * (a - b * r);
    if (rev > best) {
      best = rev;
      best_r = r;
    }
  }
  return best_r;
}

double numeric_monopoly_price(const ValueDistribution& dist) {
  // g(r) = 1 - F(r) - r f(r) is positive below r* and negative above it (for a regular F, once).
  auto g = [&](double r) { return 1.0 - dist.cdf(r) - r * dist.pdf(r); };
  const double lo = std::max(dist.quantile(1e-12), 1e-300);
  const double hi = dist.quantile(1.0 - 1e-12);
  constexpr int kGrid = 2000;
  const double step = std::log(hi / lo) / kGrid;
  double best_r = 0.0;
  double best = 0.0;
  double prev_r = lo;
  double prev_g = g(lo);
  for (int t = 1; t <= kGrid; ++t) {
    const double r = lo * std::exp(step * t);
    const double gr = g(r);
    if (prev_g > 0.0 && gr <= 0.0) {
      boost::uintmax_t iterations = 200;
      const auto bracket = boost::math::tools::toms748_solve(
          g, prev_r, r, prev_g, gr, boost::math::tools::eps_tolerance<double>(52), iterations);
      const double root = 0.5 * (bracket.first + bracket.second);
      const double rev = revenue_at(dist, root);
      if (rev > best) {
        best = rev;
        best_r = root;
      }
    }
    prev_r = r;
    prev_g = gr;
  }
  if (best_r == 0.0) throw std::runtime_error("myerson_reserve: no root of r = (1 - F(r)) / f(r) for " + dist.describe());
  return best_r;
}

}  // namespace

double myerson_reserve(const ValueDistribution& dist) {
  switch (dist.kind()) {
    case DistributionKind::kUniform: return std::max(dist.lower(), 0.5 * dist.upper());
    case DistributionKind::kExponential: return dist.mean();
    case DistributionKind::kLognormal: return numeric_monopoly_price(dist);
    case DistributionKind::kEmpirical: return empirical_monopoly_price(dist);
    case DistributionKind::kFixed: return dist.mean();  // a known value: charge exactly it
  }
  return 0.0;
}

ReservePolicy& ReservePolicy::set_global(double reserve) {
  global_ = reserve;
  return *this;
}

ReservePolicy& ReservePolicy::set_slot_reserves(std::vector<double> reserves) {
  slot_reserves_ = std::move(reserves);
  return *this;
}

ReservePolicy& ReservePolicy::set_segment(Segment segment, double reserve) {
  const std::uint64_t key = key_of(segment);
  const auto it = std::lower_bound(rules_.begin(), rules_.end(), key, [](const Rule& r, std::uint64_t k) { return r.key < k; });
  if (it != rules_.end() && it->key == key) {
    it->reserve = reserve;
  } else {
    rules_.insert(it, Rule{key, reserve});
  }
  return *this;
}

const ReservePolicy::Rule* ReservePolicy::find(std::uint64_t key) const {
  const auto it = std::lower_bound(rules_.begin(), rules_.end(), key, [](const Rule& r, std::uint64_t k) { return r.key < k; });
  return it != rules_.end() && it->key == key ? &*it : nullptr;
}

double ReservePolicy::reserve_for(Segment request) const {
  if (rules_.empty()) return global_;
  if (const Rule* r = find(key_of(request))) return r->reserve;
  if (const Rule* r = find(key_of({request.category, Segment::kAny}))) return r->reserve;
  if (const Rule* r = find(key_of({Segment::kAny, request.region}))) return r->reserve;
  return global_;
}

void ReservePolicy::apply(Segment request, core::AuctionRules& rules) const {
  rules.reserve = reserve_for(request);
  rules.slot_reserves = slot_reserves_;
}

std::string ReservePolicy::check() const {
  std::ostringstream err;
  auto bad = [](double r) { return !(std::isfinite(r) && r >= 0.0); };
  if (bad(global_)) {
    err << "reserve must be a non-negative number, got " << global_;
    return err.str();
  }
  for (std::size_t s = 0; s < slot_reserves_.size(); ++s) {
    if (bad(slot_reserves_[s])) {
      err << "slot reserve " << s << " must be a non-negative number, got " << slot_reserves_[s];
      return err.str();
    }
  }
  for (const Rule& r : rules_) {
    if (bad(r.reserve)) {
      err << "segment reserve (category " << (r.key >> 32) << ", region " << (r.key & 0xffffffffu)
          << ") must be a non-negative number, got " << r.reserve;
      return err.str();
    }
  }
  return {};
}

}  // namespace adsim::auction

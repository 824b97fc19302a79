#pragma once
#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "core/auction_mechanism.hpp"
#include "core/ids.hpp"

// Per-request views of the auction inputs with every optional field resolved to its default, so
// the mechanisms read one candidate's economics without re-checking which spans are present.
// Everything here is inline: it runs once per candidate per request.
namespace adsim::auction {

// How quality enters the rank score: quality^alpha, without calling pow for the common exponents.
enum class QualityWeight : std::uint8_t { kOne, kLinear, kSquare, kSqrt, kPow };

class CandidateView {
 public:
  CandidateView(const core::AuctionCandidates& c, double quality_exponent)
      : c_(c), alpha_(quality_exponent) {
    assert(c.pctr.empty() || c.pctr.size() == c.size());
    assert(c.quality.empty() || c.quality.size() == c.size());
    assert(c.billing.empty() || c.billing.size() == c.size());
    assert(c.pcvr.empty() || c.pcvr.size() == c.size());
    assert(c.reserve.empty() || c.reserve.size() == c.size());
    if (alpha_ == 0.0 || c.quality.empty()) {
      weight_ = QualityWeight::kOne;
    } else if (alpha_ == 1.0) {
      weight_ = QualityWeight::kLinear;
    } else if (alpha_ == 2.0) {
      weight_ = QualityWeight::kSquare;
    } else if (alpha_ == 0.5) {
      weight_ = QualityWeight::kSqrt;
    } else {
      weight_ = QualityWeight::kPow;
    }
  }

  std::size_t size() const { return c_.size(); }
  const core::AuctionCandidates& raw() const { return c_; }
  QualityWeight weight_mode() const { return weight_; }
  double alpha() const { return alpha_; }
  double bid(std::size_t i) const { return c_.bid[i]; }
  double pctr(std::size_t i) const { return c_.pctr.empty() ? 1.0 : c_.pctr[i]; }
  double pcvr(std::size_t i) const { return c_.pcvr.empty() ? 0.0 : c_.pcvr[i]; }
  core::BillingModel billing(std::size_t i) const {
    return c_.billing.empty() ? core::BillingModel::kCpc : c_.billing[i];
  }
  double own_reserve(std::size_t i) const { return c_.reserve.empty() ? 0.0 : c_.reserve[i]; }

  // quality^alpha.
  double weight(std::size_t i) const { return weight_of(weight_, c_.quality.data(), i, alpha_); }
  static double weight_of(QualityWeight mode, const double* quality, std::size_t i, double alpha) {
    switch (mode) {
      case QualityWeight::kOne: return 1.0;
      case QualityWeight::kLinear: return quality[i];
      case QualityWeight::kSquare: return quality[i] * quality[i];
      case QualityWeight::kSqrt: return std::sqrt(quality[i]);
      case QualityWeight::kPow: break;
    }
    return std::pow(quality[i], alpha);
  }

  // Expected value per impression at the reference position implied by the bid (the eCPM scale
  // every mechanism ranks and prices on).
  double ecpm(std::size_t i) const {
    switch (billing(i)) {
      case core::BillingModel::kCpc: return bid(i) * pctr(i);
      case core::BillingModel::kCpm: return bid(i);
      case core::BillingModel::kCpa: return bid(i) * pctr(i) * pcvr(i);
    }
    return 0.0;
  }

  // Does the bid reach a reserve stated per click? Compared in the bid's own unit so that a CPC
  // bid exactly equal to the reserve is eligible without rounding doubt.
  bool meets(std::size_t i, double reserve_per_click) const {
    switch (billing(i)) {
      case core::BillingModel::kCpc: return bid(i) >= reserve_per_click;
      case core::BillingModel::kCpm: return bid(i) >= reserve_per_click * pctr(i);
      case core::BillingModel::kCpa: return bid(i) * pcvr(i) >= reserve_per_click;
    }
    return false;
  }

  // Converts a price on the eCPM scale (per reference impression) into the candidate's billing
  // unit for an impression in a slot with position factor theta, clamped to
  // [floor_per_click converted, the bid].
  double to_billing(std::size_t i, double ecpm_price, double theta, double floor_per_click) const {
    const double b = bid(i);
    switch (billing(i)) {
      case core::BillingModel::kCpc: {
        const double p = ecpm_price / pctr(i);
        return std::min(std::max(p, floor_per_click), b);
      }
      case core::BillingModel::kCpm: {
        const double p = ecpm_price * theta;
        return std::min(std::max(p, floor_per_click * pctr(i) * theta), std::min(b * theta, b));
      }
      case core::BillingModel::kCpa: {
        const double q = pctr(i) * pcvr(i);
        const double p = ecpm_price / q;
        return std::min(std::max(p, floor_per_click / pcvr(i)), b);
      }
    }
    return 0.0;
  }

  // What a pay-your-bid winner is charged per billing event in a slot with factor theta: the bid,
  // except that a CPM bid is per reference impression and so scales with the slot like a click.
  double pay_your_bid(std::size_t i, double theta) const {
    return billing(i) == core::BillingModel::kCpm ? bid(i) * std::min(theta, 1.0) : bid(i);
  }

  // Expected number of billing events of one impression in a slot with factor theta.
  double billing_events(std::size_t i, double theta) const {
    switch (billing(i)) {
      case core::BillingModel::kCpc: return pctr(i) * theta;
      case core::BillingModel::kCpm: return 1.0;
      case core::BillingModel::kCpa: return pctr(i) * theta * pcvr(i);
    }
    return 0.0;
  }

 private:
  const core::AuctionCandidates& c_;
  double alpha_;
  QualityWeight weight_ = QualityWeight::kOne;
};

// The rules with defaults resolved: effective slot count, a factor and a reserve for every slot.
class RulesView {
 public:
  explicit RulesView(const core::AuctionRules& r) {
    int k = std::clamp(r.slots, 0, core::kMaxSlots);
    if (!r.position_factors.empty()) k = std::min(k, static_cast<int>(r.position_factors.size()));
    slots_ = k;
    min_reserve_ = std::numeric_limits<double>::infinity();
    uniform_reserve_ = true;
    for (int s = 0; s < k; ++s) {
      factor_[s] = r.position_factors.empty() ? 1.0 : r.position_factors[s];
      double res = r.reserve;
      if (static_cast<std::size_t>(s) < r.slot_reserves.size()) res = std::max(res, r.slot_reserves[s]);
      reserve_[s] = res;
      if (res != reserve_[0]) uniform_reserve_ = false;
      min_reserve_ = std::min(min_reserve_, res);
    }
    if (k == 0) min_reserve_ = r.reserve;
    global_reserve_ = r.reserve;
  }

  int slots() const { return slots_; }
  double factor(int s) const { return factor_[s]; }
  // theta_s for s < slots, 0 past the last slot (the telescoping sums need theta_k = 0).
  double factor_or_zero(int s) const { return s < slots_ ? factor_[s] : 0.0; }
  double reserve(int s) const { return reserve_[s]; }
  double min_reserve() const { return min_reserve_; }
  double global_reserve() const { return global_reserve_; }
  bool uniform_reserve() const { return uniform_reserve_; }

 private:
  int slots_ = 0;
  bool uniform_reserve_ = true;
  double min_reserve_ = 0.0;
  double global_reserve_ = 0.0;
  // Only the first slots_ entries are set (no zero fill: this is built on every request).
  std::array<double, core::kMaxSlots> factor_;
  std::array<double, core::kMaxSlots> reserve_;
};

}  // namespace adsim::auction

#include "auction/mechanisms.hpp"

#include <cmath>
#include <sstream>

#include "auction/candidate_view.hpp"
#include "auction/first_price.hpp"
#include "auction/gsp.hpp"
#include "auction/vcg.hpp"

namespace adsim::auction {

std::optional<MechanismKind> parse_mechanism(std::string_view name) {
  if (name == "gsp" || name == "second_price") return MechanismKind::kGsp;
  if (name == "vcg") return MechanismKind::kVcg;
  if (name == "first_price") return MechanismKind::kFirstPrice;
  return std::nullopt;
}

std::unique_ptr<core::AuctionMechanism> make_mechanism(MechanismKind kind) {
  switch (kind) {
    case MechanismKind::kGsp: return std::make_unique<GspMechanism>();
    case MechanismKind::kVcg: return std::make_unique<VcgMechanism>();
    case MechanismKind::kFirstPrice: return std::make_unique<FirstPriceMechanism>();
  }
  return nullptr;
}

std::unique_ptr<core::AuctionMechanism> make_mechanism(std::string_view name) {
  const auto kind = parse_mechanism(name);
  return kind ? make_mechanism(*kind) : nullptr;
}

std::string check_rules(const core::AuctionRules& rules) {
  std::ostringstream err;
  if (rules.slots < 0 || rules.slots > core::kMaxSlots) {
    err << "slots must be between 0 and " << core::kMaxSlots << ", got " << rules.slots;
    return err.str();
  }
  if (!rules.position_factors.empty()) {
    if (rules.position_factors.size() < static_cast<std::size_t>(rules.slots)) {
      err << "position_factors has " << rules.position_factors.size() << " entries for " << rules.slots << " slots";
      return err.str();
    }
    for (int s = 0; s < rules.slots; ++s) {
      const double f = rules.position_factors[s];
      if (!(std::isfinite(f) && f > 0.0)) {
        err << "position_factors[" << s << "] must be a positive number, got " << f;
        return err.str();
      }
      if (s > 0 && f > rules.position_factors[s - 1]) {
        err << "position_factors must be non-increasing: slot " << s << " has " << f << " after "
            << rules.position_factors[s - 1];
        return err.str();
      }
    }
  }
  if (!(std::isfinite(rules.reserve) && rules.reserve >= 0.0)) {
    err << "reserve must be a non-negative number, got " << rules.reserve;
    return err.str();
  }
  if (!(std::isfinite(rules.quality_exponent) && rules.quality_exponent >= 0.0)) {
    err << "quality_exponent must be a non-negative number, got " << rules.quality_exponent;
    return err.str();
  }
  for (std::size_t s = 0; s < rules.slot_reserves.size(); ++s) {
    const double r = rules.slot_reserves[s];
    if (!(std::isfinite(r) && r >= 0.0)) {
      err << "slot_reserves[" << s << "] must be a non-negative number, got " << r;
      return err.str();
    }
  }
  return {};
}

std::string check_candidates(const core::AuctionCandidates& c) {
  std::ostringstream err;
  const std::size_t n = c.size();
  auto size_ok = [&](std::size_t size, const char* name) {
    if (size != 0 && size != n) {
      err << name << " has " << size << " entries for " << n << " bids";
      return false;
    }
    return true;
  };
  if (!size_ok(c.pctr.size(), "pctr") || !size_ok(c.quality.size(), "quality") ||
      !size_ok(c.billing.size(), "billing") || !size_ok(c.pcvr.size(), "pcvr") ||
      !size_ok(c.reserve.size(), "reserve")) {
    return err.str();
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!(std::isfinite(c.bid[i]) && c.bid[i] >= 0.0)) {
      err << "bid[" << i << "] must be a non-negative number, got " << c.bid[i];
      return err.str();
    }
    if (!c.pctr.empty() && !(c.pctr[i] >= 0.0 && c.pctr[i] <= 1.0)) {
      err << "pctr[" << i << "] must be in [0, 1], got " << c.pctr[i];
      return err.str();
    }
    if (!c.quality.empty() && !(std::isfinite(c.quality[i]) && c.quality[i] > 0.0)) {
      err << "quality[" << i << "] must be positive, got " << c.quality[i];
      return err.str();
    }
    if (!c.billing.empty() && c.billing[i] == core::BillingModel::kCpa) {
      if (c.pcvr.empty()) {
        err << "candidate " << i << " bills per conversion but no pcvr was given";
        return err.str();
      }
    }
    if (!c.pcvr.empty() && !(c.pcvr[i] >= 0.0 && c.pcvr[i] <= 1.0)) {
      err << "pcvr[" << i << "] must be in [0, 1], got " << c.pcvr[i];
      return err.str();
    }
    if (!c.reserve.empty() && !(std::isfinite(c.reserve[i]) && c.reserve[i] >= 0.0)) {
      err << "reserve[" << i << "] must be a non-negative number, got " << c.reserve[i];
      return err.str();
    }
  }
  return {};
}

void describe_outcomes(const core::AuctionCandidates& candidates, const core::AuctionRules& rules_in,
                       std::span<const double> rank_scores, const core::AuctionResult& result,
                       std::span<CandidateOutcome> out) {
  const CandidateView c(candidates, rules_in.quality_exponent);
  const RulesView rules(rules_in);
  const std::size_t n = c.size();
  for (std::size_t i = 0; i < n; ++i) {
    CandidateOutcome& o = out[i];
    o = CandidateOutcome{};
    o.bid = c.bid(i);
    o.pctr = c.pctr(i);
    o.quality = candidates.quality.empty() ? 1.0 : candidates.quality[i];
    o.billing = c.billing(i);
    o.rank_score = rank_scores[i];
    o.below_reserve = !c.meets(i, std::max(rules.min_reserve(), c.own_reserve(i)));
  }
  for (int s = 0; s < result.filled; ++s) {
    const core::SlotAward& a = result.slots[s];
    CandidateOutcome& o = out[a.candidate];
    o.slot = s;
    o.price = a.price;
    const double clicks = c.pctr(a.candidate) * rules.factor(s);
    o.price_per_click = clicks > 0.0 ? a.expected_payment / clicks : 0.0;
    o.reserve_bound = a.reserve_bound;
  }
}

void annotate_log(const core::AuctionCandidates& candidates, const core::AuctionRules& rules_in,
                  std::span<const double> rank_scores, const core::AuctionResult& result,
                  std::span<core::AuctionLogCandidate> out) {
  const CandidateView c(candidates, rules_in.quality_exponent);
  const RulesView rules(rules_in);
  for (std::size_t i = 0; i < c.size(); ++i) {
    core::AuctionLogCandidate& row = out[i];
    row.pctr = c.pctr(i);
    row.quality = candidates.quality.empty() ? 1.0 : candidates.quality[i];
    row.rank_score = rank_scores[i];
    row.slot = -1;
    row.price = 0.0;
    row.reserve_bound = false;
  }
  for (int s = 0; s < result.filled; ++s) {
    const core::SlotAward& a = result.slots[s];
    core::AuctionLogCandidate& row = out[a.candidate];
    row.slot = s;
    const double clicks = c.pctr(a.candidate) * rules.factor(s);
    row.price = clicks > 0.0 ? a.expected_payment / clicks : 0.0;
    row.reserve_bound = a.reserve_bound;
  }
}

}  // namespace adsim::auction

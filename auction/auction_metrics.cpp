#include "auction/auction_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "auction/candidate_view.hpp"
#include "auction/selection.hpp"

namespace adsim::auction {

void AuctionMetrics::add(const core::AuctionCandidates& candidates, std::span<const double> value_per_click,
                         const core::AuctionRules& rules_in, const core::AuctionResult& result) {
  const CandidateView c(candidates, 0.0);
  const RulesView rules(rules_in);
  const int k = rules.slots();
  const std::size_t n = c.size();
  ++auctions_;
  candidates_ += n;
  reserve_excluded_ += static_cast<std::uint64_t>(result.below_reserve);
  slots_offered_ += static_cast<std::uint64_t>(k);
  max_slots_ = std::max(max_slots_, k);
  if (result.filled > 0) {
    ++filled_auctions_;
  } else if (k > 0 && (result.below_reserve > 0 || result.eligible > 0)) {
    // Someone bid, nobody was shown: every bidder missed the reserve, or (per-slot reserves) nobody
    // met the top slot's.
    ++no_ad_due_to_reserve_;
  }

  double revenue = 0.0;
  double value = 0.0;
  for (int s = 0; s < result.filled; ++s) {
    const core::SlotAward& a = result.slots[s];
    const std::uint32_t i = a.candidate;
    const double theta = rules.factor(s);
    const double v = value_per_click[i] * c.pctr(i) * theta;
    SlotTotals& st = slot_[s];
    ++st.shown;
    st.reserve_bound += a.reserve_bound ? 1u : 0u;
    st.revenue += a.expected_payment;
    st.value += v;
    // Price over bid on the per-click scale, so a CPM award (priced per impression, scaled by the
    // slot) compares like a CPC one.
    const double bid_value = c.ecpm(i) * theta;
    st.price_to_bid += bid_value > 0.0 ? a.expected_payment / bid_value : 0.0;
    revenue += a.expected_payment;
    value += v;
  }

  // The first best: the k highest expected values per reference impression, assortatively
  // matched to the slots (optimal when position factors are non-increasing). When every slot is
  // filled, the winners are k candidates, so the k-th best value is at least the lowest winner
  // value: only candidates at or above it need the insertion, and the test that skips the others
  // is rarely taken, so it is well predicted.
  std::array<double, core::kMaxSlots> top;
  for (int t = 0; t < k; ++t) top[t] = 0.0;
  int count = 0;
  auto offer = [&](double x) {
    if (!(x > top[k - 1])) return;  // unfilled entries are 0, below every positive value
    int p = count < k ? count++ : k - 1;
    while (p > 0 && top[p - 1] < x) {
      top[p] = top[p - 1];
      --p;
    }
    top[p] = x;
  };
  if (k > 0) {
    double floor = 0.0;
    if (result.filled == k) {
      floor = std::numeric_limits<double>::infinity();
      for (int s = 0; s < k; ++s) {
        const std::uint32_t i = result.slots[s].candidate;
        floor = std::min(floor, value_per_click[i] * c.pctr(i));
      }
    }
    const double* pctr = candidates.pctr.empty() ? nullptr : candidates.pctr.data();
    // One lambda with pCTRs and one without: no test per entry.
    const double* v = value_per_click.data();
    const double bound = pctr ? kth_largest_lower_bound(n, k, [&](std::size_t i) {
                                  const double x = v[i] * pctr[i];
                                  return x > 0.0 ? x : 0.0;
                                })
                              : kth_largest_lower_bound(n, k, [&](std::size_t i) { return v[i] > 0.0 ? v[i] : 0.0; });
    floor = std::max(floor, bound);
    // The values at or above the floor (a few, at unpredictable positions) through a bit mask
    // rather than a branch each.
    if (!pctr) {
      for_each_at_least(v, n, floor, [&](std::size_t i) { offer(v[i]); });
    } else {
      for_each_passing(
          n, [&](std::size_t i) { return v[i] * pctr[i] >= floor; }, [&](std::size_t i) { offer(v[i] * pctr[i]); });
    }
  }

  double best = 0.0;
  for (int s = 0; s < count; ++s) {
    const double b = top[s] * rules.factor(s);
    slot_[s].best_value += b;
    best += b;
  }

  revenue_ += revenue;
  revenue_sq_ += revenue * revenue;
  value_ += value;
  value_sq_ += value * value;
  surplus_sq_ += (value - revenue) * (value - revenue);
  best_value_ += best;
}

AuctionMetrics& AuctionMetrics::operator+=(const AuctionMetrics& o) {
  auctions_ += o.auctions_;
  filled_auctions_ += o.filled_auctions_;
  no_ad_due_to_reserve_ += o.no_ad_due_to_reserve_;
  candidates_ += o.candidates_;
  reserve_excluded_ += o.reserve_excluded_;
  slots_offered_ += o.slots_offered_;
  max_slots_ = std::max(max_slots_, o.max_slots_);
  revenue_ += o.revenue_;
  revenue_sq_ += o.revenue_sq_;
  value_ += o.value_;
  value_sq_ += o.value_sq_;
  surplus_sq_ += o.surplus_sq_;
  best_value_ += o.best_value_;
  for (int s = 0; s < core::kMaxSlots; ++s) {
    SlotTotals& a = slot_[s];
    const SlotTotals& b = o.slot_[s];
    a.shown += b.shown;
    a.reserve_bound += b.reserve_bound;
    a.revenue += b.revenue;
    a.value += b.value;
    a.best_value += b.best_value;
    a.price_to_bid += b.price_to_bid;
  }
  return *this;
}

namespace {

double ratio(double a, double b) { return b > 0.0 ? a / b : 0.0; }

// Standard error of a mean from its sums: sqrt(sample variance / N), sample variance
// (sum x^2 - N mean^2) / (N - 1).
double standard_error(double sum, double sum_sq, std::uint64_t n) {
  if (n < 2) return 0.0;
  const double nn = static_cast<double>(n);
  const double mean = sum / nn;
  const double var = std::max(0.0, (sum_sq - nn * mean * mean) / (nn - 1.0));
  return std::sqrt(var / nn);
}

}  // namespace

AuctionMetricsReport AuctionMetrics::report() const {
  AuctionMetricsReport r;
  r.auctions = auctions_;
  r.slots = max_slots_;
  const double n = static_cast<double>(auctions_);
  r.revenue = ratio(revenue_, n);
  r.revenue_se = standard_error(revenue_, revenue_sq_, auctions_);
  r.welfare = ratio(value_, n);
  r.welfare_se = standard_error(value_, value_sq_, auctions_);
  r.surplus = ratio(value_ - revenue_, n);
  r.surplus_se = standard_error(value_ - revenue_, surplus_sq_, auctions_);
  r.best_welfare = ratio(best_value_, n);
  r.efficiency = ratio(value_, best_value_);
  std::uint64_t shown = 0;
  std::uint64_t bound = 0;
  double price_to_bid = 0.0;
  for (int s = 0; s < max_slots_; ++s) {
    const SlotTotals& st = slot_[s];
    shown += st.shown;
    bound += st.reserve_bound;
    price_to_bid += st.price_to_bid;
    SlotReport& sr = r.per_slot[s];
    sr.fill_rate = ratio(static_cast<double>(st.shown), n);
    sr.revenue = ratio(st.revenue, n);
    sr.welfare = ratio(st.value, n);
    sr.surplus = ratio(st.value - st.revenue, n);
    sr.efficiency = ratio(st.value, st.best_value);
    sr.price_to_bid = ratio(st.price_to_bid, static_cast<double>(st.shown));
    sr.reserve_bind_rate = ratio(static_cast<double>(st.reserve_bound), static_cast<double>(st.shown));
  }
  r.price_to_bid = ratio(price_to_bid, static_cast<double>(shown));
  r.reserve_bind_rate = ratio(static_cast<double>(bound), static_cast<double>(shown));
  r.fill_rate = ratio(static_cast<double>(shown), static_cast<double>(slots_offered_));
  r.request_fill_rate = ratio(static_cast<double>(filled_auctions_), n);
  r.reserve_exclusion_rate = ratio(static_cast<double>(reserve_excluded_), static_cast<double>(candidates_));
  r.no_ad_due_to_reserve_rate = ratio(static_cast<double>(no_ad_due_to_reserve_), n);
  return r;
}

}  // namespace adsim::auction

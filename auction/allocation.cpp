#include "auction/allocation.hpp"

#include <cassert>
#include <limits>

#include "auction/first_price.hpp"
#include "auction/gsp.hpp"
#include "auction/selection.hpp"
#include "auction/vcg.hpp"

namespace adsim::auction {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Rank order: higher score first, then lower index.
inline bool ranks_above(double score_a, std::uint32_t a, double score_b, std::uint32_t b) {
  return score_a > score_b || (score_a == score_b && a < b);
}

inline bool contains(const std::uint32_t* first, int count, std::uint32_t j) {
  for (int t = 0; t < count; ++t) {
    if (first[t] == j) return true;
  }
  return false;
}

// The best-ranked candidate eligible for slot reserve `slot_reserve` that is not in `taken`; n if
// none. Scans every candidate: this is the per-slot-reserve path only.
std::size_t best_remaining(const CandidateView& c, std::span<const double> scores, double slot_reserve,
                           const std::uint32_t* taken, int taken_count) {
  const std::size_t n = c.size();
  std::size_t best = n;
  double best_score = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    const double sc = scores[j];
    if (sc <= 0.0) continue;
    if (best != n && !ranks_above(sc, static_cast<std::uint32_t>(j), best_score, static_cast<std::uint32_t>(best))) continue;
    if (!c.meets(j, std::max(slot_reserve, c.own_reserve(j)))) continue;
    if (contains(taken, taken_count, static_cast<std::uint32_t>(j))) continue;
    best = j;
    best_score = sc;
  }
  return best;
}

// Keeps the top `keep` eligible candidates in rank order. Candidates arrive in index order, so an
// equal score never displaces an earlier entry: ties go to the lower index without comparing
// indices. Unfilled entries hold score 0, below every eligible score, so one comparison rejects
// most candidates; an insertion finds its place and shifts without data-dependent branches (the
// insertions are the unpredictable part of the scan).
struct TopSelection {
  int keep;
  int count;
  std::uint32_t* index;
  double* score;

  TopSelection(int k, std::uint32_t* idx, double* sc) : keep(k), count(0), index(idx), score(sc) {
    for (int t = 0; t < keep; ++t) score[t] = 0.0;
  }

  void offer(std::uint32_t j, double s) {
    if (!(s > score[keep - 1])) return;
    int p = count < keep ? count++ : keep - 1;
    while (p > 0 && score[p - 1] < s) {
      score[p] = score[p - 1];
      index[p] = index[p - 1];
      --p;
    }
    score[p] = s;
    index[p] = j;
  }
};

// The uniform-reserve scan for the common case, every candidate billed per click, with the span
// checks and the quality exponent resolved at compile time. Same arithmetic as CandidateView
// (score = (bid x pCTR) x weight), so both paths give bit-identical scores.
template <bool kPctr, QualityWeight kWeight, bool kOwnReserve>
void scan_cpc(const core::AuctionCandidates& c, double alpha, QualityWeight mode, double floor,
              std::span<double> rank_scores, TopSelection& top, int& below, int& eligible) {
  const std::size_t n = c.size();
  const double* bid = c.bid.data();
  const double* pctr = c.pctr.data();
  const double* quality = c.quality.data();
  const double* own = c.reserve.data();
  double* scores = rank_scores.data();
  auto meets = [&](std::size_t j) { return bid[j] >= (kOwnReserve ? std::max(floor, own[j]) : floor); };
  // Pass 1, without data-dependent branches: scores, reserve counts, and the largest eligible
  // score of each of G contiguous groups (G = 2 keep when there are enough candidates). The
  // keep-th largest of those G maxima, kept with a min/max compare-exchange chain, bounds the
  // keep-th best score from below: the maxima are G distinct eligible candidates.
  const int keep = top.keep;
  int groups = 1;
  if (n >= 8 * static_cast<std::size_t>(keep)) {
    groups = 2 * keep;
  } else if (n >= 4 * static_cast<std::size_t>(keep)) {
    groups = keep;
  }
  const std::size_t size = n / static_cast<std::size_t>(groups);
  std::array<double, core::kMaxSlots + 1> best;
  for (int t = 0; t < keep; ++t) best[t] = 0.0;
  // Each candidate's score if it is eligible, else 0, for pass 2 (when they fit on the stack and
  // are enough for the bit mask to pay).
  constexpr std::size_t kLocal = 256;
  std::array<double, kLocal> eligible_score;
  const bool local = n >= kMaskFrom && n <= kLocal;
  int below_count = 0;
  int eligible_count = 0;
  for (int g = 0; g < groups; ++g) {
    const std::size_t first = static_cast<std::size_t>(g) * size;
    const std::size_t last = g + 1 == groups ? n : first + size;
    double group_max = 0.0;
    for (std::size_t j = first; j < last; ++j) {
      double w = 1.0;
      if constexpr (kWeight == QualityWeight::kLinear) {
        w = quality[j];
      } else if constexpr (kWeight != QualityWeight::kOne) {
        w = CandidateView::weight_of(mode, quality, j, alpha);
      }
      const double score = (kPctr ? bid[j] * pctr[j] : bid[j]) * w;
      scores[j] = score;
      const bool m = meets(j);
      const bool ok = m & (score > 0.0);
      below_count += m ? 0 : 1;
      eligible_count += ok ? 1 : 0;
      const double x = ok ? score : 0.0;
      if (local) eligible_score[j] = x;
      group_max = x > group_max ? x : group_max;
    }
    double x = group_max;
    for (int t = 0; t < keep; ++t) {
      const double hi = std::max(best[t], x);
      x = std::min(best[t], x);
      best[t] = hi;
    }
  }
  below += below_count;
  eligible += eligible_count;
  const double bound = groups >= keep ? best[keep - 1] : 0.0;
  // Pass 2: every branch is well predicted except when a candidate enters the running top (about
  // keep x ln(n / keep) times on input in random order: most of the cost of ranking dozens of
  // candidates); the bound lets the scan skip, with a rarely taken branch, those that cannot.
  // The candidates at or above the bound (a handful of dozens, at unpredictable positions) are
  // found with a bit mask rather than a branch each.
  const auto offer = [&](std::size_t j) { top.offer(static_cast<std::uint32_t>(j), scores[j]); };
  if (local) {
    // Eligible scores are > 0 and the others 0: ">= bound and > 0" is one comparison with the
    // smallest positive double when the bound is 0.
    const double lo = bound > 0.0 ? bound : std::numeric_limits<double>::denorm_min();
    for_each_at_least(eligible_score.data(), n, lo, offer);
  } else {
    for_each_passing(
        n, [&](std::size_t j) { return (scores[j] >= bound) & (scores[j] > 0.0) & meets(j); }, offer);
  }
}

template <bool kPctr, QualityWeight kWeight>
void scan_cpc_reserve(const CandidateView& c, double floor, std::span<double> rank_scores, TopSelection& top,
                      int& below, int& eligible) {
  if (c.raw().reserve.empty()) {
    scan_cpc<kPctr, kWeight, false>(c.raw(), c.alpha(), c.weight_mode(), floor, rank_scores, top, below, eligible);
  } else {
    scan_cpc<kPctr, kWeight, true>(c.raw(), c.alpha(), c.weight_mode(), floor, rank_scores, top, below, eligible);
  }
}

template <bool kPctr>
void scan_cpc_weight(const CandidateView& c, double floor, std::span<double> rank_scores, TopSelection& top,
                     int& below, int& eligible) {
  switch (c.weight_mode()) {
    case QualityWeight::kOne: scan_cpc_reserve<kPctr, QualityWeight::kOne>(c, floor, rank_scores, top, below, eligible); return;
    case QualityWeight::kLinear: scan_cpc_reserve<kPctr, QualityWeight::kLinear>(c, floor, rank_scores, top, below, eligible); return;
    default: scan_cpc_reserve<kPctr, QualityWeight::kPow>(c, floor, rank_scores, top, below, eligible); return;
  }
}

}  // namespace

std::string_view to_string(MechanismKind kind) {
  switch (kind) {
    case MechanismKind::kGsp: return "gsp";
    case MechanismKind::kVcg: return "vcg";
    case MechanismKind::kFirstPrice: return "first_price";
  }
  return "unknown";
}

void rank_and_allocate(const CandidateView& c, const RulesView& rules, std::span<double> rank_scores,
                       Ranking& ranking, core::AuctionResult& result) {
  const std::size_t n = c.size();
  assert(rank_scores.size() >= n);
  const int k = rules.slots();
  ranking.slots = k;
  ranking.filled = 0;
  ranking.ranked = 0;
  ranking.per_slot = !rules.uniform_reserve();
  result.below_reserve = 0;
  result.eligible = 0;

  const double floor_reserve = rules.min_reserve();
  if (!ranking.per_slot) {
    // Partial selection of the top k+1 (the (k+1)-th prices the last slot); no sort.
    TopSelection top(k + 1, ranking.index.data(), ranking.score.data());
    int below = 0;
    int eligible = 0;
    if (c.raw().billing.empty()) {
      if (c.raw().pctr.empty()) {
        scan_cpc_weight<false>(c, floor_reserve, rank_scores, top, below, eligible);
      } else {
        scan_cpc_weight<true>(c, floor_reserve, rank_scores, top, below, eligible);
      }
    } else {
      for (std::size_t j = 0; j < n; ++j) {
        const double score = c.ecpm(j) * c.weight(j);
        rank_scores[j] = score;
        if (!c.meets(j, std::max(floor_reserve, c.own_reserve(j)))) {
          ++below;
          continue;
        }
        if (!(score > 0.0)) continue;
        ++eligible;
        top.offer(static_cast<std::uint32_t>(j), score);
      }
    }
    result.below_reserve = below;
    result.eligible = eligible;
    ranking.ranked = top.count;
    ranking.filled = std::min(top.count, k);
    return;
  }

  // Per-slot reserves: score everything, then fill slots top down with the best remaining
  // candidate that meets each slot's reserve.
  int below = 0;
  int eligible = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const double score = c.ecpm(j) * c.weight(j);
    rank_scores[j] = score;
    if (!c.meets(j, std::max(floor_reserve, c.own_reserve(j)))) {
      ++below;
    } else if (score > 0.0) {
      ++eligible;
    }
  }
  result.below_reserve = below;
  result.eligible = eligible;
  const std::span<const double> scores(rank_scores.data(), n);
  for (int u = 0; u < k; ++u) {
    const std::size_t best = best_remaining(c, scores, rules.reserve(u), ranking.index.data(), u);
    if (best == n) break;
    ranking.index[u] = static_cast<std::uint32_t>(best);
    ranking.score[u] = scores[best];
    ++ranking.filled;
  }
  ranking.ranked = ranking.filled;
}

void competitor_thresholds(const CandidateView& c, const RulesView& rules, std::span<const double> rank_scores,
                           const Ranking& ranking, int s, int last, std::array<double, core::kMaxSlots>& comp) {
  const std::uint32_t i = ranking.index[s];
  const double w = c.weight(i);
  if (!ranking.per_slot) {
    // Without the winner everyone below moves up one place: slot u would go to rank u+1.
    for (int u = s; u <= last; ++u) {
      comp[u] = u + 1 < ranking.ranked ? ranking.score[u + 1] / w : 0.0;
    }
    return;
  }
  // Per-slot reserves: replay the allocation from slot s on without the winner.
  std::array<std::uint32_t, core::kMaxSlots + 1> taken{};
  int taken_count = 0;
  for (int t = 0; t < s; ++t) taken[taken_count++] = ranking.index[t];
  taken[taken_count++] = i;
  const std::size_t n = c.size();
  int u = s;
  for (; u <= last; ++u) {
    const std::size_t o = best_remaining(c, rank_scores, rules.reserve(u), taken.data(), taken_count);
    if (o == n) {
      comp[u] = 0.0;
      ++u;
      break;
    }
    comp[u] = rank_scores[o] / w;
    taken[taken_count++] = static_cast<std::uint32_t>(o);
  }
  for (; u <= last; ++u) comp[u] = kInf;
}

void run_auction(MechanismKind kind, const core::AuctionCandidates& candidates, const core::AuctionRules& rules,
                 std::span<double> rank_scores, core::AuctionResult& result) {
  switch (kind) {
    case MechanismKind::kGsp: run_gsp(candidates, rules, rank_scores, result); return;
    case MechanismKind::kVcg: run_vcg(candidates, rules, rank_scores, result); return;
    case MechanismKind::kFirstPrice: run_first_price(candidates, rules, rank_scores, result); return;
  }
}

}  // namespace adsim::auction

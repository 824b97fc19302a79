#include "auction/allocation.hpp"

#include <cassert>
#include <limits>

#include "auction/first_price.hpp"
#include "auction/gsp.hpp"
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
    // Partial selection: keep the top k+1 eligible candidates in a small sorted array. Candidates
    // arrive in index order, so an equal score never displaces an earlier entry: ties go to the
    // lower index without a second comparison.
    const int keep = k + 1;
    int count = 0;
    auto& idx = ranking.index;
    auto& sc = ranking.score;
    int below = 0;
    int eligible = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const double score = c.ecpm(j) * c.weight(j);
      rank_scores[j] = score;
      if (!c.meets(j, std::max(floor_reserve, c.own_reserve(j)))) {
        ++below;
        continue;
      }
      if (!(score > 0.0)) continue;
      ++eligible;
      if (count == keep && !(score > sc[count - 1])) continue;
      int p = count < keep ? count++ : keep - 1;
      while (p > 0 && sc[p - 1] < score) {
        sc[p] = sc[p - 1];
        idx[p] = idx[p - 1];
        --p;
      }
      sc[p] = score;
      idx[p] = static_cast<std::uint32_t>(j);
    }
    result.below_reserve = below;
    result.eligible = eligible;
    ranking.ranked = count;
    ranking.filled = std::min(count, k);
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

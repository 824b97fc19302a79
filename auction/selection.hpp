#pragma once
#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// Internal helper shared by the mechanisms and the metrics: both pick the top few of up to a
// hundred entries per request, and there the cost is the branch mispredicted each time an entry
// enters the running top (about keep x ln(n / keep) times on input in random order).
namespace adsim::auction {

// A lower bound for the keep-th largest of x(0..n-1), computed without data-dependent branches:
// split the entries into G contiguous groups (G = 2 keep when n >= 8 keep, else keep), and take
// the keep-th largest of the G group maxima (a min/max compare-exchange chain). The maxima are G
// distinct entries, so at least keep entries are >= the bound, and a scan can skip everything
// below it with a rarely taken, well-predicted branch. 0 (no filtering) when n < 4 keep.
// Entries must be >= 0; keep <= 16.
template <typename X>
inline double kth_largest_lower_bound(std::size_t n, int keep, X x) {
  if (keep < 1 || n < 4 * static_cast<std::size_t>(keep)) return 0.0;
  const int groups = n >= 8 * static_cast<std::size_t>(keep) ? 2 * keep : keep;
  const std::size_t size = n / static_cast<std::size_t>(groups);
  std::array<double, 16> best;
  for (int t = 0; t < keep; ++t) best[t] = 0.0;
  for (int g = 0; g < groups; ++g) {
    const std::size_t first = static_cast<std::size_t>(g) * size;
    const std::size_t last = g + 1 == groups ? n : first + size;
    // Two running maxima (even and odd entries): half the length of the maxsd dependency chain.
    double m = 0.0;
    double m2 = 0.0;
    std::size_t j = first;
    for (; j + 1 < last; j += 2) {
      const double v = x(j);
      const double v2 = x(j + 1);
      m = v > m ? v : m;
      m2 = v2 > m2 ? v2 : m2;
    }
    if (j < last) {
      const double v = x(j);
      m = v > m ? v : m;
    }
    m = std::max(m, m2);
    for (int t = 0; t < keep; ++t) {
      const double hi = std::max(best[t], m);
      m = std::min(best[t], m);
      best[t] = hi;
    }
  }
  return best[keep - 1];
}

// Calls f(j), in increasing j, for every j in [0, n) where pass(j) is true. pass is evaluated for
// every entry without a data-dependent branch, into one bit mask per 64 entries, and f runs once
// per set bit: a test that is true at unpredictable positions (an entry at or above a selection
// bound) then costs a well-predicted loop over the set bits instead of a mispredicted branch per
// hit. pass must be cheap and side-effect free, and should combine conditions with & (not &&).
// Below kMaskFrom entries a plain loop is cheaper (two bidders per auction in the AuctionGym shape).
inline constexpr std::size_t kMaskFrom = 8;

template <typename Pass, typename F>
inline void for_each_passing(std::size_t n, Pass pass, F f) {
  if (n < kMaskFrom) {
    for (std::size_t j = 0; j < n; ++j)
      if (pass(j)) f(j);
    return;
  }
  for (std::size_t base = 0; base < n; base += 64) {
    const std::size_t len = std::min<std::size_t>(64, n - base);
    std::uint64_t mask = 0;
    for (std::size_t t = 0; t < len; ++t) mask |= static_cast<std::uint64_t>(pass(base + t)) << t;
    while (mask != 0) {
      f(base + static_cast<std::size_t>(std::countr_zero(mask)));
      mask &= mask - 1;
    }
  }
}

// Calls f(j), in increasing j, for every j in [0, n) with x[j] >= lo: for_each_passing over one
// array, comparing two entries per instruction where SSE2 is available (the same comparison, so
// the same entries pass).
template <typename F>
inline void for_each_at_least(const double* x, std::size_t n, double lo, F f) {
#if defined(__SSE2__)
  if (n < kMaskFrom) {
    for (std::size_t j = 0; j < n; ++j)
      if (x[j] >= lo) f(j);
    return;
  }
  const __m128d bound = _mm_set1_pd(lo);
  for (std::size_t base = 0; base < n; base += 64) {
    const std::size_t len = std::min<std::size_t>(64, n - base);
    const double* p = x + base;
    std::uint64_t mask = 0;
    std::size_t t = 0;
    for (; t + 2 <= len; t += 2) {
      const int bits = _mm_movemask_pd(_mm_cmpge_pd(_mm_loadu_pd(p + t), bound));
      mask |= static_cast<std::uint64_t>(bits) << t;
    }
    if (t < len) mask |= static_cast<std::uint64_t>(p[t] >= lo) << t;
    while (mask != 0) {
      f(base + static_cast<std::size_t>(std::countr_zero(mask)));
      mask &= mask - 1;
    }
  }
#else
  for_each_passing(n, [&](std::size_t j) { return x[j] >= lo; }, f);
#endif
}

}  // namespace adsim::auction

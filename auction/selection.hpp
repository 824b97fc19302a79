#pragma once
#include <algorithm>
#include <array>
#include <cstddef>

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

}  // namespace adsim::auction

#pragma once
#include <algorithm>
#include <cstddef>
#include <limits>

// Internal helper shared by the mechanisms and the metrics: both pick the top few of up to a
// hundred entries per request, and there the cost is the branch mispredicted each time an entry
// enters the running top (about keep x ln(n / keep) times on input in random order).
namespace adsim::auction {

// A lower bound for the keep-th largest of x(0..n-1), computed without data-dependent branches:
// the smallest of the maxima of `keep` contiguous groups. Those maxima are keep distinct entries,
// so at least keep entries are >= the bound, and a scan can skip everything below it with a
// rarely taken, well-predicted branch. 0 (no filtering) when n is too small to pay off. Entries
// must be >= 0.
template <typename X>
inline double kth_largest_lower_bound(std::size_t n, int keep, X x) {
  if (keep < 1 || n < 4 * static_cast<std::size_t>(keep)) return 0.0;
  const std::size_t size = n / static_cast<std::size_t>(keep);
  double bound = std::numeric_limits<double>::infinity();
  for (int g = 0; g < keep; ++g) {
    const std::size_t first = static_cast<std::size_t>(g) * size;
    const std::size_t last = g + 1 == keep ? n : first + size;
    double m = 0.0;
    for (std::size_t j = first; j < last; ++j) {
      const double v = x(j);
      m = v > m ? v : m;
    }
    bound = std::min(bound, m);
  }
  return bound;
}

}  // namespace adsim::auction

#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace adsim::core {

// Tables the hot path reads at random (user attributes, a learned model's weights and state) span
// tens of megabytes: with 4 KiB pages nearly every such load also misses the TLB and walks the page
// table. Linux backs memory with 2 MiB pages on request (transparent huge pages in "madvise" mode,
// Debian's default) if asked before the memory is first touched.
inline void advise_huge_pages(const void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  if (bytes < kHuge) return;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);  // the 2 MiB-aligned part
  const std::uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (first < last) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);  // a hint: failure is harmless
#else
  (void)data;
  (void)bytes;
#endif
}

// v = n copies of value, in memory advised for huge pages before it is written. Large allocations
// come fresh from mmap, untouched until assign() writes them.
template <class T>
void assign_huge(std::vector<T>& v, std::size_t n, const T& value = T{}) {
  std::vector<T>().swap(v);
  v.reserve(n);
  advise_huge_pages(v.data(), n * sizeof(T));
  v.assign(n, value);
}

}  // namespace adsim::core

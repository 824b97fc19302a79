#pragma once
#include <cstddef>
#include <cstdint>
#include <new>
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

// An allocator for such tables that aligns them to the pages they will sit on: 2 MiB from one huge
// page up, so the advice covers the whole table (malloc's own blocks start 16 bytes into a page and
// the first, partial huge page stays in 4 KiB pages), else 64 bytes, so rows laid out in whole cache
// lines start on one (a 16-byte offset makes every 64-byte row straddle two lines).
template <class T>
struct PageAlignedAllocator {
  using value_type = T;
  PageAlignedAllocator() = default;
  template <class U>
  PageAlignedAllocator(const PageAlignedAllocator<U>&) noexcept {}

  static std::align_val_t alignment(std::size_t n) {
    constexpr std::size_t kHuge = std::size_t{2} << 20;
    return std::align_val_t{n * sizeof(T) >= kHuge ? kHuge : std::size_t{64}};
  }
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), alignment(n))); }
  // The unsized aligned delete: clang (the fuzzing build) has no sized deallocation by default.
  void deallocate(T* p, std::size_t n) noexcept { ::operator delete(p, alignment(n)); }
  template <class U>
  bool operator==(const PageAlignedAllocator<U>&) const noexcept { return true; }
};

// v = n copies of value, in memory advised for huge pages before it is written. Large allocations
// come fresh from mmap, untouched until assign() writes them.
template <class T, class A>
void assign_huge(std::vector<T, A>& v, std::size_t n, const T& value = T{}) {
  std::vector<T, A>().swap(v);
  v.reserve(n);
  advise_huge_pages(v.data(), n * sizeof(T));
  v.assign(n, value);
}

}  // namespace adsim::core

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/huge_pages.hpp"

namespace adsim::core {
namespace {

TEST(HugePages, AssignHugeReplacesTheContents) {
  // Large enough to be advised (several 2 MiB pages), and small: the contents are what assign() gives
  // either way, whatever the kernel does with the advice.
  for (std::size_t n : {std::size_t{0}, std::size_t{3}, std::size_t{3} << 20}) {
    std::vector<std::uint32_t> v(17, 5u);
    assign_huge(v, n, 7u);
    ASSERT_EQ(v.size(), n);
    for (std::size_t i = 0; i < n; i += 4093) EXPECT_EQ(v[i], 7u);
    if (n > 0) {
      EXPECT_EQ(v.back(), 7u);
    }
  }
  std::vector<double> d;
  assign_huge(d, 1000);
  for (double x : d) EXPECT_EQ(x, 0.0);  // value-initialized by default
}

TEST(HugePages, PageAlignedTablesStartOnTheirPages) {
  // Rows of 64 bytes laid out from the start of a table are whole cache lines only if it starts on
  // one; a table of huge pages is advised whole only if it starts on one.
  std::vector<float, PageAlignedAllocator<float>> small(1000, 1.0f);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(small.data()) % 64, 0u);
  std::vector<float, PageAlignedAllocator<float>> big;
  assign_huge(big, std::size_t{3} << 20, 2.0f);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(big.data()) % (std::size_t{2} << 20), 0u);
  EXPECT_EQ(big[12345], 2.0f);
  big = small;  // copies reallocate through the allocator
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(big.data()) % 64, 0u);
  EXPECT_EQ(big, small);
}

TEST(HugePages, AdviceOnAnyRangeIsHarmless) {
  std::vector<char> small(100, 1);
  advise_huge_pages(small.data(), small.size());  // below one huge page: nothing to advise
  advise_huge_pages(small.data() + 1, 0);
  std::vector<char> big(5u << 20, 2);
  advise_huge_pages(big.data() + 3, big.size() - 3);  // unaligned: only the aligned interior
  EXPECT_EQ(big[12345], 2);
  EXPECT_EQ(small[99], 1);
}

}  // namespace
}  // namespace adsim::core

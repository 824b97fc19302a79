#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ADSIM_TOP_K_AVX2 1
#else
#define ADSIM_TOP_K_AVX2 0
#endif

namespace adsim::core {

// Selects the k largest of n distinct keys, for the funnel's "keep the top N" stages.
//
// Keys are (non-negative float score bits << 32 | tie-breaker), so the top bit is 0 and the next 12
// bits (8 exponent + 4 mantissa bits: 16 buckets per octave of score) index a histogram. The scoring
// loop feeds the histogram as it writes the keys (add), so select() needs one branch-free
// compaction pass plus an nth_element over the single bucket that holds the k-th largest key.
// That is several times faster than std::nth_element's data-dependent branches on 10^3-10^4 keys.
// Deterministic: keys are distinct, so the selected set is unique whatever the order.
class TopKSelector {
 public:
  // Clears what the previous selection counted: only the buckets between its smallest and largest
  // key (a few hundred of the 4096), not the whole 32 KiB table.
  void reset() {
    const std::uint64_t lo = min_key_ >> kShift, hi = max_key_ >> kShift;
    if (lo <= hi)
      for (auto& lane : hist_) std::memset(lane.data() + lo, 0, (hi - lo + 1) * sizeof(std::uint16_t));
    min_key_ = ~std::uint64_t{0};
    max_key_ = 0;
  }
  // Counts key i if `count` is 1 (0 lets a branch-free loop skip ineligible candidates). The caller
  // keeps the smallest and largest counted keys in locals (see bounds()) and hands them to
  // set_range(): members updated in the loop would be reloaded after every store through the
  // (possibly aliasing) key array.
  void add(std::size_t i, std::uint64_t key, std::uint32_t count) {
    auto& bucket = hist_[i % kLanes][key >> kShift];
    bucket = static_cast<std::uint16_t>(bucket + count);
  }
  // The same count by bucket, for scoring loops that compute buckets in vector registers: a key's
  // bucket is its score bits >> kScoreShift.
  static constexpr int kScoreShift = 51 - 32;
  void add_bucket(std::size_t i, std::uint32_t bucket) { ++hist_[i % kLanes][bucket]; }
  // A bucket no key maps to (keys' top bit is 0) and select() never reads: a vectorized scan counts
  // its ineligible entries there, so every entry takes the same unconditional increment. Its counts
  // may wrap; nothing reads them.
  static constexpr std::uint32_t kDiscardBucket = 4096;
  // Folds a key into running (min, max) over the counted keys, branch-free: an uncounted key
  // (count 0, key 0) leaves both unchanged.
  static void bounds(std::uint64_t key, std::uint32_t count, std::uint64_t& min_key, std::uint64_t& max_key) {
    min_key = std::min(min_key, key | (static_cast<std::uint64_t>(count) - 1));
    max_key = std::max(max_key, key);
  }
  // Must be called after the adds and before select(); reset() relies on it to clear the table.
  void set_range(std::uint64_t min_key, std::uint64_t max_key) {
    min_key_ = min_key;
    max_key_ = max_key;
  }
  // The key itself if counted, else 0, without a branch.
  static std::uint64_t masked(std::uint64_t key, std::uint32_t count) { return key & (0 - static_cast<std::uint64_t>(count)); }
  // Writes the k largest counted keys of keys[0, n) to out[0, k) in no particular order and returns
  // how many were written (min(counted, k)). Keys that were not counted must be 0 (a scan can write
  // every entry at a fixed position, which keeps store addresses independent of the data);
  // `counted` is how many add() counted since reset(). `out` and `scratch` hold n keys each and
  // must not overlap `keys` (writing in place makes every load wait on the data-dependent store
  // before it). Beyond 4 x 65535 keys the histogram's 16-bit counts could wrap, and a plain
  // nth_element does the work instead.
  std::size_t select(const std::uint64_t* keys, std::size_t n, std::size_t counted, std::size_t k,
                     std::uint64_t* out, std::uint64_t* scratch) const {
    if (counted <= k || n >= kMaxKeys) {
      std::size_t m = 0;
      for (std::size_t i = 0; i < n; ++i) {
        out[m] = keys[i];
        m += keys[i] != 0 ? 1 : 0;
      }
      if (m <= k) return m;
      std::nth_element(out, out + k, out + m, std::greater<>());
      return k;
    }
    if (k == 0) return 0;
    std::size_t above = 0;
    std::uint64_t boundary = max_key_ >> kShift;
    for (;; --boundary) {
      std::size_t here = 0;
      for (const auto& lane : hist_) here += lane[boundary];
      if (above + here >= k) break;
      above += here;
    }
    std::size_t m = 0, t = 0, i = 0;
#if ADSIM_TOP_K_AVX2
    if (avx2_) i = split_avx2(keys, n, boundary, out, m, scratch, t);
#endif
    for (; i < n; ++i) {
      const std::uint64_t key = keys[i];
      const std::uint64_t bucket = key >> kShift;
      out[m] = key;
      m += bucket > boundary ? 1 : 0;
      scratch[t] = key;
      t += ((bucket == boundary) & (key != 0)) ? 1 : 0;
    }
    const std::size_t need = k - above;
    if (need < t) std::nth_element(scratch, scratch + need, scratch + t, std::greater<>());
    std::copy_n(scratch, need, out + m);
    return k;
  }

  // For tests: the portable split even where AVX2 is available (same output, key for key).
  void use_avx2(bool on) { avx2_ = on && avx2_supported(); }

  static bool avx2_supported() {
#if ADSIM_TOP_K_AVX2
    __builtin_cpu_init();  // may run before the constructors that would initialize the CPU model
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
#else
    return false;
#endif
  }
#if ADSIM_TOP_K_AVX2
  // The permutation that moves the 64-bit lanes set in `mask` (4 bits) to the front, in order.
  __attribute__((target("avx2"))) static __m256i pack_front(unsigned mask) {
    static constexpr auto kTable = [] {
      std::array<std::array<std::int32_t, 8>, 16> table{};
      for (unsigned mk = 0; mk < 16; ++mk) {
        std::size_t o = 0;
        for (int lane = 0; lane < 4; ++lane)
          if ((mk >> lane) & 1u) {
            table[mk][o++] = 2 * lane;
            table[mk][o++] = 2 * lane + 1;
          }
      }
      return table;
    }();
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTable[mask].data()));
  }
#endif

 private:
  static constexpr int kShift = kScoreShift + 32;
#if ADSIM_TOP_K_AVX2
  // select()'s split of keys into those above the boundary bucket (out) and those in it (scratch),
  // four keys per step: the build targets baseline x86-64, so this is compiled for AVX2 on its own
  // and chosen at run time. Each four keys take one compare per side and a permutation that packs
  // the chosen ones to the front (one store per side, whatever the mask; the scalar loop's two
  // stores and flag arithmetic per key made it the selection's cost). Order is kept, so the output is the portable loop's, key for key. Returns how many
  // keys it consumed (a multiple of 4); the caller finishes the rest.
  __attribute__((target("avx2,popcnt"))) static std::size_t split_avx2(const std::uint64_t* keys, std::size_t n,
                                                                        std::uint64_t boundary, std::uint64_t* out,
                                                                        std::size_t& m, std::uint64_t* scratch,
                                                                        std::size_t& t) {
    const __m256i edge = _mm256_set1_epi64x(static_cast<long long>(boundary));
    const __m256i zero = _mm256_setzero_si256();
    std::size_t mo = m, to = t, i = 0;
    for (; i + 4 <= n; i += 4) {
      const __m256i key = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(keys + i));
      const __m256i bucket = _mm256_srli_epi64(key, kShift);
      const auto above = static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(bucket, edge))));
      const auto at = static_cast<unsigned>(_mm256_movemask_pd(
          _mm256_castsi256_pd(_mm256_andnot_si256(_mm256_cmpeq_epi64(key, zero), _mm256_cmpeq_epi64(bucket, edge)))));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + mo), _mm256_permutevar8x32_epi32(key, pack_front(above)));
      mo += static_cast<std::size_t>(__builtin_popcount(above));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(scratch + to), _mm256_permutevar8x32_epi32(key, pack_front(at)));
      to += static_cast<std::size_t>(__builtin_popcount(at));
    }
    m = mo;
    t = to;
    return i;
  }
#endif
  bool avx2_ = avx2_supported();
  static constexpr std::size_t kLanes = 4;
  static constexpr std::size_t kMaxKeys = kLanes * 65535;  // beyond this a lane's 16-bit count could wrap
  // Interleaved histograms: consecutive keys often share a bucket (ads of one campaign sit together
  // in the index), and one table would serialize those increments through memory; with four, an
  // increment waits on the one four keys back, by which time its store has landed.
  std::array<std::array<std::uint16_t, kDiscardBucket + 1>, kLanes> hist_{};
  std::uint64_t min_key_ = ~std::uint64_t{0};
  std::uint64_t max_key_ = 0;
};

// Convenience for callers that have the keys already (tests, benchmarks): the k largest end up in
// keys[0, k).
inline std::size_t select_top_k(std::uint64_t* keys, std::size_t n, std::size_t k, std::uint64_t* scratch) {
  TopKSelector s;
  s.reset();
  std::uint64_t min_key = ~std::uint64_t{0}, max_key = 0;
  for (std::size_t i = 0; i < n; ++i) {
    s.add(i, keys[i], 1);
    TopKSelector::bounds(keys[i], 1, min_key, max_key);
  }
  s.set_range(min_key, max_key);
  std::vector<std::uint64_t> out(n);
  const std::size_t got = s.select(keys, n, n, k, out.data(), scratch);
  std::copy_n(out.begin(), got, keys);
  return got;
}

}  // namespace adsim::core

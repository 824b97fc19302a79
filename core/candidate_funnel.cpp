#include "core/candidate_funnel.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <type_traits>

#include "core/vector_math.hpp"

namespace adsim::core {
namespace {

// Non-negative floats order the same as their bit patterns, so a score and a tie-breaker pack into
// one integer that sorts fast and never ties. Ties in score go to the lower ad id.
inline std::uint64_t pack(float score, AdId ad) {
  return (static_cast<std::uint64_t>(std::bit_cast<std::uint32_t>(score)) << 32) | static_cast<std::uint32_t>(~ad);
}
inline AdId unpack_ad(std::uint64_t key) { return ~static_cast<std::uint32_t>(key); }

// The vectorized retrieval scan holds the category relevance table in registers, up to this many
// categories (more take the portable scan).
constexpr int kRelevanceInRegisters = 32;

#if ADSIM_TOP_K_AVX2
// What the vectorized retrieval scan reads and writes (one request).
struct ScanX8 {
  const float* live_bid;
  const float* relevance;   // kRelevanceInRegisters entries
  std::uint64_t* keys;      // choosing: every entry's key at its own position (0 if not eligible)
  std::uint64_t* selected;  // not choosing: eligible keys packed
  TopKSelector* selector;
  std::uint16_t query;
  std::size_t entries = 0, n = 0;
  std::uint32_t min_bucket = ~0u, max_bits = 0;  // over the eligible keys (choosing)
};

// retrieve_and_prerank's scan of one list, eight entries per step, compiled for AVX2 on its own
// (the build targets baseline x86-64) and chosen at run time. Same keys as the scalar scan, in the
// same positions: the score is the same single float product; ineligible lanes are masked.
// - The bids are eight scalar loads (vgatherdps was slower here), the category relevance comes
//   from four registers: vpermps picks within eight, blends on bits 3 and 4 of the category pick
//   the register.
// - A step loads a whole block of eight entries (the index has room past its last list); the last
//   step masks the lanes past the list's end, and a choosing scan writes their zero keys past the
//   list's positions, where the next list's keys overwrite them.
// - Histogram counts stay scalar (the selector's interleaved lanes), but unconditional: ineligible
//   entries go to the discard bucket. (A separate counting pass over stored buckets was slower.)
template <bool kChoose, bool kShared, bool kQuery>
__attribute__((target("avx2,popcnt"), always_inline)) inline void scan_list_x8(const TargetingIndex::ListView& list,
                                                                               std::uint64_t shared_below, ScanX8& s,
                                                                               __m256i& lowest, __m256i& highest) {
  const std::size_t size = list.ads.size();
  const AdId* ads = list.ads.data();
  const std::uint16_t* categories = list.categories.data();
  const std::uint64_t* masks = list.interest_masks.data();
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i ones = _mm256_set1_epi32(-1);
  const __m256 zero = _mm256_setzero_ps();
  const __m256i shared = _mm256_set1_epi64x(static_cast<long long>(shared_below));
  const __m256i query = _mm256_set1_epi32(s.query);
  const __m256i discard = _mm256_set1_epi32(static_cast<int>(TopKSelector::kDiscardBucket));
  // Locals, not reads through `s`: the stores could alias it as far as the compiler knows.
  const float* live_bid = s.live_bid;
  TopKSelector& selector = *s.selector;
  const __m256 table0 = _mm256_loadu_ps(s.relevance), table1 = _mm256_loadu_ps(s.relevance + 8);
  const __m256 table2 = _mm256_loadu_ps(s.relevance + 16), table3 = _mm256_loadu_ps(s.relevance + 24);
  std::uint64_t* keys = s.keys + s.entries;  // this list's positions
  std::uint64_t* selected = s.selected;
  std::size_t n = s.n;
  for (std::size_t i = 0; i < size; i += 8) {
    const __m256i ad = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ads + i));
    const __m256 bid = _mm256_setr_ps(live_bid[ads[i]], live_bid[ads[i + 1]], live_bid[ads[i + 2]], live_bid[ads[i + 3]],
                                      live_bid[ads[i + 4]], live_bid[ads[i + 5]], live_bid[ads[i + 6]], live_bid[ads[i + 7]]);
    const __m256i category = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(categories + i)));
    const __m256 bit3 = _mm256_castsi256_ps(_mm256_slli_epi32(category, 28));
    const __m256 bit4 = _mm256_castsi256_ps(_mm256_slli_epi32(category, 27));
    const __m256 relevance = _mm256_blendv_ps(
        _mm256_blendv_ps(_mm256_permutevar8x32_ps(table0, category), _mm256_permutevar8x32_ps(table1, category), bit3),
        _mm256_blendv_ps(_mm256_permutevar8x32_ps(table2, category), _mm256_permutevar8x32_ps(table3, category), bit3), bit4);
    const __m256 score = _mm256_mul_ps(bid, relevance);
    __m256i eligible = _mm256_castps_si256(_mm256_cmp_ps(bid, zero, _CMP_GT_OQ));
    if (size - i < 8)
      eligible = _mm256_and_si256(eligible, _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(size - i)), iota));
    if constexpr (kShared) {
      const __m256i m0 = _mm256_cmpeq_epi64(
          _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(masks + i)), shared), _mm256_setzero_si256());
      const __m256i m1 = _mm256_cmpeq_epi64(
          _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(masks + i + 4)), shared), _mm256_setzero_si256());
      // The low halves of the eight 64-bit flags, in entry order.
      const __m256 halves = _mm256_shuffle_ps(_mm256_castsi256_ps(m0), _mm256_castsi256_ps(m1), _MM_SHUFFLE(2, 0, 2, 0));
      eligible = _mm256_and_si256(eligible, _mm256_permute4x64_epi64(_mm256_castps_si256(halves), _MM_SHUFFLE(3, 1, 2, 0)));
    }
    if constexpr (kQuery) eligible = _mm256_and_si256(eligible, _mm256_cmpeq_epi32(category, query));
    __m256i bits = _mm256_castps_si256(score);
    __m256i low = _mm256_xor_si256(ad, ones);  // ~ad
    if constexpr (kChoose) {
      bits = _mm256_and_si256(bits, eligible);
      low = _mm256_and_si256(low, eligible);
    }
    // Keys 0,1 | 4,5 and 2,3 | 6,7, then in entry order.
    const __m256i k_lo = _mm256_unpacklo_epi32(low, bits), k_hi = _mm256_unpackhi_epi32(low, bits);
    const __m256i first = _mm256_permute2x128_si256(k_lo, k_hi, 0x20), second = _mm256_permute2x128_si256(k_lo, k_hi, 0x31);
    const auto mask = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(eligible)));
    if constexpr (kChoose) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(keys + i), first);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(keys + i + 4), second);
      const __m256i bucket = _mm256_blendv_epi8(discard, _mm256_srli_epi32(bits, TopKSelector::kScoreShift), eligible);
      lowest = _mm256_min_epu32(lowest, bucket);  // the discard bucket is above every real one
      highest = _mm256_max_epu32(highest, bits);  // 0 where not eligible
      alignas(32) std::array<std::uint32_t, 8> b;
      _mm256_store_si256(reinterpret_cast<__m256i*>(b.data()), bucket);
      for (std::size_t j = 0; j < 8; ++j) selector.add_bucket(j, b[j]);
      n += static_cast<std::size_t>(__builtin_popcount(mask));
    } else {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(selected + n),
                          _mm256_permutevar8x32_epi32(first, TopKSelector::pack_front(mask & 15u)));
      n += static_cast<std::size_t>(__builtin_popcount(mask & 15u));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(selected + n),
                          _mm256_permutevar8x32_epi32(second, TopKSelector::pack_front(mask >> 4)));
      n += static_cast<std::size_t>(__builtin_popcount(mask >> 4));
    }
  }
  s.entries += size;
  s.n = n;
}

template <bool kChoose, bool kQuery>
__attribute__((target("avx2,popcnt"))) void scan_x8(const TargetingIndex::ListView* lists, const std::uint64_t* shared,
                                                     std::size_t num_lists, ScanX8& s) {
  __m256i lowest = _mm256_set1_epi32(-1), highest = _mm256_setzero_si256();
  for (std::size_t l = 0; l < num_lists; ++l) {
    if (shared[l] == 0) scan_list_x8<kChoose, false, kQuery>(lists[l], 0, s, lowest, highest);
    else scan_list_x8<kChoose, true, kQuery>(lists[l], shared[l], s, lowest, highest);
  }
  if constexpr (kChoose) {
    alignas(32) std::array<std::uint32_t, 8> lo{}, hi{};
    _mm256_store_si256(reinterpret_cast<__m256i*>(lo.data()), lowest);
    _mm256_store_si256(reinterpret_cast<__m256i*>(hi.data()), highest);
    s.min_bucket = *std::min_element(lo.begin(), lo.end());
    s.max_bits = *std::max_element(hi.begin(), hi.end());
  }
}

// What the AVX2 light model (rank_x8) reads and writes: one request's pre-ranked candidates.
struct RankX8 {
  const std::int8_t* embeddings;  // ads x 16
  const std::int16_t* user;       // 16
  const float* live_bid;
  std::uint64_t* keys;  // in: the candidates' pre-ranking keys; out: their light-model keys
  TopKSelector* selector;
  std::size_t kept;
  std::uint32_t min_bits = 0, max_bits = 0;  // out: the smallest and largest score bits
};

// One candidate's dot product with the user as eight partial sums: its 16 bytes sign-extended to
// 16-bit lanes, one vpmaddwd.
__attribute__((target("avx2"), always_inline)) inline __m256i madd_row(const std::int8_t* row, __m256i user) {
  return _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row))), user);
}

// rank_x8's first half for eight candidates: their dot products with the user (a vpmovsxbw and a
// vpmaddwd each, then a vphaddd tree that reduces the eight into one register, exact: integers) and
// their bids (eight scalar loads).
__attribute__((target("avx2"), always_inline)) inline void rank_head(const std::uint64_t* keys, const std::int8_t* embeddings,
                                                                      const float* live_bid, __m256i user, __m256i& sums,
                                                                      __m256& bid) {
  std::array<AdId, 8> ad;
  for (std::size_t j = 0; j < 8; ++j) ad[j] = unpack_ad(keys[j]);
  const __m256i p0 = madd_row(embeddings + static_cast<std::size_t>(ad[0]) * 16, user);
  const __m256i p1 = madd_row(embeddings + static_cast<std::size_t>(ad[1]) * 16, user);
  const __m256i p2 = madd_row(embeddings + static_cast<std::size_t>(ad[2]) * 16, user);
  const __m256i p3 = madd_row(embeddings + static_cast<std::size_t>(ad[3]) * 16, user);
  const __m256i p4 = madd_row(embeddings + static_cast<std::size_t>(ad[4]) * 16, user);
  const __m256i p5 = madd_row(embeddings + static_cast<std::size_t>(ad[5]) * 16, user);
  const __m256i p6 = madd_row(embeddings + static_cast<std::size_t>(ad[6]) * 16, user);
  const __m256i p7 = madd_row(embeddings + static_cast<std::size_t>(ad[7]) * 16, user);
  const __m256i h0123 = _mm256_hadd_epi32(_mm256_hadd_epi32(p0, p1), _mm256_hadd_epi32(p2, p3));
  const __m256i h4567 = _mm256_hadd_epi32(_mm256_hadd_epi32(p4, p5), _mm256_hadd_epi32(p6, p7));
  sums = _mm256_add_epi32(_mm256_permute2x128_si256(h0123, h4567, 0x20), _mm256_permute2x128_si256(h0123, h4567, 0x31));
  bid = _mm256_setr_ps(live_bid[ad[0]], live_bid[ad[1]], live_bid[ad[2]], live_bid[ad[3]], live_bid[ad[4]], live_bid[ad[5]],
                       live_bid[ad[6]], live_bid[ad[7]]);
}

// CandidateFunnel::rank_x4 eight candidates per step, compiled for AVX2 on its own and chosen at
// run time. Float operations are those of the scalar loop in the same order (no FMA: the target is
// AVX2 alone), so scores are bit-identical; the keys are the same, and so is every count the
// selector sums (in other lanes, which select() adds up). Software-pipelined: a step loads and
// reduces the next block (rank_head) before it scores the current one, whose sums are ready, so
// the out-of-order window holds two blocks' loads instead of waiting on one block's whole chain
// from key load to histogram count (about 9% of the reference run). Prefetching the embedding rows
// ahead, as rank_x4 does, made no measurable difference here and costs four instructions per
// candidate. Returns how many candidates it scored (a multiple of 8).
__attribute__((target("avx2"))) std::size_t rank_x8(RankX8& r) {
  const std::int8_t* embeddings = r.embeddings;
  const float* live_bid = r.live_bid;
  std::uint64_t* keys = r.keys;
  TopKSelector& selector = *r.selector;
  const std::size_t kept = r.kept;
  const __m256i user = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r.user));
  const __m256 scale = _mm256_set1_ps(1.0f / (127.0f * 127.0f)), one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
  const __m256i first_half = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3), second_half = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
  __m256 lowest = _mm256_set1_ps(std::numeric_limits<float>::infinity()), highest = zero;
  const std::size_t blocks = kept / 8 * 8;
  __m256i sums = _mm256_setzero_si256();
  __m256 bid = zero;
  if (blocks > 0) rank_head(keys, embeddings, live_bid, user, sums, bid);
  for (std::size_t i = 0; i < blocks; i += 8) {
    __m256i next_sums = sums;  // the next block's sums and bids, loaded while this one is scored
    __m256 next_bid = bid;
    if (i + 8 < blocks) rank_head(keys + i + 8, embeddings, live_bid, user, next_sums, next_bid);
    const __m256 cos = _mm256_mul_ps(_mm256_cvtepi32_ps(sums), scale);
    const __m256 affinity = _mm256_max_ps(_mm256_add_ps(one, cos), zero);  // a > 0 ? a : 0, as the scalar loop
    const __m256 score = _mm256_mul_ps(_mm256_mul_ps(bid, affinity), affinity);
    lowest = _mm256_min_ps(lowest, score);  // non-negative floats order as their bits
    highest = _mm256_max_ps(highest, score);
    // New keys: the score bits into the upper halves (odd 32-bit lanes), the ad (~ad) kept below.
    const __m256i bits = _mm256_castps_si256(score);
    __m256i* out = reinterpret_cast<__m256i*>(keys + i);
    _mm256_storeu_si256(out, _mm256_blend_epi32(_mm256_loadu_si256(out), _mm256_permutevar8x32_epi32(bits, first_half), 0xAA));
    _mm256_storeu_si256(out + 1,
                        _mm256_blend_epi32(_mm256_loadu_si256(out + 1), _mm256_permutevar8x32_epi32(bits, second_half), 0xAA));
    alignas(32) std::array<std::uint32_t, 8> bucket;
    _mm256_store_si256(reinterpret_cast<__m256i*>(bucket.data()), _mm256_srli_epi32(bits, TopKSelector::kScoreShift));
    for (std::size_t j = 0; j < 8; ++j) selector.add_bucket(j, bucket[j]);  // any lane: select() sums them
    sums = next_sums;
    bid = next_bid;
  }
  alignas(32) std::array<std::uint32_t, 8> lo_bits, hi_bits;
  _mm256_store_si256(reinterpret_cast<__m256i*>(lo_bits.data()), _mm256_castps_si256(lowest));
  _mm256_store_si256(reinterpret_cast<__m256i*>(hi_bits.data()), _mm256_castps_si256(highest));
  r.min_bits = *std::min_element(lo_bits.begin(), lo_bits.end());
  r.max_bits = *std::max_element(hi_bits.begin(), hi_bits.end());
  return blocks;
}
#endif

}  // namespace

CandidateFunnel::CandidateFunnel(const World& world, FunnelSpec spec) : world_(world), spec_(spec), index_(world) {
  live_.assign(world.ads.size(), 0);
  live_bid_.assign(world.ads.size(), 0.0f);
  bid_.resize(world.campaigns.size());
  for (std::size_t c = 0; c < world.campaigns.size(); ++c) bid_[c] = static_cast<float>(world.campaigns[c].bid.micros);
  light_embedding_.resize(world.ads.embedding.size());
  for (std::size_t i = 0; i < light_embedding_.size(); ++i)
    light_embedding_[i] = static_cast<std::int8_t>(std::lround(127.0f * std::clamp(world.ads.embedding[i], -1.0f, 1.0f)));
  user_quantized_.resize(static_cast<std::size_t>(world.dim));
  rank_scores_.resize(static_cast<std::size_t>(spec_.prerank_keep));
  category_relevance_.resize(static_cast<std::size_t>(std::max(world.num_categories, kRelevanceInRegisters)));
  // Room for a vectorized scan's whole last block (see scan_list_x8).
  keys_.resize(index_.largest_cell() + TargetingIndex::kReadPastEnd);
  scratch_.resize(index_.largest_cell() + TargetingIndex::kReadPastEnd);
  selected_.resize(index_.largest_cell() + TargetingIndex::kReadPastEnd);
  kept_ads_.resize(static_cast<std::size_t>(spec_.rank_keep));
}

void CandidateFunnel::set_campaign_bid(CampaignId c, double micros) {
  bid_[c] = static_cast<float>(micros);
  const Campaign& k = world_.campaigns[c];
  for (AdId a = k.first_ad; a < k.first_ad + k.ad_count; ++a) live_bid_[a] = live_[a] ? bid_[c] : 0.0f;
}

CandidateFunnel::Counts CandidateFunnel::run(const RequestContext& request) {
  if (index_stale_revived_ || index_dead_since_compaction_ * 50 > live_.size()) {  // 2 % of ads
    index_.compact(live_);
    index_stale_revived_ = false;
    index_dead_since_compaction_ = 0;
  }
  counts_ = Counts{};
  // 1-2. Retrieval from the targeting index and pre-ranking by bid x category relevance (top N1).
  counts_.after_prerank = retrieve_and_prerank(request);
  // 3a. Ranking by a light model (bid x embedding affinity) keeps the top N2.
  counts_.after_rank = rank(request, counts_.after_prerank);
  for (std::size_t i = 0; i < counts_.after_rank; ++i) kept_ads_[i] = unpack_ad(keys_[i]);
  return counts_;
}

void CandidateFunnel::eligible_ads(const RequestContext& request, std::vector<AdId>& out) const {
  // The same lists and conditions as retrieve_and_prerank's scan.
  out.clear();
  const std::uint64_t interests = request.interests;
  auto take = [&](const TargetingIndex::ListView& list, std::uint64_t shared_below) {
    for (std::size_t i = 0; i < list.ads.size(); ++i) {
      if (live_bid_[list.ads[i]] <= 0.0f || (list.interest_masks[i] & shared_below) != 0) continue;
      if (request.is_search() && list.categories[i] != request.query_category) continue;
      out.push_back(list.ads[i]);
    }
  };
  take(index_.broad(request.region, request.age_band), 0);
  for (std::uint64_t rest = interests; rest != 0; rest &= rest - 1) {
    const int c = std::countr_zero(rest);
    if (c >= world_.num_categories) break;
    take(index_.interest(request.region, request.age_band, c), interests & ((std::uint64_t{1} << c) - 1));
  }
}

std::size_t CandidateFunnel::retrieve_and_prerank(const RequestContext& request) {
  const auto dim = static_cast<std::size_t>(world_.dim);
  for (int c = 0; c < world_.num_categories; ++c) {
    const float cos = dot(request.user_embedding.data(), &world_.category_centroids[static_cast<std::size_t>(c) * dim], dim);
    category_relevance_[static_cast<std::size_t>(c)] = std::max(0.0f, 1.0f + cos);
  }
  // The lists this request scans: the broad one and one per interest category of the user.
  const std::uint64_t interests = request.interests;
  std::array<TargetingIndex::ListView, 65> lists;
  std::array<std::uint64_t, 65> shared{};  // the user's categories below the list's own
  std::size_t num_lists = 0, total = 0;
  lists[num_lists++] = index_.broad(request.region, request.age_band);
  for (std::uint64_t rest = interests; rest != 0; rest &= rest - 1) {
    const int c = std::countr_zero(rest);
    if (c >= world_.num_categories) break;
    shared[num_lists] = interests & ((std::uint64_t{1} << c) - 1);
    lists[num_lists++] = index_.interest(request.region, request.age_band, c);
  }
  for (std::size_t l = 0; l < num_lists; ++l) total += lists[l].ads.size();
  // Pre-ranking only has to choose when more entries than N1 are scanned (early in the day, while
  // every campaign has budget); otherwise every eligible ad is kept and no histogram is needed.
  const auto keep = static_cast<std::size_t>(spec_.prerank_keep);
  const bool choose = total > keep;

  std::size_t n = 0;        // eligible ads found
  std::size_t entries = 0;  // entries scanned (keys_ positions used)
  std::uint64_t min_key = ~std::uint64_t{0}, max_key = 0;
  if (choose) selector_.reset();
  // Branch-free scan. When pre-ranking chooses, every entry is written at its own position (0 if
  // the ad is not eligible), so no store address depends on data, and the selection skips the
  // zeros; otherwise eligible entries are packed as they come. An entry that also targets
  // one of the user's lower categories (`shared`) was taken from that category's list. A search
  // request only takes ads of its query's category: one more condition in the same branch-free
  // form, compiled into the search path only, so a feed request's scan does no more per entry.
  const std::uint16_t query = request.query_category;
  auto scan = [&](const TargetingIndex::ListView& list, std::uint64_t shared_below, auto check_shared, auto count_keys,
                  auto check_query) {
    for (std::size_t i = 0; i < list.ads.size(); ++i, ++entries) {
      const AdId ad = list.ads[i];
      const float bid = live_bid_[ad];
      bool eligible = bid > 0.0f;
      if constexpr (decltype(check_shared)::value) eligible &= (list.interest_masks[i] & shared_below) == 0;
      if constexpr (decltype(check_query)::value) eligible &= list.categories[i] == query;
      const float score = bid * category_relevance_[list.categories[i]];
      const auto count = static_cast<std::uint32_t>(eligible);
      if constexpr (decltype(count_keys)::value) {
        const std::uint64_t key = TopKSelector::masked(pack(score, ad), count);
        keys_[entries] = key;
        selector_.add(entries, key, count);
        TopKSelector::bounds(key, count, min_key, max_key);
      } else {
        selected_[n] = pack(score, ad);  // kept as they come: the next entry overwrites an ineligible one
      }
      n += count;
    }
  };
  auto scan_lists = [&](auto count_keys, auto check_query) {
    for (std::size_t l = 0; l < num_lists; ++l) {
      if (shared[l] == 0) scan(lists[l], 0, std::false_type{}, count_keys, check_query);
      else scan(lists[l], shared[l], std::true_type{}, count_keys, check_query);
    }
  };
  const bool search = request.is_search();
  auto scan_all = [&](auto count_keys) {
    if (search) scan_lists(count_keys, std::true_type{});
    else scan_lists(count_keys, std::false_type{});
  };
  std::size_t kept = 0;
#if ADSIM_TOP_K_AVX2
  // The same scan eight entries at a time (scan_list_x8): same keys, same positions, same counts.
  if (avx2_ && world_.num_categories <= kRelevanceInRegisters) {
    ScanX8 s{live_bid_.data(), category_relevance_.data(), keys_.data(), selected_.data(), &selector_, query};
    if (choose) {
      if (search) scan_x8<true, true>(lists.data(), shared.data(), num_lists, s);
      else scan_x8<true, false>(lists.data(), shared.data(), num_lists, s);
      // The bounds only matter by bucket (reset() and select() shift them), so buckets and score bits
      // do. With no eligible entry the smallest bucket is the discard one, above the largest (0).
      selector_.set_range(std::uint64_t{s.min_bucket} << (TopKSelector::kScoreShift + 32), std::uint64_t{s.max_bits} << 32);
      kept = selector_.select(keys_.data(), s.entries, s.n, keep, selected_.data(), scratch_.data());
    } else {
      if (search) scan_x8<false, true>(lists.data(), shared.data(), num_lists, s);
      else scan_x8<false, false>(lists.data(), shared.data(), num_lists, s);
      kept = s.n;
    }
    counts_.retrieved = s.n;
    keys_.swap(selected_);
    return kept;
  }
#endif
  if (choose) {
    scan_all(std::true_type{});
    selector_.set_range(min_key, max_key);
    kept = selector_.select(keys_.data(), entries, n, keep, selected_.data(), scratch_.data());
  } else {
    scan_all(std::false_type{});
    kept = n;
  }
  counts_.retrieved = n;
  keys_.swap(selected_);
  return kept;
}

// The light ranking model scores with 8-bit quantized embeddings, as production pre-ranking models
// often do: the table is a quarter of the float one and stays in L2 cache, and the cosine is off by
// at most about 1% (components of unit vectors are quantized in steps of 1/127).
std::size_t CandidateFunnel::rank(const RequestContext& request, std::size_t kept) {
  const auto dim = static_cast<std::size_t>(world_.dim);
  for (std::size_t d = 0; d < dim; ++d)
    user_quantized_[d] = static_cast<std::int16_t>(std::lround(127.0f * request.user_embedding[d]));
  const std::int16_t* user = user_quantized_.data();
  const std::int8_t* embeddings = light_embedding_.data();
  constexpr float kScale = 1.0f / (127.0f * 127.0f);
  std::uint64_t min_key = ~std::uint64_t{0}, max_key = 0;
  selector_.reset();
  std::size_t done = 0;
#if defined(__SSE2__)
  if (dim == 16) {
#if ADSIM_TOP_K_AVX2
    if (avx2_) {
      RankX8 r{embeddings, user, live_bid_.data(), keys_.data(), &selector_, kept};
      done = rank_x8(r);
      rank_min_bits_ = r.min_bits;
      rank_max_bits_ = r.max_bits;
    } else {
      done = rank_x4(kept);
    }
#else
    done = rank_x4(kept);
#endif
    min_key = std::uint64_t{rank_min_bits_} << 32;  // same bucket as the smallest key
    max_key = std::uint64_t{rank_max_bits_} << 32;
  }
#endif
  // What rank_x4 / rank_x8 left (other dimensions, or the last kept % 4 or % 8 candidates), one at a time in two
  // passes: the first only gathers embeddings and computes scores (short, independent iterations,
  // so many embedding loads are in flight at once); the second packs the keys and fills the
  // selection histogram.
  auto score_all = [&](auto dot_product) {
    constexpr std::size_t kAhead = 16;
    for (std::size_t i = done; i < kept; ++i) {
      if (i + kAhead < kept) __builtin_prefetch(embeddings + static_cast<std::size_t>(unpack_ad(keys_[i + kAhead])) * dim);
      const AdId ad = unpack_ad(keys_[i]);
      const float cos = static_cast<float>(dot_product(user, embeddings + static_cast<std::size_t>(ad) * dim)) * kScale;
      const float a = 1.0f + cos;
      const float affinity = a > 0.0f ? a : 0.0f;  // maxss; std::max's argument order made a branch
      rank_scores_[i] = live_bid_[ad] * affinity * affinity;
    }
    for (std::size_t i = done; i < kept; ++i) {
      const std::uint64_t key = pack(rank_scores_[i], unpack_ad(keys_[i]));
      keys_[i] = key;
      selector_.add(i, key, 1u);
      TopKSelector::bounds(key, 1u, min_key, max_key);
    }
  };
  // The common dimension gets a loop of fixed length, which the compiler unrolls and vectorizes.
  if (dim == 16) score_all([](const std::int16_t* a, const std::int8_t* b) { return dot_i8x16(a, b); });
  else score_all([dim](const std::int16_t* a, const std::int8_t* b) { return dot_i8(a, b, dim); });
  selector_.set_range(min_key, max_key);
  const std::size_t ranked =
      selector_.select(keys_.data(), kept, kept, static_cast<std::size_t>(spec_.rank_keep), selected_.data(), scratch_.data());
  keys_.swap(selected_);
  return ranked;
}

#if defined(__SSE2__)
// The light model at dimension 16, four candidates at a time in one pass: four pmaddwd pairs, one
// transposed reduction (instead of four horizontal ones), the score arithmetic on four lanes, and
// the keys packed and counted while the next rows load. Float operations are those of the scalar
// loop in the same order, so scores are bit-identical. Returns how many candidates it scored (a
// multiple of 4); the smallest and largest score bits go to rank_min_bits_ / rank_max_bits_.
std::size_t CandidateFunnel::rank_x4(std::size_t kept) {
  const std::int8_t* embeddings = light_embedding_.data();
  const __m128i user_lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(user_quantized_.data()));
  const __m128i user_hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(user_quantized_.data() + 8));
  auto madd = [&](AdId ad) {  // four partial sums of one candidate's dot product
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(embeddings + static_cast<std::size_t>(ad) * 16));
    const __m128i lo = _mm_srai_epi16(_mm_unpacklo_epi8(_mm_setzero_si128(), bytes), 8);
    const __m128i hi = _mm_srai_epi16(_mm_unpackhi_epi8(_mm_setzero_si128(), bytes), 8);
    return _mm_add_epi32(_mm_madd_epi16(lo, user_lo), _mm_madd_epi16(hi, user_hi));
  };
  const __m128 scale = _mm_set1_ps(1.0f / (127.0f * 127.0f)), one = _mm_set1_ps(1.0f), zero = _mm_setzero_ps();
  const __m128i low_half = _mm_set1_epi64x(0xFFFFFFFF);
  __m128 lowest = _mm_set1_ps(std::numeric_limits<float>::infinity()), highest = zero;
  std::uint64_t* keys = keys_.data();
  const std::size_t blocks = kept / 4 * 4;
  constexpr std::size_t kAhead = 16;
  for (std::size_t i = 0; i < blocks; i += 4) {
    if (i + kAhead + 4 <= kept)
      for (std::size_t j = 0; j < 4; ++j)
        __builtin_prefetch(embeddings + static_cast<std::size_t>(unpack_ad(keys[i + kAhead + j])) * 16);
    const AdId a0 = unpack_ad(keys[i]), a1 = unpack_ad(keys[i + 1]), a2 = unpack_ad(keys[i + 2]), a3 = unpack_ad(keys[i + 3]);
    const __m128i p0 = madd(a0), p1 = madd(a1), p2 = madd(a2), p3 = madd(a3);
    // Transpose-and-add: lane j ends up with the sum of p_j's four lanes (exact: integers).
    const __m128i t01 = _mm_add_epi32(_mm_unpacklo_epi32(p0, p1), _mm_unpackhi_epi32(p0, p1));
    const __m128i t23 = _mm_add_epi32(_mm_unpacklo_epi32(p2, p3), _mm_unpackhi_epi32(p2, p3));
    const __m128i sums = _mm_add_epi32(_mm_unpacklo_epi64(t01, t23), _mm_unpackhi_epi64(t01, t23));
    const __m128 cos = _mm_mul_ps(_mm_cvtepi32_ps(sums), scale);
    const __m128 affinity = _mm_max_ps(_mm_add_ps(one, cos), zero);  // a > 0 ? a : 0, as the scalar loop
    const __m128 bid = _mm_setr_ps(live_bid_[a0], live_bid_[a1], live_bid_[a2], live_bid_[a3]);
    const __m128 score = _mm_mul_ps(_mm_mul_ps(bid, affinity), affinity);
    lowest = _mm_min_ps(lowest, score);  // non-negative floats order as their bits
    highest = _mm_max_ps(highest, score);
    // New keys: the score bits in the upper half, the ad (~ad) kept in the lower half.
    const __m128i bits = _mm_castps_si128(score);
    __m128i* out = reinterpret_cast<__m128i*>(keys + i);
    _mm_storeu_si128(out, _mm_or_si128(_mm_and_si128(_mm_loadu_si128(out), low_half), _mm_unpacklo_epi32(_mm_setzero_si128(), bits)));
    _mm_storeu_si128(out + 1,
                     _mm_or_si128(_mm_and_si128(_mm_loadu_si128(out + 1), low_half), _mm_unpackhi_epi32(_mm_setzero_si128(), bits)));
    const __m128i buckets = _mm_srli_epi32(bits, TopKSelector::kScoreShift);
    selector_.add_bucket(i, static_cast<std::uint32_t>(_mm_cvtsi128_si32(buckets)));
    selector_.add_bucket(i + 1, static_cast<std::uint32_t>(_mm_extract_epi16(buckets, 2)));
    selector_.add_bucket(i + 2, static_cast<std::uint32_t>(_mm_extract_epi16(buckets, 4)));
    selector_.add_bucket(i + 3, static_cast<std::uint32_t>(_mm_extract_epi16(buckets, 6)));
  }
  alignas(16) std::array<std::uint32_t, 4> lo_bits{}, hi_bits{};
  _mm_store_si128(reinterpret_cast<__m128i*>(lo_bits.data()), _mm_castps_si128(lowest));
  _mm_store_si128(reinterpret_cast<__m128i*>(hi_bits.data()), _mm_castps_si128(highest));
  rank_min_bits_ = std::min({lo_bits[0], lo_bits[1], lo_bits[2], lo_bits[3]});
  rank_max_bits_ = std::max({hi_bits[0], hi_bits[1], hi_bits[2], hi_bits[3]});
  return blocks;
}
#endif

}  // namespace adsim::core

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
  category_relevance_.resize(static_cast<std::size_t>(world.num_categories));
  keys_.resize(index_.largest_cell());
  scratch_.resize(index_.largest_cell());
  selected_.resize(index_.largest_cell());
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
    done = rank_x4(kept);
    min_key = std::uint64_t{rank_min_bits_} << 32;  // same bucket as the smallest key
    max_key = std::uint64_t{rank_max_bits_} << 32;
  }
#endif
  // What rank_x4 left (other dimensions, or the last kept % 4 candidates), one at a time in two
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

#include "core/candidate_funnel.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
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
  // Two passes: the first only gathers embeddings and computes scores (short, independent
  // iterations, so many embedding loads are in flight at once); the second packs the keys and
  // fills the selection histogram.
  auto score_all = [&](auto dot_product) {
    constexpr std::size_t kAhead = 16;
    for (std::size_t i = 0; i < kept; ++i) {
      if (i + kAhead < kept) __builtin_prefetch(embeddings + static_cast<std::size_t>(unpack_ad(keys_[i + kAhead])) * dim);
      const AdId ad = unpack_ad(keys_[i]);
      const float cos = static_cast<float>(dot_product(user, embeddings + static_cast<std::size_t>(ad) * dim)) * kScale;
      const float a = 1.0f + cos;
      const float affinity = a > 0.0f ? a : 0.0f;  // maxss; std::max's argument order made a branch
      rank_scores_[i] = live_bid_[ad] * affinity * affinity;
    }
    for (std::size_t i = 0; i < kept; ++i) {
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

}  // namespace adsim::core

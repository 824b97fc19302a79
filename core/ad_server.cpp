#include "core/ad_server.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <type_traits>

#include <boost/random/uniform_int_distribution.hpp>

#include "core/top_k.hpp"
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

AdServer::AdServer(const World& world, AdServerConfig config, AdServerComponents components)
    : world_(world), config_(std::move(config)), components_(components), index_(world) {
  if (!components_.ctr_model || !components_.auction)
    throw std::invalid_argument("AdServer: a click model and an auction mechanism are required");
  if (config_.slots < 1 || config_.slots > kMaxSlots) throw std::invalid_argument("AdServer: slots out of range");
  if (config_.position_factors.size() < static_cast<std::size_t>(config_.slots))
    throw std::invalid_argument("AdServer: need a position factor per slot");
  live_.assign(world.ads.size(), 0);
  live_bid_.assign(world.ads.size(), 0.0f);
  bid_.resize(world.campaigns.size());
  for (std::size_t c = 0; c < world.campaigns.size(); ++c) bid_[c] = static_cast<float>(world.campaigns[c].bid.micros);
  quality_.assign(world.ads.size(), 1.0);
  light_embedding_.resize(world.ads.embedding.size());
  for (std::size_t i = 0; i < light_embedding_.size(); ++i)
    light_embedding_[i] = static_cast<std::int8_t>(std::lround(127.0f * std::clamp(world.ads.embedding[i], -1.0f, 1.0f)));
  user_quantized_.resize(static_cast<std::size_t>(world.dim));
  rank_scores_.resize(static_cast<std::size_t>(config_.funnel.prerank_keep));
  category_relevance_.resize(static_cast<std::size_t>(world.num_categories));
  keys_.resize(index_.largest_cell());
  scratch_.resize(index_.largest_cell());
  selected_.resize(index_.largest_cell());
  const auto n2 = static_cast<std::size_t>(config_.funnel.rank_keep);
  for (auto* v : {&ranked_.bid, &ranked_.pacing_multiplier, &ranked_.quality, &ranked_.rank_score, &ranked_.price,
                  &auction_bid_, &auction_pctr_, &auction_quality_, &auction_rank_})
    v->resize(n2);
  ranked_.ad.resize(n2);
  ranked_.campaign.resize(n2);
  ranked_.participates.resize(n2);
  ranked_.raw_score.resize(n2);
  ranked_.pctr.resize(n2);
  ranked_.slot.resize(n2);
  ranked_.reserve_bound.resize(n2);
  auction_to_ranked_.resize(n2);
  auction_to_ranked_scratch_.resize(n2);
}

// Exploration traffic: slots go to participants drawn uniformly at random among those whose bid
// meets the reserve, and each pays the reserve. The rank scores the mechanism computed are kept for
// the log. What this costs shows up as the revenue of exploration requests versus the others.
void AdServer::explore_allocation(std::size_t m, double reserve, Rng& rng, AuctionResult& result) {
  std::size_t eligible = 0;
  for (std::size_t j = 0; j < m; ++j)
    if (auction_bid_[j] >= reserve) auction_to_ranked_scratch_[eligible++] = static_cast<std::uint32_t>(j);
  const std::size_t k = std::min<std::size_t>(eligible, static_cast<std::size_t>(config_.slots));
  for (std::size_t s = 0; s < k; ++s) {  // partial Fisher-Yates
    boost::random::uniform_int_distribution<std::size_t> pick(s, eligible - 1);
    std::swap(auction_to_ranked_scratch_[s], auction_to_ranked_scratch_[pick(rng)]);
    const std::uint32_t j = auction_to_ranked_scratch_[s];
    SlotAward& award = result.slots[s];
    award = SlotAward{};
    award.candidate = j;
    award.price = std::min(reserve, auction_bid_[j]);
    award.rank_score = auction_rank_[j];
    award.reserve_bound = true;
  }
  result.filled = static_cast<int>(k);
}

void AdServer::set_campaign_bid(CampaignId c, double micros) {
  bid_[c] = static_cast<float>(micros);
  const Campaign& k = world_.campaigns[c];
  for (AdId a = k.first_ad; a < k.first_ad + k.ad_count; ++a) live_bid_[a] = live_[a] ? bid_[c] : 0.0f;
}

void AdServer::serve(const RequestContext& request, Rng& rng, bool explore, ServeOutcome& out) {
  out = ServeOutcome{};
  if (index_stale_revived_ || index_dead_since_compaction_ * 50 > live_.size()) {  // 2 % of ads
    index_.compact(live_);
    index_stale_revived_ = false;
    index_dead_since_compaction_ = 0;
  }
  // 1-2. Retrieval from the targeting index and pre-ranking by bid x category relevance (top N1).
  const std::size_t kept = retrieve_and_prerank(request);
  // 3a. Ranking by a light model (bid x embedding affinity) keeps the top N2.
  const std::size_t n = rank(request, kept);
  out.retrieved = static_cast<std::uint32_t>(keys_retrieved_);
  out.after_prerank = static_cast<std::uint32_t>(kept);
  out.after_rank = static_cast<std::uint32_t>(n);
  // 3b-5. Learned pCTR and calibration, pacing, auction.
  predict_and_price(request, n, rng, explore, out);
}

std::size_t AdServer::retrieve_and_prerank(const RequestContext& request) {
  const auto dim = static_cast<std::size_t>(world_.dim);
  for (int c = 0; c < world_.num_categories; ++c) {
    const float cos = dot(request.user_embedding.data(), &world_.category_centroids[static_cast<std::size_t>(c) * dim], dim);
    category_relevance_[static_cast<std::size_t>(c)] = std::max(0.0f, 1.0f + cos);
  }
  const std::uint64_t interests = request.interests;
  std::size_t n = 0;       // eligible ads found
  std::size_t entries = 0; // entries scanned (keys_ positions used)
  std::uint64_t max_key = 0;
  selector_.reset();
  // Branch-free scan: every entry is written at its own position (0 if the ad is not eligible), so
  // no store address depends on data; the selection skips the zeros. `shared` holds the user's
  // categories below this list's: an entry also targeting one of those was taken from that list.
  auto scan = [&](const TargetingIndex::ListView& list, std::uint64_t shared, auto check_shared) {
    for (std::size_t i = 0; i < list.ads.size(); ++i, ++entries) {
      const AdId ad = list.ads[i];
      const float bid = live_bid_[ad];
      bool eligible = bid > 0.0f;
      if constexpr (decltype(check_shared)::value) eligible &= (list.interest_masks[i] & shared) == 0;
      const float score = bid * category_relevance_[list.categories[i]];
      const auto count = static_cast<std::uint32_t>(eligible);
      const std::uint64_t key = TopKSelector::masked(pack(score, ad), count);
      keys_[entries] = key;
      selector_.add(entries, key, count);
      max_key = std::max(max_key, key);
      n += count;
    }
  };
  // The broad list and the user's lowest interest category need no duplicate check.
  scan(index_.broad(request.region, request.age_band), 0, std::false_type{});
  for (std::uint64_t rest = interests; rest != 0; rest &= rest - 1) {
    const int c = std::countr_zero(rest);
    if (c >= world_.num_categories) break;
    const std::uint64_t shared = interests & ((std::uint64_t{1} << c) - 1);
    if (shared == 0) scan(index_.interest(request.region, request.age_band, c), 0, std::false_type{});
    else scan(index_.interest(request.region, request.age_band, c), shared, std::true_type{});
  }
  selector_.set_max(max_key);
  keys_retrieved_ = n;
  const std::size_t kept =
      selector_.select(keys_.data(), entries, n, static_cast<std::size_t>(config_.funnel.prerank_keep), selected_.data(), scratch_.data());
  keys_.swap(selected_);
  return kept;
}

// The light ranking model scores with 8-bit quantized embeddings, as production pre-ranking models
// often do: the table is a quarter of the float one and stays in L2 cache, and the cosine is off by
// at most about 1% (components of unit vectors are quantized in steps of 1/127).
std::size_t AdServer::rank(const RequestContext& request, std::size_t kept) {
  const auto dim = static_cast<std::size_t>(world_.dim);
  for (std::size_t d = 0; d < dim; ++d)
    user_quantized_[d] = static_cast<std::int16_t>(std::lround(127.0f * request.user_embedding[d]));
  const std::int16_t* user = user_quantized_.data();
  const std::int8_t* embeddings = light_embedding_.data();
  constexpr float kScale = 1.0f / (127.0f * 127.0f);
  std::uint64_t max_key = 0;
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
      const float affinity = std::max(0.0f, 1.0f + cos);
      rank_scores_[i] = live_bid_[ad] * affinity * affinity;
    }
    for (std::size_t i = 0; i < kept; ++i) {
      const std::uint64_t key = pack(rank_scores_[i], unpack_ad(keys_[i]));
      keys_[i] = key;
      selector_.add(i, key, 1u);
      max_key = std::max(max_key, key);
    }
  };
  // The common dimension gets a loop of fixed length, which the compiler unrolls and vectorizes.
  if (dim == 16) score_all([](const std::int16_t* a, const std::int8_t* b) { return dot_i8<16>(a, b); });
  else score_all([dim](const std::int16_t* a, const std::int8_t* b) { return dot_i8(a, b, dim); });
  selector_.set_max(max_key);
  const std::size_t ranked =
      selector_.select(keys_.data(), kept, kept, static_cast<std::size_t>(config_.funnel.rank_keep), selected_.data(), scratch_.data());
  keys_.swap(selected_);
  return ranked;
}

void AdServer::predict_and_price(const RequestContext& request, std::size_t n, Rng& rng, bool explore, ServeOutcome& out) {
  RankedCandidates& r = ranked_;
  r.size = n;
  for (std::size_t i = 0; i < n; ++i) {
    const AdId ad = unpack_ad(keys_[i]);
    const CampaignId c = world_.ads.campaign[ad];
    r.ad[i] = ad;
    r.campaign[i] = c;
    r.bid[i] = bid_[c];
    r.pacing_multiplier[i] = 1.0;
    r.participates[i] = 1;
    r.quality[i] = quality_[ad];
    r.rank_score[i] = 0.0;
    r.slot[i] = -1;
    r.price[i] = 0.0;
    r.reserve_bound[i] = 0;
  }
  if (n == 0) return;

  if (components_.quality_model) components_.quality_model->quality(request, {r.ad.data(), n}, {r.quality.data(), n});
  // 3b. The learned click model (one virtual call per batch), then calibration.
  components_.ctr_model->predict(request, {r.ad.data(), n}, {r.raw_score.data(), n});
  std::copy_n(r.raw_score.begin(), n, r.pctr.begin());
  if (components_.calibrator) components_.calibrator->calibrate({r.pctr.data(), n});
  if (config_.optimism_bonus > 0 && !impression_counts_.empty()) {
    for (std::size_t i = 0; i < n; ++i) {
      const double p = r.pctr[i];
      const double bonus = optimism_bonus(p, impression_counts_[r.ad[i]], config_.optimism_bonus);
      r.pctr[i] = static_cast<float>(std::min(1.0, p + bonus));
    }
  }

  // 4. Pacing: throttle or scale each campaign's bid.
  if (components_.pacer)
    components_.pacer->apply(request.time, {r.campaign.data(), n}, {r.pacing_multiplier.data(), n},
                             {r.participates.data(), n}, rng);

  // 5. Auction over the participants.
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!r.participates[i]) continue;
    auction_bid_[m] = r.bid[i] * r.pacing_multiplier[i];
    auction_pctr_[m] = r.pctr[i];
    auction_quality_[m] = r.quality[i];
    auction_to_ranked_[m] = static_cast<std::uint32_t>(i);
    ++m;
  }
  out.participants = static_cast<std::uint32_t>(m);
  AuctionRules rules;
  rules.slots = config_.slots;
  rules.position_factors = config_.position_factors;
  rules.reserve = config_.reserve_micros;
  if (!config_.region_reserves_micros.empty())
    rules.reserve = std::max(rules.reserve, config_.region_reserves_micros[std::min<std::size_t>(
                                                request.region, config_.region_reserves_micros.size() - 1)]);
  rules.slot_reserves = config_.slot_reserves_micros;
  rules.quality_exponent = config_.quality_exponent;
  AuctionResult result;
  AuctionCandidates candidates;
  candidates.bid = {auction_bid_.data(), m};
  candidates.pctr = {auction_pctr_.data(), m};
  candidates.quality = {auction_quality_.data(), m};
  components_.auction->run(candidates, rules, {auction_rank_.data(), m}, result);
  if (explore) {
    explore_allocation(m, rules.reserve, rng, result);
    out.explored = true;
  }
  for (std::size_t j = 0; j < m; ++j) r.rank_score[auction_to_ranked_[j]] = auction_rank_[j];
  out.below_reserve = static_cast<std::uint32_t>(result.below_reserve);
  out.filled = result.filled;
  for (int s = 0; s < result.filled; ++s) {
    const SlotAward& award = result.slots[static_cast<std::size_t>(s)];
    const std::uint32_t i = auction_to_ranked_[award.candidate];
    r.slot[i] = s;
    r.price[i] = award.price;
    r.reserve_bound[i] = award.reserve_bound ? 1 : 0;
    out.winner[static_cast<std::size_t>(s)] = i;
  }
}

}  // namespace adsim::core

#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/ids.hpp"
#include "core/request.hpp"
#include "core/training_log.hpp"
#include "core/world.hpp"
#include "models/ad_counters.hpp"

namespace adsim::models {

// How the slot an impression was shown in enters the model.
//  kFeature: training sees the logged slot as a feature; serving asks for the reference slot, so
//            predictions are click probabilities at that slot, free of position bias.
//  kNaive:   no position feature; the model learns the average over the slots its training data
//            happened to come from (position-biased, the mistake the lesson shows).
enum class PositionMode : std::uint8_t { kFeature = 0, kNaive = 1 };

struct FeatureConfig {
  int hash_bits = 20;  // 2^bits buckets
  PositionMode position = PositionMode::kFeature;
  int reference_slot = 0;
  bool user_id = true;   // a per-user bias feature
  bool counters = true;  // decayed per-ad historical CTR features
  int max_interests = 3;  // user interest categories used in crosses (lowest category ids first)
  bool query_features = true;  // search requests: surface, query category and query match
  // Smoothing of the historical rates before bucketizing: (pos + m·prior) / (imps + m).
  double counter_prior_rate = 0.02;
  double counter_prior_strength = 20.0;
};

// What the features need from the world, copied or referenced at construction. The world's user
// arrays must outlive the extractor (they are referenced, not copied: there can be millions).
struct FeatureContext {
  std::span<const core::CampaignId> ad_campaign;
  std::span<const std::uint16_t> ad_category;
  std::span<const core::Campaign> campaigns;
  std::span<const std::uint64_t> user_interests;
  // How many values the ad-keyed crosses can take (the width of an ad's row of weights).
  int num_devices = 1;
  int num_regions = 1;
  int num_categories = 1;

  static FeatureContext from(const core::World& world) {
    return {world.ads.campaign, world.ads.category, world.campaigns, world.users.interests,
            world.num_devices,  world.num_regions,  world.num_categories};
  }
};

// The user/context side of one example or request.
struct UserContext {
  core::UserId user = 0;
  std::uint8_t region = 0;
  std::uint8_t age_band = 0;
  std::uint8_t device = 0;
  std::uint8_t hour = 0;
  std::uint64_t interests = 0;
  int slot = 0;
  core::Surface surface = core::Surface::kFeed;
  std::uint16_t query_category = core::kNoQueryCategory;

  static UserContext of_request(const core::RequestContext& r, int slot) {
    return {r.user, r.region, r.age_band, r.device, r.hour, r.interests, slot, r.surface, r.query_category};
  }
  // Training uses what the server saw when it served the impression (surface, query category).
  static UserContext of_impression(const core::LoggedImpression& i, std::uint64_t interests) {
    return {i.user, i.region, i.age_band, i.device, i.hour, interests, i.slot, i.surface, i.query_category};
  }
};

inline constexpr int kMaxInterests = 4;
inline constexpr int kMaxUserFeatures = 18;
inline constexpr int kMaxCategoryFeatures = 12;
inline constexpr int kMaxAdStaticFeatures = 8;
inline constexpr int kMaxAdDynamicFeatures = 8;
inline constexpr int kMaxFeatures = kMaxUserFeatures + kMaxCategoryFeatures + kMaxAdStaticFeatures + kMaxAdDynamicFeatures;

// The per-request half of feature extraction, computed once and shared by every candidate:
// the indices of user/context-only features, and hashed seeds of the user side of each cross, so
// that a cross index for a candidate costs one multiply.
struct RequestFeatures {
  std::array<std::uint32_t, kMaxUserFeatures> user{};
  int user_count = 0;
  std::array<std::uint64_t, kMaxCategoryFeatures> category_seed{};  // crosses with the ad category
  int category_seed_count = 0;
  std::uint64_t match_seed = 0;  // "ad category is one of the user's interests" × device
  std::uint64_t interests = 0;
  int slot_at = -1;              // position of the slot feature in `user` (kFeature), else -1
  std::uint8_t device = 0;       // for slot × device
  bool search = false;           // search request: the query-match feature is added
  std::uint16_t query_category = core::kNoQueryCategory;
  std::uint64_t query_match_seed = 0;  // "ad category is the query's category" (search only)
  std::array<std::uint32_t, kMaxAdDynamicFeatures> ad_offset{};  // crosses with the ad: slots in its row
  int ad_offset_count = 0;
};

// Hashed feature extraction (the hashing trick): every feature is a (field, value) pair mapped to
// one weight, with value 1. About 30 features per example in three groups, so a request's
// candidates share the work:
//   user group (per request):     bias, region, age band, device, hour, region×device, age×device,
//                                 hour×device, region×age, user id, each user interest category,
//                                 and (kFeature) slot, slot×device;
//                                 search requests only: surface (search), query category
//   category group (per request and ad category):
//                                 category, category×{region, age, device, hour},
//                                 user interest×category (each interest), match(category ∈
//                                 interests)×device; search requests only: query match
//                                 (ad category = query category, 0 or 1)
//   ad group (per candidate):     ad, campaign, advertiser, and the bucketized decayed counters
//                                 (short-window CTR×count, long-window CTR, CTR×count, count),
//                                 which are cached per ad; ad×device, ad×region and user
//                                 interest×ad (each interest).
// The user and category groups and campaign, advertiser and counters hash into 2^bits buckets.
// The ad-keyed features (ad, ad×device, ad×region, interest×ad) instead sit in a row of weights per
// ad after the hashed buckets: [ad | device 0..D-1 | region 0..R-1 | interest category 0..I-1],
// padded to whole cache lines. A candidate's five ad crosses then read one or two cache lines of its
// own row instead of five random buckets, which is what scoring 100 candidates per request waits on.
// Every ad has its own row when the catalog fits in 2^bits weights (ads × row ≤ 2^bits, true of the
// reference marketplace); larger catalogs hash ads onto 2^bits / row rows, which they share.
// A feed request has none of the search features: feed is the baseline the bias and the other
// features learn, and runs without search traffic extract exactly the features they did before.
// The surface is a feature only through them (an indicator of search), which is the same model as a
// surface field with a value per surface up to the bias.
class FeatureExtractor {
 public:
  FeatureExtractor(FeatureConfig config, FeatureContext context);

  const FeatureConfig& config() const { return config_; }
  std::size_t ads() const { return category_.size(); }
  // Weights the indices address: the 2^bits hashed buckets, then the ad rows.
  std::size_t size() const { return hashed_size() + ad_rows_ * static_cast<std::size_t>(ad_row_length_); }
  std::size_t hashed_size() const { return std::size_t{1} << config_.hash_bits; }
  int ad_row_length() const { return ad_row_length_; }
  std::size_t ad_rows() const { return ad_rows_; }
  std::uint64_t interests_of(core::UserId user) const {
    return user < user_interests_.size() ? user_interests_[user] : 0;
  }
  void prefetch_interests(core::UserId user) const {
    if (user < user_interests_.size()) __builtin_prefetch(&user_interests_[user]);
  }

  void begin(const UserContext& u, RequestFeatures& out) const;
  // Moves a begun request to another slot: the same as begin() with u.slot = slot, without
  // re-hashing the rest (training examples of one request differ only in their slot).
  void set_slot(RequestFeatures& rf, int slot) const;

  std::uint16_t category_of(core::AdId ad) const { return category_[ad]; }
  int category_indices(const RequestFeatures& rf, std::uint16_t category, std::uint32_t* out) const {
    int n = 0;
    for (int j = 0; j < rf.category_seed_count; ++j) out[n++] = index(rf.category_seed[static_cast<std::size_t>(j)] ^ category);
    const std::uint64_t match = category < 64 ? (rf.interests >> category) & 1u : 0u;
    out[n++] = index(rf.match_seed ^ match);
    if (rf.search) out[n++] = index(rf.query_match_seed ^ static_cast<std::uint64_t>(category == rf.query_category));
    return n;
  }
  // Indices that depend on the ad only, cached (ad, campaign, advertiser, counter buckets). The first,
  // the ad feature, is also the start of the ad's row.
  const std::uint32_t* ad_static(core::AdId ad) const { return &ad_static_[static_cast<std::size_t>(ad) * kMaxAdStaticFeatures]; }
  int ad_static_count() const { return static_count_; }
  // The start of the ad's row (ad_static(ad)[0]), computed without a load where every ad has a row.
  std::uint32_t row_of(core::AdId ad) const {
    if (ad_rows_ != category_.size()) return ad_static(ad)[0];
    return static_cast<std::uint32_t>(hashed_size() + std::size_t{ad} * static_cast<std::size_t>(ad_row_length_));
  }
  // Where extract() put the ad's static indices in a list of n it returned for `rf`, and a fresh
  // copy of them (the counter features move as the ad's counters do).
  int ad_static_at(const RequestFeatures& rf, int n) const { return n - rf.ad_offset_count - static_count_; }
  void copy_ad_static(core::AdId ad, std::uint32_t* out) const { std::copy_n(ad_static(ad), static_count_, out); }
  std::uint32_t ad_dynamic(const RequestFeatures& rf, int j, core::AdId ad) const {
    return ad_static(ad)[0] + rf.ad_offset[static_cast<std::size_t>(j)];
  }

  // The full list of an example's indices (user, category, ad groups in this order); returns the
  // count, at most kMaxFeatures. No allocation.
  int extract(const RequestFeatures& rf, core::AdId ad, std::span<std::uint32_t, kMaxFeatures> out) const;
  int extract(const UserContext& u, core::AdId ad, std::span<std::uint32_t, kMaxFeatures> out) const {
    RequestFeatures rf;
    begin(u, rf);
    return extract(rf, ad, out);
  }

  // Re-buckets the ad's historical counters (call when they change or have decayed).
  void set_counters(core::AdId ad, const AdCounterView& view);

  // Bucketization, public for tests and documentation.
  int rate_bucket(double positives, double impressions) const;  // third-octaves of the smoothed rate
  static int count_bucket(double impressions);                  // floor(log2(1 + n)), capped at 24

  // Bucket of a 64-bit hashed key: Fibonacci hashing of an already mixed seed.
  std::uint32_t index(std::uint64_t key) const {
    return static_cast<std::uint32_t>((key * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  // The seed of a (field, value) pair: splitmix64 of both, so seeds of different fields are unrelated.
  static std::uint64_t seed(std::uint32_t field, std::uint64_t value);

 private:
  FeatureConfig config_;
  int shift_ = 44;
  int static_count_ = 3;
  int num_devices_ = 1, num_regions_ = 1, num_categories_ = 1;
  int ad_row_length_ = 16;  // 1 + devices + regions + categories, rounded up to 16 weights (64 bytes)
  std::size_t ad_rows_ = 0;
  std::vector<std::uint16_t> category_;
  std::vector<std::uint32_t> ad_static_;  // ads x kMaxAdStaticFeatures
  std::vector<std::uint32_t> counter_buckets_;  // per ad: the counter buckets its indices were hashed from
  std::span<const std::uint64_t> user_interests_;
};

}  // namespace adsim::models

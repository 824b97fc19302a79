#include "models/features.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

#include "core/random_streams.hpp"

namespace adsim::models {
namespace {

// Field ids: part of every hash, so they must never be renumbered within a run (they may change
// between versions: models are not persisted).
enum Field : std::uint32_t {
  kBias = 1,
  kRegion,
  kAge,
  kDevice,
  kHour,
  kRegionDevice,
  kAgeDevice,
  kHourDevice,
  kRegionAge,
  kUser,
  kInterest,
  kSlot,
  kSlotDevice,
  kCategory,
  kCategoryRegion,
  kCategoryAge,
  kCategoryDevice,
  kCategoryHour,
  kInterestCategory,
  kMatchDevice,
  kAd,
  kCampaign,
  kAdvertiser,
  kCtrShort,
  kCtrLong,
  kCtrLongCount,
  kCountLong,
  kAdDevice,    // the three ad crosses now live in the ad rows; their ids stay reserved so
  kAdRegion,    // the fields after them keep their hashes
  kInterestAd,
  kSurface,
  kQueryCategory,
  kQueryMatch,
};

std::uint64_t pack(std::uint64_t a, std::uint64_t b) { return (a << 16) | b; }

}  // namespace

std::uint64_t FeatureExtractor::seed(std::uint32_t field, std::uint64_t value) {
  return core::RandomStreams::mix(core::RandomStreams::mix(value + 0x9e3779b97f4a7c15ULL) ^
                                  (static_cast<std::uint64_t>(field) * 0xd6e8feb86659fd93ULL));
}

FeatureExtractor::FeatureExtractor(FeatureConfig config, FeatureContext context)
    : config_(config), user_interests_(context.user_interests) {
  if (config.hash_bits < 8 || config.hash_bits > 30) throw std::invalid_argument("features: hash_bits must be in [8, 30]");
  if (config.max_interests < 0 || config.max_interests > kMaxInterests) {
    throw std::invalid_argument("features: max_interests must be in [0, 4]");
  }
  if (config.reference_slot < 0 || config.reference_slot >= core::kMaxSlots) {
    throw std::invalid_argument("features: reference_slot out of range");
  }
  if (!(config.counter_prior_rate > 0.0) || !(config.counter_prior_rate < 1.0) || !(config.counter_prior_strength > 0.0)) {
    throw std::invalid_argument("features: counter prior rate must be in (0, 1) and strength > 0");
  }
  if (context.ad_campaign.size() != context.ad_category.size()) {
    throw std::invalid_argument("features: ad arrays differ in size");
  }
  if (context.num_devices < 1 || context.num_regions < 1 || context.num_categories < 1 || context.num_categories > 64) {
    throw std::invalid_argument("features: need at least one device and region, and 1-64 categories");
  }
  shift_ = 64 - config.hash_bits;
  static_count_ = config.counters ? 7 : 3;
  const std::size_t ads = context.ad_category.size();
  num_devices_ = context.num_devices;
  num_regions_ = context.num_regions;
  num_categories_ = context.num_categories;
  ad_row_length_ = (1 + num_devices_ + num_regions_ + num_categories_ + 15) / 16 * 16;
  const auto row = static_cast<std::size_t>(ad_row_length_);
  const bool own_rows = ads * row <= hashed_size();
  ad_rows_ = own_rows ? ads : std::max<std::size_t>(1, hashed_size() / row);
  category_.assign(context.ad_category.begin(), context.ad_category.end());
  ad_static_.assign(ads * kMaxAdStaticFeatures, 0);
  counter_buckets_.assign(ads, ~std::uint32_t{0});  // no bucket tuple yet: the first set_counters hashes
  for (std::size_t a = 0; a < ads; ++a) {
    const core::CampaignId c = context.ad_campaign[a];
    const std::uint64_t advertiser = c < context.campaigns.size() ? context.campaigns[c].advertiser : 0xffffffffULL;
    std::uint32_t* s = &ad_static_[a * kMaxAdStaticFeatures];
    const std::size_t r = own_rows ? a : seed(kAd, a) % ad_rows_;
    s[0] = static_cast<std::uint32_t>(hashed_size() + r * row);
    s[1] = index(seed(kCampaign, c));
    s[2] = index(seed(kAdvertiser, advertiser));
    set_counters(static_cast<core::AdId>(a), AdCounterView{});
  }
}

void FeatureExtractor::begin(const UserContext& u, RequestFeatures& rf) const {
  int n = 0;
  auto add = [&](std::uint32_t field, std::uint64_t value) { rf.user[static_cast<std::size_t>(n++)] = index(seed(field, value)); };
  add(kBias, 0);
  add(kRegion, u.region);
  add(kAge, u.age_band);
  add(kDevice, u.device);
  add(kHour, u.hour);
  add(kRegionDevice, pack(u.region, u.device));
  add(kAgeDevice, pack(u.age_band, u.device));
  add(kHourDevice, pack(u.hour, u.device));
  add(kRegionAge, pack(u.region, u.age_band));
  if (config_.user_id) add(kUser, u.user);
  rf.slot_at = -1;
  rf.device = u.device;
  if (config_.position == PositionMode::kFeature) {
    rf.slot_at = n;
    add(kSlot, static_cast<std::uint64_t>(u.slot));
    add(kSlotDevice, pack(static_cast<std::uint64_t>(u.slot), u.device));
  }
  // The user's interest categories, lowest ids first, up to max_interests.
  std::array<std::uint64_t, kMaxInterests> interest{};
  int ni = 0;
  for (std::uint64_t bits = u.interests; bits != 0 && ni < config_.max_interests; bits &= bits - 1) {
    interest[static_cast<std::size_t>(ni++)] = static_cast<std::uint64_t>(std::countr_zero(bits));
  }
  for (int j = 0; j < ni; ++j) add(kInterest, interest[static_cast<std::size_t>(j)]);
  rf.search = config_.query_features && u.surface == core::Surface::kSearch;
  rf.query_category = u.query_category;
  if (rf.search) {
    add(kSurface, static_cast<std::uint64_t>(u.surface));
    add(kQueryCategory, u.query_category);
    rf.query_match_seed = seed(kQueryMatch, 0);
  }
  rf.user_count = n;

  int c = 0;
  rf.category_seed[static_cast<std::size_t>(c++)] = seed(kCategory, 0);
  rf.category_seed[static_cast<std::size_t>(c++)] = seed(kCategoryRegion, u.region);
  rf.category_seed[static_cast<std::size_t>(c++)] = seed(kCategoryAge, u.age_band);
  rf.category_seed[static_cast<std::size_t>(c++)] = seed(kCategoryDevice, u.device);
  rf.category_seed[static_cast<std::size_t>(c++)] = seed(kCategoryHour, u.hour);
  for (int j = 0; j < ni; ++j) rf.category_seed[static_cast<std::size_t>(c++)] = seed(kInterestCategory, interest[static_cast<std::size_t>(j)]);
  rf.category_seed_count = c;
  rf.match_seed = seed(kMatchDevice, u.device);
  rf.interests = u.interests;

  // Slots in the ad's row (values beyond the world's ranges, which a consistent log never has, fold
  // into them rather than spill into the next row).
  int a = 0;
  auto slot_of = [](std::uint64_t value, int count) { return static_cast<std::uint32_t>(value % static_cast<std::uint64_t>(count)); };
  rf.ad_offset[static_cast<std::size_t>(a++)] = 1 + slot_of(u.device, num_devices_);
  rf.ad_offset[static_cast<std::size_t>(a++)] = static_cast<std::uint32_t>(1 + num_devices_) + slot_of(u.region, num_regions_);
  const auto interest_start = static_cast<std::uint32_t>(1 + num_devices_ + num_regions_);
  for (int j = 0; j < ni; ++j)
    rf.ad_offset[static_cast<std::size_t>(a++)] = interest_start + slot_of(interest[static_cast<std::size_t>(j)], num_categories_);
  rf.ad_offset_count = a;
}

void FeatureExtractor::set_slot(RequestFeatures& rf, int slot) const {
  if (rf.slot_at < 0) return;
  const auto at = static_cast<std::size_t>(rf.slot_at);
  rf.user[at] = index(seed(kSlot, static_cast<std::uint64_t>(slot)));
  rf.user[at + 1] = index(seed(kSlotDevice, pack(static_cast<std::uint64_t>(slot), rf.device)));
}

int FeatureExtractor::extract(const RequestFeatures& rf, core::AdId ad, std::span<std::uint32_t, kMaxFeatures> out) const {
  if (ad >= category_.size()) throw std::out_of_range("features: ad id outside the catalog");
  std::uint32_t* o = out.data();
  int n = 0;
  for (int j = 0; j < rf.user_count; ++j) o[n++] = rf.user[static_cast<std::size_t>(j)];
  n += category_indices(rf, category_[ad], o + n);
  const std::uint32_t* s = ad_static(ad);
  for (int j = 0; j < static_count_; ++j) o[n++] = s[j];
  for (int j = 0; j < rf.ad_offset_count; ++j) o[n++] = ad_dynamic(rf, j, ad);
  return n;
}

namespace {
// floor(log2(x)) and the mantissa x / 2^floor(log2(x)) in [1, 2) of a normal double x > 0, read off
// its bits: exact, and no logarithm per training example (these run once per example and per ad in
// every counter sweep).
int floor_log2(double x) {
  return static_cast<int>((std::bit_cast<std::uint64_t>(x) >> 52) & 0x7ff) - 1023;
}
double mantissa(double x) {
  return std::bit_cast<double>((std::bit_cast<std::uint64_t>(x) & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
}
}  // namespace

int FeatureExtractor::rate_bucket(double positives, double impressions) const {
  const double m = config_.counter_prior_strength;
  const double rate = (positives + m * config_.counter_prior_rate) / (impressions + m);  // in (0, 1]
  // floor(3 log2 rate) = 3e + floor(3 log2 mantissa), and the second term is 0, 1 or 2 as the
  // mantissa passes 2^(1/3) and 2^(2/3).
  const double mant = mantissa(rate);
  const int b = 3 * floor_log2(rate) + (mant >= 1.2599210498948732 ? 1 : 0) + (mant >= 1.5874010519681994 ? 1 : 0);
  return std::clamp(b, -60, 0);
}

int FeatureExtractor::count_bucket(double impressions) {
  return std::min(floor_log2(1.0 + std::max(0.0, impressions)), 24);
}

void FeatureExtractor::set_counters(core::AdId ad, const AdCounterView& v) {
  if (!config_.counters) return;
  std::uint32_t* s = &ad_static_[static_cast<std::size_t>(ad) * kMaxAdStaticFeatures];
  const auto rs = static_cast<std::uint64_t>(rate_bucket(v.short_positives, v.short_impressions) + 64);
  const auto cs = static_cast<std::uint64_t>(count_bucket(v.short_impressions));
  const auto rl = static_cast<std::uint64_t>(rate_bucket(v.long_positives, v.long_impressions) + 64);
  const auto cl = static_cast<std::uint64_t>(count_bucket(v.long_impressions));
  // Buckets move rarely (the rate in thirds of an octave, the count in octaves): re-hash only then.
  const auto buckets = static_cast<std::uint32_t>((rs << 24) | (cs << 16) | (rl << 8) | cl);
  std::uint32_t& last = counter_buckets_[ad];
  if (last == buckets) return;
  last = buckets;
  s[3] = index(seed(kCtrShort, pack(rs, cs)));
  s[4] = index(seed(kCtrLong, rl));
  s[5] = index(seed(kCtrLongCount, pack(rl, cl)));
  s[6] = index(seed(kCountLong, cl));
}

}  // namespace adsim::models

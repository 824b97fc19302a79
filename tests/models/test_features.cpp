#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <iterator>
#include <set>
#include <vector>

#include "models/features.hpp"
#include "synthetic_log.hpp"

namespace adsim::models {
namespace {

using testing::SyntheticLog;
using testing::SyntheticSpec;

SyntheticSpec small_spec() {
  SyntheticSpec s;
  s.users = 300;
  s.ads = 60;
  s.campaigns = 20;
  s.advertisers = 8;
  return s;
}

// A user with exactly three interests (the generator gives each user_top_interests = 3).
UserContext some_user(const core::World& w, int slot) {
  UserContext u;
  u.user = 5;
  u.region = w.users.region[5];
  u.age_band = w.users.age_band[5];
  u.device = w.users.device[5];
  u.hour = 13;
  u.interests = w.users.interests[5];
  u.slot = slot;
  return u;
}

std::vector<std::uint32_t> extract_all(const FeatureExtractor& fx, const UserContext& u, core::AdId ad) {
  std::array<std::uint32_t, kMaxFeatures> idx{};
  const int n = fx.extract(u, ad, idx);
  return {idx.begin(), idx.begin() + n};
}

TEST(Features, AboutThirtyFeaturesInRangeAndDeterministic) {
  const SyntheticLog log(small_spec());
  const core::World& w = log.world();
  ASSERT_EQ(std::popcount(w.users.interests[5]), 3);
  for (int bits : {10, 16, 22}) {
    FeatureConfig cfg;
    cfg.hash_bits = bits;
    const FeatureExtractor a(cfg, FeatureContext::from(w));
    const FeatureExtractor b(cfg, FeatureContext::from(w));
    const auto x = extract_all(a, some_user(w, 1), 7);
    // user 9 + user id + 2 slot + 3 interests = 15; category 5 + 3 + match = 9; ad 7 + 2 + 3 = 12
    EXPECT_EQ(x.size(), 36u);
    for (std::uint32_t i : x) EXPECT_LT(i, a.size());
    EXPECT_EQ(x, extract_all(b, some_user(w, 1), 7));  // no hidden state, no address dependence
  }
}

TEST(Features, SwitchesChangeTheFeatureSet) {
  const SyntheticLog log(small_spec());
  const core::World& w = log.world();
  FeatureConfig cfg;
  cfg.position = PositionMode::kNaive;
  EXPECT_EQ(extract_all(FeatureExtractor(cfg, FeatureContext::from(w)), some_user(w, 0), 3).size(), 34u);
  cfg.counters = false;
  EXPECT_EQ(extract_all(FeatureExtractor(cfg, FeatureContext::from(w)), some_user(w, 0), 3).size(), 30u);
  cfg.user_id = false;
  cfg.max_interests = 1;  // 3 → 1 interest: −2 interest, −2 interest×category, −2 interest×ad
  EXPECT_EQ(extract_all(FeatureExtractor(cfg, FeatureContext::from(w)), some_user(w, 0), 3).size(), 23u);
  cfg.hash_bits = 4;
  EXPECT_THROW(FeatureExtractor(cfg, FeatureContext::from(w)), std::invalid_argument);
}

TEST(Features, SlotOnlyMovesTheSlotFeatures) {
  const SyntheticLog log(small_spec());
  const core::World& w = log.world();
  const FeatureExtractor fx(FeatureConfig{}, FeatureContext::from(w));
  auto at0 = extract_all(fx, some_user(w, 0), 11);
  auto at2 = extract_all(fx, some_user(w, 2), 11);
  std::sort(at0.begin(), at0.end());
  std::sort(at2.begin(), at2.end());
  std::vector<std::uint32_t> only0;
  std::set_difference(at0.begin(), at0.end(), at2.begin(), at2.end(), std::back_inserter(only0));
  EXPECT_EQ(only0.size(), 2u);  // slot and slot × device

  FeatureConfig naive;
  naive.position = PositionMode::kNaive;
  const FeatureExtractor nx(naive, FeatureContext::from(w));
  EXPECT_EQ(extract_all(nx, some_user(w, 0), 11), extract_all(nx, some_user(w, 3), 11));
}

TEST(Features, SetSlotIsBeginAtThatSlot) {
  // Training reuses one request's features across its impressions and moves only the slot.
  const SyntheticLog log(small_spec());
  const core::World& w = log.world();
  for (PositionMode mode : {PositionMode::kFeature, PositionMode::kNaive}) {
    FeatureConfig cfg;
    cfg.position = mode;
    const FeatureExtractor fx(cfg, FeatureContext::from(w));
    RequestFeatures moved;
    fx.begin(some_user(w, 0), moved);
    for (int slot : {3, 1, 2}) {
      fx.set_slot(moved, slot);
      std::array<std::uint32_t, kMaxFeatures> idx{};
      const int n = fx.extract(moved, 9, idx);
      EXPECT_EQ(std::vector<std::uint32_t>(idx.begin(), idx.begin() + n), extract_all(fx, some_user(w, slot), 9));
    }
  }
}

TEST(Features, ServingGroupsAddUpToTheTrainingList) {
  // The batch scorer sums the user group once, the category group once per category and the ad
  // group per candidate: together they must be exactly the list training uses.
  const SyntheticLog log(small_spec());
  const core::World& w = log.world();
  const FeatureExtractor fx(FeatureConfig{}, FeatureContext::from(w));
  RequestFeatures rf;
  fx.begin(some_user(w, 0), rf);
  for (core::AdId ad = 0; ad < 20; ++ad) {
    std::vector<std::uint32_t> groups(rf.user.begin(), rf.user.begin() + rf.user_count);
    std::array<std::uint32_t, kMaxCategoryFeatures> cat{};
    const int nc = fx.category_indices(rf, fx.category_of(ad), cat.data());
    groups.insert(groups.end(), cat.begin(), cat.begin() + nc);
    const std::uint32_t* st = fx.ad_static(ad);
    groups.insert(groups.end(), st, st + fx.ad_static_count());
    for (int j = 0; j < rf.ad_offset_count; ++j) groups.push_back(fx.ad_dynamic(rf, j, ad));
    EXPECT_EQ(groups, extract_all(fx, some_user(w, 0), ad));
  }
}

TEST(Features, DistinctValuesHashApart) {
  const SyntheticLog log(small_spec());
  const core::World& w = log.world();
  const FeatureExtractor fx(FeatureConfig{}, FeatureContext::from(w));
  // Across all ads, the 'campaign' feature (static index 1) takes one bucket per campaign: 20 keys
  // in 2^20 buckets collide with probability ~20²/2^21 ≈ 0.02 %, and the hash is fixed.
  std::set<std::uint32_t> campaign_buckets;
  for (core::AdId a = 0; a < w.ads.size(); ++a) campaign_buckets.insert(fx.ad_static(a)[1]);
  EXPECT_EQ(campaign_buckets.size(), w.campaigns.size());
  // Two users differing only in region share all but the region-dependent features.
  UserContext u = some_user(w, 0);
  UserContext v = u;
  v.region = static_cast<std::uint8_t>((u.region + 1) % w.num_regions);
  auto a = extract_all(fx, u, 2), b = extract_all(fx, v, 2);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) differ += a[i] != b[i] ? 1 : 0;
  EXPECT_EQ(differ, 5u);  // region, region×device, region×age, category×region, ad×region
}

TEST(Features, AdCrossesReadTheAdsOwnRow) {
  const SyntheticLog log(small_spec());
  const core::World& w = log.world();
  FeatureConfig cfg;  // 2^20 buckets: 60 ads x one row each fit, so every ad has its own row
  const FeatureExtractor fx(cfg, FeatureContext::from(w));
  const auto row = static_cast<std::uint32_t>(fx.ad_row_length());
  EXPECT_EQ(row % 16, 0u);
  EXPECT_GE(static_cast<int>(row), 1 + w.num_devices + w.num_regions + w.num_categories);
  ASSERT_EQ(fx.ad_rows(), w.ads.size());
  EXPECT_EQ(fx.size(), fx.hashed_size() + w.ads.size() * row);
  RequestFeatures rf;
  fx.begin(some_user(w, 0), rf);
  ASSERT_EQ(rf.ad_offset_count, 5);  // device, region, three interests
  std::set<std::uint32_t> seen;
  for (core::AdId ad = 0; ad < w.ads.size(); ++ad) {
    const std::uint32_t start = fx.ad_static(ad)[0];
    EXPECT_EQ(start, fx.hashed_size() + ad * row);
    EXPECT_EQ(fx.row_of(ad), start);
    seen.insert(start);
    for (int j = 0; j < rf.ad_offset_count; ++j) {
      const std::uint32_t i = fx.ad_dynamic(rf, j, ad);
      EXPECT_GT(i, start);
      EXPECT_LT(i, start + row);
      EXPECT_TRUE(seen.insert(i).second) << "ad " << ad << " cross " << j;  // no two ads share a weight
    }
  }
  // Another device moves exactly the ad×device slot, within the row.
  UserContext other = some_user(w, 0);
  other.device = static_cast<std::uint8_t>((other.device + 1) % w.num_devices);
  RequestFeatures rf2;
  fx.begin(other, rf2);
  EXPECT_NE(rf2.ad_offset[0], rf.ad_offset[0]);
  for (int j = 1; j < rf.ad_offset_count; ++j) EXPECT_EQ(rf2.ad_offset[static_cast<std::size_t>(j)], rf.ad_offset[static_cast<std::size_t>(j)]);
}

TEST(Features, LargeCatalogsShareHashedRows) {
  const SyntheticLog log(small_spec());
  const core::World& w = log.world();
  FeatureConfig cfg;
  cfg.hash_bits = 10;  // 1,024 buckets: 60 ads x a row of >= 16 do not fit, so ads share rows
  const FeatureExtractor fx(cfg, FeatureContext::from(w));
  const auto row = static_cast<std::size_t>(fx.ad_row_length());
  ASSERT_LT(fx.ad_rows(), w.ads.size());
  EXPECT_EQ(fx.ad_rows(), fx.hashed_size() / row);
  EXPECT_LE(fx.size(), 2 * fx.hashed_size());  // the rows never take more than the hashed buckets
  std::set<std::uint32_t> starts;
  for (core::AdId ad = 0; ad < w.ads.size(); ++ad) {
    const std::uint32_t start = fx.ad_static(ad)[0];
    EXPECT_EQ((start - fx.hashed_size()) % row, 0u);
    EXPECT_EQ(fx.row_of(ad), start);
    starts.insert(start);
    for (std::uint32_t i : extract_all(fx, some_user(w, 0), ad)) EXPECT_LT(i, fx.size());
  }
  EXPECT_GT(starts.size(), 1u);  // hashed over the rows, not all onto one
}

TEST(Features, BucketsAreTheLogarithmsFloored) {
  // rate_bucket = floor(3 log2 rate) clamped to [-60, 0], count_bucket = floor(log2(1 + n)) capped
  // at 24, computed from the doubles' bits: the same as the logarithms away from their boundaries,
  // and exact at powers of two.
  const SyntheticLog log(small_spec());
  const FeatureExtractor fx(FeatureConfig{}, FeatureContext::from(log.world()));
  const FeatureConfig c;
  std::uint64_t state = 99;
  auto uniform = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) * 0x1.0p-53;
  };
  for (int i = 0; i < 100'000; ++i) {
    const double impressions = std::exp2(24.0 * uniform()) - 1.0;
    const double positives = impressions * uniform() * uniform();
    const double rate = (positives + c.counter_prior_strength * c.counter_prior_rate) / (impressions + c.counter_prior_strength);
    EXPECT_EQ(fx.rate_bucket(positives, impressions), static_cast<int>(std::clamp(std::floor(3.0 * std::log2(rate)), -60.0, 0.0)));
    EXPECT_EQ(FeatureExtractor::count_bucket(impressions), static_cast<int>(std::min(std::floor(std::log2(1.0 + impressions)), 24.0)));
  }
  for (int k = 1; k <= 24; ++k) {
    const double p = std::exp2(k);
    EXPECT_EQ(FeatureExtractor::count_bucket(p - 1.0), k);
    EXPECT_EQ(FeatureExtractor::count_bucket(std::nextafter(p, 0.0) - 1.0), k - 1);
  }
  EXPECT_EQ(FeatureExtractor::count_bucket(1e12), 24);
  EXPECT_EQ(FeatureExtractor::count_bucket(-3.0), 0);
}

TEST(Features, CounterBucketsFollowTheHistory) {
  const SyntheticLog log(small_spec());
  const core::World& w = log.world();
  FeatureExtractor fx(FeatureConfig{}, FeatureContext::from(w));
  // Smoothed rate (pos + 20·0.02)/(imps + 20): no history → 0.02 → floor(3·log2 0.02) = −17.
  EXPECT_EQ(fx.rate_bucket(0, 0), -17);
  // 1000 impressions, 100 clicks → 100.4/1020 = 0.0984 → floor(3 · −3.345) = −11.
  EXPECT_EQ(fx.rate_bucket(100, 1000), -11);
  EXPECT_EQ(FeatureExtractor::count_bucket(0), 0);
  EXPECT_EQ(FeatureExtractor::count_bucket(1000), 9);  // log2(1001) = 9.97
  const std::vector<std::uint32_t> before(fx.ad_static(4), fx.ad_static(4) + fx.ad_static_count());
  fx.set_counters(4, AdCounterView{50, 5, 1000, 100, 1000, 100});
  const std::vector<std::uint32_t> after(fx.ad_static(4), fx.ad_static(4) + fx.ad_static_count());
  EXPECT_EQ(std::vector<std::uint32_t>(before.begin(), before.begin() + 3), std::vector<std::uint32_t>(after.begin(), after.begin() + 3));
  for (int j = 3; j < 7; ++j) EXPECT_NE(before[static_cast<std::size_t>(j)], after[static_cast<std::size_t>(j)]);
}

TEST(AdCounters, DecayByHalfLives) {
  AdCounters c(3, AdCounterConfig{1.0, 24.0});
  for (int k = 0; k < 8; ++k) c.add(1, 0, k < 2);
  const AdCounterView now = c.view(1, 0);
  EXPECT_DOUBLE_EQ(now.short_impressions, 8.0);
  EXPECT_DOUBLE_EQ(now.short_positives, 2.0);
  const AdCounterView later = c.view(1, core::kHour);
  EXPECT_NEAR(later.short_impressions, 4.0, 1e-12);  // one short half-life
  EXPECT_NEAR(later.long_impressions, 8.0 * std::exp2(-1.0 / 24.0), 1e-12);
  EXPECT_EQ(later.total_impressions, 8u);
  c.add(1, core::kHour, true);
  EXPECT_NEAR(c.view(1, core::kHour).short_positives, 2.0, 1e-12);  // 2·½ + 1
  EXPECT_EQ(c.impressions(1), 9u);
  EXPECT_EQ(c.impressions(0), 0u);
}

}  // namespace
}  // namespace adsim::models

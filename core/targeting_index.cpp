#include "core/targeting_index.hpp"

#include <algorithm>

namespace adsim::core {

TargetingIndex::TargetingIndex(const World& world)
    : num_age_bands_(world.num_age_bands), lists_per_cell_(world.num_categories + 1) {
  const int cells = world.num_regions * world.num_age_bands;
  const auto lists = static_cast<std::size_t>(cells) * static_cast<std::size_t>(lists_per_cell_);
  list_begin_.assign(lists + 1, 0);
  auto targets = [&](const Campaign& k, int r, int a) { return ((k.region_mask >> r) & 1u) && ((k.age_mask >> a) & 1u); };
  auto list_index = [&](int r, int a, int slot) {
    return static_cast<std::size_t>((r * num_age_bands_ + a) * lists_per_cell_ + slot);
  };
  // Two passes (count, then fill) so each list is contiguous and in ad-id order.
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<std::uint32_t> fill(list_begin_.begin(), list_begin_.end() - 1);
    for (int r = 0; r < world.num_regions; ++r)
      for (int a = 0; a < world.num_age_bands; ++a)
        for (const Campaign& k : world.campaigns) {
          if (!targets(k, r, a)) continue;
          for (int slot = 0; slot < lists_per_cell_; ++slot) {
            const bool in_list = slot == 0 ? k.interest_mask == 0 : ((k.interest_mask >> (slot - 1)) & 1u) != 0;
            if (!in_list) continue;
            const std::size_t li = list_index(r, a, slot);
            if (pass == 0) {
              list_begin_[li + 1] += k.ad_count;
              continue;
            }
            for (AdId ad = k.first_ad; ad < k.first_ad + k.ad_count; ++ad) {
              const std::uint32_t pos = fill[li]++;
              ads_[pos] = ad;
              categories_[pos] = world.ads.category[ad];
              interest_masks_[pos] = k.interest_mask;
            }
          }
        }
    if (pass == 0) {
      for (std::size_t i = 1; i < list_begin_.size(); ++i) list_begin_[i] += list_begin_[i - 1];
      ads_.resize(list_begin_.back() + kReadPastEnd);
      categories_.resize(list_begin_.back() + kReadPastEnd);
      interest_masks_.resize(list_begin_.back() + kReadPastEnd);
    }
  }
  live_end_.assign(list_begin_.begin() + 1, list_begin_.end());
  for (int c = 0; c < cells; ++c) {
    const auto first = static_cast<std::size_t>(c) * static_cast<std::size_t>(lists_per_cell_);
    largest_cell_ = std::max<std::size_t>(largest_cell_, list_begin_[first + static_cast<std::size_t>(lists_per_cell_)] - list_begin_[first]);
  }
}

void TargetingIndex::compact(std::span<const std::uint8_t> ad_live) {
  for (std::size_t l = 0; l + 1 < list_begin_.size(); ++l) {
    // Partition by hand over the three parallel arrays; live entries keep their relative order
    // (the order does not affect results: selection works on unique keys).
    std::uint32_t out = list_begin_[l];
    for (std::uint32_t i = list_begin_[l]; i < list_begin_[l + 1]; ++i) {
      if (!ad_live[ads_[i]]) continue;
      if (out != i) {  // entries out..i-1 are dead: swap this live one down
        std::swap(ads_[out], ads_[i]);
        std::swap(categories_[out], categories_[i]);
        std::swap(interest_masks_[out], interest_masks_[i]);
      }
      ++out;
    }
    live_end_[l] = out;
  }
}

TargetingIndex::ListView TargetingIndex::list(int region, int age_band, int slot) const {
  const auto i = static_cast<std::size_t>((region * num_age_bands_ + age_band) * lists_per_cell_ + slot);
  const std::size_t b = list_begin_[i], n = live_end_[i] - b;
  return {{ads_.data() + b, n}, {categories_.data() + b, n}, {interest_masks_.data() + b, n}};
}

}  // namespace adsim::core

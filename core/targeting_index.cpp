#include "core/targeting_index.hpp"

#include <algorithm>

namespace adsim::core {

TargetingIndex::TargetingIndex(const World& world) : num_age_bands_(world.num_age_bands) {
  const int cells = world.num_regions * world.num_age_bands;
  cell_begin_.assign(static_cast<std::size_t>(cells) + 1, 0);
  auto targets = [&](const Campaign& k, int r, int a) {
    return ((k.region_mask >> r) & 1u) && ((k.age_mask >> a) & 1u);
  };
  // Two passes (count, then fill) so each cell's entries are contiguous and in ad-id order.
  for (int r = 0; r < world.num_regions; ++r)
    for (int a = 0; a < world.num_age_bands; ++a) {
      std::uint32_t n = 0;
      for (const Campaign& k : world.campaigns)
        if (targets(k, r, a)) n += k.ad_count;
      cell_begin_[static_cast<std::size_t>(r * num_age_bands_ + a) + 1] = n;
    }
  for (std::size_t i = 1; i < cell_begin_.size(); ++i) cell_begin_[i] += cell_begin_[i - 1];
  const std::size_t total = cell_begin_.back();
  ads_.resize(total);
  campaigns_.resize(total);
  categories_.resize(total);
  interest_masks_.resize(total);
  std::size_t pos = 0;
  for (int r = 0; r < world.num_regions; ++r)
    for (int a = 0; a < world.num_age_bands; ++a)
      for (CampaignId c = 0; c < world.campaigns.size(); ++c) {
        const Campaign& k = world.campaigns[c];
        if (!targets(k, r, a)) continue;
        for (AdId ad = k.first_ad; ad < k.first_ad + k.ad_count; ++ad, ++pos) {
          ads_[pos] = ad;
          campaigns_[pos] = c;
          categories_[pos] = world.ads.category[ad];
          interest_masks_[pos] = k.interest_mask;
        }
      }
}

TargetingIndex::CellView TargetingIndex::cell(int region, int age_band) const {
  const auto i = static_cast<std::size_t>(region * num_age_bands_ + age_band);
  const std::size_t b = cell_begin_[i], n = cell_begin_[i + 1] - b;
  return {{ads_.data() + b, n}, {campaigns_.data() + b, n}, {categories_.data() + b, n}, {interest_masks_.data() + b, n}};
}

std::size_t TargetingIndex::largest_cell() const {
  std::size_t m = 0;
  for (std::size_t i = 0; i + 1 < cell_begin_.size(); ++i) m = std::max<std::size_t>(m, cell_begin_[i + 1] - cell_begin_[i]);
  return m;
}

}  // namespace adsim::core

#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "core/world.hpp"

namespace adsim::core {

// Inverted index from the targeting attributes every request has (region x age band) to the ads
// that target them, stored as contiguous parallel arrays per cell so retrieval is a linear scan.
// Interest targeting is checked during the scan with one mask test (it is a disjunction over
// categories, which a per-key list would return with duplicates).
class TargetingIndex {
 public:
  explicit TargetingIndex(const World& world);

  struct CellView {
    std::span<const AdId> ads;
    std::span<const CampaignId> campaigns;
    std::span<const std::uint16_t> categories;
    std::span<const std::uint64_t> interest_masks;  // 0: campaign does not target interests
  };
  CellView cell(int region, int age_band) const;
  std::size_t entries() const { return ads_.size(); }
  std::size_t largest_cell() const;

 private:
  int num_age_bands_;
  std::vector<std::uint32_t> cell_begin_;  // cells + 1 offsets
  std::vector<AdId> ads_;
  std::vector<CampaignId> campaigns_;
  std::vector<std::uint16_t> categories_;
  std::vector<std::uint64_t> interest_masks_;
};

}  // namespace adsim::core

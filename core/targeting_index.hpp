#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "core/world.hpp"

namespace adsim::core {

// Inverted index from the targeting attributes of a request (region x age band, then interests) to
// the ads that target them, stored as contiguous parallel arrays so retrieval is a linear scan.
//
// Each (region, age band) cell has a "broad" list (campaigns without interest targeting) and one
// list per interest category (campaigns targeting that category). A request scans the broad list
// and the lists of its own interest categories. A campaign that targets several of the user's
// categories sits in several of those lists; it is taken only from the list of the lowest one
// (the scan skips entries whose mask shares a lower category with the user), so each ad is
// retrieved exactly once.
class TargetingIndex {
 public:
  explicit TargetingIndex(const World& world);

  struct ListView {
    std::span<const AdId> ads;
    std::span<const std::uint16_t> categories;
    std::span<const std::uint64_t> interest_masks;  // 0 in the broad list
  };
  ListView broad(int region, int age_band) const { return list(region, age_band, 0); }
  ListView interest(int region, int age_band, int category) const { return list(region, age_band, category + 1); }
  std::size_t entries() const { return list_begin_.back(); }
  // Entries after the last list (ad 0, category 0, mask 0), so a scan may read up to this many
  // entries past the end of any list: vectorized scans load whole blocks and mask the lanes
  // beyond the list (entries past a list's live end are other lists' or dead, all valid ads).
  static constexpr std::size_t kReadPastEnd = 8;
  // Moves the entries of ads that may not be served to the end of each list, where scans do not
  // reach them. Retrieval skips unservable ads anyway; this only saves scanning them once many
  // campaigns have spent their budget. Must be called again before any of them becomes servable.
  void compact(std::span<const std::uint8_t> ad_live);
  // The most entries one request can scan: broad list plus every category list of the cell.
  std::size_t largest_cell() const { return largest_cell_; }

 private:
  ListView list(int region, int age_band, int slot) const;

  int num_age_bands_;
  int lists_per_cell_;
  std::vector<std::uint32_t> list_begin_;  // offsets, cells x lists_per_cell + 1
  std::vector<std::uint32_t> live_end_;    // per list: entries past this are not servable
  std::vector<AdId> ads_;
  std::vector<std::uint16_t> categories_;
  std::vector<std::uint64_t> interest_masks_;
  std::size_t largest_cell_ = 0;
};

}  // namespace adsim::core

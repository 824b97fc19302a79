#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "auction/auction_only.hpp"
#include "core/metrics.hpp"
#include "scenarios/auction_only_record.hpp"
#include "scenarios/scenario.hpp"

namespace adsim::scenarios {

// The auction-only configuration a scenario describes ([auction_only] plus the [auction] section's
// mechanism, slots, position factors and reserve). Throws BuildError for a combination the
// auction library rejects.
auction::AuctionOnlyConfig auction_only_config(const Scenario& scenario);

// A bidder's own value distribution (BidderSpec::own_distribution()): its keys, and the
// [auction_only] keys for those it leaves out. Throws std::invalid_argument for bad parameters.
auction::ValueDistribution bidder_distribution(const AuctionOnlySpec& common, const BidderSpec& bidder);

// Auctions per row of the convergence time series: rounds / 100 rounded up (at most 100 blocks),
// at least 1.
std::uint64_t auction_only_block_rounds(std::uint64_t rounds);

struct AuctionOnlyRun {
  auction::AuctionOnlyResult result;  // what `adsim run --json` prints
  AuctionOnlyRecord record;           // the same, as rows of the auction_only_* tables
  core::RunSummary summary;           // the runs row's counters (see docs/results-schema.md)
  bool interrupted = false;
  double wall_seconds = 0.0;
};

// Runs a scenario's auction-only rounds in blocks of auction_only_block_rounds(rounds) auctions,
// handing each block's metrics to `on_block` (run_id and block_index are left 0), and stops early,
// with interrupted = true, when *stop becomes true (checked at least every 65,536 auctions; the
// block cut short is reported too). The results do not depend on the block size: the runner is
// the same sequence of auctions however it is split.
AuctionOnlyRun run_auction_only_scenario(const Scenario& scenario, const std::atomic<bool>* stop = nullptr,
                                         const std::function<void(const AuctionOnlyBlockRow&)>& on_block = {});

}  // namespace adsim::scenarios

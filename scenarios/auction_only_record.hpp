#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "auction/auction_only.hpp"

// What an auction-only run ([auction_only] enabled = true) leaves besides the runs row: the rows of
// the auction_only_* tables of the result store (store/), filled by the runner
// (auction_only_run.hpp). Amounts are in the scenario's currency units, as the runner reports them
// (expected values, not integer micros); run_id is set by the store.
namespace adsim::scenarios {

// One row of `auction_only_runs`: the run's overall metrics, as `adsim run --json` prints them.
struct AuctionOnlyRunRow {
  std::int64_t run_id = 0;
  std::uint64_t planned_rounds = 0;  // auction_only.rounds
  std::uint64_t block_rounds = 0;    // auctions per row of auction_only_blocks
  std::int64_t bidders = 0;
  std::int64_t bidders_per_auction = 0;  // 0: all
  std::int64_t slots = 0;
  std::string mechanism;
  std::string strategy;
  std::string reserve_rule;
  double reserve = 0.0;  // the global reserve used (after a Myerson rule)
  std::uint64_t budget_exclusions = 0;
  auction::AuctionMetricsReport metrics;  // per_slot: rows of auction_only_slots
};

// One bidder's totals (auction::BidderOutcome): a row of `auction_only_bidders`.
struct AuctionOnlyBidderRow {
  std::int64_t run_id = 0;
  std::int64_t bidder = 0;
  auction::BidderOutcome outcome;  // its slots: rows of auction_only_allocation
  std::string name;                // [[auction_only.bidder]] name; empty: none
};

// One block of consecutive auctions: a row of `auction_only_blocks`, the convergence time series.
struct AuctionOnlyBlockRow {
  std::int64_t run_id = 0;
  std::int64_t block_index = 0;
  std::uint64_t first_round = 0;  // index of the block's first auction, from 0
  std::uint64_t auctions = 0;     // auctions in the block
  double revenue = 0.0;           // per auction
  double surplus = 0.0;           // per auction
  double welfare = 0.0;           // per auction
  double best_welfare = 0.0;      // per auction
  double efficiency = 0.0;        // welfare / best welfare over the block
  double price_to_bid = 0.0;      // mean over the block's awards
  double reserve_bind_rate = 0.0;
  double fill_rate = 0.0;          // awarded slots / offered slots
  double request_fill_rate = 0.0;  // auctions with an ad / auctions
  // Mean over learning (bandit) bidders of their preferred shading factor at the block's end; NaN
  // (NULL) when no bidder learns.
  double mean_shading = 0.0;
};

// What an auction-only run leaves besides the runs row, written when it ends.
struct AuctionOnlyRecord {
  AuctionOnlyRunRow run;
  std::vector<AuctionOnlyBidderRow> bidders;
  std::vector<auction::PacingPoint> pacing;  // rows of auction_only_pacing
  std::vector<auction::BidRecord> bids;      // rows of auction_only_bids
};

}  // namespace adsim::scenarios

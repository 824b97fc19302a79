#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "auction/allocation.hpp"
#include "auction/auction_metrics.hpp"
#include "auction/bidding.hpp"
#include "auction/value_distribution.hpp"
#include "core/auction_mechanism.hpp"
#include "core/random_streams.hpp"

// "Auction-only rounds": N auctions among n value-driven bidders with no user model, for
// classroom experiments (issue 3, item 3) and for the auction benchmarks. Values are in whatever
// unit the distribution is in (the scenario layer uses micros); prices come out in the same unit.
namespace adsim::auction {

enum class ValueModel : std::uint8_t {
  // Each taking-part bidder draws a value per click from its distribution; pCTR is 1 (an item).
  kDistribution,
  // AuctionGym-style: each bidder owns items with an embedding and a value; per auction a
  // Gaussian context is drawn, true CTR = sigmoid(context . embedding), and each bidder bids on
  // the item maximising value x CTR (an oracle allocator), with pCTR = that CTR.
  kContextualItems,
};

enum class ReserveRule : std::uint8_t {
  kFixed,             // `reserve` (and `slot_reserves`) as given
  kMyerson,           // reserve = myerson_reserve(values): optimal for i.i.d. bidders
  kMyersonPerBidder,  // each bidder's own Myerson reserve from its distribution, as a
                      // per-candidate reserve (with `reserve` still the global floor)
};

struct ContextualItems {
  int items_per_bidder = 12;
  int embedding_dim = 5;
  double embedding_sd = 1.0;  // item embedding coordinates ~ Normal(0, sd)
  double context_sd = 1.0;    // context coordinates ~ Normal(0, sd), drawn per auction
  ValueDistribution item_values = ValueDistribution::lognormal(0.1, 0.2);  // per click, drawn once per item
};

// What an external pacer sees about one bidder at the end of one pacing tick. Amounts are in the
// runner's unit; the plan is uniform over the episode (B x tick / ticks).
struct PacingSignal {
  std::uint64_t episode = 0;  // from 0
  int tick = 0;               // the tick that just ended, from 1
  int ticks = 0;              // per episode
  double budget = 0.0;        // B, per episode
  double spent = 0.0;         // so far in the episode
  double planned = 0.0;       // B x tick / ticks
  double tick_spend = 0.0;    // spent during the tick
  double tick_plan = 0.0;     // B / ticks
  double tick_replanned = 0.0;  // budget left at the tick's start / ticks left (including this one)
  std::uint64_t opportunities = 0;  // auctions the bidder was considered for in the tick (before throttling)
  std::uint64_t wins = 0;           // slots won in the tick
};

// What a pacer applies to a bidder until its next tick: bid = strategy's bid x multiplier, and the
// bidder takes part in an auction with probability pass_rate. `dual` is the controller's state
// variable as its paper plots it (the price of budget mu for dual descent, phi for PID, the rate
// for throttling).
struct PacingControl {
  double multiplier = 1.0;
  double pass_rate = 1.0;
  double dual = 0.0;
};

// A budget pacer the runner drives once per bidder per tick (a virtual call per tick, never per
// auction), e.g. pacing/'s control rules adapted by scenarios/. Only bidders with a budget are paced.
class RoundPacer {
 public:
  virtual ~RoundPacer() = default;
  virtual void start_episode(int bidder, std::uint64_t episode, PacingControl& out) = 0;
  virtual void update(int bidder, const PacingSignal& signal, PacingControl& out) = 0;
};

// Budgets and pacing. Spend is expected payment. A bidder with budget 0 is unlimited and never paced.
struct BudgetPacing {
  double budget = 0.0;              // per bidder per episode; 0: unlimited
  std::vector<double> bidder_budgets;  // optional, one per bidder (overrides `budget`)
  std::uint64_t episode_rounds = 0; // budgets refill every this many auctions; 0: never
  int ticks = 0;                    // pacing updates per episode; 0: no pacing (multiplier stays 1)
  // The built-in rule (AuctionNet-style), used when make_pacer is empty. Each tick (dual descent):
  // lambda <- lambda + gain (min(spent / share, 4) - 1), share = budget left at the tick's start /
  // ticks left; multiplier = 1 / (1 + lambda) within the bounds below. lambda carries over between
  // episodes.
  double gain = 0.25;
  double min_multiplier = 0.05;
  double max_multiplier = 1.0;      // > 1 lets an under-spending bidder bid above its value
  // An external pacer replacing the built-in rule; called with the number of bidders.
  std::function<std::unique_ptr<RoundPacer>(int bidders)> make_pacer;
  // The pacing time series (AuctionOnlyRunner::pacing_series) keeps about this many ticks per
  // bidder, evenly spaced (every tick when there are fewer).
  int series_points = 2000;
};

struct AuctionOnlyConfig {
  int bidders = 2;
  int bidders_per_auction = 0;  // drawn uniformly without replacement each auction; 0: all
  int slots = 1;
  std::vector<double> position_factors;  // size >= slots, non-increasing; empty: all 1
  MechanismKind mechanism = MechanismKind::kGsp;
  double quality_exponent = 1.0;  // every candidate has quality 1 here, so it has no effect
  double reserve = 0.0;
  ReserveRule reserve_rule = ReserveRule::kFixed;
  std::vector<double> slot_reserves;  // per-slot reserves (max'd with the global one)
  ValueModel value_model = ValueModel::kDistribution;
  ValueDistribution values = ValueDistribution::uniform(0.0, 1.0);
  std::vector<ValueDistribution> bidder_values;  // optional, one per bidder (asymmetric values)
  StrategySpec strategy;                         // every bidder's, unless bidder_strategies is set
  std::vector<StrategySpec> bidder_strategies;   // optional, one per bidder
  // Optional, one per bidder (distribution value model): the probability that the bidder's ad is
  // clicked in the top slot (its pCTR, true and predicted alike), and its quality score in
  // bid x pCTR x quality^alpha. Empty: 1 for everyone (the bidders sell items).
  std::vector<double> bidder_ctrs;
  std::vector<double> bidder_qualities;
  // The bid log (AuctionOnlyRunner::bid_log): the share of auctions whose every bid is kept, drawn
  // from its own stream (so logging changes no other draw), up to log_limit rows.
  double log_rate = 0.0;
  std::uint64_t log_limit = 1'000'000;
  ContextualItems items;                         // kContextualItems only
  BudgetPacing budgets;
  std::uint64_t rounds = 10'000;
  std::uint64_t seed = 1;
};

// The oracle allocator of the contextual-items model: argmax over a bidder's items of
// value x sigmoid(context . embedding), ties to the lower item. A linear interpolation of sigmoid
// on a grid of step h = 1/16 is within h^2/8 x max|sigmoid''| = 4.7e-5 of it (2.1e-9 beyond
// |x| = 20), which tells which items can still win; only those get std::exp, so the choice and
// the CTR are exactly those of evaluating every item. Owns its scratch: no allocation per call.
class OracleItemChooser {
 public:
  static constexpr double kRange = 20.0;
  static constexpr double kPerUnit = 16.0;
  static constexpr double kTableError = 1e-4;  // > the 4.7e-5 interpolation bound

  struct Choice {
    int item = -1;
    double value = 0.0;  // value per click of the chosen item
    double ctr = 0.0;    // sigmoid(context . embedding) of the chosen item
  };

  OracleItemChooser() = default;
  OracleItemChooser(int items, int dim);
  // embeddings: items x dim, row-major; value_max: max of values (any upper bound works).
  Choice choose(std::span<const double> embeddings, std::span<const double> values, double value_max,
                std::span<const double> context);

 private:
  template <int kDim>
  double approximate(const double* embeddings, const double* values, const double* context);

  int items_ = 0;
  int dim_ = 0;
  std::vector<double> table_, logits_, approx_;
};

// Empty if the configuration can run, else a message naming the offending field.
std::string check_config(const AuctionOnlyConfig& config);

// A bidder's awards in one slot.
struct BidderSlotOutcome {
  std::uint64_t wins = 0;
  double clicks = 0.0;   // expected clicks: pCTR x slot factor per award
  double value = 0.0;    // expected value
  double payment = 0.0;  // expected payment
  // Its mean price per click in this slot (0 when it never won it).
  double price_per_click() const { return clicks > 0.0 ? payment / clicks : 0.0; }
};

struct BidderOutcome {
  std::uint64_t auctions = 0;  // auctions it took part in
  std::uint64_t wins = 0;      // slots won
  std::vector<BidderSlotOutcome> slots;  // per slot, top first
  double value = 0.0;          // expected value of what it won
  double payment = 0.0;        // expected payment
  double surplus = 0.0;        // value - payment
  double budget = 0.0;         // per episode; NaN: unlimited
  double budget_left = 0.0;    // at the end (current episode); NaN: unlimited
  double multiplier = 1.0;     // pacing multiplier at the end
  double pass_rate = 1.0;      // pacing pass-through rate at the end (throttling)
  std::uint64_t throttled = 0; // auctions the pacer kept it out of
  // The first auction (from 0) in which its budget could not cover its bid; -1: never.
  std::int64_t exhausted_round = -1;
  std::uint64_t exhausted_episodes = 0;  // episodes in which that happened
  // Smart Pacing's average error (Xu et al., KDD 2015): sqrt(mean over ticks of (s_k - B/K)^2)
  // / (B/K), s_k the spend in tick k of K per episode; NaN without budget or ticks.
  double pacing_error = 0.0;
  double preferred_shading = 0.0;  // learning shader's preferred factor (0 for other strategies)
};

// One bidder at the end of one pacing tick (the time series the pacing papers plot).
struct PacingPoint {
  std::uint64_t round = 0;  // auctions run so far
  std::uint64_t episode = 0;
  int tick = 0;             // within the episode, from 1
  int bidder = 0;
  double multiplier = 1.0;
  double pass_rate = 1.0;
  double dual = 0.0;        // PacingControl::dual (built-in rule: lambda)
  double spent = 0.0;       // in the episode so far
  double planned = 0.0;     // B x tick / ticks
  double value = 0.0;       // value won in the episode so far
  double budget_left = 0.0;
};

// One bid of a logged auction.
struct BidRecord {
  std::uint64_t round = 0;  // auction index, from 0
  int bidder = 0;
  int item = -1;            // contextual items: the item bid on; else -1
  double value = 0.0;       // per click
  double ctr = 1.0;
  double quality = 1.0;
  double multiplier = 1.0;  // pacing multiplier applied
  double bid = 0.0;         // per click, after pacing
  double rank_score = 0.0;
  int slot = -1;            // -1: lost
  double price = 0.0;       // per click; 0 when lost
  double payment = 0.0;     // expected payment
};

struct AuctionOnlyResult {
  AuctionMetricsReport metrics;
  std::vector<BidderOutcome> bidders;
  double reserve = 0.0;  // the global reserve used (after a Myerson rule)
  std::uint64_t budget_exclusions = 0;  // bidder-auctions skipped because the budget was short
};

class AuctionOnlyRunner {
 public:
  // Throws std::invalid_argument with check_config's message if the config is invalid.
  explicit AuctionOnlyRunner(AuctionOnlyConfig config);
  ~AuctionOnlyRunner();
  AuctionOnlyRunner(AuctionOnlyRunner&&) noexcept;
  AuctionOnlyRunner& operator=(AuctionOnlyRunner&&) noexcept;

  // Runs more auctions; no allocation in steady state.
  void run(std::uint64_t auctions);
  std::uint64_t auctions_run() const;
  AuctionOnlyResult result() const;
  const AuctionMetrics& metrics() const;
  const AuctionOnlyConfig& config() const;
  const std::vector<PacingPoint>& pacing_series() const;
  const std::vector<BidRecord>& bid_log() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Runs config.rounds auctions.
AuctionOnlyResult run_auction_only(const AuctionOnlyConfig& config);

// The shape of AuctionGym's SP_Oracle configuration: 6 bidders with 12 items each, 2 drawn per
// auction, 5-dimensional Gaussian context, true CTR = sigmoid(context . item embedding), oracle
// item choice, truthful bids, single-slot second price, item values lognormal(0.1, 0.2).
AuctionOnlyConfig auctiongym_sp_oracle_config(std::uint64_t seed = 1);

// The shape of AuctionNet's test configuration: 48 bidders, each with fresh values per opportunity
// (bidder b's values uniform on [0, 2 mu_b], mu_b lognormal across bidders), 3-slot GSP with slot
// factors (1, 0.8, 0.6), a reserve, per-episode budgets and a per-bidder pacing multiplier updated
// 48 times per episode.
AuctionOnlyConfig auctionnet_config(std::uint64_t seed = 1);

}  // namespace adsim::auction

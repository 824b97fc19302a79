#include "scenarios/auction_only_run.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <string>

#include "scenarios/factory.hpp"

namespace adsim::scenarios {

auction::AuctionOnlyConfig auction_only_config(const Scenario& s) {
  const AuctionOnlySpec& o = s.auction_only;
  auction::AuctionOnlyConfig c;
  c.bidders = o.bidders;
  c.bidders_per_auction = o.bidders_per_auction;
  c.slots = s.auction.slots;
  c.position_factors = s.auction.position_factors;
  c.mechanism = s.auction.mechanism == "vcg"           ? auction::MechanismKind::kVcg
                : s.auction.mechanism == "first_price" ? auction::MechanismKind::kFirstPrice
                                                       : auction::MechanismKind::kGsp;
  c.quality_exponent = s.auction.quality_exponent;
  c.reserve = s.auction.reserve;
  c.slot_reserves = s.auction.slot_reserves;
  c.reserve_rule = o.reserve_rule == "myerson"              ? auction::ReserveRule::kMyerson
                   : o.reserve_rule == "myerson_per_bidder" ? auction::ReserveRule::kMyersonPerBidder
                                                            : auction::ReserveRule::kFixed;
  try {
    if (o.values == "exponential") c.values = auction::ValueDistribution::exponential(o.value_mean);
    else if (o.values == "lognormal") c.values = auction::ValueDistribution::lognormal(o.value_mu, o.value_sigma);
    else if (o.values == "empirical") c.values = auction::ValueDistribution::empirical(o.value_points);
    else c.values = auction::ValueDistribution::uniform(o.value_low, o.value_high);
  } catch (const std::invalid_argument& e) {  // e.g. an empirical distribution of one point
    throw BuildError(std::string("auction_only: ") + e.what());
  }
  if (o.strategy == "shaded") {
    c.strategy.kind = auction::StrategyKind::kShaded;
    c.strategy.shading = o.shading;
  } else if (o.strategy == "equilibrium") {
    c.strategy.kind = auction::StrategyKind::kFirstPriceEquilibrium;
  } else if (o.strategy == "bandit") {
    c.strategy.kind = auction::StrategyKind::kBanditShader;
  }
  c.rounds = static_cast<std::uint64_t>(o.rounds);
  c.seed = s.run.seed;
  if (const std::string problem = auction::check_config(c); !problem.empty()) throw BuildError("auction_only: " + problem);
  return c;
}

std::uint64_t auction_only_block_rounds(std::uint64_t rounds) { return std::max<std::uint64_t>(1, (rounds + 99) / 100); }

namespace {

double ratio(double a, double b) { return b > 0.0 ? a / b : 0.0; }

// The metrics of the auctions between two snapshots of the runner's running sums.
AuctionOnlyBlockRow block_between(const auction::AuctionMetrics& before, const auction::AuctionMetrics& after,
                                  std::uint64_t first_round) {
  AuctionOnlyBlockRow row;
  row.first_round = first_round;
  row.auctions = after.auctions() - before.auctions();
  const double n = static_cast<double>(row.auctions);
  const double revenue = after.revenue() - before.revenue();
  const double welfare = after.welfare() - before.welfare();
  const double best = after.best_welfare() - before.best_welfare();
  row.revenue = ratio(revenue, n);
  row.welfare = ratio(welfare, n);
  row.surplus = ratio(welfare - revenue, n);
  row.best_welfare = ratio(best, n);
  row.efficiency = ratio(welfare, best);
  std::uint64_t shown = 0, bound = 0;
  double price_to_bid = 0.0;
  for (int s = 0; s < after.max_slots(); ++s) {
    shown += after.slot(s).shown - before.slot(s).shown;
    bound += after.slot(s).reserve_bound - before.slot(s).reserve_bound;
    price_to_bid += after.slot(s).price_to_bid - before.slot(s).price_to_bid;
  }
  row.price_to_bid = ratio(price_to_bid, static_cast<double>(shown));
  row.reserve_bind_rate = ratio(static_cast<double>(bound), static_cast<double>(shown));
  row.fill_rate = ratio(static_cast<double>(shown), static_cast<double>(after.slots_offered() - before.slots_offered()));
  row.request_fill_rate = ratio(static_cast<double>(after.filled_auctions() - before.filled_auctions()), n);
  return row;
}

const char* mechanism_name(auction::MechanismKind kind) {
  switch (kind) {
    case auction::MechanismKind::kVcg: return "vcg";
    case auction::MechanismKind::kFirstPrice: return "first_price";
    default: return "gsp";
  }
}

// The runs row's counters: an auction is a request, an awarded slot an impression; money is the
// expected payment and value, rounded to micros (totals) or in micros (REAL sums).
core::Counters counters_of(const auction::AuctionMetrics& m) {
  core::Counters c;
  c.requests = m.auctions();
  c.filled_requests = m.filled_auctions();
  c.reserve_excluded = m.reserve_excluded();
  c.candidates_auction = m.candidates();
  c.revenue = core::Money::from_units(m.revenue());
  c.advertiser_value = m.welfare() * 1e6;
  c.efficiency_samples = m.auctions();
  c.sampled_welfare = m.welfare() * 1e6;
  c.sampled_best_welfare = m.best_welfare() * 1e6;
  c.sampled_eligible_best_welfare = c.sampled_best_welfare;  // no funnel: every bidder reaches the auction
  for (int s = 0; s < m.max_slots() && s < core::kMaxSlots; ++s) {
    const auto k = static_cast<std::size_t>(s);
    c.impressions += m.slot(s).shown;
    c.reserve_bound += m.slot(s).reserve_bound;
    c.slot_impressions[k] = m.slot(s).shown;
    c.slot_reserve_bound[k] = m.slot(s).reserve_bound;
    c.slot_revenue[k] = core::Money::from_units(m.slot(s).revenue);
  }
  return c;
}

}  // namespace

AuctionOnlyRun run_auction_only_scenario(const Scenario& scenario, const std::atomic<bool>* stop,
                                         const std::function<void(const AuctionOnlyBlockRow&)>& on_block) {
  const auction::AuctionOnlyConfig config = auction_only_config(scenario);
  auction::AuctionOnlyRunner runner(config);
  const std::uint64_t block = auction_only_block_rounds(config.rounds);
  constexpr std::uint64_t kStopCheck = 65'536;
  const bool learners = scenario.auction_only.strategy == "bandit";
  AuctionOnlyRun out;
  const auto start = std::chrono::steady_clock::now();
  while (runner.auctions_run() < config.rounds && !out.interrupted) {
    const auction::AuctionMetrics before = runner.metrics();
    const std::uint64_t first = runner.auctions_run();
    const std::uint64_t end = std::min(config.rounds, first + block);
    while (runner.auctions_run() < end) {
      if (stop && stop->load(std::memory_order_relaxed)) {
        out.interrupted = true;
        break;
      }
      runner.run(std::min(kStopCheck, end - runner.auctions_run()));
    }
    if (runner.auctions_run() == first) break;
    if (on_block) {
      AuctionOnlyBlockRow row = block_between(before, runner.metrics(), first);
      row.mean_shading = std::numeric_limits<double>::quiet_NaN();
      if (learners) {
        const auction::AuctionOnlyResult now = runner.result();
        double sum = 0.0;
        for (const auto& b : now.bidders) sum += b.preferred_shading;
        row.mean_shading = now.bidders.empty() ? 0.0 : sum / static_cast<double>(now.bidders.size());
      }
      on_block(row);
    }
  }
  out.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.result = runner.result();

  AuctionOnlyRunRow& r = out.record.run;
  r.planned_rounds = config.rounds;
  r.block_rounds = block;
  r.bidders = config.bidders;
  r.bidders_per_auction = config.bidders_per_auction;
  r.slots = config.slots;
  r.mechanism = mechanism_name(config.mechanism);
  r.strategy = scenario.auction_only.strategy;
  r.reserve_rule = scenario.auction_only.reserve_rule;
  r.reserve = out.result.reserve;
  r.budget_exclusions = out.result.budget_exclusions;
  r.metrics = out.result.metrics;
  for (std::size_t b = 0; b < out.result.bidders.size(); ++b)
    out.record.bidders.push_back(AuctionOnlyBidderRow{0, static_cast<std::int64_t>(b), out.result.bidders[b]});

  core::RunSummary& s = out.summary;
  s.scenario_name = scenario.name;
  s.seed = scenario.run.seed;
  s.interrupted = out.interrupted;
  s.wall_seconds = out.wall_seconds;
  s.events = runner.auctions_run();
  s.totals = counters_of(runner.metrics());
  // No click model in auction-only rounds: its ratios are undefined (NULL), not 0.
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  s.model.auc = s.model.log_loss = s.model.normalized_entropy = s.model.calibration_ratio = s.model.ece = kNaN;
  return out;
}

}  // namespace adsim::scenarios

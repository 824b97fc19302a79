#include "scenarios/auction_only_run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "pacing/control_rules.hpp"
#include "scenarios/component_registry.hpp"
#include "scenarios/factory.hpp"

namespace adsim::scenarios {

namespace {

auction::ValueDistribution distribution(const std::string& kind, double low, double high, double mean, double mu,
                                        double sigma, const std::vector<double>& points) {
  if (kind == "exponential") return auction::ValueDistribution::exponential(mean);
  if (kind == "lognormal") return auction::ValueDistribution::lognormal(mu, sigma);
  if (kind == "empirical") return auction::ValueDistribution::empirical(points);
  return auction::ValueDistribution::uniform(low, high);
}

auction::StrategySpec strategy(const std::string& name, double shading) {
  auction::StrategySpec spec;
  if (name == "shaded") {
    spec.kind = auction::StrategyKind::kShaded;
    spec.shading = shading;
  } else if (name == "equilibrium") {
    spec.kind = auction::StrategyKind::kFirstPriceEquilibrium;
  } else if (name == "bandit") {
    spec.kind = auction::StrategyKind::kBanditShader;
  }
  return spec;
}

}  // namespace

auction::ValueDistribution bidder_distribution(const AuctionOnlySpec& o, const BidderSpec& b) {
  return distribution(b.values.empty() ? o.values : b.values, b.value_low.value_or(o.value_low),
                      b.value_high.value_or(o.value_high), b.value_mean.value_or(o.value_mean), b.value_mu.value_or(o.value_mu),
                      b.value_sigma.value_or(o.value_sigma), b.value_points.value_or(o.value_points));
}

namespace {

// [[auction_only.bidder]] entries as the runner's per-bidder vectors; what a bidder leaves out is
// the common setting. Throws std::invalid_argument (a bad distribution) with the bidder named.
void apply_bidder_list(const AuctionOnlySpec& o, auction::AuctionOnlyConfig& c) {
  const auto& list = o.bidder_list;
  c.bidders = static_cast<int>(list.size());
  bool any_value = false, any_strategy = false, any_ctr = false, any_quality = false, any_budget = false;
  for (std::size_t b = 0; b < list.size(); ++b) {
    const BidderSpec& bs = list[b];
    const std::string who = "bidder " + std::to_string(b) + (bs.name.empty() ? "" : " (" + bs.name + ")");
    try {
      if (bs.value) c.bidder_values.push_back(auction::ValueDistribution::fixed(*bs.value));
      else if (bs.own_distribution()) c.bidder_values.push_back(bidder_distribution(o, bs));
      else c.bidder_values.push_back(c.values);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(who + ": " + e.what());
    }
    if (bs.bid) {
      auction::StrategySpec fixed;
      fixed.kind = auction::StrategyKind::kFixedBid;
      fixed.bid = *bs.bid;
      c.bidder_strategies.push_back(fixed);
    } else {
      c.bidder_strategies.push_back(bs.strategy.empty() ? c.strategy : strategy(bs.strategy, bs.shading));
    }
    c.bidder_ctrs.push_back(bs.ctr);
    c.bidder_qualities.push_back(bs.quality);
    c.budgets.bidder_budgets.push_back(bs.budget.value_or(o.budget));
    any_value = any_value || bs.value || bs.own_distribution();
    any_strategy = any_strategy || bs.bid || !bs.strategy.empty();
    any_ctr = any_ctr || bs.ctr != 1.0;
    any_quality = any_quality || bs.quality != 1.0;
    any_budget = any_budget || bs.budget.has_value();
  }
  // Per-bidder vectors equal to the common setting change nothing but the speed (and the checks
  // a contextual-items model makes): leave them out.
  if (!any_value) c.bidder_values.clear();
  if (!any_strategy) c.bidder_strategies.clear();
  if (!any_ctr) c.bidder_ctrs.clear();
  if (!any_quality) c.bidder_qualities.clear();
  if (!any_budget) c.budgets.bidder_budgets.clear();
}

// An auction-only bidder paced by one of pacing/'s control rules. An episode is the rules' day:
// a tick is 24 h / ticks of it, so the plan B x tick / ticks is the rules' uniform plan and every
// quantity they read (spend, plan, slices, opportunities, charges = slots won) keeps its meaning.
class ControlRulePacer final : public auction::RoundPacer {
 public:
  ControlRulePacer(const pacing::StrategyParams& params, int bidders, int ticks)
      : rule_(pacing::make_rule(params, static_cast<std::size_t>(bidders))), tick_(core::kDay / ticks) {
    dual_ = dynamic_cast<const pacing::DualDescentRule*>(rule_.get());
    pid_ = dynamic_cast<const pacing::PidRule*>(rule_.get());
  }

  void start_episode(int bidder, std::uint64_t, auction::PacingControl& out) override {
    pacing::PacingOutput o{out.multiplier, out.pass_rate};
    rule_->start_day(static_cast<core::CampaignId>(bidder), o);
    publish(bidder, o, out);
  }

  void update(int bidder, const auction::PacingSignal& s, auction::PacingControl& out) override {
    pacing::TickSignal t;
    t.now = static_cast<core::SimTime>(s.episode) * core::kDay + s.tick * tick_;
    t.elapsed = tick_;
    t.budget = s.budget;
    t.target = s.planned;
    t.spent = s.spent;
    t.slice_target = s.tick_plan;
    t.slice_replanned = s.tick_replanned;
    t.slice_spend = s.tick_spend;
    t.unit = s.tick_plan;
    t.opportunities = s.opportunities;
    t.charges = s.wins;
    pacing::PacingOutput o{out.multiplier, out.pass_rate};
    rule_->update(static_cast<core::CampaignId>(bidder), t, o);
    publish(bidder, o, out);
  }

 private:
  // The state each rule's paper plots: mu (dual descent), phi (PID, multiplier exp(phi)), the
  // pass-through rate (throttling).
  void publish(int bidder, const pacing::PacingOutput& o, auction::PacingControl& out) const {
    out.multiplier = o.multiplier;
    out.pass_rate = o.pass_rate;
    if (dual_ != nullptr) out.dual = dual_->mu(static_cast<core::CampaignId>(bidder));
    else if (pid_ != nullptr) out.dual = pid_->phi(static_cast<core::CampaignId>(bidder));
    else out.dual = o.pass_rate;
  }

  std::unique_ptr<pacing::ControlRule> rule_;
  core::SimTime tick_;
  const pacing::DualDescentRule* dual_ = nullptr;
  const pacing::PidRule* pid_ = nullptr;
};

void apply_pacing(const Scenario& s, auction::AuctionOnlyConfig& c) {
  const AuctionOnlySpec& o = s.auction_only;
  auction::BudgetPacing& bp = c.budgets;
  bp.budget = o.budget;
  bp.episode_rounds = static_cast<std::uint64_t>(o.episode_rounds);
  bp.series_points = o.series_points;
  const bool budgeted = o.budget > 0.0 || !bp.bidder_budgets.empty();
  if (!budgeted) return;
  bp.ticks = o.pacing_ticks;
  if (o.pacer == "multiplier") {
    bp.gain = o.pacing_gain;
    bp.min_multiplier = o.min_multiplier;
    bp.max_multiplier = o.max_multiplier;
    return;
  }
  static const std::vector<std::string> kNames = {"none", "throttling", "dual_descent", "pid"};
  const auto at = static_cast<std::size_t>(std::find(kNames.begin(), kNames.end(), o.pacer) - kNames.begin());
  if (at == kNames.size()) throw BuildError("auction_only.pacer = '" + o.pacer + "' is not a known pacer");
  const int ticks = o.pacing_ticks;
  const pacing::StrategyParams params = pacing_strategies(s.pacing, core::kDay / ticks)[at];
  try {
    (void)pacing::make_rule(params, 1);  // the rule's own parameter check, reported now
  } catch (const std::invalid_argument& e) {
    throw BuildError(std::string("auction_only.pacer = ") + o.pacer + ": " + e.what());
  }
  bp.make_pacer = [params, ticks](int bidders) { return std::make_unique<ControlRulePacer>(params, bidders, ticks); };
}

}  // namespace

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
  c.strategy = strategy(o.strategy, o.shading);
  if (o.value_model == "contextual_items") {
    c.value_model = auction::ValueModel::kContextualItems;
    c.items.items_per_bidder = o.items_per_bidder;
    c.items.embedding_dim = o.embedding_dim;
    c.items.embedding_sd = o.embedding_sd;
    c.items.context_sd = o.context_sd;
  }
  try {
    c.values = distribution(o.values, o.value_low, o.value_high, o.value_mean, o.value_mu, o.value_sigma, o.value_points);
    c.items.item_values = auction::ValueDistribution::lognormal(o.item_value_mu, o.item_value_sigma);
    if (!o.bidder_list.empty()) apply_bidder_list(o, c);
  } catch (const std::invalid_argument& e) {  // e.g. an empirical distribution of one point
    throw BuildError(std::string("auction_only: ") + e.what());
  }
  apply_pacing(s, c);
  c.log_rate = o.log_rate;
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
  const bool learners = std::any_of(config.bidder_strategies.begin(), config.bidder_strategies.end(),
                                    [](const auction::StrategySpec& b) { return b.kind == auction::StrategyKind::kBanditShader; }) ||
                        (config.bidder_strategies.empty() && config.strategy.kind == auction::StrategyKind::kBanditShader);
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
  for (std::size_t b = 0; b < out.result.bidders.size(); ++b) {
    const auto& list = scenario.auction_only.bidder_list;
    out.record.bidders.push_back(AuctionOnlyBidderRow{0, static_cast<std::int64_t>(b), out.result.bidders[b],
                                                      b < list.size() ? list[b].name : std::string()});
  }
  out.record.pacing = runner.pacing_series();
  out.record.bids = runner.bid_log();

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

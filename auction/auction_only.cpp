#include "auction/auction_only.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "auction/mechanisms.hpp"
#include "auction/reserve.hpp"

namespace adsim::auction {

namespace {

core::AuctionRules rules_of(const AuctionOnlyConfig& c) {
  core::AuctionRules r;
  r.slots = c.slots;
  r.position_factors = c.position_factors;
  r.reserve = c.reserve;
  r.quality_exponent = c.quality_exponent;
  r.slot_reserves = c.slot_reserves;
  return r;
}

const ValueDistribution& distribution_of(const AuctionOnlyConfig& c, int bidder) {
  return c.bidder_values.empty() ? c.values : c.bidder_values[static_cast<std::size_t>(bidder)];
}

const StrategySpec& strategy_of(const AuctionOnlyConfig& c, int bidder) {
  return c.bidder_strategies.empty() ? c.strategy : c.bidder_strategies[static_cast<std::size_t>(bidder)];
}

}  // namespace

std::string check_config(const AuctionOnlyConfig& c) {
  std::ostringstream err;
  if (c.bidders < 1) {
    err << "bidders must be at least 1, got " << c.bidders;
    return err.str();
  }
  if (c.bidders_per_auction < 0 || c.bidders_per_auction > c.bidders) {
    err << "bidders_per_auction must be between 0 (all) and bidders (" << c.bidders << "), got " << c.bidders_per_auction;
    return err.str();
  }
  if (c.slots < 1 || c.slots > core::kMaxSlots) {
    err << "slots must be between 1 and " << core::kMaxSlots << ", got " << c.slots;
    return err.str();
  }
  if (std::string rules = check_rules(rules_of(c)); !rules.empty()) return rules;
  if (!c.bidder_values.empty() && c.bidder_values.size() != static_cast<std::size_t>(c.bidders)) {
    err << "bidder_values has " << c.bidder_values.size() << " distributions for " << c.bidders << " bidders";
    return err.str();
  }
  if (!c.bidder_strategies.empty() && c.bidder_strategies.size() != static_cast<std::size_t>(c.bidders)) {
    err << "bidder_strategies has " << c.bidder_strategies.size() << " strategies for " << c.bidders << " bidders";
    return err.str();
  }
  const bool contextual = c.value_model == ValueModel::kContextualItems;
  for (int b = 0; b < c.bidders; ++b) {
    const StrategySpec& s = strategy_of(c, b);
    if (std::string e = check_strategy(s); !e.empty()) {
      err << "bidder " << b << ": " << e;
      return err.str();
    }
    if (s.kind == StrategyKind::kFirstPriceEquilibrium && contextual) {
      return "the first-price equilibrium strategy needs values from a distribution (value_model = distribution)";
    }
    if (c.bidder_strategies.empty()) break;
  }
  if (contextual) {
    if (c.reserve_rule != ReserveRule::kFixed) return "a Myerson reserve needs values from a distribution (value_model = distribution)";
    const ContextualItems& it = c.items;
    if (it.items_per_bidder < 1 || it.embedding_dim < 1) {
      err << "items_per_bidder and embedding_dim must be at least 1, got " << it.items_per_bidder << " and " << it.embedding_dim;
      return err.str();
    }
    if (!(it.embedding_sd > 0.0 && it.context_sd > 0.0)) return "embedding_sd and context_sd must be positive";
  }
  if (c.reserve_rule == ReserveRule::kMyerson && !c.bidder_values.empty()) {
    return "reserve_rule = myerson uses the common value distribution; with per-bidder values use myerson_per_bidder";
  }
  const BudgetPacing& bp = c.budgets;
  if (!(std::isfinite(bp.budget) && bp.budget >= 0.0)) {
    err << "budget must be a non-negative number, got " << bp.budget;
    return err.str();
  }
  if (!bp.bidder_budgets.empty() && bp.bidder_budgets.size() != static_cast<std::size_t>(c.bidders)) {
    err << "bidder_budgets has " << bp.bidder_budgets.size() << " entries for " << c.bidders << " bidders";
    return err.str();
  }
  for (double b : bp.bidder_budgets) {
    if (!(std::isfinite(b) && b >= 0.0)) {
      err << "bidder budgets must be non-negative numbers, got " << b;
      return err.str();
    }
  }
  if (bp.ticks < 0) return "pacing ticks must be >= 0";
  const std::uint64_t episode = bp.episode_rounds ? bp.episode_rounds : c.rounds;
  if (bp.ticks > 0 && static_cast<std::uint64_t>(bp.ticks) > episode) {
    err << "pacing ticks (" << bp.ticks << ") cannot exceed the auctions per episode (" << episode << ")";
    return err.str();
  }
  if (!(bp.gain >= 0.0 && std::isfinite(bp.gain))) return "pacing gain must be a non-negative number";
  if (!(bp.min_multiplier > 0.0 && bp.max_multiplier >= bp.min_multiplier && std::isfinite(bp.max_multiplier))) {
    return "pacing multipliers need 0 < min_multiplier <= max_multiplier";
  }
  return {};
}

struct AuctionOnlyRunner::State {
  AuctionOnlyConfig cfg;
  int n = 0;
  int m = 0;
  bool contextual = false;
  bool budgeted = false;
  bool pacing = false;
  bool learners = false;
  bool per_bidder_reserve = false;
  int items = 0;
  int dim = 0;

  std::vector<ValueDistribution> dists;
  std::vector<BiddingStrategy> strategies;
  std::vector<std::uint32_t> order;

  // Candidate buffers, one entry per bidder taking part in the current auction.
  std::vector<double> bid, pctr, value, cand_reserve, scores, surplus;
  std::vector<std::uint32_t> bidder_of;

  // Per bidder.
  std::vector<double> budget, remaining, tick_start_remaining, tick_spend, multiplier, bidder_reserve;
  std::vector<double> won_value, paid;
  std::vector<std::uint64_t> took_part, wins;

  // Contextual items.
  std::vector<double> embedding;   // n x items x dim
  std::vector<double> item_value;  // n x items
  std::vector<double> context;     // dim

  core::AuctionRules rules;
  std::vector<double> factors;  // resolved position factors (size slots)
  core::AuctionResult result;
  AuctionMetrics metrics;
  core::Rng participants_rng, values_rng, context_rng, strategy_rng;
  double reserve = 0.0;
  std::uint64_t done = 0;
  std::uint64_t episode_len = 0;
  std::uint64_t in_episode = 0;
  std::uint64_t tick_len = 0;
  int ticks_done = 0;
  std::uint64_t budget_exclusions = 0;

  explicit State(AuctionOnlyConfig config);
  void step();
  void best_item(std::uint32_t b, double& v, double& ctr) const;
  void end_tick();
  void start_episode();
};

AuctionOnlyRunner::State::State(AuctionOnlyConfig config) : cfg(std::move(config)) {
  const core::RandomStreams streams(cfg.seed);
  participants_rng = streams.stream("auction_only.participants");
  values_rng = streams.stream("auction_only.values");
  context_rng = streams.stream("auction_only.context");
  strategy_rng = streams.stream("auction_only.strategy");

  n = cfg.bidders;
  m = cfg.bidders_per_auction ? cfg.bidders_per_auction : n;
  contextual = cfg.value_model == ValueModel::kContextualItems;

  reserve = cfg.reserve;
  if (cfg.reserve_rule == ReserveRule::kMyerson) reserve = std::max(reserve, myerson_reserve(cfg.values));
  per_bidder_reserve = cfg.reserve_rule == ReserveRule::kMyersonPerBidder;

  dists.reserve(static_cast<std::size_t>(n));
  for (int b = 0; b < n; ++b) dists.push_back(distribution_of(cfg, b));
  if (per_bidder_reserve) {
    bidder_reserve.resize(static_cast<std::size_t>(n));
    for (int b = 0; b < n; ++b) bidder_reserve[static_cast<std::size_t>(b)] = myerson_reserve(dists[static_cast<std::size_t>(b)]);
  }

  if (contextual) {
    items = cfg.items.items_per_bidder;
    dim = cfg.items.embedding_dim;
    core::Rng item_rng = streams.stream("auction_only.items");
    boost::random::normal_distribution<double> emb(0.0, cfg.items.embedding_sd);
    embedding.resize(static_cast<std::size_t>(n) * items * dim);
    item_value.resize(static_cast<std::size_t>(n) * items);
    for (int b = 0; b < n; ++b) {
      for (int t = 0; t < items; ++t) {
        for (int d = 0; d < dim; ++d) embedding[(static_cast<std::size_t>(b) * items + t) * dim + d] = emb(item_rng);
        item_value[static_cast<std::size_t>(b) * items + t] = cfg.items.item_values.sample(item_rng);
      }
    }
    context.resize(static_cast<std::size_t>(dim));
  }

  // Strategies; bidders with the same value distribution share one equilibrium table.
  std::shared_ptr<const FirstPriceEquilibrium> common_eq;
  strategies.reserve(static_cast<std::size_t>(n));
  for (int b = 0; b < n; ++b) {
    const StrategySpec& s = strategy_of(cfg, b);
    switch (s.kind) {
      case StrategyKind::kTruthful: strategies.push_back(BiddingStrategy::truthful()); break;
      case StrategyKind::kShaded: strategies.push_back(BiddingStrategy::shaded(s.shading)); break;
      case StrategyKind::kFirstPriceEquilibrium: {
        const double r = per_bidder_reserve ? std::max(reserve, bidder_reserve[static_cast<std::size_t>(b)]) : reserve;
        if (cfg.bidder_values.empty() && !per_bidder_reserve) {
          if (!common_eq) common_eq = std::make_shared<const FirstPriceEquilibrium>(cfg.values, m, r);
          strategies.push_back(BiddingStrategy::equilibrium(common_eq));
        } else {
          strategies.push_back(BiddingStrategy::equilibrium(
              std::make_shared<const FirstPriceEquilibrium>(dists[static_cast<std::size_t>(b)], m, r)));
        }
        break;
      }
      case StrategyKind::kBanditShader: {
        BanditConfig bc = s.bandit;
        if (bc.reward_scale <= 0.0) {
          if (contextual) {
            bc.reward_scale = *std::max_element(item_value.begin() + static_cast<std::ptrdiff_t>(b) * items,
                                                item_value.begin() + static_cast<std::ptrdiff_t>(b + 1) * items);
          } else {
            bc.reward_scale = dists[static_cast<std::size_t>(b)].quantile(0.99);
          }
        }
        strategies.push_back(BiddingStrategy::bandit(bc));
        learners = true;
        break;
      }
    }
  }

  order.resize(static_cast<std::size_t>(n));
  for (int b = 0; b < n; ++b) order[static_cast<std::size_t>(b)] = static_cast<std::uint32_t>(b);
  const auto mm = static_cast<std::size_t>(m);
  bid.resize(mm);
  pctr.resize(mm, 1.0);
  value.resize(mm);
  cand_reserve.resize(mm);
  scores.resize(mm);
  surplus.resize(mm);
  bidder_of.resize(mm);

  const auto nn = static_cast<std::size_t>(n);
  budget.assign(nn, 0.0);
  budgeted = cfg.budgets.budget > 0.0 || !cfg.budgets.bidder_budgets.empty();
  if (budgeted) {
    for (std::size_t b = 0; b < nn; ++b) {
      budget[b] = cfg.budgets.bidder_budgets.empty() ? cfg.budgets.budget : cfg.budgets.bidder_budgets[b];
    }
  }
  remaining.assign(nn, 0.0);
  tick_start_remaining.assign(nn, 0.0);
  tick_spend.assign(nn, 0.0);
  multiplier.assign(nn, 1.0);
  won_value.assign(nn, 0.0);
  paid.assign(nn, 0.0);
  took_part.assign(nn, 0);
  wins.assign(nn, 0);

  episode_len = cfg.budgets.episode_rounds;
  pacing = budgeted && cfg.budgets.ticks > 0;
  if (pacing) {
    const std::uint64_t ep = episode_len ? episode_len : std::max<std::uint64_t>(cfg.rounds, 1);
    tick_len = std::max<std::uint64_t>(1, ep / static_cast<std::uint64_t>(cfg.budgets.ticks));
  }

  factors.resize(static_cast<std::size_t>(cfg.slots));
  for (int s = 0; s < cfg.slots; ++s) {
    factors[static_cast<std::size_t>(s)] = cfg.position_factors.empty() ? 1.0 : cfg.position_factors[static_cast<std::size_t>(s)];
  }
  rules = rules_of(cfg);
  rules.position_factors = factors;
  rules.reserve = reserve;
  start_episode();
}

void AuctionOnlyRunner::State::start_episode() {
  in_episode = 0;
  ticks_done = 0;
  const double m0 = std::clamp(1.0, cfg.budgets.min_multiplier, cfg.budgets.max_multiplier);
  for (std::size_t b = 0; b < remaining.size(); ++b) {
    remaining[b] = budget[b];
    tick_start_remaining[b] = budget[b];
    tick_spend[b] = 0.0;
    multiplier[b] = pacing ? m0 : 1.0;
  }
}

// A pacing tick: each bidder compares what it spent with an even share of what was left, and
// scales its multiplier by exp(gain (1 - spent / share)).
void AuctionOnlyRunner::State::end_tick() {
  ++ticks_done;
  const int ticks_left = cfg.budgets.ticks - ticks_done + 1;  // including the tick that just ended
  for (std::size_t b = 0; b < remaining.size(); ++b) {
    const double share = tick_start_remaining[b] / std::max(ticks_left, 1);
    double mult = multiplier[b];
    if (share > 0.0) {
      mult *= std::exp(cfg.budgets.gain * (1.0 - tick_spend[b] / share));
    } else {
      mult = cfg.budgets.min_multiplier;
    }
    multiplier[b] = std::clamp(mult, cfg.budgets.min_multiplier, cfg.budgets.max_multiplier);
    tick_start_remaining[b] = remaining[b];
    tick_spend[b] = 0.0;
  }
}

void AuctionOnlyRunner::State::best_item(std::uint32_t b, double& v, double& ctr) const {
  const double* emb = embedding.data() + static_cast<std::size_t>(b) * items * dim;
  const double* val = item_value.data() + static_cast<std::size_t>(b) * items;
  const double* ctx = context.data();
  double best = -1.0;
  for (int t = 0; t < items; ++t) {
    const double* e = emb + static_cast<std::ptrdiff_t>(t) * dim;
    double dot = 0.0;
    for (int d = 0; d < dim; ++d) dot += e[d] * ctx[d];
    const double p = 1.0 / (1.0 + std::exp(-dot));
    const double ev = val[t] * p;
    if (ev > best) {
      best = ev;
      v = val[t];
      ctr = p;
    }
  }
}

void AuctionOnlyRunner::State::step() {
  if (m < n) {
    // Partial Fisher-Yates: the first m entries become a uniform random subset, in random order.
    for (int j = 0; j < m; ++j) {
      const int r = boost::random::uniform_int_distribution<int>(j, n - 1)(participants_rng);
      std::swap(order[static_cast<std::size_t>(j)], order[static_cast<std::size_t>(r)]);
    }
  }
  if (contextual) {
    boost::random::normal_distribution<double> normal(0.0, cfg.items.context_sd);
    for (int d = 0; d < dim; ++d) context[static_cast<std::size_t>(d)] = normal(context_rng);
  }

  std::size_t count = 0;
  for (int j = 0; j < m; ++j) {
    const std::uint32_t b = order[static_cast<std::size_t>(j)];
    double v = 0.0;
    double ctr = 1.0;
    if (contextual) {
      best_item(b, v, ctr);
    } else {
      v = dists[b].sample(values_rng);
    }
    const double x = strategies[b].bid(v, strategy_rng) * multiplier[b];
    if (budgeted && remaining[b] < x * ctr) {
      ++budget_exclusions;
      continue;
    }
    bid[count] = x;
    pctr[count] = ctr;
    value[count] = v;
    bidder_of[count] = b;
    if (per_bidder_reserve) cand_reserve[count] = bidder_reserve[b];
    ++took_part[b];
    ++count;
  }

  core::AuctionCandidates c;
  c.bid = std::span<const double>(bid.data(), count);
  if (contextual) c.pctr = std::span<const double>(pctr.data(), count);
  if (per_bidder_reserve) c.reserve = std::span<const double>(cand_reserve.data(), count);
  const std::span<double> sc(scores.data(), count);
  run_auction(cfg.mechanism, c, rules, sc, result);
  metrics.add(c, std::span<const double>(value.data(), count), rules, result);

  if (learners) std::fill(surplus.begin(), surplus.begin() + static_cast<std::ptrdiff_t>(count), 0.0);
  for (int s = 0; s < result.filled; ++s) {
    const core::SlotAward& a = result.slots[static_cast<std::size_t>(s)];
    const std::uint32_t i = a.candidate;
    const std::uint32_t b = bidder_of[i];
    const double got = value[i] * pctr[i] * factors[static_cast<std::size_t>(s)];
    const double pay = a.expected_payment;
    ++wins[b];
    won_value[b] += got;
    paid[b] += pay;
    if (budgeted) {
      remaining[b] -= pay;
      tick_spend[b] += pay;
    }
    if (learners) surplus[i] = got - pay;
  }
  if (learners) {
    for (std::size_t i = 0; i < count; ++i) strategies[bidder_of[i]].observe(surplus[i]);
  }

  ++done;
  ++in_episode;
  if (pacing && in_episode % tick_len == 0 && ticks_done < cfg.budgets.ticks) end_tick();
  if (episode_len && in_episode == episode_len) start_episode();
}

AuctionOnlyRunner::AuctionOnlyRunner(AuctionOnlyConfig config) {
  if (std::string err = check_config(config); !err.empty()) throw std::invalid_argument("auction-only config: " + err);
  state_ = std::make_unique<State>(std::move(config));
}

AuctionOnlyRunner::~AuctionOnlyRunner() = default;
AuctionOnlyRunner::AuctionOnlyRunner(AuctionOnlyRunner&&) noexcept = default;
AuctionOnlyRunner& AuctionOnlyRunner::operator=(AuctionOnlyRunner&&) noexcept = default;

void AuctionOnlyRunner::run(std::uint64_t auctions) {
  State& s = *state_;
  for (std::uint64_t t = 0; t < auctions; ++t) s.step();
}

std::uint64_t AuctionOnlyRunner::auctions_run() const { return state_->done; }
const AuctionMetrics& AuctionOnlyRunner::metrics() const { return state_->metrics; }
const AuctionOnlyConfig& AuctionOnlyRunner::config() const { return state_->cfg; }

AuctionOnlyResult AuctionOnlyRunner::result() const {
  const State& s = *state_;
  AuctionOnlyResult r;
  r.metrics = s.metrics.report();
  r.reserve = s.reserve;
  r.budget_exclusions = s.budget_exclusions;
  r.bidders.resize(static_cast<std::size_t>(s.n));
  for (std::size_t b = 0; b < r.bidders.size(); ++b) {
    BidderOutcome& o = r.bidders[b];
    o.auctions = s.took_part[b];
    o.wins = s.wins[b];
    o.value = s.won_value[b];
    o.payment = s.paid[b];
    o.surplus = s.won_value[b] - s.paid[b];
    o.budget_left = s.remaining[b];
    o.multiplier = s.multiplier[b];
    if (const BanditShader* bandit = s.strategies[b].bandit_state()) o.preferred_shading = bandit->factor(bandit->preferred_arm());
  }
  return r;
}

AuctionOnlyResult run_auction_only(const AuctionOnlyConfig& config) {
  AuctionOnlyRunner runner(config);
  runner.run(config.rounds);
  return runner.result();
}

AuctionOnlyConfig auctiongym_sp_oracle_config(std::uint64_t seed) {
  AuctionOnlyConfig c;
  c.bidders = 6;
  c.bidders_per_auction = 2;
  c.slots = 1;
  c.mechanism = MechanismKind::kGsp;
  c.value_model = ValueModel::kContextualItems;
  c.items = ContextualItems{};  // 12 items, 5 dimensions, N(0, 1), values lognormal(0.1, 0.2)
  c.strategy.kind = StrategyKind::kTruthful;
  c.rounds = 200'000;
  c.seed = seed;
  return c;
}

AuctionOnlyConfig auctionnet_config(std::uint64_t seed) {
  AuctionOnlyConfig c;
  c.bidders = 48;
  c.slots = 3;
  c.position_factors = {1.0, 0.8, 0.6};
  c.mechanism = MechanismKind::kGsp;
  c.value_model = ValueModel::kDistribution;
  // Bidder b values an opportunity at uniform(0, 2 mu_b): mean mu_b, mu_b ~ lognormal(0, 0.5)
  // across bidders (fixed by the seed).
  core::Rng rng = core::RandomStreams(seed).stream("auctionnet.bidders");
  const ValueDistribution spread = ValueDistribution::lognormal(0.0, 0.5);
  double mean_value = 0.0;
  for (int b = 0; b < c.bidders; ++b) {
    const double mu = spread.sample(rng);
    mean_value += mu;
    c.bidder_values.push_back(ValueDistribution::uniform(0.0, 2.0 * mu));
  }
  mean_value /= c.bidders;
  c.reserve = 0.01 * mean_value;
  c.strategy.kind = StrategyKind::kTruthful;
  c.rounds = 480'000;
  c.seed = seed;
  // Budgets cover about 60% of what a bidder would spend unpaced over an episode, so pacing binds.
  c.budgets.episode_rounds = 48'000;
  c.budgets.ticks = 48;
  c.budgets.budget = 0.6 * 48'000 * (0.35 * mean_value) / 48.0 * 3.0;
  c.budgets.gain = 1.0;
  c.budgets.min_multiplier = 0.05;
  c.budgets.max_multiplier = 1.0;
  return c;
}

}  // namespace adsim::auction

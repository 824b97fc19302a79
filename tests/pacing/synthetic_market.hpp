#pragma once
// A synthetic auction environment for pacing tests: no users, no click model, just what a pacer
// reacts to. Auction opportunities arrive as a Poisson process whose rate is constant within each
// hour; each opportunity reaches every eligible campaign that still has budget; each campaign that
// the pacer lets in faces its own highest competing bid X ~ LogNormal (independent draws, so
// campaigns do not interact and each one's spend is a compound Poisson process); it wins if its
// paced bid beats X and then pays X (second price) per click, the click happening with probability
// ctr and being charged after an exponential delay (or at once). Charges go through the real
// core::BudgetLedger, so budget stops and overspend behave as in the marketplace.
//
// Event order at equal times follows core::Priority: day boundary, control tick, charges
// (feedback), requests, metric samples.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <queue>
#include <vector>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/lognormal_distribution.hpp>

#include "core/budget_ledger.hpp"
#include "core/money.hpp"
#include "core/random_streams.hpp"
#include "core/sim_time.hpp"
#include "core/world.hpp"
#include "pacing/auto_bidder.hpp"
#include "pacing/pacers.hpp"
#include "pacing/pacing_metrics.hpp"

namespace adsim::pacing::testing {

using core::kDay;
using core::kHour;
using core::kMinute;
using core::SimTime;

struct MarketCampaign {
  double bid = 1.0;           // units per click
  double ctr = 1.0;           // P(click | win); 1: every win is charged
  double daily_budget = 0.0;  // units; 0: none
  double total_budget = 0.0;  // units; 0: none
  double eligibility = 1.0;   // share of opportunities the campaign reaches
  SimTime flight_start = 0;
  SimTime flight_end = 0;     // 0: the end of the run
  double cvr = 0.0;           // mean P(conversion | click); per opportunity pCVR = cvr * LogNormal(-s^2/2, s)
  double cvr_sigma = 0.0;     // s
  double value_per_click = 0.0;  // units, for surplus
};

struct MarketSpec {
  std::array<double, 24> hourly_rate{};  // opportunities per hour
  double competitor_median = 0.5;        // units per click
  double competitor_sigma = 0.5;
  SimTime click_delay_mean = 0;          // 0: charged at the auction
  SimTime conversion_delay_mean = 0;
  double days = 1.0;
  std::uint64_t seed = 1;
  MetricsConfig metrics{};
};

inline std::array<double, 24> flat_rate(double per_day) {
  std::array<double, 24> r{};
  r.fill(per_day / 24.0);
  return r;
}

// The same total traffic, shaped by a relative hourly profile.
inline std::array<double, 24> shaped_rate(double per_day, const std::array<double, 24>& profile) {
  double sum = 0.0;
  for (double w : profile) sum += w;
  std::array<double, 24> r{};
  for (std::size_t h = 0; h < 24; ++h) r[h] = per_day * profile[h] / sum;
  return r;
}

inline std::vector<core::Campaign> to_core(const std::vector<MarketCampaign>& cs) {
  std::vector<core::Campaign> out(cs.size());
  for (std::size_t i = 0; i < cs.size(); ++i) {
    out[i].daily_budget = core::Money::from_units(cs[i].daily_budget);
    out[i].total_budget = core::Money::from_units(cs[i].total_budget);
    out[i].bid = core::Money::from_units(cs[i].bid);
    out[i].value_per_click = cs[i].value_per_click * 1e6;
    out[i].flight_start = cs[i].flight_start;
    out[i].flight_end = cs[i].flight_end;
  }
  return out;
}

// Standard normal CDF.
inline double phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// E[X^k ; X < b] for X ~ LogNormal(ln median, sigma): exp(k mu + k^2 s^2 / 2) Phi((ln b - mu - k s^2) / s).
inline double lognormal_partial_moment(int k, double b, double median, double sigma) {
  const double mu = std::log(median);
  const double kk = static_cast<double>(k);
  return std::exp(kk * mu + kk * kk * sigma * sigma / 2.0) * phi((std::log(b) - mu - kk * sigma * sigma) / sigma);
}

struct MarketRun {
  std::vector<CampaignPacingStats> stats;
  PacingSummary summary;
  std::vector<TracePoint> trace;
  std::vector<std::array<double, 24>> hourly_spend;  // units, summed over days
  std::vector<double> max_charge;                    // units, largest single charge
  std::vector<double> inflight_at_exhaustion;        // units: pending charges when the budget ran out (max over days)
  std::vector<double> ledger_overspend;              // units
  std::vector<double> ledger_spend;                  // units, lifetime
  std::vector<std::vector<double>> daily_spend;      // units, per campaign per day
  std::vector<std::vector<double>> daily_conversions;  // per campaign per day
  std::vector<double> full_rate_day_spend;           // units: expected spend per day with no pacing and no budget
  std::uint64_t opportunities = 0;
};

// Runs the market for spec.days with the given pacer (which must have been built on a SpendPlan
// over to_core(campaigns)) and, optionally, an auto-bidder for the campaigns it manages.
inline MarketRun run_market(const MarketSpec& spec, const std::vector<MarketCampaign>& campaigns, PacerBase& pacer,
                            AutoBidder* bidder = nullptr) {
  const std::size_t n = campaigns.size();
  const std::vector<core::Campaign> core_campaigns = to_core(campaigns);
  core::BudgetLedger ledger(core_campaigns);
  PacingMetrics metrics(ledger, pacer.plan(), spec.metrics);
  const core::RandomStreams streams(spec.seed);
  core::Rng arrivals = streams.stream("market.arrivals");
  core::Rng auction = streams.stream("market.auction");
  core::Rng pacing_rng = streams.stream("market.pacing");
  const SimTime horizon = static_cast<SimTime>(std::llround(spec.days * static_cast<double>(kDay)));

  MarketRun out;
  out.hourly_spend.assign(n, {});
  out.max_charge.assign(n, 0.0);
  out.inflight_at_exhaustion.assign(n, 0.0);
  out.daily_spend.assign(n, std::vector<double>(static_cast<std::size_t>(std::ceil(spec.days)), 0.0));
  out.daily_conversions = out.daily_spend;
  double day_opportunities = 0.0;
  for (double r : spec.hourly_rate) day_opportunities += r;
  for (const MarketCampaign& c : campaigns)
    out.full_rate_day_spend.push_back(day_opportunities * c.eligibility * c.ctr *
                                      lognormal_partial_moment(1, c.bid, spec.competitor_median, spec.competitor_sigma));

  struct Pending {
    SimTime at;
    std::uint64_t seq;
    std::uint32_t campaign;
    std::int64_t price;    // micros
    bool conversion;       // a conversion event, not a charge
    double value;
    bool operator>(const Pending& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending;
  std::uint64_t seq = 0;
  std::vector<double> inflight(n, 0.0);

  boost::random::lognormal_distribution<double> competitor(std::log(spec.competitor_median), spec.competitor_sigma);
  auto next_arrival = [&](SimTime t) {
    // Piecewise-constant rate: draw within the hour; past its end, restart there (memoryless).
    while (t < horizon) {
      const SimTime hour_end = (t / kHour + 1) * kHour;
      const double rate = spec.hourly_rate[static_cast<std::size_t>(core::time_of_day(t) / kHour)];
      if (rate > 0.0) {
        boost::random::exponential_distribution<double> gap(rate);
        const SimTime next = t + std::max<SimTime>(1, static_cast<SimTime>(gap(arrivals) * static_cast<double>(kHour)));
        if (next < hour_end) return next;
      }
      t = hour_end;
    }
    return std::numeric_limits<SimTime>::max();
  };

  const SimTime tick = pacer.control_interval();
  const SimTime sample = metrics.sample_interval();
  const SimTime bid_tick = bidder ? bidder->params().interval : 0;
  SimTime next_req = next_arrival(0);
  SimTime next_tick = tick > 0 ? tick : std::numeric_limits<SimTime>::max();
  SimTime next_sample = sample;
  SimTime next_bid = bid_tick > 0 ? bid_tick : std::numeric_limits<SimTime>::max();
  SimTime next_day = kDay;

  std::vector<core::CampaignId> batch;
  std::vector<double> mult;
  std::vector<std::uint8_t> part;
  batch.reserve(n);
  mult.reserve(n);
  part.reserve(n);

  auto in_flight = [&](std::size_t c, SimTime t) {
    return core_campaigns[c].flight_start <= t && (core_campaigns[c].flight_end <= 0 || t < core_campaigns[c].flight_end);
  };

  while (true) {
    const SimTime t_pend = pending.empty() ? std::numeric_limits<SimTime>::max() : pending.top().at;
    // Ties: day boundary, control (pacer, then auto-bidder), feedback, request, sample.
    const SimTime t = std::min({next_day, next_tick, next_bid, t_pend, next_req, next_sample});
    if (t >= horizon) break;
    if (t == next_day) {
      ledger.start_day();
      pacer.on_day_start(t, ledger);
      metrics.start_day(t);
      next_day += kDay;
    } else if (t == next_tick) {
      pacer.on_control_tick(t, ledger);
      next_tick += tick;
    } else if (bidder && t == next_bid) {
      bidder->update(t, &pacer);
      next_bid += bid_tick;
    } else if (t == t_pend) {
      const Pending p = pending.top();
      pending.pop();
      if (p.conversion) {
        metrics.on_conversion(p.campaign, std::max(0.0, p.value));
        if (bidder) bidder->on_conversion(p.campaign, p.value);
        out.daily_conversions[p.campaign][static_cast<std::size_t>(core::day_of(t))] += 1.0;
        continue;
      }
      inflight[p.campaign] -= static_cast<double>(p.price) / 1e6;
      const bool had_budget = ledger.has_budget(p.campaign);
      const auto r = ledger.charge(p.campaign, core::Money{p.price}, t);
      metrics.on_charge(p.campaign, r, t);
      metrics.on_click(p.campaign, campaigns[p.campaign].value_per_click * 1e6);
      if (r.billed.micros > 0) {
        pacer.on_charge(p.campaign, r.billed, t);
        if (bidder) bidder->on_charge(p.campaign, r.billed);
        const double units = r.billed.units();
        out.hourly_spend[p.campaign][static_cast<std::size_t>(core::time_of_day(t) / kHour)] += units;
        out.daily_spend[p.campaign][static_cast<std::size_t>(core::day_of(t))] += units;
      }
      if (had_budget && !ledger.has_budget(p.campaign)) {
        // Everything still pending for this campaign was in flight when its budget ran out.
        const double at_exhaustion = inflight[p.campaign] + static_cast<double>(p.price) / 1e6;
        out.inflight_at_exhaustion[p.campaign] = std::max(out.inflight_at_exhaustion[p.campaign], at_exhaustion);
      }
    } else if (t == next_req) {
      ++out.opportunities;
      batch.clear();
      for (std::size_t c = 0; c < n; ++c) {
        if (!ledger.has_budget(static_cast<core::CampaignId>(c)) || !in_flight(c, t)) continue;
        if (campaigns[c].eligibility < 1.0 &&
            !boost::random::bernoulli_distribution<double>(campaigns[c].eligibility)(auction))
          continue;
        batch.push_back(static_cast<core::CampaignId>(c));
      }
      std::uint32_t participants = 0;
      if (!batch.empty()) {
        mult.assign(batch.size(), 1.0);
        part.assign(batch.size(), 1);
        pacer.apply(t, batch, mult, part, pacing_rng);
        for (std::size_t i = 0; i < batch.size(); ++i) {
          const std::size_t c = batch[i];
          const double x = competitor(auction);  // drawn for every candidate: draws do not depend on pacing
          if (!part[i]) continue;
          ++participants;
          const MarketCampaign& mc = campaigns[c];
          double pcvr = 0.0, base_bid = mc.bid;
          if (mc.cvr > 0.0) {
            pcvr = mc.cvr;
            if (mc.cvr_sigma > 0.0) {
              boost::random::lognormal_distribution<double> noise(-mc.cvr_sigma * mc.cvr_sigma / 2.0, mc.cvr_sigma);
              pcvr = std::min(1.0, mc.cvr * noise(auction));
            }
            if (bidder && bidder->manages(static_cast<core::CampaignId>(c)))
              base_bid = bidder->bid(static_cast<core::CampaignId>(c), pcvr) / 1e6;
          }
          if (base_bid * mult[i] <= x) continue;
          if (mc.ctr < 1.0 && !boost::random::bernoulli_distribution<double>(mc.ctr)(auction)) continue;
          const std::int64_t price = core::Money::from_units(x).micros;
          SimTime delay = 0;
          if (spec.click_delay_mean > 0) {
            boost::random::exponential_distribution<double> d(1.0 / static_cast<double>(spec.click_delay_mean));
            delay = static_cast<SimTime>(d(auction));
          }
          pending.push({t + delay, seq++, static_cast<std::uint32_t>(c), price, false, 0.0});
          inflight[c] += x;
          out.max_charge[c] = std::max(out.max_charge[c], x);
          if (pcvr > 0.0 && boost::random::bernoulli_distribution<double>(pcvr)(auction)) {
            SimTime cdelay = 0;
            if (spec.conversion_delay_mean > 0) {
              boost::random::exponential_distribution<double> d(1.0 / static_cast<double>(spec.conversion_delay_mean));
              cdelay = static_cast<SimTime>(d(auction));
            }
            pending.push({t + delay + cdelay, seq++, static_cast<std::uint32_t>(c), 0, true, -1.0});
          }
        }
      }
      metrics.on_request(t, participants);
      next_req = next_arrival(t);
    } else {
      metrics.sample(t);
      next_sample += sample;
    }
  }
  metrics.finish(horizon);
  out.stats = metrics.campaigns();
  out.summary = metrics.summary();
  out.trace = metrics.trace();
  for (std::size_t c = 0; c < n; ++c) {
    out.ledger_overspend.push_back(ledger.overspend_total(static_cast<core::CampaignId>(c)).units());
    out.ledger_spend.push_back(ledger.spent_total(static_cast<core::CampaignId>(c)).units());
  }
  return out;
}

}  // namespace adsim::pacing::testing

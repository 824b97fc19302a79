#include "core/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <tuple>

#include "core/pacing_error.hpp"

namespace adsim::core {

SurfaceCounters& SurfaceCounters::operator+=(const SurfaceCounters& o) {
  requests += o.requests;
  filled_requests += o.filled_requests;
  impressions += o.impressions;
  clicks += o.clicks;
  reserve_bound += o.reserve_bound;
  reserve_excluded += o.reserve_excluded;
  revenue += o.revenue;
  sum_price_shown += o.sum_price_shown;
  sum_pctr_shown += o.sum_pctr_shown;
  sum_true_ctr_shown += o.sum_true_ctr_shown;
  return *this;
}

Counters& Counters::operator+=(const Counters& o) {
  sessions += o.sessions;
  requests += o.requests;
  filled_requests += o.filled_requests;
  impressions += o.impressions;
  clicks += o.clicks;
  billed_clicks += o.billed_clicks;
  conversions += o.conversions;
  attributed_conversions += o.attributed_conversions;
  late_conversions += o.late_conversions;
  billed_impressions += o.billed_impressions;
  billed_conversions += o.billed_conversions;
  hides += o.hides;
  reports += o.reports;
  users_left += o.users_left;
  reserve_excluded += o.reserve_excluded;
  reserve_bound += o.reserve_bound;
  late_clicks += o.late_clicks;
  explore_requests += o.explore_requests;
  explore_revenue += o.explore_revenue;
  candidates_retrieved += o.candidates_retrieved;
  candidates_prerank += o.candidates_prerank;
  candidates_ranked += o.candidates_ranked;
  candidates_auction += o.candidates_auction;
  revenue += o.revenue;
  click_revenue += o.click_revenue;
  overspend += o.overspend;
  forgone += o.forgone;
  advertiser_value += o.advertiser_value;
  sum_pctr_shown += o.sum_pctr_shown;
  sum_true_ctr_shown += o.sum_true_ctr_shown;
  for (std::size_t i = 0; i < funnel_cost_us.size(); ++i) funnel_cost_us[i] += o.funnel_cost_us[i];
  sum_price_shown += o.sum_price_shown;
  sum_bid_shown += o.sum_bid_shown;
  efficiency_samples += o.efficiency_samples;
  sampled_welfare += o.sampled_welfare;
  sampled_best_welfare += o.sampled_best_welfare;
  sampled_eligible_best_welfare += o.sampled_eligible_best_welfare;
  for (std::size_t s = 0; s < slot_impressions.size(); ++s) {
    slot_impressions[s] += o.slot_impressions[s];
    slot_clicks[s] += o.slot_clicks[s];
    slot_reserve_bound[s] += o.slot_reserve_bound[s];
    slot_revenue[s] += o.slot_revenue[s];
    slot_sum_price[s] += o.slot_sum_price[s];
  }
  for (std::size_t s = 0; s < surface.size(); ++s) surface[s] += o.surface[s];
  return *this;
}

Rates Rates::of(const Counters& c) {
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  Rates r;
  const auto imps = static_cast<double>(c.impressions);
  r.ctr = ratio(static_cast<double>(c.clicks), imps);
  r.fill_rate = ratio(static_cast<double>(c.filled_requests), static_cast<double>(c.requests));
  // Per click: CPC revenue over billed clicks (CPM and CPA campaigns pay for other events).
  r.avg_cpc = ratio(c.click_revenue.units(), static_cast<double>(c.billed_clicks));
  r.rpm = ratio(c.revenue.units() * 1000.0, static_cast<double>(c.requests));
  r.hide_rate = ratio(static_cast<double>(c.hides), imps);
  r.report_rate = ratio(static_cast<double>(c.reports), imps);
  r.calibration_ratio = ratio(c.sum_pctr_shown, c.sum_true_ctr_shown);
  double cost = 0;
  for (double x : c.funnel_cost_us) cost += x;
  r.funnel_cost_us_per_request = ratio(cost, static_cast<double>(c.requests));
  r.advertiser_surplus = (c.advertiser_value - c.revenue.as_double_micros()) / 1e6;
  r.price_to_bid = ratio(c.sum_price_shown, c.sum_bid_shown);
  r.reserve_bind_rate = ratio(static_cast<double>(c.reserve_bound), imps);
  r.efficiency = ratio(c.sampled_welfare, c.sampled_eligible_best_welfare);
  r.auction_efficiency = ratio(c.sampled_welfare, c.sampled_best_welfare);
  return r;
}

namespace {
std::vector<double> average_ranks(std::span<const double> v) {
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(v.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    for (std::size_t k = i; k <= j; ++k) rank[order[k]] = 0.5 * static_cast<double>(i + j);  // ties share their mean
    i = j + 1;
  }
  return rank;
}
}  // namespace

double rank_correlation(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size() || x.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> rx = average_ranks(x), ry = average_ranks(y);
  const double mean = 0.5 * static_cast<double>(x.size() - 1);  // of the ranks 0 .. n-1, ties included
  double sxy = 0.0, sxx = 0.0, syy = 0.0;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  if (sxx <= 0.0 || syy <= 0.0) return std::numeric_limits<double>::quiet_NaN();
  return sxy / std::sqrt(sxx * syy);
}

const char* billing_name(BillingModel b) {
  switch (b) {
    case BillingModel::kCpc: return "cpc";
    case BillingModel::kCpm: return "cpm";
    case BillingModel::kCpa: return "cpa";
  }
  return "?";
}

const char* bidding_name(BiddingKind b) {
  switch (b) {
    case BiddingKind::kManual: return "manual";
    case BiddingKind::kTargetCpa: return "tcpa";
    case BiddingKind::kTargetRoas: return "troas";
  }
  return "?";
}

std::vector<StrategyGroup> RunSummary::strategy_groups() const {
  struct Acc {
    StrategyGroup g;
    double budgeted_spend = 0, deviation_sum = 0, violation_weighted = 0, auto_spend = 0;
    std::vector<double> smart_errors;
  };
  std::map<std::tuple<std::uint8_t, std::uint8_t, std::uint8_t>, Acc> groups;
  const double days_run = static_cast<double>(simulated) / static_cast<double>(kDay);
  for (const CampaignTotals& c : campaigns) {
    Acc& a = groups[{c.pacer, static_cast<std::uint8_t>(c.bidding), static_cast<std::uint8_t>(c.billing)}];
    StrategyGroup& g = a.g;
    g.pacer = c.pacer < pacer_names.size() ? pacer_names[c.pacer] : "none";
    g.bidding = c.bidding;
    g.billing = c.billing;
    ++g.campaigns;
    g.spend += c.spend;
    g.impressions += c.impressions;
    g.clicks += c.clicks;
    g.conversions += c.conversions;
    g.attributed_conversions += c.attributed_conversions;
    g.value += c.value;
    g.surplus += c.surplus;
    a.deviation_sum += c.pacing_mean_abs_deviation;
    a.smart_errors.push_back(c.smart_pacing_error);
    // Budget over the days the campaign was in flight, recovered from its utilization.
    if (c.utilization > 0) {
      g.budget += c.spend.as_double_micros() / c.utilization;
      a.budgeted_spend += c.spend.as_double_micros();
    } else if (c.daily_budget.micros > 0 && days_run > 0) {
      g.budget += c.daily_budget.as_double_micros() * days_run;  // nothing spent: its whole budget
    }
    if (c.bidding != BiddingKind::kManual) {
      a.violation_weighted += c.auto_bid_violation * c.spend.as_double_micros();
      a.auto_spend += c.spend.as_double_micros();
    }
  }
  std::vector<StrategyGroup> out;
  for (auto& [key, a] : groups) {
    StrategyGroup& g = a.g;
    const double spend = g.spend.as_double_micros();
    g.utilization = g.budget > 0 ? a.budgeted_spend / g.budget : 0.0;
    g.cpc = g.clicks ? spend / static_cast<double>(g.clicks) : 0.0;
    g.cpa = g.attributed_conversions ? spend / static_cast<double>(g.attributed_conversions) : 0.0;
    g.mean_pacing_deviation = a.deviation_sum / static_cast<double>(g.campaigns);
    g.smart_pacing_error = mean_pacing_error(a.smart_errors);
    g.auto_bid_violation = a.auto_spend > 0 ? a.violation_weighted / a.auto_spend : 0.0;
    out.push_back(std::move(g));
  }
  return out;
}

void OffPolicyTotals::add(const OffPolicySample& s) {
  const double w = s.match ? 1.0 / s.propensity : 0.0;
  const double ips_term = w * s.reward;
  const double dr_term = s.predicted_target + w * (s.reward - s.predicted_logged);
  ++requests;
  matches += s.match ? 1 : 0;
  reward += s.reward;
  true_value += s.true_target;
  weight += w;
  ips += ips_term;
  ips_sq += ips_term * ips_term;
  dm += s.predicted_target;
  dr += dr_term;
  dr_sq += dr_term * dr_term;
}

OffPolicyEstimates OffPolicyTotals::estimates() const {
  OffPolicyEstimates e;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (requests == 0) return {nan, nan, nan, nan, nan, nan, nan, nan};
  const double n = static_cast<double>(requests);
  // The standard error of a mean of n terms: sqrt(sample variance / n), variance with n - 1.
  auto se = [n, nan](double sum, double sum_sq) {
    if (n < 2) return nan;
    return std::sqrt(std::max(0.0, (sum_sq - sum * sum / n) / (n - 1)) / n);
  };
  e.logged = reward / n;
  e.truth = true_value / n;
  e.ips = ips / n;
  e.snips = weight > 0 ? ips / weight : nan;
  e.dm = dm / n;
  e.dr = dr / n;
  e.ips_se = se(ips, ips_sq);
  e.dr_se = se(dr, dr_sq);
  return e;
}

}  // namespace adsim::core

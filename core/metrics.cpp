#include "core/metrics.hpp"

namespace adsim::core {

Counters& Counters::operator+=(const Counters& o) {
  sessions += o.sessions;
  requests += o.requests;
  filled_requests += o.filled_requests;
  impressions += o.impressions;
  clicks += o.clicks;
  billed_clicks += o.billed_clicks;
  conversions += o.conversions;
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
  for (std::size_t s = 0; s < slot_impressions.size(); ++s) {
    slot_impressions[s] += o.slot_impressions[s];
    slot_clicks[s] += o.slot_clicks[s];
    slot_reserve_bound[s] += o.slot_reserve_bound[s];
    slot_revenue[s] += o.slot_revenue[s];
    slot_sum_price[s] += o.slot_sum_price[s];
  }
  return *this;
}

Rates Rates::of(const Counters& c) {
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  Rates r;
  const auto imps = static_cast<double>(c.impressions);
  r.ctr = ratio(static_cast<double>(c.clicks), imps);
  r.fill_rate = ratio(static_cast<double>(c.filled_requests), static_cast<double>(c.requests));
  r.avg_cpc = ratio(c.revenue.units(), static_cast<double>(c.billed_clicks));
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
  r.efficiency = ratio(c.sampled_welfare, c.sampled_best_welfare);
  return r;
}

}  // namespace adsim::core

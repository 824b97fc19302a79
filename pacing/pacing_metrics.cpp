#include "pacing/pacing_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace adsim::pacing {

using core::CampaignId;
using core::kDay;
using core::Money;
using core::SimTime;

PacingMetrics::PacingMetrics(const core::BudgetLedger& ledger, const SpendPlan& plan, MetricsConfig config)
    : ledger_(ledger), plan_(plan), config_(config) {
  if (config_.sample_interval <= 0) throw std::invalid_argument("pacing metrics: sample_interval must be > 0");
  if (config_.warmup < 0 || config_.warmup >= kDay)
    throw std::invalid_argument("pacing metrics: warmup must be within [0, 24h)");
  if (ledger.size() != plan.size())
    throw std::invalid_argument("pacing metrics: the ledger and the plan cover different campaign counts");
  const std::size_t n = plan.size();
  day_budget_.assign(n, 0.0);
  day_spend_.assign(n, Money{0});
  prev_spend_.assign(n, 0.0);
  prev_target_.assign(n, 0.0);
  exhausted_today_.assign(n, 0);
  samples_.assign(n, 0);
  slots_.assign(n, 0);
  sum_dev_.assign(n, 0.0);
  max_dev_.assign(n, 0.0);
  sum_sq_slot_.assign(n, 0.0);
  planned_.assign(n, 0.0);
  under_.assign(n, 0.0);
  sum_exhaust_hour_.assign(n, 0.0);
  spend_.assign(n, Money{0});
  overspend_.assign(n, Money{0});
  forgone_.assign(n, Money{0});
  days_.assign(n, 0);
  days_exhausted_.assign(n, 0);
  first_exhausted_.assign(n, -1);
  charges_.assign(n, 0);
  clicks_.assign(n, 0);
  conversions_.assign(n, 0);
  value_.assign(n, 0.0);
  day_start_ = plan.day_start();
  for (std::size_t c = 0; c < n; ++c) day_budget_[c] = plan.day_budget(static_cast<CampaignId>(c));
}

void PacingMetrics::on_charge(CampaignId c, const core::BudgetLedger::ChargeResult& charge, SimTime now) {
  overspend_[c] += charge.overspend;
  forgone_[c] += charge.forgone;
  if (charge.billed.micros <= 0) return;
  day_spend_[c] += charge.billed;
  ++charges_[c];
  const auto h = static_cast<std::size_t>(core::time_of_day(now) / core::kHour);
  revenue_by_hour_[h] += charge.billed.as_double_micros();
  ++charges_by_hour_[h];
  if (!exhausted_today_[c] && !ledger_.has_budget(c)) {
    exhausted_today_[c] = 1;
    ++days_exhausted_[c];
    sum_exhaust_hour_[c] += core::to_hours(std::clamp<SimTime>(now - day_start_, 0, kDay));
    if (first_exhausted_[c] < 0) first_exhausted_[c] = now;
  }
}

void PacingMetrics::on_click(CampaignId c, double value) {
  ++clicks_[c];
  value_[c] += value;
}

void PacingMetrics::on_conversion(CampaignId c, double value) {
  ++conversions_[c];
  value_[c] += value;
}

void PacingMetrics::on_request(SimTime now, std::uint32_t participants) {
  const auto h = static_cast<std::size_t>(core::time_of_day(now) / core::kHour);
  ++requests_by_hour_[h];
  participants_by_hour_[h] += participants;
}

void PacingMetrics::take_sample(CampaignId c, SimTime now, double target, bool in_stats) {
  const double b = day_budget_[c];
  const double spent = day_spend_[c].as_double_micros();
  const double slot = ((spent - prev_spend_[c]) - (target - prev_target_[c])) / b;
  if (in_stats) {
    sum_sq_slot_[c] += slot * slot;
    ++slots_[c];
    if (now - day_start_ >= config_.warmup) {
      const double dev = std::abs(spent - target) / b;
      sum_dev_[c] += dev;
      max_dev_[c] = std::max(max_dev_[c], dev);
      ++samples_[c];
    }
  }
  prev_spend_[c] = spent;
  prev_target_[c] = target;
  if (config_.keep_trace) trace_.push_back({now, c, spent, target, b});
}

void PacingMetrics::sample(SimTime now) {
  const SimTime t = now - day_start_;
  if (t <= 0 || t >= kDay) return;
  for (std::size_t i = 0; i < day_budget_.size(); ++i) {
    const auto c = static_cast<CampaignId>(i);
    if (day_budget_[c] > 0.0) take_sample(c, now, plan_.target_spend(c, now), true);
  }
}

void PacingMetrics::close_day(SimTime now, bool full_day) {
  if (now - day_start_ <= 0) return;
  for (std::size_t i = 0; i < day_budget_.size(); ++i) {
    const auto c = static_cast<CampaignId>(i);
    const double b = day_budget_[c];
    if (b > 0.0) {
      // At the end of a day every plan is complete; a run that stops mid-day is judged on the part
      // of the plan it covered.
      const double target = full_day ? b : plan_.target_spend(c, now);
      take_sample(c, now, target, true);
      planned_[c] += target;
      under_[c] += std::max(0.0, target - day_spend_[c].as_double_micros());
      ++days_[c];
    }
    spend_[c] += day_spend_[c];
  }
}

void PacingMetrics::start_day(SimTime now) {
  close_day(now, true);
  day_start_ = now;
  for (std::size_t i = 0; i < day_budget_.size(); ++i) {
    const auto c = static_cast<CampaignId>(i);
    day_budget_[c] = plan_.day_budget(c);
    day_spend_[c] = Money{0};
    prev_spend_[c] = 0.0;
    prev_target_[c] = 0.0;
    exhausted_today_[c] = 0;
  }
}

void PacingMetrics::finish(SimTime now) {
  close_day(now, now - day_start_ >= kDay);
  day_start_ = now;
  std::fill(day_spend_.begin(), day_spend_.end(), Money{0});
  std::fill(day_budget_.begin(), day_budget_.end(), 0.0);
}

CampaignPacingStats PacingMetrics::campaign(CampaignId c) const {
  CampaignPacingStats s;
  s.campaign = c;
  s.days = days_[c];
  s.samples = samples_[c];
  s.mean_abs_deviation = samples_[c] ? sum_dev_[c] / static_cast<double>(samples_[c]) : 0.0;
  s.max_abs_deviation = max_dev_[c];
  s.rms_slot_error = slots_[c] ? std::sqrt(sum_sq_slot_[c] / static_cast<double>(slots_[c])) : 0.0;
  s.planned = planned_[c];
  s.spend = spend_[c];
  s.overspend = overspend_[c];
  s.forgone = forgone_[c];
  s.utilization = planned_[c] > 0 ? spend_[c].as_double_micros() / planned_[c] : 0.0;
  s.underdelivery = planned_[c] > 0 ? under_[c] / planned_[c] : 0.0;
  s.days_exhausted = days_exhausted_[c];
  s.first_exhausted_at = first_exhausted_[c];
  s.mean_exhaustion_hour = days_exhausted_[c] ? sum_exhaust_hour_[c] / days_exhausted_[c] : -1.0;
  s.charges = charges_[c];
  s.clicks = clicks_[c];
  s.conversions = conversions_[c];
  s.value = value_[c];
  const double spend = spend_[c].as_double_micros();
  s.surplus = value_[c] - spend;
  s.avg_cpc = clicks_[c] ? spend / static_cast<double>(clicks_[c]) : 0.0;
  s.clicks_per_unit = spend > 0 ? static_cast<double>(clicks_[c]) / spend_[c].units() : 0.0;
  s.conversions_per_unit = spend > 0 ? static_cast<double>(conversions_[c]) / spend_[c].units() : 0.0;
  return s;
}

std::vector<CampaignPacingStats> PacingMetrics::campaigns() const {
  std::vector<CampaignPacingStats> out;
  out.reserve(day_budget_.size());
  for (std::size_t c = 0; c < day_budget_.size(); ++c) out.push_back(campaign(static_cast<CampaignId>(c)));
  return out;
}

PacingSummary PacingMetrics::summary() const {
  PacingSummary s;
  double weighted_mean = 0.0, weighted_sq = 0.0, under = 0.0, paced_spend = 0.0;
  std::uint64_t days = 0, exhausted = 0;
  for (std::size_t i = 0; i < day_budget_.size(); ++i) {
    const CampaignPacingStats c = campaign(static_cast<CampaignId>(i));
    s.spend += c.spend;
    s.overspend += c.overspend;
    s.forgone += c.forgone;
    s.charges += c.charges;
    s.clicks += c.clicks;
    s.conversions += c.conversions;
    s.value += c.value;
    if (c.days == 0) continue;
    ++s.campaigns;
    s.planned += c.planned;
    paced_spend += c.spend.as_double_micros();
    weighted_mean += c.planned * c.mean_abs_deviation;
    weighted_sq += c.planned * c.rms_slot_error * c.rms_slot_error;
    s.max_abs_deviation = std::max(s.max_abs_deviation, c.max_abs_deviation);
    under += c.underdelivery * c.planned;
    days += c.days;
    exhausted += c.days_exhausted;
  }
  const double spend = s.spend.as_double_micros();
  if (s.planned > 0) {
    s.mean_abs_deviation = weighted_mean / s.planned;
    s.rms_slot_error = std::sqrt(weighted_sq / s.planned);
    s.utilization = paced_spend / s.planned;
    s.underdelivery = under / s.planned;
  }
  s.exhausted_share = days ? static_cast<double>(exhausted) / static_cast<double>(days) : 0.0;
  s.surplus = s.value - spend;
  s.avg_cpc = s.clicks ? spend / static_cast<double>(s.clicks) : 0.0;
  s.revenue = s.spend;
  s.avg_price = s.charges ? spend / static_cast<double>(s.charges) : 0.0;
  s.requests_by_hour = requests_by_hour_;
  s.participants_by_hour = participants_by_hour_;
  s.revenue_by_hour = revenue_by_hour_;
  for (std::size_t h = 0; h < s.density_by_hour.size(); ++h) {
    s.density_by_hour[h] = requests_by_hour_[h]
                               ? static_cast<double>(participants_by_hour_[h]) / static_cast<double>(requests_by_hour_[h])
                               : 0.0;
    s.avg_price_by_hour[h] = charges_by_hour_[h] ? revenue_by_hour_[h] / static_cast<double>(charges_by_hour_[h]) : 0.0;
  }
  return s;
}

}  // namespace adsim::pacing

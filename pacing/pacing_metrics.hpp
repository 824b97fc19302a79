#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/budget_ledger.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/sim_time.hpp"
#include "pacing/spend_curve.hpp"
#include "pacing/spend_plan.hpp"

namespace adsim::pacing {

struct MetricsConfig {
  core::SimTime sample_interval = 15 * core::kMinute;
  // Samples taken earlier in the day than this are left out of the deviation statistics (the
  // controller's warm-up); slot errors are still accumulated.
  core::SimTime warmup = 0;
  bool keep_trace = false;  // keep every sample (for spend-curve plots)
};

// One sample of one campaign's cumulative spend today against its plan. Money in micros.
struct TracePoint {
  core::SimTime time = 0;
  core::CampaignId campaign = 0;
  double spent = 0.0;
  double target = 0.0;
  double budget = 0.0;
};

// Per campaign, over every closed day on which it had a positive plan. Shares are of the day budget
// B; money in micros unless a Money.
struct CampaignPacingStats {
  core::CampaignId campaign = 0;
  std::uint32_t days = 0;       // days with a plan (B > 0)
  std::uint64_t samples = 0;    // samples in the deviation statistics
  double mean_abs_deviation = 0.0;  // mean over samples of |S - T| / B
  double max_abs_deviation = 0.0;   // max over samples of |S - T| / B
  double rms_slot_error = 0.0;      // sqrt(mean over slots of ((s - g) / B)^2), slot = sample interval
  double planned = 0.0;             // sum of day budgets
  core::Money spend{0};             // billed
  core::Money overspend{0};         // the part of billed charges past the budget
  core::Money forgone{0};           // charges not billed because the budget was already spent
  double utilization = 0.0;         // spend / planned
  double underdelivery = 0.0;       // sum over days of max(0, B - S_day) / planned
  std::uint32_t days_exhausted = 0; // days the ledger's budget ran out
  core::SimTime first_exhausted_at = -1;  // absolute time, -1: never
  double mean_exhaustion_hour = -1.0;     // hour of day, over the days exhausted; -1: never
  std::uint64_t charges = 0;
  std::uint64_t clicks = 0;
  std::uint64_t conversions = 0;
  double value = 0.0;    // advertiser value of clicks and conversions
  double surplus = 0.0;  // value - spend
  double avg_cpc = 0.0;  // spend per click
  double clicks_per_unit = 0.0;       // clicks per currency unit of spend
  double conversions_per_unit = 0.0;  // conversions per currency unit of spend
};

// Overall: tracking figures are weighted by planned budget; the platform side is through the day.
struct PacingSummary {
  std::uint32_t campaigns = 0;  // with at least one planned day
  double mean_abs_deviation = 0.0;
  double max_abs_deviation = 0.0;
  double rms_slot_error = 0.0;
  double planned = 0.0;
  core::Money spend{0};      // every campaign's, paced or not
  core::Money overspend{0};
  core::Money forgone{0};
  double utilization = 0.0;  // spend of the paced campaigns / planned
  double underdelivery = 0.0;
  double exhausted_share = 0.0;  // campaign-days exhausted / campaign-days planned
  std::uint64_t charges = 0, clicks = 0, conversions = 0;
  double value = 0.0, surplus = 0.0, avg_cpc = 0.0;
  // Platform side.
  core::Money revenue{0};  // all billed charges (= spend)
  double avg_price = 0.0;  // revenue per billed charge
  std::array<std::uint64_t, kHoursPerDay> requests_by_hour{};
  std::array<std::uint64_t, kHoursPerDay> participants_by_hour{};  // candidates left in after pacing
  std::array<double, kHoursPerDay> revenue_by_hour{};
  std::array<double, kHoursPerDay> density_by_hour{};  // participants per request
  std::array<double, kHoursPerDay> avg_price_by_hour{};
};

// Tracks every campaign's cumulative spend against its target curve, sampled at fixed intervals,
// and the outcomes that pacing trades off. It keeps its own per-day spend from on_charge, so the
// order of the day-boundary calls does not matter beyond: start_day() after the pacer's
// on_day_start() (it reads the new day's plan). Holds references: the ledger and the plan (usually
// PacerBase::plan()) must outlive it.
//
// Calls: on_charge() for every charge with the ledger's result; on_click() / on_conversion() as
// they happen; on_request() per request; sample() every sample_interval(); start_day() at each day
// boundary; finish() at the end of the run. Statistics cover closed days.
class PacingMetrics {
 public:
  PacingMetrics(const core::BudgetLedger& ledger, const SpendPlan& plan, MetricsConfig config = {});

  core::SimTime sample_interval() const { return config_.sample_interval; }

  void on_charge(core::CampaignId c, const core::BudgetLedger::ChargeResult& charge, core::SimTime now);
  void on_click(core::CampaignId c, double value = 0.0);
  void on_conversion(core::CampaignId c, double value = 0.0);
  void on_request(core::SimTime now, std::uint32_t participants);
  // Samples every campaign with a plan today (times at the very start or past the end of the day
  // are skipped: the day's close takes the final sample).
  void sample(core::SimTime now);
  // Closes the previous day (its final sample is against the full day budget) and opens this one.
  void start_day(core::SimTime now);
  // Closes the current day at `now`, against the plan's target at `now`.
  void finish(core::SimTime now);

  CampaignPacingStats campaign(core::CampaignId c) const;
  std::vector<CampaignPacingStats> campaigns() const;
  PacingSummary summary() const;
  const std::vector<TracePoint>& trace() const { return trace_; }

 private:
  void take_sample(core::CampaignId c, core::SimTime now, double target, bool in_stats);
  void close_day(core::SimTime now, bool full_day);

  const core::BudgetLedger& ledger_;
  const SpendPlan& plan_;
  MetricsConfig config_;
  core::SimTime day_start_ = 0;
  // Current day, per campaign.
  std::vector<double> day_budget_, prev_spend_, prev_target_;
  std::vector<core::Money> day_spend_;
  std::vector<std::uint8_t> exhausted_today_;
  // Accumulated over closed days (and samples so far).
  std::vector<std::uint64_t> samples_, slots_;
  std::vector<double> sum_dev_, max_dev_, sum_sq_slot_, planned_, under_, sum_exhaust_hour_;
  std::vector<core::Money> spend_, overspend_, forgone_;
  std::vector<std::uint32_t> days_, days_exhausted_;
  std::vector<core::SimTime> first_exhausted_;
  std::vector<std::uint64_t> charges_, clicks_, conversions_;
  std::vector<double> value_;
  std::array<std::uint64_t, kHoursPerDay> requests_by_hour_{}, participants_by_hour_{}, charges_by_hour_{};
  std::array<double, kHoursPerDay> revenue_by_hour_{};
  std::vector<TracePoint> trace_;
};

}  // namespace adsim::pacing

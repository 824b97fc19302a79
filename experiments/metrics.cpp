#include "experiments/metrics.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <optional>

namespace adsim::experiments {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double or_nan(bool defined, double value) { return defined ? value : kNaN; }
double count(std::uint64_t v) { return static_cast<double>(v); }

// Mean over the campaigns a pacer plans for of how far cumulative spend strayed from the plan
// (root mean square over snapshots, as a share of the daily budget).
double pacing_error(const RunFacts& f) {
  double sum = 0.0;
  std::size_t n = 0;
  for (const auto& c : f.campaigns) {
    if (c.pacer.empty() || c.pacer == "none") continue;
    sum += c.totals.pacing_rms_error;
    ++n;
  }
  return n > 0 ? sum / static_cast<double>(n) : kNaN;
}

// Spend over budget across the campaigns that have one: the budget of each is recovered from its
// utilization (spend / (daily budget x days in flight)).
double budget_utilization(const RunFacts& f) {
  double spend = 0.0, budget = 0.0;
  for (const auto& c : f.campaigns) {
    if (c.totals.daily_budget.micros <= 0) continue;
    if (c.totals.utilization > 0) {
      spend += c.totals.spend.as_double_micros();
      budget += c.totals.spend.as_double_micros() / c.totals.utilization;
    } else {
      budget += c.totals.daily_budget.as_double_micros();  // spent nothing: at least one day's budget
    }
  }
  return budget > 0 ? spend / budget : kNaN;
}

// Auto-bid campaigns pooled: cost over what their targets allow. Cost: spend (tCPA), target ROAS x
// spend (tROAS); allowance: target CPA x attributed conversions (tCPA), attributed conversion value
// (tROAS). 1: the targets bind; below 1: they are slack (budget-bound); above: overshoot.
double auto_bid_cost_ratio(const RunFacts& f) {
  double cost = 0.0, allowed = 0.0;
  for (const auto& row : f.campaigns) {
    const core::CampaignTotals& c = row.totals;
    const double spend = c.spend.as_double_micros();
    const double conversions = static_cast<double>(c.attributed_conversions);
    if (c.bidding == core::BiddingKind::kTargetCpa) {
      cost += spend;
      allowed += c.auto_bid_target * conversions;
    } else if (c.bidding == core::BiddingKind::kTargetRoas) {
      cost += c.auto_bid_target * spend;
      allowed += conversions * c.value_per_conversion;
    }
  }
  return allowed > 0 ? cost / allowed : kNaN;
}

// Advertisers' surplus (value - spend) of the campaigns that bid one way, currency units; NaN when
// no campaign bids that way.
double surplus_of(const RunFacts& f, core::BiddingKind kind) {
  double surplus = 0.0;
  bool any = false;
  for (const auto& row : f.campaigns) {
    if (row.totals.bidding != kind) continue;
    any = true;
    surplus += row.totals.surplus;
  }
  return any ? surplus / 1e6 : kNaN;
}

// An A/B test's arms summed over the whole run (day 0), or over the intervals of its first (1) or
// last (2) day, as revenue_of_day picks them; nullopt without a test, or for a day of a run under
// two days.
std::optional<std::array<core::ArmTotals, 2>> arms_of(const RunFacts& f, int day) {
  const auto& [control, treatment] = f.run.arms;
  if (control.users == 0 || treatment.users == 0) return std::nullopt;
  if (day == 0) return f.run.arms;
  const core::SimTime end = f.run.simulated_us;
  if (end < 2 * core::kDay || f.intervals.empty()) return std::nullopt;
  std::array<core::ArmTotals, 2> sum{};
  for (std::size_t a = 0; a < 2; ++a) sum[a].users = f.run.arms[a].users;  // assigned
  for (const auto& row : f.intervals) {
    const core::SimTime start = row.metrics.start;
    if (day == 2 ? start < end - core::kDay : start >= core::kDay) continue;
    for (std::size_t a = 0; a < 2; ++a) {
      sum[a].requests += row.metrics.arms[a].requests;
      sum[a].impressions += row.metrics.arms[a].impressions;
      sum[a].clicks += row.metrics.arms[a].clicks;
      sum[a].revenue += row.metrics.arms[a].revenue;
    }
  }
  return sum;
}

// The treatment arm's `of` per `per` (requests, or assigned users: users a treatment drives away
// make no requests, so only per user counts them) over the control arm's, minus 1.
template <class Of>
double arm_lift(const RunFacts& f, int day, Of of, bool per_user) {
  const auto arms = arms_of(f, day);
  if (!arms) return kNaN;
  auto rate = [&](const core::ArmTotals& a) {
    const auto n = per_user ? a.users : a.requests;
    return n > 0 ? of(a) / static_cast<double>(n) : kNaN;
  };
  const double c = rate((*arms)[0]);
  const double t = rate((*arms)[1]);
  return c > 0 ? t / c - 1.0 : kNaN;
}
double arm_revenue(const core::ArmTotals& a) { return a.revenue.as_double_micros(); }
double arm_clicks(const core::ArmTotals& a) { return static_cast<double>(a.clicks); }

// The treatment arm's share of users still there at the end over the control arm's, minus 1.
double ab_retention_lift(const RunFacts& f) {
  const auto& [control, treatment] = f.run.arms;
  if (control.users == 0 || treatment.users == 0 || f.intervals.empty()) return kNaN;
  const auto& stayed = f.intervals.back().metrics.arms;
  const double c = static_cast<double>(stayed[0].users) / static_cast<double>(control.users);
  const double t = static_cast<double>(stayed[1].users) / static_cast<double>(treatment.users);
  return c > 0 ? t / c - 1.0 : kNaN;
}

// Off-policy evaluation (model.ope_target): one estimate of the target's top-slot clicks per request,
// or its error relative to the true value (estimate / truth - 1); NaN without evaluation.
double ope_estimate(const RunFacts& f, double core::OffPolicyEstimates::*m) {
  if (f.run.off_policy.requests == 0) return kNaN;
  return f.run.off_policy.estimates().*m;
}
double ope_relative(const RunFacts& f, double core::OffPolicyEstimates::*m, bool error) {
  if (f.run.off_policy.requests == 0) return kNaN;
  const core::OffPolicyEstimates e = f.run.off_policy.estimates();
  if (!(e.truth > 0)) return kNaN;
  return error ? e.*m / e.truth - 1.0 : e.*m / e.truth;
}

// Revenue of the intervals that start in the run's first day, or in its last (the day before the
// run's end), currency units; NaN for a run shorter than two days (the days would overlap).
double revenue_of_day(const RunFacts& f, bool last) {
  const core::SimTime end = f.run.simulated_us;
  if (end < 2 * core::kDay || f.intervals.empty()) return kNaN;
  core::Money revenue;
  for (const auto& row : f.intervals) {
    const core::SimTime start = row.metrics.start;
    if (last ? start >= end - core::kDay : start < core::kDay) revenue += row.metrics.counts.revenue;
  }
  return revenue.units();
}

double exhausted_share(const RunFacts& f) {
  if (f.campaigns.empty()) return kNaN;
  std::size_t n = 0;
  for (const auto& c : f.campaigns) n += c.totals.first_exhausted_at >= 0 ? 1 : 0;
  return static_cast<double>(n) / static_cast<double>(f.campaigns.size());
}

// One surface's figures, NaN when the run has no search traffic (then the split says nothing new)
// or the surface has nothing to divide by.
struct SurfaceCtr {
  static double ctr(const core::SurfaceCounters& c, const core::ModelMetrics&) {
    return c.impressions ? static_cast<double>(c.clicks) / static_cast<double>(c.impressions) : kNaN;
  }
  static double rpm(const core::SurfaceCounters& c, const core::ModelMetrics&) {
    return c.requests ? 1000.0 * c.revenue.units() / static_cast<double>(c.requests) : kNaN;
  }
  static double fill(const core::SurfaceCounters& c, const core::ModelMetrics&) {
    return c.requests ? static_cast<double>(c.filled_requests) / static_cast<double>(c.requests) : kNaN;
  }
  static double reserve_bind(const core::SurfaceCounters& c, const core::ModelMetrics&) {
    return c.impressions ? static_cast<double>(c.reserve_bound) / static_cast<double>(c.impressions) : kNaN;
  }
  static double model_calibration(const core::SurfaceCounters&, const core::ModelMetrics& m) {
    return m.clicks > 0 ? m.calibration_ratio : kNaN;
  }
};
double surface_ratio(const RunFacts& f, core::Surface surface,
                     double (*figure)(const core::SurfaceCounters&, const core::ModelMetrics&)) {
  if (f.run.totals.surface[static_cast<std::size_t>(core::Surface::kSearch)].requests == 0) return kNaN;
  const auto i = static_cast<std::size_t>(surface);
  return figure(f.run.totals.surface[i], f.run.surface_model[i]);
}

// A metric of marketplace runs only.
MetricDef market(std::string name, std::string label, std::string unit, Better better, int digits,
                 std::function<double(const RunFacts&)> value) {
  return MetricDef{std::move(name), std::move(label), std::move(unit), better, digits, true, false, std::move(value)};
}

// A metric of both kinds: `auction_only` reads the auction-only report.
MetricDef both(std::string name, std::string label, std::string unit, Better better, int digits,
               std::function<double(const RunFacts&)> marketplace,
               std::function<double(const auction::AuctionMetricsReport&)> auction_only) {
  return MetricDef{std::move(name), std::move(label), std::move(unit), better, digits, true, true,
                   [marketplace, auction_only](const RunFacts& f) {
                     return f.auction_only != nullptr ? auction_only(f.auction_only->metrics) : marketplace(f);
                   }};
}

MetricDef auction_only(std::string name, std::string label, std::string unit, Better better, int digits,
                       std::function<double(const auction::AuctionMetricsReport&)> value) {
  return MetricDef{std::move(name), std::move(label), std::move(unit), better, digits, false, true,
                   [value](const RunFacts& f) { return f.auction_only != nullptr ? value(f.auction_only->metrics) : kNaN; }};
}

std::vector<MetricDef> make_metrics() {
  using B = Better;
  using M = auction::AuctionMetricsReport;
  const auto t = [](const RunFacts& f) -> const core::Counters& { return f.run.totals; };
  const auto r = [](const RunFacts& f) -> const core::Rates& { return f.run.rates; };
  const auto model = [](const RunFacts& f) -> const core::ModelMetrics& { return f.run.model; };
  const auto has_model = [](const RunFacts& f) { return f.run.model.examples > 0; };
  return {
      // Traffic and revenue.
      market("revenue", "revenue", "currency units", B::kHigher, 2, [=](const RunFacts& f) { return t(f).revenue.units(); }),
      market("revenue_first_day", "revenue, first day", "currency units", B::kHigher, 2,
             [](const RunFacts& f) { return revenue_of_day(f, false); }),
      market("revenue_last_day", "revenue, last day", "currency units", B::kHigher, 2,
             [](const RunFacts& f) { return revenue_of_day(f, true); }),
      market("rpm", "RPM", "currency / 1000 req.", B::kHigher, 3, [=](const RunFacts& f) { return r(f).rpm; }),
      market("ctr", "CTR", "clicks / impression", B::kHigher, 5, [=](const RunFacts& f) { return r(f).ctr; }),
      both("fill_rate", "fill rate", "share of requests", B::kHigher, 4, [=](const RunFacts& f) { return r(f).fill_rate; },
           [](const M& m) { return m.fill_rate; }),
      market("avg_cpc", "average CPC", "currency / click", B::kNeither, 4,
             [=](const RunFacts& f) { return or_nan(t(f).billed_clicks > 0, r(f).avg_cpc); }),
      market("clicks", "clicks", "count", B::kHigher, 0, [=](const RunFacts& f) { return count(t(f).clicks); }),
      market("conversions", "conversions", "count", B::kHigher, 0,
             [=](const RunFacts& f) { return count(t(f).conversions); }),
      market("advertiser_value", "advertiser value", "currency units", B::kHigher, 2,
             [=](const RunFacts& f) { return t(f).advertiser_value / 1e6; }),
      market("advertiser_surplus", "advertiser surplus", "currency units", B::kHigher, 2,
             [=](const RunFacts& f) { return r(f).advertiser_surplus; }),
      // Auction.
      auction_only("revenue_per_auction", "revenue / auction", "currency units", B::kHigher, 5,
                   [](const M& m) { return m.revenue; }),
      auction_only("surplus_per_auction", "surplus / auction", "currency units", B::kHigher, 5,
                   [](const M& m) { return m.surplus; }),
      auction_only("welfare_per_auction", "welfare / auction", "currency units", B::kHigher, 5,
                   [](const M& m) { return m.welfare; }),
      both("efficiency", "efficiency", "welfare / best of every eligible ad", B::kHigher, 4,
           [=](const RunFacts& f) { return or_nan(t(f).efficiency_samples > 0, r(f).efficiency); },
           [](const M& m) { return m.efficiency; }),
      market("auction_efficiency", "efficiency of the auction", "welfare / best of its candidates", B::kHigher, 4,
             [=](const RunFacts& f) { return or_nan(t(f).efficiency_samples > 0, r(f).auction_efficiency); }),
      both("price_to_bid", "price / bid", "ratio", B::kNeither, 4, [=](const RunFacts& f) { return r(f).price_to_bid; },
           [](const M& m) { return m.price_to_bid; }),
      both("reserve_bind_rate", "reserve-bind rate", "share of shown ads", B::kNeither, 4,
           [=](const RunFacts& f) { return r(f).reserve_bind_rate; }, [](const M& m) { return m.reserve_bind_rate; }),
      auction_only("no_ad_due_to_reserve", "no ad (reserve)", "share of auctions", B::kLower, 4,
                   [](const M& m) { return m.no_ad_due_to_reserve_rate; }),
      // Counter-metrics.
      market("hides", "hides", "count", B::kLower, 0, [=](const RunFacts& f) { return count(t(f).hides); }),
      market("hide_rate", "hide rate", "hides / impression", B::kLower, 5, [=](const RunFacts& f) { return r(f).hide_rate; }),
      market("reports", "reports", "count", B::kLower, 0, [=](const RunFacts& f) { return count(t(f).reports); }),
      market("report_rate", "report rate", "reports / impression", B::kLower, 6,
             [=](const RunFacts& f) { return r(f).report_rate; }),
      market("users_left", "users who left", "users", B::kLower, 0, [=](const RunFacts& f) { return count(t(f).users_left); }),
      market("mean_fatigue", "mean fatigue", "fatigue", B::kLower, 4,
             [](const RunFacts& f) { return f.run.mean_fatigue; }),
      // Platform and click model.
      market("calibration", "pCTR / true CTR", "ratio, 1 = calibrated", B::kTowardOne, 4,
             [=](const RunFacts& f) { return or_nan(t(f).sum_true_ctr_shown > 0, r(f).calibration_ratio); }),
      market("auc", "AUC", "probability", B::kHigher, 4, [=](const RunFacts& f) { return or_nan(has_model(f), model(f).auc); }),
      market("normalized_entropy", "normalized entropy", "ratio", B::kLower, 4,
             [=](const RunFacts& f) { return or_nan(has_model(f), model(f).normalized_entropy); }),
      market("log_loss", "log loss", "nats / example", B::kLower, 5,
             [=](const RunFacts& f) { return or_nan(has_model(f), model(f).log_loss); }),
      market("model_calibration", "model p / clicks", "ratio, 1 = calibrated", B::kTowardOne, 4,
             [=](const RunFacts& f) { return or_nan(has_model(f), model(f).calibration_ratio); }),
      market("ece", "ECE", "probability", B::kLower, 5, [=](const RunFacts& f) { return or_nan(has_model(f), model(f).ece); }),
      market("prior_share", "pCTR from prior", "share of predictions", B::kLower, 4,
             [=](const RunFacts& f) {
               return or_nan(t(f).candidates_ranked > 0, static_cast<double>(f.run.prior_predictions) /
                                                            static_cast<double>(t(f).candidates_ranked));
             }),
      market("model_staleness", "model staleness", "simulated minutes", B::kLower, 1,
             [](const RunFacts& f) {
               return or_nan(f.run.model_training.retrains > 0, f.run.model_training.mean_staleness_seconds / 60.0);
             }),
      market("model_train_seconds", "training time", "wall seconds per retrain", B::kLower, 3,
             [](const RunFacts& f) {
               const core::ModelTrainingStats& m = f.run.model_training;
               return or_nan(m.retrains > 0, m.train_wall_seconds / static_cast<double>(m.retrains));
             }),
      market("funnel_cost", "funnel cost", "us / request", B::kLower, 1,
             [=](const RunFacts& f) { return r(f).funnel_cost_us_per_request; }),
      // Budgets and pacing.
      market("pacing_error", "pacing error", "RMS share of budget", B::kLower, 4, pacing_error),
      // Smart Pacing's average pacing error over every campaign with a plan, paced or not.
      market("smart_pacing_error", "Smart Pacing error", "RMS interval error / mean interval plan", B::kLower, 3,
             [](const RunFacts& f) { return f.run.smart_pacing_error; }),
      market("budget_utilization", "budget utilization", "spend / budget", B::kHigher, 4, budget_utilization),
      market("exhausted_share", "campaigns exhausted", "share of campaigns", B::kNeither, 4, exhausted_share),
      market("late_click_share", "late clicks", "share of clicks", B::kLower, 4,
             [=](const RunFacts& f) {
               return or_nan(t(f).clicks > 0, static_cast<double>(t(f).late_clicks) / static_cast<double>(t(f).clicks));
             }),
      market("late_conversion_share", "late conversions", "share of conversions", B::kLower, 4,
             [=](const RunFacts& f) {
               return or_nan(t(f).conversions > 0,
                             static_cast<double>(t(f).late_conversions) / static_cast<double>(t(f).conversions));
             }),
      market("overspend", "overspend", "currency units", B::kLower, 2, [=](const RunFacts& f) { return t(f).overspend.units(); }),
      market("forgone", "unbilled clicks", "currency units", B::kLower, 2, [=](const RunFacts& f) { return t(f).forgone.units(); }),
      market("auto_bid_violation", "auto-bid violation", "share of target", B::kLower, 4,
             [](const RunFacts& f) { return or_nan(f.run.auto_bid.campaigns > 0, f.run.auto_bid.mean_violation); }),
      market("auto_bid_cost_ratio", "auto-bid cost / allowance", "ratio, 1 = targets bind", B::kNeither, 4,
             auto_bid_cost_ratio),
      market("surplus_manual", "surplus, manual bids", "currency units", B::kHigher, 2,
             [](const RunFacts& f) { return surplus_of(f, core::BiddingKind::kManual); }),
      market("surplus_tcpa", "surplus, target CPA", "currency units", B::kHigher, 2,
             [](const RunFacts& f) { return surplus_of(f, core::BiddingKind::kTargetCpa); }),
      market("surplus_troas", "surplus, target ROAS", "currency units", B::kHigher, 2,
             [](const RunFacts& f) { return surplus_of(f, core::BiddingKind::kTargetRoas); }),
      // What exploration forwent: its requests at the exploiting requests' revenue per request, less
      // what they earned, as a share of revenue (0 without exploration).
      market("explore_cost", "exploration cost", "share of revenue", B::kLower, 4,
             [=](const RunFacts& f) {
               const auto& c = t(f);
               const double exploit_requests = static_cast<double>(c.requests - c.explore_requests);
               if (c.revenue.micros <= 0 || exploit_requests <= 0) return kNaN;
               const double exploit_rpr = (c.revenue - c.explore_revenue).as_double_micros() / exploit_requests;
               return (static_cast<double>(c.explore_requests) * exploit_rpr - c.explore_revenue.as_double_micros()) /
                      c.revenue.as_double_micros();
             }),
      // In-simulation A/B test (auction.ab_share): what the user-split test reports, the treatment
      // arm's figure per request over the control's, minus 1 (NaN without a test).
      market("ab_revenue_lift", "A/B: revenue per request lift", "treatment / control - 1", B::kNeither, 4,
             [](const RunFacts& f) { return arm_lift(f, 0, arm_revenue, false); }),
      market("ab_clicks_lift", "A/B: clicks per request lift", "treatment / control - 1", B::kNeither, 4,
             [](const RunFacts& f) { return arm_lift(f, 0, arm_clicks, false); }),
      // The same test read as a holdout: per assigned user, over the run, its first and last day,
      // and who stayed (NaN without a test; the days also for runs under two days).
      market("ab_user_revenue_lift", "A/B: revenue per user lift", "treatment / control - 1", B::kNeither, 4,
             [](const RunFacts& f) { return arm_lift(f, 0, arm_revenue, true); }),
      market("ab_user_revenue_lift_first_day", "A/B: revenue per user lift, first day", "treatment / control - 1",
             B::kNeither, 4, [](const RunFacts& f) { return arm_lift(f, 1, arm_revenue, true); }),
      market("ab_user_revenue_lift_last_day", "A/B: revenue per user lift, last day", "treatment / control - 1",
             B::kNeither, 4, [](const RunFacts& f) { return arm_lift(f, 2, arm_revenue, true); }),
      market("ab_clicks_lift_first_day", "A/B: clicks per request lift, first day", "treatment / control - 1",
             B::kNeither, 4, [](const RunFacts& f) { return arm_lift(f, 1, arm_clicks, false); }),
      market("ab_clicks_lift_last_day", "A/B: clicks per request lift, last day", "treatment / control - 1",
             B::kNeither, 4, [](const RunFacts& f) { return arm_lift(f, 2, arm_clicks, false); }),
      market("ab_retention_lift", "A/B: users kept lift", "treatment / control - 1", B::kNeither, 4, ab_retention_lift),
      // Cold start: ads that arrived during the run (NaN without any).
      market("new_ad_impression_share", "new ads' impressions", "share of impressions", B::kNeither, 4,
             [](const RunFacts& f) {
               const auto& n = f.run.new_ads;
               return or_nan(n.ads > 0 && f.run.totals.impressions > 0,
                             static_cast<double>(n.impressions) / static_cast<double>(f.run.totals.impressions));
             }),
      market("new_ad_revenue_share", "new ads' revenue", "share of revenue", B::kNeither, 4,
             [](const RunFacts& f) {
               const auto& n = f.run.new_ads;
               return or_nan(n.ads > 0 && f.run.totals.revenue.micros > 0,
                             n.revenue.as_double_micros() / f.run.totals.revenue.as_double_micros());
             }),
      market("new_ads_clicked", "new ads clicked", "share of new ads", B::kHigher, 4,
             [](const RunFacts& f) {
               const auto& n = f.run.new_ads;
               return or_nan(n.ads > 0, static_cast<double>(n.clicked) / static_cast<double>(n.ads));
             }),
      market("new_ad_first_click_hours", "hours to a new ad's first click", "hours (median)", B::kLower, 2,
             [](const RunFacts& f) { return or_nan(f.run.new_ads.ads > 0, f.run.new_ads.median_hours_to_first_click); }),
      market("new_ad_ctr_error", "new ads' CTR error", "|pCTR - CTR| / CTR", B::kLower, 4,
             [](const RunFacts& f) { return or_nan(f.run.new_ads.ads > 0, f.run.new_ads.ctr_error); }),
      market("new_ad_ctr_rank_correlation", "new ads: pCTR vs CTR rank correlation", "Spearman", B::kHigher, 4,
             [](const RunFacts& f) { return or_nan(f.run.new_ads.ads > 0, f.run.new_ads.ctr_rank_correlation); }),
      // Off-policy evaluation of model.ope_target from the logged traffic (NaN without): the target's
      // top-slot clicks per request, true and estimated, and each estimate's error.
      market("ope_true", "OPE: target's true top-slot CTR", "clicks / request", B::kNeither, 5,
             [](const RunFacts& f) { return ope_estimate(f, &core::OffPolicyEstimates::truth); }),
      market("ope_logged", "OPE: logged top-slot CTR", "clicks / request", B::kNeither, 5,
             [](const RunFacts& f) { return ope_estimate(f, &core::OffPolicyEstimates::logged); }),
      market("ope_ips", "OPE: IPS estimate", "clicks / request", B::kNeither, 5,
             [](const RunFacts& f) { return ope_estimate(f, &core::OffPolicyEstimates::ips); }),
      market("ope_snips", "OPE: SNIPS estimate", "clicks / request", B::kNeither, 5,
             [](const RunFacts& f) { return ope_estimate(f, &core::OffPolicyEstimates::snips); }),
      market("ope_dm", "OPE: direct-method estimate", "clicks / request", B::kNeither, 5,
             [](const RunFacts& f) { return ope_estimate(f, &core::OffPolicyEstimates::dm); }),
      market("ope_dr", "OPE: doubly robust estimate", "clicks / request", B::kNeither, 5,
             [](const RunFacts& f) { return ope_estimate(f, &core::OffPolicyEstimates::dr); }),
      market("ope_ips_error", "OPE: IPS error", "estimate / truth - 1", B::kNeither, 4,
             [](const RunFacts& f) { return ope_relative(f, &core::OffPolicyEstimates::ips, true); }),
      market("ope_snips_error", "OPE: SNIPS error", "estimate / truth - 1", B::kNeither, 4,
             [](const RunFacts& f) { return ope_relative(f, &core::OffPolicyEstimates::snips, true); }),
      market("ope_dm_error", "OPE: direct-method error", "estimate / truth - 1", B::kNeither, 4,
             [](const RunFacts& f) { return ope_relative(f, &core::OffPolicyEstimates::dm, true); }),
      market("ope_dr_error", "OPE: doubly robust error", "estimate / truth - 1", B::kNeither, 4,
             [](const RunFacts& f) { return ope_relative(f, &core::OffPolicyEstimates::dr, true); }),
      market("ope_ips_se", "OPE: IPS standard error", "share of truth", B::kLower, 4,
             [](const RunFacts& f) { return ope_relative(f, &core::OffPolicyEstimates::ips_se, false); }),
      market("ope_dr_se", "OPE: doubly robust standard error", "share of truth", B::kLower, 4,
             [](const RunFacts& f) { return ope_relative(f, &core::OffPolicyEstimates::dr_se, false); }),
      market("ope_match_share", "OPE: log agrees with target", "share of requests", B::kNeither, 4,
             [](const RunFacts& f) {
               const auto& o = f.run.off_policy;
               return or_nan(o.requests > 0, static_cast<double>(o.matches) / static_cast<double>(o.requests));
             }),
      // Feed and search, for runs with search traffic (traffic.search_share); NaN without, so a study
      // without search leaves them out.
      market("feed_ctr", "feed CTR", "clicks / impression", B::kHigher, 5,
             [](const RunFacts& f) { return surface_ratio(f, core::Surface::kFeed, &SurfaceCtr::ctr); }),
      market("search_ctr", "search CTR", "clicks / impression", B::kHigher, 5,
             [](const RunFacts& f) { return surface_ratio(f, core::Surface::kSearch, &SurfaceCtr::ctr); }),
      market("feed_rpm", "feed RPM", "currency / 1000 req.", B::kHigher, 3,
             [](const RunFacts& f) { return surface_ratio(f, core::Surface::kFeed, &SurfaceCtr::rpm); }),
      market("search_rpm", "search RPM", "currency / 1000 req.", B::kHigher, 3,
             [](const RunFacts& f) { return surface_ratio(f, core::Surface::kSearch, &SurfaceCtr::rpm); }),
      market("search_fill_rate", "search fill rate", "share of requests", B::kHigher, 4,
             [](const RunFacts& f) { return surface_ratio(f, core::Surface::kSearch, &SurfaceCtr::fill); }),
      market("search_reserve_bind_rate", "search reserve-bind rate", "share of shown ads", B::kNeither, 4,
             [](const RunFacts& f) { return surface_ratio(f, core::Surface::kSearch, &SurfaceCtr::reserve_bind); }),
      market("search_model_calibration", "search model p / clicks", "ratio, 1 = calibrated", B::kTowardOne, 4,
             [](const RunFacts& f) { return surface_ratio(f, core::Surface::kSearch, &SurfaceCtr::model_calibration); }),
  };
}

}  // namespace

const char* better_name(Better better) {
  switch (better) {
    case Better::kHigher: return "higher";
    case Better::kLower: return "lower";
    case Better::kTowardOne: return "toward 1";
    case Better::kNeither: return "neither";
  }
  return "neither";
}

const std::vector<MetricDef>& study_metrics() {
  static const std::vector<MetricDef> metrics = make_metrics();  // immutable after first use
  return metrics;
}

const MetricDef* find_metric(std::string_view name) {
  for (const auto& m : study_metrics())
    if (m.name == name) return &m;
  return nullptr;
}

std::vector<store::RunMetricRow> metrics_of(const RunFacts& facts) {
  std::vector<store::RunMetricRow> out;
  const bool auction_only = facts.auction_only != nullptr;
  for (const auto& m : study_metrics()) {
    if (auction_only ? !m.auction_only : !m.marketplace) continue;
    out.push_back({facts.run.run_id, m.name, m.value(facts)});
  }
  return out;
}

bool is_better(Better better, double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return false;
  switch (better) {
    case Better::kHigher: return a > b;
    case Better::kLower: return a < b;
    case Better::kTowardOne: return std::abs(a - 1.0) < std::abs(b - 1.0);
    case Better::kNeither: return false;
  }
  return false;
}

}  // namespace adsim::experiments

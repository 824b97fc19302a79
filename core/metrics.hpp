#pragma once
#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/bid_policy.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/request.hpp"
#include "core/sim_time.hpp"

namespace adsim::core {

// Offline metrics of the platform's click predictions (progressive validation of served pCTR
// against joined labels). NaN where undefined (e.g. AUC without clicks).
struct ModelMetrics {
  struct Bin {
    double lower = 0.0;  // edges of the bin in p
    double upper = 0.0;
    std::uint64_t count = 0;
    double mean_p = 0.0;
    double observed = 0.0;  // click rate of the examples in the bin
  };
  std::uint64_t examples = 0;
  std::uint64_t clicks = 0;
  double auc = 0.0;
  double log_loss = 0.0;
  double normalized_entropy = 0.0;
  double calibration_ratio = 0.0;  // sum p / sum clicks
  double ece = 0.0;                // expected calibration error
  std::vector<Bin> reliability;    // equal-width bins of p
};

// The counts of one request surface (feed or search), additive like Counters. Each equals the sum
// over surfaces of the corresponding total exactly.
struct SurfaceCounters {
  std::uint64_t requests = 0;
  std::uint64_t filled_requests = 0;  // showed at least one ad
  std::uint64_t impressions = 0;
  std::uint64_t clicks = 0;           // counted when they happen, billed or not
  std::uint64_t reserve_bound = 0;    // awarded slots whose price a reserve set
  std::uint64_t reserve_excluded = 0; // candidates dropped by the reserve price
  Money revenue{0};                   // every billed charge (CPC, CPM, CPA) of the surface's impressions
  double sum_price_shown = 0.0;       // micros per click, shown ads (as Counters::sum_price_shown)
  double sum_pctr_shown = 0.0;
  double sum_true_ctr_shown = 0.0;

  SurfaceCounters& operator+=(const SurfaceCounters& o);
};

// Additive counts: an interval's and the whole run's metrics are the same struct, so a total is
// exactly the sum of its intervals.
struct Counters {
  std::uint64_t sessions = 0;
  std::uint64_t requests = 0;
  std::uint64_t filled_requests = 0;  // requests that showed at least one ad
  std::uint64_t impressions = 0;
  std::uint64_t clicks = 0;           // clicks billed or not, counted when they happen
  std::uint64_t billed_clicks = 0;    // clicks charged to a budget (the rest came after it ran out)
  std::uint64_t conversions = 0;     // every conversion that happened (the advertiser's value)
  std::uint64_t attributed_conversions = 0;  // reached the platform inside the conversion window
  std::uint64_t late_conversions = 0;        // later than the window after their click: not attributed
  std::uint64_t billed_impressions = 0;      // CPM impressions charged to a budget
  std::uint64_t billed_conversions = 0;      // CPA conversions charged to a budget
  std::uint64_t hides = 0;
  std::uint64_t reports = 0;
  std::uint64_t users_left = 0;
  std::uint64_t reserve_excluded = 0;     // candidates dropped by the reserve price
  std::uint64_t reserve_bound = 0;        // awarded slots whose price the reserve set
  std::uint64_t late_clicks = 0;          // clicks that reached the platform after the attribution window
  std::uint64_t explore_requests = 0;     // requests served by randomized exploration
  Money explore_revenue{0};               // revenue from clicks on exploration requests
  std::uint64_t candidates_retrieved = 0;
  std::uint64_t candidates_prerank = 0;   // kept by pre-ranking (<= N1)
  std::uint64_t candidates_ranked = 0;    // kept by ranking (<= N2)
  std::uint64_t candidates_auction = 0;   // took part in the auction after pacing
  Money revenue{0};
  Money click_revenue{0};  // the part of revenue billed per click (CPC campaigns): avg_cpc's numerator
  Money overspend{0};
  Money forgone{0};
  double advertiser_value = 0.0;  // micros: conversions x their campaign's value per conversion
  // Calibration of what was shown, on the top-slot basis: the platform's pCTR against the hidden
  // true CTR of the same impressions (a simulator can measure bias without label noise).
  double sum_pctr_shown = 0.0;
  double sum_true_ctr_shown = 0.0;
  std::array<double, 4> funnel_cost_us{};  // retrieval, pre-rank, rank, prediction
  // Auction economics. Prices and bids of shown ads are per click, micros.
  double sum_price_shown = 0.0;
  double sum_bid_shown = 0.0;   // after pacing
  // Allocative efficiency on the sampled auctions (those in the auction log): expected welfare
  // (value x true click probability in the slot) of the allocation made; of the best allocation
  // of the candidates that reached the auction (the ranked set) to the same slots; and of the best
  // allocation of every ad eligible for the request, before the funnel chose.
  std::uint64_t efficiency_samples = 0;
  double sampled_welfare = 0.0;
  double sampled_best_welfare = 0.0;
  double sampled_eligible_best_welfare = 0.0;
  // Per slot (index = slot).
  std::array<std::uint64_t, kMaxSlots> slot_impressions{};
  std::array<std::uint64_t, kMaxSlots> slot_clicks{};
  std::array<std::uint64_t, kMaxSlots> slot_reserve_bound{};
  std::array<Money, kMaxSlots> slot_revenue{};
  std::array<double, kMaxSlots> slot_sum_price{};  // micros per click, shown ads
  // Per request surface (index = core::Surface): feed, search.
  std::array<SurfaceCounters, kSurfaces> surface{};

  Counters& operator+=(const Counters& o);
};

// Derived figures, computed the same way wherever they are shown.
struct Rates {
  double ctr = 0, fill_rate = 0, avg_cpc = 0, rpm = 0, hide_rate = 0, report_rate = 0,
         calibration_ratio = 0,  // sum pCTR / sum true CTR over shown ads; 1 is calibrated
         funnel_cost_us_per_request = 0,
         advertiser_surplus = 0,    // currency units: value of conversions - payments
         price_to_bid = 0,          // sum price / sum bid over shown ads
         reserve_bind_rate = 0,     // shown ads whose price the reserve set / shown ads
         efficiency = 0,            // sampled welfare / best welfare of every eligible ad
         auction_efficiency = 0;    // sampled welfare / best welfare of the ads that reached the auction
  static Rates of(const Counters& c);
};

// One arm of an in-simulation A/B test (users split by MarketplaceConfig::ab_share): what its users
// did and what was billed for their impressions, clicks and conversions.
struct ArmTotals {
  std::uint64_t users = 0;
  std::uint64_t requests = 0;
  std::uint64_t impressions = 0;
  std::uint64_t clicks = 0;
  Money revenue;
};

struct IntervalMetrics {
  SimTime start = 0;
  SimTime end = 0;
  Counters counts;
  std::uint64_t active_users = 0;  // users who have not left
  double mean_fatigue = 0.0;       // over active users, at the end of the interval
  double budget_exhausted_share = 0.0;  // campaigns with no daily budget left at the end
  // Each campaign's spend so far today at the end of the interval (index = campaign id), for spend
  // curves. Empty when the marketplace is configured not to report it.
  std::vector<Money> campaign_spend_today;
  // Each campaign's planned spend so far today (the pacer's target curve), same indexing; empty
  // when no pacer plans spend.
  std::vector<Money> campaign_target_today;
  ModelMetrics model;  // served predictions released during the interval
  // The same, per surface of the request the prediction was served on (index = core::Surface).
  std::array<ModelMetrics, kSurfaces> surface_model;
  // An in-simulation A/B test's arms (control, treatment; all zero without one): what happened in
  // the interval, with `users` the arm's users who have not left by its end.
  std::array<ArmTotals, 2> arms{};
};

struct CampaignTotals {
  CampaignId campaign = 0;
  AdvertiserId advertiser = 0;
  std::uint64_t impressions = 0;
  std::uint64_t clicks = 0;
  std::uint64_t conversions = 0;
  Money spend{0};
  Money daily_budget{0};
  Money overspend{0};
  Money forgone{0};
  double value = 0.0;  // micros: conversions x value_per_conversion
  SimTime first_exhausted_at = -1;
  std::uint32_t days_exhausted = 0;
  // How closely cumulative spend followed the target curve, sampled at every snapshot, as shares
  // of the daily budget (0 when no pacer plans spend).
  double pacing_mean_abs_deviation = 0.0;
  double pacing_max_abs_deviation = 0.0;
  double pacing_rms_error = 0.0;
  // Smart Pacing's pacing error: RMS over the snapshot intervals of (spend - plan) in the
  // interval, over the mean plan per interval (IntervalPacingError, core/pacing_error.hpp). NaN
  // when the campaign never had a plan.
  double smart_pacing_error = std::numeric_limits<double>::quiet_NaN();
  double utilization = 0.0;    // spend / (daily budget x days in flight)
  double underdelivery = 0.0;  // unspent share of the budget over the days in flight
  // Conversion economics.
  BillingModel billing = BillingModel::kCpc;
  BiddingKind bidding = BiddingKind::kManual;
  std::uint8_t pacer = 0;      // index into RunSummary::pacer_names
  std::uint64_t attributed_conversions = 0;
  std::uint64_t late_conversions = 0;
  double value_per_conversion = 0.0;  // micros
  double surplus = 0.0;        // micros: value - spend
  double pcvr = 0.0;           // the platform's pCVR of the campaign at the end of the run
  // Auto-bidding (bidding != manual): target (CPA micros or ROAS ratio), final multiplier, realized
  // CPA (micros per attributed conversion) or ROAS (value / spend), violation as a share of target.
  double auto_bid_target = 0.0;
  double auto_bid_multiplier = 0.0;
  double auto_bid_realized = 0.0;
  double auto_bid_violation = 0.0;
};

// Campaigns grouped by (pacer, bidding kind, billing model): the per-strategy summary.
struct StrategyGroup {
  std::string pacer;
  BiddingKind bidding = BiddingKind::kManual;
  BillingModel billing = BillingModel::kCpc;
  std::uint32_t campaigns = 0;
  Money spend{0};
  double budget = 0.0;  // micros: daily budget x days in flight, over campaigns with a finite budget
  double utilization = 0.0;  // spend of budgeted campaigns / budget
  std::uint64_t impressions = 0, clicks = 0, conversions = 0, attributed_conversions = 0;
  double value = 0.0;    // micros
  double surplus = 0.0;  // micros: value - spend
  double cpc = 0.0;      // micros: spend / clicks (0 without clicks)
  double cpa = 0.0;      // micros: spend / attributed conversions (0 without)
  double mean_pacing_deviation = 0.0;  // mean over the group's campaigns
  double smart_pacing_error = 0.0;     // mean over the group's campaigns that have one (NaN: none)
  double auto_bid_violation = 0.0;     // spend-weighted mean over auto-bid campaigns; 0 for manual
};
const char* billing_name(BillingModel b);
const char* bidding_name(BiddingKind b);

// Ads that arrive during the run with no history (their own start, or their campaign's flight
// start, after time 0): what cold start costs them and what exploration buys them.
struct NewAdTotals {
  std::uint64_t ads = 0;          // ads that arrived after time 0 and before the run ended
  std::uint64_t impressions = 0;
  std::uint64_t clicks = 0;
  Money revenue;                  // billed for their impressions, clicks and conversions
  std::uint64_t clicked = 0;      // of `ads`, those with at least one click by the end
  // Median over `ads` of the hours from arrival to the first click, an ad never clicked counting as
  // never; NaN when fewer than half were clicked (the median is then unknown).
  double median_hours_to_first_click = 0.0;
  // The platform's belief about them at the end, from p^ and p per ad: the served model's
  // calibrated pCTR (no exploration bonus) and the true CTR, each averaged over the same 16 random
  // users. NaN until the run has finished, or without new ads.
  // ctr_error: mean of |p^ - p| / p. It includes the bias every ad's estimate shares (the model
  // learns from the users the ad was shown to, who like it more than random users do), so compare
  // it between runs, not with 0.
  // ctr_rank_correlation: Spearman's correlation of p^ with p across the new ads: how well the
  // platform tells good new ads from bad ones (an ad it knows nothing of sits on the prior).
  double ctr_error = 0.0;
  double ctr_rank_correlation = 0.0;
};

// Spearman's rank correlation of x and y (average ranks for ties); NaN with fewer than two
// points or when either has no spread.
double rank_correlation(std::span<const double> x, std::span<const double> y);


// Off-policy evaluation of a target policy's top-slot choice (AdServerConfig::ope_target) from the
// logged traffic, request by request. The reward r is a click on the top slot; the logging policy
// put ad a there with propensity p0(a | x); the platform's own model predicts r^(x, b) = pCTR(b),
// its served P(click | top slot), for any ad b; the truth's expected reward of the target's ad t is known to the simulator
// only. With w = 1{a = t} / p0(a | x), the estimators of the target's mean reward per request are
//   IPS (inverse propensity scoring)  mean(w r)
//   SNIPS (self-normalized)           sum(w r) / sum(w)
//   DM (direct method)                mean(r^(x, t))
//   DR (doubly robust)                mean(r^(x, t) + w (r - r^(x, a)))
// and the true value is mean(truth(x, t)): the target's expected top-slot clicks on the same
// requests (what deploying it would earn if nothing else changed; budgets and learning would).
struct OffPolicySample {
  double propensity = 1.0;   // p0(a | x) > 0
  bool match = false;        // the target chose the logged ad (a = t)
  double reward = 0.0;       // r
  double predicted_logged = 0.0;  // r^(x, a)
  double predicted_target = 0.0;  // r^(x, t)
  double true_target = 0.0;       // E[r | x, t], from the truth
};

struct OffPolicyEstimates {
  double logged = 0.0;  // mean r: the logging policy's own top-slot click rate
  double truth = 0.0, ips = 0.0, snips = 0.0, dm = 0.0, dr = 0.0;
  double ips_se = 0.0, dr_se = 0.0;  // standard errors of the IPS and DR means over requests
};

struct OffPolicyTotals {
  std::uint64_t requests = 0;
  std::uint64_t matches = 0;
  double reward = 0.0;       // sum r
  double true_value = 0.0;   // sum truth(x, t)
  double weight = 0.0;       // sum w: its expectation is `requests` when the log covers the target
  double ips = 0.0, ips_sq = 0.0;  // sum of w r and of its square
  double dm = 0.0;
  double dr = 0.0, dr_sq = 0.0;

  void add(const OffPolicySample& s);
  // NaN everywhere without requests; SNIPS NaN when no request matched.
  OffPolicyEstimates estimates() const;
};

// What a model retrained on a schedule reports about its training; all zero for models that only
// learn online. Wall-clock figures are measured and reported, never fed back into the simulation
// (a run stays deterministic for its seed): in simulated time a new model takes effect after its
// configured training delay.
struct ModelTrainingStats {
  std::uint64_t retrains = 0;          // trainings completed and put into service
  std::uint64_t last_window_examples = 0;  // examples the serving model was trained on
  double train_wall_seconds = 0.0;     // wall-clock seconds of all trainings, measured
  // Mean over served predictions of (serving time - time of the newest example the serving model
  // was trained on), in simulated seconds; 0 before the first retrain.
  double mean_staleness_seconds = 0.0;
};

struct RunSummary {
  std::string scenario_name;
  std::uint64_t seed = 0;
  SimTime simulated = 0;
  double wall_seconds = 0.0;
  std::uint64_t events = 0;
  bool interrupted = false;
  Counters totals;
  std::uint64_t users = 0;
  std::uint64_t active_users = 0;
  double mean_fatigue = 0.0;
  ModelMetrics model;  // all served predictions released during the run
  // Click predictions served before the click model had learnt from any example: its prior
  // (CtrModel::prior_predictions). Against totals.candidates_ranked, the share of the run served cold.
  std::uint64_t prior_predictions = 0;
  ModelTrainingStats model_training;  // CtrModel::training_stats(): all 0 for models learning online
  std::array<ModelMetrics, kSurfaces> surface_model;  // the same per request surface (index = core::Surface)
  std::vector<CampaignTotals> campaigns;
  std::vector<std::string> pacer_names;  // CampaignTotals::pacer indexes this; empty: "none"
  AutoBidTotals auto_bid;                // over auto-bid campaigns (all zero when there are none)
  NewAdTotals new_ads;
  std::array<ArmTotals, 2> arms{};  // A/B test: control, treatment (all zero without a test)
  OffPolicyTotals off_policy;       // all zero without AdServerConfig::ope_target
  // Smart Pacing's average pacing error: the mean of the campaigns' smart_pacing_error over those
  // that have one (mean_pacing_error); NaN when none had a plan.
  double smart_pacing_error = std::numeric_limits<double>::quiet_NaN();

  // Campaigns grouped by (pacer, bidding, billing), in that order of keys.
  std::vector<StrategyGroup> strategy_groups() const;
};

// One candidate of a sampled auction, with everything needed to see why it won or lost.
struct AuctionLogCandidate {
  AdId ad = 0;
  CampaignId campaign = 0;
  double bid = 0.0;               // micros per click, before pacing (CPM / CPA bids converted with pCTR / pCVR)
  double pacing_multiplier = 1.0;
  bool participated = true;       // false if the pacer throttled it out
  double pctr = 0.0;
  double true_ctr = 0.0;
  double quality = 1.0;
  double rank_score = 0.0;
  int slot = -1;                  // -1: not shown
  double price = 0.0;             // micros per click, if shown (converted like the bid)
  bool reserve_bound = false;
};

struct AuctionLogEntry {
  std::uint64_t request_id = 0;
  SimTime time = 0;
  std::uint32_t user = 0;
  Surface surface = Surface::kFeed;
  std::uint16_t query_category = kNoQueryCategory;  // search only
  std::uint32_t retrieved = 0;
  std::uint32_t after_prerank = 0;
  std::uint32_t after_rank = 0;
  std::vector<AuctionLogCandidate> candidates;  // the ranked set, in rank-score order
};

}  // namespace adsim::core

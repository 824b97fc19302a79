#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/sim_time.hpp"

namespace adsim::core {

// The distributions a world is generated from. Plain data: scenarios/ fills it from TOML.
struct WorldSpec {
  // Users
  std::uint32_t users = 10'000;
  int embedding_dim = 16;
  std::vector<double> region_weights = {1, 1, 1, 1};         // one per region
  std::vector<double> age_band_weights = {1, 1, 1, 1, 1, 1};  // one per age band
  std::vector<double> device_weights = {0.6, 0.3, 0.1};      // mobile, desktop, tablet
  int interest_categories = 20;
  double interest_concentration = 3.0;  // how tightly a user's interests cluster on one category
  int user_top_interests = 3;           // categories a user counts as "interested in" for targeting

  // Advertisers, campaigns and ads
  std::uint32_t advertisers = 50;
  std::uint32_t campaigns = 100;
  std::uint32_t ads = 400;
  double daily_budget_median = 100.0;   // currency units; lognormal across campaigns
  double daily_budget_sigma = 0.8;      // lognormal shape
  double total_budget_days = 0.0;       // lifetime budget = this x daily budget; 0: none
  double bid_median = 0.5;              // CPC bid, currency units; lognormal
  double bid_sigma = 0.5;
  double value_over_bid = 1.25;         // advertiser value per click relative to its bid (median)
  double value_sigma = 0.0;             // lognormal spread of that ratio across campaigns
  // Billing models: shares of CPM and CPA campaigns (the rest pay per click). Their bids are derived
  // from the drawn CPC bid so markets stay comparable: CPM bid per impression = CPC bid x
  // typical_ctr; CPA bid per conversion = CPC bid / typical_cvr.
  double cpm_share = 0.0;
  double cpa_share = 0.0;
  double typical_ctr = 0.02;
  double typical_cvr = 0.05;
  // Auto-bidding: shares of target-CPA and target-ROAS campaigns (the rest bid manually).
  double tcpa_share = 0.0;
  double troas_share = 0.0;
  double tcpa_target_over_value = 0.8;  // target CPA = this x value per conversion
  double troas_target = 1.25;           // target ROAS = value / spend
  double region_targeting_share = 0.5;  // share of campaigns that target a subset of regions
  double age_targeting_share = 0.5;
  double interest_targeting_share = 0.3;
  double ad_quality_alpha = 4.0;        // true quality ~ Beta(alpha, beta)
  double ad_quality_beta = 4.0;
  double ad_interest_noise = 0.35;      // spread of an ad's embedding around its category centroid
  double late_start_share = 0.0;        // share of campaigns whose flight starts during the run
  double new_ad_share = 0.0;            // share of ads that arrive during the run (cold start)
};

// How users arrive. Sessions follow a non-homogeneous Poisson process whose hourly rate is
// proportional to the profile; each session makes a geometric number of ad requests.
struct TrafficSpec {
  double sessions_per_day = 1'000.0;
  std::vector<double> hourly_profile = std::vector<double>(24, 1.0);  // relative, 24 entries
  double requests_per_session = 4.0;  // mean of a geometric count >= 1
  double seconds_between_requests = 30.0;  // mean, exponential
  // Surfaces: each request is a search request with this probability (stream "traffic.search"),
  // else a feed request. 0: every request is a feed request and the stream is never drawn from.
  double search_share = 0.0;
  // A search query's category is one of the user's top interests (uniformly among them) with this
  // probability, else uniform over all categories.
  double search_query_from_interests = 0.8;
};

// The selection funnel and its compute-cost model (microseconds of server time per candidate).
struct FunnelSpec {
  int prerank_keep = 1000;  // N1
  int rank_keep = 100;      // N2
  double retrieval_cost_us = 0.02;
  double prerank_cost_us = 0.05;
  double rank_cost_us = 0.5;
  double predict_cost_us = 5.0;
  // "fixed": prediction costs predict_cost_us per candidate. "measured": it costs what the click
  // model was measured to take (CtrModel::serving_ns_per_candidate, models/serving_cost.hpp) times
  // measured_cost_scale; scenarios::build_marketplace sets predict_cost_us from it.
  std::string predict_cost = "fixed";
  double measured_cost_scale = 1.0;
};

struct RunSpec {
  std::uint64_t seed = 1;
  double days = 1.0;
  SimTime snapshot_interval = 15 * kMinute;
  double auction_log_rate = 0.001;  // share of requests whose full auction is logged
  // Share of labelled impressions whose prediction and label are logged (own stream
  // "platform.prediction_log": turning it on changes no other draw). 0: no log, no draws.
  double prediction_log_rate = 0.0;

  // The simulated end of the run.
  SimTime horizon() const { return static_cast<SimTime>(std::llround(days * static_cast<double>(kDay))); }
};

}  // namespace adsim::core

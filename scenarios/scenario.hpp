#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/world_spec.hpp"
#include "scenarios/experiment_spec.hpp"
#include "models/ground_truth_params.hpp"

namespace adsim::scenarios {

struct AuctionSpec {
  std::string mechanism = "gsp";
  int slots = 4;
  std::vector<double> position_factors = {1.0, 0.7, 0.5, 0.35};  // platform's slot click factors
  double reserve = 0.05;           // currency units per click
  double quality_exponent = 1.0;   // alpha
  std::vector<double> slot_reserves;    // per slot, max'd with `reserve`; empty: none
  std::vector<double> region_reserves;  // per user region (segment), max'd with `reserve`; empty: none
  std::vector<double> surface_reserves;         // per surface (feed, search), max'd; empty: none
  std::vector<double> query_category_reserves;  // per query category, search requests only; empty: none
  // An in-simulation A/B test: a share of users (treatment) served with other slots or reserve.
  double ab_share = 0.0;   // 0: no test
  int ab_slots = 0;        // treatment's slots; 0: auction.slots
  double ab_reserve = -1;  // treatment's reserve, replacing every other; < 0: as for everyone
  bool ab_budget_split = false;  // each arm spends only its share (ab_share) of every budget
};

// One explicit bidder of the classroom mode ([[auction_only.bidder]]). Anything it leaves out comes
// from the [auction_only] keys shared by every bidder.
struct BidderSpec {
  std::string name;
  std::optional<double> value;  // a fixed value per click
  // Its own value distribution: any of these given makes one, each left out taken from the
  // [auction_only] key of the same name (values = "uniform" with value_high = 2: uniform on
  // [auction_only.value_low, 2]).
  std::string values;  // empty: auction_only.values
  std::optional<double> value_low, value_high, value_mean, value_mu, value_sigma;
  std::optional<std::vector<double>> value_points;
  bool own_distribution() const {
    return !values.empty() || value_low || value_high || value_mean || value_mu || value_sigma || value_points;
  }
  std::optional<double> bid;  // a fixed bid per click, whatever the value
  std::string strategy;       // as auction_only.strategy; empty: the common one
  double shading = 1.0;
  double ctr = 1.0;      // click probability in the top slot
  double quality = 1.0;  // quality score in bid x ctr x quality^alpha
  std::optional<double> budget;  // per episode; 0: unlimited; unset: auction_only.budget
  int line = 0;  // where the table starts in the file, for messages
};

// Classroom mode: N auctions among value-driven bidders, no users, no click model. Uses the
// [auction] section's mechanism, slots, position factors, quality exponent and reserve, and for
// pacer = throttling / dual_descent / pid the [pacing] section's parameters of that pacer.
struct AuctionOnlySpec {
  bool enabled = false;
  int bidders = 2;
  int bidders_per_auction = 0;  // drawn per auction; 0: all
  int rounds = 100'000;
  std::string value_model = "distribution";  // or "contextual_items" (AuctionGym)
  std::string values = "uniform";  // uniform, exponential, lognormal, empirical (per click)
  double value_low = 0.0;          // uniform
  double value_high = 1.0;
  double value_mean = 1.0;         // exponential
  double value_mu = 0.0;           // lognormal (of the log)
  double value_sigma = 0.5;
  std::vector<double> value_points;  // empirical: equally likely values
  std::string strategy = "truthful";  // truthful, shaded, equilibrium (first price), bandit
  double shading = 1.0;               // shaded: bid = shading x value
  std::string reserve_rule = "fixed";  // fixed (auction.reserve), myerson, myerson_per_bidder
  // Contextual items (value_model = "contextual_items").
  int items_per_bidder = 12;
  int embedding_dim = 5;
  double embedding_sd = 1.0;
  double context_sd = 1.0;
  double item_value_mu = 0.1;     // item values lognormal(mu, sigma), drawn once per item
  double item_value_sigma = 0.2;
  // Budgets and pacing.
  double budget = 0.0;        // per bidder per episode; 0: unlimited
  int episode_rounds = 0;     // budgets refill every this many auctions; 0: once for the whole run
  std::string pacer = "none";  // none, multiplier (built in), throttling, dual_descent, pid
  int pacing_ticks = 100;      // pacer updates per episode
  double pacing_gain = 0.25;   // multiplier pacer: step of lambda
  double min_multiplier = 0.05;
  double max_multiplier = 1.0;
  // Logs.
  double log_rate = 0.0;         // share of auctions whose bids are logged (auction_only_bids)
  int series_points = 2000;      // pacing time series: ticks kept per bidder
  std::vector<BidderSpec> bidder_list;  // [[auction_only.bidder]]; empty: `bidders` alike bidders
};

struct ModelSpec {
  std::string ctr_model = "historical";  // the platform's click model
  double prior_ctr = 0.02;               // Beta prior mean for smoothed historical CTR; a cold logistic model's pCTR
  double prior_strength = 200.0;         // Beta prior pseudo-impressions
  std::string calibrator = "none";
  double attribution_window_minutes = 30.0;  // clicks later than this are lost to training
  // Platform quality score = 1 / (1 + quality_penalty x hide-or-report probability), where the
  // probability is each ad's smoothed logged rate ("logged_rate") or a learned model ("model").
  double quality_penalty = 20.0;
  std::string quality_source = "logged_rate";
  // Online logistic regression (ctr_model = "logistic"): hashed features, FTRL-Proximal.
  int hash_bits = 20;
  double ftrl_alpha = 0.05;
  double ftrl_beta = 1.0;
  double ftrl_l1 = 1.0;
  double ftrl_l2 = 1.0;
  double refresh_minutes = 0.0;  // 0: learn continuously; else apply what was learned every N minutes
  double downsample_rate = 1.0;  // w: share of non-clicks kept for training
  bool recalibrate = true;       // q = p / (p + (1 - p) / w) after downsampling
  std::string position_mode = "feature";  // "feature": slot as a feature, served at the top; "naive"
  // GBDT+LR (ctr_model = "gbdt_lr"): XGBoost trees retrained on a window, their leaves fed to the LR.
  int gbdt_trees = 6;
  int gbdt_depth = 4;
  double gbdt_learning_rate = 0.3;
  double gbdt_min_child_weight = 5.0;
  int gbdt_window_examples = 50'000;      // trees train on this many most recent kept examples
  double gbdt_interval_minutes = 120.0;   // a training every this many simulated minutes
  double gbdt_train_delay_minutes = 10.0; // trees trained at t serve from t + delay
  // Neural ranker (ctr_model = "mlp", models/mlp_ctr_model.hpp); it also reads downsample_rate,
  // recalibrate, position_mode and prior_ctr above.
  int mlp_embedding_dim = 8;
  int mlp_hidden1 = 32;
  int mlp_hidden2 = 16;  // 0: one hidden layer
  int mlp_batch = 256;
  int mlp_epochs = 1;
  int mlp_window_examples = 200'000;
  int mlp_id_buckets = 32'768;
  double mlp_learning_rate = 0.0003;
  double mlp_interval_minutes = 30.0;
  double mlp_train_delay_minutes = 5.0;
  // Calibrators fitted on a recent window of released examples.
  int calibration_window = 50'000;
  double calibration_refit_minutes = 15.0;
  // Exploration (cold start).
  double exploration_share = 0.0;  // share of requests whose winners are drawn at random
  double optimism_bonus = 0.0;     // pCTR += bonus x sqrt(p (1 - p) / (impressions + 1))
  // Off-policy evaluation: the target policy whose top-slot clicks are estimated from the log.
  std::string ope_target = "none";
  // Reliability diagram of served predictions: equal-width bins over [0, reliability_max].
  int reliability_bins = 10;
  double reliability_max = 0.2;
  // The platform's conversion model (pCVR per campaign): Beta prior and conversion attribution.
  double cvr_prior = 0.05;               // prior mean of P(conversion | click)
  double cvr_prior_strength = 100.0;     // pseudo-clicks
  double conversion_window_hours = 24.0; // conversions later than this after the click are not attributed
};

struct PacingSpec {
  std::string pacer = "none";      // strategy of every campaign, unless `mix` is given
  // Shares of campaigns using none, throttling, dual_descent, pid (in that order); empty: all use
  // `pacer`. Campaigns are assigned at random (stream "pacing.assignment") in these proportions.
  std::vector<double> mix;
  std::string curve = "uniform";   // target spend curve: uniform, traffic (the hourly profile), learned
  double finish_hour = 24.0;       // early finish: plan to have spent the day's budget by this hour
  double control_minutes = 1.0;    // control interval of every pacer
  double throttling_initial_rate = 0.1;
  double throttling_step = 0.1;
  double dual_step_size = 0.2;
  double dual_max_mu = 20.0;
  double pid_kp = 3.0;
  double pid_ki = 1.0;
  double pid_kd = 0.0;
  double pid_min_phi = -6.0;
  double pid_max_phi = 0.0;
  std::string pid_signal = "spend";  // spend (deviation from plan) or win_rate
  double pid_target_win_rate = 0.1;  // win_rate: target charges per opportunity
  // Auto-bidding (campaigns with world.tcpa_share / world.troas_share): pacing/auto_bidder.hpp.
  double auto_bid_minutes = 15.0;          // multiplier update interval
  double auto_bid_gain = 0.05;             // eta
  double auto_bid_half_life_hours = 3.0;   // H
  double auto_bid_prior_conversions = 5.0; // c0
  double auto_bid_conversion_lag_minutes = 0.0;
};

// A whole scenario: every knob of a run, with defaults. scenarios/ fills it from TOML and --set.
struct Scenario {
  std::string name = "unnamed";
  std::string description;
  std::string lesson;  // what the scenario teaches (bundled scenarios)
  core::WorldSpec world;
  core::TrafficSpec traffic;
  core::FunnelSpec funnel;
  AuctionSpec auction;
  models::GroundTruthParams truth;
  ModelSpec model;
  PacingSpec pacing;
  AuctionOnlySpec auction_only;
  core::RunSpec run;
  // A study of this scenario ([experiment]): read by `adsim sweep FILE`, ignored by `adsim run`.
  ExperimentSpec experiment;

  // Provenance, recorded with every run.
  std::string source_path;
  std::string source_text;
  std::vector<std::string> overrides;  // "key.path=value" as given
};

}  // namespace adsim::scenarios

#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/ad_server.hpp"
#include "core/budget_ledger.hpp"
#include "core/metrics.hpp"
#include "core/pacing_error.hpp"
#include "core/random_streams.hpp"
#include "core/ring_buffer.hpp"
#include "core/sim_observer.hpp"
#include "core/simulation.hpp"
#include "core/training_log.hpp"
#include "core/user_response.hpp"
#include "core/world.hpp"
#include "core/world_spec.hpp"

namespace adsim::core {

struct MarketplaceConfig {
  std::string scenario_name;
  TrafficSpec traffic;
  RunSpec run;
  AdServerConfig server;
  SimTime attribution_window = 30 * kMinute;  // clicks later than this never reach training
  // Conversions later than this after their click are not attributed: not billed (CPA), not seen
  // by the conversion model or the auto-bidder; counted as late conversions.
  SimTime conversion_window = kDay;
  // Each campaign's pacing strategy, for the per-strategy summary (index into pacer_names);
  // empty: every campaign "none".
  std::vector<std::string> pacer_names;
  std::vector<std::uint8_t> campaign_pacer;
  SimTime joiner_interval = kMinute;          // how often closed windows are released to training
  // Platform quality score: 1 / (1 + penalty x smoothed hide-or-report rate) from logged feedback.
  double quality_penalty = 20.0;
  double quality_prior_rate = 0.005;
  double quality_prior_strength = 200.0;
  double exploration_share = 0.0;  // share of requests served by randomized exploration
  // In-simulation A/B test: the share of users drawn (stream "ab.assignment") into the treatment
  // arm, whose requests the ad server serves with server.ab_* (0: no test, nothing drawn).
  double ab_share = 0.0;
  // Budget-split design: each campaign's budgets divided between the arms in proportion to ab_share,
  // each arm's requests spending only their part (BudgetLedger::split_between_arms).
  bool ab_budget_split = false;
};

struct MarketplaceComponents {
  std::unique_ptr<UserResponse> truth;
  std::unique_ptr<CtrModel> ctr_model;
  std::unique_ptr<Calibrator> calibrator;  // may be null
  std::unique_ptr<Pacer> pacer;            // may be null
  std::unique_ptr<AuctionMechanism> auction;
  std::unique_ptr<PredictionEvaluator> evaluator;  // may be null: no model metrics
  std::unique_ptr<QualityModel> quality_model;     // may be null: quality from logged feedback rates
  // May be null unless some campaign bills per impression / conversion or is auto-bid.
  std::unique_ptr<ConversionModel> conversion_model;
  std::unique_ptr<BidPolicy> bid_policy;  // may be null: no auto-bidding
};

// The simulated marketplace: users arrive and make ad requests, the ad server fills them, the hidden
// truth decides what users do, and delayed clicks bill campaigns and feed the platform's training
// log. One object per run; two runs in one process share nothing.
class Marketplace final : public EventHandler {
 public:
  // The world is passed on the heap so that components built before the marketplace (the ground
  // truth, models) can hold references to it that stay valid.
  Marketplace(std::unique_ptr<World> world, MarketplaceConfig config, MarketplaceComponents components);
  Marketplace(const Marketplace&) = delete;
  Marketplace& operator=(const Marketplace&) = delete;

  void add_observer(SimObserver& observer) { observers_.push_back(&observer); }
  // Another thread may set this to stop the run between two events.
  void set_stop_token(const std::atomic<bool>* token) { sim_.set_stop_token(token); }

  // Runs to the end of the scenario (or until stopped), then notifies observers with the summary.
  RunSummary run();
  // Runs until simulated time t (for stepping front-ends); finish() ends the run.
  void run_until(SimTime t);
  RunSummary finish();

  SimTime horizon() const { return horizon_; }
  SimTime now() const { return sim_.now(); }
  bool finished() const { return finished_; }
  const World& world() const { return *world_; }
  const BudgetLedger& budgets() const { return budgets_; }
  const Counters& totals() const { return totals_; }
  const Simulation& simulation() const { return sim_; }
  const AdServer& ad_server() const { return server_; }
  // The click model, for what it reports about itself (CtrModel::training_stats()).
  const CtrModel& ctr_model() const { return *components_.ctr_model; }
  const MarketplaceConfig& config() const { return config_; }
  RunSummary summary() const;

  void handle(const Event& event, Simulation& sim) override;

 private:
  enum Kind : std::uint32_t {
    kSessionArrival,
    kRequest,
    kClick,
    kConversion,
    kDayBoundary,
    kCampaignChange,
    kJoinerTick,
    kPacingTick,
    kSnapshot,
    kModelRefresh,
    kAutoBidTick,
  };
  // Where a billing event came from: what charge() books it under besides the campaign.
  struct ChargeSource {
    AdId ad;
    std::uint8_t slot;
    bool explore;
    Surface surface;
    std::uint8_t arm;  // A/B test arm of the user
  };
  struct PendingClick {
    std::uint64_t impression_id;
    CampaignId campaign;
    Money price;
    ChargeSource source;
  };
  struct PendingConversion {
    CampaignId campaign;
    Money price;  // CPA: per conversion
    bool attributed;
    ChargeSource source;
  };
  struct TrackingStats {  // spend vs. the pacer's plan, per campaign, as shares of the daily budget
    double sum_abs = 0, max_abs = 0, sum_sq = 0;
    std::uint64_t samples = 0;
  };

  void schedule_next_session(SimTime after);
  void on_session(SimTime now);
  void on_request(SimTime now, std::uint64_t payload);
  void on_click(SimTime now, std::uint64_t slab_index);
  void on_conversion(SimTime now, std::uint64_t slab_index);
  // Books one charge against the campaign's budget (any billing event) and takes the campaign out
  // of the auction when its budget runs out.
  BudgetLedger::ChargeResult charge(CampaignId c, Money amount, SimTime now, const ChargeSource& source);
  // New ads (arrived after time 0): counts as they happen; the model's error about them at the end.
  bool is_new_ad(AdId a) const { return ad_arrival_[a] > 0; }
  NewAdTotals new_ad_totals() const;
  void evaluate_new_ads(NewAdTotals& out);  // ctr_error and ctr_rank_correlation, at the end
  // Draws the request's surface and query category (stream "traffic.search"; never drawn from
  // when traffic.search_share is 0).
  void draw_surface(RequestContext& request);
  void on_day_boundary(SimTime now);
  void on_joiner_tick(SimTime now);
  void on_snapshot(SimTime now);
  // Spend against the pacer's plan at a snapshot (tracking_, interval_pacing_).
  void track_pacing(SimTime now, IntervalMetrics& snap);
  void refresh_campaign(CampaignId c, SimTime now);
  void log_auction(const RequestContext& request, const ServeOutcome& served);
  // The prediction log: a sample (run.prediction_log_rate) of the examples just released.
  void log_predictions();
  void record_efficiency(const RequestContext& request, std::span<const float> truth);
  // Off-policy evaluation: everything of the request's sample but the reward, which the user's
  // response decides (call before respond(): the truth reads the user's fatigue as of the page).
  OffPolicySample off_policy_sample(const RequestContext& request, const ServeOutcome& served, float top_true_ctr);
  double true_value_per_click(AdId ad) const;
  // A feed request of user u at `now`, as the user's attributes make it (no id, no arm, no surface).
  RequestContext user_request(UserId u, SimTime now) const;
  double mean_fatigue(SimTime now) const;
  std::uint32_t session_requests();

  std::unique_ptr<World> world_;
  MarketplaceConfig config_;
  MarketplaceComponents components_;
  RandomStreams streams_;
  Simulation sim_;
  BudgetLedger budgets_;
  AdServer server_;
  SimTime horizon_;
  std::vector<SimObserver*> observers_;

  Rng traffic_rng_, session_rng_, response_rng_, pacing_rng_, log_rng_, explore_rng_, search_rng_, prediction_log_rng_;
  std::vector<double> hourly_rate_per_us_;  // session arrival rate in each hour of the day

  // Training log: impressions wait here until their attribution window closes.
  RingBuffer<LabeledExample> pending_log_;
  std::uint64_t next_impression_id_ = 0;
  std::uint64_t first_pending_id_ = 0;
  std::vector<LabeledExample> release_batch_;
  std::vector<PredictionLogEntry> prediction_batch_;  // log_predictions: scratch, reused

  std::vector<PendingClick> click_slab_;
  std::vector<std::uint32_t> free_clicks_;
  std::vector<PendingConversion> conversion_slab_;
  std::vector<std::uint32_t> free_conversions_;

  // Platform-side negative feedback counts behind the quality score.
  std::vector<double> logged_impressions_, logged_negative_;

  Counters totals_, interval_;
  SimTime interval_start_ = 0;
  std::uint64_t next_request_id_ = 0;
  std::uint64_t active_users_ = 0;
  std::vector<UserId> fatigue_sample_;
  std::vector<AdId> eligible_ads_;     // record_efficiency: scratch, sampled auctions only
  std::vector<SimTime> ad_arrival_;      // per ad: when it became servable (its own start or its campaign's)
  std::vector<SimTime> ad_first_click_;  // per ad: its first click, -1 before
  NewAdTotals new_ads_;                  // impressions, clicks and revenue of new ads so far
  std::vector<std::uint8_t> arm_;        // per user: A/B arm (empty without a test)
  std::array<ArmTotals, 2> arms_{};      // control, treatment
  std::array<ArmTotals, 2> interval_arms_{};     // the same since the last snapshot (users unused)
  std::array<std::uint64_t, 2> arm_active_{};    // each arm's users who have not left
  OffPolicyTotals off_policy_;
  std::vector<float> eligible_truth_;
  std::vector<CampaignTotals> campaign_totals_;
  std::vector<std::uint8_t> campaign_in_flight_;
  std::vector<TrackingStats> tracking_;
  std::vector<IntervalPacingError> interval_pacing_;  // per campaign: Smart Pacing's error
  bool finished_ = false;
  RunSummary final_summary_;
};

}  // namespace adsim::core

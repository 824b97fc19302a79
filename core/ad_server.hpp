#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/auction_mechanism.hpp"
#include "core/bid_policy.hpp"
#include "core/conversion_model.hpp"
#include "core/ctr_model.hpp"
#include "core/pacer.hpp"
#include "core/request.hpp"
#include "core/candidate_funnel.hpp"
#include "core/world.hpp"
#include "core/world_spec.hpp"

namespace adsim::core {

// A policy that off-policy evaluation scores against the logged traffic. Each chooses the ad for the
// top slot among the auction's participants whose bid meets the reserve (those exploration draws
// from): kAuction, the auction's own winner (the exploit half of the logging policy); kTopPctr, the
// highest calibrated pCTR (relevance only); kTopBid, the highest bid per click (money only).
enum class OffPolicyTarget : std::uint8_t { kNone, kAuction, kTopPctr, kTopBid };
const char* off_policy_target_name(OffPolicyTarget t);

struct AdServerConfig {
  FunnelSpec funnel;
  int slots = 4;
  std::vector<double> position_factors = {1.0, 0.7, 0.5, 0.35};
  double reserve_micros = 0.0;  // per click
  std::vector<double> slot_reserves_micros;    // per slot; empty: none
  std::vector<double> region_reserves_micros;  // per user region; empty: none
  // Segment reserves by request surface (index = Surface: feed, search) and, on search requests,
  // by query category. Empty: none. The reserve of a request is the max of every one that applies.
  std::vector<double> surface_reserves_micros;
  std::vector<double> query_category_reserves_micros;
  double quality_exponent = 1.0;
  // Cold start: pCTR += bonus x sqrt(p (1 - p) / (n + 1)) for an ad with n logged impressions.
  double optimism_bonus = 0.0;
  // An in-simulation A/B test: requests of users in the treatment arm (RequestContext::arm = 1) are
  // served with these settings instead; 0 / negative: as for everyone. position_factors must
  // cover max(slots, ab_slots).
  int ab_slots = 0;
  double ab_reserve_micros = -1.0;  // replaces every reserve of the request
  // Off-policy evaluation: the policy whose top-slot choice serve() reports next to the logged one
  // (ServeOutcome::ope); none: nothing is computed.
  OffPolicyTarget ope_target = OffPolicyTarget::kNone;
};

// The components the ad server calls, once per request each. The server does not own them.
struct AdServerComponents {
  CtrModel* ctr_model = nullptr;        // required
  Calibrator* calibrator = nullptr;     // optional: identity when null
  Pacer* pacer = nullptr;               // optional: no pacing when null
  QualityModel* quality_model = nullptr;  // optional: per-ad quality scores set by the marketplace
  const AuctionMechanism* auction = nullptr;  // required
  // Needed when some campaign bills per impression or conversion, or is auto-bid.
  const ConversionModel* conversion_model = nullptr;
  const BidPolicy* bid_policy = nullptr;  // optional: auto-bidding of the campaigns it manages
};

// The ranked set of one request (at most N2 candidates), as parallel arrays. Valid until the next
// serve(); the marketplace reads winners from it and the auction log copies it.
struct RankedCandidates {
  std::size_t size = 0;
  std::vector<AdId> ad;
  std::vector<CampaignId> campaign;
  std::vector<double> bid;                // micros per billing event (click for CPC), before pacing
  std::vector<double> pacing_multiplier;
  std::vector<std::uint8_t> participates;
  std::vector<float> raw_score;           // model output before calibration
  std::vector<float> pctr;                // calibrated
  std::vector<float> pcvr;                // P(conversion | click); filled only when some campaign needs it
  std::vector<double> quality;
  std::vector<double> rank_score;         // 0 for candidates the pacer kept out
  std::vector<int> slot;                  // -1: not shown
  std::vector<double> price;              // micros per billing event, for winners
  std::vector<std::uint8_t> reserve_bound;
};

inline constexpr std::uint32_t kNoCandidate = 0xFFFFFFFFu;

// What off-policy evaluation needs of one request, beyond what was shown (filled only when
// AdServerConfig::ope_target is set). Indices are into RankedCandidates; kNoCandidate: no ad. The
// defaults describe a request without candidates: both halves of the logging policy show nothing.
struct OffPolicyChoice {
  std::uint32_t eligible = 0;              // participants whose bid meets the reserve
  std::uint32_t target = kNoCandidate;     // the target policy's top ad
  bool logged_is_exploit = true;           // the ad on top is the one the auction put there
  // P(exploration draws the ad that is on top): 1 / eligible for an eligible ad, 0 otherwise; an
  // empty top counts as drawn with certainty when nothing is eligible.
  double logged_explore_probability = 1.0;
};

struct ServeOutcome {
  std::uint32_t retrieved = 0;
  std::uint32_t after_prerank = 0;
  std::uint32_t after_rank = 0;
  std::uint32_t participants = 0;
  std::uint32_t below_reserve = 0;
  int filled = 0;
  bool explored = false;
  std::array<std::uint32_t, kMaxSlots> winner{};  // index into RankedCandidates, by slot
  OffPolicyChoice ope;
};

// Steps 1-5 of one ad request (DESIGN.md "the hot path"): the candidate funnel (retrieval,
// pre-ranking, light ranking), then the learned click model, pacing and the auction. Response,
// billing and logging are the marketplace's.
// No allocation per request: every buffer is sized at construction.
class AdServer {
 public:
  AdServer(const World& world, AdServerConfig config, AdServerComponents components);

  // `explore`: this request is randomized exploration traffic (winners drawn at random among the
  // participants that meet the reserve, each paying the reserve).
  void serve(const RequestContext& request, Rng& rng, bool explore, ServeOutcome& out);
  // Logged impressions per ad (the platform's own counts), for the optimism bonus.
  void set_impression_counts(std::span<const double> counts) { impression_counts_ = counts; }
  // A budget-split A/B test: per campaign, whether its part of the budget for each arm has money
  // left (BudgetLedger::arm_has_budget); a campaign without sits out its arm's auctions.
  void set_arm_budgets(std::span<const std::uint8_t> control, std::span<const std::uint8_t> treatment) {
    arm_has_budget_ = {control, treatment};
  }
  const RankedCandidates& ranked() const { return ranked_; }
  const AdServerConfig& config() const { return config_; }
  // Every ad eligible for the request just served, before the funnel chose (for measurement).
  void eligible_ads(const RequestContext& request, std::vector<AdId>& out) const { funnel_.eligible_ads(request, out); }

  // State the marketplace keeps current: which ads may be served, current bids, quality scores.
  void set_ad_live(AdId ad, bool live) { funnel_.set_ad_live(ad, live); }
  bool ad_live(AdId ad) const { return funnel_.ad_live(ad); }
  // A manual campaign's bid, in its billing unit; retrieval and pre-ranking see its per-click
  // equivalent (see World::typical_ctr).
  void set_campaign_bid(CampaignId c, double micros);
  double campaign_bid(CampaignId c) const { return bid_[c]; }
  // Auto-bid campaigns: what retrieval and pre-ranking see is the bid policy's bid per click at the
  // campaign's current pCVR. Call when the policy's multipliers change (not per request).
  void refresh_auto_bids();
  bool needs_pcvr() const { return needs_pcvr_; }
  // The bid per click retrieval and pre-ranking currently see for campaign c.
  double funnel_bid(CampaignId c) const { return funnel_bid_[c]; }
  void set_quality(AdId ad, double q) { quality_[ad] = q; }
  double quality(AdId ad) const { return quality_[ad]; }
  const TargetingIndex& index() const { return funnel_.index(); }

 private:
  void predict_and_price(const RequestContext& request, std::span<const AdId> ads, Rng& rng, bool explore, ServeOutcome& out);
  void explore_allocation(std::size_t m, int slots, double reserve, Rng& rng, AuctionResult& result);
  void off_policy_choice(std::size_t m, double reserve, std::uint32_t exploit_top, const AuctionResult& result,
                         OffPolicyChoice& out) const;
  // Auction candidate j's bid converted to micros per click (CPM: / pCTR, CPA: x pCVR).
  double auction_per_click(std::size_t j) const;
  bool meets_reserve(std::size_t j, double reserve) const { return auction_bid_[j] * auction_per_click(j) >= reserve; }

  const World& world_;
  AdServerConfig config_;
  AdServerComponents components_;
  CandidateFunnel funnel_;
  std::vector<float> bid_;           // per campaign, micros per billing event
  std::vector<float> funnel_bid_;    // per campaign, micros per click, as the funnel has it
  std::vector<double> quality_;      // per ad, platform's quality score
  RankedCandidates ranked_;
  std::vector<double> auction_bid_, auction_pctr_, auction_quality_, auction_rank_, auction_pcvr_;
  std::vector<BillingModel> billing_, auction_billing_;  // per campaign; per auction candidate
  std::vector<std::uint8_t> managed_;                    // per campaign: auto-bid
  bool mixed_billing_ = false;  // some campaign does not pay per click
  bool any_managed_ = false;
  bool needs_pcvr_ = false;
  std::vector<std::uint32_t> auction_to_ranked_, auction_to_ranked_scratch_;
  std::span<const double> impression_counts_;
  std::array<std::span<const std::uint8_t>, 2> arm_has_budget_{};
};

}  // namespace adsim::core

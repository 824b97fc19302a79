#include "core/ad_server.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/random/uniform_int_distribution.hpp>

#include "core/vector_math.hpp"

namespace adsim::core {

AdServer::AdServer(const World& world, AdServerConfig config, AdServerComponents components)
    : world_(world), config_(std::move(config)), components_(components), funnel_(world, config_.funnel) {
  if (!components_.ctr_model || !components_.auction)
    throw std::invalid_argument("AdServer: a click model and an auction mechanism are required");
  if (config_.slots < 1 || config_.slots > kMaxSlots) throw std::invalid_argument("AdServer: slots out of range");
  if (config_.ab_slots < 0 || config_.ab_slots > kMaxSlots) throw std::invalid_argument("AdServer: ab_slots out of range");
  if (config_.position_factors.size() < static_cast<std::size_t>(std::max(config_.slots, config_.ab_slots)))
    throw std::invalid_argument("AdServer: need a position factor per slot");
  bid_.resize(world.campaigns.size());
  for (std::size_t c = 0; c < world.campaigns.size(); ++c) bid_[c] = static_cast<float>(world.campaigns[c].bid.micros);
  funnel_bid_ = bid_;
  quality_.assign(world.ads.size(), 1.0);
  const auto n2 = static_cast<std::size_t>(config_.funnel.rank_keep);
  for (auto* v : {&ranked_.bid, &ranked_.pacing_multiplier, &ranked_.quality, &ranked_.rank_score, &ranked_.price,
                  &auction_bid_, &auction_pctr_, &auction_quality_, &auction_rank_})
    v->resize(n2);
  ranked_.ad.resize(n2);
  ranked_.campaign.resize(n2);
  ranked_.participates.resize(n2);
  ranked_.raw_score.resize(n2);
  ranked_.pctr.resize(n2);
  ranked_.slot.resize(n2);
  ranked_.reserve_bound.resize(n2);
  auction_to_ranked_.resize(n2);
  auction_to_ranked_scratch_.resize(n2);

  billing_.resize(world.campaigns.size());
  managed_.assign(world.campaigns.size(), 0);
  for (std::size_t c = 0; c < world.campaigns.size(); ++c) {
    billing_[c] = world.campaigns[c].billing;
    mixed_billing_ |= billing_[c] != BillingModel::kCpc;
    managed_[c] = components_.bid_policy && components_.bid_policy->manages(static_cast<CampaignId>(c)) ? 1 : 0;
    any_managed_ |= managed_[c] != 0;
  }
  needs_pcvr_ = mixed_billing_ || any_managed_;
  if (needs_pcvr_ && !components_.conversion_model)
    throw std::invalid_argument("AdServer: CPM/CPA billing and auto-bidding need a conversion model");
  if (needs_pcvr_) {
    ranked_.pcvr.resize(n2);
    auction_pcvr_.resize(n2);
    auction_billing_.resize(n2);
  }
  for (std::size_t c = 0; c < world.campaigns.size(); ++c)
    if (billing_[c] != BillingModel::kCpc && !managed_[c])
      set_campaign_bid(static_cast<CampaignId>(c), world.campaigns[c].bid.as_double_micros());
  refresh_auto_bids();
}

void AdServer::refresh_auto_bids() {
  if (!any_managed_) return;
  for (std::size_t i = 0; i < managed_.size(); ++i) {
    if (!managed_[i]) continue;
    const auto c = static_cast<CampaignId>(i);
    const double per_click = components_.bid_policy->bid(c, components_.conversion_model->predict(c));
    funnel_bid_[c] = static_cast<float>(per_click);
    funnel_.set_campaign_bid(c, per_click);
  }
}

double AdServer::auction_per_click(std::size_t j) const {
  if (!mixed_billing_) return 1.0;
  const BillingModel b = auction_billing_[j];
  return per_click_factor(b, auction_pctr_[j], b == BillingModel::kCpa ? auction_pcvr_[j] : 0.0);
}

// Exploration traffic: slots go to participants drawn uniformly at random among those whose bid
// meets the reserve, and each pays the reserve (for CPM, the reserve per click times the expected
// clicks of the slot's impression, pCTR x theta_s, as the auction charges it). The rank scores the mechanism computed are kept for
// the log. What this costs shows up as the revenue of exploration requests versus the others.
void AdServer::explore_allocation(std::size_t m, int slots, double reserve, Rng& rng, AuctionResult& result) {
  // Bids and the reserve are compared per click: a CPM bid per impression is worth bid / pCTR per
  // click, a CPA bid per conversion bid x pCVR; the price is the reserve converted back.
  std::size_t eligible = 0;
  for (std::size_t j = 0; j < m; ++j)
    if (meets_reserve(j, reserve)) auction_to_ranked_scratch_[eligible++] = static_cast<std::uint32_t>(j);
  const std::size_t k = std::min<std::size_t>(eligible, static_cast<std::size_t>(slots));
  for (std::size_t s = 0; s < k; ++s) {  // partial Fisher-Yates
    boost::random::uniform_int_distribution<std::size_t> pick(s, eligible - 1);
    std::swap(auction_to_ranked_scratch_[s], auction_to_ranked_scratch_[pick(rng)]);
    const std::uint32_t j = auction_to_ranked_scratch_[s];
    SlotAward& award = result.slots[s];
    award = SlotAward{};
    award.candidate = j;
    const double f = auction_per_click(j);
    const double theta = config_.position_factors[s];
    if (mixed_billing_ && auction_billing_[j] == BillingModel::kCpm)
      award.price = std::min(reserve * auction_pctr_[j] * theta, auction_bid_[j] * std::min(theta, 1.0));
    else
      award.price = f == 1.0 ? std::min(reserve, auction_bid_[j]) : (f > 0 ? std::min(reserve / f, auction_bid_[j]) : 0.0);
    award.rank_score = auction_rank_[j];
    award.reserve_bound = true;
  }
  result.filled = static_cast<int>(k);
}

// The logging policy is a mixture: with the exploration share, the top ad is drawn uniformly among
// the eligible participants; otherwise the auction's winner is there. What the mixture's propensity
// needs is whether each half could have put the logged ad on top; the marketplace, which draws the
// mixture, weighs the two. Ties in the target's score go to the earlier participant.
void AdServer::off_policy_choice(std::size_t m, double reserve, std::uint32_t exploit_top, const AuctionResult& result,
                                 OffPolicyChoice& out) const {
  const std::uint32_t logged = result.filled > 0 ? result.slots[0].candidate : kNoCandidate;
  std::uint32_t target = kNoCandidate;
  double best = -1.0;
  bool logged_eligible = false;
  out.eligible = 0;
  for (std::size_t j = 0; j < m; ++j) {
    if (!meets_reserve(j, reserve)) continue;
    ++out.eligible;
    if (j == logged) logged_eligible = true;
    const double score = config_.ope_target == OffPolicyTarget::kTopBid ? auction_bid_[j] * auction_per_click(j)
                                                                        : auction_pctr_[j];
    if (score > best) {
      best = score;
      target = static_cast<std::uint32_t>(j);
    }
  }
  if (config_.ope_target == OffPolicyTarget::kAuction) target = exploit_top;
  out.target = target == kNoCandidate ? kNoCandidate : auction_to_ranked_[target];
  out.logged_is_exploit = logged == exploit_top;
  if (out.eligible == 0) out.logged_explore_probability = logged == kNoCandidate ? 1.0 : 0.0;
  else out.logged_explore_probability = logged_eligible ? 1.0 / out.eligible : 0.0;
}

const char* off_policy_target_name(OffPolicyTarget t) {
  switch (t) {
    case OffPolicyTarget::kNone: return "none";
    case OffPolicyTarget::kAuction: return "auction";
    case OffPolicyTarget::kTopPctr: return "top_pctr";
    case OffPolicyTarget::kTopBid: return "top_bid";
  }
  return "none";
}

void AdServer::set_campaign_bid(CampaignId c, double micros) {
  bid_[c] = static_cast<float>(micros);
  double per_click = micros;
  if (billing_[c] == BillingModel::kCpm) per_click = micros / world_.typical_ctr;
  else if (billing_[c] == BillingModel::kCpa) per_click = micros * world_.typical_cvr;
  funnel_bid_[c] = static_cast<float>(per_click);
  funnel_.set_campaign_bid(c, per_click);
}

void AdServer::serve(const RequestContext& request, Rng& rng, bool explore, ServeOutcome& out) {
  out = ServeOutcome{};
  // 1-3a. Retrieval, pre-ranking (top N1) and the light ranking model (top N2).
  const CandidateFunnel::Counts counts = funnel_.run(request);
  out.retrieved = static_cast<std::uint32_t>(counts.retrieved);
  out.after_prerank = static_cast<std::uint32_t>(counts.after_prerank);
  out.after_rank = static_cast<std::uint32_t>(counts.after_rank);
  // 3b-5. Learned pCTR and calibration, pacing, auction.
  predict_and_price(request, funnel_.ads(), rng, explore, out);
}

void AdServer::predict_and_price(const RequestContext& request, std::span<const AdId> ads, Rng& rng, bool explore,
                                 ServeOutcome& out) {
  RankedCandidates& r = ranked_;
  const std::size_t n = ads.size();
  r.size = n;
  for (std::size_t i = 0; i < n; ++i) {
    const AdId ad = ads[i];
    const CampaignId c = world_.ads.campaign[ad];
    r.ad[i] = ad;
    r.campaign[i] = c;
    r.bid[i] = bid_[c];
    r.pacing_multiplier[i] = 1.0;
    r.participates[i] = 1;
    r.quality[i] = quality_[ad];
    r.rank_score[i] = 0.0;
    r.slot[i] = -1;
    r.price[i] = 0.0;
    r.reserve_bound[i] = 0;
  }
  if (n == 0) return;

  if (components_.quality_model) components_.quality_model->quality(request, {r.ad.data(), n}, {r.quality.data(), n});
  // 3b. The learned click model (one virtual call per batch), then calibration.
  components_.ctr_model->predict(request, {r.ad.data(), n}, {r.raw_score.data(), n});
  std::copy_n(r.raw_score.begin(), n, r.pctr.begin());
  if (components_.calibrator) components_.calibrator->calibrate({r.pctr.data(), n});
  if (config_.optimism_bonus > 0 && !impression_counts_.empty()) {
    for (std::size_t i = 0; i < n; ++i) {
      const double p = r.pctr[i];
      const double bonus = optimism_bonus(p, impression_counts_[r.ad[i]], config_.optimism_bonus);
      r.pctr[i] = static_cast<float>(std::min(1.0, p + bonus));
    }
  }

  // 3c. Conversion economics, only when some campaign needs them: pCVR, then auto-bids per click
  // converted to each campaign's billing unit (per impression: x pCTR; per conversion: / pCVR).
  if (needs_pcvr_) {
    components_.conversion_model->predict({r.campaign.data(), n}, {r.pcvr.data(), n});
    if (any_managed_) {
      components_.bid_policy->bids({r.campaign.data(), n}, {r.pcvr.data(), n}, {r.bid.data(), n});
      for (std::size_t i = 0; i < n; ++i) {
        const CampaignId c = r.campaign[i];
        if (!managed_[c]) continue;
        if (billing_[c] == BillingModel::kCpm) r.bid[i] *= r.pctr[i];
        else if (billing_[c] == BillingModel::kCpa) r.bid[i] = r.pcvr[i] > 0 ? r.bid[i] / r.pcvr[i] : 0.0;
      }
    }
  }

  // 4. Pacing: throttle or scale each campaign's bid.
  if (components_.pacer)
    components_.pacer->apply(request.time, {r.campaign.data(), n}, {r.pacing_multiplier.data(), n},
                             {r.participates.data(), n}, rng);

  // A budget-split A/B test: a campaign whose part for this request's arm is spent sits out.
  if (const std::span<const std::uint8_t> arm_budget = arm_has_budget_[request.arm]; !arm_budget.empty())
    for (std::size_t i = 0; i < n; ++i) r.participates[i] &= arm_budget[r.campaign[i]];

  // 5. Auction over the participants.
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!r.participates[i]) continue;
    auction_bid_[m] = r.bid[i] * r.pacing_multiplier[i];
    auction_pctr_[m] = r.pctr[i];
    auction_quality_[m] = r.quality[i];
    auction_to_ranked_[m] = static_cast<std::uint32_t>(i);
    if (mixed_billing_) {
      auction_billing_[m] = billing_[r.campaign[i]];
      auction_pcvr_[m] = r.pcvr[i];
    }
    ++m;
  }
  out.participants = static_cast<std::uint32_t>(m);
  AuctionRules rules;
  rules.slots = config_.slots;
  rules.position_factors = config_.position_factors;
  rules.reserve = config_.reserve_micros;
  if (!config_.region_reserves_micros.empty())
    rules.reserve = std::max(rules.reserve, config_.region_reserves_micros[std::min<std::size_t>(
                                                request.region, config_.region_reserves_micros.size() - 1)]);
  if (!config_.surface_reserves_micros.empty())
    rules.reserve = std::max(rules.reserve, config_.surface_reserves_micros[std::min<std::size_t>(
                                                surface_index(request.surface), config_.surface_reserves_micros.size() - 1)]);
  if (request.is_search() && request.query_category < config_.query_category_reserves_micros.size())
    rules.reserve = std::max(rules.reserve, config_.query_category_reserves_micros[request.query_category]);
  rules.slot_reserves = config_.slot_reserves_micros;
  rules.quality_exponent = config_.quality_exponent;
  if (request.arm == 1) {  // the treatment arm of an in-simulation A/B test
    if (config_.ab_slots > 0) rules.slots = config_.ab_slots;
    if (config_.ab_reserve_micros >= 0) {
      rules.reserve = config_.ab_reserve_micros;
      rules.slot_reserves = {};
    }
  }
  AuctionResult result;
  AuctionCandidates candidates;
  candidates.bid = {auction_bid_.data(), m};
  candidates.pctr = {auction_pctr_.data(), m};
  candidates.quality = {auction_quality_.data(), m};
  if (mixed_billing_) {
    candidates.billing = {auction_billing_.data(), m};
    candidates.pcvr = {auction_pcvr_.data(), m};
  }
  components_.auction->run(candidates, rules, {auction_rank_.data(), m}, result);
  const std::uint32_t exploit_top = result.filled > 0 ? result.slots[0].candidate : kNoCandidate;
  if (explore) {
    explore_allocation(m, rules.slots, rules.reserve, rng, result);
    out.explored = true;
  }
  if (config_.ope_target != OffPolicyTarget::kNone) off_policy_choice(m, rules.reserve, exploit_top, result, out.ope);
  for (std::size_t j = 0; j < m; ++j) r.rank_score[auction_to_ranked_[j]] = auction_rank_[j];
  out.below_reserve = static_cast<std::uint32_t>(result.below_reserve);
  out.filled = result.filled;
  for (int s = 0; s < result.filled; ++s) {
    const SlotAward& award = result.slots[static_cast<std::size_t>(s)];
    const std::uint32_t i = auction_to_ranked_[award.candidate];
    r.slot[i] = s;
    r.price[i] = award.price;
    r.reserve_bound[i] = award.reserve_bound ? 1 : 0;
    out.winner[static_cast<std::size_t>(s)] = i;
  }
}

}  // namespace adsim::core

#include "core/marketplace.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <limits>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/geometric_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>

namespace adsim::core {

Marketplace::Marketplace(std::unique_ptr<World> world, MarketplaceConfig config, MarketplaceComponents components)
    : world_(std::move(world)),
      config_(std::move(config)),
      components_(std::move(components)),
      streams_(config_.run.seed),
      budgets_((world_ ? *world_ : throw std::invalid_argument("Marketplace: no world")).campaigns),
      server_(*world_, config_.server,
              AdServerComponents{.ctr_model = components_.ctr_model.get(),
                                 .calibrator = components_.calibrator.get(),
                                 .pacer = components_.pacer.get(),
                                 .quality_model = components_.quality_model.get(),
                                 .auction = components_.auction.get(),
                                 .conversion_model = components_.conversion_model.get(),
                                 .bid_policy = components_.bid_policy.get()}),
      horizon_(config_.run.horizon()),
      traffic_rng_(streams_.stream("traffic.sessions")),
      session_rng_(streams_.stream("traffic.users")),
      response_rng_(streams_.stream("truth.response")),
      pacing_rng_(streams_.stream("platform.pacing")),
      log_rng_(streams_.stream("platform.auction_log")),
      explore_rng_(streams_.stream("platform.exploration")),
      search_rng_(streams_.stream("traffic.search")),
      prediction_log_rng_(streams_.stream("platform.prediction_log")) {
  if (!components_.truth) throw std::invalid_argument("Marketplace: a ground-truth user response is required");
  if (config_.traffic.hourly_profile.size() != 24) throw std::invalid_argument("Marketplace: hourly profile needs 24 entries");
  const double weight_sum = std::accumulate(config_.traffic.hourly_profile.begin(), config_.traffic.hourly_profile.end(), 0.0);
  if (!(weight_sum > 0)) throw std::invalid_argument("Marketplace: hourly profile must have a positive sum");
  for (double w : config_.traffic.hourly_profile)
    hourly_rate_per_us_.push_back(config_.traffic.sessions_per_day * (w / weight_sum) / static_cast<double>(kHour));

  const std::size_t users = world_->users.size();
  active_users_ = users;
  logged_impressions_.assign(world_->ads.size(), 0.0);
  logged_negative_.assign(world_->ads.size(), 0.0);
  ad_arrival_.resize(world_->ads.size());
  for (AdId a = 0; a < world_->ads.size(); ++a)
    ad_arrival_[a] = std::max(world_->ads.available_from[a], world_->campaigns[world_->ads.campaign[a]].flight_start);
  ad_first_click_.assign(world_->ads.size(), -1);
  if (config_.ab_share > 0) {  // the A/B test's arms, drawn once per user from a stream of their own
    Rng rng = streams_.stream("ab.assignment");
    boost::random::bernoulli_distribution<double> treated(config_.ab_share);
    arm_.resize(users);
    for (UserId u = 0; u < users; ++u) {
      arm_[u] = treated(rng) ? 1 : 0;
      ++arms_[arm_[u]].users;
    }
    for (std::size_t a = 0; a < 2; ++a) arm_active_[a] = arms_[a].users;
    if (config_.ab_budget_split) {
      budgets_.split_between_arms(config_.ab_share);
      server_.set_arm_budgets(budgets_.arm_has_budget(0), budgets_.arm_has_budget(1));
    }
  }
  server_.set_impression_counts(logged_impressions_);
  campaign_totals_.resize(world_->campaigns.size());
  campaign_in_flight_.assign(world_->campaigns.size(), 0);
  tracking_.assign(world_->campaigns.size(), TrackingStats{});
  interval_pacing_.assign(world_->campaigns.size(), IntervalPacingError{});
  for (CampaignId c = 0; c < world_->campaigns.size(); ++c) {
    campaign_totals_[c].campaign = c;
    campaign_totals_[c].advertiser = world_->campaigns[c].advertiser;
    campaign_totals_[c].daily_budget = world_->campaigns[c].daily_budget;
    campaign_totals_[c].billing = world_->campaigns[c].billing;
    campaign_totals_[c].bidding = world_->campaigns[c].bidding;
    campaign_totals_[c].value_per_conversion = world_->campaigns[c].value_per_conversion;
    campaign_totals_[c].pacer = c < config_.campaign_pacer.size() ? config_.campaign_pacer[c] : 0;
  }
  // Mean fatigue is estimated on a fixed sample of users: exact for small worlds, and cheap enough
  // to take at every snapshot for a million users.
  {
    constexpr std::size_t kSample = 65'536;
    Rng rng = streams_.stream("metrics.fatigue_sample");
    if (users <= kSample) {
      fatigue_sample_.resize(users);
      std::iota(fatigue_sample_.begin(), fatigue_sample_.end(), UserId{0});
    } else {
      boost::random::uniform_int_distribution<UserId> pick(0, static_cast<UserId>(users - 1));
      fatigue_sample_.resize(kSample);
      for (auto& u : fatigue_sample_) u = pick(rng);
    }
  }

  for (CampaignId c = 0; c < world_->campaigns.size(); ++c) {
    refresh_campaign(c, 0);
    const Campaign& k = world_->campaigns[c];
    if (k.flight_start > 0 && k.flight_start < horizon_) sim_.schedule(k.flight_start, Priority::kCampaignLifecycle, *this, kCampaignChange, c);
    if (k.flight_end > 0 && k.flight_end < horizon_) sim_.schedule(k.flight_end, Priority::kCampaignLifecycle, *this, kCampaignChange, c);
  }
  for (AdId a = 0; a < world_->ads.size(); ++a) {
    const SimTime t = world_->ads.available_from[a];
    if (t > 0 && t < horizon_) sim_.schedule(t, Priority::kCampaignLifecycle, *this, kCampaignChange, world_->ads.campaign[a]);
  }
  for (SimTime d = kDay; d < horizon_; d += kDay) sim_.schedule(d, Priority::kDayBoundary, *this, kDayBoundary);
  sim_.schedule(std::min(config_.joiner_interval, horizon_), Priority::kModelRefresh, *this, kJoinerTick);
  if (const SimTime every = components_.ctr_model->refresh_interval(); every > 0 && every <= horizon_)
    sim_.schedule(every, Priority::kModelRefresh, *this, kModelRefresh);
  if (components_.pacer && components_.pacer->control_interval() > 0)
    sim_.schedule(std::min(components_.pacer->control_interval(), horizon_), Priority::kControl, *this, kPacingTick);
  if (components_.bid_policy && components_.bid_policy->interval() > 0 && components_.bid_policy->interval() <= horizon_)
    sim_.schedule(components_.bid_policy->interval(), Priority::kControl, *this, kAutoBidTick);
  sim_.schedule(std::min(config_.run.snapshot_interval, horizon_), Priority::kSnapshot, *this, kSnapshot);
  schedule_next_session(0);
}

// A search request's query is about one of the user's top interests (uniformly among them) with
// probability traffic.search_query_from_interests, else about any category uniformly. Users
// without interests always draw uniformly.
void Marketplace::draw_surface(RequestContext& request) {
  if (!boost::random::bernoulli_distribution<double>(config_.traffic.search_share)(search_rng_)) return;
  request.surface = Surface::kSearch;
  const int categories = world_->num_categories;
  const std::uint64_t mask = categories >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << categories) - 1;
  std::uint64_t interests = request.interests & mask;
  if (interests != 0 &&
      boost::random::bernoulli_distribution<double>(config_.traffic.search_query_from_interests)(search_rng_)) {
    boost::random::uniform_int_distribution<int> pick(0, std::popcount(interests) - 1);
    for (int k = pick(search_rng_); k > 0; --k) interests &= interests - 1;  // drop the k lowest
    request.query_category = static_cast<std::uint16_t>(std::countr_zero(interests));
    return;
  }
  boost::random::uniform_int_distribution<int> pick(0, categories - 1);
  request.query_category = static_cast<std::uint16_t>(pick(search_rng_));
}

// ---------------------------------------------------------------------------------------------
// Events

void Marketplace::handle(const Event& e, Simulation&) {
  switch (static_cast<Kind>(e.kind)) {
    case kSessionArrival: on_session(e.time); break;
    case kRequest: on_request(e.time, e.payload); break;
    case kClick: on_click(e.time, e.payload); break;
    case kConversion: on_conversion(e.time, e.payload); break;
    case kDayBoundary: on_day_boundary(e.time); break;
    case kCampaignChange: refresh_campaign(static_cast<CampaignId>(e.payload), e.time); break;
    case kJoinerTick: on_joiner_tick(e.time); break;
    case kPacingTick:
      components_.pacer->on_control_tick(e.time, budgets_);
      if (e.time + components_.pacer->control_interval() <= horizon_)
        sim_.schedule(e.time + components_.pacer->control_interval(), Priority::kControl, *this, kPacingTick);
      break;
    case kSnapshot: on_snapshot(e.time); break;
    case kAutoBidTick:
      // New multipliers: retrieval and pre-ranking see the new bids per click from now on.
      components_.bid_policy->update(e.time);
      server_.refresh_auto_bids();
      if (e.time + components_.bid_policy->interval() <= horizon_)
        sim_.schedule(e.time + components_.bid_policy->interval(), Priority::kControl, *this, kAutoBidTick);
      break;
    case kModelRefresh:
      components_.ctr_model->refresh(e.time);
      if (e.time + components_.ctr_model->refresh_interval() <= horizon_)
        sim_.schedule(e.time + components_.ctr_model->refresh_interval(), Priority::kModelRefresh, *this, kModelRefresh);
      break;
  }
}

// Sessions follow a Poisson process whose rate is constant within each hour of the day. Because
// exponential gaps are memoryless, a gap that crosses an hour boundary is redrawn from the boundary
// at the next hour's rate, which samples the piecewise-constant process exactly.
void Marketplace::schedule_next_session(SimTime after) {
  boost::random::exponential_distribution<double> unit_exp(1.0);
  SimTime t = after;
  for (int guard = 0; guard < 24 * 400; ++guard) {
    if (t >= horizon_) return;
    const SimTime boundary = (t / kHour + 1) * kHour;
    const double rate = hourly_rate_per_us_[static_cast<std::size_t>(time_of_day(t) / kHour)];
    if (rate > 0) {
      const double gap = unit_exp(traffic_rng_) / rate;
      if (static_cast<double>(t) + gap < static_cast<double>(boundary)) {
        t += std::max<SimTime>(1, static_cast<SimTime>(gap));
        if (t < horizon_) sim_.schedule(t, Priority::kRequest, *this, kSessionArrival);
        return;
      }
    }
    t = boundary;
  }
}

std::uint32_t Marketplace::session_requests() {
  const double p = 1.0 / std::max(1.0, config_.traffic.requests_per_session);
  if (p >= 1.0) return 1;
  boost::random::geometric_distribution<std::uint32_t, double> extra(p);
  return 1 + std::min<std::uint32_t>(extra(session_rng_), 10'000);
}

void Marketplace::on_session(SimTime now) {
  schedule_next_session(now);
  boost::random::uniform_int_distribution<UserId> pick(0, static_cast<UserId>(world_->users.size() - 1));
  const UserId u = pick(session_rng_);
  if (world_->users.left[u]) return;  // a user who left no longer visits: traffic lost to ads
  ++interval_.sessions;
  const std::uint64_t remaining_after_first = session_requests() - 1;
  on_request(now, static_cast<std::uint64_t>(u) | (remaining_after_first << 32));
}

// One ad request end to end: the ad server runs steps 1-5 (retrieval to auction), then here the
// hidden truth responds (6) and billing, training log and metrics are updated (7).
void Marketplace::on_request(SimTime now, std::uint64_t payload) {
  const auto u = static_cast<UserId>(payload & 0xffffffffULL);
  const std::uint64_t remaining = payload >> 32;
  UserPopulation& users = world_->users;
  // The next event is usually another request: its user's attributes, spread over tens of megabytes
  // and so a cache miss each, load while this request is served.
  if (const Event* next = sim_.peek(); next != nullptr && next->handler == this && next->kind == kRequest) {
    const auto v = static_cast<std::size_t>(next->payload & 0xffffffffULL);
    const float* embedding = users.embedding.data() + v * static_cast<std::size_t>(users.dim);
    __builtin_prefetch(embedding);
    __builtin_prefetch(embedding + users.dim - 1);
    __builtin_prefetch(&users.interests[v]);
    __builtin_prefetch(&users.region[v]);
    __builtin_prefetch(&users.age_band[v]);
    __builtin_prefetch(&users.device[v]);
    __builtin_prefetch(&users.left[v]);
    __builtin_prefetch(&users.fatigue[v]);
    __builtin_prefetch(&users.fatigue_updated[v]);
  }
  if (users.left[u]) return;

  RequestContext request = user_request(u, now);
  request.request_id = next_request_id_++;
  if (!arm_.empty()) request.arm = arm_[u];
  ++arms_[request.arm].requests;
  ++interval_arms_[request.arm].requests;
  if (config_.traffic.search_share > 0) draw_surface(request);
  const std::size_t surface = surface_index(request.surface);

  const bool explore = config_.exploration_share > 0 &&
                       boost::random::bernoulli_distribution<double>(config_.exploration_share)(explore_rng_);
  ServeOutcome served;
  server_.serve(request, pacing_rng_, explore, served);

  Counters& m = interval_;
  SurfaceCounters& ms = m.surface[surface];
  ++m.requests;
  ++ms.requests;
  ms.reserve_excluded += served.below_reserve;
  m.candidates_retrieved += served.retrieved;
  m.candidates_prerank += served.after_prerank;
  m.candidates_ranked += served.after_rank;
  m.candidates_auction += served.participants;
  m.reserve_excluded += served.below_reserve;
  m.explore_requests += served.explored ? 1 : 0;
  const FunnelSpec& f = config_.server.funnel;
  m.funnel_cost_us[0] += served.retrieved * f.retrieval_cost_us;
  m.funnel_cost_us[1] += served.retrieved * f.prerank_cost_us;
  m.funnel_cost_us[2] += served.after_prerank * f.rank_cost_us;
  m.funnel_cost_us[3] += served.after_rank * f.predict_cost_us;
  if (config_.run.auction_log_rate > 0 &&
      boost::random::bernoulli_distribution<double>(config_.run.auction_log_rate)(log_rng_))
    log_auction(request, served);

  // 6. The user's response to the page.
  const RankedCandidates& ranked = server_.ranked();
  const auto shown_count = static_cast<std::size_t>(served.filled);
  std::array<ShownAd, kMaxSlots> shown;
  std::array<AdId, kMaxSlots> shown_ads;
  std::array<float, kMaxSlots> true_ctr;
  std::array<ImpressionOutcome, kMaxSlots> outcomes;
  for (std::size_t s = 0; s < shown_count; ++s) {
    shown_ads[s] = ranked.ad[served.winner[s]];
    shown[s] = {shown_ads[s], static_cast<int>(s)};
  }
  UserState state{users.fatigue[u], users.fatigue_updated[u]};
  if (shown_count > 0) {
    ++m.filled_requests;
    ++ms.filled_requests;
    components_.truth->true_ctr(request, {shown_ads.data(), shown_count}, {true_ctr.data(), shown_count});
  }
  const bool evaluate_off_policy = config_.server.ope_target != OffPolicyTarget::kNone;
  OffPolicySample ope;
  if (evaluate_off_policy) ope = off_policy_sample(request, served, shown_count > 0 ? true_ctr[0] : 0.0f);
  components_.truth->respond(request, {shown.data(), shown_count}, {outcomes.data(), shown_count}, state, response_rng_);
  if (evaluate_off_policy) {
    ope.reward = shown_count > 0 && outcomes[0].clicked ? 1.0 : 0.0;
    off_policy_.add(ope);
  }

  // 7. Impressions are logged for training; clicks and conversions arrive later as events.
  for (std::size_t s = 0; s < shown_count; ++s) {
    const std::uint32_t i = served.winner[s];
    const AdId ad = ranked.ad[i];
    const CampaignId c = ranked.campaign[i];
    const ImpressionOutcome& o = outcomes[s];
    ++m.impressions;
    ++campaign_totals_[c].impressions;
    if (is_new_ad(ad)) ++new_ads_.impressions;
    ++arms_[request.arm].impressions;
    ++interval_arms_[request.arm].impressions;
    const ChargeSource source{ad, static_cast<std::uint8_t>(s), served.explored, request.surface, request.arm};
    m.sum_pctr_shown += ranked.pctr[i];
    const BillingModel billing = world_->campaigns[c].billing;
    // Prices and bids of shown ads are summed per click: CPM and CPA ones are converted with the
    // platform's own pCTR and pCVR. A CPM bid is per reference (top) impression, a CPM price per
    // impression in this slot, whose expected clicks are pCTR x theta_s.
    // pCVR is filled only when some campaign pays per conversion.
    const double pcvr = billing == BillingModel::kCpa ? ranked.pcvr[i] : 0.0;
    const double per_click = per_click_factor(billing, ranked.pctr[i], pcvr);
    const double price_per_click = per_click_factor(billing, ranked.pctr[i], pcvr, server_.config().position_factors[s]);
    m.sum_price_shown += ranked.price[i] * price_per_click;
    ++ms.impressions;
    ms.sum_price_shown += ranked.price[i] * price_per_click;
    ms.sum_pctr_shown += ranked.pctr[i];
    ms.sum_true_ctr_shown += true_ctr[s];
    ms.reserve_bound += ranked.reserve_bound[i];
    m.sum_bid_shown += ranked.bid[i] * ranked.pacing_multiplier[i] * per_click;
    ++m.slot_impressions[s];
    m.slot_reserve_bound[s] += ranked.reserve_bound[i];
    m.slot_sum_price[s] += ranked.price[i] * price_per_click;
    m.sum_true_ctr_shown += true_ctr[s];
    m.reserve_bound += ranked.reserve_bound[i];
    m.hides += o.hidden;
    m.reports += o.reported;

    LabeledExample logged;
    LoggedImpression& imp = logged.impression;
    imp.impression_id = next_impression_id_++;
    imp.request_id = request.request_id;
    imp.served_at = now;
    imp.user = u;
    imp.ad = ad;
    imp.campaign = c;
    imp.slot = static_cast<std::uint8_t>(s);
    imp.region = request.region;
    imp.age_band = request.age_band;
    imp.device = request.device;
    imp.hour = request.hour;
    imp.surface = request.surface;
    imp.query_category = request.query_category;
    imp.raw_score = ranked.raw_score[i];
    imp.pctr = ranked.pctr[i];
    logged.hidden = o.hidden;
    logged.reported = o.reported;
    logged.user_clicked = o.clicked;
    pending_log_.push_back(logged);

    if (billing == BillingModel::kCpm) {
      const BudgetLedger::ChargeResult charge_result = charge(c, Money::from_micros_rounded(ranked.price[i]), now, source);
      if (charge_result.billed.micros > 0) ++m.billed_impressions;
    }

    if (o.clicked) {
      std::uint32_t slab;
      if (free_clicks_.empty()) {
        slab = static_cast<std::uint32_t>(click_slab_.size());
        click_slab_.emplace_back();
      } else {
        slab = free_clicks_.back();
        free_clicks_.pop_back();
      }
      click_slab_[slab] = {imp.impression_id, c, Money::from_micros_rounded(ranked.price[i]), source};
      sim_.schedule(now + o.click_delay, Priority::kFeedback, *this, kClick, slab);
      if (o.converted) {
        std::uint32_t cslab;
        if (free_conversions_.empty()) {
          cslab = static_cast<std::uint32_t>(conversion_slab_.size());
          conversion_slab_.emplace_back();
        } else {
          cslab = free_conversions_.back();
          free_conversions_.pop_back();
        }
        conversion_slab_[cslab] = {c, billing == BillingModel::kCpa ? Money::from_micros_rounded(ranked.price[i]) : Money{0},
                                   o.conversion_delay <= config_.conversion_window, source};
        sim_.schedule(now + o.click_delay + o.conversion_delay, Priority::kFeedback, *this, kConversion, cslab);
      }
    }
  }

  if (state.leaves) {
    users.left[u] = 1;
    ++m.users_left;
    --active_users_;
    if (!arm_.empty()) --arm_active_[arm_[u]];
    return;
  }
  if (remaining > 0) {
    boost::random::exponential_distribution<double> gap(1.0 / config_.traffic.seconds_between_requests);
    const SimTime next = now + std::max<SimTime>(kMillisecond, from_seconds(gap(session_rng_)));
    if (next < horizon_)
      sim_.schedule(next, Priority::kRequest, *this, kRequest, static_cast<std::uint64_t>(u) | ((remaining - 1) << 32));
  }
}

void Marketplace::on_click(SimTime now, std::uint64_t slab_index) {
  const PendingClick click = click_slab_[slab_index];
  free_clicks_.push_back(static_cast<std::uint32_t>(slab_index));
  Counters& m = interval_;
  CampaignTotals& totals = campaign_totals_[click.campaign];
  ++m.clicks;
  ++m.surface[surface_index(click.source.surface)].clicks;
  ++arms_[click.source.arm].clicks;
  ++interval_arms_[click.source.arm].clicks;
  ++totals.clicks;
  ++m.slot_clicks[click.source.slot];
  if (is_new_ad(click.source.ad)) ++new_ads_.clicks;
  if (ad_first_click_[click.source.ad] < 0) ad_first_click_[click.source.ad] = now;
  if (components_.conversion_model) components_.conversion_model->on_click(click.campaign);
  if (world_->campaigns[click.campaign].billing == BillingModel::kCpc) {
    const BudgetLedger::ChargeResult billed = charge(click.campaign, click.price, now, click.source);
    if (billed.billed.micros > 0) ++m.billed_clicks;
    m.click_revenue += billed.billed;
  }

  // The click joins its impression in the training log only inside the attribution window.
  if (click.impression_id >= first_pending_id_) {
    LabeledExample& logged = pending_log_[click.impression_id - first_pending_id_];
    if (now - logged.impression.served_at <= config_.attribution_window) {
      logged.clicked = true;
      return;
    }
  }
  ++m.late_clicks;
}

BudgetLedger::ChargeResult Marketplace::charge(CampaignId c, Money amount, SimTime now, const ChargeSource& source) {
  Counters& m = interval_;
  const BudgetLedger::ChargeResult r = budgets_.charge(c, amount, now, source.arm);
  m.revenue += r.billed;
  if (is_new_ad(source.ad)) new_ads_.revenue += r.billed;
  arms_[source.arm].revenue += r.billed;
  interval_arms_[source.arm].revenue += r.billed;
  m.surface[surface_index(source.surface)].revenue += r.billed;
  m.slot_revenue[source.slot] += r.billed;
  if (source.explore) m.explore_revenue += r.billed;
  m.overspend += r.overspend;
  m.forgone += r.forgone;
  if (r.billed.micros > 0) {
    if (components_.pacer) components_.pacer->on_charge(c, r.billed, now);
    if (components_.bid_policy) components_.bid_policy->on_charge(c, r.billed);
  }
  if (!budgets_.has_budget(c) && server_.ad_live(world_->campaigns[c].first_ad)) {
    CampaignTotals& totals = campaign_totals_[c];
    if (totals.first_exhausted_at < 0) totals.first_exhausted_at = now;
    refresh_campaign(c, now);
  }
  return r;
}

// A conversion creates the advertiser's value whether or not the platform hears of it; only an
// attributed one (inside the conversion window) is billed (CPA), learned from and fed to the
// auto-bidder.
void Marketplace::on_conversion(SimTime now, std::uint64_t slab_index) {
  const PendingConversion conv = conversion_slab_[slab_index];
  free_conversions_.push_back(static_cast<std::uint32_t>(slab_index));
  Counters& m = interval_;
  CampaignTotals& totals = campaign_totals_[conv.campaign];
  ++m.conversions;
  ++totals.conversions;
  const double value = world_->campaigns[conv.campaign].value_per_conversion;
  m.advertiser_value += value;
  totals.value += value;
  if (!conv.attributed) {
    ++m.late_conversions;
    ++totals.late_conversions;
    return;
  }
  ++m.attributed_conversions;
  ++totals.attributed_conversions;
  if (components_.conversion_model) components_.conversion_model->on_conversion(conv.campaign);
  if (components_.bid_policy) components_.bid_policy->on_conversion(conv.campaign, value);
  if (world_->campaigns[conv.campaign].billing == BillingModel::kCpa) {
    const BudgetLedger::ChargeResult billed = charge(conv.campaign, conv.price, now, conv.source);
    if (billed.billed.micros > 0) ++m.billed_conversions;
  }
}

void Marketplace::on_day_boundary(SimTime now) {
  // The day's plan closes before the pacer re-plans: at the boundary its target is the day budget.
  if (components_.pacer)
    for (CampaignId c = 0; c < world_->campaigns.size(); ++c)
      interval_pacing_[c].close_day(components_.pacer->target_spend(c, now));
  budgets_.start_day();
  for (CampaignId c = 0; c < world_->campaigns.size(); ++c) refresh_campaign(c, now);
  if (components_.pacer) components_.pacer->on_day_start(now, budgets_);
}

void Marketplace::refresh_campaign(CampaignId c, SimTime now) {
  const Campaign& k = world_->campaigns[c];
  const bool in_flight = k.flight_start <= now && now < k.flight_end;
  campaign_in_flight_[c] = in_flight ? 1 : 0;
  const bool live = in_flight && budgets_.has_budget(c);
  for (AdId a = k.first_ad; a < k.first_ad + k.ad_count; ++a)
    server_.set_ad_live(a, live && world_->ads.available_from[a] <= now);
}

// The online joiner: impressions whose attribution window has closed are released, with whatever
// click joined them, to the click model, the calibrator and the quality score.
void Marketplace::on_joiner_tick(SimTime now) {
  release_batch_.clear();
  while (!pending_log_.empty() && pending_log_.front().impression.served_at + config_.attribution_window <= now) {
    LabeledExample e = pending_log_.front();
    e.released_at = now;
    release_batch_.push_back(e);
    pending_log_.pop_front();
    ++first_pending_id_;
  }
  if (!release_batch_.empty()) {
    if (config_.run.prediction_log_rate > 0) log_predictions();
    if (components_.evaluator) components_.evaluator->observe(release_batch_);  // scored before learning
    components_.ctr_model->learn(release_batch_);
    if (components_.calibrator) components_.calibrator->learn(release_batch_);
    if (components_.quality_model) components_.quality_model->learn(release_batch_);
    const double prior_neg = config_.quality_prior_rate * config_.quality_prior_strength;
    for (const LabeledExample& e : release_batch_) {
      const AdId a = e.impression.ad;
      logged_impressions_[a] += 1.0;
      logged_negative_[a] += (e.hidden || e.reported) ? 1.0 : 0.0;
      const double rate = (logged_negative_[a] + prior_neg) / (logged_impressions_[a] + config_.quality_prior_strength);
      server_.set_quality(a, 1.0 / (1.0 + config_.quality_penalty * rate));
    }
  }
  if (now + config_.joiner_interval <= horizon_)
    sim_.schedule(now + config_.joiner_interval, Priority::kModelRefresh, *this, kJoinerTick);
}

// Sampled from a stream of its own, so that the log's rate changes no other draw of the run.
void Marketplace::log_predictions() {
  const double rate = config_.run.prediction_log_rate;
  boost::random::bernoulli_distribution<double> sampled(std::min(rate, 1.0));
  const std::span<const double> factors = server_.config().position_factors;
  prediction_batch_.clear();
  for (const LabeledExample& e : release_batch_) {
    if (rate < 1.0 && !sampled(prediction_log_rng_)) continue;
    const LoggedImpression& imp = e.impression;
    prediction_batch_.push_back(PredictionLogEntry{
        .impression_id = imp.impression_id,
        .request_id = imp.request_id,
        .served_at = imp.served_at,
        .released_at = e.released_at,
        .user = imp.user,
        .ad = imp.ad,
        .campaign = imp.campaign,
        .slot = imp.slot,
        .surface = imp.surface,
        .raw_score = imp.raw_score,
        .pctr = imp.pctr,
        .prediction = expected_click_probability(imp.pctr, factors, imp.slot),
        .label = e.clicked,
        .user_clicked = e.user_clicked});
  }
  if (prediction_batch_.empty()) return;
  for (SimObserver* o : observers_) o->on_predictions(prediction_batch_);
}

double Marketplace::mean_fatigue(SimTime now) const {
  double sum = 0;
  std::size_t n = 0;
  for (UserId u : fatigue_sample_) {
    if (world_->users.left[u]) continue;
    sum += components_.truth->fatigue_at(world_->users.fatigue[u], world_->users.fatigue_updated[u], now);
    ++n;
  }
  return n ? sum / static_cast<double>(n) : 0.0;
}

void Marketplace::on_snapshot(SimTime now) {
  IntervalMetrics snap;
  snap.start = interval_start_;
  snap.end = now;
  snap.counts = interval_;
  snap.active_users = active_users_;
  snap.mean_fatigue = mean_fatigue(now);
  if (!arm_.empty()) {
    snap.arms = interval_arms_;
    for (std::size_t a = 0; a < 2; ++a) snap.arms[a].users = arm_active_[a];
  }
  std::size_t in_flight = 0, exhausted = 0;
  for (CampaignId c = 0; c < world_->campaigns.size(); ++c) {
    if (!campaign_in_flight_[c]) continue;
    ++in_flight;
    exhausted += budgets_.has_budget(c) ? 0 : 1;
  }
  snap.budget_exhausted_share = in_flight ? static_cast<double>(exhausted) / static_cast<double>(in_flight) : 0.0;
  if (components_.evaluator) {
    snap.model = components_.evaluator->take_window();
    for (std::size_t k = 0; k < kSurfaces; ++k) snap.surface_model[k] = components_.evaluator->last_window(static_cast<Surface>(k));
  }
  snap.campaign_spend_today.resize(world_->campaigns.size());
  for (CampaignId c = 0; c < world_->campaigns.size(); ++c) snap.campaign_spend_today[c] = budgets_.spent_today(c);
  if (components_.pacer) track_pacing(now, snap);
  totals_ += interval_;
  interval_ = Counters{};
  interval_arms_ = {};
  interval_start_ = now;
  for (SimObserver* o : observers_) {
    o->on_interval(snap);
    o->on_progress(now, horizon_, totals_.requests);
  }
  if (now < horizon_)
    sim_.schedule(std::min(now + config_.run.snapshot_interval, horizon_), Priority::kSnapshot, *this, kSnapshot);
}

// Spend against the pacer's plan. A snapshot at a day boundary sees the new day's plan (0 so far),
// so the last sample of a day is taken just before it: snapshot intervals divide the day. Smart
// Pacing's error sees the closed day's plan through IntervalPacingError::close_day.
void Marketplace::track_pacing(SimTime now, IntervalMetrics& snap) {
  snap.campaign_target_today.resize(world_->campaigns.size());
  for (CampaignId c = 0; c < world_->campaigns.size(); ++c) {
    const double target = components_.pacer->target_spend(c, now);
    snap.campaign_target_today[c] = Money::from_micros_rounded(std::max(0.0, target));
    interval_pacing_[c].end_interval(budgets_.spent_total(c).as_double_micros(), target);
    const double budget = budgets_.daily_budget(c).as_double_micros();
    if (target < 0 || !campaign_in_flight_[c] || budget <= 0 || budget > 1e15) continue;
    const double dev = std::abs(budgets_.spent_today(c).as_double_micros() - target) / budget;
    TrackingStats& t = tracking_[c];
    t.sum_abs += dev;
    t.max_abs = std::max(t.max_abs, dev);
    t.sum_sq += dev * dev;
    ++t.samples;
  }
}

RequestContext Marketplace::user_request(UserId u, SimTime now) const {
  const auto& users = world_->users;
  RequestContext request;
  request.time = now;
  request.user = u;
  request.region = users.region[u];
  request.age_band = users.age_band[u];
  request.device = users.device[u];
  request.hour = static_cast<std::uint8_t>(time_of_day(now) / kHour);
  request.interests = users.interests[u];
  request.user_embedding = users.embedding_of(u);
  return request;
}

// What a click on the ad is truly worth to its advertiser: value per conversion x the truth's
// conversion probability of the ad (not the campaign's typical rate, which would call clickbait
// that never converts as valuable as an ad that does).
double Marketplace::true_value_per_click(AdId ad) const {
  return world_->campaigns[world_->ads.campaign[ad]].value_per_conversion * components_.truth->conversion_probability(ad);
}

// The logging policy is the mixture the marketplace draws: exploration with probability epsilon,
// the auction otherwise, so p0(a | x) = epsilon x P(exploration draws a) + (1 - epsilon) x 1{the
// auction put a on top}. Rewards and predictions are of the top slot: the served pCTR is the
// platform's P(click | top slot) (with an optimism bonus, if any); an empty top has reward and
// predictions 0.
OffPolicySample Marketplace::off_policy_sample(const RequestContext& request, const ServeOutcome& served,
                                               float top_true_ctr) {
  const OffPolicyChoice& c = served.ope;
  const RankedCandidates& ranked = server_.ranked();
  const double eps = config_.exploration_share;
  const std::uint32_t logged = served.filled > 0 ? served.winner[0] : kNoCandidate;
  OffPolicySample s;
  s.propensity = eps * c.logged_explore_probability + (1.0 - eps) * (c.logged_is_exploit ? 1.0 : 0.0);
  s.match = c.target == logged;
  s.predicted_logged = logged == kNoCandidate ? 0.0 : ranked.pctr[logged];
  s.predicted_target = c.target == kNoCandidate ? 0.0 : ranked.pctr[c.target];
  if (c.target == kNoCandidate) {
    s.true_target = 0.0;
  } else if (c.target == logged) {
    s.true_target = top_true_ctr;
  } else {
    const AdId ad = ranked.ad[c.target];
    float p = 0.0f;
    components_.truth->true_ctr(request, {&ad, 1}, {&p, 1});
    s.true_target = p;
  }
  return s;
}

// Allocative efficiency of one sampled auction: expected welfare (value x true click probability in
// the slot) of the allocation made, against the best allocation to the slots of the ads that reached
// the auction, and of every ad eligible for the request before the funnel chose. The truth weighs
// the slots (its click model decides how a slot's clicks depend on where and under what it is).
// `truth`: the true CTRs of the ranked candidates.
void Marketplace::record_efficiency(const RequestContext& request, std::span<const float> truth) {
  const RankedCandidates& r = server_.ranked();
  const UserResponse& user = *components_.truth;
  const auto slots = static_cast<std::size_t>(request.arm == 1 && config_.server.ab_slots > 0 ? config_.server.ab_slots
                                                                                             : config_.server.slots);
  std::vector<double> values(r.size);
  for (std::size_t i = 0; i < r.size; ++i) values[i] = true_value_per_click(r.ad[i]);
  const double made = user.page_welfare(values, truth, {r.slot.data(), r.size});
  const double ranked_best = user.best_page_welfare(values, truth, slots);
  server_.eligible_ads(request, eligible_ads_);
  eligible_truth_.resize(eligible_ads_.size());
  user.true_ctr(request, eligible_ads_, eligible_truth_);
  values.resize(eligible_ads_.size());
  for (std::size_t i = 0; i < eligible_ads_.size(); ++i) values[i] = true_value_per_click(eligible_ads_[i]);
  ++interval_.efficiency_samples;
  interval_.sampled_welfare += made;
  interval_.sampled_best_welfare += ranked_best;
  // The ranked set is part of the eligible one, so its best is a lower bound (max: float rounding).
  interval_.sampled_eligible_best_welfare += std::max(user.best_page_welfare(values, eligible_truth_, slots), ranked_best);
}

void Marketplace::log_auction(const RequestContext& request, const ServeOutcome& served) {
  const RankedCandidates& r = server_.ranked();
  AuctionLogEntry entry;
  entry.request_id = request.request_id;
  entry.time = request.time;
  entry.user = request.user;
  entry.surface = request.surface;
  entry.query_category = request.query_category;
  entry.retrieved = served.retrieved;
  entry.after_prerank = served.after_prerank;
  entry.after_rank = served.after_rank;
  std::vector<float> truth(r.size);
  components_.truth->true_ctr(request, {r.ad.data(), r.size}, truth);
  entry.candidates.resize(r.size);
  for (std::size_t i = 0; i < r.size; ++i) {
    AuctionLogCandidate& c = entry.candidates[i];
    c.ad = r.ad[i];
    c.campaign = r.campaign[i];
    // The log is per click: CPM and CPA bids and prices are converted with the platform's pCTR / pCVR
    // (a CPM price is per impression in its slot).
    const BillingModel billing = world_->campaigns[c.campaign].billing;
    const double pcvr = billing == BillingModel::kCpa ? r.pcvr[i] : 0.0;  // filled only for CPA
    c.bid = r.bid[i] * per_click_factor(billing, r.pctr[i], pcvr);
    c.pacing_multiplier = r.pacing_multiplier[i];
    c.participated = r.participates[i] != 0;
    c.pctr = r.pctr[i];
    c.true_ctr = truth[i];
    c.quality = r.quality[i];
    c.rank_score = r.rank_score[i];
    c.slot = r.slot[i];
    const double theta = r.slot[i] >= 0 ? server_.config().position_factors[static_cast<std::size_t>(r.slot[i])] : 1.0;
    c.price = r.price[i] * per_click_factor(billing, r.pctr[i], pcvr, theta);
    c.reserve_bound = r.reserve_bound[i] != 0;
  }
  record_efficiency(request, truth);
  // Shown ads first by slot, then the rest by rank score; ad id settles exact ties.
  std::sort(entry.candidates.begin(), entry.candidates.end(), [](const AuctionLogCandidate& a, const AuctionLogCandidate& b) {
    const int sa = a.slot < 0 ? kMaxSlots : a.slot, sb = b.slot < 0 ? kMaxSlots : b.slot;
    if (sa != sb) return sa < sb;
    if (a.rank_score != b.rank_score) return a.rank_score > b.rank_score;
    return a.ad < b.ad;
  });
  for (SimObserver* o : observers_) o->on_auction(entry);
}

// ---------------------------------------------------------------------------------------------
// Running

void Marketplace::run_until(SimTime t) {
  const auto start = std::chrono::steady_clock::now();
  sim_.run_until(std::min(t, horizon_));
  final_summary_.wall_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

RunSummary Marketplace::run() {
  run_until(horizon_);
  return finish();
}

RunSummary Marketplace::finish() {
  if (finished_) return final_summary_;
  // A run stopped early still reports its last, partial interval so totals equal the sum of rows.
  if (sim_.now() < horizon_ && (interval_.requests > 0 || interval_.clicks > 0)) on_snapshot(sim_.now());
  const double wall = final_summary_.wall_seconds;
  final_summary_ = summary();
  final_summary_.wall_seconds = wall;
  evaluate_new_ads(final_summary_.new_ads);
  finished_ = true;
  for (SimObserver* o : observers_) o->on_finish(final_summary_);
  return final_summary_;
}

NewAdTotals Marketplace::new_ad_totals() const {
  NewAdTotals t = new_ads_;
  const SimTime now = sim_.now();
  std::vector<double> hours;  // to the first click; never clicked: infinity
  for (AdId a = 0; a < ad_arrival_.size(); ++a) {
    if (!is_new_ad(a) || ad_arrival_[a] >= now) continue;
    ++t.ads;
    const bool clicked = ad_first_click_[a] >= 0;
    t.clicked += clicked ? 1 : 0;
    hours.push_back(clicked ? to_hours(ad_first_click_[a] - ad_arrival_[a]) : std::numeric_limits<double>::infinity());
  }
  t.median_hours_to_first_click = std::numeric_limits<double>::quiet_NaN();
  if (!hours.empty()) {
    const auto mid = hours.begin() + static_cast<std::ptrdiff_t>((hours.size() - 1) / 2);
    std::nth_element(hours.begin(), mid, hours.end());
    if (std::isfinite(*mid)) t.median_hours_to_first_click = *mid;
  }
  t.ctr_error = t.ctr_rank_correlation = std::numeric_limits<double>::quiet_NaN();  // known once the run has finished
  return t;
}

// What the platform believes about each new ad at the end, against the truth: the served model's
// calibrated pCTR (no exploration bonus) and the true CTR, each averaged over the same 16 users
// (stream "metrics.new_ad_users", drawn from nothing else).
void Marketplace::evaluate_new_ads(NewAdTotals& out) {
  constexpr int kUsers = 16;
  const SimTime now = sim_.now();
  Rng rng = streams_.stream("metrics.new_ad_users");
  boost::random::uniform_int_distribution<UserId> pick(0, static_cast<UserId>(world_->users.size() - 1));
  std::vector<double> predicted, truth;
  for (AdId a = 0; a < ad_arrival_.size(); ++a) {
    if (!is_new_ad(a) || ad_arrival_[a] >= now) continue;
    double p_sum = 0.0, t_sum = 0.0;
    for (int k = 0; k < kUsers; ++k) {
      const RequestContext request = user_request(pick(rng), now);
      float p = 0.0f, t = 0.0f;
      components_.ctr_model->predict(request, {&a, 1}, {&p, 1});
      if (components_.calibrator) components_.calibrator->calibrate({&p, 1});
      components_.truth->true_ctr(request, {&a, 1}, {&t, 1});
      p_sum += p;
      t_sum += t;
    }
    if (t_sum <= 0.0) continue;
    predicted.push_back(p_sum / kUsers);
    truth.push_back(t_sum / kUsers);
  }
  double error = 0.0;
  for (std::size_t i = 0; i < truth.size(); ++i) error += std::abs(predicted[i] - truth[i]) / truth[i];
  out.ctr_error = truth.empty() ? std::numeric_limits<double>::quiet_NaN() : error / static_cast<double>(truth.size());
  out.ctr_rank_correlation = rank_correlation(predicted, truth);
}

RunSummary Marketplace::summary() const {
  RunSummary s;
  s.scenario_name = config_.scenario_name;
  s.seed = config_.run.seed;
  s.simulated = sim_.now();
  s.wall_seconds = final_summary_.wall_seconds;
  s.events = sim_.events_processed();
  s.interrupted = sim_.now() < horizon_;
  s.totals = totals_;
  s.totals += interval_;
  s.users = world_->users.size();
  s.active_users = active_users_;
  s.mean_fatigue = mean_fatigue(sim_.now());
  s.new_ads = new_ad_totals();
  if (!arm_.empty()) s.arms = arms_;
  s.off_policy = off_policy_;
  s.prior_predictions = components_.ctr_model->prior_predictions();
  s.model_training = components_.ctr_model->training_stats();
  if (components_.evaluator) {
    s.model = components_.evaluator->total();
    for (std::size_t k = 0; k < kSurfaces; ++k) s.surface_model[k] = components_.evaluator->total(static_cast<Surface>(k));
  }
  s.campaigns = campaign_totals_;
  for (CampaignId c = 0; c < s.campaigns.size(); ++c) {
    CampaignTotals& t = s.campaigns[c];
    t.spend = budgets_.spent_total(c);
    t.overspend = budgets_.overspend_total(c);
    t.forgone = budgets_.forgone_total(c);
    t.days_exhausted = budgets_.days_exhausted(c);
    const TrackingStats& k = tracking_[c];
    if (k.samples > 0) {
      t.pacing_mean_abs_deviation = k.sum_abs / static_cast<double>(k.samples);
      t.pacing_max_abs_deviation = k.max_abs;
      t.pacing_rms_error = std::sqrt(k.sum_sq / static_cast<double>(k.samples));
    }
    t.smart_pacing_error = interval_pacing_[c].value();
    // Days in flight so far (fractional).
    const Campaign& campaign = world_->campaigns[c];
    const double days =
        static_cast<double>(std::max<SimTime>(0, std::min(sim_.now(), campaign.flight_end) - campaign.flight_start)) / kDay;
    const double budget = budgets_.daily_budget(c).as_double_micros();
    if (days > 0 && budget > 0 && budget < 1e15) {
      t.utilization = t.spend.as_double_micros() / (budget * days);
      t.underdelivery = std::max(0.0, 1.0 - t.utilization);
    }
    t.surplus = t.value - t.spend.as_double_micros();
    if (components_.conversion_model) t.pcvr = components_.conversion_model->predict(c);
    if (components_.bid_policy && components_.bid_policy->manages(c)) {
      const AutoBidOutcome o = components_.bid_policy->outcome(c);
      t.auto_bid_target = o.target;
      t.auto_bid_multiplier = o.multiplier;
      t.auto_bid_realized = o.realized;
      t.auto_bid_violation = o.violation;
    }
  }
  s.pacer_names = config_.pacer_names;
  {
    std::vector<double> errors(s.campaigns.size());
    for (std::size_t c = 0; c < errors.size(); ++c) errors[c] = s.campaigns[c].smart_pacing_error;
    s.smart_pacing_error = mean_pacing_error(errors);
  }
  if (components_.bid_policy) s.auto_bid = components_.bid_policy->totals();
  return s;
}

}  // namespace adsim::core

#include "scenarios/scenario_schema.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>
#include <tuple>
#include <type_traits>

#include "core/ids.hpp"
#include "core/request.hpp"
#include "core/sim_time.hpp"
#include "scenarios/did_you_mean.hpp"

namespace adsim::scenarios {
namespace {

// ---- Values and accessors ------------------------------------------------------------------

template <typename T>
KeyValue to_key_value(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v;
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<std::int64_t>(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<double>(v);
  } else {
    static_assert(std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<double>>);
    return v;
  }
}

template <typename T>
T from_key_value(const KeyValue& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return std::get<bool>(v);
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(std::get<std::int64_t>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(std::get<double>(v));
  } else {
    return std::get<T>(v);
  }
}

struct Access {
  std::function<KeyValue(const Scenario&)> get;
  std::function<void(Scenario&, const KeyValue&)> set;
};

// A field of one of Scenario's sections: field(&Scenario::world, &core::WorldSpec::users).
template <typename Section, typename T>
Access field(Section Scenario::*section, T Section::*member) {
  return {[=](const Scenario& s) { return to_key_value((s.*section).*member); },
          [=](Scenario& s, const KeyValue& v) { (s.*section).*member = from_key_value<T>(v); }};
}

// A top-level field of Scenario: field(&Scenario::name).
template <typename T>
Access field(T Scenario::*member) {
  return {[=](const Scenario& s) { return to_key_value(s.*member); },
          [=](Scenario& s, const KeyValue& v) { s.*member = from_key_value<T>(v); }};
}

// A SimTime field exposed in a human unit (the key name states the unit): minutes(..) etc.
Access sim_time_in(core::SimTime unit, core::SimTime core::RunSpec::*member) {
  return {[=](const Scenario& s) {
            return KeyValue{static_cast<double>(s.run.*member) / static_cast<double>(unit)};
          },
          [=](Scenario& s, const KeyValue& v) {
            s.run.*member = static_cast<core::SimTime>(std::llround(std::get<double>(v) * static_cast<double>(unit)));
          }};
}

// ---- Ranges ---------------------------------------------------------------------------------

Range closed(double lo, double hi) { return {Bound{lo, true}, Bound{hi, true}}; }
Range open_closed(double lo, double hi) { return {Bound{lo, false}, Bound{hi, true}}; }
Range open(double lo, double hi) { return {Bound{lo, false}, Bound{hi, false}}; }
Range at_least(double lo) { return {Bound{lo, true}, std::nullopt}; }

constexpr double kMinutesPerYear = 366.0 * 24.0 * 60.0;
constexpr double kSecondsPerDay = 24.0 * 60.0 * 60.0;

// ---- Entry builders: one line per key in the table below ------------------------------------

KeySpec make(std::string path, KeyKind kind, Access access, std::string unit, std::string meaning) {
  KeySpec k;
  k.path = std::move(path);
  k.kind = kind;
  k.unit = std::move(unit);
  k.meaning = std::move(meaning);
  k.get = std::move(access.get);
  k.set = std::move(access.set);
  return k;
}

KeySpec integer(std::string path, Access access, Range range, std::string unit, std::string meaning) {
  KeySpec k = make(std::move(path), KeyKind::kInteger, std::move(access), std::move(unit), std::move(meaning));
  k.range = range;
  return k;
}

KeySpec number(std::string path, Access access, Range range, std::string unit, std::string meaning) {
  KeySpec k = make(std::move(path), KeyKind::kNumber, std::move(access), std::move(unit), std::move(meaning));
  k.range = range;
  return k;
}

KeySpec probability(std::string path, Access access, std::string meaning) {
  return number(std::move(path), std::move(access), closed(0, 1), "probability",
                std::move(meaning));
}

KeySpec text(std::string path, Access access, std::size_t min_length, std::string meaning) {
  KeySpec k = make(std::move(path), KeyKind::kString, std::move(access), "", std::move(meaning));
  k.min_length = min_length;
  return k;
}

KeySpec boolean(std::string path, Access access, std::string meaning) {
  return make(std::move(path), KeyKind::kBool, std::move(access), "", std::move(meaning));
}

KeySpec choice(std::string path, Access access, std::vector<std::string> allowed, std::string meaning) {
  KeySpec k = make(std::move(path), KeyKind::kEnum, std::move(access), "", std::move(meaning));
  k.allowed = std::move(allowed);
  return k;
}

KeySpec numbers(std::string path, Access access, std::size_t min_length, std::size_t max_length, Range each,
                std::string unit, std::string meaning) {
  KeySpec k = make(std::move(path), KeyKind::kNumberArray, std::move(access), std::move(unit), std::move(meaning));
  k.min_length = min_length;
  k.max_length = max_length;
  k.range = each;
  return k;
}

// Relative weights: non-negative, not all zero.
KeySpec weights(std::string path, Access access, std::size_t min_length, std::size_t max_length, std::string unit,
                std::string meaning) {
  KeySpec k = numbers(std::move(path), std::move(access), min_length, max_length, at_least(0), std::move(unit),
                      std::move(meaning));
  k.positive_sum = true;
  return k;
}

std::vector<KeySpec> build_schema() {
  using core::FunnelSpec;
  using core::RunSpec;
  using core::TrafficSpec;
  using core::WorldSpec;
  using models::GroundTruthParams;
  const auto max_slots = static_cast<std::size_t>(core::kMaxSlots);
  const auto s = &Scenario::world;
  const auto t = &Scenario::traffic;
  const auto f = &Scenario::funnel;
  const auto a = &Scenario::auction;
  const auto g = &Scenario::truth;
  const auto m = &Scenario::model;
  const auto p = &Scenario::pacing;
  const auto r = &Scenario::run;
  const auto o = &Scenario::auction_only;

  return {
      // Top level
      text("name", field(&Scenario::name), 1, "Short name of the scenario, recorded with every run."),
      text("description", field(&Scenario::description), 0, "What the scenario sets up, in a sentence or two."),
      text("lesson", field(&Scenario::lesson), 0, "The trade-off the scenario teaches (bundled scenarios)."),

      // [world]: users
      integer("world.users", field(s, &WorldSpec::users), closed(1, 50'000'000), "users",
              "Size of the user population."),
      integer("world.embedding_dim", field(s, &WorldSpec::embedding_dim), closed(1, 256), "dimensions",
              "Dimension of the user and ad interest embeddings."),
      weights("world.region_weights", field(s, &WorldSpec::region_weights), 1, 32, "relative weight",
              "Share of users in each region; one entry per region (the count defines the regions)."),
      weights("world.age_band_weights", field(s, &WorldSpec::age_band_weights), 1, 8, "relative weight",
              "Share of users in each age band; one entry per band."),
      weights("world.device_weights", field(s, &WorldSpec::device_weights), 1, 8, "relative weight",
              "Share of users on each device (mobile, desktop, tablet, ...); one entry per device."),
      integer("world.interest_categories", field(s, &WorldSpec::interest_categories), closed(1, 64), "categories",
              "Number of interest categories users and ads are drawn around."),
      number("world.interest_concentration", field(s, &WorldSpec::interest_concentration), closed(0, 100), "",
             "How tightly a user's interests cluster on one category (higher: more focused)."),
      integer("world.user_top_interests", field(s, &WorldSpec::user_top_interests), closed(1, 64), "categories",
              "Categories a user counts as interested in for interest targeting."),
      // [world]: advertisers, campaigns, ads
      integer("world.advertisers", field(s, &WorldSpec::advertisers), closed(1, 1'000'000), "advertisers",
              "Number of advertisers."),
      integer("world.campaigns", field(s, &WorldSpec::campaigns), closed(1, 10'000'000), "campaigns",
              "Number of campaigns, spread over the advertisers."),
      integer("world.ads", field(s, &WorldSpec::ads), closed(1, 50'000'000), "ads",
              "Number of ads, spread over the campaigns."),
      number("world.daily_budget_median", field(s, &WorldSpec::daily_budget_median), open_closed(0, 1e9),
             "currency units per day", "Median daily budget of a campaign; budgets are lognormal across campaigns."),
      number("world.daily_budget_sigma", field(s, &WorldSpec::daily_budget_sigma), closed(0, 5), "log-scale",
             "Lognormal shape (sigma of the log) of daily budgets across campaigns."),
      number("world.total_budget_days", field(s, &WorldSpec::total_budget_days), closed(0, 3660), "days",
             "Lifetime budget of a campaign as this many daily budgets; 0 means no lifetime budget."),
      number("world.bid_median", field(s, &WorldSpec::bid_median), open_closed(0, 1e6), "currency units per click",
             "Median CPC bid of a campaign; bids are lognormal across campaigns."),
      number("world.bid_sigma", field(s, &WorldSpec::bid_sigma), closed(0, 5), "log-scale",
             "Lognormal shape (sigma of the log) of bids across campaigns."),
      number("world.value_over_bid", field(s, &WorldSpec::value_over_bid), open_closed(0, 100), "ratio",
             "An advertiser's value of a click relative to its CPC bid (the median, see world.value_sigma). Value "
             "is realized at conversion: value per conversion = value per click / world.typical_cvr, and a "
             "campaign's advertiser value is its conversions x its value per conversion."),
      number("world.value_sigma", field(s, &WorldSpec::value_sigma), closed(0, 5), "log-scale",
             "Lognormal spread (sigma of the log) of value / bid across campaigns (stream world.values); 0: every "
             "campaign values at exactly world.value_over_bid x its bid."),
      probability("world.cpm_share", field(s, &WorldSpec::cpm_share),
                  "Share of campaigns billed per impression (CPM); their bid, in micros per single impression, is "
                  "the drawn CPC bid x world.typical_ctr (stream world.billing)."),
      probability("world.cpa_share", field(s, &WorldSpec::cpa_share),
                  "Share of campaigns billed per attributed conversion (CPA); their bid per conversion is the drawn "
                  "CPC bid / world.typical_cvr. The rest (1 - cpm_share - cpa_share) pay per click."),
      number("world.typical_ctr", field(s, &WorldSpec::typical_ctr), open_closed(0, 1), "clicks per impression",
             "Converts bids between per impression and per click: CPM bid = CPC bid x this; retrieval and "
             "pre-ranking see a CPM bid / this."),
      number("world.typical_cvr", field(s, &WorldSpec::typical_cvr), open_closed(0, 1), "conversions per click",
             "Converts bids and values between per conversion and per click: CPA bid = CPC bid / this; value per "
             "conversion = value per click / this; pre-ranking sees a CPA bid x this."),
      probability("world.tcpa_share", field(s, &WorldSpec::tcpa_share),
                  "Share of campaigns auto-bid to a target CPA (stream world.auto_bidding): bid per click = target "
                  "x pCVR x m (see pacing.auto_bid_*)."),
      probability("world.troas_share", field(s, &WorldSpec::troas_share),
                  "Share of campaigns auto-bid to a target ROAS: bid per click = value per conversion x pCVR / "
                  "target x m. The rest (1 - tcpa_share - troas_share) bid manually."),
      number("world.tcpa_target_over_value", field(s, &WorldSpec::tcpa_target_over_value), open_closed(0, 10), "ratio",
             "Target CPA of a tCPA campaign relative to its value per conversion (below 1: it keeps a surplus)."),
      number("world.troas_target", field(s, &WorldSpec::troas_target), open_closed(0, 100), "value / spend",
             "Target ROAS of a tROAS campaign: conversion value over spend it must reach (above 1: it keeps a "
             "surplus)."),
      probability("world.region_targeting_share", field(s, &WorldSpec::region_targeting_share),
                  "Share of campaigns that target a subset of regions."),
      probability("world.age_targeting_share", field(s, &WorldSpec::age_targeting_share),
                  "Share of campaigns that target a subset of age bands."),
      probability("world.interest_targeting_share", field(s, &WorldSpec::interest_targeting_share),
                  "Share of campaigns that target users by interest."),
      number("world.ad_quality_alpha", field(s, &WorldSpec::ad_quality_alpha), open_closed(0, 1000), "",
             "Alpha of the Beta distribution of an ad's hidden true quality."),
      number("world.ad_quality_beta", field(s, &WorldSpec::ad_quality_beta), open_closed(0, 1000), "",
             "Beta of the Beta distribution of an ad's hidden true quality."),
      number("world.ad_interest_noise", field(s, &WorldSpec::ad_interest_noise), closed(0, 10), "embedding units",
             "Spread of an ad's embedding around its category centroid."),
      probability("world.late_start_share", field(s, &WorldSpec::late_start_share),
                  "Share of campaigns whose flight starts during the run instead of at its start."),
      probability("world.new_ad_share", field(s, &WorldSpec::new_ad_share),
                  "Share of ads that arrive during the run (cold start)."),

      // [traffic]
      number("traffic.sessions_per_day", field(t, &TrafficSpec::sessions_per_day), open_closed(0, 1e9),
             "sessions per day", "Mean number of user sessions per simulated day."),
      weights("traffic.hourly_profile", field(t, &TrafficSpec::hourly_profile), 24, 24, "relative rate",
              "Relative session arrival rate in each hour of the day, hour 0 first."),
      number("traffic.requests_per_session", field(t, &TrafficSpec::requests_per_session), closed(1, 1000),
             "requests", "Mean number of ad requests per session (geometric, at least one)."),
      number("traffic.seconds_between_requests", field(t, &TrafficSpec::seconds_between_requests),
             open_closed(0, kSecondsPerDay), "seconds",
             "Mean time between two ad requests of a session (exponential)."),
      probability("traffic.search_share", field(t, &TrafficSpec::search_share),
                  "Share of ad requests that are search requests (stream traffic.search); the rest are feed "
                  "requests. A search request carries a query category: only ads of that category are eligible, "
                  "and the truth makes them more attractive (truth.search_match_odds). 0: feed only, as before."),
      probability("traffic.search_query_from_interests", field(t, &TrafficSpec::search_query_from_interests),
                  "Probability that a search query's category is one of the user's top interests (uniformly among "
                  "them); otherwise it is uniform over all categories (also for users without interests)."),

      // [funnel]
      integer("funnel.prerank_keep", field(f, &FunnelSpec::prerank_keep), closed(1, 1'000'000), "candidates",
              "Candidates pre-ranking keeps for ranking (N1)."),
      integer("funnel.rank_keep", field(f, &FunnelSpec::rank_keep), closed(1, 1'000'000), "candidates",
              "Candidates ranking keeps for click prediction and the auction (N2)."),
      number("funnel.retrieval_cost_us", field(f, &FunnelSpec::retrieval_cost_us), closed(0, 1e6),
             "microseconds per candidate", "Server time to retrieve one candidate."),
      number("funnel.prerank_cost_us", field(f, &FunnelSpec::prerank_cost_us), closed(0, 1e6),
             "microseconds per candidate", "Server time to pre-rank one candidate."),
      number("funnel.rank_cost_us", field(f, &FunnelSpec::rank_cost_us), closed(0, 1e6), "microseconds per candidate",
             "Server time to rank one candidate with the light model."),
      number("funnel.predict_cost_us", field(f, &FunnelSpec::predict_cost_us), closed(0, 1e6),
             "microseconds per candidate",
             "Server time to predict the click probability of one candidate (funnel.predict_cost = \"fixed\")."),
      choice("funnel.predict_cost", field(f, &FunnelSpec::predict_cost), {"fixed", "measured"},
             "Prediction's server time per candidate: \"fixed\" is funnel.predict_cost_us; \"measured\" is the click "
             "model's own scoring time, measured by bench/micro_serving_cost.cpp on one thread (docs/learning.md, "
             "\"What each model costs\"), times funnel.measured_cost_scale."),
      number("funnel.measured_cost_scale", field(f, &FunnelSpec::measured_cost_scale), closed(0, 1e6), "ratio",
             "With funnel.predict_cost = \"measured\": multiplies the measured scoring time, e.g. to put it on the "
             "footing of the other stages' costs (a production server fetching features does more per candidate)."),

      // [auction]
      choice("auction.mechanism", field(a, &AuctionSpec::mechanism), {"gsp", "vcg", "first_price"},
             "Auction mechanism: generalized second price, VCG, or first price."),
      integer("auction.slots", field(a, &AuctionSpec::slots), closed(1, core::kMaxSlots), "slots",
              "Ad slots per request."),
      numbers("auction.position_factors", field(a, &AuctionSpec::position_factors), 1, max_slots, closed(0, 1),
              "click factor", "The platform's click factor of each slot, top slot first (at least one per slot)."),
      number("auction.reserve", field(a, &AuctionSpec::reserve), closed(0, 1e6), "currency units per click",
             "Reserve price: the lowest price an ad can win a slot at; 0 means none."),
      number("auction.quality_exponent", field(a, &AuctionSpec::quality_exponent), closed(0, 10), "",
             "Exponent alpha of quality in the rank score bid x pCTR x quality^alpha."),
      probability("auction.ab_share", field(a, &AuctionSpec::ab_share),
                  "In-simulation A/B test: the share of users (drawn once per user) in the treatment arm, whose "
                  "requests are served with auction.ab_slots and auction.ab_reserve; the run reports each arm "
                  "(ab_* study metrics). 0: no test."),
      integer("auction.ab_slots", field(a, &AuctionSpec::ab_slots), closed(0, core::kMaxSlots), "slots",
              "Ad slots per request in the treatment arm; 0: auction.slots."),
      number("auction.ab_reserve", field(a, &AuctionSpec::ab_reserve), closed(-1, 1e6), "currency units per click",
             "Reserve price in the treatment arm, replacing every other reserve; -1: as for everyone."),
      boolean("auction.ab_budget_split", field(a, &AuctionSpec::ab_budget_split),
              "Budget-split design: every campaign's daily and total budgets are divided between the arms "
              "(the treatment gets auction.ab_share of each), and each arm's requests spend only their part, "
              "so the arms no longer compete for budgets; false: the arms share every budget."),

      numbers("auction.slot_reserves", field(a, &AuctionSpec::slot_reserves), 0, max_slots, closed(0, 1e6),
              "currency units per click", "Reserve of each slot, top first (the higher of it and auction.reserve applies); "
              "empty: auction.reserve everywhere."),
      numbers("auction.region_reserves", field(a, &AuctionSpec::region_reserves), 0, 32, closed(0, 1e6),
              "currency units per click", "Reserve per user region (a segment reserve; the higher of it and "
              "auction.reserve applies); empty, or one entry per region of world.region_weights."),
      numbers("auction.surface_reserves", field(a, &AuctionSpec::surface_reserves), 0, 2, closed(0, 1e6),
              "currency units per click", "Reserve per request surface, [feed, search] (a segment reserve; the "
              "highest of it and every other reserve that applies is used); empty: none."),
      numbers("auction.query_category_reserves", field(a, &AuctionSpec::query_category_reserves), 0, 64, closed(0, 1e6),
              "currency units per click", "Reserve per query category, applied to search requests only (a segment "
              "reserve, max'd with the others); empty, or one entry per category (world.interest_categories)."),
      // [truth]
      number("truth.base_logit", field(g, &GroundTruthParams::base_logit), closed(-30, 30), "logit",
             "Intercept of the true click model P(click | examined)."),
      number("truth.affinity_weight", field(g, &GroundTruthParams::affinity_weight), closed(0, 20),
             "logit per unit cosine", "Weight of user-ad embedding similarity in the true click model."),
      number("truth.quality_weight", field(g, &GroundTruthParams::quality_weight), closed(-20, 20),
             "logit per unit quality",
             "Weight of the ad's true quality in the true click model; negative: clickbait, the worse an ad the "
             "likelier a click (pair with truth.fatigue_per_bad_click)."),
      number("truth.search_match_odds", field(g, &GroundTruthParams::search_match_odds), closed(0.01, 100), "odds ratio",
             "Search intent: on a search request, the click odds of an ad of the query's category are multiplied "
             "by this (ln of it is added to the true click logit). 1: no effect; feed requests are unaffected."),
      number("truth.fatigue_weight", field(g, &GroundTruthParams::fatigue_weight), closed(0, 20),
             "logit per unit fatigue", "How much user fatigue lowers the true click logit."),
      numbers("truth.examination", field(g, &GroundTruthParams::examination), 1, max_slots, closed(0, 1),
              "probability", "Probability that a user examines each slot, top first; later slots use the last entry. "
              "The position model only (truth.click_model)."),
      choice("truth.click_model", field(g, &GroundTruthParams::click_model), {"position", "cascade"},
             "How users read a page. position: slot s is examined with probability truth.examination[s], whatever "
             "the other slots hold. cascade: the user reads down from the top slot and goes on past an ad they do "
             "not click; after a click they stop (the classic cascade), or go on with probability "
             "truth.cascade_continue (the dependent click model). Either way an examined ad is clicked with its "
             "attractiveness (truth.rank_attractiveness, or the ad's own)."),
      probability("truth.cascade_continue", field(g, &GroundTruthParams::cascade_continue),
                  "Cascade: probability that a user goes on reading after a click, the same at every rank (0: the "
                  "classic cascade, stop at the first click; above 0: the dependent click model, DCM)."),
      numbers("truth.rank_attractiveness", field(g, &GroundTruthParams::rank_attractiveness), 0, max_slots,
              closed(0, 1), "probability",
              "Fixed P(click | examined) of each slot, top first, whatever ad is shown there (for experiments with "
              "textbook numbers: the CTR by slot then has a closed form, which adsim run prints beside the measured "
              "one); hides, reports and conversions still follow the ad. Empty: each ad's own attractiveness "
              "(affinity, quality, fatigue)."),
      number("truth.click_delay_median_s", field(g, &GroundTruthParams::click_delay_median_s),
             open_closed(0, kSecondsPerDay), "seconds", "Median delay from impression to click (lognormal)."),
      number("truth.click_delay_sigma", field(g, &GroundTruthParams::click_delay_sigma), closed(0, 5), "log-scale",
             "Lognormal shape of the click delay."),
      probability("truth.conversion_rate", field(g, &GroundTruthParams::conversion_rate),
                  "Probability that a click converts, for an ad of quality 0.5 (scales with quality)."),
      number("truth.conversion_delay_median_s", field(g, &GroundTruthParams::conversion_delay_median_s),
             open_closed(0, 30 * kSecondsPerDay), "seconds", "Median delay from click to conversion (lognormal)."),
      number("truth.conversion_delay_sigma", field(g, &GroundTruthParams::conversion_delay_sigma), closed(0, 5),
             "log-scale", "Lognormal shape of the conversion delay."),
      number("truth.hide_base_logit", field(g, &GroundTruthParams::hide_base_logit), closed(-30, 30), "logit",
             "Intercept of the probability that a user hides an examined ad."),
      number("truth.hide_irrelevance_weight", field(g, &GroundTruthParams::hide_irrelevance_weight), closed(0, 20),
             "logit per unit cosine", "How much irrelevance (1 - cosine similarity) raises the hide logit."),
      number("truth.hide_quality_weight", field(g, &GroundTruthParams::hide_quality_weight), closed(0, 20),
             "logit per unit quality", "How much low quality (0.5 - quality) raises the hide logit."),
      number("truth.report_base_logit", field(g, &GroundTruthParams::report_base_logit), closed(-30, 30), "logit",
             "Intercept of the probability that a user reports an examined ad."),
      number("truth.report_quality_weight", field(g, &GroundTruthParams::report_quality_weight), closed(0, 20),
             "logit per unit quality", "How much low quality (0.5 - quality) raises the report logit."),
      number("truth.fatigue_per_impression", field(g, &GroundTruthParams::fatigue_per_impression), closed(0, 100),
             "fatigue units", "Fatigue a user gains per ad examined."),
      number("truth.fatigue_per_hide", field(g, &GroundTruthParams::fatigue_per_hide), closed(0, 100), "fatigue units",
             "Fatigue a user gains per ad hidden."),
      number("truth.fatigue_per_report", field(g, &GroundTruthParams::fatigue_per_report), closed(0, 100),
             "fatigue units", "Fatigue a user gains per ad reported."),
      number("truth.fatigue_per_bad_click", field(g, &GroundTruthParams::fatigue_per_bad_click), closed(0, 100),
             "fatigue units",
             "Regret: fatigue a user gains per click on a poor ad, times max(0, 1 - 2 x quality) (none at quality "
             "0.5 or above)."),
      number("truth.fatigue_half_life_hours", field(g, &GroundTruthParams::fatigue_half_life_hours),
             open_closed(0, 366 * 24), "hours", "Half-life of user fatigue."),
      number("truth.churn_base_logit", field(g, &GroundTruthParams::churn_base_logit), closed(-30, 30), "logit",
             "Intercept of the probability that a user leaves the platform after a page."),
      number("truth.churn_fatigue_weight", field(g, &GroundTruthParams::churn_fatigue_weight), closed(0, 20),
             "logit per unit fatigue", "How much fatigue raises the churn logit."),
      number("truth.novelty_logit", field(g, &GroundTruthParams::novelty_logit), closed(-5, 5), "logit",
             "Novelty effect of an A/B test's treatment (auction.ab_share): added to treated users' click logit, "
             "halving every truth.novelty_half_life_days from the start of the run; 0: none."),
      number("truth.novelty_half_life_days", field(g, &GroundTruthParams::novelty_half_life_days),
             open_closed(0, 366), "days", "Half-life of the novelty effect."),

      // [model]
      choice("model.ctr_model", field(m, &ModelSpec::ctr_model),
             {"historical", "global", "oracle", "logistic", "gbdt_lr", "mlp"},
             "The platform's click model: smoothed historical CTR per ad, one global CTR, the true probability "
             "(oracle), online logistic regression, boosted trees whose leaves feed that logistic regression "
             "(gbdt_lr), or a neural ranker retrained on a schedule (mlp); docs/learning.md."),
      number("model.prior_ctr", field(m, &ModelSpec::prior_ctr), open(0, 1), "probability",
             "Mean of the Beta prior that smooths historical CTRs; also what a logistic model serves (after "
             "recalibration) before it has learnt from any example."),
      number("model.prior_strength", field(m, &ModelSpec::prior_strength), open_closed(0, 1e9), "impressions",
             "Weight of the Beta prior, in pseudo-impressions."),
      choice("model.calibrator", field(m, &ModelSpec::calibrator), {"none", "platt", "isotonic"},
             "Calibrator that maps model scores to probabilities."),
      number("model.attribution_window_minutes", field(m, &ModelSpec::attribution_window_minutes),
             open_closed(0, kMinutesPerYear), "minutes",
             "Clicks later than this after the impression are lost to training."),
      number("model.quality_penalty", field(m, &ModelSpec::quality_penalty), closed(0, 10000), "per unit rate",
             "Quality score = 1 / (1 + penalty x smoothed rate of hides and reports the platform logged for the ad)."),
      choice("model.quality_source", field(m, &ModelSpec::quality_source), {"logged_rate", "model"},
             "Where the quality score's hide-or-report probability comes from: each ad's smoothed logged rate, or a "
             "learned model (FTRL logistic regression on the same features as the click model) that sees the user."),
      integer("model.hash_bits", field(m, &ModelSpec::hash_bits), closed(8, 28), "bits",
              "Logistic model: features are hashed into 2^hash_bits weights; the ad-keyed ones (ad, ad x device, "
              "ad x region, interest x ad) have a row of weights per ad beyond them (docs/learning.md)."),
      number("model.ftrl_alpha", field(m, &ModelSpec::ftrl_alpha), open_closed(0, 100), "",
             "FTRL-Proximal learning-rate scale alpha (McMahan et al. 2013)."),
      number("model.ftrl_beta", field(m, &ModelSpec::ftrl_beta), closed(0, 100), "",
             "FTRL-Proximal learning-rate smoothing beta."),
      number("model.ftrl_l1", field(m, &ModelSpec::ftrl_l1), closed(0, 1000), "",
             "FTRL-Proximal L1 regularization lambda1 (sparsity)."),
      number("model.ftrl_l2", field(m, &ModelSpec::ftrl_l2), closed(0, 1000), "",
             "FTRL-Proximal L2 regularization lambda2."),
      number("model.refresh_minutes", field(m, &ModelSpec::refresh_minutes), closed(0, kMinutesPerYear), "minutes",
             "Logistic model: 0 learns continuously; otherwise what was learned is applied every this many minutes."),
      number("model.downsample_rate", field(m, &ModelSpec::downsample_rate), open_closed(0, 1), "probability",
             "Negative downsampling: share w of non-click examples kept for training (clicks are all kept)."),
      boolean("model.recalibrate", field(m, &ModelSpec::recalibrate),
              "Correct predictions for downsampling with q = p / (p + (1 - p) / w); false shows what it fixes."),
      choice("model.position_mode", field(m, &ModelSpec::position_mode), {"feature", "naive"},
             "Position bias: 'feature' trains with the slot as a feature and serves at the top slot; 'naive' "
             "ignores the slot."),
      integer("model.gbdt_trees", field(m, &ModelSpec::gbdt_trees), closed(1, 500), "trees",
              "gbdt_lr: boosted trees per training; each adds one leaf feature to the logistic regression and a walk "
              "of model.gbdt_depth steps per candidate scored."),
      integer("model.gbdt_depth", field(m, &ModelSpec::gbdt_depth), closed(1, 10), "levels",
              "gbdt_lr: maximum depth of each tree (at most 2^depth leaves)."),
      number("model.gbdt_learning_rate", field(m, &ModelSpec::gbdt_learning_rate), open_closed(0, 1), "",
             "gbdt_lr: XGBoost's shrinkage eta of each tree."),
      number("model.gbdt_min_child_weight", field(m, &ModelSpec::gbdt_min_child_weight), closed(0, 1e6), "hessian",
             "gbdt_lr: XGBoost's minimum hessian sum in a leaf (about p (1 - p) per example)."),
      integer("model.gbdt_window_examples", field(m, &ModelSpec::gbdt_window_examples), closed(100, 10'000'000),
              "examples",
              "gbdt_lr: trees train on this many most recent released examples kept after downsampling (the first "
              "training waits for min(this, 1000) of them)."),
      number("model.gbdt_interval_minutes", field(m, &ModelSpec::gbdt_interval_minutes), open_closed(0, kMinutesPerYear),
             "minutes", "gbdt_lr: trees are retrained every this many simulated minutes."),
      number("model.gbdt_train_delay_minutes", field(m, &ModelSpec::gbdt_train_delay_minutes),
             closed(0, kMinutesPerYear), "minutes",
             "gbdt_lr: trees trained at simulated time t serve from t + delay (training takes time on a real "
             "platform; the measured wall time never affects the run)."),
      integer("model.mlp_embedding_dim", field(m, &ModelSpec::mlp_embedding_dim), closed(1, 64), "dimensions",
              "Neural ranker (model.ctr_model = mlp): size of each categorical feature's embedding. The mlp model "
              "also uses model.downsample_rate, model.recalibrate, model.position_mode and model.prior_ctr as the "
              "logistic model does (docs/learning.md)."),
      integer("model.mlp_hidden1", field(m, &ModelSpec::mlp_hidden1), closed(1, 1024), "units",
              "Neural ranker: ReLU units of the first hidden layer."),
      integer("model.mlp_hidden2", field(m, &ModelSpec::mlp_hidden2), closed(0, 1024), "units",
              "Neural ranker: ReLU units of the second hidden layer; 0: one hidden layer only."),
      integer("model.mlp_batch", field(m, &ModelSpec::mlp_batch), closed(1, 65'536), "examples",
              "Neural ranker: minibatch size of its Adam steps."),
      integer("model.mlp_epochs", field(m, &ModelSpec::mlp_epochs), closed(1, 100), "passes",
              "Neural ranker: passes over the window per retrain, warm-started from the previous weights."),
      integer("model.mlp_window_examples", field(m, &ModelSpec::mlp_window_examples), closed(100, 100'000'000),
              "examples", "Neural ranker: each retrain uses this many most recent released examples (after "
              "downsampling)."),
      integer("model.mlp_id_buckets", field(m, &ModelSpec::mlp_id_buckets), closed(1, 16'777'216), "rows",
              "Neural ranker: embedding rows for each of ad, campaign and advertiser ids; more ids than rows share "
              "rows by hashing."),
      number("model.mlp_learning_rate", field(m, &ModelSpec::mlp_learning_rate), open_closed(0, 1), "",
             "Neural ranker: Adam step size."),
      number("model.mlp_interval_minutes", field(m, &ModelSpec::mlp_interval_minutes), open_closed(0, kMinutesPerYear),
             "minutes", "Neural ranker: a retrain starts every this many simulated minutes (when examples arrived "
             "since the last one and no trained model is still waiting to serve)."),
      number("model.mlp_train_delay_minutes", field(m, &ModelSpec::mlp_train_delay_minutes),
             closed(0, kMinutesPerYear), "minutes",
             "Neural ranker: simulated time from a retrain's start until its model serves (the training and "
             "deployment time of a real pipeline; measured wall time never enters the simulation)."),
      integer("model.calibration_window", field(m, &ModelSpec::calibration_window), closed(100, 10'000'000),
              "examples", "Calibrators (platt, isotonic) are fitted on this many most recent examples."),
      number("model.calibration_refit_minutes", field(m, &ModelSpec::calibration_refit_minutes),
             closed(0, kMinutesPerYear), "minutes", "How often calibrators are refitted; 0 after every batch."),
      probability("model.exploration_share", field(m, &ModelSpec::exploration_share),
                  "Share of requests served by exploration: winners drawn at random, each paying the reserve."),
      number("model.optimism_bonus", field(m, &ModelSpec::optimism_bonus), closed(0, 100), "",
             "Cold start: pCTR += bonus x sqrt(p (1 - p) / (impressions + 1)) for each ad; 0 disables."),
      choice("model.ope_target", field(m, &ModelSpec::ope_target), {"none", "auction", "top_pctr", "top_bid"},
             "Off-policy evaluation: the policy whose top-slot click rate is estimated from the logged traffic "
             "(IPS, SNIPS, direct method, doubly robust) and compared with its true value; 'top_pctr' puts the "
             "highest pCTR on top, 'top_bid' the highest bid, 'auction' the auction's winner. Needs "
             "model.exploration_share > 0 to see choices the auction never makes."),
      integer("model.reliability_bins", field(m, &ModelSpec::reliability_bins), closed(2, 100), "bins",
              "Bins of the reliability diagram of served predictions."),
      number("model.reliability_max", field(m, &ModelSpec::reliability_max), open_closed(0, 1), "probability",
             "Upper end of the reliability diagram (click probabilities are small); higher ones fall in the last bin."),
      number("model.cvr_prior", field(m, &ModelSpec::cvr_prior), open(0, 1), "probability",
             "pCVR: mean of the Beta prior of each campaign's conversion rate per click, learned from logged clicks "
             "and attributed conversions only."),
      number("model.cvr_prior_strength", field(m, &ModelSpec::cvr_prior_strength), open_closed(0, 1e9), "clicks",
             "pCVR: weight of the Beta prior, in pseudo-clicks."),
      number("model.conversion_window_hours", field(m, &ModelSpec::conversion_window_hours), open_closed(0, 366 * 24),
             "hours", "Conversions later than this after their click are not attributed: not billed (CPA), not "
             "learned from, not reported to auto-bidders (counted as late conversions; their value still counts)."),

      // [pacing]
      choice("pacing.pacer", field(p, &PacingSpec::pacer), {"none", "throttling", "dual_descent", "pid"},
             "Budget pacer of every campaign (see docs/pacing.md), unless pacing.mix splits them."),
      numbers("pacing.mix", field(p, &PacingSpec::mix), 0, 4, closed(0, 1), "share",
              "Shares of campaigns paced by none, throttling, dual_descent and pid, in that order (missing "
              "entries are 0; must sum to 1); empty: every campaign uses pacing.pacer."),
      choice("pacing.curve", field(p, &PacingSpec::curve), {"uniform", "traffic", "learned"},
             "Target spend curve: uniform in time, proportional to traffic.hourly_profile, or learned from the "
             "previous simulated day's traffic."),
      number("pacing.finish_hour", field(p, &PacingSpec::finish_hour), open_closed(0, 24), "hour of day",
             "Early finish: the plan spends the whole daily budget by this hour; 24 means the end of the day."),
      number("pacing.control_minutes", field(p, &PacingSpec::control_minutes), closed(0.01, 1440), "minutes",
             "Control interval: how often every pacer compares spend with its plan and adjusts."),
      probability("pacing.throttling_initial_rate", field(p, &PacingSpec::throttling_initial_rate),
                  "Throttling: pass-through rate at the start of each day (slow start)."),
      number("pacing.throttling_step", field(p, &PacingSpec::throttling_step), open_closed(0, 10), "ratio",
             "Throttling: the rate is multiplied or divided by (1 + step) each control interval."),
      number("pacing.dual_step_size", field(p, &PacingSpec::dual_step_size), open_closed(0, 100), "",
             "Dual descent: step size eta of the multiplier mu per unit of overspend; bid = bid / (1 + mu)."),
      number("pacing.dual_max_mu", field(p, &PacingSpec::dual_max_mu), closed(0, 1e6), "",
             "Dual descent: upper bound of mu (bids are never shaded below 1 / (1 + max))."),
      number("pacing.pid_kp", field(p, &PacingSpec::pid_kp), closed(0, 100), "per hour of plan",
             "PID: proportional gain on the spend deviation e, in hours of a uniform plan behind (ahead: < 0); "
             "phi moves by kp x e."),
      number("pacing.pid_ki", field(p, &PacingSpec::pid_ki), closed(0, 100), "per hour of plan per hour",
             "PID: integral gain (phi moves by ki x the time integral of e, in hours)."),
      number("pacing.pid_kd", field(p, &PacingSpec::pid_kd), closed(0, 100), "per hour of plan",
             "PID: derivative gain (on the change of e between control ticks)."),
      number("pacing.pid_min_phi", field(p, &PacingSpec::pid_min_phi), closed(-50, 0), "log bid factor",
             "PID: lower bound of phi in bid x exp(phi)."),
      number("pacing.pid_max_phi", field(p, &PacingSpec::pid_max_phi), closed(0, 5), "log bid factor",
             "PID: upper bound of phi (above 0 lets the pacer bid above the campaign's bid)."),
      choice("pacing.pid_signal", field(p, &PacingSpec::pid_signal), {"spend", "win_rate"},
             "PID: the error it controls: spend behind plan in hours of plan (spend), or the win rate's shortfall from "
             "pid_target_win_rate, (w* - charges / opportunities) / w* (win_rate)."),
      number("pacing.pid_target_win_rate", field(p, &PacingSpec::pid_target_win_rate), open_closed(0, 1),
             "charges per opportunity", "PID, win_rate signal: the target w*."),
      number("pacing.auto_bid_minutes", field(p, &PacingSpec::auto_bid_minutes), closed(0.1, 1440), "minutes",
             "Auto-bidding: how often each tCPA/tROAS campaign's multiplier m is updated (see docs/pacing.md)."),
      number("pacing.auto_bid_gain", field(p, &PacingSpec::auto_bid_gain), open_closed(0, 10), "",
             "Auto-bidding: step eta of log m per unit of log(cost / allowance)."),
      number("pacing.auto_bid_half_life_hours", field(p, &PacingSpec::auto_bid_half_life_hours), open_closed(0, 24 * 366),
             "hours", "Auto-bidding: half-life of the exponentially weighted cost and allowance."),
      number("pacing.auto_bid_prior_conversions", field(p, &PacingSpec::auto_bid_prior_conversions), closed(0, 1e6),
             "conversions", "Auto-bidding: pseudo-conversions at exactly the target that damp early noise."),
      number("pacing.auto_bid_conversion_lag_minutes", field(p, &PacingSpec::auto_bid_conversion_lag_minutes),
             closed(0, 7 * 1440), "minutes",
             "Auto-bidding: spend enters the comparison this much later, to meet the conversions it bought."),

      // [auction_only]
      boolean("auction_only.enabled", field(o, &AuctionOnlySpec::enabled),
              "Run classroom auction-only rounds (value-driven bidders, no users) instead of the marketplace."),
      integer("auction_only.bidders", field(o, &AuctionOnlySpec::bidders), closed(1, 10'000), "bidders",
              "Number of bidders."),
      integer("auction_only.bidders_per_auction", field(o, &AuctionOnlySpec::bidders_per_auction),
              closed(0, 10'000), "bidders", "Bidders drawn at random for each auction; 0: all of them."),
      integer("auction_only.rounds", field(o, &AuctionOnlySpec::rounds), closed(1, 1'000'000'000), "auctions",
              "Number of auctions."),
      choice("auction_only.values", field(o, &AuctionOnlySpec::values), {"uniform", "exponential", "lognormal", "empirical"},
             "Distribution of each bidder's value per click, drawn independently for every auction."),
      number("auction_only.value_low", field(o, &AuctionOnlySpec::value_low), closed(0, 1e9), "currency units",
             "Uniform values: lower end."),
      number("auction_only.value_high", field(o, &AuctionOnlySpec::value_high), open_closed(0, 1e9), "currency units",
             "Uniform values: upper end."),
      number("auction_only.value_mean", field(o, &AuctionOnlySpec::value_mean), open_closed(0, 1e9), "currency units",
             "Exponential values: mean."),
      number("auction_only.value_mu", field(o, &AuctionOnlySpec::value_mu), closed(-50, 50), "log currency units",
             "Lognormal values: mean of the log."),
      number("auction_only.value_sigma", field(o, &AuctionOnlySpec::value_sigma), open_closed(0, 10), "log-scale",
             "Lognormal values: standard deviation of the log."),
      numbers("auction_only.value_points", field(o, &AuctionOnlySpec::value_points), 0, 100'000, closed(0, 1e9),
              "currency units", "Empirical values: equally likely points (needed when values = \"empirical\")."),
      choice("auction_only.strategy", field(o, &AuctionOnlySpec::strategy), {"truthful", "shaded", "equilibrium", "bandit"},
             "How bidders bid: their value, a fixed share of it, the symmetric first-price equilibrium, or a "
             "learning (Exp3) bid shader."),
      number("auction_only.shading", field(o, &AuctionOnlySpec::shading), open_closed(0, 1), "ratio",
             "Shaded strategy: bid = shading x value."),
      choice("auction_only.reserve_rule", field(o, &AuctionOnlySpec::reserve_rule), {"fixed", "myerson", "myerson_per_bidder"},
             "Reserve: auction.reserve as given, the optimal (Myerson) reserve of the value distribution, or each "
             "bidder's own Myerson reserve."),
      choice("auction_only.value_model", field(o, &AuctionOnlySpec::value_model), {"distribution", "contextual_items"},
             "Where values come from: a value distribution per click (items, or ads with a given CTR), or AuctionGym's "
             "contextual items (each bidder owns items with embeddings; per auction a Gaussian context is drawn, true "
             "CTR = sigmoid(context . embedding), and each bidder bids on its item of highest value x CTR)."),
      integer("auction_only.items_per_bidder", field(o, &AuctionOnlySpec::items_per_bidder), closed(1, 10'000), "items",
              "Contextual items: items each bidder owns."),
      integer("auction_only.embedding_dim", field(o, &AuctionOnlySpec::embedding_dim), closed(1, 1'024), "dimensions",
              "Contextual items: dimension of the item embeddings and of the context."),
      number("auction_only.embedding_sd", field(o, &AuctionOnlySpec::embedding_sd), open_closed(0, 100), "",
             "Contextual items: item embedding coordinates ~ Normal(0, sd), drawn once."),
      number("auction_only.context_sd", field(o, &AuctionOnlySpec::context_sd), open_closed(0, 100), "",
             "Contextual items: context coordinates ~ Normal(0, sd), drawn per auction."),
      number("auction_only.item_value_mu", field(o, &AuctionOnlySpec::item_value_mu), closed(-50, 50), "log currency units",
             "Contextual items: item values per click are lognormal(mu, sigma), drawn once per item."),
      number("auction_only.item_value_sigma", field(o, &AuctionOnlySpec::item_value_sigma), open_closed(0, 10), "log-scale",
             "Contextual items: sigma of the item values' lognormal."),
      number("auction_only.budget", field(o, &AuctionOnlySpec::budget), closed(0, 1e15), "currency units",
             "Every bidder's budget per episode (expected payments are charged to it); 0: unlimited. A bidder whose "
             "budget cannot cover its bid sits the auction out."),
      integer("auction_only.episode_rounds", field(o, &AuctionOnlySpec::episode_rounds), closed(0, 1'000'000'000),
              "auctions", "Budgets refill every this many auctions (an episode, the pacers' day); 0: one episode, the whole run."),
      choice("auction_only.pacer", field(o, &AuctionOnlySpec::pacer), {"none", "multiplier", "throttling", "dual_descent", "pid"},
             "How budgeted bidders pace: not at all (the plan is still tracked), the built-in AuctionNet-style multiplier "
             "(pacing_gain, min/max_multiplier), or the marketplace's throttling, dual_descent or pid rule with the [pacing] "
             "section's parameters, updated pacing_ticks times per episode against the uniform plan B x t / T."),
      integer("auction_only.pacing_ticks", field(o, &AuctionOnlySpec::pacing_ticks), closed(1, 10'000'000), "updates",
              "Pacer updates per episode (at most the auctions per episode)."),
      number("auction_only.pacing_gain", field(o, &AuctionOnlySpec::pacing_gain), closed(0, 100), "",
             "Multiplier pacer: lambda += gain x (min(tick spend / even share of what is left, 4) - 1); multiplier = "
             "1 / (1 + lambda)."),
      number("auction_only.min_multiplier", field(o, &AuctionOnlySpec::min_multiplier), open_closed(0, 1), "ratio",
             "Multiplier pacer: lowest bid multiplier."),
      number("auction_only.max_multiplier", field(o, &AuctionOnlySpec::max_multiplier), open_closed(0, 100), "ratio",
             "Multiplier pacer: highest bid multiplier (above 1 lets an under-spending bidder bid above its value)."),
      probability("auction_only.log_rate", field(o, &AuctionOnlySpec::log_rate),
                  "Share of auctions whose every bid (value, bid, rank score, slot, price) goes to the auction_only_bids "
                  "table, at most 1,000,000 rows; drawn from its own stream, so logging changes no result."),
      integer("auction_only.series_points", field(o, &AuctionOnlySpec::series_points), closed(1, 1'000'000), "ticks",
              "Pacing time series (auction_only_pacing): about this many ticks kept per budgeted bidder, evenly spaced."),

      // [run]
      integer("run.seed", field(r, &RunSpec::seed), at_least(0), "",
              "Seed every random stream of the run is derived from; at most 2^63 - 1, the largest TOML integer "
              "(a study's --seeds may use seeds up to 2^64 - 1)."),
      number("run.days", field(r, &RunSpec::days), open_closed(0, 366), "days", "Simulated length of the run."),
      number("run.snapshot_minutes", sim_time_in(core::kMinute, &RunSpec::snapshot_interval),
             closed(0.1, kMinutesPerYear), "minutes", "Simulated time between two metric snapshots."),
      probability("run.auction_log_rate", field(r, &RunSpec::auction_log_rate),
                  "Share of requests whose full auction is logged."),
      probability("run.prediction_log_rate", field(r, &RunSpec::prediction_log_rate),
                  "Share of labelled impressions whose served prediction and label are logged (table "
                  "prediction_log of the results database; `adsim export DB --run ID --table predictions`). "
                  "At 1 the log holds exactly the examples the run's model metrics score. Its own random "
                  "stream: turning it on changes no other figure."),
  };
}

std::vector<CrossFieldRule> build_cross_field_rules() {
  auto le_rule = [](std::string small_key, std::string large_key, std::string why) {
    CrossFieldRule rule;
    rule.keys = {small_key, large_key};
    rule.description = "`" + small_key + "` <= `" + large_key + "`: " + why + ".";
    rule.check = [=](const Scenario& s) -> std::optional<std::string> {
      const auto small = std::get<std::int64_t>(find_key_spec(small_key)->get(s));
      const auto large = std::get<std::int64_t>(find_key_spec(large_key)->get(s));
      if (small <= large) return std::nullopt;
      return small_key + " (" + std::to_string(small) + ") must be <= " + large_key + " (" + std::to_string(large) +
             "): " + why;
    };
    return rule;
  };
  std::vector<CrossFieldRule> rules;
  {
    CrossFieldRule mix;
    mix.keys = {"pacing.mix"};
    mix.description = "`pacing.mix`, when given, sums to 1: every campaign gets a pacing strategy.";
    mix.check = [](const Scenario& sc) -> std::optional<std::string> {
      if (sc.pacing.mix.empty()) return std::nullopt;
      double sum = 0;
      for (double x : sc.pacing.mix) sum += x;
      if (std::abs(sum - 1.0) <= 1e-9) return std::nullopt;
      return "pacing.mix must sum to 1 (shares of none, throttling, dual_descent, pid), got " + format_number(sum);
    };
    rules.push_back(std::move(mix));
  }
  {
    CrossFieldRule values;
    values.keys = {"auction_only.value_high", "auction_only.value_low"};
    values.description = "`auction_only.value_low` < `auction_only.value_high` for uniform values.";
    values.check = [](const Scenario& sc) -> std::optional<std::string> {
      if (sc.auction_only.values != "uniform" || sc.auction_only.value_low < sc.auction_only.value_high) return std::nullopt;
      return "auction_only.value_low must be below auction_only.value_high for uniform values";
    };
    rules.push_back(std::move(values));
    CrossFieldRule points;
    points.keys = {"auction_only.value_points", "auction_only.values"};
    points.description = "`auction_only.value_points` is not empty when `auction_only.values` is \"empirical\".";
    points.check = [](const Scenario& sc) -> std::optional<std::string> {
      if (sc.auction_only.values != "empirical" || !sc.auction_only.value_points.empty()) return std::nullopt;
      return "auction_only.values = \"empirical\" needs auction_only.value_points";
    };
    rules.push_back(std::move(points));
    CrossFieldRule multipliers;
    multipliers.keys = {"auction_only.max_multiplier", "auction_only.min_multiplier"};
    multipliers.description = "`auction_only.min_multiplier` <= `auction_only.max_multiplier`.";
    multipliers.check = [](const Scenario& sc) -> std::optional<std::string> {
      if (sc.auction_only.min_multiplier <= sc.auction_only.max_multiplier) return std::nullopt;
      return "auction_only.min_multiplier must be <= auction_only.max_multiplier";
    };
    rules.push_back(std::move(multipliers));
    CrossFieldRule ticks;
    ticks.keys = {"auction_only.episode_rounds", "auction_only.pacing_ticks", "auction_only.rounds"};
    ticks.description = "`auction_only.pacing_ticks` <= the auctions per episode (`auction_only.episode_rounds`, or "
                        "`auction_only.rounds` when that is 0) when bidders have budgets.";
    ticks.check = [](const Scenario& sc) -> std::optional<std::string> {
      const AuctionOnlySpec& o = sc.auction_only;
      const bool budgeted = o.budget > 0 || std::any_of(o.bidder_list.begin(), o.bidder_list.end(),
                                                         [](const BidderSpec& b) { return b.budget.value_or(0.0) > 0.0; });
      const int episode = o.episode_rounds > 0 ? o.episode_rounds : o.rounds;
      if (!budgeted || o.pacing_ticks <= episode) return std::nullopt;
      return "auction_only.pacing_ticks (" + std::to_string(o.pacing_ticks) + ") must be <= the auctions per episode (" +
             std::to_string(episode) + ")";
    };
    rules.push_back(std::move(ticks));
  }
  {
    CrossFieldRule region_rule;
    region_rule.keys = {"auction.region_reserves", "world.region_weights"};
    region_rule.description = "`auction.region_reserves` is empty or has one entry per region (`world.region_weights`).";
    region_rule.check = [](const Scenario& sc) -> std::optional<std::string> {
      const auto n = sc.auction.region_reserves.size(), regions = sc.world.region_weights.size();
      if (n == 0 || n == regions) return std::nullopt;
      return "auction.region_reserves has " + std::to_string(n) + " entries but there are " + std::to_string(regions) +
             " regions";
    };
    rules.push_back(std::move(region_rule));
    CrossFieldRule surface_rule;
    surface_rule.keys = {"auction.surface_reserves"};
    surface_rule.description = "`auction.surface_reserves` is empty or has one entry per surface: [feed, search].";
    surface_rule.check = [](const Scenario& sc) -> std::optional<std::string> {
      const auto n = sc.auction.surface_reserves.size();
      if (n == 0 || n == core::kSurfaces) return std::nullopt;
      return "auction.surface_reserves has " + std::to_string(n) + " entries but there are 2 surfaces (feed, search)";
    };
    rules.push_back(std::move(surface_rule));
    CrossFieldRule query_rule;
    query_rule.keys = {"auction.query_category_reserves", "world.interest_categories"};
    query_rule.description =
        "`auction.query_category_reserves` is empty or has one entry per category (`world.interest_categories`).";
    query_rule.check = [](const Scenario& sc) -> std::optional<std::string> {
      const auto n = sc.auction.query_category_reserves.size();
      const auto categories = static_cast<std::size_t>(sc.world.interest_categories);
      if (n == 0 || n == categories) return std::nullopt;
      return "auction.query_category_reserves has " + std::to_string(n) + " entries but there are " +
             std::to_string(categories) + " categories";
    };
    rules.push_back(std::move(query_rule));
  }
  rules.push_back(le_rule("funnel.rank_keep", "funnel.prerank_keep",
                          "ranking keeps a subset of the candidates pre-ranking kept"));
  for (const auto& [a_key, b_key, rest] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"world.cpm_share", "world.cpa_share", "the rest of the campaigns pay per click"},
           {"world.tcpa_share", "world.troas_share", "the rest of the campaigns bid manually"}}) {
    CrossFieldRule rule;
    rule.keys = {a_key, b_key};
    rule.description = "`" + a_key + "` + `" + b_key + "` <= 1: " + rest + ".";
    // Copies by name: clang before 16 cannot capture structured bindings.
    rule.check = [a_key = a_key, b_key = b_key, rest = rest](const Scenario& sc) -> std::optional<std::string> {
      const double a = std::get<double>(find_key_spec(a_key)->get(sc));
      const double b = std::get<double>(find_key_spec(b_key)->get(sc));
      if (a + b <= 1.0 + 1e-9) return std::nullopt;
      return a_key + " + " + b_key + " must be <= 1 (" + rest + "), got " + format_number(a) + " + " + format_number(b);
    };
    rules.push_back(std::move(rule));
  }
  rules.push_back(le_rule("world.advertisers", "world.campaigns", "every advertiser runs at least one campaign"));
  rules.push_back(le_rule("world.campaigns", "world.ads", "every campaign has at least one ad"));
  rules.push_back(le_rule("world.user_top_interests", "world.interest_categories",
                          "a user cannot be interested in more categories than exist"));
  {
    CrossFieldRule rule;
    rule.keys = {"auction.ab_budget_split", "auction.ab_share"};
    rule.description = "`auction.ab_budget_split` needs a test whose arms both have users: 0 < `auction.ab_share` < 1.";
    rule.check = [](const Scenario& s) -> std::optional<std::string> {
      if (!s.auction.ab_budget_split || (s.auction.ab_share > 0 && s.auction.ab_share < 1)) return std::nullopt;
      return "auction.ab_budget_split splits budgets between the arms of a test, but auction.ab_share is " +
             format_number(s.auction.ab_share) + ": it must be above 0 and below 1";
    };
    rules.push_back(std::move(rule));
  }
  {
    CrossFieldRule rule;
    rule.keys = {"truth.cascade_continue", "truth.click_model"};
    rule.description = "`truth.cascade_continue` is 0 unless `truth.click_model` is \"cascade\": the position model "
                       "has no reading to continue.";
    rule.check = [](const Scenario& s) -> std::optional<std::string> {
      if (s.truth.cascade_continue == 0.0 || s.truth.click_model == "cascade") return std::nullopt;
      return "truth.cascade_continue (" + format_number(s.truth.cascade_continue) +
             ") applies to truth.click_model = \"cascade\" only, but truth.click_model is \"" + s.truth.click_model +
             "\"";
    };
    rules.push_back(std::move(rule));
  }
  {
    CrossFieldRule rule;
    rule.keys = {"truth.rank_attractiveness", "auction.slots", "auction.ab_slots"};
    rule.description =
        "`truth.rank_attractiveness` is empty or has at least `auction.slots` (and `auction.ab_slots`) entries: "
        "every slot needs its attractiveness.";
    rule.check = [](const Scenario& s) -> std::optional<std::string> {
      const std::size_t n = s.truth.rank_attractiveness.size();
      const int slots = std::max(s.auction.slots, s.auction.ab_slots);
      if (n == 0 || n >= static_cast<std::size_t>(slots)) return std::nullopt;
      return "truth.rank_attractiveness has " + std::to_string(n) + " entries but " +
             (slots == s.auction.slots ? "auction.slots" : "auction.ab_slots") + " is " + std::to_string(slots) +
             ": every slot needs its attractiveness";
    };
    rules.push_back(std::move(rule));
  }
  {
    CrossFieldRule rule;
    rule.keys = {"auction.position_factors", "auction.slots", "auction.ab_slots"};
    rule.description =
        "`auction.position_factors` has at least `auction.slots` (and `auction.ab_slots`) entries: every slot "
        "needs a click factor.";
    rule.check = [](const Scenario& s) -> std::optional<std::string> {
      const int slots = std::max(s.auction.slots, s.auction.ab_slots);
      if (s.auction.position_factors.size() >= static_cast<std::size_t>(slots)) return std::nullopt;
      return "auction.position_factors has " + std::to_string(s.auction.position_factors.size()) + " entries but " +
             (slots == s.auction.slots ? "auction.slots" : "auction.ab_slots") + " is " + std::to_string(slots) +
             ": every slot needs a click factor";
    };
    rules.push_back(std::move(rule));
  }
  return rules;
}

// ---- Text rendering -------------------------------------------------------------------------

// Shortest text that reads back as the same double. Integral values in a sane range print
// without exponent so ranges read "[1, 50000000]", not "[1, 5e+07]".
std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::trunc(v) && std::fabs(v) < 1e16) {
    return std::to_string(static_cast<std::int64_t>(v));
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string toml_float(double v) {
  std::string text = format_double(v);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";  // 'n': nan, inf
  return text;
}

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

std::string with_unit(const std::string& text, const std::string& unit) {
  return unit.empty() ? text : text + " (" + unit + ")";
}

std::string markdown_cell(std::string text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace

std::string format_number(double value) { return format_double(value); }

// ---- Range ----------------------------------------------------------------------------------

bool Range::contains(double v) const {
  if (std::isnan(v)) return false;
  if (min && (min->inclusive ? v < min->value : v <= min->value)) return false;
  if (max && (max->inclusive ? v > max->value : v >= max->value)) return false;
  return true;
}

std::string Range::describe() const {
  if (min && max) {
    return std::string(min->inclusive ? "[" : "(") + format_double(min->value) + ", " + format_double(max->value) +
           (max->inclusive ? "]" : ")");
  }
  if (min) return std::string(min->inclusive ? ">= " : "> ") + format_double(min->value);
  if (max) return std::string(max->inclusive ? "<= " : "< ") + format_double(max->value);
  return "any";
}

// ---- KeySpec --------------------------------------------------------------------------------

std::string KeySpec::section() const {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? std::string{} : path.substr(0, dot);
}

std::string KeySpec::name() const {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

const char* key_kind_name(KeyKind kind) {
  switch (kind) {
    case KeyKind::kInteger: return "integer";
    case KeyKind::kNumber: return "number";
    case KeyKind::kBool: return "boolean";
    case KeyKind::kString: return "string";
    case KeyKind::kEnum: return "string";
    case KeyKind::kNumberArray: return "array of numbers";
  }
  return "?";
}

std::string KeySpec::type_description() const {
  if (kind == KeyKind::kEnum) return "enum";
  if (kind != KeyKind::kNumberArray) return key_kind_name(kind);
  if (min_length == max_length) return "array of " + std::to_string(min_length) + " numbers";
  if (max_length == std::numeric_limits<std::size_t>::max()) {
    return "array of at least " + std::to_string(min_length) + " numbers";
  }
  return "array of " + std::to_string(min_length) + " to " + std::to_string(max_length) + " numbers";
}

std::string KeySpec::constraint_description() const {
  switch (kind) {
    case KeyKind::kInteger:
    case KeyKind::kNumber: return range.describe();
    case KeyKind::kBool: return "true or false";
    case KeyKind::kString: return min_length > 0 ? "not empty" : "any";
    case KeyKind::kEnum: return join(allowed, ", ");
    case KeyKind::kNumberArray: {
      std::string text = "each " + range.describe();
      if (positive_sum) text += "; not all zero";
      return text;
    }
  }
  return "";
}

std::vector<KeyProblem> KeySpec::problems(const KeyValue& value) const {
  std::vector<KeyProblem> out;
  auto check_number = [&](double v, std::optional<std::size_t> element) {
    if (range.contains(v)) return;
    const std::string rule = range.min && range.max ? "in " + range.describe() : range.describe();
    out.push_back({element, "out of range: must be " + with_unit(rule, unit) + ", got " + format_double(v)});
  };
  switch (kind) {
    case KeyKind::kInteger: check_number(static_cast<double>(std::get<std::int64_t>(value)), std::nullopt); break;
    case KeyKind::kNumber: check_number(std::get<double>(value), std::nullopt); break;
    case KeyKind::kBool: break;
    case KeyKind::kString:
      if (std::get<std::string>(value).size() < min_length) out.push_back({std::nullopt, "must not be empty"});
      break;
    case KeyKind::kEnum: {
      const auto& v = std::get<std::string>(value);
      if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) break;
      std::string message = "invalid value '" + v + "': must be one of " + join(allowed, ", ");
      if (const auto guess = closest_word(v, allowed)) message += " — did you mean '" + *guess + "'?";
      out.push_back({std::nullopt, std::move(message)});
      break;
    }
    case KeyKind::kNumberArray: {
      const auto& v = std::get<std::vector<double>>(value);
      if (v.size() < min_length || v.size() > max_length) {
        std::string expected;
        if (min_length == max_length) {
          expected = "exactly " + std::to_string(min_length);
        } else if (max_length == std::numeric_limits<std::size_t>::max()) {
          expected = "at least " + std::to_string(min_length);
        } else {
          expected = std::to_string(min_length) + " to " + std::to_string(max_length);
        }
        out.push_back({std::nullopt, "expected " + expected + " entries, got " + std::to_string(v.size())});
      }
      for (std::size_t i = 0; i < v.size(); ++i) check_number(v[i], i);
      if (positive_sum && !v.empty() && std::all_of(v.begin(), v.end(), [](double x) { return x == 0.0; })) {
        out.push_back({std::nullopt, "entries must not all be zero"});
      }
      break;
    }
  }
  return out;
}

// ---- Tables ---------------------------------------------------------------------------------

const std::vector<KeySpec>& scenario_schema() {
  static const std::vector<KeySpec> schema = build_schema();
  return schema;
}

const std::vector<CrossFieldRule>& scenario_cross_field_rules() {
  static const std::vector<CrossFieldRule> rules = build_cross_field_rules();
  return rules;
}

const std::vector<SectionInfo>& scenario_sections() {
  static const std::vector<SectionInfo> sections = {
      {"", "Top level"},
      {"world", "Users, advertisers, campaigns and ads the world is generated from"},
      {"traffic", "How users arrive"},
      {"funnel", "The selection funnel and its compute-cost model"},
      {"auction", "The auction"},
      {"truth", "Hidden ground truth of user behaviour (the platform never reads it)"},
      {"model", "The platform's click model and calibration"},
      {"pacing", "Budget pacing"},
      {"auction_only", "Classroom auction-only rounds (no users): value-driven bidders in the [auction] section's mechanism"},
      {"run", "Length, seed and recording of a run"},
  };
  return sections;
}

const KeySpec* find_key_spec(std::string_view path) {
  for (const KeySpec& spec : scenario_schema()) {
    if (spec.path == path) return &spec;
  }
  return nullptr;
}

const std::vector<std::string>& scenario_key_paths() {
  static const std::vector<std::string> paths = [] {
    std::vector<std::string> out;
    for (const KeySpec& spec : scenario_schema()) out.push_back(spec.path);
    return out;
  }();
  return paths;
}

std::vector<std::pair<const CrossFieldRule*, std::string>> cross_field_problems(const Scenario& scenario) {
  std::vector<std::pair<const CrossFieldRule*, std::string>> out;
  for (const CrossFieldRule& rule : scenario_cross_field_rules()) {
    if (auto problem = rule.check(scenario)) out.emplace_back(&rule, std::move(*problem));
  }
  return out;
}

// ---- TOML and Markdown ----------------------------------------------------------------------

std::string render_toml_value(const KeyValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return toml_float(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return toml_string(v);
        } else {
          std::vector<std::string> parts;
          parts.reserve(v.size());
          for (const double x : v) parts.push_back(toml_float(x));
          return "[" + join(parts, ", ") + "]";
        }
      },
      value);
}

namespace {

// [[auction_only.bidder]] tables, each key only where it differs from the default (as written).
void render_bidders(const std::vector<BidderSpec>& bidders, std::ostringstream& out) {
  const BidderSpec d;
  for (const BidderSpec& b : bidders) {
    out << "\n[[auction_only.bidder]]\n";
    auto num = [&](const char* key, double x, double def) {
      if (x != def) out << key << " = " << render_toml_value(KeyValue{x}) << "\n";
    };
    auto str = [&](const char* key, const std::string& x) {
      if (!x.empty()) out << key << " = " << render_toml_value(KeyValue{x}) << "\n";
    };
    str("name", b.name);
    auto given = [&](const char* key, const auto& x) {
      if (x) out << key << " = " << render_toml_value(KeyValue{*x}) << "\n";
    };
    given("value", b.value);
    str("values", b.values);
    given("value_low", b.value_low);
    given("value_high", b.value_high);
    given("value_mean", b.value_mean);
    given("value_mu", b.value_mu);
    given("value_sigma", b.value_sigma);
    given("value_points", b.value_points);
    given("bid", b.bid);
    str("strategy", b.strategy);
    num("shading", b.shading, d.shading);
    num("ctr", b.ctr, d.ctr);
    num("quality", b.quality, d.quality);
    given("budget", b.budget);
  }
}

}  // namespace

std::string render_scenario_toml(const Scenario& scenario) {
  std::ostringstream out;
  for (const SectionInfo& section : scenario_sections()) {
    bool first = true;
    for (const KeySpec& spec : scenario_schema()) {
      if (spec.section() != section.name) continue;
      if (first) {
        if (!section.name.empty()) out << "\n[" << section.name << "]  # " << section.title << "\n";
        first = false;
      }
      out << spec.name() << " = " << render_toml_value(spec.get(scenario)) << "\n";
    }
    if (section.name == "auction_only") render_bidders(scenario.auction_only.bidder_list, out);
  }
  return out.str();
}

std::string scenario_reference_markdown() {
  const Scenario defaults;
  std::ostringstream out;
  out << "# Scenario file reference\n\n"
         "<!-- Generated from the schema in scenarios/scenario_schema.cpp; do not edit by hand. Regenerate with\n"
         "     ADSIM_UPDATE_DOCS=1 <build>/tests/adsim_scenarios_tests --gtest_filter='ScenarioReference*' -->\n\n"
         "A scenario is a [TOML](https://toml.io) file. Every key is optional: a key left out keeps the default "
         "below, so an empty file is a valid scenario. Top-level keys come first, then one table per section:\n\n"
         "```toml\n"
         "name = \"funnel-size\"\n"
         "description = \"Small vs. large ranking funnel\"\n\n"
         "[world]\n"
         "users = 50000\n\n"
         "[auction]\n"
         "mechanism = \"vcg\"\n"
         "slots = 3\n"
         "```\n\n"
         "Any key can be overridden from the command line with `--set key.path=value`, where the value is "
         "written as in TOML (`--set world.users=5000`, `--set traffic.hourly_profile=[1,1,...]`); for string "
         "keys a bare word is accepted (`--set auction.mechanism=vcg`). Overrides are applied after the file "
         "and checked by the same rules.\n\n"
         "- **Types.** *integer* keys take TOML integers only (`1.5` is rejected); *number* keys and arrays "
         "take integers or floats; *enum* keys take one of the strings listed under Range.\n"
         "- **Ranges.** `[a, b]` includes both ends, `(a, b]` excludes `a`; `>= a` has no upper limit. "
         "Times are stated in the unit their key names (`run.snapshot_minutes`, `truth.click_delay_median_s`).\n"
         "- **Errors.** Every problem is reported as `file:line:column: key.path: message` (overrides name "
         "`--set` as the file, with the column inside the argument). Unknown keys are rejected with a "
         "suggestion of the key that was probably meant. A rule across keys (below) is reported at the key set last.\n";
  for (const SectionInfo& section : scenario_sections()) {
    out << "\n## " << (section.name.empty() ? std::string("Top level") : "[" + section.name + "]") << "\n\n";
    if (!section.name.empty()) out << section.title << ".\n\n";
    out << "| Key | Type | Unit | Default | Range | Meaning |\n"
           "|---|---|---|---|---|---|\n";
    for (const KeySpec& spec : scenario_schema()) {
      if (spec.section() != section.name) continue;
      out << "| `" << spec.path << "` | " << markdown_cell(spec.type_description()) << " | "
          << markdown_cell(spec.unit) << " | `" << markdown_cell(render_toml_value(spec.get(defaults)))
          << "` | " << markdown_cell(spec.constraint_description()) << " | " << markdown_cell(spec.meaning)
          << " |\n";
    }
  }
  out << "\n## Rules across keys\n\nChecked after every key is valid on its own:\n\n";
  for (const CrossFieldRule& rule : scenario_cross_field_rules()) out << "- " << rule.description << "\n";
  out << R"(
## [[auction_only.bidder]]

Explicit classroom bidders, one table each, in the order they are numbered (0, 1, ...). With at
least one, the bidders are these tables (`auction_only.bidders`, if given, must count them); each
key a table leaves out comes from the `[auction_only]` key of the same name. They are written in
the scenario file; `--set auction_only.bidder[N].key=value` changes one key of the file's N-th
bidder (from 0), e.g. `--set auction_only.bidder[1].bid=3.5`. Study variants cannot change them.

```toml
[[auction_only.bidder]]
name = "x"            # shown in the output and stored in auction_only_bidders.name
value = 7             # a fixed value per click, >= 0 (draws nothing: rounds are deterministic) ...
# value_high = 2.0    # ... or its own distribution: any of values, value_low, value_high,
                      #     value_mean, value_mu, value_sigma, value_points; the rest as in [auction_only]
bid = 5               # a fixed bid per click whatever the value (default: its strategy's bid) ...
# strategy = "shaded" # ... or a strategy (truthful, shaded, equilibrium, bandit), with shading
ctr = 0.1             # click probability in the top slot, (0, 1]; default 1 (an item)
quality = 1.0         # quality score in bid x ctr x quality^alpha, > 0; default 1
budget = 100.0        # per episode, >= 0 (0: unlimited); default auction_only.budget
```

A bidder gives a fixed `value` or its own distribution, not both, and a fixed `bid` or a `strategy`,
not both. Per-bidder `ctr` and `quality` need `auction_only.value_model = "distribution"`.
See [classroom.md](classroom.md) for worked examples.

## [experiment]

A study of the scenario: the keys to vary, the seeds, named variants and the baseline. `adsim sweep
FILE` and `adsim compare FILE` run it; `adsim run FILE` ignores it (it runs the scenario as
written); `adsim check FILE` checks it. Every value is checked against the key's type and range
above, with `file:line:column`, and every variant against the rules across keys, before anything
runs. See [experiments.md](experiments.md).

```toml
[experiment]
name = "reserve price study"   # default: the scenario's name
seeds = 20                     # a count (1..20), a range "5-24", or a list [1, 5, 9]; default 5
zip = false                    # true: pair the factors' values in order instead of their full grid
baseline = "scenario"          # a variant's name, or "scenario": the scenario as written

[[experiment.factor]]          # a key and the values it takes; several factors make a grid
key = "auction.reserve"
values = [0.05, 0.3, 0.6]

[[experiment.variant]]         # a named variant: any scenario keys, as dotted keys or tables
name = "vcg_high_reserve"
auction.mechanism = "vcg"
auction.reserve = 0.6

[[experiment.claim]]           # what a lesson claims of a variant: `adsim lesson FILE` checks it
text = "VCG with a high reserve earns less than GSP"
variant = "vcg_high_reserve"
metric = "revenue"             # a study metric (experiments.md)
direction = "lower"            # "higher", "lower", "same", or "above" / "below" with `value`
min_effect = 0.02              # the smallest change worth teaching, as a share of the baseline
```

| Key | Type | Default | Meaning |
|---|---|---|---|
| `experiment.name` | string | the scenario's `name` | The study's name in outputs and in the results database. |
| `experiment.seeds` | integer, string or array of integers | `5` | The replications: every variant runs with each seed (run.seed is set from it). |
| `experiment.zip` | boolean | `false` | Pair the factors' values in order (all factors need as many values) instead of running every combination. |
| `experiment.baseline` | string | `"scenario"` with named variants, none with factors alone | The variant the others are compared with, paired by seed. |
| `[[experiment.factor]]` | tables with `key` and `values` | none | A scenario key and the values it takes; variants are named `key=value` by the key's last part. |
| `[[experiment.variant]]` | tables with `name` and scenario keys | none | A named variant; `name` may not be `baseline` or `scenario`. |
| `[[experiment.claim]]` | tables with `text`, `variant`, `metric`, `direction`, and `min_effect` or `value` | none | A claim `adsim lesson` checks. Against the baseline, paired by seed: `higher`/`lower` holds when the difference is significant (Holm-adjusted p < 0.05) that way and at least `min_effect` (a share of the baseline's mean, 0 to 100); `same` holds when its whole 95 % interval is within ± `min_effect`. Of one variant (the baseline too): `above`/`below` holds when the whole 95 % interval of its mean is above (below) `value`, in the metric's unit (for a figure a run computes against itself, such as an A/B test's lift). |

`run.seed` cannot be a factor or a variant setting: the seeds are the study's replications.
)";
  return out.str();
}

}  // namespace adsim::scenarios

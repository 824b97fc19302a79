#include "models/ground_truth.hpp"

#include <algorithm>
#include <cmath>

#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/uniform_01.hpp>

#include "core/vector_math.hpp"

namespace adsim::models {

using core::sigmoid;

GroundTruth::GroundTruth(const core::World& world, GroundTruthParams params)
    : world_(world),
      params_(std::move(params)),
      decay_per_us_(std::log(2.0) / (params_.fatigue_half_life_hours * static_cast<double>(core::kHour))),
      search_match_logit_(std::log(params_.search_match_odds)),
      novelty_half_life_us_(params_.novelty_half_life_days * static_cast<double>(core::kDay)) {
  if (params_.examination.empty()) params_.examination = {1.0};
}

double GroundTruth::affinity(std::span<const float> user, core::AdId ad) const {
  const auto emb = world_.ads.embedding_of(ad);
  return core::dot(user.data(), emb.data(), emb.size());
}

// Adding an intent logit of exactly 0 (feed) leaves the sum bit for bit as it was without it.
double GroundTruth::click_probability(std::span<const float> user, core::AdId ad, double fatigue, double intent) const {
  const double q = world_.ads.true_quality[ad];
  return sigmoid(params_.base_logit + params_.affinity_weight * affinity(user, ad) +
                 params_.quality_weight * (q - 0.5) - params_.fatigue_weight * fatigue + intent);
}

double GroundTruth::conversion_probability(core::AdId ad) const {
  return std::min(1.0, params_.conversion_rate * 2.0 * world_.ads.true_quality[ad]);
}

double GroundTruth::examination(int slot) const {
  const auto i = std::min<std::size_t>(static_cast<std::size_t>(slot), params_.examination.size() - 1);
  return params_.examination[i];
}

double GroundTruth::decayed_fatigue(double fatigue, core::SimTime since, core::SimTime now) const {
  if (fatigue <= 0.0 || now <= since) return fatigue;
  return fatigue * std::exp(-decay_per_us_ * static_cast<double>(now - since));
}

void GroundTruth::true_ctr(const core::RequestContext& request, std::span<const core::AdId> ads,
                           std::span<float> out) const {
  const double fatigue = decayed_fatigue(world_.users.fatigue[request.user],
                                         world_.users.fatigue_updated[request.user], request.time);
  const double novelty = novelty_logit(request);
  for (std::size_t i = 0; i < ads.size(); ++i)
    out[i] = static_cast<float>(examination(0) * click_probability(request.user_embedding, ads[i], fatigue,
                                                                   intent_logit(request, ads[i]) + novelty));
}

void GroundTruth::respond(const core::RequestContext& request, std::span<const core::ShownAd> shown,
                          std::span<core::ImpressionOutcome> outcomes, core::UserState& state,
                          core::Rng& rng) const {
  boost::random::uniform_01<double> u01;
  double fatigue = decayed_fatigue(state.fatigue, state.fatigue_updated, request.time);
  const double fatigue_at_page = fatigue;
  const double novelty = novelty_logit(request);
  for (std::size_t i = 0; i < shown.size(); ++i) {
    core::ImpressionOutcome& o = outcomes[i];
    o = {};
    const core::AdId ad = shown[i].ad;
    o.examined = u01(rng) < examination(shown[i].slot);
    if (!o.examined) continue;
    fatigue += params_.fatigue_per_impression;
    const double q = world_.ads.true_quality[ad];
    const double aff = affinity(request.user_embedding, ad);
    const double p_click = sigmoid(params_.base_logit + params_.affinity_weight * aff + params_.quality_weight * (q - 0.5) -
                                   params_.fatigue_weight * fatigue_at_page + intent_logit(request, ad) + novelty);
    if (u01(rng) < p_click) {
      o.clicked = true;
      fatigue += params_.fatigue_per_bad_click * std::max(0.0, 1.0 - 2.0 * q);  // regret after a poor ad
      boost::random::lognormal_distribution<double> delay(std::log(params_.click_delay_median_s),
                                                          params_.click_delay_sigma);
      o.click_delay = std::max<core::SimTime>(core::kMillisecond, core::from_seconds(delay(rng)));
      if (u01(rng) < conversion_probability(ad)) {
        o.converted = true;
        boost::random::lognormal_distribution<double> cdelay(std::log(params_.conversion_delay_median_s),
                                                             params_.conversion_delay_sigma);
        o.conversion_delay = std::max<core::SimTime>(core::kSecond, core::from_seconds(cdelay(rng)));
      }
      continue;
    }
    const double p_report = sigmoid(params_.report_base_logit + params_.report_quality_weight * (0.5 - q));
    if (u01(rng) < p_report) {
      o.reported = true;
      o.hidden = true;
      fatigue += params_.fatigue_per_report;
      continue;
    }
    const double p_hide = sigmoid(params_.hide_base_logit + params_.hide_irrelevance_weight * (1.0 - aff) +
                                  params_.hide_quality_weight * (0.5 - q));
    if (u01(rng) < p_hide) {
      o.hidden = true;
      fatigue += params_.fatigue_per_hide;
    }
  }
  state.fatigue = static_cast<float>(fatigue);
  state.fatigue_updated = request.time;
  state.leaves = u01(rng) < sigmoid(params_.churn_base_logit + params_.churn_fatigue_weight * fatigue);
}

}  // namespace adsim::models

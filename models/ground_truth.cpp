#include "models/ground_truth.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <numeric>
#include <stdexcept>
#include <string>

#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/uniform_01.hpp>

#include "core/vector_math.hpp"

namespace adsim::models {

using core::sigmoid;

namespace {

// The schema checks scenario files; this guards programs that build the truth themselves.
void check(const GroundTruthParams& p) {
  if (p.click_model != "position" && p.click_model != "cascade")
    throw std::invalid_argument("GroundTruth: click_model must be \"position\" or \"cascade\", got \"" +
                                p.click_model + "\"");
  if (!(p.cascade_continue >= 0.0 && p.cascade_continue <= 1.0))
    throw std::invalid_argument("GroundTruth: cascade_continue must be in [0, 1]");
  for (const double a : p.rank_attractiveness)
    if (!(a >= 0.0 && a <= 1.0)) throw std::invalid_argument("GroundTruth: rank_attractiveness entries must be in [0, 1]");
}

}  // namespace

GroundTruth::GroundTruth(const core::World& world, GroundTruthParams params)
    : world_(world),
      params_(std::move(params)),
      cascade_(params_.click_model == "cascade"),
      stop_after_click_(1.0 - params_.cascade_continue),
      decay_per_us_(std::log(2.0) / (params_.fatigue_half_life_hours * static_cast<double>(core::kHour))),
      search_match_logit_(std::log(params_.search_match_odds)),
      novelty_half_life_us_(params_.novelty_half_life_days * static_cast<double>(core::kDay)) {
  check(params_);
  if (params_.examination.empty()) params_.examination = {1.0};
}

double GroundTruth::affinity(std::span<const float> user, core::AdId ad) const {
  const auto emb = world_.ads.embedding_of(ad);
  return core::dot(user.data(), emb.data(), emb.size());
}

// Adding an intent logit of exactly 0 (feed) leaves the sum bit for bit as it was without it.
double GroundTruth::own_attractiveness(std::span<const float> user, core::AdId ad, double fatigue, double intent) const {
  const double q = world_.ads.true_quality[ad];
  return sigmoid(params_.base_logit + params_.affinity_weight * affinity(user, ad) +
                 params_.quality_weight * (q - 0.5) - params_.fatigue_weight * fatigue + intent);
}

double GroundTruth::click_probability(std::span<const float> user, core::AdId ad, double fatigue, double intent) const {
  return own_attractiveness(user, ad, fatigue, intent);
}

double GroundTruth::conversion_probability(core::AdId ad) const {
  return std::min(1.0, params_.conversion_rate * 2.0 * world_.ads.true_quality[ad]);
}

double GroundTruth::examination(int slot) const {
  const auto i = std::min<std::size_t>(static_cast<std::size_t>(slot), params_.examination.size() - 1);
  return params_.examination[i];
}

double GroundTruth::rank_attractiveness(int slot) const {
  const auto i = std::min<std::size_t>(static_cast<std::size_t>(slot), params_.rank_attractiveness.size() - 1);
  return params_.rank_attractiveness[i];
}

double GroundTruth::decayed_fatigue(double fatigue, core::SimTime since, core::SimTime now) const {
  if (fatigue <= 0.0 || now <= since) return fatigue;
  return fatigue * std::exp(-decay_per_us_ * static_cast<double>(now - since));
}

void GroundTruth::true_ctr(const core::RequestContext& request, std::span<const core::AdId> ads,
                           std::span<float> out) const {
  if (!params_.rank_attractiveness.empty()) return fixed_true_ctr(out.first(ads.size()));
  const double fatigue = decayed_fatigue(world_.users.fatigue[request.user],
                                         world_.users.fatigue_updated[request.user], request.time);
  const double novelty = novelty_logit(request);
  const double top = top_examination();
  for (std::size_t i = 0; i < ads.size(); ++i)
    out[i] = static_cast<float>(top * own_attractiveness(request.user_embedding, ads[i], fatigue,
                                                         intent_logit(request, ads[i]) + novelty));
}

void GroundTruth::fixed_true_ctr(std::span<float> out) const {
  std::fill(out.begin(), out.end(), static_cast<float>(top_examination() * rank_attractiveness(0)));
}

bool GroundTruth::respond_to_examined(const core::RequestContext& request, const core::ShownAd& shown,
                                      core::ImpressionOutcome& o, Page& page, core::Rng& rng) const {
  boost::random::uniform_01<double> u01;
  page.fatigue += params_.fatigue_per_impression;
  const core::AdId ad = shown.ad;
  const double q = world_.ads.true_quality[ad];
  const double aff = affinity(request.user_embedding, ad);
  const double p_click =
      params_.rank_attractiveness.empty()
          ? sigmoid(params_.base_logit + params_.affinity_weight * aff + params_.quality_weight * (q - 0.5) -
                    params_.fatigue_weight * page.fatigue_at_page + intent_logit(request, ad) + page.novelty)
          : rank_attractiveness(shown.slot);
  if (u01(rng) < p_click) {
    o.clicked = true;
    page.fatigue += params_.fatigue_per_bad_click * std::max(0.0, 1.0 - 2.0 * q);  // regret after a poor ad
    boost::random::lognormal_distribution<double> delay(std::log(params_.click_delay_median_s),
                                                        params_.click_delay_sigma);
    o.click_delay = std::max<core::SimTime>(core::kMillisecond, core::from_seconds(delay(rng)));
    if (u01(rng) < conversion_probability(ad)) {
      o.converted = true;
      boost::random::lognormal_distribution<double> cdelay(std::log(params_.conversion_delay_median_s),
                                                           params_.conversion_delay_sigma);
      o.conversion_delay = std::max<core::SimTime>(core::kSecond, core::from_seconds(cdelay(rng)));
    }
    return true;
  }
  const double p_report = sigmoid(params_.report_base_logit + params_.report_quality_weight * (0.5 - q));
  if (u01(rng) < p_report) {
    o.reported = true;
    o.hidden = true;
    page.fatigue += params_.fatigue_per_report;
    return false;
  }
  const double p_hide = sigmoid(params_.hide_base_logit + params_.hide_irrelevance_weight * (1.0 - aff) +
                                params_.hide_quality_weight * (0.5 - q));
  if (u01(rng) < p_hide) {
    o.hidden = true;
    page.fatigue += params_.fatigue_per_hide;
  }
  return false;
}

void GroundTruth::respond(const core::RequestContext& request, std::span<const core::ShownAd> shown,
                          std::span<core::ImpressionOutcome> outcomes, core::UserState& state,
                          core::Rng& rng) const {
  const double fatigue = decayed_fatigue(state.fatigue, state.fatigue_updated, request.time);
  Page page{fatigue, fatigue, novelty_logit(request)};
  // The click model is chosen once per page, not per slot.
  if (cascade_) respond_as<true>(request, shown, outcomes, page, rng);
  else respond_as<false>(request, shown, outcomes, page, rng);
  boost::random::uniform_01<double> u01;
  state.fatigue = static_cast<float>(page.fatigue);
  state.fatigue_updated = request.time;
  state.leaves = u01(rng) < sigmoid(params_.churn_base_logit + params_.churn_fatigue_weight * page.fatigue);
}

// Position model: each slot is examined on its own draw. Cascade: the user reads down from the top
// slot without a draw, and a click ends the reading unless they go on (cascade_continue).
template <bool kCascade>
void GroundTruth::respond_as(const core::RequestContext& request, std::span<const core::ShownAd> shown,
                             std::span<core::ImpressionOutcome> outcomes, Page& page, core::Rng& rng) const {
  boost::random::uniform_01<double> u01;
  bool reading = true;
  for (std::size_t i = 0; i < shown.size(); ++i) {
    core::ImpressionOutcome& o = outcomes[i];
    o = {};
    if constexpr (kCascade) {
      if (!reading) continue;
      o.examined = true;
    } else {
      o.examined = u01(rng) < examination(shown[i].slot);
      if (!o.examined) continue;
    }
    const bool clicked = respond_to_examined(request, shown[i], o, page, rng);
    if constexpr (kCascade) {
      // No draw when the answer is certain: the classic cascade (0) draws nothing here.
      if (clicked && stop_after_click_ > 0.0)
        reading = stop_after_click_ < 1.0 && u01(rng) < params_.cascade_continue;
    }
  }
}

// ---- Welfare, for allocative efficiency ------------------------------------------------------

double GroundTruth::page_welfare(std::span<const double> value, std::span<const float> top_ctr,
                                 std::span<const int> slot) const {
  const bool fixed = !params_.rank_attractiveness.empty();
  if (!cascade_) {
    const double e0 = examination(0);
    double made = 0.0;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (slot[i] < 0) continue;
      made += fixed ? value[i] * examination(slot[i]) * rank_attractiveness(slot[i])
                    : value[i] * top_ctr[i] * examination(slot[i]) / e0;
    }
    return made;
  }
  // A cascade reads the page top-down: gather the shown ads by slot first.
  std::array<double, core::kMaxSlots> v{}, a{};
  int shown = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (slot[i] < 0) continue;
    v[static_cast<std::size_t>(slot[i])] = value[i];
    a[static_cast<std::size_t>(slot[i])] = fixed ? rank_attractiveness(slot[i]) : top_ctr[i];
    shown = std::max(shown, slot[i] + 1);
  }
  double made = 0.0, reach = 1.0;
  for (std::size_t s = 0; s < static_cast<std::size_t>(shown); ++s) {
    made += v[s] * a[s] * reach;
    reach *= 1.0 - stop_after_click_ * a[s];
  }
  return made;
}

double GroundTruth::best_page_welfare(std::span<const double> value, std::span<const float> top_ctr,
                                      std::size_t slots) const {
  if (!params_.rank_attractiveness.empty()) return fixed_rank_best_welfare(value, slots);
  return cascade_ ? cascade_best_welfare(value, top_ctr, slots) : position_best_welfare(value, top_ctr, slots);
}

// The largest value x CTR in the most examined slot, and so on down (the rearrangement inequality).
double GroundTruth::position_best_welfare(std::span<const double> value, std::span<const float> top_ctr,
                                          std::size_t slots) const {
  const double e0 = examination(0);
  std::vector<double> exam(slots);
  for (std::size_t s = 0; s < exam.size(); ++s) exam[s] = examination(static_cast<int>(s)) / e0;
  std::sort(exam.begin(), exam.end(), std::greater<>());
  std::vector<double> values(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) values[i] = value[i] * top_ctr[i];
  const std::size_t top = std::min(exam.size(), values.size());
  std::partial_sort(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(top), values.end(), std::greater<>());
  double best = 0.0;
  for (std::size_t s = 0; s < top; ++s) best += values[s] * exam[s];
  return best;
}

// With one continue probability for every rank, swapping two adjacent ads changes nothing below
// them, and puts the one with the higher value per click first at best: a best page lists its ads by
// value. Which ads: g[m] is the best welfare of at most m of the ads seen so far (lowest values
// first), counted from the slot where the user reaches the first of them; an ad put in front of
// them adds v a and lets the user reach them with probability 1 - (1 - continue) a.
double GroundTruth::cascade_best_welfare(std::span<const double> value, std::span<const float> top_ctr,
                                         std::size_t slots) const {
  std::vector<std::size_t> order(value.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return value[i] > value[j]; });
  std::vector<double> g(slots + 1, 0.0);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const double v = value[*it], a = top_ctr[*it];
    for (std::size_t m = slots; m >= 1; --m) g[m] = std::max(g[m], v * a + (1.0 - stop_after_click_ * a) * g[m - 1]);
  }
  return g[slots];
}

double GroundTruth::fixed_rank_best_welfare(std::span<const double> value, std::size_t slots) const {
  std::vector<double> rate = closed_form_ctr_by_rank(params_, std::min(slots, value.size()));
  std::sort(rate.begin(), rate.end(), std::greater<>());
  std::vector<double> values(value.begin(), value.end());
  std::partial_sort(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rate.size()), values.end(),
                    std::greater<>());
  double best = 0.0;
  for (std::size_t s = 0; s < rate.size(); ++s) best += values[s] * rate[s];
  return best;
}

std::vector<double> closed_form_ctr_by_rank(const GroundTruthParams& params, std::size_t ranks) {
  const auto& a = params.rank_attractiveness;
  if (a.empty()) return {};
  auto at = [](const std::vector<double>& x, std::size_t k) { return x.empty() ? 1.0 : x[std::min(k, x.size() - 1)]; };
  std::vector<double> ctr(ranks);
  double reach = 1.0;  // cascade: P(the user reads down to rank k)
  for (std::size_t k = 0; k < ranks; ++k) {
    if (params.click_model == "cascade") {
      ctr[k] = at(a, k) * reach;
      reach *= 1.0 - (1.0 - params.cascade_continue) * at(a, k);
    } else {
      ctr[k] = at(params.examination, k) * at(a, k);
    }
  }
  return ctr;
}

}  // namespace adsim::models

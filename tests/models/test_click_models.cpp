// The truth's click models, sampled through GroundTruth::respond (what the marketplace calls for
// every page), against their closed forms:
//   position model       CTR_k = e_k a_k
//   cascade (classic)    CTR_k = a_k prod_{j<k} (1 - a_j)
//   cascade with continue probability c (DCM)   CTR_k = a_k prod_{j<k} (1 - (1 - c) a_j)
// and the position model as it was before the cascade existed, draw for draw.
//
// Tolerances: over n independent pages, the clicks at rank k are Binomial(n, p_k), so the measured
// CTR has standard error sqrt(p_k (1 - p_k) / n); every check allows 4 of them (a correct model
// fails one rank's check with probability 6e-5; the seeds are fixed, so a pass is reproducible).
// The errors these checks catch are tens of standard errors: at n = 200,000 the standard error is
// at most 0.0011, and reading the position model's a_k for the cascade's CTR_2 (0.5 vs 0.21), or
// forgetting the continue probability, is off by more than 0.05.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <tuple>
#include <vector>

#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/uniform_01.hpp>

#include "core/random_streams.hpp"
#include "core/vector_math.hpp"
#include "core/world_generator.hpp"
#include "models/ground_truth.hpp"

namespace adsim::models {
namespace {

constexpr int kPages = 200'000;

core::World small_world() {
  core::WorldSpec w;
  w.users = 500;
  w.ads = 200;
  w.campaigns = 40;
  w.advertisers = 10;
  return core::generate_world(w, core::RandomStreams(3), core::kDay);
}

core::RequestContext request_of(const core::World& world, core::UserId u) {
  core::RequestContext r;
  r.time = core::kHour;
  r.user = u;
  r.region = world.users.region[u];
  r.age_band = world.users.age_band[u];
  r.interests = world.users.interests[u];
  r.user_embedding = world.users.embedding_of(u);
  return r;
}

struct ByRank {
  std::vector<double> ctr;        // clicks / pages, per rank
  std::vector<double> examined;   // examined / pages, per rank
  int pages_with_two_clicks = 0;
};

// Shows `ads` in slots 0.. on kPages pages to one user, starting every page rested (fatigue 0), and
// counts what the truth samples at each rank.
ByRank sample(const GroundTruth& truth, const core::World& world, const std::vector<core::AdId>& ads,
              std::uint64_t seed) {
  const core::RequestContext r = request_of(world, 7);
  core::Rng rng = core::RandomStreams(seed).stream("click_models");
  std::vector<core::ShownAd> shown;
  for (std::size_t k = 0; k < ads.size(); ++k) shown.push_back({ads[k], static_cast<int>(k)});
  std::vector<core::ImpressionOutcome> out(ads.size());
  ByRank m{std::vector<double>(ads.size()), std::vector<double>(ads.size()), 0};
  for (int page = 0; page < kPages; ++page) {
    float fatigue = 0.0f;
    core::SimTime updated = r.time;
    core::UserState state{fatigue, updated};
    truth.respond(r, shown, out, state, rng);
    int clicks = 0;
    for (std::size_t k = 0; k < ads.size(); ++k) {
      m.ctr[k] += out[k].clicked;
      m.examined[k] += out[k].examined;
      clicks += out[k].clicked;
    }
    m.pages_with_two_clicks += clicks >= 2;
  }
  for (double& x : m.ctr) x /= kPages;
  for (double& x : m.examined) x /= kPages;
  return m;
}

double standard_error(double p) { return std::sqrt(p * (1.0 - p) / kPages); }

void expect_ctr_by_rank(const ByRank& measured, const std::vector<double>& expected) {
  ASSERT_EQ(measured.ctr.size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k)
    EXPECT_NEAR(measured.ctr[k], expected[k], 4 * standard_error(expected[k])) << "rank " << k;
}

const std::vector<core::AdId> kFourAds = {11, 42, 97, 150};

GroundTruthParams cascade(std::vector<double> attractiveness, double continue_probability = 0.0) {
  GroundTruthParams p;
  p.click_model = "cascade";
  p.cascade_continue = continue_probability;
  p.rank_attractiveness = std::move(attractiveness);
  return p;
}

TEST(CascadeClickModel, CtrByRankIsTheClassicClosedForm) {
  const core::World world = small_world();
  const GroundTruth truth(world, cascade({0.5, 0.4, 0.3, 0.2}));
  const ByRank m = sample(truth, world, kFourAds, 1);
  // 0.5; 0.4 x 0.5 = 0.2; 0.3 x 0.5 x 0.6 = 0.09; 0.2 x 0.5 x 0.6 x 0.7 = 0.042 (written out, not
  // computed by the code under test).
  expect_ctr_by_rank(m, {0.5, 0.2, 0.09, 0.042});
  // The user reaches rank k exactly when nothing above was clicked, and never clicks twice.
  const std::vector<double> reach = {1.0, 0.5, 0.3, 0.21};
  for (std::size_t k = 0; k < reach.size(); ++k)
    EXPECT_NEAR(m.examined[k], reach[k], 4 * standard_error(reach[k])) << "rank " << k;
  EXPECT_EQ(m.pages_with_two_clicks, 0);
}

TEST(CascadeClickModel, ContinuingAfterAClickIsTheDependentClickModel) {
  const core::World world = small_world();
  const GroundTruth truth(world, cascade({0.5, 0.4, 0.3, 0.2}, 0.4));
  const ByRank m = sample(truth, world, kFourAds, 2);
  // Past a rank the user goes on with 1 - (1 - 0.4) a = 1 - 0.6 a: 0.7, 0.76, 0.82.
  // 0.5; 0.4 x 0.7 = 0.28; 0.3 x 0.7 x 0.76 = 0.1596; 0.2 x 0.7 x 0.76 x 0.82 = 0.087248.
  expect_ctr_by_rank(m, {0.5, 0.28, 0.1596, 0.087248});
  EXPECT_GT(m.pages_with_two_clicks, kPages / 20);
}

TEST(CascadeClickModel, ContinuingAlwaysMakesEveryRankExamined) {
  const core::World world = small_world();
  const GroundTruth truth(world, cascade({0.5, 0.4, 0.3, 0.2}, 1.0));
  const ByRank m = sample(truth, world, kFourAds, 3);
  expect_ctr_by_rank(m, {0.5, 0.4, 0.3, 0.2});
  for (const double e : m.examined) EXPECT_EQ(e, 1.0);
}

TEST(CascadeClickModel, TheAdsOwnAttractivenessIsTheirTopSlotTrueCtr) {
  // Without fixed attractiveness each ad is clicked with its own (affinity, quality, fatigue 0 on
  // every page here): what true_ctr() reports, as the top slot is always examined in a cascade,
  // whatever truth.examination says.
  const core::World world = small_world();
  GroundTruthParams p = cascade({});
  p.base_logit = -0.5;  // attractive ads, so the ranks below feel the ones above
  p.examination = {0.3};
  const GroundTruth truth(world, p);
  std::vector<float> a(kFourAds.size());
  truth.true_ctr(request_of(world, 7), kFourAds, a);
  std::vector<double> expected;
  double reach = 1.0;
  for (const float ak : a) {
    expected.push_back(ak * reach);
    reach *= 1.0 - ak;
  }
  ASSERT_GT(a[0], 0.1);  // the ranks below the top one see a real cascade
  expect_ctr_by_rank(sample(truth, world, kFourAds, 4), expected);
}

TEST(ClickModelClosedForm, WrittenOutForEachModel) {
  GroundTruthParams p;
  p.rank_attractiveness = {0.5, 0.4, 0.3};
  p.examination = {1.0, 0.7, 0.5};
  const auto position = closed_form_ctr_by_rank(p, 3);
  const auto classic = closed_form_ctr_by_rank(cascade({0.5, 0.4, 0.3}), 3);
  const auto dcm = closed_form_ctr_by_rank(cascade({0.5, 0.4, 0.3}, 0.5), 3);
  const std::vector<std::pair<std::vector<double>, std::vector<double>>> cases = {
      {position, {0.5, 0.28, 0.15}}, {classic, {0.5, 0.2, 0.09}}, {dcm, {0.5, 0.3, 0.18}}};
  for (const auto& [got, want] : cases) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(got[k], want[k], 1e-12) << k;
  }
  EXPECT_TRUE(closed_form_ctr_by_rank(GroundTruthParams{}, 3).empty());
}

TEST(PositionClickModel, FixedAttractivenessTimesExamination) {
  const core::World world = small_world();
  GroundTruthParams p;
  p.examination = {1.0, 0.6, 0.4, 0.3};
  p.rank_attractiveness = {0.2, 0.5, 0.5, 0.1};
  const GroundTruth truth(world, p);
  const ByRank m = sample(truth, world, kFourAds, 5);
  expect_ctr_by_rank(m, {0.2, 0.3, 0.2, 0.03});
  for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(m.examined[k], p.examination[k], 4 * standard_error(p.examination[k]));
  EXPECT_GT(m.pages_with_two_clicks, 0);  // each slot on its own
}

// The position model's response before the cascade existed, copied from models/ground_truth.cpp
// (feed requests, no novelty: the intent and novelty terms are 0). The model must still draw the
// same numbers in the same order and decide the same.
void reference_respond(const core::World& world, const GroundTruth& truth, const GroundTruthParams& params,
                       const core::RequestContext& request, std::span<const core::ShownAd> shown,
                       std::span<core::ImpressionOutcome> outcomes, core::UserState& state, core::Rng& rng) {
  using core::sigmoid;
  boost::random::uniform_01<double> u01;
  double fatigue = truth.decayed_fatigue(state.fatigue, state.fatigue_updated, request.time);
  const double fatigue_at_page = fatigue;
  for (std::size_t i = 0; i < shown.size(); ++i) {
    core::ImpressionOutcome& o = outcomes[i];
    o = {};
    const core::AdId ad = shown[i].ad;
    o.examined = u01(rng) < truth.examination(shown[i].slot);
    if (!o.examined) continue;
    fatigue += params.fatigue_per_impression;
    const double q = world.ads.true_quality[ad];
    const auto emb = world.ads.embedding_of(ad);
    const double aff = core::dot(request.user_embedding.data(), emb.data(), emb.size());
    const double p_click = sigmoid(params.base_logit + params.affinity_weight * aff + params.quality_weight * (q - 0.5) -
                                   params.fatigue_weight * fatigue_at_page + 0.0 + 0.0);
    if (u01(rng) < p_click) {
      o.clicked = true;
      fatigue += params.fatigue_per_bad_click * std::max(0.0, 1.0 - 2.0 * q);
      boost::random::lognormal_distribution<double> delay(std::log(params.click_delay_median_s), params.click_delay_sigma);
      o.click_delay = std::max<core::SimTime>(core::kMillisecond, core::from_seconds(delay(rng)));
      if (u01(rng) < truth.conversion_probability(ad)) {
        o.converted = true;
        boost::random::lognormal_distribution<double> cdelay(std::log(params.conversion_delay_median_s),
                                                             params.conversion_delay_sigma);
        o.conversion_delay = std::max<core::SimTime>(core::kSecond, core::from_seconds(cdelay(rng)));
      }
      continue;
    }
    if (u01(rng) < sigmoid(params.report_base_logit + params.report_quality_weight * (0.5 - q))) {
      o.reported = true;
      o.hidden = true;
      fatigue += params.fatigue_per_report;
      continue;
    }
    if (u01(rng) < sigmoid(params.hide_base_logit + params.hide_irrelevance_weight * (1.0 - aff) +
                           params.hide_quality_weight * (0.5 - q))) {
      o.hidden = true;
      fatigue += params.fatigue_per_hide;
    }
  }
  state.fatigue = static_cast<float>(fatigue);
  state.fatigue_updated = request.time;
  state.leaves = u01(rng) < sigmoid(params.churn_base_logit + params.churn_fatigue_weight * fatigue);
}

TEST(PositionClickModel, DrawsAndDecidesAsBeforeTheCascadeExisted) {
  const core::World world = small_world();
  GroundTruthParams p;  // the default: the position model
  p.base_logit = -1.0;  // clicks, conversions, reports and hides all happen
  p.hide_base_logit = -2.0;
  p.report_base_logit = -3.0;
  p.conversion_rate = 0.3;
  p.fatigue_per_bad_click = 0.2;
  p.churn_base_logit = -3.0;
  const GroundTruth truth(world, p);
  core::Rng now = core::RandomStreams(9).stream("response"), before = now;
  int clicks = 0, hides = 0, conversions = 0;
  for (int page = 0; page < 5000; ++page) {
    const core::RequestContext r = request_of(world, static_cast<core::UserId>(page % 500));
    std::array<core::ShownAd, 4> shown{};
    for (int k = 0; k < 4; ++k) shown[static_cast<std::size_t>(k)] = {static_cast<core::AdId>((page * 7 + k * 31) % 200), k};
    float f_now = 0.3f, f_before = 0.3f;
    core::SimTime u_now = 0, u_before = 0;
    core::UserState s_now{f_now, u_now}, s_before{f_before, u_before};
    std::array<core::ImpressionOutcome, 4> o_now{}, o_before{};
    truth.respond(r, shown, o_now, s_now, now);
    reference_respond(world, truth, p, r, shown, o_before, s_before, before);
    for (std::size_t k = 0; k < 4; ++k) {
      const auto& a = o_now[k];
      const auto& b = o_before[k];
      ASSERT_EQ(std::tie(a.examined, a.clicked, a.converted, a.hidden, a.reported, a.click_delay, a.conversion_delay),
                std::tie(b.examined, b.clicked, b.converted, b.hidden, b.reported, b.click_delay, b.conversion_delay))
          << "page " << page << " slot " << k;
      clicks += a.clicked;
      hides += a.hidden;
      conversions += a.converted;
    }
    ASSERT_EQ(f_now, f_before) << "page " << page;
    ASSERT_EQ(s_now.leaves, s_before.leaves) << "page " << page;
  }
  EXPECT_EQ(now, before);  // the same number of draws
  EXPECT_GT(clicks, 500);
  EXPECT_GT(hides, 100);
  EXPECT_GT(conversions, 50);
}

// ---- Welfare, for allocative efficiency ----

// The best welfare by trying every ordered choice of at most `slots` ads.
double brute_force_best(const GroundTruth& truth, const std::vector<double>& value, const std::vector<float>& ctr,
                        std::size_t slots) {
  const std::size_t n = value.size();
  double best = 0.0;
  std::vector<int> slot(n, -1);
  // Each ad gets a slot or none: (slots + 1)^n assignments, the valid ones fill slots 0..m-1.
  std::size_t total = 1;
  for (std::size_t i = 0; i < n; ++i) total *= slots + 1;
  for (std::size_t code = 0; code < total; ++code) {
    std::size_t c = code;
    std::vector<int> used(slots, 0);
    for (std::size_t i = 0; i < n; ++i, c /= slots + 1) {
      slot[i] = static_cast<int>(c % (slots + 1)) - 1;
      if (slot[i] >= 0) ++used[static_cast<std::size_t>(slot[i])];
    }
    const auto filled = static_cast<std::size_t>(std::count(used.begin(), used.end(), 1));
    if (std::any_of(used.begin(), used.end(), [](int u) { return u > 1; })) continue;
    if (!std::all_of(used.begin(), used.begin() + static_cast<std::ptrdiff_t>(filled), [](int u) { return u == 1; }))
      continue;  // a page has no gaps
    best = std::max(best, truth.page_welfare(value, ctr, slot));
  }
  return best;
}

TEST(ClickModelWelfare, PageWelfareIsValueTimesEachSlotsClickRate) {
  const core::World world = small_world();
  const std::vector<double> value = {2.0, 1.0, 4.0};
  const std::vector<float> ctr = {0.5f, 0.4f, 0.25f};
  const std::vector<int> slot = {1, -1, 0};  // ad 2 on top, ad 0 under it
  // Cascade: 4 x 0.25 + 2 x 0.5 x (1 - 0.25); with continue 0.4: 4 x 0.25 + 2 x 0.5 x (1 - 0.6 x 0.25).
  EXPECT_NEAR(GroundTruth(world, cascade({})).page_welfare(value, ctr, slot), 1.0 + 0.75, 1e-12);
  EXPECT_NEAR(GroundTruth(world, cascade({}, 0.4)).page_welfare(value, ctr, slot), 1.0 + 0.85, 1e-12);
  // Position model with examination 1, 0.6: 4 x 0.25 + 2 x 0.5 x 0.6.
  GroundTruthParams p;
  p.examination = {1.0, 0.6};
  EXPECT_NEAR(GroundTruth(world, p).page_welfare(value, ctr, slot), 1.0 + 0.6, 1e-12);
  // Fixed attractiveness 0.3, 0.2 replaces the ads' own: cascade 4 x 0.3 + 2 x 0.2 x 0.7.
  EXPECT_NEAR(GroundTruth(world, cascade({0.3, 0.2})).page_welfare(value, ctr, slot), 1.2 + 0.28, 1e-12);
}

TEST(ClickModelWelfare, BestPageIsTheBestOfEveryChoiceAndOrder) {
  const core::World world = small_world();
  core::Rng rng(17);
  boost::random::uniform_01<double> u01;
  GroundTruthParams position;
  position.examination = {1.0, 0.5, 0.6};  // not decreasing: the best order is not the slot order
  std::vector<GroundTruthParams> models = {position, cascade({}), cascade({}, 0.3), cascade({}, 1.0),
                                           cascade({0.2, 0.6, 0.4}, 0.1)};
  GroundTruthParams fixed_position = position;
  fixed_position.rank_attractiveness = {0.3, 0.9, 0.5};
  models.push_back(fixed_position);
  for (int trial = 0; trial < 40; ++trial) {
    const std::size_t n = 2 + static_cast<std::size_t>(trial % 4);
    std::vector<double> value(n);
    std::vector<float> ctr(n);
    for (std::size_t i = 0; i < n; ++i) {
      value[i] = 10.0 * u01(rng);
      ctr[i] = static_cast<float>(u01(rng));
    }
    for (std::size_t m = 0; m < models.size(); ++m) {
      const GroundTruth truth(world, models[m]);
      for (const std::size_t slots : {std::size_t{1}, std::size_t{3}}) {
        if (m == 0 && slots == 3 && n < 3) continue;  // the position model's best may skip a slot (kept as it was)
        EXPECT_NEAR(truth.best_page_welfare(value, ctr, slots), brute_force_best(truth, value, ctr, slots), 1e-9)
            << "model " << m << ", trial " << trial << ", " << slots << " slots";
      }
    }
  }
}

TEST(ClickModelParams, BadValuesAreRejectedByTheTruthToo) {
  const core::World world = small_world();
  GroundTruthParams p;
  p.click_model = "dcm";
  EXPECT_THROW(GroundTruth(world, p), std::invalid_argument);
  EXPECT_THROW(GroundTruth(world, cascade({0.5, 1.5})), std::invalid_argument);
  EXPECT_THROW(GroundTruth(world, cascade({}, -0.1)), std::invalid_argument);
}

}  // namespace
}  // namespace adsim::models

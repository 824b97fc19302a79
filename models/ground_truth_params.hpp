#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace adsim::models {

// Parameters of the hidden ground truth: how users examine slots, click, convert, hide and report
// ads, and how ads tire them until they leave. The platform never reads these.
struct GroundTruthParams {
  // P(click | examined) = sigmoid(base_logit + affinity_weight * cos(user, ad)
  //                               + quality_weight * (quality - 0.5) - fatigue_weight * fatigue
  //                               + ln(search_match_odds) * [search request and ad category = query category])
  double base_logit = -3.6;
  double affinity_weight = 2.5;
  double quality_weight = 2.0;  // < 0: clickbait, the worse an ad the likelier a click
  double fatigue_weight = 0.5;
  // Search intent: on a search request, an ad of the query's category has its click odds multiplied
  // by this factor, i.e. ln(search_match_odds) is added to the logit above. 1: no effect; feed
  // requests are never affected.
  double search_match_odds = 2.0;
  // P(user examines slot s) in the position model; slots past the end use the last entry.
  std::vector<double> examination = {1.0, 0.7, 0.5, 0.35, 0.25, 0.2, 0.15, 0.1};
  // How a user reads a page (docs/user-model.md):
  // "position": the position-based model: slot s is examined with probability examination[s],
  //             whatever happened in the other slots;
  // "cascade":  the user reads top-down: the top slot is always examined, the next one after a slot
  //             the user did not click, and after a click the user goes on with probability
  //             cascade_continue (0: the classic cascade of Craswell et al. 2008, which stops at the
  //             first click; above 0: the dependent click model of Guo et al. 2009, with one
  //             continue probability for every rank). `examination` is not used.
  std::string click_model = "position";
  double cascade_continue = 0.0;
  // Attractiveness fixed per rank, for experiments with textbook numbers: P(click | examined) in
  // slot s is rank_attractiveness[s] whatever ad is there (fatigue, affinity and quality no longer
  // move it; hides, reports and conversions still follow the ad). Empty: each ad's own.
  std::vector<double> rank_attractiveness;
  double click_delay_median_s = 15.0;  // lognormal delay from impression to click
  double click_delay_sigma = 1.0;
  double conversion_rate = 0.05;       // P(convert | click) for an ad of quality 0.5; scales with quality
  double conversion_delay_median_s = 1800.0;
  double conversion_delay_sigma = 1.0;
  // P(hide | examined) = sigmoid(hide_base_logit + hide_irrelevance_weight * (1 - cos)
  //                              + hide_quality_weight * (0.5 - quality))
  double hide_base_logit = -6.5;
  double hide_irrelevance_weight = 2.0;
  double hide_quality_weight = 4.0;
  // P(report | examined) = sigmoid(report_base_logit + report_quality_weight * (0.5 - quality))
  double report_base_logit = -9.0;
  double report_quality_weight = 6.0;
  // Fatigue: added per ad examined, per hide and per report, and per click on a poor ad (regret:
  // fatigue_per_bad_click x max(0, 1 - 2 quality), so nothing at quality 0.5 or above and all of it
  // at 0); decays with a half-life.
  double fatigue_per_impression = 0.01;
  double fatigue_per_hide = 0.3;
  double fatigue_per_report = 1.0;
  double fatigue_per_bad_click = 0.0;
  double fatigue_half_life_hours = 6.0;
  // P(leave after a page) = sigmoid(churn_base_logit + churn_fatigue_weight * fatigue)
  double churn_base_logit = -11.0;
  double churn_fatigue_weight = 2.0;
  // A novelty effect of an A/B test's treatment: users in the treatment arm (RequestContext::arm
  // = 1) click with novelty_logit added to the logit, halving every novelty_half_life_days from the
  // start of the run (the test's start). 0: none.
  double novelty_logit = 0.0;
  double novelty_half_life_days = 2.0;
};

}  // namespace adsim::models

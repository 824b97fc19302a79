#pragma once
#include <string>
#include <vector>

#include "experiments/analysis.hpp"
#include "experiments/study.hpp"

// A lesson's claims checked with the study's statistics (`adsim lesson`). Each claim names a variant,
// a metric, a direction and the smallest effect worth teaching, as a share of the baseline's mean:
//   higher / lower: holds when the paired difference is significant (Holm-adjusted p < 0.05) in the
//     claimed direction and its mean is at least min_effect of the baseline's mean; fails when it is
//     significant the other way or smaller than min_effect; inconclusive otherwise (more seeds);
//   same: holds when the whole 95 % interval of the difference lies within ± min_effect of the
//     baseline's mean (an equivalence test); fails when the difference itself is outside that band;
//     inconclusive otherwise;
//   above / below (with `value`, in the metric's unit; the variant may be the baseline): holds when
//     the whole 95 % interval of the variant's mean lies above (below) the value; fails when it lies
//     wholly on the other side; inconclusive otherwise. For a figure a run computes against itself,
//     such as an in-simulation A/B test's lift, or a level the lesson states.
namespace adsim::experiments {

struct ClaimCheck {
  scenarios::Claim claim;
  const MetricDef* metric = nullptr;
  std::size_t variant = 0;  // index into StudyResults::variants
  PairedComparison paired;  // higher / lower / same
  Summary summary;          // above / below: the variant's mean and 95 % interval over the seeds
  double p_holm = 1.0;
  // The difference and its 95 % interval as shares of the baseline's mean (NaN when it is 0).
  double relative = 0.0, relative_low = 0.0, relative_high = 0.0;
  std::string verdict;  // "holds", "fails" or "inconclusive"
  std::string why;      // the verdict in words
};

// Every problem with the claims of `study` against its variants and the metric names (file:line:
// column), before anything runs. Throws StudyError listing them all; nothing when there is none.
void check_claims_are_well_formed(const Study& study, const std::vector<scenarios::Claim>& claims);

std::vector<ClaimCheck> check_claims(const StudyResults& results, const std::vector<scenarios::Claim>& claims);

}  // namespace adsim::experiments

#include "experiments/lesson.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace adsim::experiments {
namespace {

std::string where(const scenarios::Place& p) {
  return p.file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": ";
}

std::string percent(double share) {
  if (!std::isfinite(share)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f %%", 100.0 * share);
  return buf;
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

// above / below: the variant's mean over the seeds and its 95 % interval against the value.
void judge_absolute(ClaimCheck& c, const Summary& s) {
  const double v = c.claim.value;
  const bool above = c.claim.direction == "above";
  if (!std::isfinite(s.ci_low) || !std::isfinite(s.ci_high)) {
    c.verdict = "inconclusive";
    c.why = "no 95 % interval (fewer than two finite values)";
    return;
  }
  const std::string measured = "mean " + number(s.mean) + " [" + number(s.ci_low) + ", " + number(s.ci_high) + "]";
  if (above ? s.ci_low > v : s.ci_high < v) {
    c.verdict = "holds";
    c.why = measured + ", " + c.claim.direction + " " + number(v) + " as claimed";
  } else if (above ? s.ci_high < v : s.ci_low > v) {
    c.verdict = "fails";
    c.why = measured + ": " + (above ? "below " : "above ") + number(v);
  } else {
    c.verdict = "inconclusive";
    c.why = measured + ": the interval includes " + number(v) + " (more seeds)";
  }
}

void judge(ClaimCheck& c) {
  const double e = c.claim.min_effect;
  const bool significant = c.p_holm < kSignificance;
  if (!std::isfinite(c.relative)) {
    c.verdict = "inconclusive";
    c.why = "the baseline's mean is 0 or the metric is undefined: no relative change";
    return;
  }
  const std::string measured = "measured " + percent(c.relative) + " [" + percent(c.relative_low) + ", " +
                               percent(c.relative_high) + "]";
  if (c.claim.direction == "same") {
    if (c.relative_low >= -e && c.relative_high <= e) {
      c.verdict = "holds";
      c.why = measured + ", within ±" + percent(e).substr(1);
    } else if (std::fabs(c.relative) > e) {
      c.verdict = "fails";
      c.why = measured + ": the change is larger than ±" + percent(e).substr(1);
    } else {
      c.verdict = "inconclusive";
      c.why = measured + ": the interval reaches beyond ±" + percent(e).substr(1) + " (more seeds)";
    }
    return;
  }
  const double sign = c.claim.direction == "higher" ? 1.0 : -1.0;
  if (significant && sign * c.relative < 0) {
    c.verdict = "fails";
    c.why = measured + ": significantly the other way";
  } else if (significant && sign * c.relative >= e) {
    c.verdict = "holds";
    c.why = measured + ", at least " + percent(sign * e) + " as claimed";
  } else if (significant) {
    c.verdict = "fails";
    c.why = measured + ": in the claimed direction but smaller than " + percent(sign * e);
  } else {
    c.verdict = "inconclusive";
    c.why = measured + ": not significant (Holm-adjusted p = " + std::to_string(c.p_holm).substr(0, 5) + ")";
  }
}

}  // namespace

void check_claims_are_well_formed(const Study& study, const std::vector<scenarios::Claim>& claims) {
  std::string problems;
  if (!claims.empty() && study.baseline < 0)
    problems += "the lesson's claims compare variants with a baseline, and this study has none\n";
  for (const scenarios::Claim& c : claims) {
    const bool known = std::any_of(study.variants.begin(), study.variants.end(),
                                   [&](const Variant& v) { return v.name == c.variant; });
    if (!known) {
      std::string all;
      for (const Variant& v : study.variants) all += (all.empty() ? "'" : ", '") + v.name + "'";
      problems += where(c.place) + "experiment.claim.variant: no variant is named '" + c.variant + "' (the variants: " +
                  all + ")\n";
    } else if (!c.absolute() && study.baseline >= 0 &&
               study.variants[static_cast<std::size_t>(study.baseline)].name == c.variant) {
      problems += where(c.place) + "experiment.claim.variant: '" + c.variant + "' is the baseline itself\n";
    }
    if (find_metric(c.metric) == nullptr)
      problems += where(c.place) + "experiment.claim.metric: no study metric is named '" + c.metric +
                  "' (adsim sweep --help and docs/experiments.md list them)\n";
  }
  if (!problems.empty()) {
    problems.pop_back();
    throw StudyError(problems);
  }
}

std::vector<ClaimCheck> check_claims(const StudyResults& results, const std::vector<scenarios::Claim>& claims) {
  std::vector<ClaimCheck> out;
  for (const scenarios::Claim& claim : claims) {
    ClaimCheck c;
    c.claim = claim;
    c.metric = find_metric(claim.metric);
    c.verdict = "inconclusive";
    c.why = "no completed runs of this variant or metric";
    for (const MetricResults& m : results.metrics) {
      if (m.metric->name != claim.metric) continue;
      if (claim.absolute()) {
        for (std::size_t v = 0; v < results.variants.size(); ++v) {
          if (results.variants[v].name != claim.variant || v >= m.variants.size()) continue;
          c.variant = v;
          c.summary = m.variants[v].stats;
          judge_absolute(c, c.summary);
        }
        continue;
      }
      for (const Comparison& cmp : m.comparisons) {
        if (results.variants[cmp.variant].name != claim.variant) continue;
        c.variant = cmp.variant;
        c.paired = cmp.paired;
        c.p_holm = cmp.p_holm;
        const double base = std::fabs(cmp.paired.baseline_mean);
        const double nan = std::numeric_limits<double>::quiet_NaN();
        c.relative = base > 0 ? cmp.paired.mean_diff / base : nan;
        c.relative_low = base > 0 ? cmp.paired.ci_low / base : nan;
        c.relative_high = base > 0 ? cmp.paired.ci_high / base : nan;
        judge(c);
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace adsim::experiments

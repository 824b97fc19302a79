// A lesson's claims: read from [[experiment.claim]] with file:line:column diagnostics, checked
// against the study before anything runs, and judged from paired comparisons by the rules in
// experiments/lesson.hpp (the comparisons here are hand-made, so each rule is tested at its edge).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "experiments/lesson.hpp"
#include "scenarios/scenario_loader.hpp"

namespace adsim::experiments {
namespace {

const std::string kLesson = R"(name = "l"
[world]
users = 500
[experiment]
seeds = 3
[[experiment.variant]]
name = "vcg"
auction.mechanism = "vcg"
[[experiment.claim]]
text = "VCG earns less"
variant = "vcg"
metric = "revenue"
direction = "lower"
min_effect = 0.05
)";

TEST(LessonClaims, AreReadFromTheExperimentTable) {
  const scenarios::Scenario s = scenarios::parse_scenario(kLesson, "l.toml");
  ASSERT_EQ(s.experiment.claims.size(), 1u);
  const scenarios::Claim& c = s.experiment.claims.front();
  EXPECT_EQ(c.text, "VCG earns less");
  EXPECT_EQ(c.variant, "vcg");
  EXPECT_EQ(c.metric, "revenue");
  EXPECT_EQ(c.direction, "lower");
  EXPECT_EQ(c.min_effect, 0.05);
  EXPECT_EQ(c.place.line, 9);
  const Study study = make_study(StudyKind::kCompare, s, {});
  EXPECT_NO_THROW(check_claims_are_well_formed(study, s.experiment.claims));
}

TEST(LessonClaims, MistakesAreReportedAtTheirLineAndColumn) {
  const std::string text = R"(name = "l"
[[experiment.variant]]
name = "vcg"
auction.mechanism = "vcg"
[[experiment.claim]]
text = "x"
variant = "vcg"
metric = "revenue"
direction = "up"
[[experiment.claim]]
variant = "vcg"
metric = "revenue"
direction = "lower"
min_effect = -1
color = 3
)";
  try {
    (void)scenarios::parse_scenario(text, "l.toml");
    FAIL() << "accepted";
  } catch (const scenarios::ScenarioError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("l.toml:5:1: experiment.claim[0].direction: expected \"higher\", \"lower\", \"same\", \"above\" or "
                     "\"below\", got \"up\""),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("l.toml:14:14: experiment.claim[1].min_effect: expected a share of the baseline from 0 to 100"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("l.toml:15:1: experiment.claim[1].color: unknown key 'color'"), std::string::npos) << m;
    EXPECT_NE(m.find("l.toml:10:1: experiment.claim[1]: a claim needs text, variant, metric and direction"),
              std::string::npos)
        << m;
  }
}

TEST(LessonClaims, AClaimMustNameAVariantAndAMetricOfTheStudy) {
  std::string text = kLesson;
  text.replace(text.find("variant = \"vcg\""), 15, "variant = \"vgc\"");
  text.replace(text.find("metric = \"revenue\""), 18, "metric = \"revenu\"");
  const scenarios::Scenario s = scenarios::parse_scenario(text, "l.toml");
  const Study study = make_study(StudyKind::kCompare, s, {});
  try {
    check_claims_are_well_formed(study, s.experiment.claims);
    FAIL() << "accepted";
  } catch (const StudyError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("l.toml:9:1: experiment.claim.variant: no variant is named 'vgc' (the variants: 'baseline', 'vcg')"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("l.toml:9:1: experiment.claim.metric: no study metric is named 'revenu'"), std::string::npos) << m;
  }
}

// A study result with one metric, baseline at index 0 and a variant at 1, whose comparison is
// given: enough for the judgement, which reads nothing else.
StudyResults results_with(const std::string& metric, double base_mean, double diff, double lo, double hi, double p_holm) {
  StudyResults r;
  r.baseline = 0;
  r.variants.resize(2);
  r.variants[0].name = "baseline";
  r.variants[1].name = "v";
  MetricResults m;
  m.metric = find_metric(metric);
  Comparison c;
  c.variant = 1;
  c.paired.n = 5;
  c.paired.baseline_mean = base_mean;
  c.paired.mean_diff = diff;
  c.paired.ci_low = lo;
  c.paired.ci_high = hi;
  c.p_holm = p_holm;
  m.comparisons.push_back(c);
  r.metrics.push_back(m);
  return r;
}

scenarios::Claim claim(const std::string& metric, const std::string& direction, double min_effect) {
  scenarios::Claim c;
  c.text = "t";
  c.variant = "v";
  c.metric = metric;
  c.direction = direction;
  c.min_effect = min_effect;
  return c;
}

std::string verdict(const StudyResults& r, const scenarios::Claim& c) { return check_claims(r, {c}).front().verdict; }

TEST(LessonClaims, HigherAndLowerNeedSignificanceTheRightWayAndTheSmallestEffect) {
  // Baseline 100: +5 with p 0.01 is +5 %.
  EXPECT_EQ(verdict(results_with("revenue", 100, 5, 2, 8, 0.01), claim("revenue", "higher", 0.05)), "holds");
  EXPECT_EQ(verdict(results_with("revenue", 100, 4.9, 2, 8, 0.01), claim("revenue", "higher", 0.05)), "fails")
      << "significant, but smaller than the smallest effect worth teaching";
  EXPECT_EQ(verdict(results_with("revenue", 100, 5, -1, 11, 0.06), claim("revenue", "higher", 0.05)), "inconclusive")
      << "not significant after Holm";
  EXPECT_EQ(verdict(results_with("revenue", 100, -5, -8, -2, 0.01), claim("revenue", "higher", 0.05)), "fails")
      << "significant the other way";
  EXPECT_EQ(verdict(results_with("revenue", 100, -5, -8, -2, 0.01), claim("revenue", "lower", 0.05)), "holds");
  // A negative baseline: the relative change is against its magnitude, so lower is still lower.
  EXPECT_EQ(verdict(results_with("advertiser_surplus", -100, -10, -15, -5, 0.01), claim("advertiser_surplus", "lower", 0.05)),
            "holds");
}

TEST(LessonClaims, SameNeedsTheWholeIntervalInsideTheBand) {
  EXPECT_EQ(verdict(results_with("auc", 0.6, 0.001, -0.005, 0.007, 0.7), claim("auc", "same", 0.02)), "holds")
      << "[-0.8 %, +1.2 %] is inside +-2 %";
  EXPECT_EQ(verdict(results_with("auc", 0.6, 0.001, -0.005, 0.013, 0.7), claim("auc", "same", 0.02)), "inconclusive")
      << "+2.2 % at the top: more seeds";
  EXPECT_EQ(verdict(results_with("auc", 0.6, 0.015, 0.013, 0.017, 0.01), claim("auc", "same", 0.02)), "fails")
      << "the change itself is +2.5 %";
  const ClaimCheck c = check_claims(results_with("auc", 0.6, 0.001, -0.005, 0.007, 0.7), {claim("auc", "same", 0.02)}).front();
  EXPECT_NEAR(c.relative_low, -0.005 / 0.6, 1e-15);
  EXPECT_NEAR(c.relative_high, 0.007 / 0.6, 1e-15);
}

TEST(LessonClaims, AboveAndBelowNeedAValueAndOnlyThey) {
  const std::string text = R"(name = "l"
[[experiment.variant]]
name = "vcg"
auction.mechanism = "vcg"
[[experiment.claim]]
text = "x"
variant = "vcg"
metric = "revenue"
direction = "above"
[[experiment.claim]]
text = "y"
variant = "vcg"
metric = "revenue"
direction = "higher"
value = 3
[[experiment.claim]]
text = "z"
variant = "baseline"
metric = "ab_revenue_lift"
direction = "below"
value = 0.1
)";
  try {
    (void)scenarios::parse_scenario(text, "l.toml");
    FAIL() << "accepted";
  } catch (const scenarios::ScenarioError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("l.toml:5:1: experiment.claim[0].value: a claim \"above\" needs the value"), std::string::npos) << m;
    EXPECT_NE(m.find("l.toml:10:1: experiment.claim[1].value: value is for claims \"above\" or \"below\""),
              std::string::npos)
        << m;
    EXPECT_EQ(m.find("claim[2]"), std::string::npos) << "a well-formed absolute claim: " << m;
  }
  // An absolute claim may name the baseline itself.
  std::string ok = text.substr(0, text.find("[[experiment.claim]]")) + text.substr(text.rfind("[[experiment.claim]]"));
  const scenarios::Scenario s = scenarios::parse_scenario(ok, "l.toml");
  const Study study = make_study(StudyKind::kCompare, s, {});
  EXPECT_NO_THROW(check_claims_are_well_formed(study, s.experiment.claims));
}

TEST(LessonClaims, AboveAndBelowJudgeTheVariantsOwnInterval) {
  StudyResults r = results_with("ab_revenue_lift", 0, 0, 0, 0, 1);
  r.metrics[0].variants.resize(2);
  Summary& s = r.metrics[0].variants[1].stats;
  s.n = 5;
  s.mean = 0.2;
  s.ci_low = 0.12;
  s.ci_high = 0.28;
  scenarios::Claim c = claim("ab_revenue_lift", "above", 0.0);
  c.value = 0.1;
  EXPECT_EQ(verdict(r, c), "holds") << "[0.12, 0.28] is above 0.1";
  c.value = 0.12;
  EXPECT_EQ(verdict(r, c), "inconclusive") << "the interval reaches the value";
  c.value = 0.3;
  EXPECT_EQ(verdict(r, c), "fails") << "the whole interval is below 0.3";
  c.direction = "below";
  EXPECT_EQ(verdict(r, c), "holds");
  c.value = 0.1;
  EXPECT_EQ(verdict(r, c), "fails");
  s.ci_low = s.ci_high = std::nan("");
  EXPECT_EQ(verdict(r, c), "inconclusive") << "one seed has no interval";
}

TEST(LessonClaims, AZeroBaselineCannotBeJudgedRelatively) {
  EXPECT_EQ(verdict(results_with("revenue", 0, 5, 2, 8, 0.01), claim("revenue", "higher", 0.05)), "inconclusive");
}

}  // namespace
}  // namespace adsim::experiments

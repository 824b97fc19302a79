#pragma once
#include <span>

#include "core/random_streams.hpp"
#include "core/world.hpp"
#include "models/hashed_logistic_learner.hpp"

namespace adsim::models {

// Predicts P(hide or report | impression) from the same logs and features as the click model (its
// counters count hides/reports instead of clicks), so the auction can weigh ads by the harm they
// do. Negative feedback is rare (~0.1-1 %), so downsampling the common "no feedback" class works as
// for clicks; predictions are recalibrated the same way.
//
// Pipeline: predict()/quality() per request, learn() with released examples, refresh() on the
// model refresh tick like the click model.
class NegativeFeedbackModel {
 public:
  NegativeFeedbackModel(const core::World& world, LearnerConfig config, core::Rng downsample_rng)
      : learner_(world, config, LearnTarget::kNegativeFeedback, downsample_rng) {}

  // P(hide or report) at the reference slot for each ad.
  void predict(const core::RequestContext& request, std::span<const core::AdId> ads, std::span<float> p_negative) {
    learner_.predict(request, ads, p_negative);
  }
  void learn(std::span<const core::LabeledExample> examples) { learner_.learn(examples); }
  void refresh(core::SimTime now) { learner_.refresh(now); }
  core::SimTime refresh_interval() const { return learner_.config().refresh_interval; }

  // Quality score for the auction's bid × pCTR × quality^α: 1 − penalty · p_negative, floored at
  // `floor` (> 0) so that an ad is demoted, never given a zero or negative score.
  static double quality_of(double p_negative, double penalty, double floor = 0.05) {
    const double q = 1.0 - penalty * p_negative;
    return q > floor ? q : floor;
  }
  // predict() followed by quality_of() for each ad; `scratch` holds the probabilities.
  void quality(const core::RequestContext& request, std::span<const core::AdId> ads, double penalty, double floor,
               std::span<float> scratch, std::span<double> quality);

  ProgressiveValidator& validator() { return learner_.validator(); }
  HashedLogisticLearner& learner() { return learner_; }
  const HashedLogisticLearner& learner() const { return learner_; }

 private:
  HashedLogisticLearner learner_;
};

}  // namespace adsim::models

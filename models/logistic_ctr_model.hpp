#pragma once
#include <span>
#include <string_view>

#include "core/ctr_model.hpp"
#include "models/serving_cost.hpp"
#include "core/random_streams.hpp"
#include "core/world.hpp"
#include "models/hashed_logistic_learner.hpp"

namespace adsim::models {

// The platform's learned click model: hashed-feature logistic regression trained online by
// FTRL-Proximal on released (joined) examples, with negative downsampling and its recalibration,
// position as a feature at training and a reference slot at serving, and a refresh schedule.
//
// The pipeline:
//   predict(request, ads, pctr)  once per request, for the ranked candidates;
//   learn(examples)              with each batch of released examples, in release order;
//   refresh(now)                 every refresh_interval() of simulated time when that is > 0
//                                (applies the buffered examples); harmless to call otherwise.
// predict() returns the recalibrated probability at the reference slot when recalibrate is on,
// the raw downsampled-data probability when it is off (the teaching switch).
class LogisticCtrModel final : public core::CtrModel {
 public:
  // `downsample_rng`: a stream used only for the downsampling decisions, e.g.
  // streams.stream("ctr_model.downsample").
  LogisticCtrModel(const core::World& world, LearnerConfig config, core::Rng downsample_rng)
      : learner_(world, config, LearnTarget::kClick, downsample_rng) {}

  std::string_view name() const override { return "logistic_ftrl"; }
  void predict(const core::RequestContext& request, std::span<const core::AdId> ads, std::span<float> pctr) override {
    learner_.predict(request, ads, pctr);
  }
  void learn(std::span<const core::LabeledExample> examples) override { learner_.learn(examples); }
  void refresh(core::SimTime now) override { learner_.refresh(now); }
  core::SimTime refresh_interval() const override { return learner_.config().refresh_interval; }
  std::uint64_t prior_predictions() const override { return learner_.prior_predictions(); }
  double serving_ns_per_candidate() const override { return serving_cost::kLogisticNs; }

  // Progressive validation of the predictions at the logged slot (see HashedLogisticLearner).
  ProgressiveValidator& validator() { return learner_.validator(); }
  // Impressions of an ad learnt so far: the n of the exploration bonus.
  std::uint64_t impressions(core::AdId ad) const { return learner_.counters().impressions(ad); }

  HashedLogisticLearner& learner() { return learner_; }
  const HashedLogisticLearner& learner() const { return learner_; }

 private:
  HashedLogisticLearner learner_;
};

}  // namespace adsim::models

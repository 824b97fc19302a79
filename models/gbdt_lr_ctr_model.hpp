#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/ctr_model.hpp"
#include "models/serving_cost.hpp"
#include "core/random_streams.hpp"
#include "core/world.hpp"
#include "models/ftrl.hpp"
#include "models/gbdt_forest.hpp"
#include "models/gbdt_trainer.hpp"
#include "models/hashed_logistic_learner.hpp"

namespace adsim::models {

// The dense columns the trees split on: what the hashed LR sees, as numbers a tree can cut.
enum TreeFeature : int {
  // the request (shared by its candidates)
  kTreeRegion, kTreeAgeBand, kTreeDevice, kTreeHour, kTreeSearch, kTreeQueryCategory /* -1 on feed */,
  kTreeSlot, kTreeInterestCount,
  // the ad (cached per ad; its counters re-read every counter sweep)
  kTreeCategory, kTreeCampaign, kTreeAdvertiser, kTreeShortCtr, kTreeLongCtr, kTreeShortCount, kTreeLongCount,
  // the pair
  kTreeInterestMatch /* ad category ∈ user interests */, kTreeQueryMatch /* ad category = query's; -1 on feed */,
  kTreeFeatures
};
inline constexpr int kTreeRequestFeatures = kTreeCategory;
inline constexpr int kTreeAdFeatures = kTreeInterestMatch - kTreeCategory;

struct GbdtLrConfig {
  // The online LR the leaves feed, on its usual hashed features. Its refresh_interval is honoured
  // by the model (it buffers, then learns the buffer at refresh()); the learner itself runs
  // continuously.
  LearnerConfig learner;
  GbdtParams trees;
  std::size_t window_examples = 50'000;  // trees train on the most recent examples kept for training
  std::size_t min_examples = 2'000;      // ... once the window holds at least this many
  core::SimTime interval = 2 * core::kHour;        // a training every interval of simulated time
  core::SimTime train_delay = 10 * core::kMinute;  // trees trained at t serve from t + delay
  // Trees boosted from the LR's own logit of each window example (they fit what the LR leaves
  // unexplained) instead of from the labels alone (He et al.'s trees, which relearn what the LR
  // already knows).
  bool fit_residual = true;
};

// GBDT+LR (He et al., "Practical Lessons from Predicting Clicks on Ads at Facebook", ADKDD 2014):
// boosted trees, retrained on a schedule from a sliding window of joined examples, turn each
// example into one categorical feature per tree (the leaf it reaches); the online logistic
// regression (FTRL) learns a weight per (tree, leaf) jointly with its usual hashed features.
// docs/learning.md explains the schedule, the delay, what happens when trees are replaced and the
// recalibration. Before the first trees serve it is exactly the hashed LR (LogisticCtrModel).
class GbdtLrCtrModel final : public core::CtrModel {
 public:
  GbdtLrCtrModel(const core::World& world, GbdtLrConfig config, core::Rng downsample_rng);

  std::string_view name() const override { return "gbdt_lr"; }
  void predict(const core::RequestContext& request, std::span<const core::AdId> ads, std::span<float> pctr) override;
  void learn(std::span<const core::LabeledExample> examples) override;
  core::SimTime refresh_interval() const override { return config_.learner.refresh_interval; }
  void refresh(core::SimTime now) override;
  std::uint64_t prior_predictions() const override { return prior_predictions_; }
  core::ModelTrainingStats training_stats() const override;
  // The LR's features plus one walk per tree: the measured default forest's extra cost scaled by
  // trees x depth (each level is one load and compare per candidate).
  double serving_ns_per_candidate() const override {
    const double levels = static_cast<double>(config_.trees.trees) * static_cast<double>(config_.trees.depth);
    return serving_cost::kLogisticNs +
           (serving_cost::kGbdtLrNs - serving_cost::kLogisticNs) * levels / serving_cost::kGbdtLrLevels;
  }

  const GbdtLrConfig& config() const { return config_; }
  const HashedLogisticLearner& learner() const { return learner_; }
  // The trees serving now (empty before the first ones) and their generation (0: none yet).
  const FlatForest& forest() const { return forest_; }
  std::uint64_t generation() const { return generation_; }
  // The examples the next training would see, row-major (kTreeFeatures columns), oldest first, and
  // optionally the logit the learner's own features give each now (prior offset included).
  void window(std::vector<float>& rows, std::vector<float>& labels, std::vector<float>* base_logits = nullptr) const;
  // The dense row of a candidate, as serving builds it (tests).
  void tree_row(const UserContext& user, core::SimTime now, core::AdId ad, std::span<float, kTreeFeatures> row);
  // The LR's leaf slot for (tree, leaf position): tree · ids_per_tree + XGBoost leaf id.
  std::uint32_t leaf_slot(int tree, std::uint32_t position) const {
    return static_cast<std::uint32_t>(tree) * forest_.ids_per_tree() + static_cast<std::uint32_t>(forest_.leaf_id(tree, position));
  }

 private:
  void learn_now(std::span<const core::LabeledExample> examples);
  void maybe_activate(core::SimTime now);
  void maybe_sweep(core::SimTime now);
  void maybe_train(core::SimTime now);
  void request_row(const UserContext& user, float* row) const;
  void ad_part(const UserContext& user, core::AdId ad, float* row) const;
  void candidate_rows(const UserContext& user, std::span<const core::AdId> ads);
  void add_leaf_logits(std::size_t n, std::span<float> logit) const;
  // Tree t's leaf slots indexed by a walk's final heap index (2^d − 1 .. 2^(d+1) − 2).
  const std::uint32_t* node_slots(int t) const {
    const auto leaves = std::size_t{1} << forest_.depth();
    return &leaf_slots_[static_cast<std::size_t>(t) * leaves] - forest_.splits();
  }
  void push_window(const float* row, bool label, const core::LoggedImpression& impression, core::SimTime t);
  Ftrl warm_leaf_weights(const FlatForest& forest, std::span<const float> rows, std::span<const float> labels,
                         std::span<const float> base_logits) const;

  GbdtLrConfig config_;
  HashedLogisticLearner learner_;
  float serving_offset_ = 0.0f;
  std::uint64_t prior_predictions_ = 0;

  // Per ad: its kTreeAdFeatures columns, the counter ones as of the last sweep.
  std::vector<float> ad_columns_;
  core::SimTime last_sweep_ = 0;

  // The serving trees and their leaf weights (one FTRL per generation, warm-started on the window),
  // and the trees trained but not yet serving with theirs.
  FlatForest forest_;
  std::optional<Ftrl> leaf_ftrl_;
  std::vector<std::uint32_t> leaf_slots_;  // trees × 2^depth: leaf_slot() of each position
  std::uint64_t generation_ = 0;
  core::SimTime forest_newest_example_ = 0;
  std::optional<FlatForest> pending_;
  std::optional<Ftrl> pending_leaf_ftrl_;
  core::SimTime pending_at_ = 0;
  core::SimTime pending_newest_example_ = 0;
  std::uint64_t pending_examples_ = 0;
  core::SimTime next_training_ = 0;

  // The sliding window (a ring) of kept examples: rows, labels, release times.
  std::vector<float> window_rows_;
  std::vector<float> window_labels_;
  std::vector<core::LoggedImpression> window_impressions_;  // to score with the LR as it is when training
  std::size_t window_head_ = 0;  // next slot to write
  std::size_t window_count_ = 0;
  core::SimTime window_newest_ = 0;

  // Scratch, reused: the request's columns and candidate rows, example logits and gradients, buffered examples.
  std::array<float, kTreeRequestFeatures> request_row_{};
  std::vector<float> rows_;
  std::vector<float> extra_;
  std::vector<float> trained_logit_;
  std::vector<std::uint32_t> slots_;  // example x tree leaf slots
  std::vector<core::LabeledExample> buffered_;

  core::ModelTrainingStats stats_;
  double staleness_sum_ = 0.0;
  std::uint64_t staleness_count_ = 0;
};

}  // namespace adsim::models

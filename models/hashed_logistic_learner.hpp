#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/random_streams.hpp"
#include "core/request.hpp"
#include "core/sim_time.hpp"
#include "core/training_log.hpp"
#include "core/world.hpp"
#include "models/ad_counters.hpp"
#include "models/features.hpp"
#include "models/ftrl.hpp"
#include "models/offline_metrics.hpp"

namespace adsim::models {

// The recalibration after negative downsampling: a model trained on all positives and a share w of
// negatives predicts p on the downsampled data; on the real data the odds are w times smaller:
//     q = p / (p + (1 − p) / w),  i.e.  logit(q) = logit(p) + ln(w).
inline double recalibrate_downsampled(double p, double w) { return p / (p + (1.0 - p) / w); }

// When learned examples change the model.
//   refresh_interval == 0: continuously, as learn() receives them.
//   refresh_interval  > 0: learn() only buffers (and scores them for validation); refresh(now)
//                          applies the buffer. The pipeline calls refresh() every interval of
//                          simulated time (Priority::kModelRefresh).
struct LearnerConfig {
  FeatureConfig features;
  FtrlParams ftrl;
  AdCounterConfig counters;
  double downsample_rate = 1.0;  // w in (0, 1]: share of negative examples kept for training
  bool recalibrate = true;       // apply q = p / (p + (1 − p) / w) to predictions
  // What a model with no data predicts, in (0, 1): every logit gets the fixed offset
  // logit(prior_rate) − ln w, so that with all weights 0 the prediction at the reference slot is
  // prior_rate after recalibration (prior_rate / (prior_rate + (1 − prior_rate) w) on the
  // downsampled scale without it), and the weights, regularized toward 0, learn the difference from
  // the prior. Unset: no offset, and a cold model predicts σ(0) = 0.5 before recalibration.
  std::optional<double> prior_rate;
  core::SimTime refresh_interval = 0;
  // Decayed counter features are re-bucketed for every ad at least this often (during predict).
  core::SimTime counter_sweep_interval = 10 * core::kMinute;
  // Progressive validation of the model's predictions at the logged slot (validator()). Off, learn()
  // skips it (the validator stays empty): a marketplace run scores what it served with its own
  // evaluator and never reads this one, which costs two logarithms and four histogram updates an
  // example.
  bool validate = true;
  enum class Segment : std::uint8_t { kNone, kRegion, kAgeBand, kDevice, kSlot, kHour };
  Segment segment_by = Segment::kRegion;
  ValidatorConfig validation;  // segments = 0: sized from the world for segment_by
};

// What a learner is taught to predict from a labelled example.
enum class LearnTarget : std::uint8_t { kClick, kNegativeFeedback /* hidden or reported */ };

// Hashed-feature logistic regression learnt online by FTRL-Proximal, with per-ad decayed counters,
// negative downsampling, recalibration, a refresh schedule and built-in progressive validation.
// LogisticCtrModel and NegativeFeedbackModel are thin wrappers around it.
//
// learn(), for each example in release order:
//   1. extract features at the logged slot (counter features as known now),
//   2. score it with the current model: that prediction goes to the validator (progressive
//      validation: scored before it is learned) when config.validate,
//   3. keep it for training if positive, or with probability w if negative (downsampling stream),
//   4. continuous mode: update the counters with it and, if kept, take one FTRL step;
//      periodic mode: buffer it for refresh(), which does step 4 for the buffer in order.
// The model therefore changes only when the schedule says so; counters follow the same schedule.
class HashedLogisticLearner {
 public:
  // `world` must outlive the learner; its arrays must not be resized meanwhile.
  HashedLogisticLearner(const core::World& world, LearnerConfig config, LearnTarget target, core::Rng downsample_rng);

  const LearnerConfig& config() const { return config_; }

  // Probabilities at the reference slot for each ad (recalibrated if configured). One feature pass
  // for the request, one per distinct ad category, then ~12 lookups per candidate.
  void predict(const core::RequestContext& request, std::span<const core::AdId> ads, std::span<float> p);
  // Logits (before the recalibration offset) for a user context; the slot is taken from `user`.
  void predict_logits(const UserContext& user, core::SimTime now, std::span<const core::AdId> ads, std::span<float> logit);
  // The model's current (recalibrated) prediction for a logged impression, at its logged slot.
  float predict_logged(const core::LoggedImpression& impression) const;
  // Its logit on the training scale: the weights' sum plus prior_offset() (no recalibration).
  float logit_logged(const core::LoggedImpression& impression) const;

  void learn(std::span<const core::LabeledExample> examples) { learn(examples, {}, {}); }
  // The same with features kept outside this learner (GbdtLrCtrModel's tree leaves), learnt jointly:
  // extra_logit[k] is added to example k's logit (validated and trained), and trained_logit[k]
  // receives the logit of its step (the learner's features plus extra_logit[k], without
  // prior_offset()), from which the caller takes the same g = σ(logit + prior_offset()) − y for the
  // outside features' own step; NaN if the example was not trained on (a dropped negative). Both
  // empty, or both of the batch's size; continuous mode only (refresh_interval == 0), since a
  // buffered step would need the outside logit later.
  void learn(std::span<const core::LabeledExample> examples, std::span<const float> extra_logit,
             std::span<float> trained_logit);
  // Applies buffered examples (periodic mode) and re-buckets every ad's decayed counters.
  void refresh(core::SimTime now);

  // ln(w) when recalibrating after downsampling, else 0: added to every served logit.
  double logit_offset() const { return logit_offset_; }
  // logit(prior_rate) − ln(w) with a prior, else 0: added to every logit, trained and served.
  double prior_offset() const { return prior_offset_; }
  // Predictions made by predict() before the model had learnt from any example: the prior, for
  // every ad alike.
  std::uint64_t prior_predictions() const { return prior_predictions_; }

  ProgressiveValidator& validator() { return validator_; }
  const ProgressiveValidator& validator() const { return validator_; }
  const AdCounters& counters() const { return counters_; }
  const FeatureExtractor& extractor() const { return extractor_; }
  const Ftrl& ftrl() const { return ftrl_; }

  std::uint64_t examples_seen() const { return seen_; }
  std::uint64_t examples_trained() const { return trained_; }  // FTRL steps taken
  std::size_t buffered() const { return pending_.size(); }
  // The model's version that stamps the cached static logits (for tests: it wraps after 65,535 changes).
  std::uint16_t serving_version() const { return weights_version_; }

 private:
  bool label_of(const core::LabeledExample& e) const {
    return target_ == LearnTarget::kClick ? e.clicked : (e.hidden || e.reported);
  }
  int segment_of(const core::LoggedImpression& i) const;
  // The example's request features. Examples of one request arrive together (the log releases them
  // in serving order) and differ only in their slot, so the last context's features are reused.
  const RequestFeatures& features_of(const core::LoggedImpression& i);
  void apply(const core::LabeledExample& e, bool train);
  // An example of learn() extracted ahead of its turn, its coordinates loading meanwhile.
  struct Staged {
    std::array<std::uint32_t, kMaxFeatures> index{};
    int n = 0;
    int static_at = 0;  // where the ad's static indices (and counter features) sit in `index`
  };
  static constexpr std::size_t kLearnAhead = 4;
  void stage(const core::LabeledExample& e, Staged& x);
  void sweep(core::SimTime now);
  // predict_logits in passes over the candidates: start loading their entries, rows and stale static
  // indices, and list their categories; re-sum the static logits gone stale; sum the category
  // groups; sum each candidate's logit.
  void start_loading(const RequestFeatures& rf, std::span<const core::AdId> ads);
  void refresh_static_logits();
  void sum_category_logits(const RequestFeatures& rf);
  void sum_logits(float shared, const RequestFeatures& rf, std::span<const core::AdId> ads, std::span<float> logit) const;
  // Marks every cached static logit stale: call whenever weights or counter features may change.
  void model_changed();

  LearnerConfig config_;
  LearnTarget target_;
  core::Rng rng_;
  FeatureExtractor extractor_;
  Ftrl ftrl_;
  AdCounters counters_;
  ProgressiveValidator validator_;
  double logit_offset_ = 0.0;
  double prior_offset_ = 0.0;
  float serving_offset_f_ = 0.0f;  // prior_offset_ + logit_offset_, rounded once
  std::uint64_t prior_predictions_ = 0;

  std::vector<core::LabeledExample> pending_;
  std::vector<std::uint8_t> pending_train_;
  core::SimTime last_sweep_ = 0;
  std::uint64_t seen_ = 0;
  std::uint64_t trained_ = 0;

  std::array<Staged, kLearnAhead> staged_{};
  UserContext example_context_;
  RequestFeatures example_features_;
  bool have_example_context_ = false;

  // Per ad, what serving reads first: the sum of the weights of its static features (ad,
  // campaign, advertiser, counters), valid while `version` equals weights_version_, i.e. until the
  // model next learns or re-buckets counters (between joiner ticks in continuous mode, a whole
  // refresh interval otherwise, over which the same ads are scored thousands of times); and its
  // category. 8 bytes, so that the catalog's entries (160 KB for 20,000 ads) stay in a core's L2
  // cache beside the rows of weights; the row's start is computed (FeatureExtractor::row_of).
  struct AdServing {
    float static_logit = 0.0f;
    std::uint16_t version = 0;
    std::uint16_t category = 0;
  };
  std::vector<AdServing> serving_;
  std::vector<core::AdId> stale_;  // this request's candidates whose static logit is stale: the first
  std::size_t stale_count_ = 0;    // stale_count_ of the catalog-sized buffer
  std::uint16_t weights_version_ = 1;  // wraps every 65,535 changes: model_changed() then resets

  // Per request, the category group's partial logit of each category among the candidates, listed
  // in categories_ (found with a bit per category in a register when there are at most 64; beyond,
  // category_epoch_ stamps those of the current request).
  std::vector<float> category_logit_;
  std::vector<std::uint64_t> category_epoch_;
  std::vector<std::uint16_t> categories_;
  std::uint64_t epoch_ = 0;
};

}  // namespace adsim::models

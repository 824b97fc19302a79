#include "models/gbdt_lr_ctr_model.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include <Eigen/Core>

namespace adsim::models {
namespace {

// What a row holds where a value does not apply (the query columns of a feed request): a number
// below every real value rather than NaN, so the model's rows never hold NaN and their walk needs
// no missing-value test (FlatForest::step_finite); XGBoost learns a split below 0 for it.
constexpr float kNotApplicable = -1.0f;
constexpr std::size_t kF = kTreeFeatures;

LearnerConfig continuous(LearnerConfig c) {
  c.refresh_interval = 0;  // the model buffers for refresh() itself (see GbdtLrConfig::learner)
  return c;
}

}  // namespace

GbdtLrCtrModel::GbdtLrCtrModel(const core::World& world, GbdtLrConfig config, core::Rng downsample_rng)
    : config_(config), learner_(world, continuous(config.learner), LearnTarget::kClick, downsample_rng) {
  if (config.window_examples < 1 || config.min_examples < 1 || config.min_examples > config.window_examples)
    throw std::invalid_argument("gbdt_lr: need 1 <= min_examples <= window_examples");
  if (config.interval <= 0 || config.train_delay < 0)
    throw std::invalid_argument("gbdt_lr: need a training interval > 0 and a training delay >= 0");
  if (config.trees.trees < 1 || config.trees.depth < 1 || config.trees.depth > 12)
    throw std::invalid_argument("gbdt_lr: need at least one tree and a depth in [1, 12]");
  if (config.learner.refresh_interval < 0) throw std::invalid_argument("gbdt_lr: refresh_interval must be >= 0");
  serving_offset_ = static_cast<float>(learner_.prior_offset() + learner_.logit_offset());
  const std::size_t ads = world.ads.size();
  const FeatureConfig& fc = config.learner.features;
  const auto empty_rate = static_cast<float>(fc.counter_prior_rate);  // smoothed rate of an ad never learnt from
  ad_columns_.assign(ads * kTreeAdFeatures, 0.0f);
  for (std::size_t a = 0; a < ads; ++a) {
    float* c = &ad_columns_[a * kTreeAdFeatures];
    const core::CampaignId campaign = world.ads.campaign[a];
    c[kTreeCategory - kTreeCategory] = world.ads.category[a];
    c[kTreeCampaign - kTreeCategory] = static_cast<float>(campaign);
    c[kTreeAdvertiser - kTreeCategory] =
        campaign < world.campaigns.size() ? static_cast<float>(world.campaigns[campaign].advertiser) : kNotApplicable;
    c[kTreeShortCtr - kTreeCategory] = empty_rate;
    c[kTreeLongCtr - kTreeCategory] = empty_rate;
  }
  next_training_ = config.interval;
  window_rows_.assign(config.window_examples * kF, 0.0f);
  window_labels_.assign(config.window_examples, 0.0f);
  window_impressions_.assign(config.window_examples, core::LoggedImpression{});
}

void GbdtLrCtrModel::maybe_sweep(core::SimTime now) {
  if (now - last_sweep_ < config_.learner.counter_sweep_interval) return;
  const FeatureConfig& fc = config_.learner.features;
  const double m = fc.counter_prior_strength, prior = m * fc.counter_prior_rate;
  const AdCounters& counters = learner_.counters();
  for (std::size_t a = 0; a < counters.size(); ++a) {
    const auto ad = static_cast<core::AdId>(a);
    if (counters.impressions(ad) == 0) continue;  // still the empty counters' columns
    const AdCounterView v = counters.view(ad, now);
    float* c = &ad_columns_[a * kTreeAdFeatures];
    c[kTreeShortCtr - kTreeCategory] = static_cast<float>((v.short_positives + prior) / (v.short_impressions + m));
    c[kTreeLongCtr - kTreeCategory] = static_cast<float>((v.long_positives + prior) / (v.long_impressions + m));
    c[kTreeShortCount - kTreeCategory] = static_cast<float>(std::log2(1.0 + v.short_impressions));
    c[kTreeLongCount - kTreeCategory] = static_cast<float>(std::log2(1.0 + v.long_impressions));
  }
  last_sweep_ = now;
}

void GbdtLrCtrModel::request_row(const UserContext& u, float* row) const {
  const bool search = u.surface == core::Surface::kSearch;
  row[kTreeRegion] = u.region;
  row[kTreeAgeBand] = u.age_band;
  row[kTreeDevice] = u.device;
  row[kTreeHour] = u.hour;
  row[kTreeSearch] = search ? 1.0f : 0.0f;
  row[kTreeQueryCategory] = search && u.query_category != core::kNoQueryCategory ? static_cast<float>(u.query_category) : kNotApplicable;
  row[kTreeSlot] = config_.learner.features.position == PositionMode::kFeature ? static_cast<float>(u.slot) : 0.0f;
  row[kTreeInterestCount] = static_cast<float>(std::popcount(u.interests));
}

void GbdtLrCtrModel::candidate_rows(const UserContext& u, std::span<const core::AdId> ads) {
  if (rows_.size() < ads.size() * kF) rows_.resize(ads.size() * kF);  // grows to the largest batch once
  std::array<float, kTreeRequestFeatures>& shared = request_row_;
  request_row(u, shared.data());
  for (std::size_t k = 0; k < ads.size(); ++k) {
    float* row = &rows_[k * kF];
    std::memcpy(row, shared.data(), sizeof shared);  // fixed sizes: inlined (std::copy called memmove)
    ad_part(u, ads[k], row);
  }
}

// The ad's columns and the pair's, after a row's request part.
void GbdtLrCtrModel::ad_part(const UserContext& u, core::AdId ad, float* row) const {
  const float* columns = &ad_columns_[std::size_t{ad} * kTreeAdFeatures];
  std::memcpy(row + kTreeCategory, columns, kTreeAdFeatures * sizeof(float));
  const auto category = static_cast<std::uint16_t>(columns[0]);
  row[kTreeInterestMatch] = category < 64 && ((u.interests >> category) & 1u) != 0 ? 1.0f : 0.0f;
  row[kTreeQueryMatch] =
      u.surface == core::Surface::kSearch ? (category == u.query_category ? 1.0f : 0.0f) : kNotApplicable;
}

void GbdtLrCtrModel::tree_row(const UserContext& user, core::SimTime now, core::AdId ad, std::span<float, kTreeFeatures> row) {
  if (ad >= learner_.extractor().ads()) throw std::out_of_range("gbdt_lr: ad id outside the catalog");
  maybe_sweep(now);
  const core::AdId one[1] = {ad};
  candidate_rows(user, one);
  std::copy_n(rows_.data(), kF, row.data());
}

namespace {

// Walks rows [0, n) (kTreeFeatures floats each, no NaN) down one tree from node `start` for `steps`
// levels and calls leaf(k, node) with each row's final heap index. A walk is a chain of dependent
// loads (node, the row's value, the next node), so blocks of kBlock rows step down a level
// together: kBlock independent chains in flight.
template <typename Leaf>
void walk(const FlatForest::Node* tree, std::uint32_t start, int steps, const float* rows, std::size_t n, Leaf&& leaf) {
  constexpr std::size_t kBlock = 8;
  std::size_t k = 0;
  for (; k + kBlock <= n; k += kBlock) {
    std::array<std::uint32_t, kBlock> i;
    i.fill(start);
    for (int s = 0; s < steps; ++s)
      for (std::size_t j = 0; j < kBlock; ++j) i[j] = FlatForest::step_finite(tree, i[j], rows + (k + j) * kF);
    for (std::size_t j = 0; j < kBlock; ++j) leaf(k + j, i[j]);
  }
  for (; k < n; ++k) {
    std::uint32_t i = start;
    for (int s = 0; s < steps; ++s) i = FlatForest::step_finite(tree, i, rows + k * kF);
    leaf(k, i);
  }
}

}  // namespace

// Trees outside, candidates inside: one tree's few hundred bytes stay in L1 while every candidate
// walks it. Each tree's top splits on request columns (often the slot, always served at the
// reference slot, and the padding's always-left splits) send every candidate the same way: they are
// walked once for the request, and the candidates start below them.
void GbdtLrCtrModel::add_leaf_logits(std::size_t n, std::span<float> logit) const {
  const float* w = leaf_ftrl_->weights();
  const int depth = forest_.depth();
  for (int t = 0; t < forest_.trees(); ++t) {
    const FlatForest::Node* tree = forest_.tree(t);
    const std::uint32_t* slot = node_slots(t);
    std::uint32_t start = 0;
    int level = 0;
    for (; level < depth && tree[start].feature < kTreeRequestFeatures; ++level)
      start = FlatForest::step_finite(tree, start, request_row_.data());
    walk(tree, start, depth - level, rows_.data(), n, [&](std::size_t k, std::uint32_t i) { logit[k] += w[slot[i]]; });
  }
}

void GbdtLrCtrModel::predict(const core::RequestContext& request, std::span<const core::AdId> ads, std::span<float> pctr) {
  maybe_activate(request.time);
  const UserContext u = UserContext::of_request(request, config_.learner.features.reference_slot);
  learner_.predict_logits(u, request.time, ads, pctr);  // checks the ads and sizes
  if (!forest_.empty()) {
    maybe_sweep(request.time);
    candidate_rows(u, ads);
    add_leaf_logits(ads.size(), pctr);
    staleness_sum_ += static_cast<double>(ads.size()) * core::to_seconds(request.time - forest_newest_example_);
    staleness_count_ += ads.size();
  }
  Eigen::Map<Eigen::ArrayXf> x(pctr.data(), static_cast<Eigen::Index>(pctr.size()));
  x = (x + serving_offset_).logistic();  // as HashedLogisticLearner::predict
  if (learner_.examples_trained() == 0) prior_predictions_ += pctr.size();
}

void GbdtLrCtrModel::learn(std::span<const core::LabeledExample> examples) {
  if (config_.learner.refresh_interval == 0) return learn_now(examples);
  for (const core::LabeledExample& e : examples)  // refused whole, as the learner would
    if (e.impression.ad >= learner_.extractor().ads()) throw std::out_of_range("gbdt_lr: ad id outside the catalog");
  buffered_.insert(buffered_.end(), examples.begin(), examples.end());
}

void GbdtLrCtrModel::refresh(core::SimTime now) {
  learn_now(buffered_);
  buffered_.clear();
  maybe_activate(now);
}

// One batch of released examples: their rows at the logged slot, their leaves' logits under the
// serving trees, one joint FTRL step each (the learner's features and the leaves), then the kept
// ones enter the trees' window.
void GbdtLrCtrModel::learn_now(std::span<const core::LabeledExample> examples) {
  if (examples.empty()) return;
  for (const core::LabeledExample& e : examples)  // before anything changes: a bad batch is refused whole
    if (e.impression.ad >= learner_.extractor().ads()) throw std::out_of_range("gbdt_lr: ad id outside the catalog");
  const core::SimTime now = examples.back().released_at;
  maybe_activate(now);
  maybe_sweep(now);
  const std::size_t n = examples.size();
  if (rows_.size() < n * kF) rows_.resize(n * kF);
  extra_.assign(n, 0.0f);
  trained_logit_.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const core::LoggedImpression& i = examples[k].impression;
    const UserContext u = UserContext::of_impression(i, learner_.extractor().interests_of(i.user));
    float* row = &rows_[k * kF];
    request_row(u, row);
    ad_part(u, i.ad, row);
  }
  const auto trees = static_cast<std::size_t>(forest_.trees());
  if (trees > 0) {
    slots_.resize(n * trees);
    const float* w = leaf_ftrl_->weights();
    for (std::size_t t = 0; t < trees; ++t) {
      const std::uint32_t* slot = node_slots(static_cast<int>(t));
      walk(forest_.tree(static_cast<int>(t)), 0, forest_.depth(), rows_.data(), n, [&](std::size_t k, std::uint32_t i) {
        slots_[k * trees + t] = slot[i];
        extra_[k] += w[slot[i]];
      });
    }
  }
  learner_.learn(examples, extra_, trained_logit_);
  const double prior = learner_.prior_offset();
  for (std::size_t k = 0; k < n; ++k) {
    const float logit = trained_logit_[k];
    if (std::isnan(logit)) continue;  // a negative the downsampling dropped
    const bool y = examples[k].clicked;
    // The learner's own step's gradient, to the letter (HashedLogisticLearner::learn).
    if (trees > 0) leaf_ftrl_->apply_gradient({&slots_[k * trees], trees}, sigmoid(static_cast<double>(logit) + prior) - (y ? 1.0 : 0.0));
    push_window(&rows_[k * kF], y, examples[k].impression, examples[k].released_at);
  }
  maybe_train(now);
}

void GbdtLrCtrModel::push_window(const float* row, bool label, const core::LoggedImpression& impression, core::SimTime t) {
  std::memcpy(&window_rows_[window_head_ * kF], row, kF * sizeof(float));
  window_labels_[window_head_] = label ? 1.0f : 0.0f;
  window_impressions_[window_head_] = impression;
  window_head_ = (window_head_ + 1) % config_.window_examples;
  window_count_ = std::min(window_count_ + 1, config_.window_examples);
  window_newest_ = std::max(window_newest_, t);
}

void GbdtLrCtrModel::window(std::vector<float>& rows, std::vector<float>& labels, std::vector<float>* base_logits) const {
  rows.clear();
  labels.clear();
  if (base_logits != nullptr) base_logits->clear();
  const std::size_t cap = config_.window_examples;
  const std::size_t first = window_count_ < cap ? 0 : window_head_;
  for (std::size_t j = 0; j < window_count_; ++j) {
    const std::size_t at = (first + j) % cap;
    rows.insert(rows.end(), &window_rows_[at * kF], &window_rows_[at * kF] + kF);
    labels.push_back(window_labels_[at]);
    if (base_logits != nullptr) base_logits->push_back(learner_.logit_logged(window_impressions_[at]));
  }
}

// The new trees' leaf weights, learnt before they serve: one FTRL pass over the window, oldest
// first, each example's logit being what the learner's own features give it now (the LR that has
// learnt the window: scored as it was when it learnt each example, the residual would count again
// what the LR learnt from it since, and the model over-predict) plus the new leaves' weights. The
// leaves then start as a correction to that LR instead of at 0 (which would drop their whole
// contribution at every refresh until the LR relearnt it).
Ftrl GbdtLrCtrModel::warm_leaf_weights(const FlatForest& forest, std::span<const float> rows, std::span<const float> labels,
                                       std::span<const float> base_logits) const {
  const auto trees = static_cast<std::size_t>(forest.trees());
  Ftrl ftrl(1, config_.learner.ftrl, trees * forest.ids_per_tree());
  std::vector<std::uint32_t> slots(trees);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    for (std::size_t t = 0; t < trees; ++t) {
      const auto tree = static_cast<int>(t);
      const std::uint32_t position = forest.leaf_position(tree, &rows[i * kF]);
      slots[t] = static_cast<std::uint32_t>(t) * forest.ids_per_tree() + static_cast<std::uint32_t>(forest.leaf_id(tree, position));
    }
    const double logit = static_cast<double>(base_logits[i]) + ftrl.partial_logit(slots);
    ftrl.apply_gradient(slots, sigmoid(logit) - static_cast<double>(labels[i]));
  }
  return ftrl;
}

// Trains on the window when a training is due. The wall time is measured and reported only: the
// trees serve from now + train_delay in simulated time, however long training took.
void GbdtLrCtrModel::maybe_train(core::SimTime now) {
  if (now < next_training_ || pending_ || window_count_ < config_.min_examples) return;
  std::vector<float> rows, labels, base_logits;
  window(rows, labels, &base_logits);
  const auto start = std::chrono::steady_clock::now();
  GbdtParams params = config_.trees;
  params.seed = config_.trees.seed + generation_;
  pending_ = GbdtBooster::train(rows, labels, kTreeFeatures, params,
                                config_.fit_residual ? std::span<const float>(base_logits) : std::span<const float>())
                 .forest();
  pending_leaf_ftrl_.emplace(warm_leaf_weights(*pending_, rows, labels, base_logits));
  stats_.train_wall_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  pending_at_ = now + config_.train_delay;
  pending_newest_example_ = window_newest_;
  pending_examples_ = window_count_;
  while (next_training_ <= now) next_training_ += config_.interval;
}

// Puts trained trees into service with the leaf weights learnt for them from the window (the old
// leaves' weights mean nothing for the new trees and go); the learner's own weights carry on.
void GbdtLrCtrModel::maybe_activate(core::SimTime now) {
  if (!pending_ || now < pending_at_) return;
  forest_ = std::move(*pending_);
  pending_.reset();
  leaf_ftrl_ = std::move(pending_leaf_ftrl_);
  pending_leaf_ftrl_.reset();
  const auto leaves = std::uint32_t{1} << forest_.depth();
  leaf_slots_.resize(static_cast<std::size_t>(forest_.trees()) * leaves);
  for (int t = 0; t < forest_.trees(); ++t)
    for (std::uint32_t p = 0; p < leaves; ++p) leaf_slots_[static_cast<std::size_t>(t) * leaves + p] = leaf_slot(t, p);
  ++generation_;
  forest_newest_example_ = pending_newest_example_;
  ++stats_.retrains;
  stats_.last_window_examples = pending_examples_;
}

core::ModelTrainingStats GbdtLrCtrModel::training_stats() const {
  core::ModelTrainingStats s = stats_;
  s.mean_staleness_seconds = staleness_count_ > 0 ? staleness_sum_ / static_cast<double>(staleness_count_) : 0.0;
  return s;
}

}  // namespace adsim::models

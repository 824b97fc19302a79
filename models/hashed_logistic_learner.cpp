#include "models/hashed_logistic_learner.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <stdexcept>

#include <Eigen/Core>
#include <boost/random/uniform_01.hpp>

namespace adsim::models {
namespace {

ValidatorConfig sized_validation(const core::World& world, const LearnerConfig& c) {
  ValidatorConfig v = c.validation;
  if (!c.validate) v.segments = 0;  // nothing to segment
  if (v.segments > 0 || !c.validate) return v;
  using S = LearnerConfig::Segment;
  switch (c.segment_by) {
    case S::kNone: v.segments = 0; break;
    case S::kRegion: v.segments = world.num_regions; break;
    case S::kAgeBand: v.segments = world.num_age_bands; break;
    case S::kDevice: v.segments = world.num_devices; break;
    case S::kSlot: v.segments = core::kMaxSlots; break;
    case S::kHour: v.segments = 24; break;
  }
  return v;
}

std::size_t category_slots(const core::World& world) {
  std::size_t n = static_cast<std::size_t>(std::max(1, world.num_categories));
  for (std::uint16_t c : world.ads.category) n = std::max<std::size_t>(n, std::size_t{c} + 1);
  return n;
}

}  // namespace

HashedLogisticLearner::HashedLogisticLearner(const core::World& world, LearnerConfig config, LearnTarget target,
                                             core::Rng downsample_rng)
    : config_(config),
      target_(target),
      rng_(downsample_rng),
      extractor_(config.features, FeatureContext::from(world)),
      ftrl_(config.features.hash_bits, config.ftrl, extractor_.size() - extractor_.hashed_size()),
      counters_(world.ads.size(), config.counters),
      validator_(sized_validation(world, config)),
      category_logit_(category_slots(world), 0.0f),
      category_epoch_(category_slots(world), 0) {
  if (!(config.downsample_rate > 0.0) || config.downsample_rate > 1.0) {
    throw std::invalid_argument("learner: downsample_rate must be in (0, 1]");
  }
  if (config.refresh_interval < 0 || config.counter_sweep_interval <= 0) {
    throw std::invalid_argument("learner: refresh_interval must be >= 0 and counter_sweep_interval > 0");
  }
  if (config.prior_rate && !(*config.prior_rate > 0.0 && *config.prior_rate < 1.0)) {
    throw std::invalid_argument("learner: prior_rate must be in (0, 1)");
  }
  logit_offset_ = config.recalibrate ? std::log(config.downsample_rate) : 0.0;
  if (config.prior_rate) {
    const double r = *config.prior_rate;
    prior_offset_ = std::log(r / (1.0 - r)) - std::log(config.downsample_rate);
  }
  serving_offset_f_ = static_cast<float>(prior_offset_ + logit_offset_);
  serving_.resize(extractor_.ads());
  stale_.resize(extractor_.ads());
  categories_.reserve(category_logit_.size());
  for (std::size_t a = 0; a < serving_.size(); ++a) {
    const auto ad = static_cast<core::AdId>(a);
    serving_[a].category = extractor_.category_of(ad);
  }
}

int HashedLogisticLearner::segment_of(const core::LoggedImpression& i) const {
  using S = LearnerConfig::Segment;
  switch (config_.segment_by) {
    case S::kNone: return -1;
    case S::kRegion: return i.region;
    case S::kAgeBand: return i.age_band;
    case S::kDevice: return i.device;
    case S::kSlot: return i.slot;
    case S::kHour: return i.hour;
  }
  return -1;
}

void HashedLogisticLearner::sweep(core::SimTime now) {
  if (config_.features.counters) {
    for (std::size_t a = 0; a < counters_.size(); ++a) {
      const auto ad = static_cast<core::AdId>(a);
      // An ad never learnt from keeps the empty counters' buckets it was given: no decay to compute.
      if (counters_.impressions(ad) > 0) extractor_.set_counters(ad, counters_.view(ad, now));
    }
  }
  last_sweep_ = now;
  model_changed();
}

void HashedLogisticLearner::predict(const core::RequestContext& request, std::span<const core::AdId> ads,
                                    std::span<float> p) {
  predict_logits(UserContext::of_request(request, config_.features.reference_slot), request.time, ads, p);
  // Eigen's vectorized logistic (a rational approximation, within a few float ulps of 1/(1+e^-x)):
  // four candidates per instruction instead of one expf call each.
  Eigen::Map<Eigen::ArrayXf> x(p.data(), static_cast<Eigen::Index>(p.size()));
  x = (x + serving_offset_f_).logistic();
  if (trained_ == 0) prior_predictions_ += p.size();
}

void HashedLogisticLearner::predict_logits(const UserContext& user, core::SimTime now, std::span<const core::AdId> ads,
                                           std::span<float> logit) {
  if (ads.size() != logit.size()) throw std::invalid_argument("learner: ads and output differ in size");
  if (now - last_sweep_ >= config_.counter_sweep_interval) sweep(now);
  const std::size_t n_ads = extractor_.ads();
  for (const core::AdId ad : ads)
    if (ad >= n_ads) throw std::out_of_range("learner: ad id outside the catalog");
  RequestFeatures rf;
  extractor_.begin(user, rf);
  const std::span<const std::uint32_t> user_index{rf.user.data(), static_cast<std::size_t>(rf.user_count)};
  ftrl_.prefetch_weights(user_index);  // the user's own weight is a random one
  // The candidates' tables are scattered over megabytes (entries, rows, static indices, the campaign,
  // advertiser and category-cross weights): each pass below starts loads that do not depend on one
  // another, so they overlap, and the passes after it find their lines loaded.
  start_loading(rf, ads);
  refresh_static_logits();
  sum_category_logits(rf);
  sum_logits(ftrl_.partial_logit(user_index), rf, ads, logit);
}

void HashedLogisticLearner::start_loading(const RequestFeatures& rf, std::span<const core::AdId> ads) {
  // The first and last of the request's offsets into a row: the lines a candidate's crosses read.
  const std::uint32_t first_offset = rf.ad_offset_count > 0 ? rf.ad_offset[0] : 0;
  const std::uint32_t last_offset = rf.ad_offset_count > 0 ? rf.ad_offset[static_cast<std::size_t>(rf.ad_offset_count - 1)] : 0;
  const float* w = ftrl_.weights();
  const AdServing* serving = serving_.data();
  // Members copied to locals: the stores below could alias them, and would force a reload each time.
  if (extractor_.ad_rows() == extractor_.ads()) {  // every ad has its own row: its start is arithmetic
    const float* rows = w + extractor_.hashed_size();
    const std::size_t length = static_cast<std::size_t>(extractor_.ad_row_length());
    for (const core::AdId ad : ads) {
      __builtin_prefetch(&serving[ad]);
      const float* row = rows + std::size_t{ad} * length;
      __builtin_prefetch(row + first_offset);
      __builtin_prefetch(row + last_offset);
    }
  } else {
    for (const core::AdId ad : ads) {
      __builtin_prefetch(&serving[ad]);
      const std::uint32_t row = extractor_.row_of(ad);
      __builtin_prefetch(w + row + first_offset);
      __builtin_prefetch(w + row + last_offset);
    }
  }
  // The candidates whose static logit is stale (appended without a branch: whether an ad is stale
  // follows no pattern a predictor could learn) and the distinct categories among them.
  const std::uint16_t version = weights_version_;
  core::AdId* stale = stale_.data();  // sized to the catalog at construction
  std::size_t n_stale = 0;
  categories_.clear();
  if (category_logit_.size() <= 64) {  // the categories present fit one word: a bit each, in a register
    std::uint64_t present = 0;
    for (const core::AdId ad : ads) {
      const AdServing& entry = serving[ad];
      present |= std::uint64_t{1} << entry.category;
      stale[n_stale] = ad;
      n_stale += entry.version != version ? 1 : 0;
    }
    for (; present != 0; present &= present - 1) categories_.push_back(static_cast<std::uint16_t>(std::countr_zero(present)));
  } else {
    const std::uint64_t epoch = ++epoch_;
    for (const core::AdId ad : ads) {
      const AdServing& entry = serving[ad];
      if (category_epoch_[entry.category] != epoch) {
        category_epoch_[entry.category] = epoch;
        categories_.push_back(entry.category);  // capacity: every category, reserved at construction
      }
      stale[n_stale] = ad;
      n_stale += entry.version != version ? 1 : 0;
    }
  }
  stale_count_ = n_stale;
  for (std::size_t k = 0; k < n_stale; ++k) __builtin_prefetch(extractor_.ad_static(stale[k]));
}

void HashedLogisticLearner::refresh_static_logits() {
  const float* w = ftrl_.weights();
  const int n_static = extractor_.ad_static_count();
  const std::span<const core::AdId> stale{stale_.data(), stale_count_};
  for (const core::AdId ad : stale) {
    const std::uint32_t* st = extractor_.ad_static(ad);
    for (int j = 1; j < n_static; ++j) __builtin_prefetch(w + st[j]);  // st[0] is in the row's first line
  }
  const std::uint16_t version = weights_version_;
  for (const core::AdId ad : stale) {
    const std::uint32_t* st = extractor_.ad_static(ad);
    float sum = 0.0f;
    for (int j = 0; j < n_static; ++j) sum += w[st[j]];
    AdServing& entry = serving_[ad];
    entry.static_logit = sum;
    entry.version = version;
  }
}

// The category group's weights are few and read by every request (a category crossed with a region,
// an age band, an hour...): they stay cached, and are summed as soon as their indices are known.
void HashedLogisticLearner::sum_category_logits(const RequestFeatures& rf) {
  std::array<std::uint32_t, kMaxCategoryFeatures> index{};
  for (const std::uint16_t c : categories_) {
    const int n = extractor_.category_indices(rf, c, index.data());
    category_logit_[c] = ftrl_.partial_logit({index.data(), static_cast<std::size_t>(n)});
  }
}

namespace {
// logit_k = shared + category logit + static logit + the N row weights, added in this order. N is a
// constant here so that the row's loads are unrolled: this loop runs once per candidate scored.
template <int N, typename RowOf>
void sum_row_logits(float shared, const float* category_logit, const float* w, const std::uint32_t* offset,
                    const auto* serving, RowOf row_of, std::span<const core::AdId> ads, std::span<float> logit) {
  std::uint32_t off[N > 0 ? N : 1];
  for (int j = 0; j < N; ++j) off[j] = offset[j];
  for (std::size_t k = 0; k < ads.size(); ++k) {
    const core::AdId ad = ads[k];
    const auto& entry = serving[ad];
    float s = shared + category_logit[entry.category] + entry.static_logit;
    const float* row = w + row_of(ad);
    for (int j = 0; j < N; ++j) s += row[off[j]];
    logit[k] = s;
  }
}

template <typename RowOf>
void sum_row_logits(int n, float shared, const float* category_logit, const float* w, const std::uint32_t* offset,
                    const auto* serving, RowOf row_of, std::span<const core::AdId> ads, std::span<float> logit) {
  static_assert(kMaxAdDynamicFeatures == 8, "one case per count of row features");
  switch (n) {
    case 0: return sum_row_logits<0>(shared, category_logit, w, offset, serving, row_of, ads, logit);
    case 1: return sum_row_logits<1>(shared, category_logit, w, offset, serving, row_of, ads, logit);
    case 2: return sum_row_logits<2>(shared, category_logit, w, offset, serving, row_of, ads, logit);
    case 3: return sum_row_logits<3>(shared, category_logit, w, offset, serving, row_of, ads, logit);
    case 4: return sum_row_logits<4>(shared, category_logit, w, offset, serving, row_of, ads, logit);
    case 5: return sum_row_logits<5>(shared, category_logit, w, offset, serving, row_of, ads, logit);
    case 6: return sum_row_logits<6>(shared, category_logit, w, offset, serving, row_of, ads, logit);
    case 7: return sum_row_logits<7>(shared, category_logit, w, offset, serving, row_of, ads, logit);
    default: return sum_row_logits<8>(shared, category_logit, w, offset, serving, row_of, ads, logit);
  }
}
}  // namespace

void HashedLogisticLearner::sum_logits(float shared, const RequestFeatures& rf, std::span<const core::AdId> ads,
                                       std::span<float> logit) const {
  const float* w = ftrl_.weights();
  const float* category = category_logit_.data();
  const std::uint32_t* offset = rf.ad_offset.data();
  const AdServing* serving = serving_.data();
  if (extractor_.ad_rows() == extractor_.ads()) {  // every ad has its own row: its start is arithmetic
    const auto base = static_cast<std::uint32_t>(extractor_.hashed_size());
    const auto length = static_cast<std::uint32_t>(extractor_.ad_row_length());
    const auto row_of = [base, length](core::AdId ad) { return base + ad * length; };
    sum_row_logits(rf.ad_offset_count, shared, category, w, offset, serving, row_of, ads, logit);
  } else {
    const auto row_of = [this](core::AdId ad) { return extractor_.row_of(ad); };
    sum_row_logits(rf.ad_offset_count, shared, category, w, offset, serving, row_of, ads, logit);
  }
}

void HashedLogisticLearner::model_changed() {
  if (++weights_version_ == 0) {  // wrapped: no entry may look current by accident
    for (AdServing& e : serving_) e.version = 0;
    weights_version_ = 1;
  }
}

float HashedLogisticLearner::predict_logged(const core::LoggedImpression& impression) const {
  std::array<std::uint32_t, kMaxFeatures> index{};
  const UserContext u = UserContext::of_impression(impression, extractor_.interests_of(impression.user));
  const int n = extractor_.extract(u, impression.ad, index);
  return sigmoid(ftrl_.partial_logit({index.data(), static_cast<std::size_t>(n)}) + serving_offset_f_);
}

float HashedLogisticLearner::logit_logged(const core::LoggedImpression& impression) const {
  std::array<std::uint32_t, kMaxFeatures> index{};
  const UserContext u = UserContext::of_impression(impression, extractor_.interests_of(impression.user));
  const int n = extractor_.extract(u, impression.ad, index);
  return ftrl_.partial_logit({index.data(), static_cast<std::size_t>(n)}) + static_cast<float>(prior_offset_);
}

const RequestFeatures& HashedLogisticLearner::features_of(const core::LoggedImpression& i) {
  const UserContext u = UserContext::of_impression(i, extractor_.interests_of(i.user));
  const UserContext& c = example_context_;
  const bool same_request = have_example_context_ && u.user == c.user && u.region == c.region &&
                            u.age_band == c.age_band && u.device == c.device && u.hour == c.hour &&
                            u.interests == c.interests && u.surface == c.surface && u.query_category == c.query_category;
  if (!same_request) extractor_.begin(u, example_features_);
  else if (u.slot != c.slot) extractor_.set_slot(example_features_, u.slot);
  example_context_ = u;
  have_example_context_ = true;
  return example_features_;
}

void HashedLogisticLearner::apply(const core::LabeledExample& e, bool train) {
  const core::LoggedImpression& i = e.impression;
  const bool y = label_of(e);
  if (train) {
    std::array<std::uint32_t, kMaxFeatures> index{};
    const int n = extractor_.extract(features_of(i), i.ad, index);
    ftrl_.update({index.data(), static_cast<std::size_t>(n)}, y, prior_offset_);
    ++trained_;
  }
  // Counters after the step, so an example never sees its own label among its features.
  counters_.add(i.ad, e.released_at, y);
  extractor_.set_counters(i.ad, counters_.view(i.ad, e.released_at));
}

void HashedLogisticLearner::stage(const core::LabeledExample& e, Staged& x) {
  const core::LoggedImpression& i = e.impression;
  const RequestFeatures& rf = features_of(i);
  x.n = extractor_.extract(rf, i.ad, x.index);
  x.static_at = extractor_.ad_static_at(rf, x.n);
  const std::span<const std::uint32_t> index{x.index.data(), static_cast<std::size_t>(x.n)};
  ftrl_.prefetch_weights(index);
  if (config_.refresh_interval == 0) {
    ftrl_.prefetch(index);
    counters_.prefetch(i.ad);
  }
}

void HashedLogisticLearner::learn(std::span<const core::LabeledExample> examples, std::span<const float> extra_logit,
                                  std::span<float> trained_logit) {
  for (const core::LabeledExample& e : examples)  // before anything changes: a bad batch is refused whole
    if (e.impression.ad >= extractor_.ads()) throw std::out_of_range("learner: ad id outside the catalog");
  const bool extra = !extra_logit.empty();
  if (extra && (extra_logit.size() != examples.size() || trained_logit.size() != examples.size() || config_.refresh_interval != 0))
    throw std::invalid_argument("learner: outside logits need one per example, an output each, and continuous mode");
  if (config_.refresh_interval == 0 && !examples.empty()) model_changed();  // steps and counters
  const double w = config_.downsample_rate;
  boost::random::uniform_01<double> uniform;
  // Each example's features are extracted kLearnAhead examples before its turn and its coordinates
  // start loading then: the state and weights of ~36 coordinates scattered over tens of megabytes
  // are what a step waits for. Extraction is the same either way (it depends on the log and the
  // world only) except for the ad's counter features, which the examples in between may move: those
  // are copied again at the example's turn. The steps themselves run in order, as before.
  const std::size_t n = examples.size();
  for (std::size_t k = 0; k < std::min(n, kLearnAhead); ++k) stage(examples[k], staged_[k]);
  for (std::size_t k = 0; k < n; ++k) {
    const core::LabeledExample& e = examples[k];
    const core::LoggedImpression& i = e.impression;
    if (k + 2 * kLearnAhead < n) extractor_.prefetch_interests(examples[k + 2 * kLearnAhead].impression.user);
    Staged& x = staged_[k % kLearnAhead];
    extractor_.copy_ad_static(i.ad, x.index.data() + x.static_at);
    const std::span<const std::uint32_t> index{x.index.data(), static_cast<std::size_t>(x.n)};
    ++seen_;
    const bool y = label_of(e);
    // Progressive validation: the prediction at the logged slot before this example is learned.
    const float logit = extra ? ftrl_.partial_logit(index) + extra_logit[k] : ftrl_.partial_logit(index);
    if (config_.validate) validator_.add(sigmoid(logit + serving_offset_f_), y, segment_of(i));
    // Downsampling draws only for negatives, so the stream's use depends on the labels alone.
    const bool train = y || w >= 1.0 || uniform(rng_) < w;
    if (config_.refresh_interval == 0) {
      if (train) {
        // The same logit as the one validated: the weights have not changed since.
        ftrl_.apply_gradient(index, sigmoid(static_cast<double>(logit) + prior_offset_) - (y ? 1.0 : 0.0));
        if (extra) trained_logit[k] = logit;
        ++trained_;
      } else if (extra) {
        trained_logit[k] = std::numeric_limits<float>::quiet_NaN();
      }
      counters_.add(i.ad, e.released_at, y);
      extractor_.set_counters(i.ad, counters_.view(i.ad, e.released_at));
    } else {
      pending_.push_back(e);
      pending_train_.push_back(train ? 1 : 0);
    }
    if (k + kLearnAhead < n) stage(examples[k + kLearnAhead], x);
  }
}

void HashedLogisticLearner::refresh(core::SimTime now) {
  for (std::size_t k = 0; k < pending_.size(); ++k) apply(pending_[k], pending_train_[k] != 0);
  pending_.clear();  // keeps capacity: the buffer reaches its steady size after one interval
  pending_train_.clear();
  sweep(now);
}

}  // namespace adsim::models

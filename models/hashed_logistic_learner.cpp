#include "models/hashed_logistic_learner.hpp"

#include <algorithm>
#include <stdexcept>

#include <Eigen/Core>
#include <boost/random/uniform_01.hpp>

namespace adsim::models {
namespace {

ValidatorConfig sized_validation(const core::World& world, const LearnerConfig& c) {
  ValidatorConfig v = c.validation;
  if (v.segments > 0) return v;
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
  logit_offset_ = config.recalibrate ? std::log(config.downsample_rate) : 0.0;
  logit_offset_f_ = static_cast<float>(logit_offset_);
  serving_.resize(extractor_.ads());
  for (std::size_t a = 0; a < serving_.size(); ++a) {
    const auto ad = static_cast<core::AdId>(a);
    serving_[a].row = extractor_.ad_static(ad)[0];
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
      extractor_.set_counters(ad, counters_.view(ad, now));
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
  x = (x + logit_offset_f_).logistic();
}

void HashedLogisticLearner::predict_logits(const UserContext& user, core::SimTime now, std::span<const core::AdId> ads,
                                           std::span<float> logit) {
  if (ads.size() != logit.size()) throw std::invalid_argument("learner: ads and output differ in size");
  if (now - last_sweep_ >= config_.counter_sweep_interval) sweep(now);
  RequestFeatures rf;
  extractor_.begin(user, rf);
  const float* w = ftrl_.weights();
  const float shared = ftrl_.partial_logit({rf.user.data(), static_cast<std::size_t>(rf.user_count)});
  const std::uint64_t epoch = ++epoch_;
  const int n_static = extractor_.ad_static_count();
  const std::size_t n_ads = extractor_.ads();
  std::array<std::uint32_t, kMaxCategoryFeatures> cat_index{};
  for (const core::AdId ad : ads)
    if (ad >= n_ads) throw std::out_of_range("learner: ad id outside the catalog");
  // Per candidate: the ad's cached serving entry (its static logit if the model has not changed since
  // it was summed, its row, its category), then the five crosses in its row. The rows are scattered
  // over megabytes: their lines start loading a few candidates ahead, the entries further ahead
  // (a row's address comes from its entry).
  const std::uint32_t first_offset = rf.ad_offset_count > 0 ? rf.ad_offset[0] : 0;
  const std::uint32_t last_offset = rf.ad_offset_count > 0 ? rf.ad_offset[static_cast<std::size_t>(rf.ad_offset_count - 1)] : 0;
  const AdServing* serving = serving_.data();
  constexpr std::size_t kAhead = 6;
  auto prefetch_row = [&](std::size_t k) {
    const std::uint32_t row = serving[ads[k]].row;
    __builtin_prefetch(w + row + first_offset);
    __builtin_prefetch(w + row + last_offset);
  };
  for (std::size_t k = 0; k < std::min(ads.size(), 2 * kAhead); ++k) __builtin_prefetch(&serving[ads[k]]);
  for (std::size_t k = 0; k < std::min(ads.size(), kAhead); ++k) prefetch_row(k);
  const std::uint32_t version = weights_version_;
  for (std::size_t k = 0; k < ads.size(); ++k) {
    if (k + 2 * kAhead < ads.size()) __builtin_prefetch(&serving[ads[k + 2 * kAhead]]);
    if (k + kAhead < ads.size()) prefetch_row(k + kAhead);
    const core::AdId ad = ads[k];
    AdServing& entry = serving_[ad];
    const std::uint16_t c = entry.category;
    if (category_epoch_[c] != epoch) {
      const int n = extractor_.category_indices(rf, c, cat_index.data());
      category_logit_[c] = ftrl_.partial_logit({cat_index.data(), static_cast<std::size_t>(n)});
      category_epoch_[c] = epoch;
    }
    if (entry.version != version) {  // the model changed since this ad's static part was summed
      const std::uint32_t* st = extractor_.ad_static(ad);
      float sum = 0.0f;
      for (int j = 0; j < n_static; ++j) sum += w[st[j]];
      entry.static_logit = sum;
      entry.version = version;
    }
    float s = shared + category_logit_[c] + entry.static_logit;
    for (int j = 0; j < rf.ad_offset_count; ++j) s += w[entry.row + rf.ad_offset[static_cast<std::size_t>(j)]];
    logit[k] = s;
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
  return sigmoid(ftrl_.partial_logit({index.data(), static_cast<std::size_t>(n)}) + logit_offset_f_);
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
    ftrl_.update({index.data(), static_cast<std::size_t>(n)}, y);
    ++trained_;
  }
  // Counters after the step, so an example never sees its own label among its features.
  counters_.add(i.ad, e.released_at, y);
  extractor_.set_counters(i.ad, counters_.view(i.ad, e.released_at));
}

void HashedLogisticLearner::learn(std::span<const core::LabeledExample> examples) {
  if (config_.refresh_interval == 0 && !examples.empty()) model_changed();  // steps and counters
  const double w = config_.downsample_rate;
  boost::random::uniform_01<double> uniform;
  std::array<std::uint32_t, kMaxFeatures> index{};
  for (const core::LabeledExample& e : examples) {
    const core::LoggedImpression& i = e.impression;
    if (i.ad >= extractor_.ads()) throw std::out_of_range("learner: ad id outside the catalog");
    ++seen_;
    const bool y = label_of(e);
    // Progressive validation: the prediction at the logged slot before this example is learned.
    const int n = extractor_.extract(features_of(i), i.ad, index);
    if (config_.refresh_interval == 0) ftrl_.prefetch({index.data(), static_cast<std::size_t>(n)});
    const float logit = ftrl_.partial_logit({index.data(), static_cast<std::size_t>(n)});
    validator_.add(sigmoid(logit + logit_offset_f_), y, segment_of(i));
    // Downsampling draws only for negatives, so the stream's use depends on the labels alone.
    const bool train = y || w >= 1.0 || uniform(rng_) < w;
    if (config_.refresh_interval == 0) {
      if (train) {
        // The same logit as the one validated: the weights have not changed since.
        ftrl_.apply_gradient({index.data(), static_cast<std::size_t>(n)}, sigmoid(static_cast<double>(logit)) - (y ? 1.0 : 0.0));
        ++trained_;
      }
      counters_.add(i.ad, e.released_at, y);
      extractor_.set_counters(i.ad, counters_.view(i.ad, e.released_at));
    } else {
      pending_.push_back(e);
      pending_train_.push_back(train ? 1 : 0);
    }
  }
}

void HashedLogisticLearner::refresh(core::SimTime now) {
  for (std::size_t k = 0; k < pending_.size(); ++k) apply(pending_[k], pending_train_[k] != 0);
  pending_.clear();  // keeps capacity: the buffer reaches its steady size after one interval
  pending_train_.clear();
  sweep(now);
}

}  // namespace adsim::models

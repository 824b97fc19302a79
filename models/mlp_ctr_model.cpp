#include "models/mlp_ctr_model.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>

namespace adsim::models {
namespace {

// Embedding groups, in input order: the user and context side first (their rows come first in the
// table too), then the ad side; the dense inputs follow the last group: the two match indicators
// and two dot-product interactions (DLRM-style) of the user's interests bag with the ad's id and
// category embeddings, computed from the current embeddings.
enum Group : int {
  kRegion,
  kAge,
  kDevice,
  kHour,
  kSurface,
  kQuery,
  kSlot,
  kInterest,  // a bag: the mean of the user's interest categories' rows
  kAd,
  kCampaign,
  kAdvertiser,
  kCategory,
  kGroups
};
constexpr int kUserGroups = kAd;
constexpr int kDense = 4;
constexpr int kDotAd = 2, kDotCategory = 3;  // dense input positions of the dot products
constexpr float kEmbeddingScale = 0.1f;  // initial entries uniform in ±0.1

std::uint32_t bucket(std::uint64_t id, std::uint64_t count, std::uint32_t buckets) {
  if (count <= buckets) return static_cast<std::uint32_t>(id);
  return static_cast<std::uint32_t>(core::RandomStreams::mix(id + 0x9e3779b97f4a7c15ULL) % buckets);
}

std::uint32_t rows_of(std::uint64_t count, std::uint32_t buckets) {
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(1, std::min<std::uint64_t>(count, buckets)));
}

void check(const MlpConfig& c) {
  auto fail = [](const char* what) { throw std::invalid_argument(std::string("mlp: ") + what); };
  if (c.embedding_dim < 1 || c.embedding_dim > 256) fail("embedding_dim must be in [1, 256]");
  if (c.hidden.empty() || c.hidden.size() > 3) fail("needs 1 to 3 hidden layers");
  for (int h : c.hidden)
    if (h < 1 || h > 4096) fail("hidden layers need 1 to 4096 units");
  if (!(c.adam.learning_rate > 0.0f)) fail("learning_rate must be > 0");
  if (c.batch < 1 || c.epochs < 1 || c.window_examples < 1) fail("batch, epochs and window_examples must be >= 1");
  if (c.interval <= 0 || c.train_delay < 0) fail("interval must be > 0 and train_delay >= 0");
  if (c.id_buckets < 1) fail("id_buckets must be >= 1");
  if (!(c.downsample_rate > 0.0) || c.downsample_rate > 1.0) fail("downsample_rate must be in (0, 1]");
  if (c.prior_rate && !(*c.prior_rate > 0.0 && *c.prior_rate < 1.0)) fail("prior_rate must be in (0, 1)");
  if (c.reference_slot < 0 || c.reference_slot >= core::kMaxSlots) fail("reference_slot out of range");
  if (c.max_interests < 0 || c.max_interests > kMaxInterests) fail("max_interests must be in [0, 4]");
}

}  // namespace

MlpCtrModel::MlpCtrModel(const core::World& world, MlpConfig config, core::Rng downsample, core::Rng init,
                         core::Rng shuffle)
    : config_((check(config), std::move(config))),
      downsample_rng_(downsample),
      shuffle_rng_(shuffle),
      n_ads_(static_cast<std::uint32_t>(world.ads.size())),
      user_interests_(world.users.interests),
      regions_(std::max(1, world.num_regions)),
      ages_(std::max(1, world.num_age_bands)),
      devices_(std::max(1, world.num_devices)),
      categories_(std::clamp(world.num_categories, 1, 64)) {
  const std::uint32_t b = config_.id_buckets;
  const std::array<std::uint32_t, kGroups> rows = {
      static_cast<std::uint32_t>(regions_), static_cast<std::uint32_t>(ages_), static_cast<std::uint32_t>(devices_), 24u,
      static_cast<std::uint32_t>(core::kSurfaces), static_cast<std::uint32_t>(categories_ + 1),
      static_cast<std::uint32_t>(core::kMaxSlots), static_cast<std::uint32_t>(categories_), rows_of(n_ads_, b),
      rows_of(world.campaigns.size(), b), rows_of(world.num_advertisers, b), static_cast<std::uint32_t>(categories_)};
  group_offset_.assign(1, 0);
  for (std::uint32_t r : rows) group_offset_.push_back(group_offset_.back() + r);

  ad_rows_.resize(n_ads_);
  ad_category_.resize(n_ads_);
  for (std::uint32_t a = 0; a < n_ads_; ++a) {
    const core::CampaignId c = world.ads.campaign[a];
    const std::uint64_t advertiser = c < world.campaigns.size() ? world.campaigns[c].advertiser : 0;
    const std::uint16_t cat = static_cast<std::uint16_t>(world.ads.category[a] % categories_);
    ad_category_[a] = world.ads.category[a];
    ad_rows_[a] = {group_offset_[kAd] + bucket(a, n_ads_, b), group_offset_[kCampaign] + bucket(c, world.campaigns.size(), b),
                   group_offset_[kAdvertiser] + bucket(advertiser, world.num_advertisers, b),
                   group_offset_[kCategory] + cat};
  }

  const int dim = config_.embedding_dim;
  table_ = EmbeddingTable(dim, group_offset_.back(), kEmbeddingScale, init);
  net_ = DenseMlp(kGroups * dim + kDense, config_.hidden, init);
  x_.resize(net_.inputs(), config_.batch);

  const double w = config_.downsample_rate;
  logit_offset_ = config_.recalibrate ? std::log(w) : 0.0;
  if (config_.prior_rate) prior_offset_ = std::log(*config_.prior_rate / (1.0 - *config_.prior_rate)) - std::log(w);
  serving_offset_ = static_cast<float>(prior_offset_ + logit_offset_);
  prior_value_ = static_cast<float>(1.0 / (1.0 + std::exp(-(prior_offset_ + logit_offset_))));
  act_.resize(config_.hidden.size() + 1);
  user_.resize(config_.hidden.front());
  bag_.resize(dim);
}

void MlpCtrModel::user_rows(std::uint8_t region, std::uint8_t age, std::uint8_t device, std::uint8_t hour,
                            core::Surface surface, std::uint16_t query, int slot, std::uint64_t interests,
                            MlpExample& x) const {
  const auto& o = group_offset_;
  x.row[kRegion] = o[kRegion] + region % static_cast<unsigned>(regions_);
  x.row[kAge] = o[kAge] + age % static_cast<unsigned>(ages_);
  x.row[kDevice] = o[kDevice] + device % static_cast<unsigned>(devices_);
  x.row[kHour] = o[kHour] + hour % 24u;
  x.row[kSurface] = o[kSurface] + static_cast<std::uint32_t>(core::surface_index(surface) % core::kSurfaces);
  x.row[kQuery] = o[kQuery] + (query == core::kNoQueryCategory ? static_cast<std::uint32_t>(categories_)
                                                                : query % static_cast<unsigned>(categories_));
  // kNaive: one slot row for every example, i.e. no position feature.
  const int s = config_.position == PositionMode::kFeature ? slot % core::kMaxSlots : 0;
  x.row[kSlot] = o[kSlot] + static_cast<std::uint32_t>(s);
  x.interests = 0;
  for (std::uint64_t bits = interests; bits != 0 && x.interests < config_.max_interests; bits &= bits - 1)
    x.interest[x.interests++] = o[kInterest] + static_cast<std::uint32_t>(std::countr_zero(bits) % categories_);
}

void MlpCtrModel::dense_of(core::AdId ad, std::uint64_t interests, bool search, std::uint16_t query, MlpExample& x) const {
  const std::uint16_t cat = ad_category_[ad];
  x.match = cat < 64 && ((interests >> cat) & 1u) != 0 ? 1.0f : 0.0f;
  x.query_match = search && cat == query ? 1.0f : 0.0f;
  for (int g = kAd; g < kGroups; ++g) x.row[static_cast<std::size_t>(g)] = ad_rows_[ad][static_cast<std::size_t>(g - kAd)];
}

MlpExample MlpCtrModel::encode(const core::LoggedImpression& i, int slot) const {
  const std::uint64_t interests = i.user < user_interests_.size() ? user_interests_[i.user] : 0;
  MlpExample x;
  user_rows(i.region, i.age_band, i.device, i.hour, i.surface, i.query_category, slot, interests, x);
  dense_of(i.ad, interests, i.surface == core::Surface::kSearch, i.query_category, x);
  return x;
}

void MlpCtrModel::gather(const MlpExample& x, Eigen::Ref<Eigen::VectorXf> out) const {
  const int dim = config_.embedding_dim;
  for (int g = 0; g < kGroups; ++g) {
    auto part = out.segment(g * dim, dim);
    if (g != kInterest) {
      part = table_.row(x.row[static_cast<std::size_t>(g)]);
    } else {
      part.setZero();
      for (int j = 0; j < x.interests; ++j) part += table_.row(x.interest[static_cast<std::size_t>(j)]);
      if (x.interests > 1) part /= static_cast<float>(x.interests);
    }
  }
  const int d = kGroups * dim;
  out(d) = x.match;
  out(d + 1) = x.query_match;
  out(d + kDotAd) = out.segment(kInterest * dim, dim).dot(out.segment(kAd * dim, dim));
  out(d + kDotCategory) = out.segment(kInterest * dim, dim).dot(out.segment(kCategory * dim, dim));
}

void MlpCtrModel::scatter(const MlpExample& x, Eigen::Index col) {
  const int dim = config_.embedding_dim;
  // The dot products pass their gradient to both factors, read from the gathered input (the
  // embeddings have not moved since the forward pass).
  const float g_ad = dx_(kGroups * dim + kDotAd, col), g_cat = dx_(kGroups * dim + kDotCategory, col);
  auto input = [&](int g) { return x_.block(g * dim, col, dim, 1); };
  for (int g = 0; g < kGroups; ++g) {
    auto part = dx_.block(g * dim, col, dim, 1);
    if (g == kInterest) part += g_ad * input(kAd) + g_cat * input(kCategory);
    else if (g == kAd) part += g_ad * input(kInterest);
    else if (g == kCategory) part += g_cat * input(kInterest);
    if (g != kInterest) {
      table_.accumulate(x.row[static_cast<std::size_t>(g)], part);
    } else if (x.interests > 0) {
      const float share = 1.0f / static_cast<float>(x.interests);
      for (int j = 0; j < x.interests; ++j) table_.accumulate(x.interest[static_cast<std::size_t>(j)], share * part);
    }
  }
}

void MlpCtrModel::learn(std::span<const core::LabeledExample> examples) {
  for (const core::LabeledExample& e : examples)  // before anything changes: a bad batch is refused whole
    if (e.impression.ad >= n_ads_) throw std::out_of_range("mlp: ad id outside the catalog");
  const double w = config_.downsample_rate;
  boost::random::uniform_01<double> uniform;
  for (const core::LabeledExample& e : examples) {
    ++seen_;
    // Downsampling draws only for negatives, so the stream's use depends on the labels alone.
    if (!(e.clicked || w >= 1.0 || uniform(downsample_rng_) < w)) continue;
    MlpExample x = encode(e.impression, e.impression.slot);
    x.label = e.clicked ? 1 : 0;
    if (window_.size() < config_.window_examples) {
      window_.push_back(x);
    } else {
      window_[window_head_] = x;
      window_head_ = (window_head_ + 1) % window_.size();
    }
    window_size_ = window_.size();
    newest_ = std::max(newest_, e.released_at);
    ++kept_since_train_;
  }
}

void MlpCtrModel::refresh(core::SimTime now) {
  if (has_pending_ && now >= pending_at_) activate();
  if (has_pending_ || kept_since_train_ == 0) return;  // one training at a time; nothing new to learn
  train(now);
  if (now >= pending_at_) activate();  // no delay
}

double MlpCtrModel::train_batch(std::span<const std::uint32_t> batch) {
  const auto b = static_cast<Eigen::Index>(batch.size());
  for (Eigen::Index k = 0; k < b; ++k) gather(window_[batch[static_cast<std::size_t>(k)]], x_.col(k));
  const auto x = x_.leftCols(b);
  net_.forward(x, logit_);
  dlogit_.resize(b);
  double loss = 0.0;
  const float offset = static_cast<float>(prior_offset_);
  for (Eigen::Index k = 0; k < b; ++k) {
    const float p = 1.0f / (1.0f + std::exp(-(logit_(k) + offset)));
    const bool y = window_[batch[static_cast<std::size_t>(k)]].label != 0;
    loss -= std::log(std::clamp(static_cast<double>(y ? p : 1.0f - p), 1e-12, 1.0));
    dlogit_(k) = (p - (y ? 1.0f : 0.0f)) / static_cast<float>(b);
  }
  net_.backward(x, dlogit_, dx_);
  for (Eigen::Index k = 0; k < b; ++k) scatter(window_[batch[static_cast<std::size_t>(k)]], k);
  net_.adam_step(config_.adam);
  table_.adam_step(config_.adam, net_.steps());
  return loss;
}

void MlpCtrModel::train(core::SimTime now) {
  const auto start = std::chrono::steady_clock::now();
  order_.resize(window_size_);
  std::iota(order_.begin(), order_.end(), 0u);
  const auto batch = static_cast<std::size_t>(config_.batch);
  double loss = 0.0;
  for (int epoch = 0; epoch < config_.epochs; ++epoch) {
    // Fisher-Yates with Boost's distribution: the same order on every platform.
    for (std::size_t i = order_.size(); i > 1; --i) {
      boost::random::uniform_int_distribution<std::size_t> pick(0, i - 1);
      std::swap(order_[i - 1], order_[pick(shuffle_rng_)]);
    }
    loss = 0.0;
    for (std::size_t at = 0; at < order_.size(); at += batch)
      loss += train_batch({order_.data() + at, std::min(batch, order_.size() - at)});
  }
  last_train_loss_ = loss / static_cast<double>(std::max<std::size_t>(1, order_.size()));
  snapshot(pending_);
  pending_.newest_example = newest_;
  pending_.examples = window_size_;
  has_pending_ = true;
  pending_at_ = now + config_.train_delay;
  kept_since_train_ = 0;
  train_wall_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void MlpCtrModel::snapshot(Snapshot& s) const {
  const int dim = config_.embedding_dim;
  const Eigen::MatrixXf& w1 = net_.weight(0);
  const Eigen::Index h1 = w1.rows();
  const std::uint32_t user_rows_total = group_offset_[kAd];
  s.user_proj.resize(h1, user_rows_total);
  for (int g = 0; g < kUserGroups; ++g) {
    const auto block = w1.middleCols(g * dim, dim);
    for (std::uint32_t r = group_offset_[static_cast<std::size_t>(g)]; r < group_offset_[static_cast<std::size_t>(g) + 1]; ++r)
      s.user_proj.col(r).noalias() = block * table_.row(r);
  }
  s.ad_proj.resize(h1, n_ads_);
  for (std::uint32_t a = 0; a < n_ads_; ++a) {
    auto col = s.ad_proj.col(a);
    col = net_.bias(0);
    for (int g = kAd; g < kGroups; ++g)
      col.noalias() += w1.middleCols(g * dim, dim) * table_.row(ad_rows_[a][static_cast<std::size_t>(g - kAd)]);
  }
  s.dense = w1.rightCols(kDense);
  const auto& e = table_.table();
  s.interest_emb = e.middleCols(group_offset_[kInterest], categories_);
  s.category_emb = e.middleCols(group_offset_[kCategory], categories_);
  s.ad_emb.resize(dim, n_ads_);
  for (std::uint32_t a = 0; a < n_ads_; ++a) s.ad_emb.col(a) = table_.row(ad_rows_[a][0]);
  s.weight.resize(static_cast<std::size_t>(net_.layers() - 1));
  s.bias.resize(s.weight.size());
  for (int l = 1; l < net_.layers(); ++l) {
    s.weight[static_cast<std::size_t>(l - 1)] = net_.weight(l);
    s.bias[static_cast<std::size_t>(l - 1)] = net_.bias(l);
  }
}

void MlpCtrModel::activate() {
  std::swap(serving_, pending_);
  serving_.trained = true;
  has_pending_ = false;
  ++retrains_;
}

void MlpCtrModel::ensure_capacity(std::size_t n) {
  if (n <= capacity_) return;
  capacity_ = std::max(n, 2 * capacity_);
  const auto cols = static_cast<Eigen::Index>(capacity_);
  for (std::size_t l = 0; l < act_.size(); ++l)
    act_[l].resize(l < config_.hidden.size() ? config_.hidden[l] : 1, cols);
}

void MlpCtrModel::user_part(const core::RequestContext& request) {
  const Snapshot& s = serving_;
  MlpExample u;
  user_rows(request.region, request.age_band, request.device, request.hour, request.surface, request.query_category,
            config_.reference_slot, request.interests, u);
  user_.setZero();
  for (int g = 0; g < kInterest; ++g) user_ += s.user_proj.col(u.row[static_cast<std::size_t>(g)]);
  bag_.setZero();
  if (u.interests == 0) return;
  const float share = 1.0f / static_cast<float>(u.interests);
  for (int j = 0; j < u.interests; ++j) {
    const std::uint32_t row = u.interest[static_cast<std::size_t>(j)];
    user_ += share * s.user_proj.col(row);
    bag_ += s.interest_emb.col(row - group_offset_[kInterest]);
  }
  if (u.interests > 1) bag_ /= static_cast<float>(u.interests);
}

void MlpCtrModel::predict(const core::RequestContext& request, std::span<const core::AdId> ads, std::span<float> pctr) {
  if (ads.size() != pctr.size()) throw std::invalid_argument("mlp: ads and output differ in size");
  for (const core::AdId ad : ads)
    if (ad >= n_ads_) throw std::out_of_range("mlp: ad id outside the catalog");
  if (has_pending_ && request.time >= pending_at_) activate();
  if (!serving_.trained) {
    std::fill(pctr.begin(), pctr.end(), prior_value_);
    prior_predictions_ += pctr.size();
    return;
  }
  const std::size_t n = ads.size();
  ensure_capacity(n);
  const Snapshot& s = serving_;
  user_part(request);
  const bool search = request.is_search();
  Eigen::MatrixXf& h = act_[0];
  for (std::size_t k = 0; k < n; ++k) {
    const core::AdId a = ads[k];
    const std::uint16_t cat = ad_category_[a];
    auto col = h.col(static_cast<Eigen::Index>(k));
    col = user_ + s.ad_proj.col(a) + bag_.dot(s.ad_emb.col(a)) * s.dense.col(kDotAd) +
          bag_.dot(s.category_emb.col(cat % categories_)) * s.dense.col(kDotCategory);
    if (cat < 64 && ((request.interests >> cat) & 1u) != 0) col += s.dense.col(0);
    if (search && cat == request.query_category) col += s.dense.col(1);
    col = col.cwiseMax(0.0f);
  }
  const auto cols = static_cast<Eigen::Index>(n);
  for (std::size_t l = 0; l < s.weight.size(); ++l) {
    auto out = act_[l + 1].leftCols(cols);
    out.noalias() = s.weight[l] * act_[l].leftCols(cols);
    out.colwise() += s.bias[l];
    if (l + 1 < s.weight.size()) out = out.cwiseMax(0.0f);
  }
  const auto& z = act_.back();
  for (std::size_t k = 0; k < n; ++k) pctr[k] = z(0, static_cast<Eigen::Index>(k));
  Eigen::Map<Eigen::ArrayXf> p(pctr.data(), cols);
  p = (p + serving_offset_).logistic();
  staleness_sum_ += core::to_seconds(request.time - s.newest_example) * static_cast<double>(n);
  trained_predictions_ += n;
}

float MlpCtrModel::predict_logged(const core::LoggedImpression& impression) const {
  if (net_.steps() == 0) return prior_value_;
  Eigen::VectorXf x(net_.inputs());
  gather(encode(impression, impression.slot), x);
  return 1.0f / (1.0f + std::exp(-(net_.logit(x) + serving_offset_)));
}

core::ModelTrainingStats MlpCtrModel::training_stats() const {
  core::ModelTrainingStats s;
  s.retrains = retrains_;
  s.last_window_examples = serving_.trained ? serving_.examples : 0;
  s.train_wall_seconds = train_wall_seconds_;
  s.mean_staleness_seconds = trained_predictions_ > 0 ? staleness_sum_ / static_cast<double>(trained_predictions_) : 0.0;
  return s;
}

std::uint64_t MlpCtrModel::estimated_bytes(const MlpConfig& c, std::uint64_t ads, std::uint64_t campaigns,
                                           std::uint64_t advertisers, int regions, int categories) {
  const std::uint64_t dim = static_cast<std::uint64_t>(std::max(1, c.embedding_dim));
  const std::uint64_t h1 = c.hidden.empty() ? 0 : static_cast<std::uint64_t>(std::max(0, c.hidden.front()));
  const std::uint64_t rows = rows_of(ads, c.id_buckets) + rows_of(campaigns, c.id_buckets) +
                             rows_of(advertisers, c.id_buckets) + static_cast<std::uint64_t>(regions + 3 * categories + 64);
  const std::uint64_t table = rows * dim * 4 * sizeof(float);  // entries, gradients, two moments
  const std::uint64_t window = c.window_examples * sizeof(MlpExample);
  const std::uint64_t serving = 2 * (ads * (h1 + dim) * sizeof(float) + ads * 12);  // two snapshots' ad tables, ad rows
  std::uint64_t dense = 0, fan_in = kGroups * dim + kDense;
  for (int h : c.hidden) {
    dense += 6 * fan_in * static_cast<std::uint64_t>(std::max(0, h)) * sizeof(float);  // weights, grads, moments, 2 copies
    fan_in = static_cast<std::uint64_t>(std::max(0, h));
  }
  return table + window + serving + dense + 4 * window / sizeof(MlpExample);  // + the shuffle order
}

}  // namespace adsim::models

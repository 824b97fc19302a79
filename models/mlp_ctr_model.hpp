#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "core/ctr_model.hpp"
#include "core/random_streams.hpp"
#include "core/world.hpp"
#include "models/features.hpp"
#include "models/mlp_network.hpp"
#include "models/serving_cost.hpp"

namespace adsim::models {

struct MlpConfig {
  int embedding_dim = 8;
  std::vector<int> hidden = {32, 16};  // ReLU layers, 1 to 3
  AdamParams adam;  // step 0.0003 (tuned on the reference marketplace: docs/learning.md)
  int batch = 256;
  int epochs = 1;                      // passes over the window per retrain
  std::size_t window_examples = 200'000;  // most recent kept (downsampled) examples trained on
  core::SimTime interval = 30 * core::kMinute;     // a retrain starts every interval
  core::SimTime train_delay = 5 * core::kMinute;   // simulated time from a retrain's start to serving
  std::uint32_t id_buckets = 4096;  // embedding rows of each of ad, campaign, advertiser (hashed beyond)
  double downsample_rate = 1.0;     // w: share of negatives kept, as for the logistic model
  bool recalibrate = true;          // serve logit + ln w
  std::optional<double> prior_rate;  // served before the first model; also the logit offset (below)
  PositionMode position = PositionMode::kFeature;
  int reference_slot = 0;
  int max_interests = 3;  // user interest categories in the interests bag (lowest ids first)
};

// One kept example as the network reads it: a table row per embedding group (the interests group
// is a bag of up to kMaxInterests rows, mean-pooled), two dense inputs and the label.
struct MlpExample {
  std::array<std::uint32_t, 12> row{};  // indexed by the model's groups; the interests entry unused
  std::array<std::uint32_t, kMaxInterests> interest{};
  std::uint8_t interests = 0;
  std::uint8_t label = 0;
  float match = 0.0f;        // the ad's category is among the user's interests
  float query_match = 0.0f;  // search: the ad's category is the query's
};

// The neural ranker (model.ctr_model = "mlp"): embeddings of the categorical features, concatenated
// with two match indicators and the dot products of the user's interests bag with the ad's id and
// category embeddings, through a small ReLU MLP to one logit (docs/learning.md, "The
// neural ranker"). Retrained every `interval` of simulated time by minibatch Adam over a window of
// the most recent kept examples, warm-started from the previous weights; the new weights serve
// `train_delay` of simulated time after the retrain started (measured wall time is only reported).
//
// Serving: the first layer is linear in one-hot rows, so its part from each user-side row and from
// each ad is precomputed when a model is trained (W1 · embedding): per request the user's part is a
// sum of a few columns, per candidate one column add, two 8-float dot products and a ReLU, then one
// matrix product per further layer over all the request's candidates, into buffers that only grow.
class MlpCtrModel final : public core::CtrModel {
 public:
  // Streams: `downsample` only for downsampling draws, `init` for the initial weights, `shuffle` for
  // the minibatch order.
  MlpCtrModel(const core::World& world, MlpConfig config, core::Rng downsample, core::Rng init, core::Rng shuffle);

  std::string_view name() const override { return "mlp"; }
  void predict(const core::RequestContext& request, std::span<const core::AdId> ads, std::span<float> pctr) override;
  void learn(std::span<const core::LabeledExample> examples) override;
  core::SimTime refresh_interval() const override { return config_.interval; }
  // Puts a trained model into service when its delay has passed, then starts a retrain if none is
  // pending and examples arrived since the last one.
  void refresh(core::SimTime now) override;
  std::uint64_t prior_predictions() const override { return prior_predictions_; }
  core::ModelTrainingStats training_stats() const override;
  // The measured default network's cost scaled by multiply-adds per candidate (serving_madds).
  double serving_ns_per_candidate() const override {
    return serving_cost::kMlpNs * static_cast<double>(serving_madds(config_)) / serving_cost::kMlpMadds;
  }
  // Per candidate at serving: the first layer's precomputed column add, the two dot products of the
  // interests bag, then every further layer's product and the output.
  static std::size_t serving_madds(const MlpConfig& c) {
    std::size_t n = static_cast<std::size_t>(c.hidden.front()) + 2 * static_cast<std::size_t>(c.embedding_dim);
    for (std::size_t i = 0; i + 1 < c.hidden.size(); ++i)
      n += static_cast<std::size_t>(c.hidden[i]) * static_cast<std::size_t>(c.hidden[i + 1]);
    return n + static_cast<std::size_t>(c.hidden.back());
  }

  const MlpConfig& config() const { return config_; }
  // The probability for one impression's context at its logged slot through the full network (the
  // training path), with the latest trained weights (the serving model's unless a newer one waits
  // out its delay); the prior before any training. At the reference slot: what predict() serves,
  // by another route.
  float predict_logged(const core::LoggedImpression& impression) const;
  bool serving_trained() const { return serving_.trained; }
  std::size_t window_size() const { return window_size_; }
  std::uint64_t examples_seen() const { return seen_; }
  // Mean log loss of the last retrain's last epoch on the (downsampled) window: a training diagnostic.
  double last_train_loss() const { return last_train_loss_; }
  double prior_offset() const { return prior_offset_; }

  // Bytes the model holds for a world of `ads` ads (window, tables and their Adam moments, serving
  // projections); scenarios/memory_estimate.cpp reports it.
  static std::uint64_t estimated_bytes(const MlpConfig& config, std::uint64_t ads, std::uint64_t campaigns,
                                       std::uint64_t advertisers, int regions, int categories);

 private:
  struct Snapshot {
    bool trained = false;
    Eigen::MatrixXf user_proj;  // H1 x user-side rows: W1 block of the row's group x its embedding
    Eigen::MatrixXf ad_proj;    // H1 x ads: b1 + the ad-side groups' part
    Eigen::MatrixXf dense;      // H1 x 4: the dense inputs' columns of W1
    // The embeddings the dot-product inputs read: interest and category rows, each ad's id row.
    Eigen::MatrixXf interest_emb, category_emb, ad_emb;
    std::vector<Eigen::MatrixXf> weight;  // layers after the first
    std::vector<Eigen::VectorXf> bias;
    core::SimTime newest_example = 0;
    std::uint64_t examples = 0;
  };

  MlpExample encode(const core::LoggedImpression& i, int slot) const;
  void user_rows(std::uint8_t region, std::uint8_t age, std::uint8_t device, std::uint8_t hour, core::Surface surface,
                 std::uint16_t query, int slot, std::uint64_t interests, MlpExample& x) const;
  void dense_of(core::AdId ad, std::uint64_t interests, bool search, std::uint16_t query, MlpExample& x) const;
  void gather(const MlpExample& x, Eigen::Ref<Eigen::VectorXf> out) const;
  void scatter(const MlpExample& x, Eigen::Index col);
  void train(core::SimTime now);
  double train_batch(std::span<const std::uint32_t> batch);
  void snapshot(Snapshot& s) const;
  void activate();
  void ensure_capacity(std::size_t n);
  // The request's first-layer part (user_: its user-side rows through W1) and its interests bag.
  void user_part(const core::RequestContext& request);

  MlpConfig config_;
  core::Rng downsample_rng_, shuffle_rng_;
  std::uint32_t n_ads_ = 0;
  std::vector<std::uint32_t> group_offset_;  // first table row of each group; back(): total rows
  std::vector<std::array<std::uint32_t, 4>> ad_rows_;  // per ad: ad, campaign, advertiser, category rows
  std::vector<std::uint16_t> ad_category_;
  std::span<const std::uint64_t> user_interests_;
  int regions_ = 1, ages_ = 1, devices_ = 1, categories_ = 1;

  EmbeddingTable table_;
  DenseMlp net_;
  double logit_offset_ = 0.0, prior_offset_ = 0.0;
  float serving_offset_ = 0.0f, prior_value_ = 0.5f;

  std::vector<MlpExample> window_;  // ring buffer of the kept examples
  std::size_t window_head_ = 0, window_size_ = 0;
  core::SimTime newest_ = 0;
  std::uint64_t seen_ = 0, kept_since_train_ = 0;

  Eigen::MatrixXf x_, dx_;  // inputs x batch
  DenseMlp::Row logit_, dlogit_;
  std::vector<std::uint32_t> order_;
  double last_train_loss_ = 0.0;

  Snapshot serving_, pending_;
  bool has_pending_ = false;
  core::SimTime pending_at_ = 0;

  // Serving buffers, grown to the largest request seen.
  Eigen::VectorXf user_, bag_;
  std::vector<Eigen::MatrixXf> act_;
  std::size_t capacity_ = 0;

  std::uint64_t prior_predictions_ = 0;
  std::uint64_t retrains_ = 0;
  double train_wall_seconds_ = 0.0;
  double staleness_sum_ = 0.0;  // simulated seconds x predictions
  std::uint64_t trained_predictions_ = 0;
};

}  // namespace adsim::models

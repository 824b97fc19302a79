#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "models/gbdt_forest.hpp"

namespace adsim::models {

// Hyper-parameters of the boosted trees (XGBoost's gbtree with the hist method).
struct GbdtParams {
  int trees = 6;                  // boosting rounds, one tree each
  int depth = 4;                  // max_depth
  double learning_rate = 0.3;     // eta
  double min_child_weight = 5.0;  // minimum hessian sum of a leaf
  int max_bin = 64;               // hist: split candidates per feature
  std::uint64_t seed = 0;
};

// A booster trained through XGBoost's C API on dense rows (row-major, NaN = missing) with binary
// logistic loss, on one thread and a fixed seed: the same rows give the same trees, bit for bit.
// Throws std::runtime_error with XGBoost's message if XGBoost fails.
class GbdtBooster {
 public:
  // `base_margin` (empty, or one logit per row): boost from these logits instead of the labels'
  // mean, so the trees fit what they leave unexplained.
  static GbdtBooster train(std::span<const float> rows, std::span<const float> labels, int features,
                           const GbdtParams& params, std::span<const float> base_margin = {});
  GbdtBooster(GbdtBooster&&) noexcept;
  GbdtBooster& operator=(GbdtBooster&&) noexcept;
  ~GbdtBooster();

  // The JSON model (XGBoosterSaveModelToBuffer) and the flat forest exported from it.
  std::string json() const;
  FlatForest forest() const { return FlatForest::from_xgboost_json(json(), params_.depth, features_); }
  // XGBoost's own leaf prediction (pred_leaf): rows × trees node ids. For tests of the export.
  std::vector<std::int32_t> predict_leaf(std::span<const float> rows) const;

 private:
  GbdtBooster(void* handle, int features, GbdtParams params) : handle_(handle), features_(features), params_(params) {}
  void* handle_ = nullptr;  // BoosterHandle
  int features_ = 0;
  GbdtParams params_;
};

}  // namespace adsim::models

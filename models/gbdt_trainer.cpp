#include "models/gbdt_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include <xgboost/c_api.h>

namespace adsim::models {
namespace {

void check(int status, const char* what) {
  if (status != 0) throw std::runtime_error(std::string("gbdt: XGBoost ") + what + " failed: " + XGBGetLastError());
}

// A DMatrix over dense rows, freed on scope exit.
struct Matrix {
  DMatrixHandle handle = nullptr;
  Matrix(std::span<const float> rows, int features) {
    const auto n = static_cast<bst_ulong>(rows.size() / static_cast<std::size_t>(features));
    check(XGDMatrixCreateFromMat(rows.data(), n, static_cast<bst_ulong>(features), std::numeric_limits<float>::quiet_NaN(),
                                 &handle),
          "XGDMatrixCreateFromMat");
  }
  ~Matrix() { XGDMatrixFree(handle); }
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
};

void set(BoosterHandle b, const char* key, const std::string& value) {
  check(XGBoosterSetParam(b, key, value.c_str()), "XGBoosterSetParam");
}

}  // namespace

GbdtBooster GbdtBooster::train(std::span<const float> rows, std::span<const float> labels, int features,
                               const GbdtParams& p, std::span<const float> base_margin) {
  if (features < 1 || rows.size() != labels.size() * static_cast<std::size_t>(features) || labels.empty())
    throw std::invalid_argument("gbdt: need at least one row and one label per row of `features` columns");
  if (p.trees < 1 || p.depth < 1 || p.depth > 12 || !(p.learning_rate > 0.0) || p.min_child_weight < 0.0 || p.max_bin < 2)
    throw std::invalid_argument("gbdt: need trees >= 1, depth in [1, 12], learning_rate > 0, min_child_weight >= 0, max_bin >= 2");
  Matrix data(rows, features);
  check(XGDMatrixSetFloatInfo(data.handle, "label", labels.data(), static_cast<bst_ulong>(labels.size())),
        "XGDMatrixSetFloatInfo");
  if (!base_margin.empty()) {
    if (base_margin.size() != labels.size()) throw std::invalid_argument("gbdt: one base margin per row");
    check(XGDMatrixSetFloatInfo(data.handle, "base_margin", base_margin.data(), static_cast<bst_ulong>(base_margin.size())),
          "XGDMatrixSetFloatInfo");
  }
  BoosterHandle b = nullptr;
  check(XGBoosterCreate(&data.handle, 1, &b), "XGBoosterCreate");
  GbdtBooster booster(b, features, p);
  set(b, "objective", "binary:logistic");
  set(b, "tree_method", "hist");
  set(b, "nthread", "1");  // one thread: deterministic, and the simulation's thread stays the only one
  set(b, "seed", std::to_string(p.seed % 2147483647u));
  set(b, "max_depth", std::to_string(p.depth));
  set(b, "eta", std::to_string(p.learning_rate));
  set(b, "min_child_weight", std::to_string(p.min_child_weight));
  set(b, "max_bin", std::to_string(p.max_bin));
  set(b, "verbosity", "0");
  // Boost from the window's click rate, not XGBoost 1.7's default 0.5: otherwise the first trees of
  // a ~2 % CTR window spend themselves moving the intercept instead of splitting.
  double mean = 0.0;
  for (const float y : labels) mean += static_cast<double>(y);
  mean = std::clamp(mean / static_cast<double>(labels.size()), 1e-4, 1.0 - 1e-4);
  set(b, "base_score", std::to_string(mean));
  for (int i = 0; i < p.trees; ++i) check(XGBoosterUpdateOneIter(b, i, data.handle), "XGBoosterUpdateOneIter");
  return booster;
}

GbdtBooster::GbdtBooster(GbdtBooster&& o) noexcept
    : handle_(std::exchange(o.handle_, nullptr)), features_(o.features_), params_(o.params_) {}

GbdtBooster& GbdtBooster::operator=(GbdtBooster&& o) noexcept {
  if (this != &o) {
    if (handle_ != nullptr) XGBoosterFree(handle_);
    handle_ = std::exchange(o.handle_, nullptr);
    features_ = o.features_;
    params_ = o.params_;
  }
  return *this;
}

GbdtBooster::~GbdtBooster() {
  if (handle_ != nullptr) XGBoosterFree(handle_);
}

std::string GbdtBooster::json() const {
  bst_ulong len = 0;
  const char* buf = nullptr;
  check(XGBoosterSaveModelToBuffer(handle_, R"({"format": "json"})", &len, &buf), "XGBoosterSaveModelToBuffer");
  return {buf, static_cast<std::size_t>(len)};
}

std::vector<std::int32_t> GbdtBooster::predict_leaf(std::span<const float> rows) const {
  Matrix data(rows, features_);
  bst_ulong len = 0;
  const float* out = nullptr;
  constexpr int kPredLeaf = 2;  // XGBoosterPredict's option_mask bit for leaf indices
  check(XGBoosterPredict(handle_, data.handle, kPredLeaf, 0, 0, &len, &out), "XGBoosterPredict");
  std::vector<std::int32_t> leaves(static_cast<std::size_t>(len));
  for (std::size_t i = 0; i < leaves.size(); ++i) leaves[i] = static_cast<std::int32_t>(std::lround(out[i]));
  return leaves;
}

}  // namespace adsim::models

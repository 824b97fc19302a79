#include "models/gbdt_forest.hpp"

#include <limits>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace adsim::models {
namespace {

using Json = nlohmann::json;

// One XGBoost tree's arrays (the JSON model's "trees" entries).
struct XgbTree {
  std::vector<int> left, right, feature;
  std::vector<float> condition;
  std::vector<int> default_left;

  explicit XgbTree(const Json& t)
      : left(t.at("left_children").get<std::vector<int>>()),
        right(t.at("right_children").get<std::vector<int>>()),
        feature(t.at("split_indices").get<std::vector<int>>()),
        condition(t.at("split_conditions").get<std::vector<float>>()) {
    for (const Json& d : t.at("default_left")) default_left.push_back(d.get<int>());
    const std::size_t n = left.size();
    if (n == 0 || right.size() != n || feature.size() != n || condition.size() != n || default_left.size() != n)
      throw std::invalid_argument("gbdt: malformed XGBoost tree (arrays of different lengths)");
    if (t.contains("categories") && !t.at("categories").empty())
      throw std::invalid_argument("gbdt: categorical splits are not supported");
  }
  bool is_leaf(int node) const { return left.at(static_cast<std::size_t>(node)) < 0; }
};

}  // namespace

FlatForest FlatForest::from_xgboost_json(std::string_view json, int depth, int features) {
  if (depth < 1 || depth > 12) throw std::invalid_argument("gbdt: depth must be in [1, 12]");
  if (features < 1 || features > 65535) throw std::invalid_argument("gbdt: features must be in [1, 65535]");
  const Json model = Json::parse(json.begin(), json.end());
  const Json& trees = model.at("learner").at("gradient_booster").at("model").at("trees");
  FlatForest f;
  f.depth_ = depth;
  f.features_ = features;
  f.splits_ = (1 << depth) - 1;
  for (const Json& t : trees) f.add_tree(&t);
  return f;
}

void FlatForest::add_tree(const void* tree_json) {
  const XgbTree tree(*static_cast<const Json*>(tree_json));
  const std::size_t split_base = nodes_.size();
  const std::size_t leaf_base = leaf_id_.size();
  nodes_.resize(split_base + static_cast<std::size_t>(splits_));
  leaf_id_.resize(leaf_base + (std::size_t{1} << depth_), -1);
  // Fills heap position `pos` (at `level`) from XGBoost node `node`; a leaf above the last level
  // is padded with always-left splits (threshold +inf: no finite x is ≥ it; NaN goes left by
  // default), its id copied to every position below it.
  auto fill = [&](auto&& self, int node, std::size_t pos, int level) -> void {
    if (node < 0 || static_cast<std::size_t>(node) >= tree.left.size())
      throw std::invalid_argument("gbdt: malformed XGBoost tree (child out of range)");
    if (level == depth_) {
      if (!tree.is_leaf(node)) throw std::invalid_argument("gbdt: tree deeper than the configured depth");
      leaf_id_[leaf_base + pos - static_cast<std::size_t>(splits_)] = node;
      return;
    }
    Node& n = nodes_[split_base + pos];
    const auto u = static_cast<std::size_t>(node);
    if (tree.is_leaf(node)) {
      n = {std::numeric_limits<float>::infinity(), 0, 0};
      self(self, node, 2 * pos + 1, level + 1);
      self(self, node, 2 * pos + 2, level + 1);
      return;
    }
    if (tree.feature[u] < 0 || tree.feature[u] >= features_)
      throw std::invalid_argument("gbdt: split on column " + std::to_string(tree.feature[u]) + " outside the rows");
    n = {tree.condition[u], static_cast<std::uint16_t>(tree.feature[u]), static_cast<std::uint16_t>(tree.default_left[u] ? 0 : 1)};
    self(self, tree.left[u], 2 * pos + 1, level + 1);
    self(self, tree.right[u], 2 * pos + 2, level + 1);
  };
  fill(fill, 0, 0, 0);
  ++trees_;
}

void FlatForest::leaves(const float* row, std::span<std::int32_t> out) const {
  if (out.size() != static_cast<std::size_t>(trees_)) throw std::invalid_argument("gbdt: one leaf per tree");
  for (int t = 0; t < trees_; ++t) out[static_cast<std::size_t>(t)] = leaf_id(t, leaf_position(t, row));
}

}  // namespace adsim::models

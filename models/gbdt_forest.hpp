#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace adsim::models {

// Boosted trees exported from XGBoost into flat arrays that the serving path walks itself: one call
// into XGBoost per candidate costs microseconds, a walk down these arrays a few nanoseconds a level.
//
// Every tree is stored as a complete binary tree of the forest's depth d in heap order (node i has
// children 2i+1 and 2i+2): 2^d − 1 split nodes, then 2^d leaf positions. A leaf XGBoost grew above
// depth d is padded with splits that always go left, and every position under it names that leaf,
// so every walk takes exactly d steps with no branch on the tree's shape. Each position keeps the
// XGBoost node id of its leaf: what XGBoost's own pred_leaf prediction returns.
//
// A split goes right when x ≥ threshold and left when x < threshold, as XGBoost's `x < cond ?
// left : right` (in float, as XGBoost compares); a missing value (NaN) goes the node's default
// direction, which XGBoost learnt from where the missing values of the training data went.
class FlatForest {
 public:
  FlatForest() = default;
  // XGBoost's JSON model (XGBoosterSaveModelToBuffer with {"format": "json"}) of a gbtree booster
  // grown with max_depth ≤ `depth` on `features` columns; throws std::invalid_argument on anything
  // else (deeper trees, a split on a column ≥ features, categorical splits).
  static FlatForest from_xgboost_json(std::string_view json, int depth, int features);

  int trees() const { return trees_; }
  int depth() const { return depth_; }
  int features() const { return features_; }
  bool empty() const { return trees_ == 0; }
  // Ids a leaf can have in a tree: XGBoost numbers a tree of depth ≤ d's nodes below 2^(d+1) − 1.
  std::uint32_t ids_per_tree() const { return (std::uint32_t{2} << depth_) - 1; }

  struct Node {
    float threshold = 0.0f;
    std::uint16_t feature = 0;
    std::uint16_t default_right = 0;
  };
  // Tree t's split nodes, in heap order, and one step down from node i for `row`.
  const Node* tree(int t) const { return &nodes_[static_cast<std::size_t>(t) * static_cast<std::size_t>(splits_)]; }
  int splits() const { return splits_; }
  static std::uint32_t step(const Node* tree, std::uint32_t i, const float* row) {
    const Node& n = tree[i];
    const float x = row[n.feature];
    // x != x: NaN. Both comparisons are false for NaN, so it goes right only by default.
    const std::uint32_t right = static_cast<std::uint32_t>(x >= n.threshold) | (n.default_right & static_cast<std::uint32_t>(x != x));
    return 2 * i + 1 + right;
  }
  // The same for a row known to hold no NaN (the default direction cannot apply): one compare.
  static std::uint32_t step_finite(const Node* tree, std::uint32_t i, const float* row) {
    const Node& n = tree[i];
    return 2 * i + 1 + static_cast<std::uint32_t>(row[n.feature] >= n.threshold);
  }
  // The leaf position (0 .. 2^d − 1) `row` (features() floats, NaN = missing) reaches in tree t.
  std::uint32_t leaf_position(int t, const float* row) const {
    const Node* nodes = tree(t);
    std::uint32_t i = 0;
    for (int level = 0; level < depth_; ++level) i = step(nodes, i, row);
    return i - static_cast<std::uint32_t>(splits_);
  }
  // XGBoost's node id of the leaf at a position of tree t.
  std::int32_t leaf_id(int t, std::uint32_t position) const {
    return leaf_id_[static_cast<std::size_t>(t) * (std::size_t{1} << depth_) + position];
  }
  // The leaf ids of one row in every tree (what pred_leaf gives for it).
  void leaves(const float* row, std::span<std::int32_t> out) const;

 private:
  void add_tree(const void* tree_json);

  int trees_ = 0;
  int depth_ = 0;
  int features_ = 0;
  int splits_ = 0;  // 2^depth − 1 per tree
  std::vector<Node> nodes_;            // trees × splits_
  std::vector<std::int32_t> leaf_id_;  // trees × 2^depth
};

}  // namespace adsim::models

#pragma once
// What each click model costs to serve: nanoseconds to score one candidate on one thread, as
// measured by bench/micro_serving_cost.cpp (the model built as a run builds it from the reference
// marketplace, trained on six simulated hours of labelled impressions, scoring requests of 100
// candidates). The funnel's cost model uses them with funnel.predict_cost = "measured".
//
// Measured on the 2-core development machine (2026-12-05, median of 3 repetitions, no other load;
// logistic and gbdt_lr again after the LR's serving path was trimmed, the same day: medians of two
// runs of 5 repetitions, in which the other four reproduced their figures within 20 %) with
//   build/release/bench/adsim_bench_micro_serving_cost --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true   (one command)
// (the medians; ns = 1e9 / items_per_second). Refresh them together, on one machine, when a
// model's serving path changes.
namespace adsim::models::serving_cost {

inline constexpr double kHistoricalNs = 0.70;  // one counter lookup per ad
inline constexpr double kGlobalNs = 0.078;      // one number for every ad
inline constexpr double kOracleNs = 13.0;      // the hidden truth's own arithmetic (affinity dot product)
inline constexpr double kLogisticNs = 7.7;     // ~36 hashed features per candidate, FTRL weights
// gbdt_lr at its defaults (6 trees of depth 4: kGbdtLrLevels tree levels walked per candidate);
// other forests cost the LR plus the trees' share scaled by trees x depth.
inline constexpr double kGbdtLrNs = 28.9;
inline constexpr double kGbdtLrLevels = 6 * 4;
// mlp at its defaults (embeddings of 8, layers 32 and 16: kMlpMadds multiply-adds per candidate,
// MlpCtrModel::serving_madds); other networks scale by their multiply-adds.
inline constexpr double kMlpNs = 59.8;
inline constexpr double kMlpMadds = 32 + 2 * 8 + 32 * 16 + 16;

}  // namespace adsim::models::serving_cost

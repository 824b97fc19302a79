#pragma once
// What each click model costs to serve: nanoseconds to score one candidate on one thread, as
// measured by bench/micro_serving_cost.cpp (the model built as a run builds it from the reference
// marketplace, trained on six simulated hours of labelled impressions, scoring requests of 100
// candidates). The funnel's cost model uses them with funnel.predict_cost = "measured".
//
// Measured on the 2-core development machine (2026-12-05, CPU time, loaded by two builds) with
//   build/release/bench/adsim_bench_micro_serving_cost --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true   (one command)
// (the medians; ns = 1e9 / items_per_second). Refresh them together, on one machine, when a
// model's serving path changes.
namespace adsim::models::serving_cost {

inline constexpr double kHistoricalNs = 0.69;  // one counter lookup per ad
inline constexpr double kGlobalNs = 0.083;      // one number for every ad
inline constexpr double kOracleNs = 14.4;      // the hidden truth's own arithmetic (affinity dot product)
inline constexpr double kLogisticNs = 10.1;    // ~36 hashed features per candidate, FTRL weights

}  // namespace adsim::models::serving_cost

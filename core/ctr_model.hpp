#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "core/ids.hpp"
#include "core/metrics.hpp"
#include "core/request.hpp"
#include "core/training_log.hpp"

namespace adsim::core {

// The platform's learned click model. It sees only logged, labelled examples (never the ground
// truth) and is called once per request for a batch of candidates.
class CtrModel {
 public:
  virtual ~CtrModel() = default;
  virtual std::string_view name() const = 0;
  // Writes a raw click probability at the reference (top) position for each ad.
  virtual void predict(const RequestContext& request, std::span<const AdId> ads, std::span<float> pctr) = 0;
  // Examples whose attribution window has closed, in release order.
  virtual void learn(std::span<const LabeledExample> examples) = 0;
  // Models that apply what they learned on a schedule (every N simulated minutes) report the
  // interval here; the marketplace then calls refresh() at each multiple of it. 0: continuous.
  virtual SimTime refresh_interval() const { return 0; }
  virtual void refresh(SimTime /*now*/) {}
  // Predictions served before the model had learnt from any example (a cold start): its prior,
  // the same for every ad. 0 for models that never start cold.
  virtual std::uint64_t prior_predictions() const { return 0; }
  virtual ModelTrainingStats training_stats() const { return {}; }
  // Server time to score one candidate, in nanoseconds on one thread, from the measured figures in
  // models/serving_cost.hpp (the funnel's cost model with funnel.predict_cost = "measured").
  // Negative: never measured.
  virtual double serving_ns_per_candidate() const { return -1.0; }
};

// Progressive validation of what the platform served: each released example is scored with the
// prediction made at serving time (so before any learning from it) against its joined label.
class PredictionEvaluator {
 public:
  virtual ~PredictionEvaluator() = default;
  virtual void observe(std::span<const LabeledExample> examples) = 0;
  // Metrics of the examples observed since the previous call (one interval of a time series).
  virtual ModelMetrics take_window() = 0;
  virtual ModelMetrics total() const = 0;
  // Per request surface: the window the last take_window() reported, and the run so far. Evaluators
  // that do not segment report nothing (zero examples).
  virtual ModelMetrics last_window(Surface) const { return {}; }
  virtual ModelMetrics total(Surface) const { return {}; }
};

// A learned platform-side quality score per candidate (e.g. from predicted hides and reports),
// called once per request for the ranked batch. Without one, the marketplace scores quality from
// each ad's logged rate of negative feedback.
class QualityModel {
 public:
  virtual ~QualityModel() = default;
  virtual void quality(const RequestContext& request, std::span<const AdId> ads, std::span<double> out) = 0;
  virtual void learn(std::span<const LabeledExample> examples) = 0;
};

// Maps raw model scores to calibrated probabilities, in place, for a batch.
class Calibrator {
 public:
  virtual ~Calibrator() = default;
  virtual std::string_view name() const = 0;
  virtual void calibrate(std::span<float> p) const = 0;
  // The same released examples the model learns from, with the raw score served for each.
  virtual void learn(std::span<const LabeledExample> examples) = 0;
};

}  // namespace adsim::core

#pragma once
#include <span>

#include "core/metrics.hpp"
#include "core/training_log.hpp"

namespace adsim::core {

// How front-ends and result stores watch a run. Called on the simulation's thread; an observer that
// needs another thread (the GUI) copies what it needs and returns quickly. The kernel never waits.
class SimObserver {
 public:
  virtual ~SimObserver() = default;
  virtual void on_interval(const IntervalMetrics& /*interval*/) {}
  virtual void on_auction(const AuctionLogEntry& /*entry*/) {}
  // The sampled examples whose labels the platform has just learned (run.prediction_log_rate),
  // a batch per joiner tick, in impression order.
  virtual void on_predictions(std::span<const PredictionLogEntry> /*entries*/) {}
  // Progress, a few times per simulated hour; `end` is the planned end of the run.
  virtual void on_progress(SimTime /*now*/, SimTime /*end*/, std::uint64_t /*requests*/) {}
  virtual void on_finish(const RunSummary& /*summary*/) {}
};

}  // namespace adsim::core

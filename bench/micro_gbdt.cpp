// Micro-benchmark of GBDT+LR scoring (issue 15): candidate predictions per second on one thread,
// the hashed LR's lookups plus a walk down every tree and its leaf weight per candidate. Target:
// >= 5M candidate predictions/s with the scenario defaults (6 trees of depth 4).
//   build/release/bench/adsim_bench_micro_gbdt
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <span>
#include <vector>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "bench/bench_requests.hpp"
#include "core/random_streams.hpp"
#include "core/world_generator.hpp"
#include "models/gbdt_lr_ctr_model.hpp"
#include "models/logistic_ctr_model.hpp"

namespace {

using namespace adsim;

constexpr std::size_t kCandidates = 100;
constexpr std::size_t kRequests = 1024;

// The world and requests of micro_models' fixture, and 400k examples whose clicks depend on an
// interaction of the campaign and the hour (so the trees have real splits), learnt by a GBDT+LR
// model that trains every 20 simulated minutes with no delay: after learning, its trees serve.
struct Fixture {
  std::unique_ptr<core::World> world;
  std::vector<core::RequestContext> requests;
  std::vector<core::AdId> candidates;  // kRequests x kCandidates
  std::vector<core::LabeledExample> examples;

  Fixture() {
    core::WorldSpec spec;
    spec.users = 50'000;
    spec.ads = 5'000;
    spec.campaigns = 1'000;
    spec.advertisers = 300;
    const core::RandomStreams streams(1);
    world = std::make_unique<core::World>(core::generate_world(spec, streams, core::kDay));
    core::Rng rng = streams.stream("bench");
    boost::random::uniform_int_distribution<core::UserId> user(0, spec.users - 1);
    boost::random::uniform_int_distribution<core::AdId> ad(0, spec.ads - 1);
    boost::random::uniform_int_distribution<int> slot(0, 3);
    for (std::size_t r = 0; r < kRequests; ++r) {
      const core::UserId u = user(rng);
      requests.push_back(bench::request_of(*world, u, r, static_cast<std::uint8_t>(r % 24)));
      for (std::size_t k = 0; k < kCandidates; ++k) candidates.push_back(ad(rng));
    }
    for (std::size_t i = 0; i < 400'000; ++i) {
      const core::RequestContext& c = requests[i % kRequests];
      const core::SimTime served_at = static_cast<core::SimTime>(i) * 10 * core::kMillisecond;
      core::LabeledExample e = bench::impression_of(*world, c, candidates[(i * 7) % candidates.size()], slot(rng),
                                                    served_at + 30 * core::kMinute);
      e.impression.served_at = served_at;
      const bool hot = e.impression.campaign < 500 && c.hour < 12;
      e.clicked = boost::random::bernoulli_distribution<double>(hot ? 0.06 : 0.015)(rng);
      examples.push_back(e);
    }
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

template <typename Model>
void score(benchmark::State& state, Model& model) {
  Fixture& f = fixture();
  std::vector<float> pctr(kCandidates);
  std::size_t r = 0;
  core::SimTime t = f.examples.back().released_at;
  for (auto _ : state) {
    core::RequestContext c = f.requests[r];
    c.time = t;
    model.predict(c, {f.candidates.data() + r * kCandidates, kCandidates}, pctr);
    benchmark::DoNotOptimize(pctr.data());
    r = r + 1 == kRequests ? 0 : r + 1;
    t += 10 * core::kMillisecond;  // 100 requests per simulated second: counter sweeps included
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kCandidates));
}

// GBDT+LR with range(0) trees of depth range(1).
void BM_GbdtLrPredictBatch(benchmark::State& state) {
  Fixture& f = fixture();
  models::GbdtLrConfig cfg;
  cfg.learner.validate = false;
  cfg.trees.trees = static_cast<int>(state.range(0));
  cfg.trees.depth = static_cast<int>(state.range(1));
  cfg.interval = 20 * core::kMinute;
  cfg.train_delay = 0;
  models::GbdtLrCtrModel model(*f.world, cfg, core::RandomStreams(1).stream("bench.downsample"));
  for (std::size_t i = 0; i < f.examples.size(); i += 1000)  // in joiner-sized batches
    model.learn(std::span<const core::LabeledExample>(f.examples).subspan(i, std::min<std::size_t>(1000, f.examples.size() - i)));
  std::vector<float> warm(kCandidates);
  core::RequestContext c = f.requests[0];
  c.time = f.examples.back().released_at;
  model.predict(c, {f.candidates.data(), kCandidates}, warm);  // puts the last trees into service
  if (model.generation() == 0) state.SkipWithError("no trees serving");
  score(state, model);
  state.counters["trees"] = static_cast<double>(model.forest().trees());
}
BENCHMARK(BM_GbdtLrPredictBatch)->Args({6, 4})->Args({12, 4})->Args({30, 4})->Args({6, 6});

// The hashed LR alone on the same data: what the trees add to it.
void BM_LogisticPredictBatchSameData(benchmark::State& state) {
  Fixture& f = fixture();
  models::LearnerConfig cfg;
  cfg.validate = false;
  models::LogisticCtrModel model(*f.world, cfg, core::RandomStreams(1).stream("bench.downsample"));
  model.learn(f.examples);
  score(state, model);
}
BENCHMARK(BM_LogisticPredictBatchSameData);

}  // namespace

// Micro-benchmarks of the neural ranker (model.ctr_model = "mlp"): scoring a request's candidates
// (the figure the funnel's cost model uses: ns per candidate, one thread) and training throughput.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "bench/bench_requests.hpp"
#include "core/random_streams.hpp"
#include "core/world_generator.hpp"
#include "models/mlp_ctr_model.hpp"

namespace {

using namespace adsim;

constexpr std::size_t kCandidates = 100;
constexpr std::size_t kRequests = 1024;

// The reference marketplace's catalog size (20,000 ads: the per-ad first-layer table is as large as
// in a real run), pre-drawn requests with 100 random candidates each, and random labelled examples.
struct Fixture {
  std::unique_ptr<core::World> world;
  std::vector<core::RequestContext> requests;
  std::vector<core::AdId> candidates;  // kRequests x kCandidates
  std::vector<core::LabeledExample> examples;

  Fixture() {
    core::WorldSpec spec;
    spec.users = 50'000;
    spec.ads = 20'000;
    spec.campaigns = 5'000;
    spec.advertisers = 2'000;
    const core::RandomStreams streams(1);
    world = std::make_unique<core::World>(core::generate_world(spec, streams, core::kDay));
    core::Rng rng = streams.stream("bench");
    boost::random::uniform_int_distribution<core::UserId> user(0, spec.users - 1);
    boost::random::uniform_int_distribution<core::AdId> ad(0, spec.ads - 1);
    boost::random::uniform_int_distribution<int> slot(0, 3);
    boost::random::bernoulli_distribution<double> click(0.03);
    for (std::size_t r = 0; r < kRequests; ++r) {
      const core::UserId u = user(rng);
      requests.push_back(bench::request_of(*world, u, r, static_cast<std::uint8_t>(r % 24)));
      for (std::size_t k = 0; k < kCandidates; ++k) candidates.push_back(ad(rng));
    }
    for (std::size_t i = 0; i < 200'000; ++i) {
      const core::RequestContext& c = requests[i % kRequests];
      core::LabeledExample e = bench::impression_of(*world, c, candidates[(i * 7) % candidates.size()], slot(rng),
                                                    static_cast<core::SimTime>(i) * 10 * core::kMillisecond);
      e.clicked = click(rng);
      examples.push_back(e);
    }
  }

  std::unique_ptr<models::MlpCtrModel> model(models::MlpConfig c) const {
    const core::RandomStreams s(2);
    return std::make_unique<models::MlpCtrModel>(*world, c, s.stream("d"), s.stream("i"), s.stream("s"));
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

models::MlpConfig config_of(const benchmark::State& state) {
  models::MlpConfig c;  // the scenario defaults: embeddings of 8, 12 groups + 2 dense inputs
  c.hidden = {static_cast<int>(state.range(0))};
  if (state.range(1) > 0) c.hidden.push_back(static_cast<int>(state.range(1)));
  c.train_delay = 0;
  c.epochs = 1;
  return c;
}

// One request of 100 candidates through a trained model: the user's first-layer part from a few
// columns, one column add and ReLU per candidate, then a matrix product per further layer.
void BM_MlpPredictBatch(benchmark::State& state) {
  Fixture& f = fixture();
  auto model = f.model(config_of(state));
  model->learn({f.examples.data(), 50'000});
  model->refresh(f.examples[49'999].released_at);
  std::vector<float> pctr(kCandidates);
  std::size_t r = 0;
  for (auto _ : state) {
    core::RequestContext c = f.requests[r];
    c.time = f.examples.back().released_at;
    model->predict(c, {f.candidates.data() + r * kCandidates, kCandidates}, pctr);
    benchmark::DoNotOptimize(pctr.data());
    r = r + 1 == kRequests ? 0 : r + 1;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kCandidates));
  state.counters["ns_per_candidate"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kCandidates), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_MlpPredictBatch)->Args({32, 16})->Args({64, 32})->Args({32, 0});

// A retrain: one epoch of minibatch Adam (batch 256) over a window of 50,000 examples, with the
// serving snapshot (per-ad first-layer table) it ends with.
void BM_MlpRetrain(benchmark::State& state) {
  Fixture& f = fixture();
  models::MlpConfig c = config_of(state);
  c.window_examples = 50'000;
  auto model = f.model(c);
  model->learn({f.examples.data(), 50'000});
  std::size_t at = 50'000;
  for (auto _ : state) {
    model->learn({f.examples.data() + at, 1});  // something new, so that refresh() retrains
    model->refresh(f.examples[at].released_at);
    at = at + 1 == f.examples.size() ? 50'000 : at + 1;
  }
  state.SetItemsProcessed(state.iterations() * 50'000);
}
BENCHMARK(BM_MlpRetrain)->Args({32, 16})->Unit(benchmark::kMillisecond);

}  // namespace

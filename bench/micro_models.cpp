// Micro-benchmarks of the learning library: candidate scoring (the hot path of every request) and
// online learning. Targets (issue 4): >= 20M candidate predictions/s and >= 2M FTRL example
// updates/s on one thread, with ~30 hashed features.
#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <vector>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "bench/bench_requests.hpp"
#include "core/random_streams.hpp"
#include "core/world_generator.hpp"
#include "models/ftrl.hpp"
#include "models/logistic_ctr_model.hpp"

namespace {

using namespace adsim;

constexpr std::size_t kCandidates = 100;
constexpr std::size_t kRequests = 1024;

// A mid-sized world, a model trained on 400k random examples (so weights are dense where real
// traffic would make them dense), and pre-drawn requests with 100 candidates each.
struct Fixture {
  std::unique_ptr<core::World> world;
  std::unique_ptr<models::LogisticCtrModel> model;
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
    models::LearnerConfig cfg;  // hash_bits 20, position feature, counters, ~36 features
    model = std::make_unique<models::LogisticCtrModel>(*world, cfg, streams.stream("bench.downsample"));

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
    for (std::size_t i = 0; i < 400'000; ++i) {
      const core::RequestContext& c = requests[i % kRequests];
      const core::SimTime served_at = static_cast<core::SimTime>(i) * 10 * core::kMillisecond;
      core::LabeledExample e = bench::impression_of(*world, c, candidates[(i * 7) % candidates.size()], slot(rng),
                                                    served_at + 30 * core::kMinute);
      e.impression.served_at = served_at;
      e.clicked = click(rng);
      examples.push_back(e);
    }
    model->learn(examples);
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// The model's batch path: user/context features once per request, category crosses once per
// distinct category, ~12 lookups per candidate.
void BM_PredictBatch(benchmark::State& state) {
  Fixture& f = fixture();
  std::vector<float> pctr(kCandidates);
  std::size_t r = 0;
  core::SimTime t = 0;
  for (auto _ : state) {
    core::RequestContext c = f.requests[r];
    c.time = t;
    f.model->predict(c, {f.candidates.data() + r * kCandidates, kCandidates}, pctr);
    benchmark::DoNotOptimize(pctr.data());
    r = r + 1 == kRequests ? 0 : r + 1;
    t += 10 * core::kMillisecond;  // 100 requests per simulated second: counter sweeps included
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kCandidates));
  state.counters["features"] = 36;
}
BENCHMARK(BM_PredictBatch);

// For comparison: every candidate scored from its full feature list (no sharing).
void BM_PredictFullList(benchmark::State& state) {
  Fixture& f = fixture();
  const models::HashedLogisticLearner& learner = f.model->learner();
  std::array<std::uint32_t, models::kMaxFeatures> index{};
  std::size_t r = 0;
  for (auto _ : state) {
    const models::UserContext u = models::UserContext::of_request(f.requests[r], 0);
    models::RequestFeatures rf;
    learner.extractor().begin(u, rf);
    float sum = 0.0f;
    for (std::size_t k = 0; k < kCandidates; ++k) {
      const int n = learner.extractor().extract(rf, f.candidates[r * kCandidates + k], index);
      sum += models::sigmoid(learner.ftrl().partial_logit({index.data(), static_cast<std::size_t>(n)}));
    }
    benchmark::DoNotOptimize(sum);
    r = r + 1 == kRequests ? 0 : r + 1;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kCandidates));
}
BENCHMARK(BM_PredictFullList);

// Bare FTRL-Proximal steps over pre-extracted index lists of 36 features.
void BM_FtrlUpdate(benchmark::State& state) {
  Fixture& f = fixture();
  const models::FeatureExtractor& fx = f.model->learner().extractor();
  constexpr std::size_t kExamples = 4096;
  std::vector<std::uint32_t> index(kExamples * models::kMaxFeatures);
  std::vector<int> count(kExamples);
  std::vector<std::uint8_t> label(kExamples);
  for (std::size_t i = 0; i < kExamples; ++i) {
    const core::LabeledExample& e = f.examples[i];
    const models::UserContext u = models::UserContext::of_impression(e.impression, fx.interests_of(e.impression.user));
    count[i] = fx.extract(u, e.impression.ad,
                          std::span<std::uint32_t, models::kMaxFeatures>(index.data() + i * models::kMaxFeatures,
                                                                         models::kMaxFeatures));
    label[i] = e.clicked ? 1 : 0;
  }
  models::Ftrl ftrl(fx.config().hash_bits, models::FtrlParams{}, fx.size() - fx.hashed_size());  // hashed buckets + ad rows
  std::size_t i = 0;
  for (auto _ : state) {
    const double p = ftrl.update({index.data() + i * models::kMaxFeatures, static_cast<std::size_t>(count[i])}, label[i] != 0);
    benchmark::DoNotOptimize(p);
    i = i + 1 == kExamples ? 0 : i + 1;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["features"] = static_cast<double>(count[0]);
}
BENCHMARK(BM_FtrlUpdate);

// The whole learn() path per example: feature extraction, progressive validation, downsampling
// decision, FTRL step, counter update.
void BM_ModelLearn(benchmark::State& state) {
  Fixture& f = fixture();
  models::LearnerConfig cfg;
  models::LogisticCtrModel model(*f.world, cfg, core::RandomStreams(2).stream("bench.downsample"));
  constexpr std::size_t kBatch = 256;
  std::size_t at = 0;
  for (auto _ : state) {
    model.learn({f.examples.data() + at, kBatch});
    at += kBatch;
    if (at + kBatch > f.examples.size()) at = 0;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
}
BENCHMARK(BM_ModelLearn);

}  // namespace

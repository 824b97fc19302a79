// What each click model costs to serve: candidate predictions per second on one thread, for every
// model the scenario key model.ctr_model names, built exactly as a run builds it (reference
// marketplace, scenarios/marketplace.toml) and trained first on a few simulated hours of labelled
// impressions drawn from the hidden truth, so that the tables, trees or weights it serves from are
// the size and shape a run's are.
//
// These figures are the funnel cost model's (`funnel.predict_cost = "measured"`): the constants in
// models/serving_cost.hpp are copied from this benchmark's output, ns per candidate = 1e9 /
// items_per_second. Refresh them with
//   build/release/bench/adsim_bench_micro_serving_cost --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true   (one command)
// on a quiet machine, and say which machine in that header.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "bench/bench_requests.hpp"
#include "core/random_streams.hpp"
#include "core/world_generator.hpp"
#include "models/ground_truth.hpp"
#include "scenarios/component_registry.hpp"
#include "scenarios/scenario_loader.hpp"

namespace {

using namespace adsim;

constexpr std::size_t kCandidates = 100;  // the reference marketplace's funnel.rank_keep
constexpr std::size_t kRequests = 512;
constexpr std::size_t kTrainingExamples = 300'000;

struct Setup {
  scenarios::Scenario scenario;
  std::unique_ptr<core::World> world;
  std::unique_ptr<models::GroundTruth> truth;
  std::unique_ptr<core::CtrModel> model;
  std::vector<core::RequestContext> requests;
  std::vector<core::AdId> candidates;  // kRequests x kCandidates
  core::SimTime now = 0;
};

// Labelled impressions of random (user, ad, slot) triples, clicked with the truth's probability,
// released in order over six simulated hours; models retrained on a schedule are refreshed at
// each multiple of their interval, as the marketplace does.
void train(Setup& s) {
  core::Rng rng = core::RandomStreams(7).stream("bench.serving_cost");
  boost::random::uniform_int_distribution<core::UserId> user(0, static_cast<core::UserId>(s.world->users.size() - 1));
  boost::random::uniform_int_distribution<core::AdId> ad(0, static_cast<core::AdId>(s.world->ads.size() - 1));
  boost::random::uniform_int_distribution<int> slot(0, s.scenario.auction.slots - 1);
  const core::SimTime span = 6 * core::kHour;
  const core::SimTime interval = s.model->refresh_interval();
  core::SimTime next_refresh = interval;
  std::vector<core::LabeledExample> batch;
  for (std::size_t i = 0; i < kTrainingExamples; ++i) {
    const core::SimTime t = static_cast<core::SimTime>(i) * (span / static_cast<core::SimTime>(kTrainingExamples));
    const core::RequestContext c =
        bench::request_of(*s.world, user(rng), i, static_cast<std::uint8_t>((t / core::kHour) % 24), t);
    const core::AdId shown = ad(rng);  // drawn in a fixed order (not as two arguments of one call)
    core::LabeledExample e = bench::impression_of(*s.world, c, shown, slot(rng), t);
    float p = 0.0f;
    s.truth->true_ctr(c, {&e.impression.ad, 1}, {&p, 1});
    e.clicked = boost::random::bernoulli_distribution<double>(p * s.scenario.auction.position_factors[e.impression.slot])(rng);
    batch.push_back(e);
    if (batch.size() == 1000) {
      s.model->learn(batch);
      batch.clear();
    }
    while (interval > 0 && t >= next_refresh) {
      s.model->refresh(next_refresh);
      next_refresh += interval;
    }
  }
  s.model->learn(batch);
  s.now = span + 6 * core::kHour;  // past any training delay
  if (interval > 0) s.model->refresh(s.now);
}

Setup& setup(const std::string& model) {
  static std::map<std::string, std::unique_ptr<Setup>> cache;
  auto& slot = cache[model];
  if (slot) return *slot;
  slot = std::make_unique<Setup>();
  Setup& s = *slot;
  const std::vector<std::string> overrides{"model.ctr_model=" + model};
  s.scenario = scenarios::load_scenario_file(std::string(ADSIM_SOURCE_DIR) + "/scenarios/marketplace.toml", overrides);
  const core::RandomStreams streams(s.scenario.run.seed);
  s.world = std::make_unique<core::World>(core::generate_world(s.scenario.world, streams, s.scenario.run.horizon()));
  s.truth = std::make_unique<models::GroundTruth>(*s.world, s.scenario.truth);
  s.model = scenarios::make_ctr_model(s.scenario, *s.world, *s.truth);
  train(s);
  core::Rng rng = streams.stream("bench.requests");
  boost::random::uniform_int_distribution<core::UserId> user(0, static_cast<core::UserId>(s.world->users.size() - 1));
  boost::random::uniform_int_distribution<core::AdId> ad(0, static_cast<core::AdId>(s.world->ads.size() - 1));
  for (std::size_t r = 0; r < kRequests; ++r) {
    s.requests.push_back(bench::request_of(*s.world, user(rng), r, static_cast<std::uint8_t>((s.now / core::kHour) % 24), s.now));
    for (std::size_t k = 0; k < kCandidates; ++k) s.candidates.push_back(ad(rng));
  }
  return s;
}

void BM_Score(benchmark::State& state, const std::string& model) {
  Setup& s = setup(model);
  std::vector<float> pctr(kCandidates);
  std::size_t r = 0;
  core::SimTime t = s.now;
  for (auto _ : state) {
    core::RequestContext c = s.requests[r];
    c.time = t;
    s.model->predict(c, {s.candidates.data() + r * kCandidates, kCandidates}, pctr);
    benchmark::DoNotOptimize(pctr.data());
    r = r + 1 == kRequests ? 0 : r + 1;
    t += 10 * core::kMillisecond;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kCandidates));
  state.counters["ns_per_candidate"] = benchmark::Counter(static_cast<double>(state.iterations() * kCandidates),
                                                          benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Score, historical, std::string("historical"));
BENCHMARK_CAPTURE(BM_Score, global, std::string("global"));
BENCHMARK_CAPTURE(BM_Score, oracle, std::string("oracle"));
BENCHMARK_CAPTURE(BM_Score, logistic, std::string("logistic"));
BENCHMARK_CAPTURE(BM_Score, gbdt_lr, std::string("gbdt_lr"));
BENCHMARK_CAPTURE(BM_Score, mlp, std::string("mlp"));

// One ad request through the ad server (retrieval, pre-ranking, ranking, pCTR, pacing, auction)
// on the reference marketplace's world, and the funnel's top-k selection on its own.
#include <benchmark/benchmark.h>

#include <boost/random/uniform_int_distribution.hpp>

#include "core/candidate_funnel.hpp"
#include "core/top_k.hpp"
#include "scenarios/factory.hpp"
#include "scenarios/scenario_loader.hpp"

namespace {

using namespace adsim;

std::unique_ptr<core::Marketplace>& marketplace() {
  static std::unique_ptr<core::Marketplace> m = [] {
    std::vector<std::string> overrides = {"run.days=0.01"};
    auto s = scenarios::load_scenario_file(std::string(ADSIM_SOURCE_DIR) + "/scenarios/marketplace.toml", overrides);
    auto market = scenarios::build_marketplace(s);
    market->run_until(core::kHour / 10);  // every ad live, model warm
    return market;
  }();
  return m;
}

void BM_ServeOneRequest(benchmark::State& state) {
  auto& market = *marketplace();
  // The server is const from the outside; benchmarking needs its non-const serve().
  auto& server = const_cast<core::AdServer&>(market.ad_server());
  const core::World& w = market.world();
  core::Rng rng(7);
  boost::random::uniform_int_distribution<core::UserId> pick(0, static_cast<core::UserId>(w.users.size() - 1));
  std::uint64_t retrieved = 0;
  for (auto _ : state) {
    const core::UserId u = pick(rng);
    core::RequestContext r;
    r.user = u;
    r.time = core::kHour / 10;
    r.region = w.users.region[u];
    r.age_band = w.users.age_band[u];
    r.device = w.users.device[u];
    r.interests = w.users.interests[u];
    r.user_embedding = w.users.embedding_of(u);
    core::ServeOutcome out;
    server.serve(r, rng, false, out);
    retrieved += out.retrieved;
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["retrieved/req"] = static_cast<double>(retrieved) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_ServeOneRequest);

// The candidate funnel alone (retrieval, pre-ranking, light ranking) on the reference world, with
// every ad live (pre-ranking chooses) or about 40% of them (it mostly keeps everything). Argument
// 0 selects the portable retrieval scan, 1 the AVX2 one where the CPU has it.
void BM_FunnelRun(benchmark::State& state) {
  const core::World& w = marketplace()->world();
  core::CandidateFunnel funnel(w, core::FunnelSpec{});
  funnel.use_avx2(state.range(0) != 0);
  const auto live_percent = static_cast<std::uint64_t>(state.range(1));
  core::Rng rng(11);
  for (core::AdId a = 0; a < w.ads.size(); ++a) funnel.set_ad_live(a, rng() % 100 < live_percent);
  boost::random::uniform_int_distribution<core::UserId> pick(0, static_cast<core::UserId>(w.users.size() - 1));
  std::vector<core::RequestContext> requests(4096);
  for (auto& r : requests) {
    const core::UserId u = pick(rng);
    r.user = u;
    r.region = w.users.region[u];
    r.age_band = w.users.age_band[u];
    r.device = w.users.device[u];
    r.interests = w.users.interests[u];
    r.user_embedding = w.users.embedding_of(u);
  }
  std::size_t i = 0;
  std::uint64_t retrieved = 0;
  for (auto _ : state) {
    const core::CandidateFunnel::Counts c = funnel.run(requests[i++ % requests.size()]);
    retrieved += c.retrieved;
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["retrieved/req"] = static_cast<double>(retrieved) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_FunnelRun)->Args({0, 100})->Args({1, 100})->Args({0, 40})->Args({1, 40});

void BM_SelectTopK(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto k = static_cast<std::size_t>(state.range(1));
  core::Rng rng(3);
  std::vector<std::uint64_t> source(n), keys(n), scratch(n);
  for (std::size_t i = 0; i < n; ++i)
    source[i] = (static_cast<std::uint64_t>(0x47000000u + (rng() & 0x1FFFFFu)) << 32) | static_cast<std::uint32_t>(~i);
  for (auto _ : state) {
    keys = source;
    benchmark::DoNotOptimize(core::select_top_k(keys.data(), n, k, scratch.data()));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_SelectTopK)->Args({2000, 1000})->Args({1000, 100});

}  // namespace

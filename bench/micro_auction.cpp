// Auction micro-benchmarks (issue 3 targets):
//   AuctionGym SP_Oracle shape  >= 3,000,000 auctions/s on one thread
//   AuctionNet test shape       >= 2,000,000 auctions/s on one thread
// plus single mechanism calls over 100 candidates and 4 slots. Items/s = auctions/s.
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>

#include "auction/auction_only.hpp"
#include "auction/mechanisms.hpp"
#include "core/random_streams.hpp"

namespace {

using namespace adsim;
using namespace adsim::auction;

constexpr std::uint64_t kBatch = 1000;

void run_rounds(benchmark::State& state, AuctionOnlyConfig cfg) {
  AuctionOnlyRunner runner(std::move(cfg));
  runner.run(10 * kBatch);  // warm up (caches, equilibrium of pacing)
  for (auto _ : state) runner.run(kBatch);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
  const auto r = runner.result();
  state.counters["revenue"] = r.metrics.revenue;
  state.counters["efficiency"] = r.metrics.efficiency;
  state.counters["fill"] = r.metrics.fill_rate;
}

// 6 bidders x 12 items, 2 drawn per auction, 5-d Gaussian context, CTR = sigmoid(context . item),
// each bidder bids its value on its best item, truthful single-slot second price.
void BM_AuctionGymSpOracle(benchmark::State& state) { run_rounds(state, auctiongym_sp_oracle_config(1)); }
BENCHMARK(BM_AuctionGymSpOracle);

// 48 bidders with fresh per-opportunity values, 3-slot GSP (1, 0.8, 0.6), reserve, budgets and
// per-bidder pacing multipliers updated 48 times per episode.
void BM_AuctionNet(benchmark::State& state) { run_rounds(state, auctionnet_config(1)); }
BENCHMARK(BM_AuctionNet);

// One mechanism call per iteration over 100 candidates and 4 slots. The candidate sets cycle
// through 4096 different random draws (about 10 MB, served from L3): with only a few dozen sets
// the branch predictor learns the auctions by heart and the timing is 3x too optimistic.
struct Requests {
  static constexpr int kSets = 4096;
  static constexpr int kCandidates = 100;
  std::vector<double> bid, pctr, quality;
  std::vector<double> factors = {1.0, 0.7, 0.5, 0.35};
  std::vector<double> slot_reserves = {400'000.0, 250'000.0, 100'000.0, 100'000.0};
  Requests() {
    core::Rng rng = core::RandomStreams(1).stream("bench.candidates");
    for (int i = 0; i < kSets * kCandidates; ++i) {
      bid.push_back(boost::random::lognormal_distribution<double>(13.0, 0.7)(rng));  // ~ 0.5 units
      pctr.push_back(boost::random::uniform_real_distribution<double>(0.005, 0.05)(rng));
      quality.push_back(boost::random::uniform_real_distribution<double>(0.5, 1.5)(rng));
    }
  }
  core::AuctionCandidates set(int s) const {
    const auto off = static_cast<std::size_t>(s) * kCandidates;
    return {{bid.data() + off, kCandidates}, {pctr.data() + off, kCandidates}, {quality.data() + off, kCandidates}};
  }
};

void run_mechanism(benchmark::State& state, MechanismKind kind, double alpha, bool slot_reserves) {
  const Requests req;
  const auto mechanism = make_mechanism(kind);
  core::AuctionRules rules;
  rules.slots = 4;
  rules.position_factors = req.factors;
  rules.reserve = 50'000.0;
  rules.quality_exponent = alpha;
  if (slot_reserves) rules.slot_reserves = req.slot_reserves;
  std::vector<double> scores(Requests::kCandidates);
  core::AuctionResult result;
  int s = 0;
  for (auto _ : state) {
    mechanism->run(req.set(s), rules, scores, result);
    benchmark::DoNotOptimize(result);
    s = (s + 1) & (Requests::kSets - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Gsp100x4(benchmark::State& state) { run_mechanism(state, MechanismKind::kGsp, 1.0, false); }
void BM_Vcg100x4(benchmark::State& state) { run_mechanism(state, MechanismKind::kVcg, 1.0, false); }
void BM_FirstPrice100x4(benchmark::State& state) { run_mechanism(state, MechanismKind::kFirstPrice, 1.0, false); }
void BM_Gsp100x4Alpha07(benchmark::State& state) { run_mechanism(state, MechanismKind::kGsp, 0.7, false); }
void BM_Gsp100x4SlotReserves(benchmark::State& state) { run_mechanism(state, MechanismKind::kGsp, 1.0, true); }
void BM_Vcg100x4SlotReserves(benchmark::State& state) { run_mechanism(state, MechanismKind::kVcg, 1.0, true); }
BENCHMARK(BM_Gsp100x4);
BENCHMARK(BM_Vcg100x4);
BENCHMARK(BM_FirstPrice100x4);
BENCHMARK(BM_Gsp100x4Alpha07);
BENCHMARK(BM_Gsp100x4SlotReserves);
BENCHMARK(BM_Vcg100x4SlotReserves);

// What 48 value draws per auction cost: Boost's uniform_real_distribution converts the engine's
// unsigned 64-bit output with a sign test that mispredicts half the time; uniform_unit (53 bits
// via uniform_int_distribution) does not. The AuctionNet shape uses 32-bit halves of one draw.
void BM_Draw48BoostUniformReal(benchmark::State& state) {
  core::Rng rng = core::RandomStreams(1).stream("bench.values");
  double sink = 0.0;
  for (auto _ : state) {
    for (int b = 0; b < 48; ++b) sink += boost::random::uniform_real_distribution<double>(0.0, 2.0)(rng);
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_Draw48UniformUnit(benchmark::State& state) {
  core::Rng rng = core::RandomStreams(1).stream("bench.values");
  double sink = 0.0;
  for (auto _ : state) {
    for (int b = 0; b < 48; ++b) sink += 2.0 * uniform_unit(rng);
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Draw48BoostUniformReal);
BENCHMARK(BM_Draw48UniformUnit);

}  // namespace

// Cost of pacing per request: Pacer::apply() on a batch of 100 ranked candidates (the reference
// marketplace's N2), for each pacer, over the reference marketplace's 5,000 campaigns. Also the
// control tick over all campaigns, which runs once a minute rather than per request.
//
//   build/<dir>/bench/adsim_bench_micro_pacing --benchmark_min_time=0.5
//
// Compare ns/batch with adsim_bench_micro_pipeline's BM_ServeOneRequest (one whole request) to see
// what share of a request pacing costs.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <vector>

#include <boost/random/uniform_int_distribution.hpp>

#include "core/budget_ledger.hpp"
#include "core/random_streams.hpp"
#include "pacing/pacers.hpp"

namespace {

using namespace adsim;

constexpr std::size_t kCampaigns = 5000;
constexpr std::size_t kBatch = 100;
constexpr std::size_t kBatches = 256;  // cycled, so the batch is not the same cache-hot one each time

enum Kind : int { kNone, kThrottle, kDual, kPid, kComposite };

std::vector<core::Campaign> campaigns() {
  std::vector<core::Campaign> cs(kCampaigns);
  for (auto& c : cs) c.daily_budget = core::Money::from_units(25.0);
  return cs;
}

std::unique_ptr<pacing::PacerBase> make(Kind kind, const std::vector<core::Campaign>& cs) {
  pacing::PlanSpec plan;
  plan.curves = {pacing::CurveSpec{pacing::CurveSpec::Shape::kTraffic, 24.0},
                 pacing::CurveSpec{pacing::CurveSpec::Shape::kLearned, 23.0}};
  plan.curve_of_campaign.resize(kCampaigns);
  for (std::size_t c = 0; c < kCampaigns; ++c) plan.curve_of_campaign[c] = static_cast<std::uint32_t>(c % 2);
  pacing::SpendPlan sp(cs, plan);
  switch (kind) {
    case kNone: return std::make_unique<pacing::NoPacer>(std::move(sp));
    case kThrottle: return std::make_unique<pacing::ThrottlingPacer>(std::move(sp));
    case kDual: return std::make_unique<pacing::DualDescentPacer>(std::move(sp));
    case kPid: return std::make_unique<pacing::PidPacer>(std::move(sp));
    case kComposite: {
      std::vector<std::uint32_t> assign(kCampaigns);
      for (std::size_t c = 0; c < kCampaigns; ++c) assign[c] = static_cast<std::uint32_t>(c % 4);
      return std::make_unique<pacing::CompositePacer>(
          std::move(sp),
          std::vector<pacing::StrategyParams>{pacing::NoPacingParams{}, pacing::ThrottlingParams{},
                                              pacing::DualDescentParams{}, pacing::PidParams{}},
          assign);
    }
  }
  return nullptr;
}

// A pacer in steady state: an hour of ticks with every campaign overspending, so throttled
// campaigns draw (pass-through rates < 1) and shading multipliers are < 1.
void warm(pacing::PacerBase& pacer, const std::vector<core::Campaign>& cs) {
  core::BudgetLedger ledger(cs);
  for (int minute = 1; minute <= 60; ++minute) {
    const core::SimTime t = minute * core::kMinute;
    for (core::CampaignId c = 0; c < kCampaigns; ++c) {
      const auto r = ledger.charge(c, core::Money::from_units(0.03), t - 1);
      if (r.billed.micros > 0) pacer.on_charge(c, r.billed, t - 1);
    }
    pacer.on_control_tick(t, ledger);
  }
}

std::vector<core::CampaignId> batches() {
  core::Rng rng(11);
  boost::random::uniform_int_distribution<core::CampaignId> pick(0, kCampaigns - 1);
  std::vector<core::CampaignId> ids(kBatch * kBatches);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    // About one candidate in five is another ad of the previous candidate's campaign.
    ids[i] = (i % kBatch != 0 && i % 5 == 0) ? ids[i - 1] : pick(rng);
  }
  return ids;
}

void BM_PacerApply(benchmark::State& state) {
  const auto kind = static_cast<Kind>(state.range(0));
  const auto cs = campaigns();
  auto pacer = make(kind, cs);
  warm(*pacer, cs);
  const auto ids = batches();
  std::vector<double> mult(kBatch);
  std::vector<std::uint8_t> part(kBatch);
  core::Rng rng(5);
  std::size_t b = 0;
  std::uint64_t admitted = 0;
  core::SimTime now = core::kHour;
  for (auto _ : state) {
    // What the ad server does before calling the pacer, so the cost of the call is what remains.
    std::fill(mult.begin(), mult.end(), 1.0);
    std::fill(part.begin(), part.end(), std::uint8_t{1});
    pacer->apply(now, {ids.data() + b * kBatch, kBatch}, mult, part, rng);
    benchmark::DoNotOptimize(mult.data());
    benchmark::DoNotOptimize(part.data());
    admitted += part[0];
    b = (b + 1) % kBatches;
    now += 40 * core::kMillisecond;
  }
  state.SetLabel(std::string(pacer->name()));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
  state.counters["first_admitted"] = static_cast<double>(admitted) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_PacerApply)->DenseRange(kNone, kComposite)->ArgName("pacer");

// The batch preparation alone (the two fills), to subtract from the above.
void BM_BatchFillOnly(benchmark::State& state) {
  std::vector<double> mult(kBatch);
  std::vector<std::uint8_t> part(kBatch);
  for (auto _ : state) {
    std::fill(mult.begin(), mult.end(), 1.0);
    std::fill(part.begin(), part.end(), std::uint8_t{1});
    benchmark::DoNotOptimize(mult.data());
    benchmark::DoNotOptimize(part.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_BatchFillOnly);

// One control tick over all 5,000 campaigns (once per minute of simulated time).
void BM_PacerControlTick(benchmark::State& state) {
  const auto kind = static_cast<Kind>(state.range(0));
  const auto cs = campaigns();
  auto pacer = make(kind, cs);
  warm(*pacer, cs);
  core::BudgetLedger ledger(cs);
  core::SimTime now = 2 * core::kHour;
  for (auto _ : state) {
    now += core::kMinute;
    pacer->on_control_tick(now, ledger);
    benchmark::ClobberMemory();
  }
  state.SetLabel(std::string(pacer->name()));
}
BENCHMARK(BM_PacerControlTick)->DenseRange(kThrottle, kComposite)->ArgName("pacer");

}  // namespace

// The hot paths must not touch the heap: a mechanism's run(), AuctionMetrics::add() and the
// auction-only runner in steady state. This file replaces the global operator new of the test
// executable with a counting one (test-only; the library itself has no global state).
#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include <gtest/gtest.h>

#include "auction/auction_metrics.hpp"
#include "auction/auction_only.hpp"
#include "auction/mechanisms.hpp"

namespace {
std::atomic<long> g_allocations{0};
}

// These replacements pair malloc with free by design; GCC cannot see that they replace each other.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace adsim::auction {
namespace {

long allocations() { return g_allocations.load(std::memory_order_relaxed); }

TEST(NoAllocation, MechanismsAndMetrics) {
  // 100 candidates, 4 slots, mixed billing, per-slot and per-candidate reserves.
  std::vector<double> bid, pctr, quality, pcvr, reserve;
  std::vector<core::BillingModel> billing;
  for (int i = 0; i < 100; ++i) {
    bid.push_back(100'000.0 + 7'919.0 * (i % 37));
    pctr.push_back(0.01 + 0.003 * (i % 11));
    quality.push_back(0.6 + 0.01 * (i % 41));
    pcvr.push_back(0.05);
    reserve.push_back(i % 3 == 0 ? 150'000.0 : 0.0);
    billing.push_back(static_cast<core::BillingModel>(i % 3));
  }
  const std::vector<double> factors = {1.0, 0.7, 0.5, 0.35};
  const std::vector<double> slot_reserves = {300'000.0, 200'000.0, 0.0, 0.0};
  std::vector<double> scores(bid.size());
  const std::vector<double> values(bid.size(), 400'000.0);
  AuctionMetrics metrics;
  auto gsp = make_mechanism(MechanismKind::kGsp);
  auto vcg = make_mechanism(MechanismKind::kVcg);
  auto fp = make_mechanism(MechanismKind::kFirstPrice);
  core::AuctionCandidates c{bid, pctr, quality};
  c.billing = billing;
  c.pcvr = pcvr;
  c.reserve = reserve;
  core::AuctionRules rules;
  rules.slots = 4;
  rules.position_factors = factors;
  rules.reserve = 50'000.0;
  rules.quality_exponent = 1.3;
  core::AuctionResult result;

  const long before = allocations();
  for (int round = 0; round < 2; ++round) {
    for (const auto* m : {gsp.get(), vcg.get(), fp.get()}) {
      m->run(c, rules, scores, result);
      metrics.add(c, values, rules, result);
    }
    rules.slot_reserves = slot_reserves;
  }
  EXPECT_EQ(allocations() - before, 0);
  EXPECT_GT(metrics.auctions(), 0u);
}

TEST(NoAllocation, AuctionOnlyRunnerSteadyState) {
  for (AuctionOnlyConfig cfg : {auctiongym_sp_oracle_config(3), auctionnet_config(3)}) {
    AuctionOnlyRunner runner(cfg);
    runner.run(1000);  // warm up
    const long before = allocations();
    runner.run(20'000);
    EXPECT_EQ(allocations() - before, 0);
  }
  AuctionOnlyConfig learning;
  learning.bidders = 5;
  learning.mechanism = MechanismKind::kFirstPrice;
  learning.strategy.kind = StrategyKind::kBanditShader;
  AuctionOnlyRunner runner(learning);
  runner.run(100);
  const long before = allocations();
  runner.run(5'000);
  EXPECT_EQ(allocations() - before, 0);
}

}  // namespace
}  // namespace adsim::auction

// apply() runs once per request on the hot path and must not allocate. This binary counts every
// call to the global operator new so the test can see one.
// GCC inlines the replacement below into this file's containers and then mistakes its malloc/free
// pair for a mismatch.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include <gtest/gtest.h>

#include "pacing/pacers.hpp"

namespace {
// Test-binary instrumentation only: the replaced operator new below must reach it without context.
std::uint64_t g_allocations = 0;  // NOLINT
}  // namespace

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace adsim::pacing {
namespace {

TEST(ApplyAllocation, ApplyChargesAndTicksNeverAllocate) {
  std::vector<core::Campaign> cs(100);
  for (auto& c : cs) c.daily_budget = core::Money::from_units(100);
  PlanSpec learned;
  learned.curves = {CurveSpec{CurveSpec::Shape::kLearned, 24.0}, CurveSpec{CurveSpec::Shape::kTraffic, 20.0}};
  learned.curve_of_campaign.assign(100, 0);
  for (std::size_t c = 0; c < 100; c += 2) learned.curve_of_campaign[c] = 1;
  std::vector<std::unique_ptr<PacerBase>> pacers;
  pacers.push_back(std::make_unique<NoPacer>(SpendPlan(cs, learned)));
  pacers.push_back(std::make_unique<ThrottlingPacer>(SpendPlan(cs, learned)));
  pacers.push_back(std::make_unique<DualDescentPacer>(SpendPlan(cs, learned)));
  pacers.push_back(std::make_unique<PidPacer>(SpendPlan(cs, learned)));
  std::vector<std::uint32_t> assign(100);
  for (std::size_t c = 0; c < 100; ++c) assign[c] = static_cast<std::uint32_t>(c % 4);
  pacers.push_back(std::make_unique<CompositePacer>(
      SpendPlan(cs, learned),
      std::vector<StrategyParams>{NoPacingParams{}, ThrottlingParams{}, DualDescentParams{}, PidParams{}}, assign));

  std::vector<core::CampaignId> ids(100);
  for (std::size_t i = 0; i < 100; ++i) ids[i] = static_cast<core::CampaignId>((i * 37) % 100);
  std::vector<double> mult(100, 1.0);
  std::vector<std::uint8_t> part(100, 1);
  core::Rng rng(5);
  core::BudgetLedger ledger(cs);
  for (auto& pacer : pacers) {
    const std::uint64_t before = g_allocations;
    for (int r = 0; r < 1000; ++r) {
      pacer->apply(r * core::kSecond, ids, mult, part, rng);
      pacer->on_charge(ids[static_cast<std::size_t>(r) % 100], core::Money::from_units(0.01), r * core::kSecond);
      if (r % 60 == 59) pacer->on_control_tick((r + 1) * core::kSecond, ledger);
    }
    EXPECT_EQ(g_allocations, before) << pacer->name();
  }
}

}  // namespace
}  // namespace adsim::pacing

#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "core/simulation.hpp"

namespace adsim::core {
namespace {

struct Recorder : EventHandler {
  std::vector<std::tuple<SimTime, std::uint32_t, std::uint64_t>> seen;
  void handle(const Event& e, Simulation&) override { seen.emplace_back(e.time, e.kind, e.payload); }
};

TEST(Simulation, OrdersByTimeThenPriorityThenInsertion) {
  Simulation sim;
  Recorder r;
  sim.schedule(20, Priority::kRequest, r, 1, 0);
  sim.schedule(10, Priority::kSnapshot, r, 2, 0);
  sim.schedule(10, Priority::kDayBoundary, r, 3, 0);
  sim.schedule(10, Priority::kRequest, r, 4, 0);
  sim.schedule(10, Priority::kRequest, r, 5, 0);  // same time and priority: insertion order
  sim.run_until(100);
  ASSERT_EQ(r.seen.size(), 5u);
  std::vector<std::uint32_t> kinds;
  for (auto& [t, k, p] : r.seen) kinds.push_back(k);
  EXPECT_EQ(kinds, (std::vector<std::uint32_t>{3, 4, 5, 2, 1}));
  EXPECT_EQ(sim.now(), 100);
  EXPECT_EQ(sim.events_processed(), 5u);
}

TEST(Simulation, CancelledEventsNeverRunAndCancelReportsState) {
  Simulation sim;
  Recorder r;
  const EventId a = sim.schedule(5, Priority::kRequest, r, 1);
  const EventId b = sim.schedule(6, Priority::kRequest, r, 2);
  const EventId c = sim.schedule(7, Priority::kRequest, r, 3);
  EXPECT_EQ(sim.pending(), 3u);
  EXPECT_TRUE(sim.cancel(b));
  EXPECT_FALSE(sim.cancel(b)) << "second cancel of the same event";
  EXPECT_EQ(sim.pending(), 2u);
  EXPECT_TRUE(sim.step());
  EXPECT_FALSE(sim.cancel(a)) << "an event that already ran cannot be cancelled";
  EXPECT_FALSE(sim.cancel(999)) << "unknown id";
  EXPECT_TRUE(sim.cancel(c));
  EXPECT_FALSE(sim.step());
  ASSERT_EQ(r.seen.size(), 1u);
  EXPECT_EQ(std::get<1>(r.seen[0]), 1u);
}

TEST(Simulation, RunUntilStopsAtEndAndResumes) {
  Simulation sim;
  Recorder r;
  for (SimTime t = 1; t <= 10; ++t) sim.schedule(t * 10, Priority::kRequest, r, 0, static_cast<std::uint64_t>(t));
  sim.run_until(55);
  EXPECT_EQ(r.seen.size(), 5u);
  EXPECT_EQ(sim.now(), 55);
  EXPECT_EQ(sim.next_event_time(), 60);
  sim.run_until(1000);
  EXPECT_EQ(r.seen.size(), 10u);
}

struct Stopper : EventHandler {
  int runs = 0;
  void handle(const Event&, Simulation& sim) override {
    if (++runs == 3) sim.stop();
  }
};

TEST(Simulation, StopFromHandlerAndFromToken) {
  Simulation sim;
  Stopper s;
  for (int i = 0; i < 10; ++i) sim.schedule(i, Priority::kRequest, s);
  sim.run_until(100);
  EXPECT_EQ(s.runs, 3);
  EXPECT_LT(sim.now(), 100) << "a stopped run does not jump the clock to the end";

  Simulation sim2;
  Recorder r;
  std::atomic<bool> token{true};
  sim2.set_stop_token(&token);
  sim2.schedule(1, Priority::kRequest, r);
  sim2.run_until(10);
  EXPECT_TRUE(r.seen.empty());
  token = false;
  sim2.run_until(10);
  EXPECT_EQ(r.seen.size(), 1u);
}

TEST(Simulation, RejectsEventsInThePast) {
  Simulation sim;
  Recorder r;
  sim.run_until(50);
  EXPECT_THROW(sim.schedule(10, Priority::kRequest, r), std::logic_error);
}

}  // namespace
}  // namespace adsim::core

#include <algorithm>
#include <functional>

#include "core/random_streams.hpp"
#include "core/top_k.hpp"

namespace adsim::core {
namespace {

// The histogram selection must return exactly the k largest keys, including when the boundary
// bucket is crowded, when keys are skipped (zero), and past the 16-bit count limit. One selector
// serves every case, with score ranges that move between them, as the funnel reuses it: reset()
// clears only the range the previous selection used, so stale counts would show up here.
TEST(TopKSelector, SelectsExactlyTheLargestKeys) {
  Rng rng(5);
  TopKSelector sel;
  std::uint32_t base = 0x47000000u;
  for (const std::size_t n : {10u, 1000u, 5000u, 140000u, 300000u}) {
    for (const std::size_t k : {1u, 7u, 100u, 999u}) {
      base = base == 0x47000000u ? 0x3F800000u : 0x47000000u;  // scores from 32768.0 or from 1.0
      std::vector<std::uint64_t> keys(n), scratch(n);
      sel.reset();
      std::uint64_t min_key = ~std::uint64_t{0}, max_key = 0;
      std::size_t counted = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const bool skip = rng() % 5 == 0;
        // Scores concentrated in a narrow range so the boundary bucket is crowded.
        const std::uint32_t bits = base + static_cast<std::uint32_t>(rng() % 0x3FFFFF);
        const std::uint64_t key = skip ? 0 : (static_cast<std::uint64_t>(bits) << 32) | static_cast<std::uint32_t>(~i);
        keys[i] = key;
        const std::uint32_t count = skip ? 0u : 1u;
        sel.add(i, key, count);
        TopKSelector::bounds(key, count, min_key, max_key);
        counted += count;
      }
      std::vector<std::uint64_t> expected;
      for (auto key : keys) if (key) expected.push_back(key);
      std::sort(expected.begin(), expected.end(), std::greater<>());
      expected.resize(std::min(k, expected.size()));
      sel.set_range(min_key, max_key);
      std::vector<std::uint64_t> out(n);
      const std::size_t got = sel.select(keys.data(), n, counted, k, out.data(), scratch.data());
      ASSERT_EQ(got, expected.size()) << n << " " << k;
      std::vector<std::uint64_t> top(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(got));
      std::sort(top.begin(), top.end(), std::greater<>());
      EXPECT_EQ(top, expected) << "n=" << n << " k=" << k;
    }
  }
}

}  // namespace
}  // namespace adsim::core

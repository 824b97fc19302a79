#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "models/ftrl.hpp"

namespace adsim::models {
namespace {

// Hand trace of FTRL-Proximal (McMahan et al. 2013, Algorithm 1) with α = 0.1, β = 1, λ1 = 0.2,
// λ2 = 1, binary features:
//
// Step 1: x = {1, 2}, y = 1. All w = 0 → p = 0.5, g = −0.5, g² = 0.25.
//   i=1,2: σ = (√0.25 − √0)/0.1 = 5; z = 0 + (−0.5) − 5·0 = −0.5; n = 0.25;
//          |z| > λ1 → w = −(−0.5 + 0.2) / ((1 + 0.5)/0.1 + 1) = 0.3/16 = 0.01875
// Step 2: x = {2, 3}, y = 0. p = σ(0.01875 + 0) = 0.5046873627, g = 0.5046873627.
//   i=2: n = 0.25 + g² = 0.5047093340; σ = (√n − 0.5)/0.1 = 2.1042897889;
//        z = −0.5 + g − σ·0.01875 = −0.0347680709; |z| ≤ λ1 → w = 0 (L1 sparsity)
//   i=3: n = g² = 0.2547093340; σ = g/0.1 = 5.0468736268; z = g = 0.5046873627;
//        w = −(0.5046873627 − 0.2) / ((1 + √n)/0.1 + 1) = −0.0189873348
// Step 3: x = {1, 2, 3}, y = 1. p = σ(0.01875 + 0 − 0.0189873348) = 0.4999406663, g = −0.5000593337
//   i=1: σ = 2.0714873770, z = −1.0388997220, n = 0.5000593372, w = 0.0464211774
//   i=2: σ = 1.5834525604, z = −0.5348274046, n = 0.7547686713, w = 0.0170068969
//   i=3: σ = 2.0578337653, z =  0.0437008077, n = 0.5047686713, w = 0
TEST(Ftrl, MatchesHandTrace) {
  Ftrl f(4, FtrlParams{0.1, 1.0, 0.2, 1.0});
  const std::array<std::uint32_t, 2> x1 = {1, 2};
  const std::array<std::uint32_t, 2> x2 = {2, 3};
  const std::array<std::uint32_t, 3> x3 = {1, 2, 3};

  EXPECT_DOUBLE_EQ(f.update(x1, true), 0.5);
  for (std::uint32_t i : {1u, 2u}) {
    EXPECT_DOUBLE_EQ(f.z(i), -0.5);
    EXPECT_DOUBLE_EQ(f.n(i), 0.25);
    EXPECT_NEAR(f.weight(i), 0.01875, 1e-8);
  }

  EXPECT_NEAR(f.update(x2, false), 0.5046873627, 1e-9);
  EXPECT_NEAR(f.z(2), -0.0347680709, 1e-8);
  EXPECT_NEAR(f.n(2), 0.5047093340, 1e-9);
  EXPECT_EQ(f.weight(2), 0.0f);
  EXPECT_NEAR(f.z(3), 0.5046873627, 1e-9);
  EXPECT_NEAR(f.n(3), 0.2547093340, 1e-9);
  EXPECT_NEAR(f.weight(3), -0.0189873348, 1e-8);

  EXPECT_NEAR(f.update(x3, true), 0.4999406663, 1e-9);
  EXPECT_NEAR(f.z(1), -1.0388997220, 1e-8);
  EXPECT_NEAR(f.n(1), 0.5000593372, 1e-9);
  EXPECT_NEAR(f.weight(1), 0.0464211774, 1e-8);
  EXPECT_NEAR(f.z(2), -0.5348274046, 1e-8);
  EXPECT_NEAR(f.n(2), 0.7547686713, 1e-9);
  EXPECT_NEAR(f.weight(2), 0.0170068969, 1e-8);
  EXPECT_NEAR(f.z(3), 0.0437008077, 1e-8);
  EXPECT_EQ(f.weight(3), 0.0f);
  EXPECT_EQ(f.nonzero_weights(), 2u);
  // Untouched coordinates stay exactly zero.
  EXPECT_EQ(f.z(0), 0.0);
  EXPECT_EQ(f.weight(5), 0.0f);
}

// Algorithm 1 as printed: w computed lazily, in double, from (z, n) when a coordinate is used.
struct ReferenceFtrl {
  FtrlParams p;
  std::vector<double> z, n;
  explicit ReferenceFtrl(std::size_t size, FtrlParams params) : p(params), z(size, 0.0), n(size, 0.0) {}
  double w(std::uint32_t i) const {
    if (std::abs(z[i]) <= p.l1) return 0.0;
    const double sign = z[i] < 0.0 ? -1.0 : 1.0;
    return -(z[i] - sign * p.l1) / ((p.beta + std::sqrt(n[i])) / p.alpha + p.l2);
  }
  double update(const std::vector<std::uint32_t>& x, bool y) {
    double logit = 0.0;
    for (std::uint32_t i : x) logit += w(i);
    const double prob = 1.0 / (1.0 + std::exp(-logit));
    const double g = prob - (y ? 1.0 : 0.0);
    for (std::uint32_t i : x) {
      const double wi = w(i);
      const double sigma = (std::sqrt(n[i] + g * g) - std::sqrt(n[i])) / p.alpha;
      z[i] += g - sigma * wi;
      n[i] += g * g;
    }
    return prob;
  }
};

// A fixed pseudo-random sequence (Knuth's MMIX LCG, high bits) for random example lists.
struct Lcg {
  std::uint64_t state;
  std::uint32_t operator()() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(state >> 33);
  }
};

TEST(Ftrl, MatchesTheLazyDoublePrecisionAlgorithm) {
  // Random lists over 64 coordinates, odd and even lengths, with repeated coordinates: the eager
  // float-weight implementation (and its two-at-a-time loop) must follow Algorithm 1.
  const FtrlParams params{0.2, 1.0, 0.5, 0.5};
  Ftrl f(6, params);
  ReferenceFtrl ref(64, params);
  Lcg next{12345};
  for (int e = 0; e < 3'000; ++e) {
    std::vector<std::uint32_t> x(1 + next() % 9);
    for (auto& i : x) i = next() % 64;
    if (e % 7 == 0) x.push_back(x.front());  // a repeated coordinate
    const bool y = next() % 4 == 0;
    const double p_ref = ref.update(x, y);
    const double p = f.update(x, y);
    ASSERT_NEAR(p, p_ref, 1e-5) << "example " << e;
  }
  for (std::uint32_t i = 0; i < 64; ++i) {
    EXPECT_NEAR(f.z(i), ref.z[i], 1e-4 * (1.0 + std::abs(ref.z[i])));
    EXPECT_NEAR(f.n(i), ref.n[i], 1e-6 * (1.0 + ref.n[i]));
    EXPECT_NEAR(f.weight(i), ref.w(i), 1e-5 * (1.0 + std::abs(ref.w(i))));
  }
}

TEST(Ftrl, VectorPathsAreBitIdentical) {
  // The four-wide AVX2 update (where the CPU has it) and the SSE2/scalar one give the same bits,
  // also with coordinates repeated inside a group of four or across groups.
  const FtrlParams params{0.2, 1.0, 0.5, 0.5};
  Ftrl wide(8, params), narrow(8, params);
  narrow.use_avx2(false);
  Lcg next{777};
  for (int e = 0; e < 3'000; ++e) {
    std::vector<std::uint32_t> x(1 + next() % 40);
    for (auto& i : x) i = next() % 256;
    if (e % 3 == 0) x[next() % x.size()] = x[next() % x.size()];  // a repeat, maybe inside a group
    const bool y = next() % 4 == 0;
    ASSERT_EQ(wide.update(x, y), narrow.update(x, y)) << "example " << e;
  }
  for (std::uint32_t i = 0; i < 256; ++i) {
    EXPECT_EQ(wide.weight(i), narrow.weight(i));
    EXPECT_EQ(wide.z(i), narrow.z(i));
    EXPECT_EQ(wide.n(i), narrow.n(i));
  }
}

TEST(Ftrl, PredictAndBatchLogitsAgree) {
  Ftrl f(6, FtrlParams{0.3, 1.0, 0.0, 0.0});
  const std::array<std::uint32_t, 3> a = {3, 9, 17};
  for (int k = 0; k < 20; ++k) f.update(a, k % 3 == 0);
  const std::array<std::uint32_t, 2> shared = {3, 9};
  const float s = f.partial_logit(shared);
  // Two candidates: {17} and {17, 40}, stride 2.
  const std::array<std::uint32_t, 4> rest = {17, 0, 17, 40};
  const std::array<std::uint8_t, 2> count = {1, 2};
  std::array<float, 2> logit{};
  f.add_logits(s, rest, 2, count, logit);
  EXPECT_FLOAT_EQ(logit[0], f.partial_logit(a));
  EXPECT_FLOAT_EQ(logit[1], f.partial_logit(a) + f.weight(40));
  EXPECT_NEAR(f.predict(a), sigmoid(static_cast<double>(logit[0])), 1e-7);
}

TEST(Ftrl, LearnsARateAndL1KeepsRareFeaturesAtZero) {
  // Feature 1 is always on, with y = 1 for 1 example in 5: its weight should approach
  // logit(0.2) = −1.386 (the L1 pull vanishes as n grows). Feature 2 is on in the first four
  // examples only: |z_2| = |Σ g| ≤ 4 · 0.5 < λ1 = 5, so L1 keeps it exactly zero — the sparsity
  // that makes FTRL-Proximal keep rare hashed features out of the model.
  Ftrl f(4, FtrlParams{0.1, 1.0, 5.0, 0.0});
  for (int k = 0; k < 20'000; ++k) {
    const bool y = k % 5 == 0;
    if (k < 4) {
      const std::array<std::uint32_t, 2> x = {1, 2};
      f.update(x, y);
    } else {
      const std::array<std::uint32_t, 1> x = {1};
      f.update(x, y);
    }
  }
  EXPECT_NEAR(f.weight(1), std::log(0.2 / 0.8), 0.1);
  EXPECT_NE(f.z(2), 0.0);
  EXPECT_LE(std::abs(f.z(2)), 5.0);
  EXPECT_EQ(f.weight(2), 0.0f);
}

TEST(Ftrl, LogitOffsetShiftsThePrediction) {
  Ftrl f(4, FtrlParams{});
  const std::array<std::uint32_t, 1> x = {1};
  EXPECT_NEAR(f.update(x, false, std::log(0.25)), 0.2, 1e-12);  // σ(ln(1/4)) = 1/5
}

TEST(Ftrl, RejectsBadParameters) {
  EXPECT_THROW(Ftrl(0, FtrlParams{}), std::invalid_argument);
  EXPECT_THROW(Ftrl(10, FtrlParams{0.0, 1.0, 0.0, 0.0}), std::invalid_argument);
  EXPECT_THROW(Ftrl(10, FtrlParams{0.1, 1.0, -1.0, 0.0}), std::invalid_argument);
}

}  // namespace
}  // namespace adsim::models

// The candidate funnel against a plain reference: every eligible ad scored one at a time with the
// same float arithmetic, sorted, cut to N1 and then N2. Covers both pre-ranking paths (choosing or
// keeping everything), the vectorized light model at dimension 16 (with candidate counts that are
// not multiples of its block) and the generic one at another dimension, and the top-k split on
// either code path of the selector.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <set>
#include <vector>

#include "core/candidate_funnel.hpp"
#include "core/random_streams.hpp"
#include "core/top_k.hpp"
#include "core/vector_math.hpp"
#include "core/world.hpp"
#include "core/world_generator.hpp"
#include "user_request.hpp"

namespace adsim::core {
namespace {

std::uint64_t key_of(float score, AdId ad) {
  return (static_cast<std::uint64_t>(std::bit_cast<std::uint32_t>(score)) << 32) | static_cast<std::uint32_t>(~ad);
}

std::set<AdId> top(std::vector<std::uint64_t> keys, std::size_t k) {
  std::sort(keys.begin(), keys.end(), std::greater<>());
  keys.resize(std::min(k, keys.size()));
  std::set<AdId> ads;
  for (auto key : keys) ads.insert(~static_cast<std::uint32_t>(key));
  return ads;
}

// The tests' world: 300 users, 40 advertisers, 300 campaigns, 3,000 ads.
World funnel_world(std::uint64_t seed, int dim = 16) {
  WorldSpec spec;
  spec.users = 300;
  spec.advertisers = 40;
  spec.campaigns = 300;
  spec.ads = 3000;
  spec.embedding_dim = dim;
  return generate_world(spec, RandomStreams(seed), kDay);
}

// Every third user's request is a search, for a category that cycles with the user.
void every_third_a_search(const World& world, UserId u, RequestContext& r) {
  if (u % 3 != 0) return;
  r.surface = Surface::kSearch;
  r.query_category = static_cast<std::uint16_t>(u % static_cast<UserId>(world.num_categories));
}

std::set<AdId> reference_funnel(const World& w, const FunnelSpec& f, const std::vector<bool>& live, const RequestContext& r) {
  const auto dim = static_cast<std::size_t>(w.dim);
  std::vector<std::uint64_t> pre;
  for (const Campaign& k : w.campaigns) {
    if (!((k.region_mask >> r.region) & 1u) || !((k.age_mask >> r.age_band) & 1u)) continue;
    if (k.interest_mask != 0 && (k.interest_mask & r.interests) == 0) continue;
    for (AdId a = k.first_ad; a < k.first_ad + k.ad_count; ++a) {
      if (!live[a]) continue;
      const std::size_t c = w.ads.category[a];
      const float relevance = std::max(0.0f, 1.0f + dot(r.user_embedding.data(), &w.category_centroids[c * dim], dim));
      pre.push_back(key_of(static_cast<float>(k.bid.micros) * relevance, a));
    }
  }
  std::vector<std::int32_t> user(dim);
  for (std::size_t d = 0; d < dim; ++d) user[d] = static_cast<std::int32_t>(std::lround(127.0f * r.user_embedding[d]));
  std::vector<std::uint64_t> ranked;
  for (AdId a : top(pre, static_cast<std::size_t>(f.prerank_keep))) {
    std::int32_t s = 0;
    for (std::size_t d = 0; d < dim; ++d)
      s += user[d] * static_cast<std::int32_t>(std::lround(127.0f * std::clamp(w.ads.embedding[a * dim + d], -1.0f, 1.0f)));
    const float cos = static_cast<float>(s) * (1.0f / (127.0f * 127.0f));
    const float affinity = std::max(0.0f, 1.0f + cos);
    const float bid = static_cast<float>(w.campaigns[w.ads.campaign[a]].bid.micros);
    ranked.push_back(key_of(bid * affinity * affinity, a));
  }
  return top(ranked, static_cast<std::size_t>(f.rank_keep));
}

TEST(CandidateFunnel, KeepsExactlyTheReferenceTopCandidates) {
  for (const int dim : {16, 8}) {
    const World world = funnel_world(11, dim);
    std::vector<bool> live(world.ads.size());
    for (AdId a = 0; a < world.ads.size(); ++a) live[a] = world.ads.available_from[a] == 0 && a % 9 != 0;
    // (N1, N2): pre-ranking that chooses, that keeps everything, and N2 above what is left.
    for (const auto& [n1, n2] : {std::pair{150, 37}, std::pair{100000, 101}, std::pair{61, 5000}}) {
      FunnelSpec f;
      f.prerank_keep = n1;
      f.rank_keep = n2;
      CandidateFunnel funnel(world, f);
      for (AdId a = 0; a < world.ads.size(); ++a) funnel.set_ad_live(a, live[a]);
      for (UserId u = 0; u < 60; ++u) {
        const RequestContext r = testing::user_request(world, u);
        funnel.run(r);
        const std::set<AdId> got(funnel.ads().begin(), funnel.ads().end());
        ASSERT_EQ(got.size(), funnel.ads().size());
        EXPECT_EQ(got, reference_funnel(world, f, live, r)) << "dim " << dim << " N1 " << n1 << " N2 " << n2 << " user " << u;
      }
    }
  }
}

// eligible_ads (the plain scan behind the efficiency of sampled auctions) finds exactly the ads a
// campaign's targeting lets through and that are live (of the query's category on a search
// request), one entry each, as many as retrieval counted, and every ad the funnel kept among them.
TEST(CandidateFunnel, EligibleAdsAreEveryTargetedLiveAdOnce) {
  const World world = funnel_world(13);
  FunnelSpec f;
  f.prerank_keep = 150;
  f.rank_keep = 37;
  CandidateFunnel funnel(world, f);
  std::vector<bool> live(world.ads.size());
  for (AdId a = 0; a < world.ads.size(); ++a) {
    live[a] = world.ads.available_from[a] == 0 && a % 5 != 0;
    funnel.set_ad_live(a, live[a]);
  }
  std::vector<AdId> eligible;
  std::size_t searches = 0;
  for (UserId u = 0; u < 90; ++u) {
    RequestContext r = testing::user_request(world, u);
    every_third_a_search(world, u, r);
    searches += r.is_search() ? 1 : 0;
    std::set<AdId> expected;
    for (const Campaign& k : world.campaigns) {
      if (!((k.region_mask >> r.region) & 1u) || !((k.age_mask >> r.age_band) & 1u)) continue;
      if (k.interest_mask != 0 && (k.interest_mask & r.interests) == 0) continue;
      for (AdId a = k.first_ad; a < k.first_ad + k.ad_count; ++a)
        if (live[a] && (!r.is_search() || world.ads.category[a] == r.query_category)) expected.insert(a);
    }
    const CandidateFunnel::Counts counts = funnel.run(r);
    funnel.eligible_ads(r, eligible);
    EXPECT_EQ(eligible.size(), counts.retrieved) << "user " << u;
    EXPECT_EQ(std::set<AdId>(eligible.begin(), eligible.end()), expected) << "user " << u;
    EXPECT_EQ(std::set<AdId>(eligible.begin(), eligible.end()).size(), eligible.size()) << "user " << u;
    for (AdId a : funnel.ads()) EXPECT_TRUE(expected.count(a)) << "user " << u << " kept ad " << a;
  }
  EXPECT_EQ(searches, 30u);
}

// The vectorized retrieval scan (where the CPU has AVX2) and the portable one keep the same ads in
// the same order and count the same retrievals: feed and search requests, pre-ranking that chooses
// or keeps everything, lists of every length (blocks of eight with and without a remainder). The
// light model's AVX2 path (rank_x8) and the SSE2 one (rank_x4) write the same keys, score bits
// included: candidate counts with every remainder modulo 8.
TEST(CandidateFunnel, VectorizedAndPortableScansAgree) {
  if (!TopKSelector::avx2_supported()) GTEST_SKIP() << "no AVX2 here: both sides would be the portable path";
  const World world = funnel_world(5);
  std::set<std::size_t> remainders;
  for (const auto& [n1, n2] : {std::pair{150, 37}, std::pair{100000, 101}, std::pair{61, 5000}}) {
    FunnelSpec f;
    f.prerank_keep = n1;
    f.rank_keep = n2;
    CandidateFunnel simd(world, f), portable(world, f);
    portable.use_avx2(false);
    simd.use_avx2(true);
    for (AdId a = 0; a < world.ads.size(); ++a) {
      const bool live = world.ads.available_from[a] == 0 && a % 7 != 0;
      simd.set_ad_live(a, live);
      portable.set_ad_live(a, live);
    }
    for (UserId u = 0; u < 120; ++u) {
      RequestContext r = testing::user_request(world, u);
      every_third_a_search(world, u, r);
      const CandidateFunnel::Counts a = simd.run(r), b = portable.run(r);
      EXPECT_EQ(a.retrieved, b.retrieved) << "user " << u;
      EXPECT_EQ(a.after_prerank, b.after_prerank) << "user " << u;
      ASSERT_EQ(std::vector<AdId>(simd.ads().begin(), simd.ads().end()),
                std::vector<AdId>(portable.ads().begin(), portable.ads().end()))
          << "N1 " << n1 << " N2 " << n2 << " user " << u;
      ASSERT_EQ(std::vector<std::uint64_t>(simd.kept_keys().begin(), simd.kept_keys().end()),
                std::vector<std::uint64_t>(portable.kept_keys().begin(), portable.kept_keys().end()))
          << "N1 " << n1 << " N2 " << n2 << " user " << u;
      remainders.insert(a.after_prerank % 8);
    }
  }
  EXPECT_EQ(remainders.size(), 8u);  // the light model's last partial block, of every length
}

// The selector's vectorized split (where the CPU has AVX2) and its portable loop write the same
// keys in the same order.
TEST(TopKSelector, VectorizedAndPortableSplitsAgree) {
  if (!TopKSelector::avx2_supported()) GTEST_SKIP() << "no AVX2 here: both sides would be the portable path";
  Rng rng(9);
  for (const std::size_t n : {3u, 4u, 37u, 1000u, 1421u}) {
    for (const std::size_t k : {1u, 10u, 100u, 1000u}) {
      std::vector<std::uint64_t> keys(n);
      for (std::size_t i = 0; i < n; ++i) {
        const auto bits = 0x3F800000u + static_cast<std::uint32_t>(rng() % 0x1FFFFF);
        keys[i] = rng() % 6 == 0 ? 0 : (static_cast<std::uint64_t>(bits) << 32) | static_cast<std::uint32_t>(~i);
      }
      std::vector<std::vector<std::uint64_t>> outs;
      for (const bool simd : {true, false}) {
        TopKSelector sel;
        sel.use_avx2(simd);
        sel.reset();
        std::uint64_t min_key = ~std::uint64_t{0}, max_key = 0;
        std::size_t counted = 0;
        for (std::size_t i = 0; i < n; ++i) {
          const std::uint32_t count = keys[i] != 0 ? 1u : 0u;
          sel.add(i, keys[i], count);
          TopKSelector::bounds(keys[i], count, min_key, max_key);
          counted += count;
        }
        sel.set_range(min_key, max_key);
        std::vector<std::uint64_t> out(n), scratch(n);
        out.resize(sel.select(keys.data(), n, counted, k, out.data(), scratch.data()));
        outs.push_back(out);
      }
      EXPECT_EQ(outs[0], outs[1]) << "n=" << n << " k=" << k;
    }
  }
}

}  // namespace
}  // namespace adsim::core

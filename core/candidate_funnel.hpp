#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "core/request.hpp"
#include "core/targeting_index.hpp"
#include "core/top_k.hpp"
#include "core/world.hpp"
#include "core/world_spec.hpp"

namespace adsim::core {

// Steps 1-3a of one ad request (DESIGN.md "the hot path"): retrieval from the targeting index,
// pre-ranking by bid x category relevance (top N1) and ranking by a light model, bid x embedding
// affinity (top N2). What it keeps goes on to the learned click model and the auction (AdServer).
// No allocation per request: every buffer is sized at construction.
class CandidateFunnel {
 public:
  CandidateFunnel(const World& world, FunnelSpec spec);

  struct Counts {
    std::size_t retrieved = 0;      // eligible ads found by retrieval
    std::size_t after_prerank = 0;  // kept by pre-ranking (<= N1)
    std::size_t after_rank = 0;     // kept by the light model (<= N2)
  };
  // Runs the funnel for one request; the kept ads are in ads()[0, after_rank), in no particular
  // order (the auction orders them). Valid until the next run().
  Counts run(const RequestContext& request);
  std::span<const AdId> ads() const { return {kept_ads_.data(), counts_.after_rank}; }
  // Every ad retrieval finds eligible for the request (the `retrieved` count of run()), with no
  // selection: a plain scan for measurement (the efficiency of sampled auctions against every
  // eligible ad), not for the hot path. Call right after run() for the same request.
  void eligible_ads(const RequestContext& request, std::vector<AdId>& out) const;
  // For tests: the kept ads' light-model keys, (score bits << 32) | ~ad, in the order of ads().
  std::span<const std::uint64_t> kept_keys() const { return {keys_.data(), counts_.after_rank}; }

  // State the marketplace keeps current: which ads may be served, and each campaign's bid per
  // click as retrieval and the light model see it.
  void set_ad_live(AdId ad, bool live) {
    if (live && !live_[ad]) index_stale_revived_ = true;  // must be back in the index before the next scan
    if (!live && live_[ad]) ++index_dead_since_compaction_;
    live_[ad] = live ? 1 : 0;
    live_bid_[ad] = live ? bid_[world_.ads.campaign[ad]] : 0.0f;
  }
  bool ad_live(AdId ad) const { return live_[ad] != 0; }
  void set_campaign_bid(CampaignId c, double micros);
  const TargetingIndex& index() const { return index_; }
  // For tests: the portable retrieval scan and light model (SSE2 rank_x4) even where AVX2 is
  // available (same keys, same order).
  void use_avx2(bool on) {
    avx2_ = on && TopKSelector::avx2_supported();
    selector_.use_avx2(on);
  }

 private:
  std::size_t retrieve_and_prerank(const RequestContext& request);
  std::size_t rank(const RequestContext& request, std::size_t kept);
  std::size_t rank_x4(std::size_t kept);  // dimension 16 with SSE2, four candidates at a time (AVX2: rank_x8, eight)
  std::uint32_t rank_min_bits_ = 0, rank_max_bits_ = 0;  // rank_x4's / rank_x8's smallest and largest score bits

  const World& world_;
  FunnelSpec spec_;
  // Retrieval scans eight entries at a time, and the light model scores eight candidates at a time,
  // with AVX2 where the CPU has it (candidate_funnel.cpp).
  bool avx2_ = TopKSelector::avx2_supported();
  TargetingIndex index_;  // mutable state: compacted as ads stop and start being servable
  std::vector<std::uint8_t> live_;  // per ad
  // The index is compacted (unservable ads moved out of the scanned range) before a scan when an
  // ad became servable again, or when enough ads stopped being servable to make it worth it.
  bool index_stale_revived_ = false;
  std::size_t index_dead_since_compaction_ = 0;
  // Per ad: its campaign's bid if the ad may be served, else 0. Retrieval reads one array per
  // candidate instead of two (liveness and the campaign's bid).
  std::vector<float> live_bid_;
  std::vector<float> bid_;  // per campaign, micros per click
  std::vector<std::int8_t> light_embedding_;  // ads x dim, quantized for the light ranking model
  std::vector<std::int16_t> user_quantized_;
  std::vector<float> rank_scores_;  // light-model scores of the pre-ranked candidates
  // Scratch buffers, reused by every request.
  std::vector<float> category_relevance_;
  std::vector<std::uint64_t> keys_;  // (score bits << 32) | ~ad: unique, so selection is deterministic
  std::vector<std::uint64_t> scratch_, selected_;
  TopKSelector selector_;
  std::vector<AdId> kept_ads_;
  Counts counts_;
};

}  // namespace adsim::core

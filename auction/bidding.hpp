#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "auction/value_distribution.hpp"
#include "core/random_streams.hpp"

namespace adsim::auction {

// The symmetric Bayes-Nash equilibrium bid of a first-price auction among `bidders` bidders with
// i.i.d. values from F and a reserve r (Riley & Samuelson):
//   b(v) = v - integral_L^v F(x)^(n-1) dx / F(v)^(n-1),  L = max(r, lower end of the support),
// and b(v) = v for v < L (such a bidder cannot win; bidding its value is harmless).
// Closed form for uniform values: b(v) = v - ((v-a)^n - (L-a)^n) / (n (v-a)^(n-1)); otherwise b is
// tabulated once at construction up to the 1 - 1e-10 quantile on about 8192 knots, half equally
// spaced in probability and half in value (the integral by 15-point Gauss-Kronrod between knots),
// and interpolated linearly (a binary search per bid).
class FirstPriceEquilibrium {
 public:
  FirstPriceEquilibrium(ValueDistribution dist, int bidders, double reserve = 0.0);
  double bid(double value) const;
  bool closed_form() const { return table_.empty(); }
  int bidders() const { return n_; }

 private:
  ValueDistribution dist_;
  int n_;
  double low_;  // L
  double top_ = 0.0;        // last tabulated value
  double top_bid_ = 0.0;    // b(top_); bids flatten above it (mass 1e-10)
  std::vector<double> knots_;  // values, increasing
  std::vector<double> table_;  // b at each knot
};

// A learning bid shader for first-price auctions: a multi-armed bandit over shading factors
// (bid = factor x value) that learns from its own surplus after each auction it bid in. Rewards
// are surplus / reward_scale clipped to [0, 1] (0 when it lost).
struct BanditConfig {
  enum class Algorithm : std::uint8_t { kExp3, kEpsilonGreedy };
  Algorithm algorithm = Algorithm::kExp3;
  std::vector<double> factors;  // empty: 0.05, 0.10, ..., 1.00
  double exploration = 0.1;     // Exp3's gamma, or epsilon of epsilon-greedy
  double reward_scale = 0.0;    // a typical high surplus; 0: auto (AuctionOnlyRunner uses the
                                // bidder's 0.99 value quantile, elsewhere 1)
};

class BanditShader {
 public:
  static constexpr int kMaxArms = 64;
  explicit BanditShader(const BanditConfig& config);

  // Picks an arm and returns its shading factor; the next reward() is credited to it.
  double choose(core::Rng& rng);
  void reward(double surplus);

  int arms() const { return arms_; }
  double factor(int arm) const { return factor_[arm]; }
  std::uint64_t pulls(int arm) const { return pulls_[arm]; }
  double mean_reward(int arm) const { return pulls_[arm] ? reward_sum_[arm] / static_cast<double>(pulls_[arm]) : 0.0; }
  // Exp3: the current probability of each arm; epsilon-greedy: the probability it is played next.
  double probability(int arm) const;
  // The arm the learner currently prefers (highest Exp3 weight / highest mean reward).
  int preferred_arm() const;

 private:
  void refresh_exp3();

  BanditConfig::Algorithm algorithm_;
  int arms_ = 0;
  int last_ = -1;
  double exploration_;
  double reward_scale_;
  std::array<double, kMaxArms> factor_{};
  std::array<double, kMaxArms> log_weight_{};
  std::array<double, kMaxArms> prob_{};
  std::array<double, kMaxArms> reward_sum_{};
  std::array<std::uint64_t, kMaxArms> pulls_{};
};

// kFixedBid: the same bid whatever the value (a classroom bidder whose bid is given).
enum class StrategyKind : std::uint8_t { kTruthful, kShaded, kFirstPriceEquilibrium, kBanditShader, kFixedBid };

// What a scenario says about how a value-driven bidder bids.
struct StrategySpec {
  StrategyKind kind = StrategyKind::kTruthful;
  double shading = 1.0;  // kShaded: bid = shading x value
  double bid = 0.0;      // kFixedBid: the bid per click, whatever the value
  BanditConfig bandit;   // kBanditShader
  // kFirstPriceEquilibrium is computed from the bidder's value distribution, the number of
  // bidders per auction and the reserve by whoever builds the strategy (see AuctionOnlyRunner).
};

std::string check_strategy(const StrategySpec& spec);  // empty if valid

// One bidder's strategy state: maps a value (per click) to a bid (per click) and, for the
// learning shader, learns from outcomes. Move-only: learning state is never silently shared.
class BiddingStrategy {
 public:
  static BiddingStrategy truthful();
  static BiddingStrategy shaded(double factor);
  static BiddingStrategy equilibrium(std::shared_ptr<const FirstPriceEquilibrium> eq);
  static BiddingStrategy bandit(const BanditConfig& config);
  static BiddingStrategy fixed_bid(double bid);

  StrategyKind kind() const { return kind_; }
  bool learns() const { return kind_ == StrategyKind::kBanditShader; }

  double bid(double value, core::Rng& rng) {
    switch (kind_) {
      case StrategyKind::kTruthful: return value;
      case StrategyKind::kShaded: return shading_ * value;
      case StrategyKind::kFirstPriceEquilibrium: return equilibrium_->bid(value);
      case StrategyKind::kBanditShader: return bandit_->choose(rng) * value;
      case StrategyKind::kFixedBid: return shading_;
    }
    return value;
  }
  // After an auction the bidder took part in: its surplus there (value of what it won minus its
  // payment; 0 if it lost).
  void observe(double surplus) {
    if (kind_ == StrategyKind::kBanditShader) bandit_->reward(surplus);
  }
  const BanditShader* bandit_state() const { return bandit_.get(); }

 private:
  StrategyKind kind_ = StrategyKind::kTruthful;
  double shading_ = 1.0;  // the factor (kShaded) or the bid itself (kFixedBid)
  std::shared_ptr<const FirstPriceEquilibrium> equilibrium_;
  std::unique_ptr<BanditShader> bandit_;
};

}  // namespace adsim::auction

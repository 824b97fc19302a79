#include "auction/bidding.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>

namespace adsim::auction {

namespace {
constexpr int kHalfTable = 4096;
}

FirstPriceEquilibrium::FirstPriceEquilibrium(ValueDistribution dist, int bidders, double reserve)
    : dist_(std::move(dist)), n_(bidders) {
  if (bidders < 1) throw std::invalid_argument("first-price equilibrium needs at least 1 bidder");
  if (!(std::isfinite(reserve) && reserve >= 0.0)) throw std::invalid_argument("first-price equilibrium needs a non-negative reserve");
  low_ = std::max(reserve, dist_.lower());
  if (dist_.kind() == DistributionKind::kUniform) return;  // closed form

  // Knots equally spaced in probability between F(L) and 1 - 1e-10 (1 if bounded): dense where
  // values are likely, sparse in a long tail, where b flattens out (b -> a constant as F -> 1).
  const bool bounded = std::isfinite(dist_.upper());
  const double q0 = dist_.cdf(low_);
  const double q1 = bounded ? 1.0 : 1.0 - 1e-10;
  const double top = bounded ? dist_.upper() : dist_.quantile(q1);
  if (!(top > low_) || !(q1 > q0)) {
    // The reserve is above (almost) every value: nobody bids to win.
    top_ = low_;
    top_bid_ = low_;
    knots_.assign(1, low_);
    table_.assign(1, low_);
    return;
  }
  // Half the knots equally spaced in probability (dense where values are likely), half equally
  // spaced in value (so no interval of a long tail is wide): at most 2 x 4096 intervals.
  knots_.reserve(2 * kHalfTable + 2);
  for (int t = 0; t <= kHalfTable; ++t) {
    knots_.push_back(low_ + (top - low_) * t / kHalfTable);
    if (t > 0 && t < kHalfTable) knots_.push_back(std::clamp(dist_.quantile(q0 + (q1 - q0) * t / kHalfTable), low_, top));
  }
  std::sort(knots_.begin(), knots_.end());
  knots_.erase(std::unique(knots_.begin(), knots_.end()), knots_.end());
  knots_.front() = low_;
  knots_.back() = top;
  table_.resize(knots_.size());
  const int m = n_ - 1;
  auto integrand = [&](double x) { return std::pow(dist_.cdf(x), m); };
  double integral = 0.0;  // G(v) = integral_L^v F^(n-1)
  table_[0] = low_;
  for (std::size_t t = 1; t < knots_.size(); ++t) {
    const double a = knots_[t - 1];
    const double v = knots_[t];
    if (v > a) integral += boost::math::quadrature::gauss_kronrod<double, 15>::integrate(integrand, a, v, 0, 0.0);
    const double fn = std::pow(dist_.cdf(v), m);
    // Where F^(n-1) underflows the ratio is lost; the bid there is within (v - L) of L anyway and
    // such values have probability below 1e-280.
    table_[t] = fn > 1e-280 ? v - integral / fn : low_ + (v - low_) * (n_ - 1) / n_;
  }
  top_ = top;
  top_bid_ = table_.back();
}

double FirstPriceEquilibrium::bid(double v) const {
  if (v <= low_) return v;
  if (table_.empty()) {
    const double a = dist_.lower();
    const double x = v - a;
    if (!(x > 0.0)) return v;
    const double l = low_ - a;
    const double ratio = std::pow(l / x, n_);  // ((L-a)/(v-a))^n, in [0, 1]
    return v - x * (1.0 - ratio) / n_;
  }
  if (v >= top_) return top_bid_;
  // knots_[t] <= v < knots_[t+1], so the interval has positive width.
  const auto it = std::upper_bound(knots_.begin(), knots_.end(), v);
  const auto t = static_cast<std::size_t>(it - knots_.begin()) - 1;
  const double frac = (v - knots_[t]) / (knots_[t + 1] - knots_[t]);
  return table_[t] + frac * (table_[t + 1] - table_[t]);
}

BanditShader::BanditShader(const BanditConfig& config)
    : algorithm_(config.algorithm),
      exploration_(config.exploration),
      reward_scale_(config.reward_scale > 0.0 ? config.reward_scale : 1.0) {
  std::vector<double> factors = config.factors;
  if (factors.empty()) {
    for (int a = 1; a <= 20; ++a) factors.push_back(0.05 * a);
  }
  if (factors.size() > static_cast<std::size_t>(kMaxArms)) throw std::invalid_argument("bandit shader: too many shading factors");
  arms_ = static_cast<int>(factors.size());
  for (int a = 0; a < arms_; ++a) factor_[a] = factors[a];
  refresh_exp3();
}

void BanditShader::refresh_exp3() {
  double top = log_weight_[0];
  for (int a = 1; a < arms_; ++a) top = std::max(top, log_weight_[a]);
  double total = 0.0;
  for (int a = 0; a < arms_; ++a) {
    prob_[a] = std::exp(log_weight_[a] - top);
    total += prob_[a];
  }
  const double uniform = exploration_ / arms_;
  for (int a = 0; a < arms_; ++a) prob_[a] = (1.0 - exploration_) * prob_[a] / total + uniform;
}

double BanditShader::choose(core::Rng& rng) {
  if (algorithm_ == BanditConfig::Algorithm::kExp3) {
    const double u = boost::random::uniform_01<double>()(rng);
    double acc = 0.0;
    int a = 0;
    for (; a < arms_ - 1; ++a) {
      acc += prob_[a];
      if (u < acc) break;
    }
    last_ = a;
  } else {
    // Try every arm once, then explore with probability epsilon.
    int untried = -1;
    for (int a = 0; a < arms_; ++a) {
      if (pulls_[a] == 0) {
        untried = a;
        break;
      }
    }
    if (untried >= 0) {
      last_ = untried;
    } else if (boost::random::uniform_01<double>()(rng) < exploration_) {
      last_ = boost::random::uniform_int_distribution<int>(0, arms_ - 1)(rng);
    } else {
      last_ = preferred_arm();
    }
  }
  return factor_[last_];
}

void BanditShader::reward(double surplus) {
  if (last_ < 0) return;
  const double x = std::clamp(surplus / reward_scale_, 0.0, 1.0);
  ++pulls_[last_];
  reward_sum_[last_] += x;
  if (algorithm_ == BanditConfig::Algorithm::kExp3) {
    log_weight_[last_] += exploration_ * (x / prob_[last_]) / arms_;
    refresh_exp3();
  }
  last_ = -1;
}

double BanditShader::probability(int arm) const {
  if (algorithm_ == BanditConfig::Algorithm::kExp3) return prob_[arm];
  const double explore = exploration_ / arms_;
  return (arm == preferred_arm() ? 1.0 - exploration_ : 0.0) + explore;
}

int BanditShader::preferred_arm() const {
  int best = 0;
  for (int a = 1; a < arms_; ++a) {
    if (algorithm_ == BanditConfig::Algorithm::kExp3 ? log_weight_[a] > log_weight_[best]
                                                      : mean_reward(a) > mean_reward(best)) {
      best = a;
    }
  }
  return best;
}

std::string check_strategy(const StrategySpec& spec) {
  std::ostringstream err;
  switch (spec.kind) {
    case StrategyKind::kTruthful:
    case StrategyKind::kFirstPriceEquilibrium: return {};
    case StrategyKind::kFixedBid:
      if (!(std::isfinite(spec.bid) && spec.bid >= 0.0)) {
        err << "a fixed bid must be a non-negative number, got " << spec.bid;
        return err.str();
      }
      return {};
    case StrategyKind::kShaded:
      if (!(std::isfinite(spec.shading) && spec.shading >= 0.0)) {
        err << "shading factor must be a non-negative number, got " << spec.shading;
        return err.str();
      }
      return {};
    case StrategyKind::kBanditShader: {
      const auto& b = spec.bandit;
      if (b.factors.size() > static_cast<std::size_t>(BanditShader::kMaxArms)) {
        err << "bandit shader has " << b.factors.size() << " shading factors, at most " << BanditShader::kMaxArms;
        return err.str();
      }
      for (double f : b.factors) {
        if (!(std::isfinite(f) && f >= 0.0)) {
          err << "bandit shading factors must be non-negative numbers, got " << f;
          return err.str();
        }
      }
      if (!(b.exploration > 0.0 && b.exploration <= 1.0)) {
        err << "bandit exploration must be in (0, 1], got " << b.exploration;
        return err.str();
      }
      if (!(std::isfinite(b.reward_scale) && b.reward_scale >= 0.0)) {
        err << "bandit reward_scale must be positive (or 0 for automatic), got " << b.reward_scale;
        return err.str();
      }
      return {};
    }
  }
  return "unknown strategy";
}

BiddingStrategy BiddingStrategy::truthful() { return BiddingStrategy{}; }

BiddingStrategy BiddingStrategy::shaded(double factor) {
  BiddingStrategy s;
  s.kind_ = StrategyKind::kShaded;
  s.shading_ = factor;
  return s;
}

BiddingStrategy BiddingStrategy::fixed_bid(double bid) {
  BiddingStrategy s;
  s.kind_ = StrategyKind::kFixedBid;
  s.shading_ = bid;
  return s;
}

BiddingStrategy BiddingStrategy::equilibrium(std::shared_ptr<const FirstPriceEquilibrium> eq) {
  BiddingStrategy s;
  s.kind_ = StrategyKind::kFirstPriceEquilibrium;
  s.equilibrium_ = std::move(eq);
  return s;
}

BiddingStrategy BiddingStrategy::bandit(const BanditConfig& config) {
  BiddingStrategy s;
  s.kind_ = StrategyKind::kBanditShader;
  s.bandit_ = std::make_unique<BanditShader>(config);
  return s;
}

}  // namespace adsim::auction

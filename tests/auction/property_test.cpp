// Property tests over randomized auctions: every property is checked on thousands of random
// instances mixing slot counts, position factors, quality exponents, reserves (global, per slot,
// per candidate) and billing models.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <gtest/gtest.h>

#include "auction/first_price.hpp"
#include "auction/gsp.hpp"
#include "auction/mechanisms.hpp"
#include "auction/vcg.hpp"
#include "core/random_streams.hpp"

namespace adsim::auction {
namespace {

using core::AuctionCandidates;
using core::AuctionResult;
using core::AuctionRules;
using core::BillingModel;

constexpr int kInstances = 4000;

struct Instance {
  std::vector<double> bid, pctr, quality, pcvr, own_reserve, factors, slot_reserves;
  std::vector<BillingModel> billing;
  AuctionRules rules;
  bool mixed_billing = false;
  bool candidate_reserves = false;

  std::size_t size() const { return bid.size(); }
  AuctionCandidates candidates() const {
    AuctionCandidates c{bid, pctr, quality};
    if (mixed_billing) {
      c.billing = billing;
      c.pcvr = pcvr;
    }
    if (candidate_reserves) c.reserve = own_reserve;
    return c;
  }
  AuctionRules auction_rules() const {
    AuctionRules r = rules;
    r.position_factors = factors;
    r.slot_reserves = slot_reserves;
    return r;
  }
  // eCPM of a bid b for candidate i, to turn bids into values on one scale.
  double ecpm(std::size_t i, double b) const {
    if (!mixed_billing) return b * pctr[i];
    switch (billing[i]) {
      case BillingModel::kCpc: return b * pctr[i];
      case BillingModel::kCpm: return b;
      case BillingModel::kCpa: return b * pctr[i] * pcvr[i];
    }
    return 0.0;
  }
};

class InstanceGenerator {
 public:
  explicit InstanceGenerator(std::uint64_t seed) : rng_(core::RandomStreams(seed).stream("auction.property")) {}

  Instance next(bool allow_slot_reserves = true) {
    Instance x;
    const int n = uni_int(1, 40);
    const int k = uni_int(1, 8);
    x.rules.slots = k;
    x.rules.quality_exponent = std::array<double, 5>{0.0, 0.5, 1.0, 1.7, 2.0}[static_cast<std::size_t>(uni_int(0, 4))];
    // Non-increasing position factors starting at 1.
    double f = 1.0;
    for (int s = 0; s < k; ++s) {
      x.factors.push_back(f);
      f *= uni(0.4, 1.0);
    }
    x.mixed_billing = coin(0.3);
    x.candidate_reserves = coin(0.2);
    for (int i = 0; i < n; ++i) {
      x.bid.push_back(boost::random::lognormal_distribution<double>(13.0, 0.8)(rng_));  // ~ 0.5 units in micros
      x.pctr.push_back(uni(0.001, 0.3));
      x.quality.push_back(uni(0.5, 1.5));
      x.pcvr.push_back(uni(0.01, 0.3));
      x.own_reserve.push_back(coin(0.5) ? 0.0 : uni(0.0, 600'000.0));
      BillingModel b = BillingModel::kCpc;
      const int kind = uni_int(0, 2);
      if (kind == 1) b = BillingModel::kCpm;
      if (kind == 2) b = BillingModel::kCpa;
      x.billing.push_back(b);
      if (x.mixed_billing && b == BillingModel::kCpm) x.bid.back() *= x.pctr.back();  // comparable scale
      if (x.mixed_billing && b == BillingModel::kCpa) x.bid.back() /= x.pcvr.back();
    }
    x.rules.reserve = coin(0.35) ? 0.0 : uni(0.0, 700'000.0);
    if (allow_slot_reserves && coin(0.3)) {
      for (int s = 0; s < k; ++s) x.slot_reserves.push_back(uni(0.0, 900'000.0));
      if (coin(0.5)) std::sort(x.slot_reserves.begin(), x.slot_reserves.end(), std::greater<>());
    }
    return x;
  }

  double uni(double a, double b) { return boost::random::uniform_real_distribution<double>(a, b)(rng_); }
  int uni_int(int a, int b) { return boost::random::uniform_int_distribution<int>(a, b)(rng_); }
  bool coin(double p) { return boost::random::bernoulli_distribution<double>(p)(rng_); }
  core::Rng& rng() { return rng_; }

 private:
  core::Rng rng_;
};

using RunFn = void (*)(const AuctionCandidates&, const AuctionRules&, std::span<double>, AuctionResult&);
constexpr std::array<RunFn, 3> kMechanisms = {&run_gsp, &run_vcg, &run_first_price};

int slot_of(const AuctionResult& r, std::size_t i) {
  for (int s = 0; s < r.filled; ++s) {
    if (r.slots[static_cast<std::size_t>(s)].candidate == i) return s;
  }
  return std::numeric_limits<int>::max();  // not shown
}

TEST(AuctionProperty, GeneratedInputsAreValid) {
  InstanceGenerator gen(1);
  for (int t = 0; t < 200; ++t) {
    const Instance x = gen.next();
    EXPECT_EQ(check_candidates(x.candidates()), "");
    EXPECT_EQ(check_rules(x.auction_rules()), "");
  }
}

TEST(AuctionProperty, HigherOwnBidNeverGivesALowerSlot) {
  InstanceGenerator gen(2);
  for (int t = 0; t < kInstances; ++t) {
    Instance x = gen.next();
    const std::size_t i = static_cast<std::size_t>(gen.uni_int(0, static_cast<int>(x.size()) - 1));
    std::vector<double> scores(x.size());
    AuctionResult before, after;
    run_gsp(x.candidates(), x.auction_rules(), scores, before);
    const int slot_before = slot_of(before, i);
    x.bid[i] *= 1.0 + gen.uni(0.0, 2.0);
    run_gsp(x.candidates(), x.auction_rules(), scores, after);
    EXPECT_LE(slot_of(after, i), slot_before) << "instance " << t << " candidate " << i;
  }
}

TEST(AuctionProperty, PricesNeverExceedBidsNorFallBelowReserves) {
  InstanceGenerator gen(3);
  for (int t = 0; t < kInstances; ++t) {
    const Instance x = gen.next();
    const AuctionRules rules = x.auction_rules();
    std::vector<double> scores(x.size());
    for (std::size_t m = 0; m < kMechanisms.size(); ++m) {
      AuctionResult r;
      kMechanisms[m](x.candidates(), rules, scores, r);
      for (int s = 0; s < r.filled; ++s) {
        const core::SlotAward& a = r.slots[static_cast<std::size_t>(s)];
        const std::size_t i = a.candidate;
        EXPECT_LE(a.price, x.bid[i]) << "mechanism " << m << " instance " << t;
        EXPECT_GE(a.price, 0.0);
        if (m == 2) continue;  // first price: the reserve only excludes
        const BillingModel bm = x.mixed_billing ? x.billing[i] : BillingModel::kCpc;
        if (bm != BillingModel::kCpc) continue;  // other units: see the eCPM check below
        double floor = std::max(rules.reserve, x.candidate_reserves ? x.own_reserve[i] : 0.0);
        // GSP also respects the slot's own reserve; VCG's price is the Myerson payment and may
        // sit between the slot's reserve and the lowest reserve it could have fallen back to.
        if (m == 0 && static_cast<std::size_t>(s) < x.slot_reserves.size()) floor = std::max(floor, x.slot_reserves[static_cast<std::size_t>(s)]);
        EXPECT_GE(a.price, floor) << "mechanism " << m << " instance " << t << " slot " << s;
      }
    }
  }
}

TEST(AuctionProperty, ExpectedPaymentNeverExceedsExpectedBid) {
  InstanceGenerator gen(4);
  for (int t = 0; t < kInstances; ++t) {
    const Instance x = gen.next();
    std::vector<double> scores(x.size());
    for (RunFn run : kMechanisms) {
      AuctionResult r;
      run(x.candidates(), x.auction_rules(), scores, r);
      for (int s = 0; s < r.filled; ++s) {
        const core::SlotAward& a = r.slots[static_cast<std::size_t>(s)];
        const double theta = x.factors[static_cast<std::size_t>(s)];
        EXPECT_LE(a.expected_payment, x.ecpm(a.candidate, x.bid[a.candidate]) * theta * (1 + 1e-12));
      }
    }
  }
}

TEST(AuctionProperty, GspPriceAtLeastVcgPriceSlotBySlot) {
  InstanceGenerator gen(5);
  for (int t = 0; t < kInstances; ++t) {
    const Instance x = gen.next();
    std::vector<double> scores(x.size());
    AuctionResult gsp, vcg;
    run_gsp(x.candidates(), x.auction_rules(), scores, gsp);
    run_vcg(x.candidates(), x.auction_rules(), scores, vcg);
    ASSERT_EQ(gsp.filled, vcg.filled);
    for (int s = 0; s < gsp.filled; ++s) {
      const auto& g = gsp.slots[static_cast<std::size_t>(s)];
      const auto& v = vcg.slots[static_cast<std::size_t>(s)];
      ASSERT_EQ(g.candidate, v.candidate) << "same allocation";
      EXPECT_GE(g.price, v.price * (1 - 1e-12)) << "instance " << t << " slot " << s;
    }
  }
}

TEST(AuctionProperty, SingleSlotGspAndVcgCoincide) {
  InstanceGenerator gen(6);
  for (int t = 0; t < kInstances; ++t) {
    Instance x = gen.next();
    x.rules.slots = 1;
    x.factors = {1.0};
    if (!x.slot_reserves.empty()) x.slot_reserves = {x.slot_reserves.front()};
    std::vector<double> scores(x.size());
    AuctionResult gsp, vcg;
    run_gsp(x.candidates(), x.auction_rules(), scores, gsp);
    run_vcg(x.candidates(), x.auction_rules(), scores, vcg);
    ASSERT_EQ(gsp.filled, vcg.filled);
    if (gsp.filled) {
      EXPECT_DOUBLE_EQ(gsp.slots[0].price, vcg.slots[0].price);
      EXPECT_EQ(gsp.slots[0].reserve_bound, vcg.slots[0].reserve_bound);
    }
  }
}

// Utility of candidate i with true eCPM value v_ecpm when the auction returns r.
double utility(const AuctionResult& r, std::size_t i, double v_ecpm, const std::vector<double>& factors) {
  const int s = slot_of(r, i);
  if (s == std::numeric_limits<int>::max()) return 0.0;
  return v_ecpm * factors[static_cast<std::size_t>(s)] - r.slots[static_cast<std::size_t>(s)].expected_payment;
}

TEST(AuctionProperty, VcgTruthfulBiddingIsNeverBeatenBySampledDeviations) {
  InstanceGenerator gen(7);
  int deviations = 0;
  for (int t = 0; t < kInstances; ++t) {
    Instance x = gen.next();  // bids are the true values (truthful)
    const std::size_t i = static_cast<std::size_t>(gen.uni_int(0, static_cast<int>(x.size()) - 1));
    const double truth = x.bid[i];
    const double v_ecpm = x.ecpm(i, truth);
    std::vector<double> scores(x.size());
    AuctionResult r;
    run_vcg(x.candidates(), x.auction_rules(), scores, r);
    const double u_truth = utility(r, i, v_ecpm, x.factors);
    EXPECT_GE(u_truth, -1e-9 * v_ecpm) << "individual rationality, instance " << t;
    for (int d = 0; d < 8; ++d) {
      // Deviations from 0 to 3x the value, both sides of the truth.
      x.bid[i] = truth * (d == 0 ? 0.0 : gen.uni(0.0, 3.0));
      run_vcg(x.candidates(), x.auction_rules(), scores, r);
      const double u_dev = utility(r, i, v_ecpm, x.factors);
      EXPECT_LE(u_dev, u_truth + 1e-9 * v_ecpm) << "instance " << t << " deviation bid " << x.bid[i] << " truth " << truth;
      ++deviations;
    }
    x.bid[i] = truth;
  }
  EXPECT_EQ(deviations, kInstances * 8);
}

// Textbook VCG, computed the slow way: payment = (others' weighted welfare in the best allocation
// without i) - (others' weighted welfare with i), divided by i's weight; candidates under the
// reserve take no part. Compared with run_vcg on instances with a uniform reserve.
TEST(AuctionProperty, VcgEqualsBruteForceExternality) {
  InstanceGenerator gen(8);
  for (int t = 0; t < kInstances; ++t) {
    Instance x = gen.next(/*allow_slot_reserves=*/false);
    x.candidate_reserves = false;
    x.rules.reserve = 0.0;  // the externality definition below has no reserve
    const AuctionRules rules = x.auction_rules();
    std::vector<double> scores(x.size());
    AuctionResult r;
    run_vcg(x.candidates(), rules, scores, r);
    const int k = rules.slots;
    auto best_welfare = [&](std::size_t skip) {
      std::vector<double> w;
      for (std::size_t j = 0; j < x.size(); ++j) {
        if (j != skip && scores[j] > 0) w.push_back(scores[j]);
      }
      std::sort(w.begin(), w.end(), std::greater<>());
      double total = 0.0;
      for (int s = 0; s < k && s < static_cast<int>(w.size()); ++s) total += w[static_cast<std::size_t>(s)] * x.factors[static_cast<std::size_t>(s)];
      return total;
    };
    double with_all = 0.0;
    for (int s = 0; s < r.filled; ++s) with_all += r.slots[static_cast<std::size_t>(s)].rank_score * x.factors[static_cast<std::size_t>(s)];
    for (int s = 0; s < r.filled; ++s) {
      const auto& a = r.slots[static_cast<std::size_t>(s)];
      const double others_with_i = with_all - a.rank_score * x.factors[static_cast<std::size_t>(s)];
      const double externality = best_welfare(a.candidate) - others_with_i;  // weighted
      const double w = x.rules.quality_exponent == 0.0 ? 1.0 : std::pow(x.quality[a.candidate], x.rules.quality_exponent);
      const double expected = externality / w;  // eCPM x theta: expected payment per impression
      EXPECT_NEAR(a.expected_payment, expected, 1e-9 * std::max(1.0, expected)) << "instance " << t << " slot " << s;
    }
  }
}

TEST(AuctionProperty, RankScoreIsBidTimesPctrTimesQualityToAlpha) {
  InstanceGenerator gen(9);
  for (int t = 0; t < 500; ++t) {
    Instance x = gen.next();
    x.mixed_billing = false;
    std::vector<double> scores(x.size());
    AuctionResult r;
    run_gsp(x.candidates(), x.auction_rules(), scores, r);
    for (std::size_t i = 0; i < x.size(); ++i) {
      EXPECT_DOUBLE_EQ(scores[i], x.bid[i] * x.pctr[i] * std::pow(x.quality[i], x.rules.quality_exponent));
    }
  }
}

TEST(AuctionProperty, WinnersAreTheTopRankedAndMeetTheirSlotsReserve) {
  InstanceGenerator gen(10);
  for (int t = 0; t < kInstances; ++t) {
    const Instance x = gen.next();
    const AuctionRules rules = x.auction_rules();
    std::vector<double> scores(x.size());
    AuctionResult r;
    run_gsp(x.candidates(), rules, scores, r);
    std::vector<CandidateOutcome> out(x.size());
    describe_outcomes(x.candidates(), rules, scores, r, out);
    int below = 0;
    for (const auto& o : out) below += o.below_reserve ? 1 : 0;
    EXPECT_EQ(below, r.below_reserve);
    for (int s = 0; s < r.filled; ++s) {
      const std::size_t i = r.slots[static_cast<std::size_t>(s)].candidate;
      double reserve = rules.reserve;
      if (static_cast<std::size_t>(s) < x.slot_reserves.size()) reserve = std::max(reserve, x.slot_reserves[static_cast<std::size_t>(s)]);
      if (x.candidate_reserves) reserve = std::max(reserve, x.own_reserve[i]);
      EXPECT_GE(x.ecpm(i, x.bid[i]), reserve * x.pctr[i] * (1 - 1e-12)) << "instance " << t;
      if (x.slot_reserves.empty()) {
        // Uniform reserve: every shown ad outranks every eligible ad not shown.
        for (std::size_t j = 0; j < x.size(); ++j) {
          if (slot_of(r, j) != std::numeric_limits<int>::max() || out[j].below_reserve || scores[j] <= 0) continue;
          EXPECT_TRUE(scores[i] > scores[j] || (scores[i] == scores[j] && i < j));
        }
      }
    }
  }
}

TEST(AuctionProperty, TiesGoToTheLowerIndex) {
  const std::vector<double> bid(6, 1'000'000.0), pctr(6, 0.1), quality(6, 1.0);
  const std::array<double, 3> factors = {1.0, 0.8, 0.6};
  AuctionRules rules;
  rules.slots = 3;
  rules.position_factors = factors;
  std::vector<double> scores(6);
  for (RunFn run : kMechanisms) {
    AuctionResult r;
    run({bid, pctr, quality}, rules, scores, r);
    ASSERT_EQ(r.filled, 3);
    for (int s = 0; s < 3; ++s) EXPECT_EQ(r.slots[static_cast<std::size_t>(s)].candidate, static_cast<std::uint32_t>(s));
  }
}

TEST(AuctionProperty, EmptyAndDegenerateInputs) {
  std::vector<double> none;
  std::vector<double> scores;
  AuctionRules rules;
  for (RunFn run : kMechanisms) {
    AuctionResult r;
    r.filled = 3;
    run({none, none, none}, rules, scores, r);
    EXPECT_EQ(r.filled, 0);
    EXPECT_EQ(r.below_reserve, 0);
  }
  // Zero bids are never shown, even without a reserve.
  const std::vector<double> bid = {0.0, 0.0}, pctr = {0.1, 0.1}, quality = {1, 1};
  scores.resize(2);
  for (RunFn run : kMechanisms) {
    AuctionResult r;
    run({bid, pctr, quality}, rules, scores, r);
    EXPECT_EQ(r.filled, 0);
  }
  // More slots than kMaxSlots are capped; zero slots show nothing.
  rules.slots = 0;
  const std::vector<double> b2 = {5.0, 4.0};
  for (RunFn run : kMechanisms) {
    AuctionResult r;
    run({b2, pctr, quality}, rules, scores, r);
    EXPECT_EQ(r.filled, 0);
  }
}

TEST(AuctionProperty, ValidationMessages) {
  AuctionRules rules;
  const std::array<double, 3> rising = {1.0, 0.6, 0.8};
  rules.slots = 3;
  rules.position_factors = rising;
  EXPECT_EQ(check_rules(rules), "position_factors must be non-increasing: slot 2 has 0.8 after 0.6");
  rules.position_factors = {};
  rules.slots = 17;
  EXPECT_EQ(check_rules(rules), "slots must be between 0 and 16, got 17");
  rules.slots = 2;
  rules.reserve = -1;
  EXPECT_EQ(check_rules(rules), "reserve must be a non-negative number, got -1");
  const std::vector<double> bid = {1.0}, pctr = {0.1}, quality = {1.0};
  const std::vector<BillingModel> billing = {BillingModel::kCpa};
  AuctionCandidates c{bid, pctr, quality};
  c.billing = billing;
  EXPECT_EQ(check_candidates(c), "candidate 0 bills per conversion but no pcvr was given");
  const std::vector<double> short_pctr;
  const std::vector<double> two = {0.1, 0.2};
  AuctionCandidates d{bid, two, quality};
  EXPECT_EQ(check_candidates(d), "pctr has 2 entries for 1 bids");
  EXPECT_EQ(parse_mechanism("vcg"), MechanismKind::kVcg);
  EXPECT_EQ(parse_mechanism("second_price"), MechanismKind::kGsp);
  EXPECT_FALSE(parse_mechanism("dutch").has_value());
  EXPECT_EQ(make_mechanism("first_price")->name(), "first_price");
  EXPECT_EQ(make_mechanism("nope"), nullptr);
}

TEST(AuctionProperty, VirtualDispatchMatchesFreeFunctions) {
  InstanceGenerator gen(11);
  for (int t = 0; t < 300; ++t) {
    const Instance x = gen.next();
    std::vector<double> s1(x.size()), s2(x.size());
    for (std::size_t m = 0; m < kMechanisms.size(); ++m) {
      AuctionResult a, b;
      kMechanisms[m](x.candidates(), x.auction_rules(), s1, a);
      make_mechanism(static_cast<MechanismKind>(m))->run(x.candidates(), x.auction_rules(), s2, b);
      ASSERT_EQ(a.filled, b.filled);
      for (int s = 0; s < a.filled; ++s) {
        EXPECT_EQ(a.slots[static_cast<std::size_t>(s)].candidate, b.slots[static_cast<std::size_t>(s)].candidate);
        EXPECT_EQ(a.slots[static_cast<std::size_t>(s)].price, b.slots[static_cast<std::size_t>(s)].price);
      }
    }
  }
}

}  // namespace
}  // namespace adsim::auction

#include <gtest/gtest.h>

#include <cmath>

#include <boost/random/bernoulli_distribution.hpp>

#include "core/random_streams.hpp"
#include "models/historical_cvr.hpp"

namespace adsim::models {
namespace {

TEST(HistoricalCvr, StartsAtThePriorAndConvergesToTheRate) {
  HistoricalCvrModel m(2, 0.05, 100.0);
  EXPECT_FLOAT_EQ(static_cast<float>(m.predict(0)), 0.05f);
  core::Rng rng = core::RandomStreams(7).stream("test.cvr");
  const double p = 0.12;
  boost::random::bernoulli_distribution<double> converts(p);
  const int n = 20'000;
  for (int i = 0; i < n; ++i) {
    m.on_click(0);
    if (converts(rng)) m.on_conversion(0);
  }
  // Binomial standard error at n = 20,000 is 0.0023; the prior pulls by 100 x 0.07 / 20,100.
  EXPECT_NEAR(m.predict(0), p, 4 * std::sqrt(p * (1 - p) / n) + 100.0 * 0.07 / (n + 100.0));
  EXPECT_FLOAT_EQ(static_cast<float>(m.predict(1)), 0.05f) << "campaigns learn separately";
  const core::CampaignId batch[] = {1, 0};
  float out[2];
  m.predict(batch, out);
  EXPECT_FLOAT_EQ(out[0], 0.05f);
  EXPECT_FLOAT_EQ(out[1], static_cast<float>(m.predict(0)));
  // Exactly (conversions + a) / (clicks + a + b).
  EXPECT_NEAR(m.predict(0), (static_cast<double>(m.conversions(0)) + 5.0) / (n + 100.0), 1e-6);
}

TEST(HistoricalCvr, RejectsABadPrior) {
  EXPECT_THROW(HistoricalCvrModel(1, 0.0, 100.0), std::invalid_argument);
  EXPECT_THROW(HistoricalCvrModel(1, 0.1, -1.0), std::invalid_argument);
}

}  // namespace
}  // namespace adsim::models

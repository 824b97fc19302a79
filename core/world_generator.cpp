#include "core/world_generator.hpp"

#include "core/huge_pages.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/beta_distribution.hpp>
#include <boost/random/discrete_distribution.hpp>
#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>

#include "core/vector_math.hpp"

namespace adsim::core {
namespace {

void normalize(float* v, int dim) {
  const float n = std::sqrt(dot(v, v, static_cast<std::size_t>(dim)));
  if (n > 0) for (int i = 0; i < dim; ++i) v[i] /= n;
}

// A random subset of `count` items as a bit mask, each item kept with probability `keep`, never empty.
std::uint64_t random_subset(Rng& rng, int count, double keep) {
  boost::random::bernoulli_distribution<double> take(keep);
  std::uint64_t mask = 0;
  for (int i = 0; i < count; ++i)
    if (take(rng)) mask |= 1ULL << i;
  if (mask == 0) mask = 1ULL << boost::random::uniform_int_distribution<int>(0, count - 1)(rng);
  return mask;
}

std::uint64_t all_bits(int count) { return count >= 64 ? ~0ULL : (1ULL << count) - 1; }

}  // namespace

World generate_world(const WorldSpec& spec, const RandomStreams& streams, SimTime horizon) {
  if (spec.users == 0 || spec.campaigns == 0 || spec.ads < spec.campaigns || spec.advertisers == 0 ||
      spec.advertisers > spec.campaigns)
    throw std::invalid_argument("generate_world: need users > 0 and advertisers <= campaigns <= ads");
  World w;
  w.dim = spec.embedding_dim;
  w.num_regions = static_cast<int>(spec.region_weights.size());
  w.num_age_bands = static_cast<int>(spec.age_band_weights.size());
  w.num_devices = static_cast<int>(spec.device_weights.size());
  w.num_categories = spec.interest_categories;
  w.num_advertisers = spec.advertisers;
  w.typical_ctr = spec.typical_ctr;
  w.typical_cvr = spec.typical_cvr;
  const int dim = w.dim;
  const auto udim = static_cast<std::size_t>(dim);
  boost::random::normal_distribution<float> gauss(0.0f, 1.0f);

  // Category centroids: random directions in the embedding space.
  {
    Rng rng = streams.stream("world.categories");
    w.category_centroids.resize(static_cast<std::size_t>(w.num_categories) * udim);
    for (int c = 0; c < w.num_categories; ++c) {
      float* v = &w.category_centroids[static_cast<std::size_t>(c) * udim];
      for (int i = 0; i < dim; ++i) v[i] = gauss(rng);
      normalize(v, dim);
    }
  }

  // Users: attributes from the scenario's weights; interests cluster around one favourite category.
  {
    Rng rng = streams.stream("world.users");
    UserPopulation& u = w.users;
    const std::size_t n = spec.users;
    u.dim = dim;
    // Every request reads its user's row of each array at random: huge pages (see huge_pages.hpp).
    assign_huge(u.region, n);
    assign_huge(u.age_band, n);
    assign_huge(u.device, n);
    assign_huge(u.embedding, n * udim);
    assign_huge(u.interests, n);
    assign_huge(u.fatigue, n);
    assign_huge<SimTime>(u.fatigue_updated, n);
    assign_huge(u.left, n);
    boost::random::discrete_distribution<int> region(spec.region_weights.begin(), spec.region_weights.end());
    boost::random::discrete_distribution<int> age(spec.age_band_weights.begin(), spec.age_band_weights.end());
    boost::random::discrete_distribution<int> device(spec.device_weights.begin(), spec.device_weights.end());
    boost::random::uniform_int_distribution<int> category(0, w.num_categories - 1);
    const auto conc = static_cast<float>(spec.interest_concentration);
    std::vector<std::pair<float, int>> scores(static_cast<std::size_t>(w.num_categories));
    const int top = std::min(spec.user_top_interests, w.num_categories);
    for (std::size_t i = 0; i < n; ++i) {
      u.region[i] = static_cast<std::uint8_t>(region(rng));
      u.age_band[i] = static_cast<std::uint8_t>(age(rng));
      u.device[i] = static_cast<std::uint8_t>(device(rng));
      const int fav = category(rng);
      float* v = &u.embedding[i * udim];
      const float* centroid = &w.category_centroids[static_cast<std::size_t>(fav) * udim];
      for (int d = 0; d < dim; ++d) v[d] = conc * centroid[d] + gauss(rng);
      normalize(v, dim);
      for (int c = 0; c < w.num_categories; ++c)
        scores[static_cast<std::size_t>(c)] = {
            dot(v, &w.category_centroids[static_cast<std::size_t>(c) * udim], udim), c};
      std::partial_sort(scores.begin(), scores.begin() + top, scores.end(),
                        [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
      std::uint64_t mask = 0;
      for (int k = 0; k < top; ++k) mask |= 1ULL << scores[static_cast<std::size_t>(k)].second;
      u.interests[i] = mask;
    }
  }

  // Advertisers each have a home category; campaigns belong to advertisers round-robin so every
  // advertiser has at least one.
  std::vector<int> advertiser_category(spec.advertisers);
  {
    Rng rng = streams.stream("world.advertisers");
    boost::random::uniform_int_distribution<int> category(0, w.num_categories - 1);
    for (auto& c : advertiser_category) c = category(rng);
  }

  {
    Rng rng = streams.stream("world.campaigns");
    boost::random::lognormal_distribution<double> budget(std::log(spec.daily_budget_median), spec.daily_budget_sigma);
    boost::random::lognormal_distribution<double> bid(std::log(spec.bid_median), spec.bid_sigma);
    boost::random::bernoulli_distribution<double> target_region(spec.region_targeting_share);
    boost::random::bernoulli_distribution<double> target_age(spec.age_targeting_share);
    boost::random::bernoulli_distribution<double> target_interest(spec.interest_targeting_share);
    boost::random::bernoulli_distribution<double> late(spec.late_start_share);
    boost::random::uniform_int_distribution<int> category(0, w.num_categories - 1);
    boost::random::uniform_real_distribution<double> when(0.0, static_cast<double>(horizon));
    w.campaigns.resize(spec.campaigns);
    for (std::uint32_t c = 0; c < spec.campaigns; ++c) {
      Campaign& k = w.campaigns[c];
      k.advertiser = c % spec.advertisers;
      const double daily = budget(rng);
      k.daily_budget = Money::from_units(daily);
      if (spec.total_budget_days > 0) k.total_budget = Money::from_units(daily * spec.total_budget_days);
      k.bid = Money::from_units(bid(rng));
      // A targeted campaign keeps each region/band with probability 1/3 (never none).
      k.region_mask = target_region(rng) ? static_cast<std::uint32_t>(random_subset(rng, w.num_regions, 1.0 / 3.0))
                                         : static_cast<std::uint32_t>(all_bits(w.num_regions));
      k.age_mask = target_age(rng) ? static_cast<std::uint32_t>(random_subset(rng, w.num_age_bands, 1.0 / 3.0))
                                   : static_cast<std::uint32_t>(all_bits(w.num_age_bands));
      if (target_interest(rng)) {
        k.interest_mask = 1ULL << advertiser_category[k.advertiser];
        k.interest_mask |= 1ULL << category(rng);  // one adjacent interest
      }
      k.flight_start = late(rng) ? static_cast<SimTime>(when(rng)) : 0;
      k.flight_end = horizon;
    }
  }

  // Conversion economics, each from its own stream so that worlds without them are drawn exactly
  // as before: the advertiser's value relative to its bid, the billing model (bids in other units
  // derived from the CPC bid), and the auto-bidding goal.
  {
    Rng value_rng = streams.stream("world.values");
    Rng billing_rng = streams.stream("world.billing");
    Rng goal_rng = streams.stream("world.auto_bidding");
    boost::random::normal_distribution<double> value_noise(0.0, 1.0);
    boost::random::uniform_real_distribution<double> unit(0.0, 1.0);
    for (Campaign& k : w.campaigns) {
      const double noise = spec.value_sigma > 0 ? std::exp(spec.value_sigma * value_noise(value_rng)) : 1.0;
      const double cpc_bid = k.bid.as_double_micros();
      k.value_per_click = cpc_bid * spec.value_over_bid * noise;
      k.value_per_conversion = k.value_per_click / spec.typical_cvr;
      const double b = unit(billing_rng);
      if (b < spec.cpm_share) {
        k.billing = BillingModel::kCpm;
        k.bid = Money::from_micros_rounded(std::max(1.0, cpc_bid * spec.typical_ctr));
      } else if (b < spec.cpm_share + spec.cpa_share) {
        k.billing = BillingModel::kCpa;
        k.bid = Money::from_micros_rounded(cpc_bid / spec.typical_cvr);
      }
      const double g = unit(goal_rng);
      if (g < spec.tcpa_share) {
        k.bidding = BiddingKind::kTargetCpa;
        k.bid_target = spec.tcpa_target_over_value * k.value_per_conversion;
      } else if (g < spec.tcpa_share + spec.troas_share) {
        k.bidding = BiddingKind::kTargetRoas;
        k.bid_target = spec.troas_target;
      }
    }
  }

  // Ads: every campaign gets one, the rest are spread at random; ads live in their campaign's
  // contiguous range so that campaign-wide switches touch one block.
  {
    Rng rng = streams.stream("world.ads");
    std::vector<std::uint32_t> per_campaign(spec.campaigns, 1);
    boost::random::uniform_int_distribution<std::uint32_t> pick(0, spec.campaigns - 1);
    for (std::uint32_t extra = spec.campaigns; extra < spec.ads; ++extra) ++per_campaign[pick(rng)];
    AdCatalog& a = w.ads;
    a.dim = dim;
    a.campaign.resize(spec.ads);
    a.category.resize(spec.ads);
    a.true_quality.resize(spec.ads);
    a.embedding.resize(static_cast<std::size_t>(spec.ads) * udim);
    a.available_from.assign(spec.ads, 0);
    boost::random::beta_distribution<double> quality(spec.ad_quality_alpha, spec.ad_quality_beta);
    boost::random::bernoulli_distribution<double> off_category(0.2);
    boost::random::bernoulli_distribution<double> is_new(spec.new_ad_share);
    boost::random::uniform_int_distribution<int> category(0, w.num_categories - 1);
    boost::random::uniform_real_distribution<double> when(0.0, static_cast<double>(horizon));
    const auto noise = static_cast<float>(spec.ad_interest_noise);
    AdId next = 0;
    for (std::uint32_t c = 0; c < spec.campaigns; ++c) {
      Campaign& k = w.campaigns[c];
      k.first_ad = next;
      k.ad_count = per_campaign[c];
      for (std::uint32_t j = 0; j < per_campaign[c]; ++j, ++next) {
        a.campaign[next] = c;
        const int cat = off_category(rng) ? category(rng) : advertiser_category[k.advertiser];
        a.category[next] = static_cast<std::uint16_t>(cat);
        a.true_quality[next] = static_cast<float>(std::clamp(quality(rng), 1e-3, 1.0 - 1e-3));
        float* v = &a.embedding[static_cast<std::size_t>(next) * udim];
        const float* centroid = &w.category_centroids[static_cast<std::size_t>(cat) * udim];
        for (int d = 0; d < dim; ++d) v[d] = centroid[d] + noise * gauss(rng);
        normalize(v, dim);
        // The first ad of a campaign is there from its start; later ones may arrive mid-run.
        if (j > 0 && is_new(rng)) a.available_from[next] = std::max(k.flight_start, static_cast<SimTime>(when(rng)));
        else a.available_from[next] = k.flight_start;
      }
    }
  }
  return w;
}

}  // namespace adsim::core

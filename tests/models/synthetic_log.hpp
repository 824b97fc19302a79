#pragma once
// A small synthetic training log for the learning tests: a world from core::generate_world and a
// logistic click truth with user-ad affinity, sampled without the marketplace so the tests control
// exactly which impressions are logged.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include "core/random_streams.hpp"
#include "core/request.hpp"
#include "core/training_log.hpp"
#include "core/vector_math.hpp"
#include "core/world.hpp"
#include "core/world_generator.hpp"

namespace adsim::models::testing {

struct SyntheticSpec {
  std::uint32_t users = 2'000;
  std::uint32_t ads = 200;
  std::uint32_t campaigns = 50;
  std::uint32_t advertisers = 20;
  int categories = 10;
  // P(click | slot) = examination[slot] · σ(base + affinity · cos(user, ad) + quality · (q − 0.5))
  double base_logit = -3.2;
  double affinity = 3.0;
  double quality = 2.0;
  std::vector<double> examination = {1.0, 0.6, 0.4, 0.3};
  // P(hide | slot) = examination[slot] · σ(hide_base + hide_quality · (0.5 − q)): poor ads get hidden.
  double hide_base_logit = -4.5;
  double hide_quality = 8.0;
  int ads_per_request = 4;  // shown in slots 0..k-1 (all in slot 0 if top_slot_only)
  bool top_slot_only = false;
  double requests_per_second = 5.0;
  core::SimTime attribution_window = 30 * core::kMinute;
  std::uint64_t seed = 1;
};

class SyntheticLog {
 public:
  explicit SyntheticLog(SyntheticSpec spec)
      : spec_(spec), rng_(core::RandomStreams(spec.seed).stream("synthetic.log")) {
    core::WorldSpec w;
    w.users = spec.users;
    w.ads = spec.ads;
    w.campaigns = spec.campaigns;
    w.advertisers = spec.advertisers;
    w.interest_categories = spec.categories;
    world_ = core::generate_world(w, core::RandomStreams(spec.seed), 30 * core::kDay);
  }

  const core::World& world() const { return world_; }
  const SyntheticSpec& spec() const { return spec_; }

  double true_ctr(core::UserId u, core::AdId a, int slot) const {
    const double cos = core::dot(world_.users.embedding_of(u).data(), world_.ads.embedding_of(a).data(),
                                 static_cast<std::size_t>(world_.dim));
    const double z = spec_.base_logit + spec_.affinity * cos + spec_.quality * (world_.ads.true_quality[a] - 0.5);
    const auto s = std::min<std::size_t>(static_cast<std::size_t>(slot), spec_.examination.size() - 1);
    return spec_.examination[s] * core::sigmoid(z);
  }

  double true_hide_rate(core::AdId a, int slot) const {
    const auto s = std::min<std::size_t>(static_cast<std::size_t>(slot), spec_.examination.size() - 1);
    return spec_.examination[s] *
           core::sigmoid(spec_.hide_base_logit + spec_.hide_quality * (0.5 - world_.ads.true_quality[a]));
  }

  core::RequestContext request_for(core::UserId u, core::SimTime t) const {
    core::RequestContext r;
    r.request_id = next_request_;
    r.time = t;
    r.user = u;
    r.region = world_.users.region[u];
    r.age_band = world_.users.age_band[u];
    r.device = world_.users.device[u];
    r.hour = static_cast<std::uint8_t>(core::time_of_day(t) / core::kHour);
    r.interests = world_.users.interests[u];
    r.user_embedding = world_.users.embedding_of(u);
    return r;
  }

  // The next `requests` requests, each showing ads_per_request random distinct ads, with labels;
  // released (sorted by release time) one attribution window after serving.
  std::vector<core::LabeledExample> next(std::size_t requests) {
    std::vector<core::LabeledExample> out;
    boost::random::uniform_int_distribution<core::UserId> user(0, static_cast<core::UserId>(world_.users.size() - 1));
    boost::random::uniform_int_distribution<core::AdId> ad(0, static_cast<core::AdId>(world_.ads.size() - 1));
    boost::random::exponential_distribution<double> gap(spec_.requests_per_second);
    for (std::size_t r = 0; r < requests; ++r) {
      now_ += core::from_seconds(gap(rng_));
      const core::UserId u = user(rng_);
      const core::RequestContext ctx = request_for(u, now_);
      std::vector<core::AdId> shown;
      while (static_cast<int>(shown.size()) < spec_.ads_per_request) {
        const core::AdId a = ad(rng_);
        if (std::find(shown.begin(), shown.end(), a) == shown.end()) shown.push_back(a);
      }
      for (std::size_t k = 0; k < shown.size(); ++k) {
        core::LabeledExample e;
        core::LoggedImpression& i = e.impression;
        i.impression_id = next_impression_++;
        i.request_id = next_request_;
        i.served_at = now_;
        i.user = u;
        i.ad = shown[k];
        i.campaign = world_.ads.campaign[shown[k]];
        i.slot = static_cast<std::uint8_t>(spec_.top_slot_only ? 0 : k);
        i.region = ctx.region;
        i.age_band = ctx.age_band;
        i.device = ctx.device;
        i.hour = ctx.hour;
        e.clicked = boost::random::bernoulli_distribution<double>(true_ctr(u, shown[k], i.slot))(rng_);
        e.hidden = boost::random::bernoulli_distribution<double>(true_hide_rate(shown[k], i.slot))(rng_);
        e.released_at = now_ + spec_.attribution_window;
        out.push_back(e);
      }
      ++next_request_;
    }
    return out;
  }

  core::SimTime now() const { return now_; }

 private:
  SyntheticSpec spec_;
  core::World world_;
  core::Rng rng_;
  core::SimTime now_ = 0;
  std::uint64_t next_request_ = 0;
  std::uint64_t next_impression_ = 0;
};

// Feeds examples to `learn` in release batches of about one minute, as the online joiner does.
template <typename Learn>
void feed_in_batches(std::span<const core::LabeledExample> examples, Learn&& learn, std::size_t batch = 300) {
  for (std::size_t i = 0; i < examples.size(); i += batch) {
    learn(examples.subspan(i, std::min(batch, examples.size() - i)));
  }
}

}  // namespace adsim::models::testing

#include "scenarios/component_registry.hpp"

#include "auction/first_price.hpp"
#include "auction/gsp.hpp"
#include "auction/vcg.hpp"
#include <algorithm>
#include <cmath>

#include "models/calibrators.hpp"
#include "models/global_ctr_model.hpp"
#include "models/historical_ctr.hpp"
#include "models/historical_cvr.hpp"
#include "models/gbdt_lr_ctr_model.hpp"
#include "models/logistic_ctr_model.hpp"
#include "models/mlp_ctr_model.hpp"
#include "models/negative_feedback_quality.hpp"
#include "models/oracle_ctr_model.hpp"
#include "models/served_prediction_evaluator.hpp"
#include "pacing/auto_bidder.hpp"
#include "pacing/pacers.hpp"
#include "pacing/spend_plan.hpp"
#include "scenarios/factory.hpp"

#include <boost/random/discrete_distribution.hpp>

namespace adsim::scenarios {
namespace {
core::SimTime minutes(double m) { return static_cast<core::SimTime>(std::llround(m * static_cast<double>(core::kMinute))); }

models::PositionMode position_mode(const Scenario& s) {
  return s.model.position_mode == "naive" ? models::PositionMode::kNaive : models::PositionMode::kFeature;
}

// The online hashed LR, alone (logistic) or under the trees' leaves (gbdt_lr).
models::LearnerConfig learner_config(const Scenario& s) {
  models::LearnerConfig c;
  c.features.hash_bits = s.model.hash_bits;
  c.features.position = position_mode(s);
  c.features.counter_prior_rate = s.model.prior_ctr;
  c.ftrl = {s.model.ftrl_alpha, s.model.ftrl_beta, s.model.ftrl_l1, s.model.ftrl_l2};
  c.downsample_rate = s.model.downsample_rate;
  c.recalibrate = s.model.recalibrate;
  c.refresh_interval = minutes(s.model.refresh_minutes);
  c.prior_rate = s.model.prior_ctr;  // cold, it serves the prior the historical model starts from
  c.validate = false;  // the run's evaluator scores what was served; nothing reads the learner's own
  return c;
}

models::GbdtLrConfig gbdt_lr_config(const Scenario& s) {
  models::GbdtLrConfig g;
  g.learner = learner_config(s);
  g.trees.trees = s.model.gbdt_trees;
  g.trees.depth = s.model.gbdt_depth;
  g.trees.learning_rate = s.model.gbdt_learning_rate;
  g.trees.min_child_weight = s.model.gbdt_min_child_weight;
  g.trees.seed = s.run.seed;
  g.window_examples = static_cast<std::size_t>(s.model.gbdt_window_examples);
  g.min_examples = std::min<std::size_t>(g.window_examples, 1000);
  g.interval = std::max<core::SimTime>(1, minutes(s.model.gbdt_interval_minutes));
  g.train_delay = minutes(s.model.gbdt_train_delay_minutes);
  return g;
}
}  // namespace

models::MlpConfig mlp_config(const Scenario& s) {
  const ModelSpec& m = s.model;
  models::MlpConfig c;
  c.embedding_dim = m.mlp_embedding_dim;
  c.hidden = {m.mlp_hidden1};
  if (m.mlp_hidden2 > 0) c.hidden.push_back(m.mlp_hidden2);
  c.adam.learning_rate = static_cast<float>(m.mlp_learning_rate);
  c.batch = m.mlp_batch;
  c.epochs = m.mlp_epochs;
  c.window_examples = static_cast<std::size_t>(m.mlp_window_examples);
  c.interval = std::max<core::SimTime>(core::kSecond, minutes(m.mlp_interval_minutes));
  c.train_delay = minutes(m.mlp_train_delay_minutes);
  c.id_buckets = static_cast<std::uint32_t>(m.mlp_id_buckets);
  c.downsample_rate = m.downsample_rate;
  c.recalibrate = m.recalibrate;
  c.prior_rate = m.prior_ctr;  // cold, it serves the prior, as the logistic model does
  c.position = position_mode(s);
  return c;
}

std::unique_ptr<core::CtrModel> make_ctr_model(const Scenario& s, const core::World& world,
                                               const core::UserResponse& truth) {
  const std::string& name = s.model.ctr_model;
  if (name == "historical")
    return std::make_unique<models::HistoricalCtrModel>(world.ads.size(), s.model.prior_ctr, s.model.prior_strength,
                                                        s.auction.position_factors);
  if (name == "oracle") return std::make_unique<models::OracleCtrModel>(truth);
  if (name == "global") {
    models::GlobalCtrConfig c;
    c.prior_rate = s.model.prior_ctr;
    c.prior_strength = s.model.prior_strength;
    return std::make_unique<models::GlobalCtrModel>(c);
  }
  if (name == "logistic")
    return std::make_unique<models::LogisticCtrModel>(world, learner_config(s),
                                                      core::RandomStreams(s.run.seed).stream("ctr_model.downsample"));
  if (name == "gbdt_lr") {
    try {
      return std::make_unique<models::GbdtLrCtrModel>(world, gbdt_lr_config(s),
                                                      core::RandomStreams(s.run.seed).stream("ctr_model.downsample"));
    } catch (const std::invalid_argument& e) {
      throw BuildError(std::string("model.ctr_model = 'gbdt_lr': ") + e.what());
    }
  }
  if (name == "mlp") {
    const core::RandomStreams streams(s.run.seed);
    return std::make_unique<models::MlpCtrModel>(world, mlp_config(s), streams.stream("ctr_model.downsample"),
                                                 streams.stream("ctr_model.mlp_init"),
                                                 streams.stream("ctr_model.mlp_shuffle"));
  }
  throw BuildError("model.ctr_model = '" + name + "' is not a known click model");
}

std::unique_ptr<core::Calibrator> make_calibrator(const Scenario& s, const core::World&) {
  const std::string& name = s.model.calibrator;
  if (name == "none") return nullptr;
  models::CalibratorConfig c;
  c.window = static_cast<std::size_t>(s.model.calibration_window);
  c.refit_interval = minutes(s.model.calibration_refit_minutes);
  if (name == "platt") return std::make_unique<models::PlattCalibrator>(c);
  if (name == "isotonic") return std::make_unique<models::IsotonicCalibrator>(c);
  throw BuildError("model.calibrator = '" + name + "' is not a known calibrator");
}

std::unique_ptr<core::QualityModel> make_quality_model(const Scenario& s, const core::World& world) {
  if (s.model.quality_source != "model") return nullptr;
  models::LearnerConfig c;
  c.features.hash_bits = s.model.hash_bits;
  c.ftrl = {s.model.ftrl_alpha, s.model.ftrl_beta, s.model.ftrl_l1, s.model.ftrl_l2};
  c.validate = false;
  return std::make_unique<models::NegativeFeedbackQuality>(world, c,
                                                           core::RandomStreams(s.run.seed).stream("quality_model.downsample"),
                                                           s.model.quality_penalty, static_cast<std::size_t>(s.funnel.rank_keep));
}

std::unique_ptr<core::PredictionEvaluator> make_evaluator(const Scenario& s) {
  return std::make_unique<models::ServedPredictionEvaluator>(
      s.auction.position_factors, models::CalibrationBinning{s.model.reliability_bins, s.model.reliability_max});
}

std::vector<pacing::StrategyParams> pacing_strategies(const PacingSpec& p, core::SimTime interval) {
  pacing::ThrottlingParams throttling;
  throttling.interval = interval;
  throttling.initial_rate = p.throttling_initial_rate;
  throttling.step = p.throttling_step;
  pacing::DualDescentParams dual;
  dual.interval = interval;
  dual.step_size = p.dual_step_size;
  dual.max_mu = p.dual_max_mu;
  pacing::PidParams pid;
  pid.interval = interval;
  pid.kp = p.pid_kp;
  pid.ki = p.pid_ki;
  pid.kd = p.pid_kd;
  pid.min_phi = p.pid_min_phi;
  pid.max_phi = p.pid_max_phi;
  pid.signal = p.pid_signal == "win_rate" ? pacing::PidParams::Signal::kWinRate : pacing::PidParams::Signal::kSpend;
  pid.target_win_rate = p.pid_target_win_rate;
  return {pacing::NoPacingParams{}, throttling, dual, pid};
}

// Every run gets a pacer, "none" included: it paces nothing but holds the spend plan, so the run
// reports how spend tracked the plan even without pacing (the point of the pacing lesson).
std::unique_ptr<core::Pacer> make_pacer(const Scenario& s, const core::World& world) {
  const PacingSpec& p = s.pacing;
  const core::SimTime interval = std::max<core::SimTime>(core::kSecond, minutes(p.control_minutes));
  pacing::PlanSpec plan;
  pacing::CurveSpec curve;
  curve.shape = p.curve == "traffic"   ? pacing::CurveSpec::Shape::kTraffic
                : p.curve == "learned" ? pacing::CurveSpec::Shape::kLearned
                                       : pacing::CurveSpec::Shape::kUniform;
  curve.finish_hour = p.finish_hour;
  plan.curves = {curve};
  plan.traffic_profile = s.traffic.hourly_profile;
  plan.horizon_end = s.run.horizon();

  const std::vector<pacing::StrategyParams> strategies = pacing_strategies(p, interval);
  const std::vector<std::string> names = {"none", "throttling", "dual_descent", "pid"};

  std::vector<std::uint32_t> assignment(world.campaigns.size());
  if (p.mix.empty()) {
    const auto it = std::find(names.begin(), names.end(), p.pacer);
    if (it == names.end()) throw BuildError("pacing.pacer = '" + p.pacer + "' is not a known pacer");
    std::fill(assignment.begin(), assignment.end(), static_cast<std::uint32_t>(it - names.begin()));
  } else {
    std::vector<double> shares(p.mix);
    shares.resize(strategies.size(), 0.0);
    core::Rng rng = core::RandomStreams(s.run.seed).stream("pacing.assignment");
    boost::random::discrete_distribution<std::uint32_t> pick(shares.begin(), shares.end());
    for (auto& a : assignment) a = pick(rng);
  }
  try {
    return pacing::make_pacer(pacing::SpendPlan(world.campaigns, plan), strategies, std::move(assignment));
  } catch (const std::invalid_argument& e) {
    throw BuildError(std::string("pacing: ") + e.what());
  }
}

std::unique_ptr<core::AuctionMechanism> make_auction(const Scenario& s) {
  const std::string& name = s.auction.mechanism;
  if (name == "gsp") return std::make_unique<auction::GspMechanism>();
  if (name == "vcg") return std::make_unique<auction::VcgMechanism>();
  if (name == "first_price") return std::make_unique<auction::FirstPriceMechanism>();
  throw BuildError("auction.mechanism = '" + name + "' is not a known mechanism");
}

std::unique_ptr<core::ConversionModel> make_conversion_model(const Scenario& s, const core::World& world) {
  return std::make_unique<models::HistoricalCvrModel>(world.campaigns.size(), s.model.cvr_prior, s.model.cvr_prior_strength);
}

std::unique_ptr<core::BidPolicy> make_bid_policy(const Scenario& s, const core::World& world, const core::Pacer* pacer) {
  std::vector<pacing::AutoBidGoal> goals = pacing::auto_bid_goals(world.campaigns);
  if (std::none_of(goals.begin(), goals.end(), [](const auto& g) { return g.kind != pacing::AutoBidGoal::Kind::kNone; }))
    return nullptr;
  pacing::AutoBidderParams params;
  const PacingSpec& p = s.pacing;
  params.interval = std::max<core::SimTime>(core::kSecond, minutes(p.auto_bid_minutes));
  params.gain = p.auto_bid_gain;
  params.half_life = std::max<core::SimTime>(core::kSecond, minutes(p.auto_bid_half_life_hours * 60.0));
  params.prior_conversions = p.auto_bid_prior_conversions;
  params.conversion_lag = minutes(p.auto_bid_conversion_lag_minutes);
  try {
    return std::make_unique<pacing::AutoBidPolicy>(pacing::AutoBidder(std::move(goals), params), pacer);
  } catch (const std::invalid_argument& e) {
    throw BuildError(std::string("auto-bidding: ") + e.what());
  }
}

}  // namespace adsim::scenarios

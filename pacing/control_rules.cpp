#include "pacing/control_rules.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace adsim::pacing {

namespace {

void require(bool ok, const char* strategy, const std::string& what) {
  if (!ok) throw std::invalid_argument(std::string("pacer '") + strategy + "': " + what);
}

std::string num(double v) { return std::to_string(v); }

}  // namespace

std::unique_ptr<ControlRule> make_rule(const StrategyParams& params, std::size_t campaigns) {
  struct Make {
    std::size_t n;
    std::unique_ptr<ControlRule> operator()(const NoPacingParams&) const { return std::make_unique<NoPacingRule>(); }
    std::unique_ptr<ControlRule> operator()(const ThrottlingParams& p) const {
      return std::make_unique<ThrottlingRule>(p, n);
    }
    std::unique_ptr<ControlRule> operator()(const DualDescentParams& p) const {
      return std::make_unique<DualDescentRule>(p, n);
    }
    std::unique_ptr<ControlRule> operator()(const PidParams& p) const { return std::make_unique<PidRule>(p, n); }
  };
  return std::visit(Make{campaigns}, params);
}

// ---------------------------------------------------------------------------------------------
// Throttling

ThrottlingRule::ThrottlingRule(const ThrottlingParams& p, std::size_t campaigns) : p_(p), started_(campaigns, 0) {
  const char* s = "throttle";
  require(p.interval > 0, s, "interval must be > 0");
  require(p.min_rate > 0.0 && p.min_rate <= p.max_rate && p.max_rate <= 1.0, s,
          "rates must satisfy 0 < min_rate <= max_rate <= 1, got min_rate " + num(p.min_rate) + ", max_rate " +
              num(p.max_rate));
  require(p.initial_rate >= p.min_rate && p.initial_rate <= p.max_rate, s,
          "initial_rate must be within [min_rate, max_rate], got " + num(p.initial_rate));
  require(p.step > 0.0 && std::isfinite(p.step) && (p.multiplicative || p.step < 1.0), s,
          "step must be > 0 (and < 1 when additive), got " + num(p.step));
  require(p.lookahead >= 0.0 && std::isfinite(p.lookahead), s, "lookahead must be >= 0, got " + num(p.lookahead));
  require(p.deadband >= 0.0 && std::isfinite(p.deadband), s, "deadband must be >= 0, got " + num(p.deadband));
}

void ThrottlingRule::start_day(core::CampaignId c, PacingOutput& out) {
  out.multiplier = 1.0;
  if (p_.slow_start_each_day || !started_[c]) out.pass_rate = p_.initial_rate;
  started_[c] = 1;
}

void ThrottlingRule::update(core::CampaignId, const TickSignal& s, PacingOutput& out) {
  const double gap = (s.target - s.spent) + p_.lookahead * (s.slice_target - s.slice_spend);
  const double band = p_.deadband * s.unit;
  double p = out.pass_rate;
  if (gap > band) p = p_.multiplicative ? p * (1.0 + p_.step) : p + p_.step;
  else if (gap < -band) p = p_.multiplicative ? p / (1.0 + p_.step) : p - p_.step;
  out.pass_rate = std::clamp(p, p_.min_rate, p_.max_rate);
}

// ---------------------------------------------------------------------------------------------
// Dual descent

DualDescentRule::DualDescentRule(const DualDescentParams& p, std::size_t campaigns) : p_(p), mu_(campaigns, p.initial_mu) {
  const char* s = "dual";
  require(p.interval > 0, s, "interval must be > 0");
  require(p.step_size > 0.0 && std::isfinite(p.step_size), s, "step_size must be > 0, got " + num(p.step_size));
  require(p.max_mu > 0.0 && std::isfinite(p.max_mu), s, "max_mu must be > 0, got " + num(p.max_mu));
  require(p.initial_mu >= 0.0 && p.initial_mu <= p.max_mu, s,
          "initial_mu must be within [0, max_mu], got " + num(p.initial_mu));
}

void DualDescentRule::start_day(core::CampaignId c, PacingOutput& out) {
  if (p_.reset_each_day) mu_[c] = p_.initial_mu;
  out.pass_rate = 1.0;
  out.multiplier = 1.0 / (1.0 + mu_[c]);
}

void DualDescentRule::update(core::CampaignId c, const TickSignal& s, PacingOutput& out) {
  mu_[c] = std::clamp(mu_[c] - p_.step_size * (s.slice_replanned - s.slice_spend) / s.unit, 0.0, p_.max_mu);
  out.multiplier = 1.0 / (1.0 + mu_[c]);
}

// ---------------------------------------------------------------------------------------------
// PID

PidRule::PidRule(const PidParams& p, std::size_t campaigns)
    : p_(p), phi_(campaigns, p.initial_phi), integral_(campaigns, 0.0), last_error_(campaigns, 0.0), started_(campaigns, 0) {
  const char* s = "pid";
  require(p.interval > 0, s, "interval must be > 0");
  require(std::isfinite(p.kp) && std::isfinite(p.ki) && std::isfinite(p.kd) && p.kp >= 0 && p.ki >= 0 && p.kd >= 0, s,
          "gains kp, ki, kd must be finite and >= 0");
  require(std::isfinite(p.min_phi) && std::isfinite(p.max_phi) && p.min_phi <= p.max_phi, s,
          "phi bounds must be finite with min_phi <= max_phi, got [" + num(p.min_phi) + ", " + num(p.max_phi) + "]");
  require(p.initial_phi >= p.min_phi && p.initial_phi <= p.max_phi, s,
          "initial_phi must be within [min_phi, max_phi], got " + num(p.initial_phi));
  require(p.integral_limit > 0.0, s, "integral_limit must be > 0, got " + num(p.integral_limit));
  require(p.signal != PidParams::Signal::kWinRate || p.target_win_rate > 0.0, s,
          "target_win_rate must be > 0 for the win-rate signal");
}

void PidRule::start_day(core::CampaignId c, PacingOutput& out) {
  if (p_.reset_each_day || !started_[c]) {
    integral_[c] = 0.0;
    phi_[c] = p_.initial_phi;
  }
  started_[c] = 1;
  last_error_[c] = 0.0;
  out.pass_rate = 1.0;
  out.multiplier = std::exp(phi_[c]);
}

void PidRule::update(core::CampaignId c, const TickSignal& s, PacingOutput& out) {
  double e = 0.0;
  if (p_.signal == PidParams::Signal::kSpend) {
    e = (s.target - s.spent) / (s.budget / 24.0);
  } else if (s.opportunities > 0) {
    const double w = static_cast<double>(s.charges) / static_cast<double>(s.opportunities);
    e = (p_.target_win_rate - w) / p_.target_win_rate;
  }
  const double hours = core::to_hours(s.elapsed);
  const double integral = std::clamp(integral_[c] + e * hours, -p_.integral_limit, p_.integral_limit);
  const double raw = p_.initial_phi + p_.kp * e + p_.ki * integral + p_.kd * (e - last_error_[c]);
  const bool wound_up = (raw > p_.max_phi && e > 0.0) || (raw < p_.min_phi && e < 0.0);
  if (!wound_up) integral_[c] = integral;
  last_error_[c] = e;
  phi_[c] = std::clamp(raw, p_.min_phi, p_.max_phi);
  out.multiplier = std::exp(phi_[c]);
}

}  // namespace adsim::pacing

#pragma once
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/ids.hpp"
#include "core/sim_time.hpp"
#include "pacing/pacer_params.hpp"

namespace adsim::pacing {

// What a campaign's pacer applies to every request until the next update: the factor its bid is
// multiplied by, and the probability that it takes part at all.
struct PacingOutput {
  double multiplier = 1.0;
  double pass_rate = 1.0;
};

// Everything a rule sees about one campaign at one control tick. Money in micros.
struct TickSignal {
  core::SimTime now = 0;
  core::SimTime elapsed = 0;  // Delta: time since the campaign's previous update (> 0)
  double budget = 0.0;        // B: today's planned budget (> 0)
  double target = 0.0;        // T: planned cumulative spend today at `now`, B * F(now)
  double spent = 0.0;         // S: the ledger's spend today
  double slice_target = 0.0;  // g: T(now) - T(previous update), the plan's share of the interval
  // g': the share of the budget still unspent at the previous update that the plan gave this
  // interval, (B - S_prev) * (F(now) - F_prev) / (1 - F_prev); B - S_prev once the plan is complete.
  // Following g' instead of g spreads any earlier shortfall or excess over the rest of the day.
  double slice_replanned = 0.0;
  double slice_spend = 0.0;   // s: billed since the previous update (from on_charge)
  double unit = 0.0;          // u = B * Delta / 24h: a uniform plan's spend per interval
  std::uint64_t opportunities = 0;  // requests the campaign reached since the previous update
  std::uint64_t charges = 0;        // billed charges since the previous update
};

// One pacing strategy's update rule and per-campaign state. A rule is called per campaign per
// control tick (a virtual call per campaign per tick, never per request); what it writes into
// PacingOutput is what the pacer applies per request.
class ControlRule {
 public:
  virtual ~ControlRule() = default;
  virtual std::string_view name() const = 0;
  virtual core::SimTime interval() const = 0;  // 0: never updated
  // True if the rule never changes PacingOutput from (1, 1).
  virtual bool pass_through() const { return false; }
  // A new day for campaign c (also called for day 0 at construction).
  virtual void start_day(core::CampaignId c, PacingOutput& out) = 0;
  virtual void update(core::CampaignId c, const TickSignal& s, PacingOutput& out) = 0;
};

// Builds the rule for a strategy, with state for `campaigns` campaigns. Throws std::invalid_argument
// for out-of-range parameters.
std::unique_ptr<ControlRule> make_rule(const StrategyParams& params, std::size_t campaigns);

// none: output stays (1, 1).
class NoPacingRule final : public ControlRule {
 public:
  std::string_view name() const override { return "none"; }
  core::SimTime interval() const override { return 0; }
  bool pass_through() const override { return true; }
  void start_day(core::CampaignId, PacingOutput& out) override { out = {}; }
  void update(core::CampaignId, const TickSignal&, PacingOutput&) override {}
};

// throttle: pass-through rate p, multiplier 1.
//   start of day:  p = initial_rate (slow start), or the previous day's p
//   each update:   gap = (T - S) + L * (g - s)          projected shortfall L intervals ahead
//                  gap >  deadband * u:  p = min(max_rate, p * (1 + step))   [p + step]
//                  gap < -deadband * u:  p = max(min_rate, p / (1 + step))   [p - step]
class ThrottlingRule final : public ControlRule {
 public:
  ThrottlingRule(const ThrottlingParams& p, std::size_t campaigns);
  std::string_view name() const override { return "throttle"; }
  core::SimTime interval() const override { return p_.interval; }
  void start_day(core::CampaignId c, PacingOutput& out) override;
  void update(core::CampaignId c, const TickSignal& s, PacingOutput& out) override;
  const ThrottlingParams& params() const { return p_; }

 private:
  ThrottlingParams p_;
  std::vector<std::uint8_t> started_;
};

// dual: multiplier 1 / (1 + mu), pass-through 1.
//   start of day:  mu kept (or mu = initial_mu if reset_each_day; always initial_mu on day 0)
//   each update:   mu = clamp(mu - eta * (g' - s) / u, 0, max_mu)
// Between projections, mu - mu(day start) = eta * sum(s - g') / u: mu grows with how far spend has
// run ahead of the (re-planned) target, so it settles where the spend rate meets the target rate
// instead of oscillating around it.
class DualDescentRule final : public ControlRule {
 public:
  DualDescentRule(const DualDescentParams& p, std::size_t campaigns);
  std::string_view name() const override { return "dual"; }
  core::SimTime interval() const override { return p_.interval; }
  void start_day(core::CampaignId c, PacingOutput& out) override;
  void update(core::CampaignId c, const TickSignal& s, PacingOutput& out) override;
  double mu(core::CampaignId c) const { return mu_[c]; }
  const DualDescentParams& params() const { return p_; }

 private:
  DualDescentParams p_;
  std::vector<double> mu_;
};

// pid: multiplier exp(phi), pass-through 1.
//   error:        e = (T - S) / (B / 24)                (kSpend: hours of plan behind, < 0 ahead)
//                 e = (w* - s_charges/opportunities) / w*  (kWinRate; e = 0 with no opportunity)
//   integral:     I' = clamp(I + e * Delta / 1h, -integral_limit, integral_limit)
//   raw:          phi_raw = phi0 + kp * e + ki * I' + kd * (e - e_prev)
//   output:       phi = clamp(phi_raw, min_phi, max_phi)
//   anti-windup:  I' is kept unless phi_raw is beyond a bound in the direction e pushes it
//   start of day: e_prev = 0; I kept (or I = 0 if reset_each_day)
// The spend error is the cumulative deviation, not the interval's spend against its slice: in the
// marketplace one click costs tens of minutes of plan, and a per-interval error (g' - s) / u reads
// it as a one-tick spike of -30 followed by +1s, which the output bound then cuts off, so the
// controller forgot each charge one tick later and barely paced.
class PidRule final : public ControlRule {
 public:
  PidRule(const PidParams& p, std::size_t campaigns);
  std::string_view name() const override { return "pid"; }
  core::SimTime interval() const override { return p_.interval; }
  void start_day(core::CampaignId c, PacingOutput& out) override;
  void update(core::CampaignId c, const TickSignal& s, PacingOutput& out) override;
  double phi(core::CampaignId c) const { return phi_[c]; }
  double integral(core::CampaignId c) const { return integral_[c]; }
  const PidParams& params() const { return p_; }

 private:
  PidParams p_;
  std::vector<double> phi_, integral_, last_error_;
  std::vector<std::uint8_t> started_;
};

}  // namespace adsim::pacing

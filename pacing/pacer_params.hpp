#pragma once
#include <cstdint>
#include <variant>

#include "core/sim_time.hpp"

namespace adsim::pacing {

// Parameters of each pacing strategy, as a scenario would set them. The exact update rules are in
// control_rules.hpp and docs/pacing.md. Every strategy updates each campaign once per `interval`.

// None: the campaign bids its full bid in every auction it reaches, until its budget runs out.
struct NoPacingParams {};

// Probabilistic throttling: the campaign takes part in a request with probability p (its
// pass-through rate), raised or lowered by a fixed step each interval.
struct ThrottlingParams {
  core::SimTime interval = core::kMinute;
  double initial_rate = 0.1;  // slow start: p at the start of each day
  double min_rate = 0.001;
  double max_rate = 1.0;
  double step = 0.1;           // per interval: p*(1+step) or p/(1+step); p +- step if !multiplicative
  bool multiplicative = true;  // a fixed step in log p serves campaigns whose p* differ by decades
  double lookahead = 10.0;     // L: intervals the last interval's spend rate is projected ahead
  double deadband = 0.0;       // in units u (see TickSignal): no change while |projected gap| <= this
  bool slow_start_each_day = true;  // false: each day starts from the previous day's final rate
};

// Multiplicative bid shading by adaptive dual descent: multiplier 1 / (1 + mu), mu in [0, max_mu].
struct DualDescentParams {
  core::SimTime interval = core::kMinute;
  double step_size = 0.2;   // eta, per unit u of interval overspend
  double max_mu = 20.0;     // mu-bar: bids are never shaded below 1 / (1 + max_mu)
  double initial_mu = 0.0;
  bool reset_each_day = false;  // false: mu carries over from the previous day (a warm start)
};

// PID on the spend's deviation from plan (or on the charge rate per opportunity), acting on
// exp(phi) x bid.
struct PidParams {
  enum class Signal : std::uint8_t {
    kSpend,    // e = (T - S) / (B / 24h): hours of a uniform plan the campaign is behind (+) or ahead (-)
    kWinRate,  // e = (w* - w) / w*, w = charges per opportunity in the interval
  };
  core::SimTime interval = core::kMinute;
  Signal signal = Signal::kSpend;
  double kp = 3.0;  // per unit of e: an hour of plan ahead shades the bid by exp(-3)
  double ki = 1.0;  // per unit of e x hour
  double kd = 0.0;
  double min_phi = -6.0;  // bids never shaded below exp(-6) ~ 0.25%
  double max_phi = 0.0;   // > 0 lets the pacer bid above the campaign's own bid
  double integral_limit = 1e4;  // |I| bound, in error x hours (anti-windup, with conditional integration)
  double initial_phi = 0.0;     // phi0: the bias the PID terms add to
  double target_win_rate = 0.0; // w*, for kWinRate: target charges per opportunity
  bool reset_each_day = false;  // false: the integral carries over from the previous day
};

using StrategyParams = std::variant<NoPacingParams, ThrottlingParams, DualDescentParams, PidParams>;

}  // namespace adsim::pacing

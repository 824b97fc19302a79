#pragma once
#include <cmath>
#include <compare>
#include <cstdint>

namespace adsim::core {

// Money in integer micro-units of the scenario currency (1 unit = 1,000,000 micros), so budgets
// and revenue add up exactly and never drift with the number of charges.
struct Money {
  std::int64_t micros = 0;

  static constexpr Money from_micros(std::int64_t m) { return Money{m}; }
  // Rounds to the nearest micro; used only where a price is computed in floating point.
  static Money from_units(double units) { return Money{static_cast<std::int64_t>(std::llround(units * 1e6))}; }
  static Money from_micros_rounded(double micros) { return Money{static_cast<std::int64_t>(std::llround(micros))}; }
  constexpr double units() const { return static_cast<double>(micros) / 1e6; }
  constexpr double as_double_micros() const { return static_cast<double>(micros); }

  constexpr Money& operator+=(Money o) { micros += o.micros; return *this; }
  constexpr Money& operator-=(Money o) { micros -= o.micros; return *this; }
  friend constexpr Money operator+(Money a, Money b) { return Money{a.micros + b.micros}; }
  friend constexpr Money operator-(Money a, Money b) { return Money{a.micros - b.micros}; }
  friend constexpr auto operator<=>(Money a, Money b) = default;
};

}  // namespace adsim::core

#pragma once
#include <cstdint>

namespace adsim::core {

// Simulated time in integer microseconds since the start of the run. Integer so that event order
// and day boundaries never depend on floating-point rounding.
using SimTime = std::int64_t;

inline constexpr SimTime kMicrosecond = 1;
inline constexpr SimTime kMillisecond = 1'000;
inline constexpr SimTime kSecond = 1'000'000;
inline constexpr SimTime kMinute = 60 * kSecond;
inline constexpr SimTime kHour = 60 * kMinute;
inline constexpr SimTime kDay = 24 * kHour;

constexpr double to_seconds(SimTime t) { return static_cast<double>(t) / static_cast<double>(kSecond); }
constexpr double to_hours(SimTime t) { return static_cast<double>(t) / static_cast<double>(kHour); }
constexpr SimTime from_seconds(double s) { return static_cast<SimTime>(s * static_cast<double>(kSecond)); }
constexpr std::int64_t day_of(SimTime t) { return t / kDay; }
constexpr SimTime time_of_day(SimTime t) { return t % kDay; }

}  // namespace adsim::core

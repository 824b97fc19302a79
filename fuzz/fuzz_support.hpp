#pragma once
// What the fuzz targets (loader_target.cpp, overrides_target.cpp) share: how a finding is reported,
// the properties every loaded scenario must have, and the bundled scenarios compiled in.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "scenarios/scenario.hpp"
#include "scenarios/scenario_loader.hpp"

namespace adsim::fuzz {

// A bug: prints what went wrong (and the detail) to stderr and aborts, so libFuzzer saves the input
// as a crash and the replay tests fail.
[[noreturn]] void finding(std::string_view what, std::string_view detail = {});

// Runs `load` and returns true when it loaded, false when it threw ScenarioError with a well-formed
// report (at least one diagnostic, each with a message; its text goes to *error when given). Any
// other exception is a finding.
template <class Load>
bool loads(std::string_view where, Load&& load, std::string* error = nullptr);

// Properties of a scenario that loaded: no cross-field rule is broken, and the TOML the GUI and
// studies write for it (render_scenario_toml) reads back to the same scenario.
void check_loaded(const scenarios::Scenario& scenario, std::string_view where);

// Builds what a loaded scenario describes, shrunk first to a small world (fuzz/README.md, "Building
// the marketplace"): build_marketplace and auction_only_config may only throw BuildError.
void check_builds(const scenarios::Scenario& scenario);

// The bundled scenarios (scenarios/*.toml), compiled in by fuzz/CMakeLists.txt.
struct Bundled {
  const char* name;  // "quickstart"
  std::string_view text;
};
std::span<const Bundled> bundled_scenarios();

// Shared by the loads() template below.
void check_error_report(const scenarios::ScenarioError& error, std::string_view where);
[[noreturn]] void unexpected_exception(std::string_view where);

template <class Load>
bool loads(std::string_view where, Load&& load, std::string* error) {
  try {
    load();
    return true;
  } catch (const scenarios::ScenarioError& e) {
    check_error_report(e, where);
    if (error != nullptr) *error = e.what();
    return false;
  } catch (...) {
    unexpected_exception(where);
  }
}

}  // namespace adsim::fuzz

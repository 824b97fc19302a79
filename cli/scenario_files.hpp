#pragma once
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

// Finding scenarios for the adsim command (a path, or a bundled name) and loading them with the
// loader's file:line:column messages; shared by every command that takes a SCENARIO.
namespace adsim::cli {

// ADSIM_SCENARIO_DIR from the environment, else the bundled scenarios' folder.
std::filesystem::path bundled_dir();
std::vector<std::filesystem::path> bundled_scenarios();
// A path if it exists, else a bundled scenario of that name (else the path, for the loader to report).
std::filesystem::path resolve_scenario(const std::string& name);

// Loads `name` with `overrides`; on a problem writes it to `err` and returns kExitBadInput,
// else kExitOk.
int load_scenario(const std::string& name, const std::vector<std::string>& overrides, std::ostream& err,
                  scenarios::Scenario& out);

void configure_logging(const std::string& level, bool verbose);

}  // namespace adsim::cli

#pragma once
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

// Finding scenarios for the adsim command (a path, or a bundled name) and loading them with the
// loader's file:line:column messages; shared by every command that takes a SCENARIO.
namespace adsim::cli {

// The bundled scenarios' folder by scenarios::find_bundled_dir()'s rule ($ADSIM_SCENARIO_DIR, else
// ../share/adsim/scenarios beside the program, ...); empty when none of its candidates holds a
// scenario file: then bundled_scenarios() is empty too, and bundled_dir_problem() says where adsim
// looked, for the error a command prints.
std::filesystem::path bundled_dir();
std::vector<std::filesystem::path> bundled_scenarios();
// "" when the bundled scenarios are found; else the message (newline-terminated) for the user.
std::string bundled_dir_problem();
// A path if it exists, else a bundled scenario of that name (else the path, for the loader to report).
std::filesystem::path resolve_scenario(const std::string& name);

// Loads `name` with `overrides`; on a problem writes it to `err` and returns kExitBadInput,
// else kExitOk.
int load_scenario(const std::string& name, const std::vector<std::string>& overrides, std::ostream& err,
                  scenarios::Scenario& out);

void configure_logging(const std::string& level, bool verbose);

}  // namespace adsim::cli

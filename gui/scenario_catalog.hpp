#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace adsim::gui {

// A bundled scenario, as the picker lists it.
struct BundledScenario {
  std::filesystem::path path;
  std::string id;           // file stem: "quickstart"
  std::string name;         // the scenario's `name`
  std::string description;  // the scenario's `description`
  std::string lesson;       // the scenario's `lesson`
  std::string load_error;   // non-empty if the file does not load
};

// The folder of bundled scenarios by the same rule as `adsim list` (scenarios::find_bundled_dir():
// $ADSIM_SCENARIO_DIR if set, else ../share/adsim/scenarios beside the program, ...); empty when
// none is found, and then bundled_scenarios() is empty and bundled_scenarios_problem() says where
// the app looked.
std::filesystem::path bundled_scenario_dir();
// "" when the bundled scenarios are found; else a message naming the folders looked in.
std::string bundled_scenarios_problem();
// Every *.toml there, sorted by file name, with its name, description and lesson.
std::vector<BundledScenario> bundled_scenarios();

}  // namespace adsim::gui

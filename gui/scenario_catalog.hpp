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

// The folder of bundled scenarios: $ADSIM_SCENARIO_DIR if set, else the source tree's scenarios/
// (the same rule as `adsim list`).
std::filesystem::path bundled_scenario_dir();
// Every *.toml there, sorted by file name, with its name, description and lesson.
std::vector<BundledScenario> bundled_scenarios();

}  // namespace adsim::gui

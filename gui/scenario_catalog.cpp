#include "gui/scenario_catalog.hpp"

#include <algorithm>
#include <exception>

#include "scenarios/bundled_dir.hpp"
#include "scenarios/scenario_loader.hpp"

namespace adsim::gui {

std::filesystem::path bundled_scenario_dir() { return scenarios::find_bundled_dir().dir; }

std::string bundled_scenarios_problem() {
  const scenarios::BundledDirSearch search = scenarios::find_bundled_dir();
  return search.dir.empty() ? scenarios::no_bundled_dir_message(search) : std::string();
}

std::vector<BundledScenario> bundled_scenarios() {
  std::vector<BundledScenario> out;
  const std::filesystem::path dir = bundled_scenario_dir();
  if (dir.empty()) return out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".toml") continue;
    BundledScenario b;
    b.path = entry.path();
    b.id = entry.path().stem().string();
    try {
      const scenarios::Scenario s = scenarios::load_scenario_file(entry.path());
      b.name = s.name;
      b.description = s.description;
      b.lesson = s.lesson;
    } catch (const std::exception& e) {
      b.name = b.id;
      b.load_error = e.what();
    }
    out.push_back(std::move(b));
  }
  std::sort(out.begin(), out.end(), [](const BundledScenario& a, const BundledScenario& b) { return a.path < b.path; });
  return out;
}

}  // namespace adsim::gui

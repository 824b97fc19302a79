#include "scenarios/bundled_dir.hpp"

#include <algorithm>
#include <cstdlib>
#include <system_error>

// Set by scenarios/CMakeLists.txt from GNUInstallDirs; the defaults keep a build without them working.
#ifndef ADSIM_BIN_TO_SCENARIOS
#define ADSIM_BIN_TO_SCENARIOS "../share/adsim/scenarios"
#endif
#ifndef ADSIM_INSTALL_SCENARIOS
#define ADSIM_INSTALL_SCENARIOS ""
#endif

namespace adsim::scenarios {
namespace fs = std::filesystem;

namespace {

bool holds_scenarios(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".toml") return true;
  return false;
}

// The running program's folder, symlinks resolved (so a link in /usr/local/bin to an adsim
// elsewhere finds that adsim's scenarios); empty where /proc is not mounted.
fs::path program_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec || exe.empty()) return {};
  return exe.parent_path();
}

}  // namespace

BundledDirSearch find_bundled_dir() {
  BundledDirSearch search;
  if (const char* env = std::getenv("ADSIM_SCENARIO_DIR"); env && *env) {
    search.from_environment = true;
    search.tried.emplace_back(env);
  } else {
    const fs::path relative = ADSIM_BIN_TO_SCENARIOS;
    if (const fs::path bin = program_dir(); !bin.empty()) {
      search.tried.push_back((bin / relative).lexically_normal());
      search.tried.push_back((bin.parent_path() / relative).lexically_normal());
    }
    if (const fs::path installed = ADSIM_INSTALL_SCENARIOS; !installed.empty()) search.tried.push_back(installed);
    // The same folder reached twice (a program in the prefix's bin/) is looked at once.
    for (auto it = search.tried.begin(); it != search.tried.end();)
      it = std::find(search.tried.begin(), it, *it) != it ? search.tried.erase(it) : it + 1;
  }
  for (const fs::path& dir : search.tried) {
    if (holds_scenarios(dir)) {
      search.dir = dir;
      break;
    }
  }
  return search;
}

std::string no_bundled_dir_message(const BundledDirSearch& search) {
  std::string text = "adsim: no bundled scenarios found (no *.toml file in ";
  for (std::size_t i = 0; i < search.tried.size(); ++i) text += (i ? ", " : "") + search.tried[i].string();
  if (search.tried.empty()) text += "any folder: the running program's location is unknown";
  text += ")\n";
  text += search.from_environment ? "adsim: ADSIM_SCENARIO_DIR names that folder; unset it or point it at the scenario files\n"
                                  : "adsim: reinstall adsim, or set ADSIM_SCENARIO_DIR to the folder of scenario files\n";
  return text;
}

}  // namespace adsim::scenarios

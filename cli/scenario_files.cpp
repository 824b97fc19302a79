#include "cli/scenario_files.hpp"

#include <algorithm>
#include <ostream>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/cli_app.hpp"
#include "scenarios/bundled_dir.hpp"
#include "scenarios/scenario_loader.hpp"

namespace adsim::cli {
namespace fs = std::filesystem;

fs::path bundled_dir() { return scenarios::find_bundled_dir().dir; }

std::string bundled_dir_problem() {
  const scenarios::BundledDirSearch search = scenarios::find_bundled_dir();
  return search.dir.empty() ? scenarios::no_bundled_dir_message(search) : std::string();
}

fs::path resolve_scenario(const std::string& name) {
  fs::path p(name);
  if (fs::exists(p)) return p;
  if (p.extension().empty() && p.parent_path().empty()) {
    if (const fs::path dir = bundled_dir(); !dir.empty()) {
      fs::path b = dir / (name + ".toml");
      if (fs::exists(b)) return b;
    }
  }
  return p;  // the loader reports the missing file by name
}

std::vector<fs::path> bundled_scenarios() {
  std::vector<fs::path> files;
  const fs::path dir = bundled_dir();
  if (dir.empty()) return files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".toml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

int load_scenario(const std::string& name, const std::vector<std::string>& overrides, std::ostream& err,
                  scenarios::Scenario& out) {
  const fs::path path = resolve_scenario(name);
  if (!fs::exists(path) && fs::path(name).extension().empty() && fs::path(name).parent_path().empty()) {
    std::string names;
    for (const fs::path& p : bundled_scenarios()) names += (names.empty() ? "" : ", ") + p.stem().string();
    if (names.empty()) {
      err << fmt::format("adsim: '{}' is neither a scenario file nor a bundled scenario\n", name) << bundled_dir_problem();
      return kExitBadInput;
    }
    err << fmt::format("adsim: '{}' is neither a scenario file nor a bundled scenario (bundled: {})\n", name, names);
    return kExitBadInput;
  }
  try {
    out = scenarios::load_scenario_file(path, overrides);
  } catch (const scenarios::ScenarioError& e) {
    err << e.what() << (std::string_view(e.what()).ends_with('\n') ? "" : "\n");
    return kExitBadInput;
  }
  return kExitOk;
}

void configure_logging(const std::string& level, bool verbose) {
  auto logger = spdlog::get("adsim");
  if (!logger) logger = spdlog::stderr_color_mt("adsim");
  spdlog::set_default_logger(logger);
  spdlog::level::level_enum l = spdlog::level::from_str(level);
  if (verbose && l > spdlog::level::debug) l = spdlog::level::debug;
  spdlog::set_level(l);
}

}  // namespace adsim::cli

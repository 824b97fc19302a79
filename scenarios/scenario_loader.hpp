#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/scenario.hpp"

namespace adsim::scenarios {

// One problem in a scenario file or a --set override. line and column are 1-based; 0 when the
// problem has no position (a file that cannot be read). key_path is "" when no key is known
// (a TOML syntax error); array entries read "traffic.hourly_profile[3]".
struct Diagnostic {
  std::string file;  // the file name as given, or "--set" for overrides
  int line = 0;
  int column = 0;
  std::string key_path;
  std::string message;

  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

// "file:line:column: key.path: message", leaving out the parts that are unknown.
std::string format_diagnostic(const Diagnostic& diagnostic);

// Thrown when a scenario cannot be loaded; carries every problem found, not just the first.
class ScenarioError : public std::runtime_error {
 public:
  explicit ScenarioError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// The largest scenario file load_scenario_file() reads; the bundled ones are a few KiB.
inline constexpr std::uintmax_t kMaxScenarioFileBytes = 8u * 1024 * 1024;

// Reads and validates a scenario file, then applies and validates the overrides ("key.path=value",
// the value written as in TOML; a bare word is accepted for string keys). Fills source_path,
// source_text and overrides. Throws ScenarioError listing every problem.
Scenario load_scenario_file(const std::filesystem::path& path, std::span<const std::string> overrides = {});

// As load_scenario_file, from text; source_name names the text in diagnostics and source_path.
Scenario parse_scenario(std::string_view text, std::string source_name, std::span<const std::string> overrides = {});

// Applies further overrides to an already loaded scenario (a GUI changing one knob), validated by
// the same rules, and appends them to scenario.overrides. Throws ScenarioError.
Scenario apply_overrides(const Scenario& base, std::span<const std::string> overrides);

// The same for a study's settings, each reported at its own place: a line of the file's
// [experiment] table, or the column of its value in a --vary / --variant argument.
Scenario apply_settings(const Scenario& base, std::span<const Setting> settings);

}  // namespace adsim::scenarios

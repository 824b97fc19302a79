#include "fuzz/fuzz_support.hpp"

#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <typeinfo>
#include <vector>

#include "scenarios/auction_only_run.hpp"
#include "scenarios/factory.hpp"
#include "scenarios/scenario_schema.hpp"

namespace adsim::fuzz {
namespace {

std::string demangled(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type.name());
}

// The first line where two texts differ, for a finding's report.
std::string first_difference(std::string_view a, std::string_view b) {
  std::size_t line = 1;
  std::size_t start = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] != b[i]) break;
    if (a[i] == '\n') {
      ++line;
      start = i + 1;
    }
  }
  auto line_of = [&](std::string_view s) {
    if (start >= s.size()) return std::string("(end of text)");
    return std::string(s.substr(start, s.find('\n', start) - start));
  };
  return "line " + std::to_string(line) + ":\n  first:  " + line_of(a) + "\n  second: " + line_of(b);
}

}  // namespace

void finding(std::string_view what, std::string_view detail) {
  constexpr std::size_t kMaxDetail = 4000;
  std::fprintf(stderr, "\n==adsim-fuzz== FINDING: %.*s\n", static_cast<int>(what.size()), what.data());
  if (!detail.empty()) {
    const std::size_t n = std::min(detail.size(), kMaxDetail);
    std::fprintf(stderr, "%.*s%s\n", static_cast<int>(n), detail.data(), detail.size() > n ? "\n[...]" : "");
  }
  std::fflush(stderr);
  std::abort();
}

void unexpected_exception(std::string_view where) {
  const std::string prefix(where);
  try {
    throw;
  } catch (const std::exception& e) {
    finding(prefix + " threw " + demangled(typeid(e)) + " (only ScenarioError is allowed)", e.what());
  } catch (...) {
    finding(prefix + " threw something that is not a std::exception (only ScenarioError is allowed)");
  }
}

void check_error_report(const scenarios::ScenarioError& error, std::string_view where) {
  const std::string prefix(where);
  if (error.diagnostics().empty()) finding(prefix + ": ScenarioError without a diagnostic", error.what());
  if (std::string_view(error.what()).empty()) finding(prefix + ": ScenarioError with an empty message");
  for (const scenarios::Diagnostic& d : error.diagnostics()) {
    if (d.message.empty() || d.file.empty() || d.line < 0 || d.column < 0 || (d.line == 0 && d.column != 0))
      finding(prefix + ": malformed diagnostic", scenarios::format_diagnostic(d));
  }
}

void check_loaded(const scenarios::Scenario& scenario, std::string_view where) {
  const std::string prefix(where);
  if (const auto problems = scenarios::cross_field_problems(scenario); !problems.empty())
    finding(prefix + " loaded a scenario that breaks a cross-field rule", problems.front().second);

  // What the GUI's "Save as" and a study's definition write must read back as the same scenario.
  const std::string text = scenarios::render_scenario_toml(scenario);
  scenarios::Scenario back;
  try {
    back = scenarios::parse_scenario(text, "rendered");
  } catch (const std::exception& e) {
    finding(prefix + ": render_scenario_toml of a loaded scenario does not load",
            std::string(e.what()) + "\n--- rendered text:\n" + text);
  }
  const std::string again = scenarios::render_scenario_toml(back);
  if (again != text)
    finding(prefix + ": render_scenario_toml does not read back to the same scenario", first_difference(text, again));
}

void check_builds(const scenarios::Scenario& scenario) {
  // Shrink the world (and the hashed model) so one build takes milliseconds; every other key keeps
  // its fuzzed value. The caps keep advertisers <= campaigns <= ads when the input did.
  std::vector<std::string> shrink;
  auto cap = [&](const char* key, std::int64_t value, std::int64_t bound) {
    if (value > bound) shrink.push_back(std::string(key) + "=" + std::to_string(bound));
  };
  cap("world.users", scenario.world.users, 300);
  cap("world.advertisers", scenario.world.advertisers, 20);
  cap("world.campaigns", scenario.world.campaigns, 40);
  cap("world.ads", scenario.world.ads, 120);
  cap("model.hash_bits", scenario.model.hash_bits, 12);
  cap("model.calibration_window", scenario.model.calibration_window, 1000);
  scenarios::Scenario small;
  // A shrunk world may break a cross-field rule the original kept: then there is nothing to build.
  if (!loads("apply_overrides (shrinking the world)", [&] { small = scenarios::apply_overrides(scenario, shrink); }))
    return;
  try {
    (void)scenarios::build_marketplace(small);
  } catch (const scenarios::BuildError&) {
    // A combination the schema cannot see: reported to the user as such.
  } catch (...) {
    unexpected_exception("build_marketplace");
  }
  try {
    (void)scenarios::auction_only_config(small);
  } catch (const scenarios::BuildError&) {
  } catch (...) {
    unexpected_exception("auction_only_config");
  }
}

}  // namespace adsim::fuzz

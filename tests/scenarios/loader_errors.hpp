#pragma once
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "scenarios/scenario_loader.hpp"

// What the loader reports for a scenario text that must not load: shared by the scenario tests.
namespace adsim::scenarios::test_support {

// The diagnostics parse_scenario reports for `text`; fails the test when it does not throw.
inline std::vector<Diagnostic> errors_of(std::string_view text, std::vector<std::string> overrides = {}) {
  try {
    parse_scenario(text, "test.toml", overrides);
  } catch (const ScenarioError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected a ScenarioError for:\n" << text;
  return {};
}

// The single diagnostic for `text`; fails the test when there are more or none.
inline Diagnostic error_of(std::string_view text, std::vector<std::string> overrides = {}) {
  const auto all = errors_of(text, std::move(overrides));
  std::string listing;
  for (const auto& d : all) listing += "\n  " + format_diagnostic(d);
  EXPECT_EQ(all.size(), 1u) << listing;
  return all.empty() ? Diagnostic{} : all.front();
}

}  // namespace adsim::scenarios::test_support

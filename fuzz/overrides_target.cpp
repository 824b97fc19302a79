// Fuzz target: `--set` overrides, one per line of the input, applied to a bundled scenario two
// ways that must agree: parse_scenario(text, name, overrides), as `adsim run --set` does, and
// apply_overrides(loaded, overrides), as the GUI does. A first line "@name" picks the bundled
// scenario (quickstart otherwise). See fuzz/README.md.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/scenario_schema.hpp"

namespace {

using adsim::fuzz::Bundled;
using adsim::scenarios::Scenario;

struct Base {
  const Bundled* bundled;
  Scenario scenario;
};

// Every bundled scenario, loaded once; each must load.
const std::vector<Base>& bases() {
  static const std::vector<Base> all = [] {
    std::vector<Base> out;
    for (const Bundled& b : adsim::fuzz::bundled_scenarios()) {
      Scenario s;
      std::string error;
      if (!adsim::fuzz::loads("a bundled scenario", [&] { s = adsim::scenarios::parse_scenario(b.text, b.name); }, &error))
        adsim::fuzz::finding(std::string("bundled scenario '") + b.name + "' does not load", error);
      out.push_back({&b, std::move(s)});
    }
    if (out.empty()) adsim::fuzz::finding("no bundled scenarios compiled in");
    return out;
  }();
  return all;
}

const Base& base_named(std::string_view name) {
  const std::vector<Base>& all = bases();
  for (const Base& b : all)
    if (name == b.bundled->name) return b;
  for (const Base& b : all)
    if (std::string_view(b.bundled->name) == "quickstart") return b;
  return all.front();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view name = "quickstart";
  if (!input.empty() && input.front() == '@') {
    const auto eol = input.find('\n');
    name = input.substr(1, eol == std::string_view::npos ? std::string_view::npos : eol - 1);
    input = eol == std::string_view::npos ? std::string_view{} : input.substr(eol + 1);
  }
  const Base& base = base_named(name);

  std::vector<std::string> overrides;
  while (!input.empty()) {  // one override per line; a last line needs no newline
    const auto eol = input.find('\n');
    overrides.emplace_back(input.substr(0, eol));
    input = eol == std::string_view::npos ? std::string_view{} : input.substr(eol + 1);
  }

  Scenario from_text;
  Scenario applied;
  std::string text_error;
  std::string applied_error;
  const bool text_loads = adsim::fuzz::loads(
      "parse_scenario with overrides",
      [&] { from_text = adsim::scenarios::parse_scenario(base.bundled->text, base.bundled->name, overrides); },
      &text_error);
  const bool applied_loads = adsim::fuzz::loads(
      "apply_overrides", [&] { applied = adsim::scenarios::apply_overrides(base.scenario, overrides); }, &applied_error);
  if (text_loads != applied_loads)
    adsim::fuzz::finding(text_loads ? "apply_overrides rejects overrides that parse_scenario accepts"
                                    : "parse_scenario rejects overrides that apply_overrides accepts",
                         text_loads ? applied_error : text_error);
  if (!text_loads) return 0;

  if (from_text.overrides != overrides || applied.overrides != overrides)
    adsim::fuzz::finding("the scenario does not record the overrides as given");
  if (adsim::scenarios::render_scenario_toml(from_text) != adsim::scenarios::render_scenario_toml(applied))
    adsim::fuzz::finding("parse_scenario with overrides and apply_overrides load different scenarios");
  adsim::fuzz::check_loaded(applied, "apply_overrides");
  adsim::fuzz::check_builds(applied);
  return 0;
}

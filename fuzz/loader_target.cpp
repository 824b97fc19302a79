// Fuzz target: a scenario file's text through the loader (parse_scenario), then, when it loads,
// through the TOML writer and back, and into the factory (fuzz/README.md).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_support.hpp"
#include "scenarios/scenario_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  adsim::scenarios::Scenario scenario;
  if (!adsim::fuzz::loads("parse_scenario", [&] { scenario = adsim::scenarios::parse_scenario(text, "fuzz"); }))
    return 0;
  if (scenario.source_text != text) adsim::fuzz::finding("parse_scenario: source_text is not the text given");
  if (scenario.source_path != "fuzz") adsim::fuzz::finding("parse_scenario: source_path is not the name given");
  adsim::fuzz::check_loaded(scenario, "parse_scenario");
  adsim::fuzz::check_builds(scenario);
  return 0;
}

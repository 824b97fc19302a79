// Loads a scenario file with the installed adsim::scenarios library and prints what it read.
#include <iostream>

#include "scenarios/scenario_loader.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: adsim_consumer SCENARIO.toml\n";
    return 2;
  }
  try {
    const adsim::scenarios::Scenario s = adsim::scenarios::load_scenario_file(argv[1]);
    std::cout << "scenario: " << s.name << "\n"
              << "users: " << s.world.users << "\n"
              << "adsim package: " << ADSIM_PACKAGE_VERSION << "\n";
  } catch (const adsim::scenarios::ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}

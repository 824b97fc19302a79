#pragma once
#include <filesystem>
#include <string>
#include <vector>

// Where the bundled scenario files are, for the adsim command and the app alike (one rule, so
// `adsim list` and the app's picker never disagree). No path of the source tree is compiled in:
// an installed adsim works after its source is gone and after its prefix is moved.
namespace adsim::scenarios {

struct BundledDirSearch {
  std::filesystem::path dir;                 // the first candidate holding a *.toml file; empty if none
  std::vector<std::filesystem::path> tried;  // every candidate looked at, in order
  bool from_environment = false;             // $ADSIM_SCENARIO_DIR was set (and is then the only candidate)
};

// Candidates, in order:
//   1. $ADSIM_SCENARIO_DIR when set and not empty, and then only it: a folder the user names is
//      never silently replaced by another;
//   2. <folder of the running program>/../share/adsim/scenarios (the install's bindir to
//      datadir/adsim/scenarios): an installed adsim wherever its prefix lies, and the build tree,
//      where CMake links <build>/share/adsim/scenarios to the source's scenarios/ and the
//      programs live one folder down (<build>/cli/adsim, <build>/gui/adsim-gui, <build>/tests/);
//   3. the same from the folder above (test programs two folders down, <build>/tests/gui/);
//   4. <install prefix>/share/adsim/scenarios as configured (a program copied out of its prefix).
BundledDirSearch find_bundled_dir();

// Says that no bundled scenarios were found, where they were looked for and how to point adsim
// at them; for a user-facing error. Ends with a newline.
std::string no_bundled_dir_message(const BundledDirSearch& search);

}  // namespace adsim::scenarios

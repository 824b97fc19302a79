#pragma once
// The adsim command called in-process, as the CLI tests call it.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_app.hpp"

namespace adsim::cli::test_support {

struct Result {
  int code;
  std::string out, err;
};

inline Result run(std::vector<std::string> args, const std::atomic<bool>* stop = nullptr) {
  std::ostringstream out, err;
  const int code = run_cli(args, out, err, stop);
  return {code, out.str(), err.str()};
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace adsim::cli::test_support

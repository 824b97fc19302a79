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

#include <fcntl.h>
#include <unistd.h>

#include <functional>

namespace adsim::cli::test_support {

// Starts the built adsim command as a child process, as a user starts it, with stdout and stderr
// to `log`; `in_child` runs in the child just before exec (a resource limit, say).
inline pid_t spawn_adsim(const std::vector<std::string>& args, const std::filesystem::path& log,
                         const std::function<void()>& in_child = {}) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(fd, 1);
  ::dup2(fd, 2);
  if (in_child) in_child();
  const std::string binary = std::string(ADSIM_BINARY_DIR) + "/cli/adsim";
  std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(binary.c_str(), argv.data());
  ::_exit(127);
}

}  // namespace adsim::cli::test_support

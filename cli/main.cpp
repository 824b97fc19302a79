#include <csignal>
#include <iostream>

#include "cli/cli_app.hpp"

namespace {
// The one piece of global state: a signal handler can reach nothing else.
std::atomic<bool> g_stop{false};

extern "C" void on_sigint(int) {
  g_stop.store(true);
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C kills at once
}
}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  std::vector<std::string> args(argv + 1, argv + argc);
  return adsim::cli::run_cli(args, std::cout, std::cerr, &g_stop);
}

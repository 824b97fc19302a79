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

// Ctrl-C, SIGTERM and SIGHUP (a closed terminal) stop the run at its next event: it is saved and
// marked interrupted, and adsim exits 130. A second Ctrl-C kills at once (the default action):
// the run's row then stays 'running', with every interval written before it.
int main(int argc, char** argv) {
  std::signal(SIGINT, on_sigint);
  std::signal(SIGTERM, on_sigint);
  std::signal(SIGHUP, on_sigint);
  std::vector<std::string> args(argv + 1, argv + argc);
  return adsim::cli::run_cli(args, std::cout, std::cerr, &g_stop);
}

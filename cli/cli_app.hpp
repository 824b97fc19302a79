#pragma once
#include <atomic>
#include <iosfwd>
#include <string>
#include <vector>

namespace adsim::cli {

// Exit codes of the adsim command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInterrupted = 130;  // stopped by Ctrl-C; results so far are saved

// The whole command, callable in-process (tests) or from main(). `stop` is set by a signal handler.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            const std::atomic<bool>* stop = nullptr);

}  // namespace adsim::cli

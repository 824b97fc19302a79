#pragma once
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace adsim::experiments {
struct Study;
}

namespace adsim::cli {

// Exit codes of the adsim command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInterrupted = 130;  // stopped by Ctrl-C; results so far are saved

// The whole command, callable in-process (tests) or from main(). `stop` is set by a signal handler.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            const std::atomic<bool>* stop = nullptr);

// --memory-limit: "" (the memory available now), "off" (never refuse) or a size ("8G"). A problem
// with the option's text, if it has one.
std::optional<std::string> memory_limit_problem(const std::string& limit);

// Whether `needed` bytes fit under the --memory-limit; `what` names the scenario or study.
struct MemoryFit {
  bool fits = true;
  std::string summary;  // "needs about 61 MiB of memory, 20 GiB available"
  std::string problem;  // when it does not fit: the whole error line, with what to do
};
MemoryFit check_memory(std::uint64_t needed, const std::string& limit, const std::string& what);
// A study runs `in_flight` cells at once, each as large as its largest variant's run.
MemoryFit check_study_memory(const experiments::Study& study, std::size_t in_flight, const std::string& limit);

}  // namespace adsim::cli

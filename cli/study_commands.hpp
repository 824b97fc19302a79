#pragma once
#include <atomic>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

// The study commands of `adsim`: sweep and compare run a study (experiments/) and print its
// statistics; export writes a stored study as CSV. Each parses its own options.
namespace adsim::cli {

bool is_study_command(std::string_view command);  // sweep, compare, export

// `args` are the words after the command. `stop` is set by Ctrl-C: dispatch stops, the runs in
// flight end as interrupted, and the command exits 130 (run it again to resume).
int run_study_command(std::string_view command, const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err, const std::atomic<bool>* stop);

}  // namespace adsim::cli

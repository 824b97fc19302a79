#pragma once
#include <atomic>
#include <iosfwd>
#include <string>
#include <vector>

// `adsim lesson NAME` runs a lesson's [experiment] over its seeds and checks each of its claims
// ([[experiment.claim]]) with the paired statistics of a study; `adsim lesson --all` checks every
// bundled lesson that states claims.
namespace adsim::cli {

// `args` are the words after "lesson". Exit 0 when every claim holds, 1 when one does not (fails,
// or is inconclusive with the seeds given), 2 for bad input, 130 when stopped by Ctrl-C.
int run_lesson_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   const std::atomic<bool>* stop);

}  // namespace adsim::cli

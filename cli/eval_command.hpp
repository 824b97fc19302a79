#pragma once
#include <iosfwd>
#include <string>
#include <vector>

// `adsim eval FILE.csv`: a click model's offline metrics (AUC, log loss, normalized entropy,
// calibration ratio, ECE and a reliability table) on a CSV of predictions and labels, optionally
// weighted, with the code that scores the simulator's own models (models/offline_metrics.hpp).
namespace adsim::cli {

// `args` are the words after "eval".
int run_eval_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace adsim::cli

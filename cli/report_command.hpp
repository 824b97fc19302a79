#pragma once
#include <iosfwd>
#include <string>
#include <vector>

// `adsim report DB [--run ID | --experiment ID | --compare ID,ID] [-o FILE]`: an HTML page with
// figures from a results database (charts/). A build without Qt has the command too, and says that
// it needs the Qt build.
namespace adsim::cli {

// `args` are the words after "report".
int run_report_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace adsim::cli

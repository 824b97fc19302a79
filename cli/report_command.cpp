#include "cli/report_command.hpp"

#include <ostream>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "cli/cli_app.hpp"
#include "store/result_store.hpp"
#ifdef ADSIM_WITH_CHARTS
#include "charts/report.hpp"
#endif

namespace adsim::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kReportUsage = R"(Usage:
  adsim report DB [--run ID | --experiment ID | --compare ID,ID[,...]] [-o FILE.html | -o FOLDER]
                  [--metrics NAME,...] [--format png|svg] [--embed]

Writes an HTML page with figures about what a results database holds; open it in any browser.
The figures go to the folder <page>_figures beside the page (with --embed also into the page,
so the one file can be mailed). Default subject: the latest run in the file, or the study it
belongs to.
  --run ID          one run: headline metrics; revenue, RPM and CTR over time; hides, reports,
                    fatigue and users over time; price, fill and reserve-bind rate by hour of day;
                    spend against the pacer's plan and when budgets ran out; calibration over time
                    and a reliability diagram; the funnel; CTR by slot; feed vs. search
  --experiment ID   a study (adsim sweep / compare --db): each metric against each factor with
                    95% confidence bands, the per-variant table, paired differences against the
                    baseline with intervals and verdicts (adsim export DB --list lists studies)
  --compare A,B     two or more runs overlaid, differences coloured by whether they are good
  --metrics LIST    the study metrics to draw (default: a headline set); tables show all
  -o PATH           the page (.html) or an existing folder (default: <db>_<subject>.html here)
  --format F        png (default) or svg figures

Exit codes: 0 ok, 2 bad input (missing or foreign database, unknown run or study), 1 internal error.
)";

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

// "3,4" -> {3, 4}; throws po::error on anything else.
std::vector<std::int64_t> parse_ids(const std::string& text) {
  std::vector<std::int64_t> ids;
  for (const std::string& part : split_commas(text)) {
    try {
      std::size_t used = 0;
      const long long v = std::stoll(part, &used);
      if (used != part.size() || v <= 0) throw std::invalid_argument(part);
      ids.push_back(v);
    } catch (const std::exception&) {
      throw po::error("--compare: '" + part + "' is not a run id (a positive whole number)");
    }
  }
  return ids;
}

}  // namespace

int run_report_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description opts("Options");
  std::string db, output, compare, metrics, format = "png";
  std::int64_t run_id = 0, experiment_id = 0;
  opts.add_options()("help,h", "")("db", po::value(&db), "")("run", po::value(&run_id), "")(
      "experiment", po::value(&experiment_id), "")("compare", po::value(&compare), "")(
      "metrics", po::value(&metrics), "")("output,o", po::value(&output), "")("format", po::value(&format), "")(
      "embed", "");
  po::positional_options_description pos;
  pos.add("db", 1);
  po::variables_map vm;
  std::vector<std::int64_t> compare_ids;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
    if (vm.count("compare")) compare_ids = parse_ids(compare);
    if (vm.count("run") && run_id <= 0) throw po::error("--run: a run id is a positive whole number");
    if (vm.count("experiment") && experiment_id <= 0)
      throw po::error("--experiment: an experiment id is a positive whole number");
  } catch (const po::error& e) {
    err << "adsim report: " << e.what() << "\nRun 'adsim report --help' for usage.\n";
    return kExitBadInput;
  }
  if (vm.count("help")) {
    out << kReportUsage;
    return kExitOk;
  }
  if (db.empty()) {
    err << "adsim report: needs a results database\n" << kReportUsage;
    return kExitBadInput;
  }
#ifndef ADSIM_WITH_CHARTS
  (void)out;
  err << "adsim report: this adsim was built without Qt, and reports draw their figures with Qt Charts.\n"
         "Build with Qt (scripts/setup.sh installs it; cmake -DADSIM_BUILD_GUI=ON), or read the numbers with\n"
         "adsim export " << db << " --csv or sqlite3.\n";
  return kExitBadInput;
#else
  charts::ReportRequest req;
  req.database = db;
  req.run_id = run_id;
  req.experiment_id = experiment_id;
  req.compare_ids = compare_ids;
  if (!metrics.empty()) req.metrics = split_commas(metrics);
  req.output = output;
  req.image_format = format;
  req.embed = vm.count("embed") > 0;
  try {
    const charts::ReportResult r = charts::write_report(req);
    out << fmt::format("report of {}: {} ({} figures in {})\n", r.subject, r.html.string(), r.figures.size(),
                       r.figures_folder.string());
    return kExitOk;
  } catch (const charts::ReportError& e) {
    err << "adsim report: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const store::ResultStoreError& e) {
    err << "adsim report: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    err << "adsim report: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
#endif
}

}  // namespace adsim::cli

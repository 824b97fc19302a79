#include "cli/eval_command.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli_app.hpp"
#include "cli/report.hpp"
#include "models/offline_metrics.hpp"

namespace adsim::cli {
namespace po = boost::program_options;
namespace {

constexpr const char* kEvalUsage = R"(Usage:
  adsim eval FILE.csv [--bins N] [--range-max P] [--json]

Scores a click model's predictions against their labels: AUC (ties count one half), log loss,
normalized entropy (log loss over the entropy of the base rate), calibration ratio (sum of
predictions over sum of labels), expected calibration error and a reliability table, exactly
as adsim scores its own models (docs/learning.md, "Offline metrics").

FILE.csv (or - for stdin) has a prediction in [0, 1], a label (0 or 1) and an optional weight
(>= 0) per line, separated by commas. A header line names the columns (prediction or p or pctr,
label or y or click, weight or w, in any order; other columns are ignored); without one the
first three columns are taken in that order. With weights every sum is weighted and AUC counts
each pair by the product of its weights: a weight k counts as k copies of the line.

Options:
  --bins N        reliability bins (default 10)
  --range-max P   the bins cover [0, P] equally; predictions above fall in the last (default 1)
  --json          the metrics as one JSON object

Exit codes: 0 ok, 2 bad input (the file, a line, an option).
)";

struct Columns {
  int prediction = 0, label = 1, weight = -1;
};

struct Examples {
  std::vector<float> p;
  std::vector<std::uint8_t> labels;
  std::vector<double> weights;
};

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) {
    const auto first = field.find_first_not_of(" \t\r\"");
    const auto last = field.find_last_not_of(" \t\r\"");
    fields.push_back(first == std::string::npos ? "" : field.substr(first, last - first + 1));
  }
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

std::optional<double> number(const std::string& text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// The header's columns; throws a message naming what is missing.
Columns header_columns(const std::vector<std::string>& names) {
  Columns c{-1, -1, -1};
  for (int i = 0; i < static_cast<int>(names.size()); ++i) {
    std::string n = names[static_cast<std::size_t>(i)];
    for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (n == "prediction" || n == "p" || n == "pctr") c.prediction = i;
    else if (n == "label" || n == "y" || n == "click") c.label = i;
    else if (n == "weight" || n == "w") c.weight = i;
  }
  if (c.prediction < 0 || c.label < 0)
    throw std::runtime_error("line 1: the header names no prediction column (prediction, p or pctr) or no label "
                             "column (label, y or click)");
  return c;
}

// Reads every example; throws a message "line N: ..." at the first bad line.
Examples read_examples(std::istream& in) {
  Examples e;
  Columns c;
  std::string line;
  std::size_t line_number = 0;
  bool weighted = false;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::vector<std::string> f = split_csv_line(line);
    if (line_number == 1 && !f.empty() && !number(f[0])) {
      c = header_columns(f);
      weighted = c.weight >= 0;
      continue;
    }
    if (line_number == 1) weighted = f.size() >= 3;
    if (line_number == 1 && weighted) c.weight = 2;
    const int needed = std::max({c.prediction, c.label, c.weight}) + 1;
    if (static_cast<int>(f.size()) < needed)
      throw std::runtime_error(fmt::format("line {}: {} columns, expected at least {}", line_number, f.size(), needed));
    const auto p = number(f[static_cast<std::size_t>(c.prediction)]);
    if (!p || *p < 0 || *p > 1)
      throw std::runtime_error(fmt::format("line {}: the prediction '{}' is not a number in [0, 1]", line_number,
                                           f[static_cast<std::size_t>(c.prediction)]));
    const auto y = number(f[static_cast<std::size_t>(c.label)]);
    if (!y || (*y != 0 && *y != 1))
      throw std::runtime_error(fmt::format("line {}: the label '{}' is not 0 or 1", line_number,
                                           f[static_cast<std::size_t>(c.label)]));
    e.p.push_back(static_cast<float>(*p));
    e.labels.push_back(*y == 1 ? 1 : 0);
    if (weighted) {
      const auto w = number(f[static_cast<std::size_t>(c.weight)]);
      if (!w || *w < 0)
        throw std::runtime_error(fmt::format("line {}: the weight '{}' is not a number >= 0", line_number,
                                             f[static_cast<std::size_t>(c.weight)]));
      e.weights.push_back(*w);
    }
  }
  if (e.p.empty()) throw std::runtime_error("no examples");
  return e;
}

nlohmann::ordered_json report_json(const models::MetricReport& r) {
  nlohmann::ordered_json j = {{"examples", r.count},        {"positives", r.clicks},
                              {"weight", r.weight},         {"positive_weight", r.click_weight},
                              {"base_rate", number_or_null(r.base_rate)}, {"mean_prediction", number_or_null(r.mean_p)},
                              {"auc", number_or_null(r.auc)},             {"log_loss", number_or_null(r.log_loss)},
                              {"normalized_entropy", number_or_null(r.normalized_entropy)},
                              {"calibration_ratio", number_or_null(r.calibration_ratio)},
                              {"ece", number_or_null(r.ece)}};
  j["reliability"] = nlohmann::ordered_json::array();
  for (const models::ReliabilityBin& b : r.reliability)
    j["reliability"].push_back({{"lower", b.lower}, {"upper", b.upper}, {"examples", b.count}, {"weight", b.weight},
                                {"mean_prediction", number_or_null(b.mean_p)},
                                {"observed_rate", number_or_null(b.observed_rate)}});
  return j;
}

std::string report_table(const std::string& name, const models::MetricReport& r, bool weighted) {
  std::string out = fmt::format("{}: {} examples, {} positives", name, r.count, r.clicks);
  if (weighted) out += fmt::format(" (weight {:.6g}, positive weight {:.6g})", r.weight, r.click_weight);
  out += fmt::format("\n  base rate            {:.6f}\n  mean prediction      {:.6f}\n", r.base_rate, r.mean_p);
  out += fmt::format("  AUC                  {:.6f}\n  log loss             {:.6f}\n", r.auc, r.log_loss);
  out += fmt::format("  normalized entropy   {:.6f}   (< 1: better than predicting the base rate)\n", r.normalized_entropy);
  out += fmt::format("  calibration ratio    {:.6f}   (sum of predictions / sum of labels)\n", r.calibration_ratio);
  out += fmt::format("  ECE                  {:.6f}\n\nReliability:\n", r.ece);
  out += fmt::format("  {:>17} {:>10} {:>12} {:>12}\n", "bin", weighted ? "weight" : "examples", "mean p", "observed");
  for (const models::ReliabilityBin& b : r.reliability) {
    const std::string range = fmt::format("[{:.3g}, {:.3g})", b.lower, b.upper);
    if (b.count == 0) out += fmt::format("  {:>17} {:>10}\n", range, 0);
    else out += fmt::format("  {:>17} {:>10.6g} {:>12.6f} {:>12.6f}\n", range, b.weight, b.mean_p, b.observed_rate);
  }
  return out;
}

}  // namespace

int run_eval_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description opts("Options");
  std::string file;
  models::CalibrationBinning binning;
  opts.add_options()("help,h", "")("json", "")("bins", po::value(&binning.bins), "")(
      "range-max", po::value(&binning.range_max), "")("file", po::value(&file), "");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "adsim eval: " << e.what() << "\nRun 'adsim eval --help' for usage.\n";
    return kExitBadInput;
  }
  if (vm.count("help")) {
    out << kEvalUsage;
    return kExitOk;
  }
  if (file.empty()) {
    err << "adsim eval: needs a CSV file (or - for stdin)\n" << kEvalUsage;
    return kExitBadInput;
  }
  if (binning.bins < 1 || binning.bins > 1000 || !(binning.range_max > 0) || binning.range_max > 1) {
    err << "adsim eval: --bins takes 1 to 1000 and --range-max a number in (0, 1]\n";
    return kExitBadInput;
  }
  std::ifstream in_file;
  if (file != "-") {
    in_file.open(file);
    if (!in_file) {
      err << fmt::format("adsim eval: cannot read {}\n", file);
      return kExitBadInput;
    }
  }
  Examples e;
  try {
    e = read_examples(file == "-" ? std::cin : in_file);
  } catch (const std::exception& ex) {
    err << fmt::format("adsim eval: {}: {}\n", file, ex.what());
    return kExitBadInput;
  }
  const models::MetricReport r = models::evaluate_weighted(e.p, e.labels, e.weights, binning);
  if (vm.count("json")) {
    nlohmann::ordered_json j = {{"adsim_version", ADSIM_VERSION}, {"file", file}, {"weighted", !e.weights.empty()}};
    j["metrics"] = report_json(r);
    out << j.dump(2) << "\n";
  } else {
    out << report_table(file, r, !e.weights.empty());
  }
  return kExitOk;
}

}  // namespace adsim::cli

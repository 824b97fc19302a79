#include "cli/cli_app.hpp"

#include <chrono>
#include <functional>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include <unistd.h>

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/eval_command.hpp"
#include "cli/report.hpp"
#include "cli/lesson_command.hpp"
#include "cli/report_command.hpp"
#include "cli/scenario_files.hpp"
#include "cli/study_commands.hpp"
#include "experiments/lesson.hpp"
#include "experiments/study.hpp"
#include "models/ground_truth.hpp"
#include "scenarios/auction_only_run.hpp"
#include "scenarios/auction_only_text.hpp"
#include "scenarios/factory.hpp"
#include "scenarios/memory_estimate.hpp"
#include "store/result_store.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/scenario_schema.hpp"

namespace adsim::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage = R"(adsim — ads auction and ranking simulator (headless)

Usage:
  adsim run SCENARIO [--seed N] [--db FILE] [--set KEY=VALUE]... [--json] [--quiet] [--memory-limit SIZE]
  adsim check SCENARIO [--set KEY=VALUE]... [--memory-limit SIZE]
  adsim sweep SCENARIO --vary KEY=V1,V2,... [--vary ...] [--zip] --seeds SPEC [--jobs N] [--db FILE]
  adsim compare SCENARIO --variant NAME:KEY=VALUE[,KEY=VALUE...] [--variant ...] --seeds SPEC [...]
  adsim export DB [--experiment ID] --csv [--table runs|summary|comparisons] [-o FILE]
  adsim export DB --run ID --csv [-o FILE]
  adsim report DB [--run ID | --experiment ID | --compare ID,ID] [-o FILE.html]
  adsim lesson NAME | --all [--seeds SPEC] [--jobs N]
  adsim eval FILE.csv [--bins N] [--range-max P] [--json]
  adsim list
  adsim reference
  adsim --help | --version

Commands:
  run        Run a scenario once (one seed) and print a summary (a table, or JSON with --json).
  check      Validate a scenario, its overrides and its [experiment] table without running it,
             and print the memory a run needs against what the machine has.
  sweep      Run a study: every combination of the varied keys, each over several seeds, on
             every core; print mean, sd and 95% confidence interval per variant and metric.
  compare    Run variants against the scenario as written, paired by seed: differences with
             95% intervals, p-values and Holm-adjusted p-values. (adsim sweep --help for both.)
  export     Write a recorded study as CSV: per-run rows, the summary or the comparisons; or
             a run's prediction log (run.prediction_log_rate) as the CSV adsim eval reads.
  lesson     Check a lesson's claims: run its variants over its seeds and judge each claim
             with a 95% interval (adsim lesson --help).
  report     Write an HTML page with figures of a run, a study or runs side by side, from a
             results database (adsim report --help). Needs the Qt build.
  eval       Score predictions against labels from a CSV (AUC, log loss, normalized entropy,
             calibration, ECE, reliability), as adsim scores its models (adsim eval --help).
  list       List the bundled scenarios with their descriptions.
  reference  Print the scenario reference: every key with its unit, default and range.

One run is one seed: differences between two single runs are often noise (revenue moves by
several percent between seeds). Use sweep or compare to see which differences hold.

Options:
  --seed N          random seed, 0 to 9223372036854775807 (overrides run.seed)
  --db FILE         append the run's results to this SQLite file (created if missing);
                    auction-only scenarios record their summary, slots, bidders and a
                    time series over blocks of rounds (docs/results-schema.md)
  --set KEY=VALUE   override any scenario key, repeatable, e.g. --set auction.reserve=0.1
                    or --set traffic.hourly_profile=[1,1,2,...] (TOML values)
  --json            print the summary as one JSON object instead of a table
  -q, --quiet       no progress on stderr
  --memory-limit S  refuse (exit 2) a scenario estimated to need more memory than S, e.g. 8G
                    or 512M (default: what is available now: the least of MemAvailable, the
                    cgroup's memory.max and ulimit -v); 'off' never refuses
  -v, --verbose     debug logging on stderr
  --log-level L     trace, debug, info, warn (default), error or off

SCENARIO is a path to a .toml file or the name of a bundled scenario (see `adsim list`),
e.g. `adsim run quickstart`.

Exit codes: 0 ok, 2 bad input (scenario, option or path, or a scenario too large for the
memory), 1 internal error (out of memory during a run included: the run is marked failed),
130 interrupted by Ctrl-C, SIGTERM or SIGHUP (results so far are saved and the run is marked
interrupted). A second Ctrl-C kills adsim at once: the run's row stays 'running', with every
interval written before it.
)";

// Progress on stderr once a run has taken more than two wall seconds: on a terminal one line
// rewritten in place every two seconds; into a file or a pipe (a log, CI) a whole line every ten.
class Progress final : public core::SimObserver {
 public:
  Progress(std::ostream& err, bool terminal)
      : err_(err), terminal_(terminal), start_(std::chrono::steady_clock::now()), last_(start_) {}
  void on_progress(core::SimTime now, core::SimTime end, std::uint64_t requests) override {
    const auto t = std::chrono::steady_clock::now();
    if (t - last_ < std::chrono::seconds(shown_ && !terminal_ ? 10 : 2)) return;
    last_ = t;
    const double wall = std::chrono::duration<double>(t - start_).count();
    const std::string line = fmt::format("[adsim] simulated {} of {} ({:3.0f} %)  {:>12} requests  {:>9.0f} requests/s",
                                         clock(now), clock(end), 100.0 * static_cast<double>(now) / static_cast<double>(end),
                                         requests, static_cast<double>(requests) / wall);
    if (terminal_) err_ << "\r" << line << " " << std::flush;
    else err_ << line << "\n" << std::flush;
    shown_ = true;
  }
  void done() {
    if (shown_ && terminal_) err_ << "\n";
  }

 private:
  std::ostream& err_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_, last_;
  bool shown_ = false;
};

// No bundled scenarios found is an error that names the folders looked in (an install missing its
// share/adsim/scenarios, or a wrong ADSIM_SCENARIO_DIR), not an empty list.
int do_list(std::ostream& out, std::ostream& err) {
  const std::vector<fs::path> files = bundled_scenarios();
  if (files.empty()) {
    err << bundled_dir_problem();
    return kExitInternal;
  }
  for (const fs::path& p : files) {
    try {
      const scenarios::Scenario s = scenarios::load_scenario_file(p);
      out << fmt::format("{:<22} {}\n", p.stem().string(), s.description);
    } catch (const std::exception& e) {
      out << fmt::format("{:<22} (does not load: {})\n", p.stem().string(), e.what());
    }
  }
  return kExitOk;
}

// `adsim run` of a scenario with [auction_only] enabled: no marketplace, no progress lines (a
// classroom run takes seconds); recorded like a marketplace run with --db.
int run_auction_only(const scenarios::Scenario& scenario, const std::string& db, bool json, std::ostream& out,
                     std::ostream& err, const std::atomic<bool>* stop) {
  // Everything the user gave is checked before the database is touched.
  try {
    (void)scenarios::auction_only_config(scenario);
  } catch (const scenarios::BuildError& e) {
    err << scenario.source_path << ": " << e.what() << "\n";
    return kExitBadInput;
  }
  std::optional<adsim::store::ResultStore> store;
  try {
    if (!db.empty()) store.emplace(adsim::store::ResultStore::open(db));
  } catch (const adsim::store::ResultStoreError& e) {
    err << "adsim: " << e.what() << "\n";
    return kExitBadInput;
  }
  std::unique_ptr<adsim::store::RunRecorder> recorder;
  try {
    if (store) recorder = store->begin_run(scenario, scenario.run.seed);
    std::function<void(const scenarios::AuctionOnlyBlockRow&)> on_block;
    if (recorder) on_block = [&](const scenarios::AuctionOnlyBlockRow& b) { recorder->on_auction_only_block(b); };
    const scenarios::AuctionOnlyRun run = scenarios::run_auction_only_scenario(scenario, stop, on_block);
    if (recorder) recorder->finish_auction_only(run.summary, run.record);
    std::vector<std::string> names;
    for (const scenarios::BidderSpec& b : scenario.auction_only.bidder_list) names.push_back(b.name);
    if (json) {
      RunProvenance p{"auction_only", &scenario, std::nullopt, db, run.interrupted, run.wall_seconds};
      if (recorder) p.run_id = recorder->run_id();
      out << run_json(p, auction_only_json(run.result, names)).dump(2) << "\n";
    }
    else out << scenarios::auction_only_text(scenario.name, scenario.run.seed, run.result, run.wall_seconds, names);
    if (recorder) err << fmt::format("results: {} (run {})\n", db, recorder->run_id());
    if (run.interrupted) {
      err << fmt::format("adsim: interrupted after {} of {} auctions; results so far are {}\n",
                         run.result.metrics.auctions, scenario.auction_only.rounds,
                         recorder ? "saved" : "printed");
      return kExitInterrupted;
    }
    return kExitOk;
  } catch (const std::exception& e) {
    const bool out_of_memory = dynamic_cast<const std::bad_alloc*>(&e) != nullptr;
    if (recorder && !recorder->finished()) {
      try {
        recorder->mark_failed(out_of_memory ? "out of memory" : e.what());
      } catch (...) {
      }
    }
    if (out_of_memory) err << "adsim: out of memory during the run; the run is marked failed\n";
    else err << "adsim: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
}

}  // namespace

namespace {

// Why `text` is not a seed --seed can take, if it is not: digits only (no sign, so -1 cannot wrap
// around), at most 2^63 - 1, the largest run.seed (a TOML integer) holds.
std::optional<std::string> seed_problem(const std::string& text) {
  const std::string range = "seeds are integers from 0 to 9223372036854775807";
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    return "'" + text + "' is not a seed: " + range;
  const std::string digits = text.substr(std::min(text.find_first_not_of('0'), text.size() - 1));
  if (digits.size() > 19 || (digits.size() == 19 && digits > "9223372036854775807"))
    return "'" + text + "' is too large: " + range + " (a study's --seeds takes seeds up to 2^64 - 1)";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> memory_limit_problem(const std::string& limit) {
  if (limit.empty() || limit == "off" || scenarios::parse_bytes(limit)) return std::nullopt;
  return "--memory-limit: '" + limit + "' is not a size (e.g. 8G, 512M, 1.5GiB) or 'off'";
}

MemoryFit check_memory(std::uint64_t needed, const std::string& limit, const std::string& what) {
  MemoryFit fit;
  fit.summary = fmt::format("needs about {} of memory", scenarios::format_bytes(needed));
  if (limit == "off") return fit;
  std::uint64_t room = 0;
  std::string source;
  if (!limit.empty()) {
    room = scenarios::parse_bytes(limit).value_or(0);
    source = "--memory-limit";
  } else if (const auto available = scenarios::available_memory()) {
    room = available->bytes;
    source = available->source;
  } else {
    return fit;  // nothing to compare with
  }
  fit.summary += fmt::format(", {} available", scenarios::format_bytes(room));
  if (needed <= room) return fit;
  fit.fits = false;
  fit.problem = fmt::format(
      "adsim: {} needs about {} of memory, more than the {} available ({}); make it smaller, or pass "
      "--memory-limit off to try anyway",
      what, scenarios::format_bytes(needed), scenarios::format_bytes(room), source);
  return fit;
}

MemoryFit check_study_memory(const experiments::Study& study, std::size_t in_flight, const std::string& limit) {
  std::uint64_t largest = 0;
  std::string which;
  for (std::size_t v = 0; v < study.variants.size(); ++v) {
    const std::uint64_t bytes =
        scenarios::estimate_memory(experiments::cell_scenario(study, {v, 0, study.seeds.empty() ? 1 : study.seeds.front()})).total();
    if (bytes > largest) largest = bytes, which = study.variants[v].name;
  }
  const MemoryFit one = check_memory(largest, limit, "one run of '" + which + "'");
  if (!one.fits || in_flight <= 1) return one;
  MemoryFit all = check_memory(largest * in_flight, limit, fmt::format("the study ({} runs at once)", in_flight));
  if (all.fits) return all;
  const std::uint64_t room = limit.empty() ? scenarios::available_memory().value_or(scenarios::AvailableMemory{}).bytes
                                           : scenarios::parse_bytes(limit).value_or(0);
  all.problem += fmt::format(" (one run of '{}' needs about {}: --jobs {} fits)", which, scenarios::format_bytes(largest),
                             std::max<std::uint64_t>(1, room / std::max<std::uint64_t>(1, largest)));
  return all;
}

std::string describe_estimate(const scenarios::MemoryEstimate& estimate) {
  std::string parts;
  for (const scenarios::MemoryPart& p : estimate.parts)
    parts += fmt::format("\n  {:>10}  {}", scenarios::format_bytes(p.bytes), p.what);
  return parts;
}

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const std::atomic<bool>* stop) {
  if (!args.empty() && args.front() == "lesson")
    return run_lesson_cli(std::vector<std::string>(args.begin() + 1, args.end()), out, err, stop);
  if (!args.empty() && args.front() == "report")
    return run_report_cli(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
  if (!args.empty() && args.front() == "eval")
    return run_eval_cli(std::vector<std::string>(args.begin() + 1, args.end()), out, err);
  if (!args.empty() && is_study_command(args.front()))
    return run_study_command(args.front(), std::vector<std::string>(args.begin() + 1, args.end()), out, err, stop);
  po::options_description opts("Options");
  std::vector<std::string> overrides;
  std::string db, log_level = "warn", memory_limit;
  std::optional<std::string> seed;
  opts.add_options()
      ("help,h", "show this help")
      ("version", "print the version")
      ("seed", po::value<std::string>()->notifier([&](const std::string& v) { seed = v; }), "random seed (overrides run.seed)")
      ("db", po::value(&db), "SQLite file to append the run's results to (created if missing)")
      ("set", po::value(&overrides)->composing(), "override a scenario key: KEY=VALUE (repeatable)")
      ("json", "print the summary as one JSON object")
      ("quiet,q", "no progress output on stderr")
      ("verbose,v", "debug logging on stderr")
      ("log-level", po::value(&log_level), "trace, debug, info, warn, error or off (default warn)")
      ("memory-limit", po::value(&memory_limit), "refuse a scenario needing more memory than this (default: available)")
      ("command", po::value<std::string>(), "")
      ("scenario", po::value<std::string>(), "");
  po::positional_options_description pos;
  pos.add("command", 1).add("scenario", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    err << "adsim: " << e.what() << "\nRun 'adsim --help' for usage.\n";
    return kExitBadInput;
  }
  if (vm.count("help") || args.empty()) {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? kExitBadInput : kExitOk;
  }
  if (vm.count("version")) {
    out << "adsim " << ADSIM_VERSION << "\n";
    return kExitOk;
  }
  configure_logging(log_level, vm.count("verbose") > 0);
  const std::string command = vm.count("command") ? vm["command"].as<std::string>() : "";
  if (command == "list") return do_list(out, err);
  if (command == "reference") {
    out << scenarios::scenario_reference_markdown();
    return kExitOk;
  }
  if (command != "run" && command != "check") {
    err << "adsim: unknown command '" << command << "'\nRun 'adsim --help' for usage.\n";
    return kExitBadInput;
  }
  if (!vm.count("scenario")) {
    err << "adsim: '" << command << "' needs a scenario file or bundled name\n";
    return kExitBadInput;
  }
  if (const auto problem = memory_limit_problem(memory_limit)) {
    err << "adsim: " << *problem << "\n";
    return kExitBadInput;
  }
  if (seed) {
    const std::optional<std::string> problem = seed_problem(*seed);
    if (problem) {
      err << "adsim: --seed: " << *problem << "\n";
      return kExitBadInput;
    }
    // Leading zeros dropped: TOML integers may not have them.
    overrides.push_back("run.seed=" + seed->substr(std::min(seed->find_first_not_of('0'), seed->size() - 1)));
  }

  // 1. Everything the user gave is checked before any file is written.
  scenarios::Scenario scenario;
  if (const int code = load_scenario(vm["scenario"].as<std::string>(), overrides, err, scenario); code != kExitOk)
    return code;
  const scenarios::MemoryEstimate estimate = scenarios::estimate_memory(scenario);
  const MemoryFit fit = check_memory(estimate.total(), memory_limit, scenario.name);
  if (!fit.fits) {
    err << fit.problem << describe_estimate(estimate) << "\n";
    return kExitBadInput;
  }
  if (command == "check") {
    if (scenario.auction_only.enabled) {
      try {  // what the auction library accepts, as adsim run will build it
        (void)scenarios::auction_only_config(scenario);
      } catch (const scenarios::BuildError& e) {
        err << scenario.source_path << ": " << e.what() << "\n";
        return kExitBadInput;
      }
    }
    std::string study;
    if (scenario.experiment.present) {
      try {  // every variant of the [experiment] table, checked as adsim sweep would
        const auto s = experiments::make_study(experiments::StudyKind::kSweep, scenario, {});
        if (!scenario.experiment.claims.empty())  // as adsim lesson will judge them
          experiments::check_claims_are_well_formed(experiments::make_study(experiments::StudyKind::kCompare, scenario, {}),
                                                    scenario.experiment.claims);
        study = fmt::format("; [experiment]: {} variant{} x {} seed{}", s.variants.size(), s.variants.size() == 1 ? "" : "s",
                            s.seeds.size(), s.seeds.size() == 1 ? "" : "s");
      } catch (const experiments::StudyError& e) {
        err << e.what() << "\n";
        return kExitBadInput;
      }
    }
    out << fmt::format("{}: ok ({}{}; {})\n", scenario.source_path, scenario.name, study, fit.summary);
    return kExitOk;
  }
  if (scenario.auction_only.enabled) return run_auction_only(scenario, db, vm.count("json") > 0, out, err, stop);
  std::unique_ptr<core::Marketplace> market;
  try {
    spdlog::info("building world for '{}' (seed {})", scenario.name, scenario.run.seed);
    market = scenarios::build_marketplace(scenario);
  } catch (const scenarios::BuildError& e) {
    err << scenario.source_path << ": " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::bad_alloc&) {  // nothing written yet
    err << fmt::format("adsim: out of memory while building the world ({}){}\n", fit.summary, describe_estimate(estimate));
    return kExitInternal;
  }
  std::optional<adsim::store::ResultStore> store;
  std::unique_ptr<adsim::store::RunRecorder> recorder;
  try {
    if (!db.empty()) store.emplace(adsim::store::ResultStore::open(db));
  } catch (const adsim::store::ResultStoreError& e) {
    err << "adsim: " << e.what() << "\n";
    return kExitBadInput;
  }

  // 2. The run. From here on, a failure is ours, and the database records how the run ended.
  try {
    if (store) {
      recorder = store->begin_run(scenario, scenario.run.seed);
      market->add_observer(*recorder);
    }
    Progress progress(err, &err == &std::cerr && ::isatty(2) == 1);
    if (!vm.count("quiet") && !vm.count("json")) market->add_observer(progress);
    market->set_stop_token(stop);
    const core::RunSummary summary = market->run();
    progress.done();
    if (recorder) recorder->finish(summary);
    // With attractiveness fixed per rank the CTR by slot has a closed form, shown beside the measured.
    const std::vector<double> closed_form = models::closed_form_ctr_by_rank(scenario.truth, core::kMaxSlots);
    if (vm.count("json")) {
      RunProvenance p{"marketplace", &scenario, std::nullopt, db, summary.interrupted, summary.wall_seconds};
      if (recorder) p.run_id = recorder->run_id();
      out << run_json(p, summary_json(summary, closed_form)).dump(2) << "\n";
    }
    else out << summary_table(summary, 10, closed_form);
    if (recorder) err << fmt::format("results: {} (run {})\n", db, recorder->run_id());
    if (summary.interrupted) {
      err << fmt::format("adsim: interrupted at simulated {}; results so far are saved\n", clock(summary.simulated));
      return kExitInterrupted;
    }
    return kExitOk;
  } catch (const std::exception& e) {
    const bool out_of_memory = dynamic_cast<const std::bad_alloc*>(&e) != nullptr;
    if (recorder && !recorder->finished()) {
      try {
        recorder->mark_failed(out_of_memory ? "out of memory" : e.what());
      } catch (...) {
      }
    }
    if (out_of_memory) err << "adsim: out of memory during the run; the run is marked failed\n";
    else err << "adsim: internal error: " << e.what() << "\n";
    return kExitInternal;
  }
}

}  // namespace adsim::cli
